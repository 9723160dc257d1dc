//! The steps of a request's life that follow from a call or from routing: an agent takes it,
//! a call's outcome (recorded by the agent or reported by the telephone system) completes it,
//! schedules the next attempt or ends it as failed, and a request can be cancelled. Every step
//! is a conditional write: one that finds the request moved on by another changes nothing.

use switchboard_channel::{AfterOutcome, CallbackOutcome, CallbackRecord, CallbackStatus, DialOrder};

use super::Callbacks;
use super::schedule::conversation_of;
use crate::domain::{Actor, AgentId, Conversation, ConversationId, ConversationStatus, Millis};
use crate::events::Event;
use crate::store::{CallbackChange, StatusChange, StoreError};

/// A step to `status` for `reason`, from whatever states [`Callbacks::step`] is given; the
/// caller sets what else it changes.
pub(super) fn step_to(status: CallbackStatus, reason: &str, now: Millis) -> CallbackChange {
    CallbackChange {
        from: Vec::new(),
        status,
        attempted: false,
        outcome: None,
        failure: None,
        next_attempt_at: None,
        conversation: None,
        actor: Actor::System,
        reason: reason.to_owned(),
        now,
    }
}

/// The states a call can have an outcome in.
const CALLING: [CallbackStatus; 1] = [CallbackStatus::InProgress];
/// The states a request is open in.
pub(super) const OPEN: [CallbackStatus; 3] =
    [CallbackStatus::Queued, CallbackStatus::Scheduled, CallbackStatus::InProgress];

impl Callbacks {
    /// Takes `step` if the request still stands in one of `from`, and publishes the
    /// conversation's change. `None` when it moved on meanwhile or the store failed (logged).
    pub(super) async fn step(
        &self,
        r: &CallbackRecord,
        from: &[CallbackStatus],
        step: CallbackChange,
    ) -> Option<(CallbackRecord, Conversation)> {
        let change = CallbackChange { from: from.to_vec(), ..step };
        match self.parts().store.update_callback(&r.id, change).await {
            Ok((r, c)) => {
                tracing::info!(callback_id = %r.id, conversation_id = %c.id, status = %r.status, attempts = r.attempts, "Callback moved");
                self.parts().events.publish(Event::Conversation(c.clone()));
                Some((r, c))
            }
            Err(StoreError::Conflict(why)) => {
                tracing::debug!(callback_id = %r.id, why, "Callback moved on meanwhile");
                None
            }
            Err(e) => {
                tracing::error!(callback_id = %r.id, error = %e, "Callback not moved");
                None
            }
        }
    }

    /// Carries out a call's outcome, as the channel's rules decide it.
    pub(super) async fn outcome(
        &self,
        r: &CallbackRecord,
        outcome: CallbackOutcome,
        actor: Actor,
        note: Option<&str>,
    ) -> Option<CallbackRecord> {
        let service = self.service()?;
        let now = self.parts().clock.now();
        let counted = CallbackRecord { attempts: r.attempts + 1, ..r.clone() };
        let before = self.conversation(r).await;
        // Whoever held the call hears how it ended, even once it is no longer theirs.
        let holder = before.as_ref().and_then(|c| c.assignee.clone());
        let mut step = CallbackChange {
            attempted: true,
            outcome: Some(outcome),
            actor: actor.clone(),
            ..step_to(r.status, outcome.as_str(), now)
        };
        let after = service.after(&counted, outcome, now);
        let (done, conversation) = match after {
            AfterOutcome::Completed => {
                step.status = CallbackStatus::Completed;
                let (r, c) = self.step(r, &CALLING, step).await?;
                // Called customer first: now they are on the line, an agent is wanted.
                if service.dial_order() == DialOrder::CustomerFirst && c.assignee.is_none() {
                    let _ = self.parts().routing.enqueue(c.clone()).await;
                }
                (r, c)
            }
            AfterOutcome::Retry { at } => {
                step.status = CallbackStatus::Scheduled;
                step.next_attempt_at = Some(at);
                step.conversation = move_of(r, before.as_ref(), ConversationStatus::Queued, "rescheduled", &actor, now);
                let _ = self.parts().routing.set_aside(conversation_of(r)).await;
                let (r, c) = self.step(r, &CALLING, step).await?;
                self.inner.timers.at(at, &r.id);
                self.notify_missed(&r).await;
                (r, c)
            }
            AfterOutcome::Failed(why) => {
                step.status = CallbackStatus::Failed;
                step.failure = Some(why);
                step.conversation =
                    move_of(r, before.as_ref(), ConversationStatus::Resolved, &step.reason, &actor, now);
                let (r, c) = self.step(r, &CALLING, step).await?;
                let _ = self.parts().routing.remove(conversation_of(&r)).await;
                self.notify_failed(&r).await;
                (r, c)
            }
        };
        if let Some(note) = note.filter(|n| !n.trim().is_empty())
            && let Actor::Agent(agent) = &actor
        {
            self.agent_note(&done, agent, note).await;
        }
        self.announce(&done, None);
        if let Some(holder) = holder
            && conversation.assignee.as_ref() != Some(&holder)
        {
            self.announce_to(&holder, &done);
        }
        Some(done)
    }

    /// Ends an open request as failed, for `why`.
    pub(super) async fn fail(&self, r: &CallbackRecord, why: &str, actor: Actor, now: Millis) {
        let mut step = step_to(CallbackStatus::Failed, why, now);
        step.failure = Some(why.to_owned());
        step.conversation =
            move_of(r, self.conversation(r).await.as_ref(), ConversationStatus::Resolved, why, &actor, now);
        step.actor = actor;
        if let Some((r, _)) = self.step(r, &OPEN, step).await {
            let _ = self.parts().routing.remove(conversation_of(&r)).await;
            self.notify_failed(&r).await;
            self.announce(&r, None);
        }
    }

