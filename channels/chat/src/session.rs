//! `GET /v1/chat`: the customer live-chat websocket. A session proves who the customer is with
//! the app's token, replays what the app missed page by page, has each `send` committed before
//! acknowledging it, and streams everything customer-visible of the customer's chat.

use std::sync::Arc;

use axum::extract::State;
use axum::extract::ws::{WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures::FutureExt;
use switchboard_channel::websocket::{self as ws, CloseCode, FrameHandler, FrameReceiver, Handled, Serve, error_frame};
use switchboard_channel::{
    Accepted, ChannelKind, ConnectionId, CustomerSignal, ErrorCode, Inbound, Millis, Origin, Refused, SenderIdentity,
    Threading,
};

use crate::Shared;
use crate::connections::{Full, message_frame};
use crate::frames::{ClientFrame, ServerFrame};
use switchboard_channel::customer_token::{self, CustomerClaims};

/// Messages replayed per page: a replay holds one page in memory at a time, however long the
/// conversation is and however slowly the client reads.
const REPLAY_PAGE: usize = 200;

pub async fn upgrade(State(shared): State<Arc<Shared>>, upgrade: WebSocketUpgrade) -> Response {
    let Some(slot) = shared.slots.reserve() else { return ws::ConnectionSlots::refusal() };
    let (limits, tasks) = (shared.limits, shared.ctx.tasks.clone());
    ws::accept(upgrade, &limits, &tasks, move |socket| async move {
        session(shared, socket).await;
        drop(slot);
    })
}

/// The customer's side of a session once `hello` checked out.
struct Customer {
    id: String,
    claims: CustomerClaims,
    conn: ConnectionId,
    /// The conversation this session talks in; `None` until the first `send` opens one.
    conversation: Option<String>,
}

#[tracing::instrument(name = "chat", skip_all, fields(customer_id))]
async fn session(shared: Arc<Shared>, mut socket: WebSocket) {
    let hello = match ws::first_frame(&mut socket, &shared.limits).await {
        Ok(text) => text,
        Err(Some(code)) => return ws::close(&mut socket, code).await,
        Err(None) => return,
    };
    if let Some(why) = crate::frames::bad_resume_after(&hello) {
        ws::send(&mut socket, error_frame(ErrorCode::BadRequest, why)).await;
        return ws::close(&mut socket, CloseCode::Malformed).await;
    }
    let resume_after = match ClientFrame::parse(&hello) {
        Ok(ClientFrame::Hello { token, resume_after }) => match shared.tokens.verify(&token) {
            Ok(claims) => Some((claims, resume_after)),
            Err(e) => {
                tracing::info!(reason = %e, "Customer token refused");
                ws::send(&mut socket, error_frame(ErrorCode::Unauthorized, e.to_string())).await;
                None
            }
        },
        Ok(_) => None,
        Err(_) => None,
    };
    let Some((claims, resume_after)) = resume_after else {
        return ws::close(&mut socket, CloseCode::Unauthorized).await;
    };
    let start = match shared.ctx.sink.begin(&identity(&claims)).await {
        Ok(start) => start,
        Err(e) => {
            tracing::warn!(error = %e, "Customer session not started");
            ws::send(&mut socket, error_frame(ErrorCode::Unavailable, "try again shortly")).await;
            return ws::close(&mut socket, CloseCode::Unavailable).await;
        }
    };
    tracing::Span::current().record("customer_id", tracing::field::display(&start.customer_id));
    // Register before reading the backlog, so nothing committed in between is missed; a
    // message both replayed and pushed arrives twice with one seq, which clients drop.
    let (conn, mut queue) = match shared.connections.register(&start.customer_id) {
        Ok(registered) => registered,
        Err(Full) => {
            let why = "too many open connections for this customer";
            ws::send(&mut socket, error_frame(ErrorCode::RateLimited, why)).await;
            return ws::close(&mut socket, CloseCode::Unavailable).await;
        }
    };
    let (conversation, last_seq) = start.conversation.unzip();
    let mut me = Customer { id: start.customer_id, claims, conn, conversation };
    let outcome = run(&shared, &mut socket, &mut me, &mut queue, last_seq.unwrap_or(0), resume_after).await;
    shared.connections.unregister(&me.id, me.conn);
    if let Some(code) = outcome {
        ws::close(&mut socket, code).await;
    }
}

/// Serves a registered session; returns the close code to end with, if any.
async fn run(
    shared: &Shared,
    socket: &mut WebSocket,
    me: &mut Customer,
    queue: &mut FrameReceiver,
    last_seq: i64,
    resume_after: Option<i64>,
) -> Option<CloseCode> {
    let welcome =
        ServerFrame::Welcome { customer_id: me.id.clone(), conversation_id: me.conversation.clone(), last_seq };
    if !ws::send(socket, welcome.to_json()).await {
        return None;
    }
    if let (Some(mut after), Some(conversation)) = (resume_after, &me.conversation) {
        loop {
            let page = match shared.ctx.sink.replay(conversation, after, REPLAY_PAGE).await {
                Ok(page) => page,
                Err(e) => {
                    tracing::warn!(error = %e, "Replay failed");
                    return Some(CloseCode::Unavailable);
                }
            };
            let Some(last) = page.last() else { break };
            after = last.seq;
            let full = page.len() == REPLAY_PAGE;
            let frames: Vec<String> = page.iter().map(|m| message_frame(m).to_json()).collect();
            if !ws::send_all(socket, frames).await {
                return None;
            }
            if !full {
                break;
            }
        }
    }
    // The token is accepted within the verifier's leeway, so it expires there too.
    let expires_at = Millis((me.claims.exp.saturating_add(customer_token::LEEWAY_S)).saturating_mul(1000) as i64);
    let opts = Serve {
        limits: &shared.limits,
        shutdown: &shared.ctx.shutdown,
        revoked: shared.ctx.clock.sleep_until(expires_at).boxed(),
    };
    ws::serve(socket, queue, opts, &mut Frames { shared, me }).await
}

/// Answers a customer's frames.
struct Frames<'a> {
    shared: &'a Shared,
    me: &'a mut Customer,
}

