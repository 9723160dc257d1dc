//! `GET /v1/agent`: one agent console session. An agent acts only on conversations assigned
//! to them; a supervisor on every conversation. Replies and notes are committed before their
//! `ack`, and replies wake the dispatcher that delivers them over the conversation's channel.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::json;
use switchboard_channel::websocket::{self as ws, CloseCode, FrameHandler, Handled, Serve};
use switchboard_channel::{CallbackOutcome, ChannelKind, CustomerEvent, ErrorCode};

use super::ConsoleState;
use super::canned::{self, CannedChange, CannedRefusal};
use crate::agent_wire::frames::{AgentFrame, AgentInfo, ConsoleFrame};
use crate::agent_wire::view;
use crate::callbacks::CallbackRefusal;
use crate::domain::{Agent, Conversation, ConversationId, ConversationStatus, Millis, permissions};
use crate::events::{DeliveryState, Event, Origin};
use crate::hub::{ConnId, Registration};
use crate::playbook::{self, PlaybookRefusal};
use crate::routing::{AgentStatus, RequestError, status_name};
use crate::store::{Actor, Appended, NewOutbound, OutboundAuthor, RoutingNote, StatusChange, StoreError};
use crate::telemetry::names;

pub async fn upgrade(State(state): State<Arc<ConsoleState>>, upgrade: WebSocketUpgrade) -> Response {
    let Some(slot) = state.slots.reserve() else { return ws::ConnectionSlots::refusal() };
    let limits = state.config.limits();
    let tasks = state.tasks.clone();
    ws::accept(upgrade, &limits, &tasks, move |socket| async move {
        session(state, socket).await;
        drop(slot);
    })
}

/// A refusal to send back as an `error` frame.
struct Refusal(ErrorCode, String);

impl From<StoreError> for Refusal {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => Refusal(ErrorCode::NotFound, format!("{what} not found")),
            StoreError::IllegalTransition(t) => Refusal(ErrorCode::Conflict, t.to_string()),
            StoreError::Conflict(why) => Refusal(ErrorCode::Conflict, why),
            StoreError::Forbidden(why) => Refusal(ErrorCode::Forbidden, why),
            other => {
                // Busy is overload, not a failure: counted, and the console sends it again.
                if matches!(other, StoreError::Busy) {
                    metrics::counter!(names::STORE_BUSY).increment(1);
                } else {
                    tracing::error!(error = %other, "Store failed");
                }
                Refusal(ErrorCode::Unavailable, "not saved; try again".into())
            }
        }
    }
}

impl From<PlaybookRefusal> for Refusal {
    fn from(e: PlaybookRefusal) -> Self {
        match e {
            PlaybookRefusal::Store(e) => e.into(),
            other => Refusal(other.code(), other.to_string()),
        }
    }
}

impl From<RequestError> for Refusal {
    fn from(e: RequestError) -> Self {
        match e {
            RequestError::Refused(r) => {
                let code = match r.code() {
                    "not_found" => ErrorCode::NotFound,
                    "conflict" => ErrorCode::Conflict,
                    _ => ErrorCode::BadRequest,
                };
                Refusal(code, r.to_string())
            }
            RequestError::Unavailable(u) => Refusal(ErrorCode::Unavailable, u.to_string()),
        }
    }
}

type Answer = Result<Vec<ConsoleFrame>, Refusal>;

/// What a frame sets off: frames to answer with now, or a commit to answer once it ends.
enum Reaction {
    Now(Vec<ConsoleFrame>),
    Committing(BoxFuture<'static, Written>),
}

struct Session<'a> {
    state: &'a ConsoleState,
    agent: Agent,
    conn: ConnId,
}

