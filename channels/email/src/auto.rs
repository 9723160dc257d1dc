//! Whether a human wrote a mail: automatic replies, delivery reports (bounces), list and bulk
//! mail and our own mail coming back are recognised by their headers (RFC 3834
//! `Auto-Submitted`, the `X-Autoreply` family, `Precedence`, RFC 2369 `List-*`, `X-Loop`, the
//! null `Return-Path`), so that nothing answers them and no loop starts. A delivery report
//! (RFC 3464) is read for the message that failed, the recipient, the status and the reason.

use crate::msgid::normalize_message_id;
use crate::parse::ParsedMail;
use crate::threading::OwnMailbox;

/// What kind of mail it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MailKind {
    /// Written by a person: take it as a customer message.
    Human,
    /// An automatic answer or notification (out of office, vacation, read receipt, RFC 3834
    /// `auto-replied` or `auto-generated`).
    AutoReply,
    /// A delivery report or another mailer's bounce.
    Bounce(DeliveryReport),
    /// Mailing-list or bulk mail.
    Bulk,
    /// Mail of our own that came back.
    OwnLoop,
}

/// A kind and the header or sign that decided it (for logs and tests; never customer text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Classification {
    pub kind: MailKind,
    pub reason: &'static str,
}

/// How bad a bounce is, from its status code (RFC 3463).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// `5.x.x`: the address will not work; do not retry.
    Hard,
    /// `4.x.x`: delayed or temporarily failing; the mailer goes on trying.
    Soft,
    /// `2.x.x`: a report of success (delivered, relayed, expanded).
    Delivered,
    /// No status to go by.
    Unknown,
}

/// What a delivery report says, as far as it says it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryReport {
    /// The Message-ID of the message that bounced (ours, usually), bare.
    pub original_message_id: Option<String>,
    /// The recipient it failed for, lower case.
    pub recipient: Option<String>,
    /// `failed`, `delayed`, `delivered`, … (RFC 3464 `Action`), lower case.
    pub action: Option<String>,
    /// The enhanced status code, `5.1.1`.
    pub status: Option<String>,
    pub severity: Severity,
    /// The remote server's words (`Diagnostic-Code` without its type), on one line.
    pub diagnostic: Option<String>,
}

/// Local parts of the mailers that send bounces.
const BOUNCE_SENDERS: &[&str] = &["mailer-daemon", "postmaster"];

/// Subject starts of automatic replies that carry no header saying so.
const AUTO_REPLY_SUBJECTS: &[&str] = &[
    "automatic reply:",
    "auto reply:",
    "autoreply:",
    "auto-reply:",
    "out of office:",
    "自动回复",
    "自動回覆",
    "自动答复",
];

/// Classifies a mail. `own` is the support mailbox, whose address is our `X-Loop` value.
pub fn classify(mail: &ParsedMail, own: &OwnMailbox) -> Classification {
    let h = &mail.headers;
    let is = |kind, reason| Classification { kind, reason };
    let header_says = |name: &str, values: &[&str]| {
        h.all(name).any(|v| values.iter().any(|want| first_word(v).eq_ignore_ascii_case(want)))
    };

    if let Some(report) = &mail.report
        && matches!(report.report_type.as_str(), "delivery-status" | "global-delivery-status")
    {
        return is(MailKind::Bounce(delivery_report(mail)), "delivery-status report");
    }
    if h.all("x-loop").any(|v| own.is_own_address(v.trim_matches(['<', '>', ' ']))) {
        return is(MailKind::OwnLoop, "X-Loop");
    }
    if own.is_own_address(&mail.from.address) {
        return is(MailKind::OwnLoop, "From");
    }
    let local = mail.from.address.split('@').next().unwrap_or_default();
    if BOUNCE_SENDERS.contains(&local) {
        return is(MailKind::Bounce(delivery_report(mail)), "sender");
    }
    if mail.report.as_ref().is_some_and(|r| r.report_type.contains("disposition-notification")) {
        return is(MailKind::AutoReply, "read receipt");
    }
    if h.all("auto-submitted").any(|v| !first_word(v).eq_ignore_ascii_case("no")) {
        return is(MailKind::AutoReply, "Auto-Submitted");
    }
    for name in ["x-autoreply", "x-autorespond"] {
        if h.all(name).any(|v| !first_word(v).eq_ignore_ascii_case("no")) {
            return is(MailKind::AutoReply, "X-Autoreply");
        }
    }
    if header_says("precedence", &["bulk", "junk", "list"]) {
        return is(MailKind::Bulk, "Precedence");
    }
    if header_says("precedence", &["auto_reply"]) {
        return is(MailKind::AutoReply, "Precedence");
    }
    if h.first("list-id").is_some() || h.first("list-unsubscribe").is_some() {
        return is(MailKind::Bulk, "List-Id");
    }
    if h.first("x-auto-response-suppress").is_some() {
        return is(MailKind::AutoReply, "X-Auto-Response-Suppress");
    }
    // RFC 3834 asks automatic responders to send from the null path; people never do.
    if h.first("return-path").is_some_and(|v| v.trim().trim_matches(['<', '>']).trim().is_empty()) {
        return is(MailKind::AutoReply, "Return-Path");
    }
    let subject = mail.subject.as_deref().unwrap_or_default().to_lowercase();
    if AUTO_REPLY_SUBJECTS.iter().any(|start| subject.starts_with(start)) {
        return is(MailKind::AutoReply, "subject");
    }
    is(MailKind::Human, "no automatic-mail sign")
}

