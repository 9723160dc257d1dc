//! Header values made safe. Text that came from a customer or an agent (a subject, a display
//! name) is flattened to one line with no control character left, and RFC 2047-encoded when it
//! is not ASCII; an address with anything that could end a header line or smuggle in another
//! recipient is refused. Nothing written through here can inject a header.

/// Why an address cannot go into a header.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    #[error("address {0:?} has a control character or a space")]
    Control(String),
    #[error("address {0:?} is not local@domain")]
    Malformed(String),
    #[error("address {0:?} is longer than 254 characters")]
    TooLong(String),
}

/// A value as one clean line: CR, LF and tab become spaces, other control characters
/// (C0, DEL, C1) and Unicode line and paragraph separators go, runs of spaces collapse and the
/// ends are trimmed. Used on everything decoded from a mail, too, so that no header of ours
/// ever carries a line break a customer put into theirs.
pub fn header_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut space = false;
    for c in value.chars() {
        let c = match c {
            '\r' | '\n' | '\t' | '\u{2028}' | '\u{2029}' => ' ',
            c if c.is_control() => continue,
            c => c,
        };
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
    }
    out
}

/// The longest encoded word RFC 2047 allows, and the bytes of UTF-8 that fit one in base64
/// (`=?UTF-8?B?` and `?=` take 12 characters; 45 bytes make 60 characters).
const WORD_BYTES: usize = 45;

/// Header text ready to write: [`header_text`], then, when it is not all printable ASCII,
/// RFC 2047 `B` words in UTF-8, each at most 75 characters and never splitting a character,
/// separated by single spaces (a decoder drops the space between two encoded words).
pub fn encode_text(value: &str) -> String {
    let clean = header_text(value);
    // "=?" would start what a reader takes for an encoded word; encode it so it stays text.
    if clean.bytes().all(|b| (0x20..0x7f).contains(&b)) && !clean.contains("=?") {
        return clean;
    }
    let mut words = Vec::new();
    let mut start = 0;
    while start < clean.len() {
        let mut end = (start + WORD_BYTES).min(clean.len());
        while !clean.is_char_boundary(end) {
            end -= 1;
        }
        words.push(format!("=?UTF-8?B?{}?=", data_encoding::BASE64.encode(&clean.as_bytes()[start..end])));
        start = end;
    }
    words.join(" ")
}

/// Checks an address before it goes into a header: `local@domain`, at most 254 characters
/// (64 for the local part), no control character, space or character that ends or splits an
/// address (`<>()[],;:"\` and a second `@`), domain labels non-empty. Non-ASCII letters are
/// allowed (internationalised addresses).
pub fn check_address(address: &str) -> Result<(), HeaderError> {
    let fail = |make: fn(String) -> HeaderError| Err(make(address.to_owned()));
    if address.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return fail(HeaderError::Control);
    }
    if address.len() > 254 {
        return fail(HeaderError::TooLong);
    }
    let Some((local, domain)) = address.split_once('@') else { return fail(HeaderError::Malformed) };
    let special = |c: char| "<>()[],;:\"\\@".contains(c);
    if local.is_empty()
        || local.len() > 64
        || local.starts_with('.')
        || local.ends_with('.')
        || local.contains("..")
        || local.contains(special)
        || domain.contains(special)
        || domain.split('.').any(|label| label.is_empty() || label.starts_with('-') || label.ends_with('-'))
    {
        return fail(HeaderError::Malformed);
    }
    Ok(())
}

/// A mailbox as a header writes it: `Name <address>`, the name quoted when it holds a special
/// character and encoded when it is not ASCII; the bare address without a name.
pub fn mailbox(name: Option<&str>, address: &str) -> Result<String, HeaderError> {
    check_address(address)?;
    let name = name.map(header_text).filter(|n| !n.is_empty());
    let Some(name) = name else { return Ok(address.to_owned()) };
    let encoded = encode_text(&name);
    let shown = if encoded != name {
        encoded
    } else if name.chars().all(|c| c.is_ascii_alphanumeric() || " !#$%&'*+-/=?^_`{|}~".contains(c)) {
        name
    } else {
        format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
    };
    Ok(format!("{shown} <{address}>"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_and_controls_cannot_reach_a_header() {
        assert_eq!(header_text("Refund\r\nBcc: victim@x.example"), "Refund Bcc: victim@x.example");
        assert_eq!(header_text("  a\t\tb\u{0}\u{1b}[31m\u{7f}\u{85}c\u{2028}d  "), "a b[31mc d");
        assert_eq!(encode_text("Re: refund\nX-Evil: 1"), "Re: refund X-Evil: 1");
    }

    #[test]
    fn non_ascii_is_encoded_in_words_of_at_most_75_characters() {
        let subject = "回复：转账未到账，请尽快处理我的退款申请，谢谢！".repeat(3);
        let encoded = encode_text(&subject);
        assert!(encoded.split(' ').all(|w| w.len() <= 75 && w.starts_with("=?UTF-8?B?") && w.ends_with("?=")));
        let decoded: String = encoded
            .split(' ')
            .map(|w| {
                let b64 = &w["=?UTF-8?B?".len()..w.len() - 2];
                String::from_utf8(data_encoding::BASE64.decode(b64.as_bytes()).expect("base64")).expect("whole chars")
            })
            .collect();
        assert_eq!(decoded, subject);
    }

    #[test]
    fn ascii_that_looks_encoded_is_encoded() {
        assert_eq!(encode_text("plain"), "plain");
        assert!(encode_text("=?utf-8?B?x?=").starts_with("=?UTF-8?B?"));
    }

    #[test]
    fn addresses_that_could_inject_are_refused() {
        assert_eq!(check_address("li.wei@example.cn"), Ok(()));
        assert_eq!(check_address("support+abc@help.wallet.example"), Ok(()));
        assert_eq!(check_address("张三@例子.中国"), Ok(()));
        for bad in [
            "a@x.example\r\nBcc: b@y",
            "a b@x",
            "a@x\u{0}",
            "a@x,b@y",
            "<a@x>",
            "a@b@c",
            "a",
            "@x",
            "a@",
            "a@x..y",
            "a@-x",
        ] {
            assert!(check_address(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            check_address(&format!("{}@x.example", "a".repeat(250))),
            Err(HeaderError::TooLong(format!("{}@x.example", "a".repeat(250))))
        );
    }

    #[test]
    fn mailboxes_quote_or_encode_their_names() {
        assert_eq!(
            mailbox(Some("Wallet Support"), "support@x.example"),
            Ok("Wallet Support <support@x.example>".into())
        );
        assert_eq!(mailbox(Some("Li, Wei \"LW\""), "li@x.example"), Ok("\"Li, Wei \\\"LW\\\"\" <li@x.example>".into()));
        assert_eq!(mailbox(Some("钱包客服"), "s@x.example"), Ok("=?UTF-8?B?6ZKx5YyF5a6i5pyN?= <s@x.example>".into()));
        assert_eq!(mailbox(Some("Mei\r\nBcc: x@y"), "s@x.example"), Ok("\"Mei Bcc: x@y\" <s@x.example>".into()));
        assert_eq!(mailbox(None, "s@x.example"), Ok("s@x.example".into()));
        assert!(mailbox(Some("x"), "s@x.example\r\n").is_err());
    }
}