#[tracing::instrument(name = "agent", skip_all, fields(agent_id))]
async fn session(state: Arc<ConsoleState>, mut socket: WebSocket) {
    let hello = match ws::first_frame(&mut socket, &state.config.limits()).await {
        Ok(text) => text,
        Err(Some(code)) => return ws::close(&mut socket, code).await,
        Err(None) => return,
    };
    let Ok(AgentFrame::Hello { token }) = AgentFrame::parse(&hello) else {
        return ws::close(&mut socket, CloseCode::Unauthorized).await;
    };
    let Some(credentials) = state.agent_tokens.verify(&token, state.clock.now()) else {
        ws::send(&mut socket, ConsoleFrame::error(ErrorCode::Unauthorized, "invalid or expired token").to_json()).await;
        return ws::close(&mut socket, CloseCode::Unauthorized).await;
    };
    let agent = match state.store.agent(&credentials.agent).await {
        Ok(Some(a)) if !a.disabled => a,
        Ok(_) => return ws::close(&mut socket, CloseCode::Unauthorized).await,
        Err(e) => {
            tracing::error!(error = %e, "Agent lookup failed");
            return ws::close(&mut socket, CloseCode::Unavailable).await;
        }
    };
    tracing::Span::current().record("agent_id", tracing::field::display(&agent.id));
    let (mut registration, _) = state.hub.register_agent(&agent.id);
    let me = Session { state: &state, agent, conn: registration.id };
    let outcome = me.run(&mut socket, &mut registration, credentials.expires_at).await;
    if state.hub.unregister_agent(&me.agent.id, me.conn) == 0 {
        let _ = state.routing.disconnected(me.agent.id.clone()).await;
    }
    if let Some(code) = outcome {
        ws::close(&mut socket, code).await;
    }
}

