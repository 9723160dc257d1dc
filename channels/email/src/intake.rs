//! What happens to one fetched mail: parsed, classified, and then submitted as a customer
//! message (automatic mail marked so, a bounce attached to the conversation of the mail that
//! bounced and its delivery marked failed), dropped (our own mail looping back), or
//! quarantined (a mail that cannot be read). Answers only once the daemon has it durably.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use switchboard_channel::{
    Accepted, Authentication, Clock, InboundSink, Millis, Origin, Quarantined, Refused, ThreadKey, Threading,
};

use crate::authenticity::authentication;
use crate::auto::{MailKind, Severity, classify};
use crate::config::AcknowledgementConfig;
use crate::inbound::to_inbound;
use crate::parse::{ParseLimits, parse_mail};
use crate::suppression::Suppression;
use crate::threading::OwnMailbox;

/// What reading a mail found to do with it.
pub enum Reading {
    /// A mail to submit.
    Mail(Box<Read>),
    /// Our own mail, come back.
    Ours,
    /// A mail that cannot be read, to quarantine.
    Unreadable { raw: Arc<[u8]>, reason: String },
}

/// A mail read and ready to submit.
pub struct Read {
    inbound: switchboard_channel::Inbound,
    bounce: Option<crate::auto::DeliveryReport>,
    /// Set for mail a person wrote: who to acknowledge, and in which language.
    acknowledge: Option<Acknowledge>,
    /// Kept in case the daemon refuses the mail for good, to quarantine it.
    raw: Arc<[u8]>,
}

struct Acknowledge {
    sender: String,
    zh: bool,
}

/// How one mailbox takes its mail.
pub struct Intake {
    pub mailbox: String,
    pub own: OwnMailbox,
    pub limits: ParseLimits,
    pub trusted_authserv_ids: Vec<String>,
    pub reopen_within: Duration,
    pub acknowledgement: AcknowledgementConfig,
    pub suppression: Suppression,
    pub sink: Arc<dyn InboundSink>,
    pub clock: Arc<dyn Clock>,
    /// When each sender was last acknowledged.
    pub acknowledged: Mutex<HashMap<String, Millis>>,
}

impl Intake {
    /// Reads one raw mail into what is to be done with it. Pure work on the mail alone, so a
    /// batch is read on several threads at once.
    pub fn read(&self, raw: Arc<[u8]>) -> Reading {
        let mail = match parse_mail(&raw, &self.limits) {
            Ok(mail) => mail,
            Err(e) => return Reading::Unreadable { raw, reason: e.to_string() },
        };
        let class = classify(&mail, &self.own);
        let mut inbound = to_inbound(&mail, &self.own);
        inbound.account = Some(self.mailbox.clone());
        inbound.reopen_within = Some(self.reopen_within);
        if let Some(email) = inbound.email.as_mut() {
            email.authentication = match authentication(&mail, &self.trusted_authserv_ids) {
                // With a provider to vouch for mail, mail it did not vouch for did not come
                // through it.
                Authentication::Unknown if !self.trusted_authserv_ids.is_empty() => {
                    Authentication::Fail("no authentication result from a trusted server".into())
                }
                verdict => verdict,
            };
        }
        let mut bounce = None;
        match &class.kind {
            MailKind::OwnLoop => {
                tracing::debug!(mailbox = self.mailbox, reason = class.reason, "Own mail came back; dropped");
                return Reading::Ours;
            }
            MailKind::Human => {}
            MailKind::AutoReply | MailKind::Bulk => inbound.automatic = true,
            MailKind::Bounce(report) => {
                inbound.automatic = true;
                // The report belongs with the mail that bounced, before any other hint.
                if let (Some(id), Threading::ByReferences(keys)) = (&report.original_message_id, &mut inbound.threading)
                {
                    keys.insert(0, ThreadKey::Message(id.clone()));
                    if let Some(conversation) = self.own.conversation_of_message_id(id) {
                        keys.insert(0, ThreadKey::Conversation(conversation));
                    }
                }
                bounce = Some(report.clone());
            }
        }
        let acknowledge = matches!(class.kind, MailKind::Human).then(|| Acknowledge {
            sender: mail.from.address.clone(),
            zh: mail.text.chars().chain(mail.subject.iter().flat_map(|s| s.chars())).any(is_cjk),
        });
        Reading::Mail(Box::new(Read { inbound, bounce, acknowledge, raw }))
    }