/// A `send` whose commit was under way: its client id and how the commit ended.
struct Sent {
    client_id: String,
    result: Result<Accepted, Refused>,
}

impl FrameHandler for Frames<'_> {
    type Done = Sent;

    async fn handle(&mut self, text: String) -> Handled<Sent> {
        let (shared, me) = (self.shared, &*self.me);
        let frame = match ClientFrame::parse(&text) {
            Ok(frame) => frame,
            Err(e) => return Handled::unreadable(&e),
        };
        let replies = match frame {
            ClientFrame::Hello { .. } => vec![ServerFrame::error(ErrorCode::BadRequest, "already said hello")],
            ClientFrame::Send { client_id, text } => {
                let max = shared.ctx.config.max_text_chars;
                if text.chars().count() > max {
                    let why = format!("text is longer than {max} characters");
                    vec![ServerFrame::error(ErrorCode::TooLarge, why)]
                } else {
                    // Queued for commit now; the session reads on while it commits.
                    let origin = Origin { connection: Some(me.conn), customer: Some(me.id.clone()) };
                    let committing = shared.ctx.sink.submit(inbound(me, client_id.clone(), text), origin);
                    return Handled::Pending(Box::pin(async move { Sent { client_id, result: committing.await } }));
                }
            }
            ClientFrame::Typing { on } => {
                if let Some(conversation) = &me.conversation {
                    shared.ctx.sink.signal(conversation, CustomerSignal::Typing { on }, me.conn);
                }
                Vec::new()
            }
            ClientFrame::Read { seq } => {
                if let Some(conversation) = &me.conversation {
                    shared.ctx.sink.signal(conversation, CustomerSignal::Read { seq }, me.conn);
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
                self.me.conversation = Some(done.conversation_id.clone());
                let ack = ServerFrame::Ack { client_id, conversation_id: done.conversation_id, seq: done.message.seq };
                if done.duplicate { vec![ack] } else { vec![ack, message_frame(&done.message)] }
            }
            Err(Refused::Empty) => vec![ServerFrame::error(ErrorCode::BadRequest, "text is empty")],
            Err(e @ Refused::TooLong(_)) => vec![ServerFrame::error(ErrorCode::TooLarge, e.to_string())],
            Err(Refused::Anonymous) => vec![ServerFrame::error(ErrorCode::Unauthorized, "sender has no identity")],
            Err(Refused::Busy | Refused::Unavailable) => {
                vec![ServerFrame::error(ErrorCode::Unavailable, "message not saved; send it again")]
            }
        };
        replies.iter().map(ServerFrame::to_json).collect()
    }
}

/// A `send` as the inbound side takes it.
fn inbound(me: &Customer, client_id: String, text: String) -> Inbound {
    Inbound {
        channel: ChannelKind::Chat,
        external_id: client_id,
        // Scoped to the sender: another customer's identical client_id is another message.
        key_scope: Some(me.claims.sub.clone()),
        threading: Threading::LatestOpen,
        sender: identity(&me.claims),
        subject: None,
        text,
        attachments: Vec::new(),
        account: None,
        automatic: false,
        email: None,
        full_text: None,
        reopen_within: None,
    }
}

fn identity(claims: &CustomerClaims) -> SenderIdentity {
    SenderIdentity {
        app_user_id: Some(claims.sub.clone()),
        email: claims.email.as_ref().map(|e| e.trim().to_lowercase()),
        phone: claims.phone.clone(),
        name: claims.name.clone(),
        lang: claims.lang.clone(),
        tier: claims.tier.clone(),
    }
}