impl Session<'_> {
    async fn run(
        &self,
        socket: &mut WebSocket,
        registration: &mut Registration,
        expires_at: Millis,
    ) -> Option<CloseCode> {
        let status = match self.state.routing.connected(self.agent.clone()).await {
            Ok(s) => s,
            Err(_) => return Some(CloseCode::GoingAway),
        };
        let welcome = match self.welcome(status).await {
            Ok(w) => w,
            Err(e) => {
                tracing::error!(error = %e, "Welcome not built");
                return Some(CloseCode::Unavailable);
            }
        };
        if !ws::send(socket, welcome.to_json()).await {
            return None;
        }
        let revoked = async {
            tokio::select! {
                () = self.state.clock.sleep_until(expires_at) => {}
                () = self.disabled() => tracing::info!("Agent disabled; closing the session"),
            }
        };
        let limits = self.state.config.limits();
        let opts = Serve { limits: &limits, shutdown: &self.state.shutdown, revoked: revoked.boxed() };
        ws::serve(socket, &mut registration.queue, opts, &mut Frames(self)).await
    }

    /// Ends once the agent's account is disabled or removed. Accounts change from the command
    /// line, outside the daemon, so the store is asked every `console.access_check_s`.
    async fn disabled(&self) {
        let every = Duration::from_secs(self.state.config.access_check_s);
        loop {
            self.state.clock.sleep(every).await;
            match self.state.store.agent(&self.agent.id).await {
                Ok(Some(a)) if !a.disabled => {}
                Ok(_) => return,
                Err(e) => tracing::warn!(error = %e, "Agent account check failed"),
            }
        }
    }

    async fn welcome(&self, status: AgentStatus) -> Result<ConsoleFrame, StoreError> {
        let mut conversations = Vec::new();
        for c in self.state.store.open_conversations().await? {
            if c.assignee.as_ref() == Some(&self.agent.id) {
                self.state.hub.track(&c);
                conversations.push(view::load_summary(self.state.store.as_ref(), &c).await?);
            }
        }
        Ok(ConsoleFrame::Welcome {
            agent: AgentInfo {
                id: self.agent.id.to_string(),
                name: self.agent.name.clone(),
                supervisor: self.agent.supervisor,
            },
            status: status_name(status),
            conversations,
            playbook: self.state.playbook.info(),
        })
    }

    async fn handle(&self, frame: AgentFrame) -> Result<Reaction, Refusal> {
        let routing = &self.state.routing;
        let me = self.agent.id.clone();
        let frames = match frame {
            AgentFrame::Hello { .. } => return Err(Refusal(ErrorCode::BadRequest, "already said hello".into())),
            AgentFrame::Status { status, agent } => {
                let status = match status.as_str() {
                    "available" => AgentStatus::Available,
                    "away" => AgentStatus::Away,
                    other => return Err(Refusal(ErrorCode::BadRequest, format!("unknown status {other:?}"))),
                };
                match agent {
                    Some(other) => self.set_others_status(&other, status).await?,
                    None => {
                        routing.set_status(me.clone(), status).await?;
                        // The agent's other sessions share the status, so they hear of it too.
                        let confirmed = ConsoleFrame::Status { status: status_name(status), reason: None, agent: None };
                        self.state.hub.to_agent(&me, Arc::from(confirmed.to_json()), Some(self.conn));
                        vec![confirmed]
                    }
                }
            }
            AgentFrame::Accept { offer_id } => {
                routing.accept(me, offer_id).await?;
                Vec::new()
            }
            AgentFrame::Decline { offer_id } => {
                routing.decline(me, offer_id).await?;
                Vec::new()
            }
            AgentFrame::Open { conversation_id } => {
                let c = self.permitted(&conversation_id).await?;
                self.follow(&c);
                let conversation = view::load_conversation(self.state.store.as_ref(), &c).await?;
                vec![ConsoleFrame::Conversation { conversation }]
            }
            AgentFrame::Reply { conversation_id, client_id, text, cc } => {
                return self.write(conversation_id, client_id, text, Writing::Reply { cc }).map(Reaction::Committing);
            }
            AgentFrame::Note { conversation_id, client_id, text } => {
                return self.write(conversation_id, client_id, text, Writing::Note).map(Reaction::Committing);
            }
            AgentFrame::Transfer { conversation_id, queue, agent, reason } => {
                self.transfer(conversation_id, queue, agent, reason).await?
            }
            AgentFrame::Resolve { conversation_id } => self.resolve(conversation_id).await?,
            AgentFrame::CallbackOutcome { conversation_id, outcome, note } => {
                self.callback_outcome(conversation_id, outcome, note).await?
            }
            AgentFrame::Typing { conversation_id, on } => {
                let c = self.permitted(&conversation_id).await?;
                let event = CustomerEvent::Typing { conversation_id: c.id.to_string(), on };
                self.state.events.live().push(c.channel, &c.customer_id, &event, None);
                Vec::new()
            }
            AgentFrame::SubscribeStats => self.subscribe_stats(true).await?,
            AgentFrame::UnsubscribeStats => self.subscribe_stats(false).await?,
            AgentFrame::AccountAction { conversation_id, action, reason } => {
                self.account_action(conversation_id, action, reason).await?
            }
            AgentFrame::VerifyIdentity { conversation_id, checks } => {
                self.verify_identity(conversation_id, checks).await?
            }
            AgentFrame::CannedList => vec![canned::list(self.state).await?],
            AgentFrame::CannedSave { id, lang, title, text } => {
                self.change_canned(CannedChange::Save { id, lang, title, text }).await?
            }
            AgentFrame::CannedDelete { id } => self.change_canned(CannedChange::Delete { id }).await?,
        };
        Ok(Reaction::Now(frames))
    }

    /// The conversation, if this agent may act on it: not found, or forbidden.
    async fn permitted(&self, id: &str) -> Result<Conversation, Refusal> {
        let c = self
            .state
            .store
            .conversation(&ConversationId(id.to_owned()))
            .await?
            .ok_or_else(|| Refusal(ErrorCode::NotFound, format!("conversation {id} not found")))?;
        let assignee_only = (!self.agent.supervisor).then_some(&self.agent.id);
        match permissions::may_act(&c, assignee_only) {
            Ok(()) => Ok(c),
            Err(refused) => Err(Refusal(ErrorCode::Forbidden, refused.to_string())),
        }
    }

    /// Follows `c` so its later frames reach this agent: the assignee follows their
    /// conversations anyway, and only while assigned; a supervisor follows what they opened or
    /// acted on until their last session ends.
    fn follow(&self, c: &Conversation) {
        if self.agent.supervisor {
            self.state.hub.watch(c, &self.agent.id);
        } else {
            self.state.hub.track(c);
        }
    }

    /// Asks the wallet's backend to act on the customer's account: committed before it is
    /// called, so the agent hears `pending` now and the outcome when the backend answers.
    async fn account_action(&self, conversation_id: String, action: String, reason: String) -> Answer {
        let c = self.permitted(&conversation_id).await?;
        self.follow(&c);
        let asked = self.state.playbook.request(&self.agent, &c, &action, reason.trim().to_owned()).await?;
        self.state.playbook.announce(&asked, Some(self.conn));
        Ok(vec![playbook::action_frame(&asked)])
    }

    /// Records the customer's identity as verified by the ticked checks; every agent of the
    /// conversation hears it.
    async fn verify_identity(&self, conversation_id: String, checks: Vec<String>) -> Answer {
        let c = self.permitted(&conversation_id).await?;
        self.follow(&c);
        let verification = self.state.playbook.verify(&self.agent, &c, checks).await?;
        let frame = ConsoleFrame::IdentityVerified {
            conversation_id: c.id.to_string(),
            identity_verified: view::verification_view(&verification),
        };
        self.state.hub.to_conversation_agents(&c.id, Arc::from(frame.to_json()), Some(self.conn), None);
        Ok(vec![frame])
    }

    /// Checks a reply or note and queues it for commit; [`Session::written`] answers it once
    /// committed. Queued at once, so an agent's messages commit in the order sent even while
    /// the session reads on.
    fn write(
        &self,
        conversation_id: String,
        client_id: String,
        text: String,
        writing: Writing,
    ) -> Result<BoxFuture<'static, Written>, Refusal> {
        let (internal, cc) = match writing {
            Writing::Reply { cc } => (false, cc),
            Writing::Note => (true, Vec::new()),
        };
        if text.trim().is_empty() {
            return Err(Refusal(ErrorCode::BadRequest, "text is empty".into()));
        }
        let max = self.state.config.max_text_chars;
        if text.chars().count() > max {
            return Err(Refusal(ErrorCode::TooLarge, format!("text is longer than {max} characters")));
        }
        if !internal && let Err(refusal) = self.state.triage.check_reply(&text) {
            tracing::info!(
                conversation_id,
                asked_for = refusal.asked_for.label(),
                "Reply refused by the outbound guard"
            );
            return Err(Refusal(ErrorCode::Forbidden, refusal.explanation));
        }
        // An agent pasting a card number into a reply or note is stored redacted too.
        let text = crate::triage::redact(&text).text;
        let conversation_id = ConversationId(conversation_id);
        // On a live channel a reply reaches the customer's open connections the moment it is
        // published, so the channel's live side says how it went.
        let customer = self.state.hub.customer_of(&conversation_id).filter(|_| !internal);
        if !cc.is_empty() && customer.as_ref().is_some_and(|(channel, _)| *channel != ChannelKind::Email) {
            return Err(Refusal(ErrorCode::BadRequest, "cc is for email conversations only".into()));
        }
        let delivered_live = customer.as_ref().and_then(|(channel, c)| self.state.events.live().delivered(*channel, c));
        let now = self.state.clock.now();
        // A chat customer who left the app gets the reply by email too, if still away then.
        let also_by = match (&customer, self.state.chat_by_email_after) {
            (Some((ChannelKind::Chat, _)), Some(after)) => Some((ChannelKind::Email, now.plus(after))),
            _ => None,
        };
        let committing = self.state.store.append_outbound(NewOutbound {
            conversation_id,
            author: OutboundAuthor::Agent { id: self.agent.id.clone(), name: self.agent.name.clone() },
            idempotency_key: Some(format!("agent:{}:{client_id}", self.agent.id)),
            text,
            internal,
            deliver: !internal,
            // Whether this agent may write here is checked with the write, not before it.
            assignee_only: (!self.agent.supervisor).then(|| self.agent.id.clone()),
            delivered_live,
            cc,
            also_by,
            now,
        });
        Ok(Box::pin(async move { Written { client_id, result: committing.await } }))
    }

    /// Answers a reply or note once its commit ended, and tells whoever else follows the
    /// conversation. A chat reply's delivery report comes with its `ack`.
    fn written(&self, Written { client_id, result }: Written) -> Answer {
        let appended = result?;
        let conversation_id = appended.conversation.id.to_string();
        let ack = ConsoleFrame::Ack { client_id, conversation_id: conversation_id.clone(), seq: appended.message.seq };
        if appended.duplicate {
            return Ok(vec![ack]);
        }
        tracing::info!(conversation_id, message_id = %appended.message.id, internal = appended.message.internal, "Agent wrote");
        let own = ConsoleFrame::Message(view::message(&appended.message));
        let seq = appended.message.seq.unwrap_or_default();
        let channel = appended.conversation.channel.as_str();
        self.state.events.publish(Event::Message {
            conversation: appended.conversation,
            message: appended.message,
            origin: Some(Origin::Agent(self.conn)),
        });
        let mut frames = vec![ack, own];
        if let Some(detail) = appended.delivered_live {
            metrics::counter!(names::MESSAGES_OUT, "channel" => channel, "result" => "sent").increment(1);
            let state = DeliveryState::Sent;
            frames.push(ConsoleFrame::Delivery {
                conversation_id: conversation_id.clone(),
                seq,
                state: state.as_str(),
                detail: detail.clone(),
            });
            let origin = Some(Origin::Agent(self.conn));
            self.state.events.publish(Event::Delivery { conversation_id, seq, state, detail, origin });
        } else if appended.outbox_id.is_some() {
            self.state.outbox_wake.notify_one();
        }
        Ok(frames)
    }

    /// Moves a conversation to a queue or an agent. Who did it and why go to the audit log,
    /// and a reason given goes into the conversation as an internal note for the next agent.
    async fn transfer(
        &self,
        conversation_id: String,
        queue: Option<String>,
        agent: Option<String>,
        reason: Option<String>,
    ) -> Answer {
        let mut c = self.permitted(&conversation_id).await?;
        let reason = reason.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty());
        let to = match (queue, agent) {
            (Some(queue), None) => {
                if !self.state.queues.contains(&queue) {
                    return Err(Refusal(ErrorCode::NotFound, format!("queue {queue:?} not found")));
                }
                c.queue = Some(queue.clone());
                self.state.routing.enqueue(c.clone()).await.map_err(RequestError::from)?;
                json!({ "queue": queue })
            }
            (None, Some(target)) => {
                let to = self.agent_named(&target).await?;
                self.state.routing.transfer_to_agent(c.id.clone(), to.id.clone()).await?;
                json!({ "agent": to.id, "name": to.name })
            }
            _ => return Err(Refusal(ErrorCode::BadRequest, "transfer needs exactly one of queue or agent".into())),
        };
        let now = self.state.clock.now();
        let note = RoutingNote {
            actor: Actor::Agent(self.agent.id.clone()),
            kind: "transferred".into(),
            detail: json!({ "to": to, "reason": reason, "by": self.agent.name }),
            priority: None,
            queue: None,
            breached: false,
            now,
        };
        if let Err(e) = self.state.store.record_routing(&c.id, note).await {
            tracing::warn!(conversation_id = %c.id, error = %e, "Transfer not audited");
        }
        if let Some(reason) = reason {
            let destination = to["queue"].as_str().or(to["name"].as_str()).unwrap_or_default().to_owned();
            let text = format!("Transferred to {destination}: {reason}");
            let note = NewOutbound::agent_note(c.id.clone(), self.agent.id.clone(), self.agent.name.clone(), text, now);
            let appended = self.state.store.append_outbound(note).await?;
            let origin = Some(Origin::Agent(self.conn));
            self.state.events.publish(Event::Message {
                conversation: appended.conversation,
                message: appended.message,
                origin,
            });
        }
        Ok(Vec::new())
    }

    /// An enabled agent by login or id.
    async fn agent_named(&self, target: &str) -> Result<Agent, Refusal> {
        let store = &self.state.store;
        let found = match store.agent_by_login(target).await? {
            Some(a) => Some(a),
            None => store.agent(&crate::domain::AgentId(target.to_owned())).await?,
        };
        found.filter(|a| !a.disabled).ok_or_else(|| Refusal(ErrorCode::NotFound, format!("agent {target:?} not found")))
    }

    /// A supervisor sets another agent's status; the agent's sessions hear why.
    async fn set_others_status(&self, target: &str, status: AgentStatus) -> Result<Vec<ConsoleFrame>, Refusal> {
        if !self.agent.supervisor {
            return Err(Refusal(ErrorCode::Forbidden, "only supervisors set another agent's status".into()));
        }
        let other = self.agent_named(target).await?;
        self.state.routing.set_status(other.id.clone(), status).await?;
        tracing::info!(agent_id = %other.id, supervisor = %self.agent.id, status = status_name(status), "Status set by a supervisor");
        let told = ConsoleFrame::Status { status: status_name(status), reason: Some("supervisor".into()), agent: None };
        self.state.hub.to_agent(&other.id, Arc::from(told.to_json()), None);
        Ok(vec![ConsoleFrame::Status { status: status_name(status), reason: None, agent: Some(other.id.to_string()) }])
    }

    /// The new list reaches this session with every other, so nothing more is answered.
    async fn change_canned(&self, change: CannedChange) -> Answer {
        canned::change(self.state, &self.agent, change).await.map_err(|refusal| match refusal {
            CannedRefusal::Refused(code, why) => Refusal(code, why),
            CannedRefusal::Store(e) => Refusal::from(e),
        })?;
        Ok(Vec::new())
    }

    async fn subscribe_stats(&self, on: bool) -> Answer {
        if !self.agent.supervisor {
            return Err(Refusal(ErrorCode::Forbidden, "stats are for supervisors".into()));
        }
        self.state.routing.subscribe_stats(self.agent.id.clone(), on).await.map_err(RequestError::from)?;
        Ok(Vec::new())
    }

    /// Records how the agent's call went; the request moves as the channel's rules say, and
    /// every agent of the conversation hears where it stands (a `callback` frame).
    async fn callback_outcome(&self, conversation_id: String, outcome: String, note: Option<String>) -> Answer {
        let outcome: CallbackOutcome = outcome.parse().map_err(|why| Refusal(ErrorCode::BadRequest, why))?;
        let max = self.state.config.max_text_chars;
        if note.as_ref().is_some_and(|n| n.chars().count() > max) {
            return Err(Refusal(ErrorCode::TooLarge, format!("note is longer than {max} characters")));
        }
        let c = self.permitted(&conversation_id).await?;
        if c.channel != ChannelKind::Callback {
            return Err(Refusal(ErrorCode::BadRequest, format!("conversation {} is not a callback request", c.id)));
        }
        let recorded = self.state.callbacks.record_outcome(&c.id, &self.agent.id, outcome, note.as_deref()).await;
        recorded.map_err(|e| {
            let code = match e {
                CallbackRefusal::NotACallback(_) => ErrorCode::BadRequest,
                CallbackRefusal::NotCalling(_) => ErrorCode::Conflict,
                CallbackRefusal::Unavailable => ErrorCode::Unavailable,
            };
            Refusal(code, e.to_string())
        })?;
        Ok(Vec::new())
    }

    async fn resolve(&self, conversation_id: String) -> Answer {
        let c = self.permitted(&conversation_id).await?;
        let change = StatusChange {
            to: ConversationStatus::Resolved,
            assignee: None,
            queue: None,
            actor: Actor::Agent(self.agent.id.clone()),
            reason: "resolved".into(),
            now: self.state.clock.now(),
        };
        let resolved = self.state.store.change_status(&c.id, change).await?;
        tracing::info!(conversation_id = %c.id, "Resolved");
        if resolved.channel == ChannelKind::Callback {
            self.state.callbacks.conversation_resolved(&resolved.id, &self.agent.id).await;
        }
        self.state.events.publish(Event::Conversation(resolved.clone()));
        let holder = resolved.assignee.clone().unwrap_or_else(|| self.agent.id.clone());
        let _ = self.state.routing.release(holder.clone(), resolved.id.clone()).await;
        let f = ConsoleFrame::Unassigned { conversation_id: resolved.id.to_string(), reason: "resolved" };
        self.state.hub.to_agent(&holder, Arc::from(f.to_json()), None);
        Ok(Vec::new())
    }
}

