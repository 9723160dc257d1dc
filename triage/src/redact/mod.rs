//! Secret redaction: everything a customer should never have pasted (seed phrases, private
//! keys, card numbers, CVVs, one-time codes, passwords, PRC ID numbers) is replaced by a marker
//! such as `[redacted: card number]` before the message is stored or logged.
//!
//! Each detector favours catching the secret, but leaves alone the look-alikes agents need:
//! wallet addresses (`0x` + 40 hex), transaction hashes labelled as such, order and reference
//! numbers, amounts, dates and numbers that fail their check digit.

mod base58check;
mod context;
mod labelled;
mod numbers;
mod private_key;
mod seed;

use std::fmt;

use serde::{Deserialize, Serialize};

/// The kinds of secret that are redacted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretKind {
    /// A BIP-39 recovery phrase (12–24 words from the English or Chinese wordlists).
    SeedPhrase,
    /// A private key: 64 hex digits not labelled as a transaction or block hash, a WIF key
    /// (valid checksum) or an `xprv` extended key.
    PrivateKey,
    /// A payment card number: 13–19 digits passing the Luhn check.
    CardNumber,
    /// A card security code next to its keyword.
    Cvv,
    /// A one-time code next to 验证码 / code / OTP.
    OneTimeCode,
    /// A password after "password is" / 密码是 / `pwd:`.
    Password,
    /// A PRC resident ID number with a valid check character.
    IdNumber,
}

impl SecretKind {
    /// The words used in the marker: `[redacted: <label>]`.
    pub fn label(self) -> &'static str {
        match self {
            SecretKind::SeedPhrase => "seed phrase",
            SecretKind::PrivateKey => "private key",
            SecretKind::CardNumber => "card number",
            SecretKind::Cvv => "cvv",
            SecretKind::OneTimeCode => "one-time code",
            SecretKind::Password => "password",
            SecretKind::IdNumber => "id number",
        }
    }
}

impl fmt::Display for SecretKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The result of redaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redacted {
    /// The text with every secret replaced by `[redacted: <kind>]`.
    pub text: String,
    /// The kind of each secret replaced, in order of appearance (a kind appears once per
    /// secret). Empty when nothing was redacted.
    pub found: Vec<SecretKind>,
}

impl Redacted {
    /// Whether anything was redacted: the conversation is then flagged and the customer gets
    /// the safety notice.
    pub fn any(&self) -> bool {
        !self.found.is_empty()
    }
}

/// A secret found at bytes `start..end` of the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: usize,
    end: usize,
    kind: SecretKind,
}

/// Replaces every secret in `text` with a marker naming its kind.
pub fn redact(text: &str) -> Redacted {
    let mut spans = Vec::new();
    seed::find(text, &mut spans);
    private_key::find(text, &mut spans);
    numbers::find(text, &mut spans);
    labelled::find(text, &mut spans);
    if spans.is_empty() {
        return Redacted { text: text.to_owned(), found: Vec::new() };
    }
    // Earliest first, and of two starting together the longer; a span overlapping one already
    // kept is dropped (its secret is inside the kept marker).
    spans.sort_by_key(|s| (s.start, std::cmp::Reverse(s.end)));
    let mut out = String::with_capacity(text.len());
    let mut found = Vec::new();
    let mut at = 0;
    for span in spans {
        if span.start < at {
            continue;
        }
        out.push_str(&text[at..span.start]);
        out.push_str("[redacted: ");
        out.push_str(span.kind.label());
        out.push(']');
        found.push(span.kind);
        at = span.end;
    }
    out.push_str(&text[at..]);
    Redacted { text: out, found }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_text_is_unchanged() {
        let r = redact("my payment of ¥58 failed on 2024-05-06, order JD20240415883201");
        assert_eq!(r.text, "my payment of ¥58 failed on 2024-05-06, order JD20240415883201");
        assert!(!r.any());
    }

    #[test]
    fn several_secrets_are_all_replaced_in_order() {
        let r = redact("card 4111 1111 1111 1111 cvv 123, 验证码 482913");
        assert_eq!(r.text, "card [redacted: card number] cvv [redacted: cvv], 验证码 [redacted: one-time code]");
        assert_eq!(r.found, vec![SecretKind::CardNumber, SecretKind::Cvv, SecretKind::OneTimeCode]);
    }
}
