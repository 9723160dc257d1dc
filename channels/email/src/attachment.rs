//! A mail's attachments as the limits sort them: kept with their decoded bytes, or left out
//! and listed so the agent can be told. Names are decoded (RFC 2047 and RFC 2231, continuations
//! joined) and made safe to show and store under; a delivery report's machine-readable parts
//! are not the customer's attachments.

use mail_parser::{Encoding, HeaderName, Message, MessagePart, MimeHeaders, PartType};

use crate::header::header_text;
use crate::parse::ParseLimits;
use crate::rfc2231;

/// An attachment kept, with its bytes (decoded from base64 or quoted-printable; a text
/// attachment is given in UTF-8, as decoded from its charset).
#[derive(Clone, PartialEq, Eq)]
pub struct MailAttachment {
    /// Decoded (RFC 2047 or RFC 2231), without any directory part or control character;
    /// `attachment-N` when the mail names none.
    pub filename: String,
    /// `type/subtype`, lower case.
    pub content_type: String,
    pub size: u64,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for MailAttachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The bytes would drown any log or test failure.
        f.debug_struct("MailAttachment")
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

/// An attachment left out, so the agent can be told.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DroppedAttachment {
    pub filename: String,
    pub content_type: String,
    pub size: u64,
    pub reason: DropReason,
}

/// Why an attachment was left out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropReason {
    /// Larger than [`ParseLimits::max_attachment_bytes`] (the limit is given).
    TooLarge(usize),
    /// Past [`ParseLimits::max_attachments`] (the limit is given).
    TooMany(usize),
}

/// `type/subtype` of a part, lower case.
pub(crate) fn content_type_of(part: &MessagePart<'_>) -> Option<String> {
    let ct = part.content_type()?;
    let subtype = ct.subtype().unwrap_or("octet-stream");
    Some(format!("{}/{}", ct.ctype(), subtype).to_ascii_lowercase())
}

/// Report parts are machine-readable: the delivery status and the returned message are read
/// here and never listed as the customer's attachments.
const REPORT_PART_TYPES: &[&str] = &[
    "message/delivery-status",
    "message/global-delivery-status",
    "message/disposition-notification",
    "message/global-disposition-notification",
    "text/rfc822-headers",
    "message/global-headers",
    "message/rfc822",
    "message/global",
];

/// A mail's attachments, as the limits sort them.
pub(crate) struct Attachments {
    pub(crate) kept: Vec<MailAttachment>,
    pub(crate) dropped: Vec<DroppedAttachment>,
    pub(crate) dropped_unlisted: usize,
}

/// The attachments, kept or dropped by the limits.
pub(crate) fn attachments(message: &Message<'_>, source: &[u8], is_report: bool, limits: &ParseLimits) -> Attachments {
    let report_children: &[u32] = if is_report { message.root_part().sub_parts().unwrap_or_default() } else { &[] };
    let mut sorted = Attachments { kept: Vec::new(), dropped: Vec::new(), dropped_unlisted: 0 };
    for (n, &id) in message.attachments.iter().enumerate() {
        let Some(part) = message.part(id) else { continue };
        let content_type = content_type_of(part).unwrap_or_else(|| {
            match part.body {
                PartType::Text(_) => "text/plain",
                PartType::Html(_) => "text/html",
                PartType::Message(_) => "message/rfc822",
                _ => "application/octet-stream",
            }
            .to_owned()
        });
        if report_children.contains(&id) && REPORT_PART_TYPES.contains(&content_type.as_str()) {
            continue;
        }
        let bytes: &[u8] = match &part.body {
            // mail-parser hands a nested message the outer message's bytes; its own are the
            // part's body range (a transfer-encoded one was decoded and parsed on its own).
            PartType::Message(_) if part.encoding == Encoding::None => {
                source.get(part.offset_body as usize..part.offset_end as usize).unwrap_or_default()
            }
            PartType::Message(nested) => nested.raw_message(),
            _ => part.contents(),
        };
        let filename =
            attachment_name(part, source).as_deref().map(safe_filename).filter(|f| !f.is_empty()).unwrap_or_else(
                || match part.body {
                    PartType::Message(_) => format!("message-{}.eml", n + 1),
                    _ => format!("attachment-{}", n + 1),
                },
            );
        let size = bytes.len() as u64;
        let reason = if sorted.kept.len() >= limits.max_attachments {
            Some(DropReason::TooMany(limits.max_attachments))
        } else if bytes.len() > limits.max_attachment_bytes {
            Some(DropReason::TooLarge(limits.max_attachment_bytes))
        } else {
            None
        };
        match reason {
            // A mail of ten thousand parts must not make a note of ten thousand lines.
            Some(_) if sorted.dropped.len() >= limits.max_attachments => sorted.dropped_unlisted += 1,
            Some(reason) => sorted.dropped.push(DroppedAttachment { filename, content_type, size, reason }),
            None => sorted.kept.push(MailAttachment { filename, content_type, size, bytes: bytes.to_vec() }),
        }
    }
    sorted
}

