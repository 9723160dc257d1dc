//! Character classes and the text normalisation every classifier feature is computed on.

use std::sync::LazyLock;

/// True for CJK unified ideographs (the BMP block, extension A and the compatibility block).
///
/// Only the BMP ranges matter in practice: support messages do not use the rare
/// supplementary-plane characters, and treating them as plain letters costs nothing.
pub(crate) fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

/// True for Japanese kana and Korean hangul: scripts that tell "not Chinese" apart from Han text.
pub(crate) fn is_kana_or_hangul(c: char) -> bool {
    matches!(
        c,
        '\u{3040}'..='\u{30FF}' | '\u{31F0}'..='\u{31FF}' | '\u{AC00}'..='\u{D7AF}' | '\u{1100}'..='\u{11FF}'
    )
}

/// Maps full-width ASCII forms (`ＡＢＣ１２３！`), the ideographic space and the typographic
/// apostrophe to their ASCII equivalents, so Chinese input methods, phone keyboards and ASCII
/// typing produce the same features.
pub(crate) fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        '\u{2019}' => '\'',
        _ => c,
    }
}

/// First code point of the CJK unified ideographs block.
const CJK_START: u32 = 0x4E00;
/// Size of that block.
const CJK_LEN: u32 = 0x5200;

/// Traditional-to-Simplified mapping of the CJK block, one entry per character (itself when
/// unchanged), built once from the `fast2s` conversion table so that normalising a message costs
/// one table load per character.
static TO_SIMPLIFIED: LazyLock<Vec<char>> = LazyLock::new(|| {
    (CJK_START..CJK_START + CJK_LEN)
        .filter_map(char::from_u32)
        .map(|c| {
            let converted = fast2s::convert(c.encode_utf8(&mut [0; 4]));
            let mut chars = converted.chars();
            match (chars.next(), chars.next()) {
                (Some(simplified), None) => simplified,
                _ => c,
            }
        })
        .collect()
});

fn to_simplified(c: char) -> char {
    match (c as u32).checked_sub(CJK_START) {
        Some(offset) if offset < CJK_LEN => TO_SIMPLIFIED[offset as usize],
        _ => c,
    }
}

/// Normalises text for matching and feature extraction: full-width folding, lower case, and
/// Traditional Chinese mapped to Simplified so both scripts share one set of features.
pub(crate) fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let c = fold_width(c);
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else if is_han(c) {
            out.push(to_simplified(c));
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// A word of at most eight bytes packed into an integer, ASCII letters lower-cased: word
/// lists are looked up by integer comparison rather than string comparison. `None` for longer
/// words, which no list this is used for holds.
pub(crate) fn pack_word(word: &str) -> Option<u64> {
    if word.len() > 8 {
        return None;
    }
    Some(word.bytes().fold(0u64, |packed, b| packed << 8 | u64::from(b.to_ascii_lowercase())))
}

/// A sorted list of packed words, for `binary_search` with `pack_word`.
pub(crate) fn packed_list<'a>(words: impl IntoIterator<Item = &'a str>) -> Vec<u64> {
    let mut packed: Vec<u64> = words.into_iter().filter_map(pack_word).collect();
    packed.sort_unstable();
    packed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_full_width_and_case() {
        assert_eq!(normalize("ＰＡＹ　Ｍｅ１２３！"), "pay me123!");
    }

    #[test]
    fn maps_traditional_to_simplified() {
        assert_eq!(normalize("帳戶被盜"), "帐户被盗");
        assert_eq!(normalize("閃退"), "闪退");
    }

    #[test]
    fn packed_words_ignore_ascii_case() {
        assert_eq!(pack_word("Abandon"), pack_word("abandon"));
        assert_ne!(pack_word("abandon"), pack_word("abando"));
        assert_eq!(pack_word("overlong!"), None);
        let list = packed_list(["zoo", "ability", "não"]);
        assert!(list.binary_search(&pack_word("NÃO").unwrap_or_default()).is_err());
        assert!(list.binary_search(&pack_word("Zoo").unwrap()).is_ok());
    }

    #[test]
    fn classifies_scripts() {
        assert!(is_han('钱'));
        assert!(!is_han('a'));
        assert!(is_kana_or_hangul('カ'));
        assert!(is_kana_or_hangul('한'));
    }
}
