//! The sending half of the email channel: an agent's reply (or an acknowledgement) turned into
//! a threaded mail and sent through the SMTP account of the mailbox its conversation came in
//! on.

use std::collections::HashMap;

use async_trait::async_trait;
use sha2::{Digest, Sha256};
use switchboard_channel::{ChannelKind, DeliveryError, DeliveryReceipt, Outbound, OutboundChannel};

use crate::readiness::Readiness;
use crate::smtp::{OutgoingMail, SmtpSender};
use crate::suppression::Suppression;
use crate::threading::{OwnMailbox, ReplyContext, reply_headers};

/// One mailbox's sending side.
pub struct Sending {
    pub own: OwnMailbox,
    pub display_name: Option<String>,
    pub smtp: SmtpSender,
}

/// Every mailbox's sending side, by mailbox name; the first one also answers conversations
/// that came in on no mailbox (a chat continued by email).
pub struct EmailOutbound {
    pub mailboxes: HashMap<String, Sending>,
    pub default_mailbox: String,
    pub suppression: Suppression,
    pub readiness: Readiness,
}

#[async_trait]
impl OutboundChannel for EmailOutbound {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Email
    }

    async fn deliver(&self, out: &Outbound) -> Result<DeliveryReceipt, DeliveryError> {
        let name = out.account.as_deref().unwrap_or(&self.default_mailbox);
        let sending = self
            .mailboxes
            .get(name)
            .ok_or_else(|| DeliveryError::Permanent(format!("mailbox {name:?} is no longer configured")))?;
        let to = out
            .recipient
            .email
            .clone()
            .ok_or_else(|| DeliveryError::Permanent("the customer has no email address".into()))?;
        let store_down = |e: switchboard_channel::Refused| DeliveryError::Transient(e.to_string());
        if let Some(why) = self.suppression.why_suppressed(&to).await.map_err(store_down)? {
            return Err(DeliveryError::Permanent(why));
        }
        // A conversation that began elsewhere (a chat continued by email) has no subject yet.
        let subject = out.subject.clone().unwrap_or_else(|| match &sending.display_name {
            Some(name) => format!("Your conversation with {name}"),
            None => "Your support conversation".to_owned(),
        });
        let context = ReplyContext {
            conversation_id: &out.conversation_id,
            reference: Some(&out.reference),
            subject: Some(&subject),
            thread_refs: &out.thread_refs,
        };
        let headers = reply_headers(&sending.own, &context, nonce(&out.message_id))
            .map_err(|e| DeliveryError::Permanent(format!("cannot thread the reply: {e}")))?;
        let from = (sending.display_name.clone(), sending.own.address());
        let mut mail = OutgoingMail::reply(from, vec![to], headers, out.text.clone());
        mail.cc = out.cc.clone();
        mail.auto_submitted = out.automatic;
        sending.smtp.send(&mail).await
    }

    async fn ready(&self) -> Result<(), String> {
        self.readiness.check()
    }
}

/// The random part of a reply's Message-ID, fixed by the message it carries: a retry sends
/// the same Message-ID, so a receiving server that took the first attempt after all can tell.
fn nonce(message_id: &str) -> [u8; 10] {
    let digest = Sha256::digest(message_id.as_bytes());
    let mut nonce = [0u8; 10];
    nonce.copy_from_slice(&digest[..10]);
    nonce
}
