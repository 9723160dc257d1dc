//! Private keys: 64 hex digits (with or without `0x`), WIF keys and `xprv` extended keys.
//!
//! 64 hex digits are also what a transaction or block hash looks like, and agents need those.
//! So a 64-hex string is a key unless it is labelled as a hash ("tx hash", "TxID", "hash:",
//! "block", 交易哈希, 区块) nearer than any key label: whatever else stands before it (a
//! backup, an export, an abbreviation, a word in either language, nothing at all), a customer
//! who pasted it may have pasted a key, and redacting a hash by mistake costs far less than
//! storing a key. WIF keys are recognised by their Base58Check checksum, `xprv` keys by their
//! prefix. Wallet addresses (`0x` + 40 hex) are never matched.

use std::sync::LazyLock;

use regex::Regex;

use super::base58check::wif_valid;
use super::context::{before, nearest};
use super::{SecretKind, Span};

/// Raw hex keys: secrets unless labelled as a hash.
static HEX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u:\b)(?:0[xX])?[0-9a-fA-F]{64}(?-u:\b)").expect("hex key pattern is valid"));

/// WIF keys: Base58, 51 (uncompressed, starting 5) or 52 (compressed, K or L) characters.
static WIF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u:\b)(?:5[1-9A-HJ-NP-Za-km-z]{50}|[KL][1-9A-HJ-NP-Za-km-z]{51})(?-u:\b)")
        .expect("WIF pattern is valid")
});

/// BIP-32 extended private keys announce themselves: always secret.
static XPRV: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u:\b)[xtyz]prv[1-9A-HJ-NP-Za-km-z]{100,112}(?-u:\b)").expect("xprv pattern is valid")
});

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    Key,
    NotKey,
}

const LABELS: &[(&str, Label)] = &[
    ("private key", Label::Key),
    ("privatekey", Label::Key),
    ("private_key", Label::Key),
    ("priv key", Label::Key),
    ("privkey", Label::Key),
    ("secret key", Label::Key),
    ("key:", Label::Key),
    ("key is", Label::Key),
    ("wif", Label::Key),
    ("私钥", Label::Key),
    ("私鑰", Label::Key),
    ("密钥", Label::Key),
    ("密鑰", Label::Key),
    ("txid", Label::NotKey),
    ("tx id", Label::NotKey),
    ("tx hash", Label::NotKey),
    ("tx:", Label::NotKey),
    ("tx ", Label::NotKey),
    ("hash", Label::NotKey),
    ("transaction", Label::NotKey),
    ("block", Label::NotKey),
    ("交易", Label::NotKey),
    ("哈希", Label::NotKey),
    ("区块", Label::NotKey),
    ("區塊", Label::NotKey),
];

pub(super) fn find(text: &str, spans: &mut Vec<Span>) {
    for m in XPRV.find_iter(text) {
        spans.push(Span { start: m.start(), end: m.end(), kind: SecretKind::PrivateKey });
    }
    for m in HEX.find_iter(text) {
        if nearest(&before(text, m.start(), 40, false), LABELS) != Some(Label::NotKey) {
            spans.push(Span { start: m.start(), end: m.end(), kind: SecretKind::PrivateKey });
        }
    }
    for m in WIF.find_iter(text).filter(|m| wif_valid(m.as_str())) {
        spans.push(Span { start: m.start(), end: m.end(), kind: SecretKind::PrivateKey });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX64: &str = "4c0883a69102937d6231471b5dbb6204fe512961708279f15a5b1e9c2d6b7a3f";

    fn found(text: &str) -> Vec<String> {
        let mut spans = Vec::new();
        find(text, &mut spans);
        spans.iter().map(|s| text[s.start..s.end].to_owned()).collect()
    }

    #[test]
    fn labelled_keys_are_found_with_or_without_0x() {
        assert_eq!(found(&format!("my private key: {HEX64}")), vec![HEX64]);
        assert_eq!(found(&format!("私钥是 0x{HEX64}")), vec![format!("0x{HEX64}")]);
        assert_eq!(found(&format!("Private key\n{HEX64}")), vec![HEX64]);
    }

    #[test]
    fn hex_is_a_key_whatever_stands_before_it_but_a_hash_label() {
        assert_eq!(found(&format!("I exported my private key earlier. here: 0x{HEX64}")), vec![format!("0x{HEX64}")]);
        assert_eq!(found(&format!("what is 0x{HEX64}?")), vec![format!("0x{HEX64}")]);
        assert_eq!(found(&format!("backup: {HEX64}")), vec![HEX64]);
        assert!(found(&format!("TxID {HEX64}")).is_empty());
        assert!(found(&format!("block hash: {HEX64}")).is_empty());
    }

    #[test]
    fn transaction_hashes_and_addresses_are_kept() {
        assert!(found(&format!("tx hash 0x{HEX64}")).is_empty());
        assert!(found(&format!("交易哈希：0x{HEX64}，私钥我没给别人")).is_empty());
        assert!(found("send to 0x52908400098527886E0F7030069857D2E4169EE7").is_empty());
    }

    #[test]
    fn wif_and_xprv_keys() {
        let wif = "5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ";
        assert_eq!(found(&format!("WIF {wif}")), vec![wif]);
        assert_eq!(found(&format!("ref {wif}")), vec![wif]);
        assert!(found("ref 5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTK").is_empty());
        let xprv = "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi";
        assert_eq!(found(&format!("backup {xprv}")), vec![xprv]);
    }
}