/// The first word of a header value (`auto-replied; owner-email=…` gives `auto-replied`).
fn first_word(value: &str) -> &str {
    value.split([';', ' ', '\t', ',']).find(|w| !w.is_empty()).unwrap_or_default()
}

/// Reads a bounce: the RFC 3464 fields when there are some, else what the text and headers
/// of a plain-text bounce give.
fn delivery_report(mail: &ParsedMail) -> DeliveryReport {
    let report = mail.report.as_ref();
    let groups = report.and_then(|r| r.status_fields.as_deref()).map(field_groups).unwrap_or_default();
    // The first group is about the message; the others one recipient each. The failed one
    // matters most, then a delayed one.
    let recipients = groups.get(1..).unwrap_or_default();
    let action_of = |g: &Fields| g.get("action").map(str::to_ascii_lowercase);
    let chosen = recipients
        .iter()
        .find(|g| action_of(g).as_deref() == Some("failed"))
        .or_else(|| recipients.iter().find(|g| action_of(g).as_deref() == Some("delayed")))
        .or(recipients.first());

    let typed_value = |v: &str| v.split_once(';').map_or(v, |(_, value)| value).trim().to_owned();
    let recipient = chosen
        .and_then(|g| g.get("final-recipient").or_else(|| g.get("original-recipient")))
        .map(typed_value)
        .or_else(|| {
            mail.headers.first("x-failed-recipients").map(|v| v.split(',').next().unwrap_or_default().trim().to_owned())
        })
        .map(|r| r.trim_matches(['<', '>']).to_lowercase())
        .filter(|r| !r.is_empty());
    let status = chosen
        .and_then(|g| g.get("status"))
        .map(first_word)
        .filter(|s| is_status_code(s))
        .map(str::to_owned)
        // A plain-text bounce names the code in its prose, if anywhere.
        .or_else(|| {
            if report.is_none() {
                mail.full_text.split_whitespace().find(|w| is_status_code(w)).map(str::to_owned)
            } else {
                None
            }
        });
    let action = chosen.and_then(action_of);
    let severity = match status.as_deref().and_then(|s| s.chars().next()) {
        Some('5') => Severity::Hard,
        Some('4') => Severity::Soft,
        Some('2') => Severity::Delivered,
        _ => match action.as_deref() {
            Some("failed") => Severity::Hard,
            Some("delayed") => Severity::Soft,
            Some("delivered" | "relayed" | "expanded") => Severity::Delivered,
            _ => Severity::Unknown,
        },
    };
    let original_message_id = report
        .and_then(|r| r.returned_message_id.clone())
        .or_else(|| groups.first().and_then(|g| g.get("original-message-id")).and_then(normalize_message_id))
        .or_else(|| mail.headers.first("original-message-id").and_then(normalize_message_id))
        .or_else(|| quoted_message_id(&mail.full_text))
        .or_else(|| mail.in_reply_to.first().cloned());
    DeliveryReport {
        original_message_id,
        recipient,
        action,
        status,
        severity,
        diagnostic: chosen.and_then(|g| g.get("diagnostic-code")).map(typed_value).filter(|d| !d.is_empty()),
    }
}

/// `d.ddd.ddd`, class 2, 4 or 5 (RFC 3463).
fn is_status_code(word: &str) -> bool {
    let mut parts = word.split('.');
    let (Some(class), Some(subject), Some(detail), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let digits = |s: &str, max: usize| (1..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    matches!(class, "2" | "4" | "5") && digits(subject, 3) && digits(detail, 3)
}

/// A `Message-ID:` line a plain-text bounce quotes from the returned message.
fn quoted_message_id(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let (name, value) = line.trim().split_once(':')?;
        name.eq_ignore_ascii_case("message-id").then(|| normalize_message_id(value))?
    })
}

/// One group of `Name: value` fields, names lower case, folded lines unfolded.
#[derive(Debug, Default)]
struct Fields(Vec<(String, String)>);

impl Fields {
    fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// The blank-line-separated field groups of a `message/delivery-status` part.
fn field_groups(text: &str) -> Vec<Fields> {
    let mut groups = vec![Fields::default()];
    for line in text.lines() {
        let Some(group) = groups.last_mut() else { break };
        if line.trim().is_empty() {
            if !group.0.is_empty() {
                groups.push(Fields::default());
            }
        } else if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = group.0.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            group.0.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    groups.retain(|g| !g.0.is_empty());
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_are_recognised() {
        for code in ["5.1.1", "4.4.7", "2.0.0", "5.7.26"] {
            assert!(is_status_code(code), "{code}");
        }
        for word in ["5.1", "3.1.1", "5.1.1.1", "v5.1.1", "5.a.1", "550"] {
            assert!(!is_status_code(word), "{word}");
        }
    }

    #[test]
    fn delivery_status_groups_unfold_their_lines() {
        let groups = field_groups(
            "Reporting-MTA: dns; mx\r\n\r\nFinal-Recipient: rfc822; a@x\r\nDiagnostic-Code: smtp; 550 no\r\n    such user\r\n\r\n\r\nFinal-Recipient: rfc822; b@x\r\n",
        );
        assert_eq!(groups.len(), 3);
        assert_eq!(groups[1].get("diagnostic-code"), Some("smtp; 550 no such user"));
        assert_eq!(groups[2].get("final-recipient"), Some("rfc822; b@x"));
    }

    #[test]
    fn quoted_message_ids_are_found_in_plain_bounces() {
        let text = "---- original message ----\nSubject: x\nMessage-Id: <abc@help.wallet.example>\n";
        assert_eq!(quoted_message_id(text).as_deref(), Some("abc@help.wallet.example"));
    }
}
