//! What the customer is told of their callback, in their language: that the call is
//! scheduled, that an attempt was missed and when the next one is, that it could not be
//! made. Each is kept in the callback's conversation and shown at once in the customer's
//! open chat, the only place a callback customer may be reading.

use switchboard_channel::CallbackRecord;

use super::Callbacks;
use super::schedule::conversation_of;
use crate::routing::local_time;

impl Callbacks {
    pub(super) async fn notify_scheduled(&self, r: &CallbackRecord) {
        let zh = self.speaks_chinese(r).await;
        let when = r.next_attempt_at.and_then(|at| local_time(&r.zone, at, zh));
        let text = match (when, zh) {
            (Some(when), true) => format!("我们将于 {when}（{}）左右致电 {}。", r.zone, r.phone),
            (Some(when), false) => format!("We will call you at {} {when} ({}).", r.phone, r.zone),
            (None, true) => format!("我们已收到您的回电请求，客服将尽快致电 {}。", r.phone),
            (None, false) => format!("We have your callback request: an agent will call you at {} shortly.", r.phone),
        };
        let key = format!("callback-scheduled:{}:{}", r.id, r.next_attempt_at.map_or(0, |t| t.0));
        self.tell(r, key, &text).await;
    }

    pub(super) async fn notify_missed(&self, r: &CallbackRecord) {
        let zh = self.speaks_chinese(r).await;
        let Some(when) = r.next_attempt_at.and_then(|at| local_time(&r.zone, at, zh)) else { return };
        let text = if zh {
            format!("我们致电 {} 未能接通，将于 {when}（{}）左右再次致电。", r.phone, r.zone)
        } else {
            format!(
                "We tried to call you at {} but could not reach you. We will try again {when} ({}).",
                r.phone, r.zone
            )
        };
        self.tell(r, format!("callback-missed:{}:{}", r.id, r.attempts), &text).await;
    }

    pub(super) async fn notify_failed(&self, r: &CallbackRecord) {
        let text = if self.speaks_chinese(r).await {
            format!("我们未能通过 {} 联系到您，本次回电请求已关闭。您可以在应用内重新申请回电或给我们留言。", r.phone)
        } else {
            format!(
                "We could not reach you at {}, so this callback request is closed. You can ask for another call or \
                 write to us in the app.",
                r.phone
            )
        };
        self.tell(r, format!("callback-failed:{}", r.id), &text).await;
    }

    /// Commits `text` to the callback's conversation once per `key`; the customer sees it in
    /// their open chat.
    async fn tell(&self, r: &CallbackRecord, key: String, text: &str) {
        if let Err(e) = self.parts().system.send(&conversation_of(r), key, text).await {
            tracing::warn!(callback_id = %r.id, error = %e, "Callback notice not recorded");
        }
    }

    async fn speaks_chinese(&self, r: &CallbackRecord) -> bool {
        let language = self.conversation(r).await.and_then(|c| c.language);
        language.is_some_and(|l| l.starts_with("zh"))
    }
}
