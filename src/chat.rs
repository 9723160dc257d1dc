//! `GET /v1/chat`: the customer live-chat websocket. A session proves who the customer is with
//! the app's token, replays what the app missed, commits each `send` before acknowledging it,
//! and streams everything customer-visible of the customer's conversation.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures::FutureExt;
use switchboard_channel::{ChannelKind, Inbound, SenderIdentity};
use switchboard_chat::frames::Author;
use switchboard_chat::{ClientFrame, CloseCode, CustomerClaims, ErrorCode, ServerFrame};

use crate::app::AppState;
use crate::console::frames::ConsoleFrame;
use crate::domain::{ConversationId, CustomerId, Message, Millis, to_rfc3339};
use crate::hub::ConnId;
use crate::ingest::{IngestError, Source};
use crate::store::{Ingested, StoreError};
use crate::telemetry::names;
use crate::ws::{self, FrameHandler, Handled, Serve};

pub async fn upgrade(State(state): State<Arc<AppState>>, upgrade: WebSocketUpgrade) -> Response {
    let max = state.config.chat.max_frame_bytes;
    ws::configure(upgrade, max).on_upgrade(move |socket| session(state, socket))
}

/// The customer's side of a session once `hello` checked out.
struct Customer {
    id: CustomerId,
    claims: CustomerClaims,
    conn: ConnId,
    /// The conversation this session talks in; `None` until the first `send` opens one.
    conversation: Option<ConversationId>,
}

#[tracing::instrument(name = "chat", skip_all, fields(customer_id))]
async fn session(state: Arc<AppState>, mut socket: WebSocket) {
    let hello = match ws::first_frame(&mut socket, state.config.chat.max_frame_bytes).await {
        Ok(text) => text,
        Err(Some(code)) => return ws::close(&mut socket, code).await,
        Err(None) => return,
    };
    let Ok(ClientFrame::Hello { token, resume_after }) = ClientFrame::parse(&hello) else {
        return ws::close(&mut socket, CloseCode::Unauthorized).await;
    };
    let claims = match state.customer_tokens.verify(&token) {
        Ok(c) => c,
        Err(e) => {
            tracing::info!(reason = %e, "Customer token refused");
            ws::send(&mut socket, ServerFrame::error(ErrorCode::Unauthorized, e.to_string()).to_json()).await;
            return ws::close(&mut socket, CloseCode::Unauthorized).await;
        }
    };
    let sender = identity(&claims);
    let customer = match state.store.resolve_customer(&sender, Millis::now()).await {
        Ok(id) => id,
        Err(e) => {
            tracing::error!(error = %e, "Customer not resolved");
            ws::send(&mut socket, ServerFrame::error(ErrorCode::Unavailable, "try again shortly").to_json()).await;
            return ws::close(&mut socket, CloseCode::Unavailable).await;
        }
    };
    tracing::Span::current().record("customer_id", tracing::field::display(&customer));
    // Register before reading the backlog, so nothing committed in between is missed; a
    // message both replayed and pushed arrives twice with one seq, which clients drop.
    let mut registration = state.hub.register_customer(&customer);
    let mut me = Customer { id: customer, claims, conn: registration.id, conversation: None };
    let outcome = run(&state, &mut socket, &mut me, &mut registration, resume_after).await;
    state.hub.unregister_customer(&me.id, me.conn);
    if let Some(code) = outcome {
        ws::close(&mut socket, code).await;
    }
}

/// Serves a registered session; returns the close code to end with, if any.
async fn run(
    state: &AppState,
    socket: &mut WebSocket,
    me: &mut Customer,
    registration: &mut crate::hub::Registration,
    resume_after: Option<i64>,
) -> Option<CloseCode> {
    let latest = match state.store.latest_conversation(&me.id, ChannelKind::Chat).await {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "Conversation lookup failed");
            return Some(CloseCode::Unavailable);
        }
    };
    me.conversation = latest.as_ref().map(|c| c.id.clone());
    let welcome = ServerFrame::Welcome {
        customer_id: me.id.to_string(),
        conversation_id: me.conversation.as_ref().map(|c| c.to_string()),
        last_seq: latest.as_ref().map_or(0, |c| c.last_seq),
    };
    if !ws::send(socket, welcome.to_json()).await {
        return None;
    }
    if let (Some(after), Some(conversation)) = (resume_after, &me.conversation) {
        match state.store.messages(conversation, after.max(0), false).await {
            Ok(backlog) => {
                let frames: Vec<String> = backlog.iter().map(|m| message_frame(m).to_json()).collect();
                if !ws::send_all(socket, frames).await {
                    return None;
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "Replay failed");
                return Some(CloseCode::Unavailable);
            }
        }
    }
    let expires_in = Duration::from_secs(me.claims.exp.saturating_sub(Millis::now().0 as u64 / 1000));
    let opts = Serve {
        config: &state.config.chat,
        shutdown: &state.shutdown,
        revoked: tokio::time::sleep(expires_in).boxed(),
    };
    ws::serve(socket, registration, opts, &mut Frames { state, me }).await
}

/// Answers a customer's frames.
struct Frames<'a> {
    state: &'a AppState,
    me: &'a mut Customer,
}

/// A `send` whose commit was under way: its client id and how the commit ended.
struct Sent {
    client_id: String,
    result: Result<Ingested, IngestError>,
}

