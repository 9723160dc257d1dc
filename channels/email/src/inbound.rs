//! A parsed mail as the daemon ingests it: the channel contract's [`Inbound`] envelope.

use std::sync::Arc;

use switchboard_channel::{
    Attachment, Authentication, ChannelKind, EmailDetails, Inbound, SenderIdentity, ThreadKey, Threading,
};

use crate::attachment::DropReason;
use crate::parse::{Mailbox, ParsedMail};
use crate::threading::{OwnMailbox, subject_reference, thread_hints};

/// The envelope of one mail: keyed by its dedupe key across the whole channel, threaded by
/// the hints of [`thread_hints`] and then the subject's `[#REF]`, from the `From` address,
/// with the people on it for the agent and the full text when quoted history was cut. The text is the new part of the
/// mail, with a line for every attachment that was left out. A mail with no text at all still
/// says something: it lists its attachments, or else repeats the subject, so that a reply that
/// is only a screenshot, or a subject-only mail, is not refused as empty.
pub fn to_inbound(mail: &ParsedMail, own: &OwnMailbox) -> Inbound {
    let mut text = mail.text.clone();
    if text.trim().is_empty() {
        text = if !mail.attachments.is_empty() {
            let names: Vec<&str> = mail.attachments.iter().map(|a| a.filename.as_str()).collect();
            format!("[Attachments: {}]", names.join(", "))
        } else {
            mail.subject.clone().unwrap_or_default()
        };
    }
    for dropped in &mail.dropped {
        let why = match dropped.reason {
            DropReason::TooLarge(limit) => format!("larger than the {} limit", size(limit as u64)),
            DropReason::TooMany(limit) => format!("more than {limit} attachments"),
        };
        text.push_str(&format!("\n[Attachment not kept: {} ({}), {why}]", dropped.filename, size(dropped.size)));
    }
    if mail.dropped_unlisted > 0 {
        text.push_str(&format!("\n[{} more attachments not kept]", mail.dropped_unlisted));
    }
    let mut threading = thread_hints(mail, own);
    if let Some(reference) = mail.subject.as_deref().and_then(subject_reference) {
        threading.push(ThreadKey::Reference(reference));
    }
    let person = |m: &Mailbox| match &m.name {
        Some(name) => format!("{name} <{}>", m.address),
        None => m.address.clone(),
    };
    Inbound {
        channel: ChannelKind::Email,
        external_id: mail.dedupe_key.clone(),
        key_scope: None,
        threading: Threading::ByReferences(threading),
        sender: SenderIdentity {
            email: Some(mail.from.address.clone()),
            name: mail.from.name.clone(),
            ..SenderIdentity::default()
        },
        subject: mail.subject.clone(),
        text: text.trim().to_owned(),
        attachments: mail
            .attachments
            .iter()
            .map(|a| Attachment {
                filename: a.filename.clone(),
                content_type: a.content_type.clone(),
                size: a.size,
                content: Arc::from(a.bytes.as_slice()),
            })
            .collect(),
        // The mailbox loop knows these; a mail alone does not.
        account: None,
        automatic: false,
        reopen_within: None,
        email: Some(EmailDetails {
            from: person(&mail.from),
            to: mail.to.iter().map(person).collect(),
            cc: mail.cc.iter().map(person).collect(),
            message_id: mail.message_id.clone(),
            authentication: Authentication::Unknown,
        }),
        full_text: (mail.full_text.trim() != mail.text.trim()).then(|| mail.full_text.clone()),
    }
}

/// A byte count as people read it: `512 B`, `3.4 KB`, `20.0 MB`.
fn size(bytes: u64) -> String {
    const KB: f64 = 1024.0;
    let b = bytes as f64;
    if b < KB {
        format!("{bytes} B")
    } else if b < KB * KB {
        format!("{:.1} KB", b / KB)
    } else {
        format!("{:.1} MB", b / (KB * KB))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(size(512), "512 B");
        assert_eq!(size(3_500), "3.4 KB");
        assert_eq!(size(20 * 1024 * 1024), "20.0 MB");
    }
}
