//! The desk the callback channel hands its requests to (the contract's [`CallbackDesk`]),
//! and the outcome an agent records from the console.

use async_trait::async_trait;
use switchboard_channel::{
    CallEvent, CallEventRefused, Callable, CallbackDesk, CallbackOutcome, CallbackRecord, CallbackRequest,
    CallbackStatus, ChannelKind, DialOrder, Inbound, Refused, Threading,
};

use super::Callbacks;
use super::schedule::CUSTOMER_FIRST_WAIT;
use crate::domain::{Actor, AgentId, CallbackId, ConversationId, CustomerId};
use crate::ingest::refused;
use crate::store::NewCallback;

/// Why an agent's outcome was not taken, in words for the agent.
#[derive(Debug, thiserror::Error)]
pub enum CallbackRefusal {
    #[error("conversation {0} is not a callback request")]
    NotACallback(String),
    #[error("the callback is {0}: there is no call in progress to record an outcome for")]
    NotCalling(CallbackStatus),
    #[error("the callback could not be updated; try again")]
    Unavailable,
}

#[async_trait]
impl CallbackDesk for Callbacks {
    async fn request(&self, request: CallbackRequest) -> Result<(CallbackRecord, bool), Refused> {
        let service = self.service().ok_or(Refused::Unavailable)?.clone();
        let now = self.parts().clock.now();
        let id = CallbackId::generate().0;
        let draft = CallbackRecord {
            id: id.clone(),
            conversation_id: String::new(),
            customer_id: String::new(),
            phone: request.phone.clone(),
            zone: request.zone.clone(),
            window: request.window,
            status: CallbackStatus::Scheduled,
            attempts: 0,
            outcome: None,
            failure: None,
            next_attempt_at: None,
            unverified_phone: request.unverified_phone,
            created_at: now,
            updated_at: now,
        };
        let callable = service.callable(&draft, now);
        let customer_first = service.dial_order() == DialOrder::CustomerFirst;
        let (status, next_attempt_at) = match callable {
            Callable::Now { .. } if customer_first => (CallbackStatus::InProgress, Some(now.plus(CUSTOMER_FIRST_WAIT))),
            Callable::Now { .. } => (CallbackStatus::Queued, None),
            Callable::At(at) => (CallbackStatus::Scheduled, Some(at)),
            // Only when the window ends while it is asked for (the channel refuses windows
            // without calling hours): ended below, held out of routing until then.
            Callable::Never => (CallbackStatus::Scheduled, Some(now.plus(CUSTOMER_FIRST_WAIT))),
        };
        let mut sender = request.sender;
        // A number the app does not vouch for is not filed as the customer's: it may be the
        // number of whoever stole their session.
        sender.phone = (!request.unverified_phone).then(|| request.phone.clone());
        let inbound = Inbound {
            channel: ChannelKind::Callback,
            external_id: id.clone(),
            key_scope: None,
            threading: Threading::New,
            sender,
            subject: None,
            text: request.reason,
            attachments: Vec::new(),
            account: None,
            automatic: false,
            email: None,
            full_text: None,
            reopen_within: None,
        };
        let (phone, zone, window, unverified_phone) =
            (request.phone, request.zone, request.window, request.unverified_phone);
        let opened = self
            .parts()
            .ingestor
            .request_callback(inbound, |message| NewCallback {
                id,
                message,
                phone,
                zone,
                window,
                status,
                next_attempt_at,
                unverified_phone,
            })
            .await?;
        let r = opened.callback;
        if opened.ingested.is_none() {
            return Ok((r, false));
        }
        tracing::info!(callback_id = %r.id, conversation_id = %r.conversation_id, status = %r.status, "Callback requested");
        match callable {
            Callable::Never => {
                self.fail(&r, "outside_calling_hours", Actor::System, now).await;
                let ended = self.parts().store.callback(&r.id).await.map_err(refused)?;
                return Ok((ended.unwrap_or(r), true));
            }
            Callable::Now { .. } if customer_first => self.dial(&r, None),
            _ => {}
        }
        // It comes up again at its time: the call is due, the customer called first has not
        // answered, or calling hours or the window close on it.
        let until = match callable {
            Callable::Now { until } => until,
            _ => None,
        };
        if let Some(at) = next_attempt_at.or(until) {
            self.inner.timers.at(at, &r.id);
        }
        self.notify_scheduled(&r).await;
        Ok((r, true))
    }

    async fn find(&self, id: &str, app_user_id: &str) -> Result<Option<CallbackRecord>, Refused> {
        let store = &self.parts().store;
        let Some(r) = store.callback(id).await.map_err(refused)? else { return Ok(None) };
        let customer = store.customer(&CustomerId(r.customer_id.clone())).await.map_err(refused)?;
        let theirs = customer.and_then(|c| c.app_user_id).is_some_and(|owner| owner == app_user_id);
        Ok(theirs.then_some(r))
    }

    async fn cancel(&self, id: &str, app_user_id: &str) -> Result<Option<CallbackRecord>, Refused> {
        let Some(r) = self.find(id, app_user_id).await? else { return Ok(None) };
        Ok(Some(self.cancelled(&r).await.map_err(refused)?))
    }

    async fn call_event(&self, id: &str, event: CallEvent) -> Result<CallbackRecord, CallEventRefused> {
        let store = &self.parts().store;
        let r = store.callback(id).await.map_err(refused)?.ok_or(CallEventRefused::NotFound)?;
        let outcome = match (event, r.status) {
            (CallEvent::Answered, CallbackStatus::InProgress) => CallbackOutcome::Reached,
            (CallEvent::NoAnswer, CallbackStatus::InProgress) => CallbackOutcome::NoAnswer,
            (CallEvent::Busy, CallbackStatus::InProgress) => CallbackOutcome::Busy,
            (CallEvent::Voicemail, CallbackStatus::InProgress) => CallbackOutcome::Voicemail,
            (CallEvent::WrongNumber, CallbackStatus::InProgress) => CallbackOutcome::WrongNumber,
            // Hung up before anyone answered: not answered.
            (CallEvent::Hangup, CallbackStatus::InProgress) => CallbackOutcome::NoAnswer,
            // The end of a call that was answered: nothing more to record.
            (CallEvent::Hangup, CallbackStatus::Completed) => return Ok(r),
            (_, status) => {
                return Err(CallEventRefused::Conflict(format!(
                    "callback {id} is {status}: no call of it is in progress"
                )));
            }
        };
        tracing::info!(callback_id = %r.id, event = event.as_str(), "Call event");
        match self.outcome(&r, outcome, Actor::System, None).await {
            Some(moved) => Ok(moved),
            None => Err(CallEventRefused::Conflict(format!("callback {id} moved on before the event was recorded"))),
        }
    }
}

impl Callbacks {
    /// The outcome an agent recorded for their call, with their note kept as an internal
    /// note of the conversation.
    pub async fn record_outcome(
        &self,
        conversation: &ConversationId,
        agent: &AgentId,
        outcome: CallbackOutcome,
        note: Option<&str>,
    ) -> Result<CallbackRecord, CallbackRefusal> {
        let store = &self.parts().store;
        let r = store
            .callback_of(conversation)
            .await
            .map_err(|_| CallbackRefusal::Unavailable)?
            .ok_or_else(|| CallbackRefusal::NotACallback(conversation.to_string()))?;
        if r.status != CallbackStatus::InProgress {
            return Err(CallbackRefusal::NotCalling(r.status));
        }
        self.outcome(&r, outcome, Actor::Agent(agent.clone()), note).await.ok_or(CallbackRefusal::Unavailable)
    }
}