impl FrameHandler for Frames<'_> {
    type Done = Sent;

    async fn handle(&mut self, text: String) -> Handled<Sent> {
        let (state, me) = (self.state, &*self.me);
        let frame = match ClientFrame::parse(&text) {
            Ok(frame) => frame,
            Err(e) => return Handled::unreadable(&e),
        };
        let replies = match frame {
            ClientFrame::Hello { .. } => vec![ServerFrame::error(ErrorCode::BadRequest, "already said hello")],
            // Queued for commit now; the session reads on while it commits.
            ClientFrame::Send { client_id, text } => {
                let committing = state.ingestor.ingest(inbound(me, &client_id, text), source(me));
                return Handled::Pending(Box::pin(async move { Sent { client_id, result: committing.await } }));
            }
            ClientFrame::Typing { on } => {
                if let Some(conversation) = &me.conversation {
                    let f = ConsoleFrame::Typing { conversation_id: conversation.to_string(), on };
                    state.hub.to_conversation_agents(conversation, Arc::from(f.to_json()), None, None);
                }
                Vec::new()
            }
            ClientFrame::Read { seq } => {
                if let Some(conversation) = &me.conversation {
                    let f = ConsoleFrame::Read { conversation_id: conversation.to_string(), seq };
                    state.hub.to_conversation_agents(conversation, Arc::from(f.to_json()), None, None);
                }
                Vec::new()
            }
        };
        Handled::Replies(replies.iter().map(ServerFrame::to_json).collect())
    }

    /// Acknowledges a committed message (and echoes it, for the sender's other devices'
    /// sake the same frame they get), or says why it was not taken.
    fn finish(&mut self, Sent { client_id, result }: Sent) -> Vec<String> {
        let replies = match result {
            Ok(done) => {
                self.me.conversation = Some(done.conversation.id.clone());
                let seq = done.message.seq.unwrap_or_default();
                let ack = ServerFrame::Ack { client_id, conversation_id: done.conversation.id.to_string(), seq };
                if done.duplicate { vec![ack] } else { vec![ack, message_frame(&done.message)] }
            }
            Err(IngestError::Empty) => vec![ServerFrame::error(ErrorCode::BadRequest, "text is empty")],
            Err(e @ IngestError::TooLong(_)) => vec![ServerFrame::error(ErrorCode::TooLarge, e.to_string())],
            Err(e) => {
                if matches!(e, IngestError::Store(StoreError::Busy)) {
                    metrics::counter!(names::STORE_BUSY).increment(1);
                } else {
                    tracing::error!(error = %e, "Chat message not committed");
                }
                vec![ServerFrame::error(ErrorCode::Unavailable, "message not saved; send it again")]
            }
        };
        replies.iter().map(ServerFrame::to_json).collect()
    }
}

/// A `send` as the inbound path takes it.
fn inbound(me: &Customer, client_id: &str, text: String) -> Inbound {
    Inbound {
        channel: ChannelKind::Chat,
        // Scoped to the sender: another customer's identical client_id is another message.
        external_id: format!("{}:{client_id}", me.claims.sub),
        thread_hints: Vec::new(),
        sender: identity(&me.claims),
        subject: None,
        text,
        attachments: Vec::new(),
    }
}

fn source(me: &Customer) -> Source {
    Source { connection: Some(me.conn), customer: Some(me.id.clone()) }
}

fn identity(claims: &CustomerClaims) -> SenderIdentity {
    SenderIdentity {
        app_user_id: Some(claims.sub.clone()),
        email: claims.email.as_ref().map(|e| e.trim().to_lowercase()),
        phone: claims.phone.clone(),
        name: claims.name.clone(),
        lang: claims.lang.clone(),
    }
}

/// A customer-visible message as the customer's app sees it.
pub fn message_frame(m: &Message) -> ServerFrame {
    ServerFrame::Message {
        conversation_id: m.conversation_id.to_string(),
        seq: m.seq.unwrap_or_default(),
        author: Author { role: m.author_role.as_str(), name: m.author_name.clone() },
        text: m.text.clone(),
        sent_at: to_rfc3339(m.created_at),
    }
}

/// How a chat reply was delivered, as agents are told: pushed to the customer's open
/// connections, or waiting for the app to reconnect and replay it.
pub fn delivery_detail(customer_online: bool) -> &'static str {
    if customer_online { "delivered to the app" } else { "customer offline; the app receives it on reconnect" }
}

/// Delivery of agent replies to chat customers. The reply reached every connected device of
/// the customer when it was committed, and a device that was offline replays it on
/// reconnect, so delivery only reports which of the two happened.
pub struct ChatDelivery {
    pub hub: Arc<crate::hub::Hub>,
}

#[async_trait::async_trait]
impl switchboard_channel::OutboundChannel for ChatDelivery {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Chat
    }

    async fn deliver(
        &self,
        message: &switchboard_channel::Outbound,
    ) -> Result<switchboard_channel::DeliveryReceipt, switchboard_channel::DeliveryError> {
        let online = self.hub.customer_online(&CustomerId(message.recipient.customer_id.clone()));
        Ok(switchboard_channel::DeliveryReceipt { external_id: None, detail: delivery_detail(online).into() })
    }

    async fn ready(&self) -> Result<(), String> {
        Ok(())
    }
}
