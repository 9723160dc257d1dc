//! The schedule: each open request comes up at its time (its window opens, calling hours
//! begin or end, the next attempt is due, a call to the customer first has gone unanswered
//! too long), and what it should do then is decided afresh from its stored state, so a
//! timer that fires late or twice does no harm.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::Duration;

use switchboard_channel::{Callable, CallbackOutcome, CallbackRecord, CallbackStatus, Dial, DialOrder};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::Callbacks;
use super::outcome::{move_of, step_to};
use crate::domain::{Actor, ConversationId, ConversationStatus, Millis};

/// How long the telephone system may take to report on a call to the customer first before
/// the attempt counts as not answered: nothing waits forever on a report that never comes.
pub(super) const CUSTOMER_FIRST_WAIT: Duration = Duration::from_secs(10 * 60);

/// The times requests come up, earliest first.
#[derive(Default)]
pub(super) struct Timers {
    due: Mutex<BTreeSet<(Millis, String)>>,
    changed: Notify,
}

impl Timers {
    /// Brings `id` up at `at` (as well as at any time it was set for before).
    pub(super) fn at(&self, at: Millis, id: &str) {
        let earliest = {
            let mut due = self.due.lock().unwrap_or_else(|p| p.into_inner());
            due.insert((at, id.to_owned()));
            due.first().is_some_and(|(first, _)| *first == at)
        };
        if earliest {
            self.changed.notify_one();
        }
    }

    fn next(&self) -> Option<Millis> {
        self.due.lock().unwrap_or_else(|p| p.into_inner()).first().map(|(at, _)| *at)
    }

    /// The ids whose time has come, taken off the schedule.
    fn take_due(&self, now: Millis) -> Vec<String> {
        let mut due = self.due.lock().unwrap_or_else(|p| p.into_inner());
        let mut ids = Vec::new();
        while let Some(first) = due.first().filter(|(at, _)| *at <= now).cloned() {
            due.remove(&first);
            ids.push(first.1);
        }
        ids
    }
}

impl Callbacks {
    pub(super) async fn run_schedule(self, cancel: CancellationToken) {
        loop {
            let timers = &self.inner.timers;
            let sleep = match timers.next() {
                Some(at) => self.parts().clock.sleep_until(at),
                None => Box::pin(std::future::pending()),
            };
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = timers.changed.notified() => {}
                _ = sleep => {
                    for id in timers.take_due(self.parts().clock.now()) {
                        self.come_up(&id).await;
                    }
                }
            }
        }
    }

    /// Does what a request's time calls for, by where it stands now.
    async fn come_up(&self, id: &str) {
        let (Some(service), Ok(Some(r))) = (self.service(), self.parts().store.callback(id).await) else { return };
        let now = self.parts().clock.now();
        match r.status {
            CallbackStatus::Scheduled if r.next_attempt_at.is_none_or(|t| t <= now) => {
                match service.callable(&r, now) {
                    Callable::Now { .. } if service.dial_order() == DialOrder::CustomerFirst => {
                        self.call_customer_first(&r, now).await
                    }
                    Callable::Now { until } => self.open_for_calls(&r, until, now).await,
                    Callable::At(at) => self.postpone(&r, at, "calling_hours", now).await,
                    Callable::Never => self.window_closed(&r, now).await,
                }
            }
            CallbackStatus::Queued => match service.callable(&r, now) {
                Callable::Now { until } => {
                    if let Some(until) = until {
                        self.inner.timers.at(until, &r.id);
                    }
                }
                Callable::At(at) => {
                    // Offers end at once: nobody may be calling outside the customer's hours.
                    let _ = self.parts().routing.set_aside(conversation_of(&r)).await;
                    self.postpone(&r, at, "calling_hours_closed", now).await;
                }
                Callable::Never => self.window_closed(&r, now).await,
            },
            // The telephone system never reported on its call to the customer.
            CallbackStatus::InProgress if r.next_attempt_at.is_some_and(|t| t <= now) => {
                self.outcome(&r, CallbackOutcome::NoAnswer, Actor::System, None).await;
            }
            _ => {}
        }
    }

    /// A request whose time has come waits for an agent, until `until`.
    async fn open_for_calls(&self, r: &CallbackRecord, until: Option<Millis>, now: Millis) {
        let step = step_to(CallbackStatus::Queued, "due", now);
        let Some((r, conversation)) = self.step(r, &[CallbackStatus::Scheduled], step).await else { return };
        if let Some(until) = until {
            self.inner.timers.at(until, &r.id);
        }
        let _ = self.parts().routing.enqueue(conversation).await;
        self.announce(&r, None);
    }

    /// Keeps a request waiting until `at`.
    async fn postpone(&self, r: &CallbackRecord, at: Millis, reason: &str, now: Millis) {
        let mut step = step_to(CallbackStatus::Scheduled, reason, now);
        step.next_attempt_at = Some(at);
        step.conversation =
            move_of(r, self.conversation(r).await.as_ref(), ConversationStatus::Queued, reason, &Actor::System, now);
        let from = [CallbackStatus::Scheduled, CallbackStatus::Queued];
        if let Some((r, _)) = self.step(r, &from, step).await {
            self.inner.timers.at(at, &r.id);
            self.notify_scheduled(&r).await;
            self.announce(&r, None);
        }
    }

    /// The telephone system calls the customer; an agent is asked for once they answer.
    async fn call_customer_first(&self, r: &CallbackRecord, now: Millis) {
        let until = now.plus(CUSTOMER_FIRST_WAIT);
        let mut step = step_to(CallbackStatus::InProgress, "dialing_customer", now);
        step.next_attempt_at = Some(until);
        let Some((r, _)) = self.step(r, &[CallbackStatus::Scheduled], step).await else { return };
        self.inner.timers.at(until, &r.id);
        self.dial(&r, None);
    }

    /// Asks the dialer to place the call, telling the agents when it cannot. In a task of its
    /// own: a telephone system that is slow to answer holds up neither the schedule nor
    /// routing's notices.
    pub(super) fn dial(&self, r: &CallbackRecord, agent: Option<String>) {
        let (desk, r) = (self.clone(), r.clone());
        self.parts().tasks.spawn(async move { desk.place_call(&r, agent).await });
    }

    async fn place_call(&self, r: &CallbackRecord, agent: Option<String>) {
        let Some(service) = self.service() else { return };
        let call = Dial {
            callback_id: r.id.clone(),
            conversation_id: r.conversation_id.clone(),
            customer_phone: r.phone.clone(),
            agent,
            attempt: r.attempts + 1,
        };
        match service.dial(&call).await {
            Ok(()) => tracing::info!(callback_id = %r.id, attempt = call.attempt, "Call placed"),
            Err(e) => {
                tracing::warn!(callback_id = %r.id, error = %e, "Call not placed");
                self.announce(r, Some(format!("The dialer could not place the call ({e}). Dial the number yourself.")));
            }
        }
    }

    async fn window_closed(&self, r: &CallbackRecord, now: Millis) {
        self.fail(r, "window_closed", Actor::System, now).await;
    }
}

pub(super) fn conversation_of(r: &CallbackRecord) -> ConversationId {
    ConversationId(r.conversation_id.clone())
}