/// Answers an agent's frames.
struct Frames<'a, 'b>(&'a Session<'b>);

/// What an agent writes: a reply to the customer (with the cc of an email), or an internal
/// note.
enum Writing {
    Reply { cc: Vec<String> },
    Note,
}

/// A reply or note whose commit was under way: its client id and how the commit ended.
struct Written {
    client_id: String,
    result: Result<Appended, StoreError>,
}

impl FrameHandler for Frames<'_, '_> {
    type Done = Written;

    /// Replies and notes commit while the session reads on; every other frame is answered
    /// before the next is read, since the next action may depend on it. Answers go out in
    /// the order the frames came either way.
    async fn handle(&mut self, text: String) -> Handled<Written> {
        let frame = match AgentFrame::parse(&text) {
            Ok(frame) => frame,
            Err(e) => return Handled::unreadable(&e),
        };
        let writing = match &frame {
            AgentFrame::Reply { client_id, .. } | AgentFrame::Note { client_id, .. } => Some(client_id.clone()),
            _ => None,
        };
        match self.0.handle(frame).await {
            Ok(Reaction::Committing(committing)) => Handled::Pending(committing),
            Ok(Reaction::Now(frames)) => Handled::Replies(frames_of(Ok(frames), None)),
            Err(refusal) => Handled::Replies(frames_of(Err(refusal), writing)),
        }
    }

    fn finish(&mut self, done: Written) -> Vec<String> {
        let client_id = done.client_id.clone();
        frames_of(self.0.written(done), Some(client_id))
    }
}

/// An answer as the frames that carry it; a refused reply or note names its `client_id`.
fn frames_of(answer: Answer, client_id: Option<String>) -> Vec<String> {
    let frames = answer
        .unwrap_or_else(|Refusal(code, message)| vec![ConsoleFrame::Error { code: code.as_str(), message, client_id }]);
    frames.iter().map(ConsoleFrame::to_json).collect()
}
