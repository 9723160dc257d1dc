//! A conversation's public reference: eight characters a customer can read out on the phone or
//! see in an email subject (`[#K3F9Q2MX]`), made from the conversation id.

use sha2::{Digest, Sha256};

use super::ConversationId;

/// Crockford's base32: no I, L, O or U, so nothing reads as another character.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The reference of a conversation: 40 bits of a hash of its id. Not unique by construction
/// (two in a trillion conversations may share one), so whoever looks one up also checks who is
/// asking; it is a convenience, never a key.
pub fn reference(id: &ConversationId) -> String {
    let digest = Sha256::digest(id.as_str().as_bytes());
    let bits = digest[..5].iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    (0..8).rev().map(|i| ALPHABET[((bits >> (i * 5)) & 31) as usize] as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_is_eight_unambiguous_characters_fixed_by_the_id() {
        let id = ConversationId::from("cv_0195f3a2b7c84d9e8f00112233445566");
        let r = reference(&id);
        assert_eq!(r.len(), 8);
        assert!(r.bytes().all(|b| ALPHABET.contains(&b)), "{r}");
        assert_eq!(r, reference(&id), "the same id, the same reference");
        assert_ne!(r, reference(&ConversationId::from("cv_0195f3a2b7c84d9e8f00112233445567")));
    }
}