    /// Takes a mail read by [`Intake::read`]. The submit is queued when this is called, so mails
    /// taken one after another commit in that order (a reply after the mail it answers).
    pub fn take(&self, reading: Reading) -> futures::future::BoxFuture<'_, Result<(), Refused>> {
        let read = match reading {
            Reading::Mail(read) => read,
            Reading::Ours => return Box::pin(async { Ok(()) }),
            Reading::Unreadable { raw, reason } => return Box::pin(self.quarantine(raw, reason)),
        };
        let Read { inbound, bounce, acknowledge, raw } = *read;
        let committing = self.sink.submit(inbound, Origin::default());
        Box::pin(async move {
            let accepted = match committing.await {
                Ok(accepted) => accepted,
                Err(e @ (Refused::Busy | Refused::Unavailable)) => return Err(e),
                // Nothing the mail says can be fixed by fetching it again: keep it aside.
                Err(refused) => return self.quarantine(raw, refused.to_string()).await,
            };
            if !accepted.duplicate {
                if let Some(report) = &bounce {
                    self.bounced(report).await?;
                }
                // The first message of a conversation: the customer hears we have it.
                if let Some(ack) = acknowledge.filter(|_| accepted.message.seq == 1) {
                    self.acknowledge(&accepted, &ack).await?;
                }
            }
            Ok(())
        })
    }

    async fn quarantine(&self, raw: Arc<[u8]>, reason: String) -> Result<(), Refused> {
        let item = Quarantined { account: Some(self.mailbox.clone()), reason, raw };
        self.sink.quarantine(item).await
    }

    /// A failed delivery marks our reply failed; a hard bounce stops mail to the address.
    async fn bounced(&self, report: &crate::auto::DeliveryReport) -> Result<(), Refused> {
        if !matches!(report.severity, Severity::Hard | Severity::Unknown) || report.action.as_deref() == Some("delayed")
        {
            return Ok(());
        }
        let reason = match (&report.status, &report.diagnostic) {
            (Some(status), Some(diagnostic)) => format!("bounced: {status} {diagnostic}"),
            (Some(status), None) => format!("bounced: {status}"),
            (None, Some(diagnostic)) => format!("bounced: {diagnostic}"),
            (None, None) => "bounced".to_owned(),
        };
        if let Some(id) = &report.original_message_id {
            self.sink.delivery_failed(id, &reason).await?;
        }
        if report.severity == Severity::Hard
            && let Some(recipient) = &report.recipient
        {
            self.suppression.suppress(recipient, &reason).await?;
        }
        Ok(())
    }

    /// Sends the acknowledgement, at most once per sender within the configured time.
    async fn acknowledge(&self, accepted: &Accepted, ack: &Acknowledge) -> Result<(), Refused> {
        let config = &self.acknowledgement;
        if !config.enabled {
            return Ok(());
        }
        let now = self.clock.now();
        let window = Duration::from_secs(config.per_sender_minutes * 60);
        {
            let mut last = self.acknowledged.lock().expect("acknowledgement times lock");
            if last.get(&ack.sender).is_some_and(|at| at.plus(window) > now) {
                return Ok(());
            }
            last.retain(|_, at| at.plus(window) > now);
            last.insert(ack.sender.clone(), now);
        }
        let template = if ack.zh { &config.zh } else { &config.en };
        let text = template.replace("{reference}", &accepted.reference);
        self.sink.acknowledge(&accepted.conversation_id, &text).await
    }
}

/// A character of Chinese, Japanese or Korean script.
fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}