/// The attachment's name as mail-parser decodes it, or, where that holds a broken character,
/// read again from the raw headers with RFC 2231 continuations joined before decoding.
fn attachment_name(part: &MessagePart<'_>, source: &[u8]) -> Option<String> {
    let decoded = part.attachment_name()?;
    if !decoded.contains('\u{fffd}') {
        return Some(decoded.to_owned());
    }
    let raw = |wanted: HeaderName<'_>| {
        part.headers
            .iter()
            .find(|h| h.name == wanted)
            .and_then(|h| source.get(h.offset_start as usize..h.offset_end as usize))
    };
    raw(HeaderName::ContentDisposition)
        .and_then(|value| rfc2231::parameter(&String::from_utf8_lossy(value), "filename"))
        .or_else(|| {
            raw(HeaderName::ContentType).and_then(|value| rfc2231::parameter(&String::from_utf8_lossy(value), "name"))
        })
        .or_else(|| Some(decoded.to_owned()))
}

/// A file name safe to show and to store under: the last path component only (no `../`),
/// without control characters, at most 255 bytes.
fn safe_filename(name: &str) -> String {
    let name = header_text(name);
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    let base = if matches!(base, "." | "..") { "" } else { base };
    let mut end = base.len().min(255);
    while !base.is_char_boundary(end) {
        end -= 1;
    }
    base[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_mail;

    #[test]
    fn rfc2231_names_in_gbk_are_decoded() {
        let raw = "From: li@x.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
                   Content-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: application/pdf\r\n\
                   Content-Disposition: attachment; filename*=gbk''%CD%CB%BF%EE%C9%EA%C7%EB.pdf\r\n\r\n%PDF\r\n--b--\r\n";
        let mail = parse_mail(raw.as_bytes(), &ParseLimits::new()).expect("parses");
        assert_eq!(mail.attachments[0].filename, "退款申请.pdf");
    }

    #[test]
    fn forwarded_messages_are_attachments_with_their_own_bytes() {
        let nested = "From: bank@x.example\r\nSubject: blocked\r\n\r\nYour card is blocked.\r\n";
        let encoded = data_encoding::BASE64.encode(nested.as_bytes());
        let raw = format!(
            "From: li@x.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
             --b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n\
             --b\r\nContent-Type: message/rfc822\r\n\r\n{nested}\
             --b\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n{encoded}\r\n--b--\r\n"
        );
        let mail = parse_mail(raw.as_bytes(), &ParseLimits::new()).expect("parses");
        assert_eq!(mail.text, "see attached");
        let names: Vec<&str> = mail.attachments.iter().map(|a| a.filename.as_str()).collect();
        assert_eq!(names, ["message-1.eml", "message-2.eml"]);
        for attachment in &mail.attachments {
            assert_eq!(attachment.content_type, "message/rfc822");
            assert!(
                attachment.bytes.starts_with(b"From: bank@x.example\r\n"),
                "{:?}",
                String::from_utf8_lossy(&attachment.bytes)
            );
            assert!(attachment.bytes.windows(21).any(|w| w == b"Your card is blocked."));
        }
    }

    #[test]
    fn file_names_cannot_climb_out_or_carry_controls() {
        assert_eq!(safe_filename("../../etc/passwd"), "passwd");
        assert_eq!(safe_filename("C:\\Users\\li\\账单.pdf"), "账单.pdf");
        assert_eq!(safe_filename("a\r\nb.txt"), "a b.txt");
        assert_eq!(safe_filename(".."), "");
        assert_eq!(safe_filename(&"长".repeat(100)).len(), 255);
    }
}
