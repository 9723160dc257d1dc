//! Message-IDs as the threading headers carry them (`Message-ID`, `In-Reply-To`,
//! `References`), reduced to the bare `left@right` form without angle brackets and checked, so
//! a key made from one can be stored, compared and written back into a header safely.

/// The longest Message-ID taken. Real ones are well under 100 characters; anything near a
/// header line's 998 is broken or hostile, and the id becomes a stored key.
const MAX_ID_LEN: usize = 250;

/// The most ids kept from one `References` header: the newest ones, which thread best.
const MAX_IDS: usize = 64;

/// Normalises one Message-ID: `<abc@example.com>`, ` abc@example.com ` and
/// `<abc@example.com> (comment)` all become `abc@example.com`. `None` when it is not a usable
/// id: no `@` with text on both sides, whitespace, control or non-ASCII characters, angle
/// brackets inside, or longer than 250 characters. Such an id is broken; the caller falls back
/// to a hash of the message.
pub fn normalize_message_id(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let inner = match raw.find('<') {
        Some(start) => {
            let rest = &raw[start + 1..];
            &rest[..rest.find('>')?]
        }
        None => raw.split_whitespace().next()?,
    };
    valid_id(inner).then(|| inner.to_owned())
}

/// Whether a bare id is one we store and write: printable ASCII without spaces or brackets,
/// exactly one `@` with text on both sides. Ids from our own hash keys (`sha256:…`) and the
/// daemon's conversation hints have no `@`, so no customer-sent id can ever be taken for one.
pub(crate) fn valid_id(id: &str) -> bool {
    let mut halves = id.split('@');
    let (Some(left), Some(right), None) = (halves.next(), halves.next(), halves.next()) else {
        return false;
    };
    !left.is_empty()
        && !right.is_empty()
        && id.len() <= MAX_ID_LEN
        && id.bytes().all(|b| b.is_ascii_graphic() && b != b'<' && b != b'>')
}

/// All usable ids of an `In-Reply-To` or `References` value, in the order written, each once
/// (where it last appears), at most the 64 last. Ids are the `<…>` tokens; a value without any
/// brackets is split on whitespace and commas, as some old clients write it.
pub fn message_id_list(raw: &str) -> Vec<String> {
    let mut candidates: Vec<&str> = Vec::new();
    if raw.contains('<') {
        let mut rest = raw;
        while let Some(start) = rest.find('<') {
            rest = &rest[start + 1..];
            let Some(end) = rest.find('>') else { break };
            candidates.push(rest[..end].trim());
            rest = &rest[end + 1..];
        }
    } else {
        candidates.extend(raw.split(|c: char| c.is_whitespace() || c == ','));
    }
    // From the newest back, so that a header of a million ids costs one pass and not a
    // million comparisons each.
    let mut ids: Vec<String> = Vec::new();
    for id in candidates.into_iter().rev().filter(|id| valid_id(id)) {
        if ids.len() == MAX_IDS {
            break;
        }
        if !ids.iter().any(|seen| seen == id) {
            ids.push(id.to_owned());
        }
    }
    ids.reverse();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_lose_their_brackets_and_comments() {
        assert_eq!(normalize_message_id("<abc.123@mail.example>").as_deref(), Some("abc.123@mail.example"));
        assert_eq!(normalize_message_id("  abc@x.example  ").as_deref(), Some("abc@x.example"));
        assert_eq!(normalize_message_id("<abc@x.example> (added by relay)").as_deref(), Some("abc@x.example"));
    }

    #[test]
    fn broken_ids_are_refused() {
        for broken in
            ["", "<>", "<abc>", "abc", "<@x>", "<abc@>", "<a@b@c>", "<a b@c>", "<a\u{7f}@c>", "<中@文>", "<abc@x"]
        {
            assert_eq!(normalize_message_id(broken), None, "{broken:?}");
        }
        let long = format!("<{}@x.example>", "a".repeat(MAX_ID_LEN));
        assert_eq!(normalize_message_id(&long), None);
    }

    #[test]
    fn lists_keep_order_drop_duplicates_and_junk() {
        let refs = "<a@x>\r\n <b@x> <broken> <a@x>\t<c@x>";
        assert_eq!(message_id_list(refs), ["b@x", "a@x", "c@x"]);
        assert_eq!(message_id_list("a@x, b@x"), ["a@x", "b@x"]);
        assert_eq!(message_id_list("<a@x> (Li Wei's message of Monday)"), ["a@x"]);
        assert_eq!(message_id_list("<a@x> <unterminated@x"), ["a@x"]);
    }

    #[test]
    fn long_lists_keep_the_newest_ids() {
        let refs: String = (0..100).map(|i| format!("<m{i}@x> ")).collect();
        let ids = message_id_list(&refs);
        assert_eq!(ids.len(), MAX_IDS);
        assert_eq!(ids.first().map(String::as_str), Some("m36@x"));
        assert_eq!(ids.last().map(String::as_str), Some("m99@x"));
    }
}