    /// The customer withdrew the request; nothing changes once it has ended.
    pub(super) async fn cancelled(&self, r: &CallbackRecord) -> Result<CallbackRecord, StoreError> {
        if r.status.is_final() {
            return Ok(r.clone());
        }
        let now = self.parts().clock.now();
        let mut step = step_to(CallbackStatus::Cancelled, "cancelled", now);
        step.actor = Actor::Customer;
        let conversation = self.conversation(r).await;
        step.conversation =
            move_of(r, conversation.as_ref(), ConversationStatus::Resolved, "cancelled", &Actor::Customer, now);
        match self.step(r, &OPEN, step).await {
            Some((r, _)) => {
                let _ = self.parts().routing.remove(conversation_of(&r)).await;
                self.announce(&r, Some("The customer cancelled the callback request.".into()));
                Ok(r)
            }
            // It moved on meanwhile: what it is now is the answer.
            None => self.parts().store.callback(&r.id).await?.ok_or_else(|| StoreError::NotFound(r.id.clone())),
        }
    }

    /// An agent took the request: the call is theirs, and with the agent called first the
    /// telephone system rings them now.
    pub(super) async fn assigned(&self, conversation: &ConversationId, agent: &AgentId) {
        let store = &self.parts().store;
        let Ok(Some(r)) = store.callback_of(conversation).await else { return };
        let now = self.parts().clock.now();
        let Some((r, _)) =
            self.step(&r, &[CallbackStatus::Queued], step_to(CallbackStatus::InProgress, "assigned", now)).await
        else {
            return;
        };
        self.announce(&r, None);
        if self.service().is_some_and(|s| s.dial_order() == DialOrder::AgentFirst) {
            let login = store.agent(agent).await.ok().flatten().map(|a| a.login);
            self.dial(&r, login);
        }
    }

    /// Sets a request's state right by its conversation's, for a routing notice that was lost
    /// (the process stopped before it was heard): taken by an agent means in progress, back
    /// in line means queued.
    pub(super) async fn reconcile(&self, r: &CallbackRecord) {
        let Some(c) = self.conversation(r).await else { return };
        let now = self.parts().clock.now();
        let to = match (r.status, c.assignee.is_some()) {
            (CallbackStatus::Queued, true) => CallbackStatus::InProgress,
            // Not while the telephone system calls the customer first (its conversation is held).
            (CallbackStatus::InProgress, false) if c.held_until.is_none() && c.status.is_waiting_for_agent() => {
                CallbackStatus::Queued
            }
            _ => return,
        };
        self.step(r, &[r.status], step_to(to, "reconciled", now)).await;
    }

    /// Its agent resolved its conversation: a request still open ends there, cancelled by
    /// the agent (one whose customer was reached has completed already).
    pub async fn conversation_resolved(&self, conversation: &ConversationId, agent: &AgentId) {
        let Ok(Some(r)) = self.parts().store.callback_of(conversation).await else { return };
        if r.status.is_final() {
            return;
        }
        let mut step = step_to(CallbackStatus::Cancelled, "resolved_by_agent", self.parts().clock.now());
        step.actor = Actor::Agent(agent.clone());
        if let Some((r, _)) = self.step(&r, &OPEN, step).await {
            self.announce(&r, None);
        }
    }

    /// Its agent left it (offline past the grace): it waits for another agent.
    pub(super) async fn requeued(&self, conversation: &ConversationId) {
        let Ok(Some(r)) = self.parts().store.callback_of(conversation).await else { return };
        let now = self.parts().clock.now();
        if let Some((r, _)) =
            self.step(&r, &[CallbackStatus::InProgress], step_to(CallbackStatus::Queued, "requeued", now)).await
        {
            self.announce(&r, None);
        }
    }

    /// The request's conversation as stored now; `None` (logged) when it cannot be read.
    pub(super) async fn conversation(&self, r: &CallbackRecord) -> Option<Conversation> {
        match self.parts().store.conversation(&conversation_of(r)).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(callback_id = %r.id, error = %e, "Callback conversation not read");
                None
            }
        }
    }

    async fn agent_note(&self, r: &CallbackRecord, agent: &AgentId, note: &str) {
        let store = &self.parts().store;
        let name = store.agent(agent).await.ok().flatten().map(|a| a.name).unwrap_or_default();
        let now = self.parts().clock.now();
        let message =
            crate::store::NewOutbound::agent_note(conversation_of(r), agent.clone(), name, note.to_owned(), now);
        match store.append_outbound(message).await {
            Ok(appended) => self.parts().events.publish(Event::Message {
                conversation: appended.conversation,
                message: appended.message,
                origin: None,
            }),
            Err(e) => tracing::warn!(callback_id = %r.id, error = %e, "Call note not recorded"),
        }
    }
}

/// The move of a request's conversation to `to` (`Queued`: back to waiting, offered to and
/// held by nobody; `Resolved`: ended) that goes with a step, unless it is there already or
/// has ended.
pub(super) fn move_of(
    r: &CallbackRecord,
    conversation: Option<&Conversation>,
    to: ConversationStatus,
    reason: &str,
    actor: &Actor,
    now: Millis,
) -> Option<StatusChange> {
    let status = conversation?.status;
    (status.is_open() && status != to).then(|| StatusChange {
        to,
        assignee: (to == ConversationStatus::Queued).then_some(None),
        queue: None,
        actor: actor.clone(),
        reason: format!("callback {} {reason}", r.id),
        now,
    })
}
