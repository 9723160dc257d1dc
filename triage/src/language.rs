//! Language detection for routing and for the language of automatic notices: Chinese (either
//! script, and Chinese mixed with English), English, or anything else.

use std::fmt;

use serde::{Deserialize, Serialize};

use std::sync::LazyLock;

use crate::text::{fold_width, is_han, is_kana_or_hangul, pack_word, packed_list};

/// The language a message is written in, as far as routing cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// Chinese, Simplified or Traditional, including Chinese mixed with English words.
    Zh,
    /// English.
    En,
    /// Anything else, or too little text to tell.
    Other,
}

impl Language {
    /// The short code: `zh`, `en` or `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Zh => "zh",
            Language::En => "en",
            Language::Other => "other",
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Frequent English words; their presence tells English apart from other Latin-script text.
const ENGLISH_WORDS: &[&str] = &[
    "a", "about", "account", "and", "are", "but", "can", "card", "did", "do", "for", "from", "have", "hello", "help",
    "hi", "how", "i", "i'm", "in", "is", "it", "me", "money", "my", "not", "of", "on", "please", "still", "thanks",
    "that", "the", "this", "to", "was", "what", "when", "where", "why", "with", "you", "your",
];

/// Frequent function words of other Latin-script languages customers write in (Spanish,
/// French, German, Portuguese, Italian, Dutch, Indonesian, Vietnamese, Turkish), chosen not to
/// be English words.
const OTHER_LATIN_WORDS: &[&str] = &[
    "bir", "bu", "con", "cái", "có", "da", "dan", "das", "dass", "de", "del", "der", "des", "die", "du", "e", "ein",
    "eine", "el", "em", "en", "est", "et", "für", "het", "ich", "ist", "je", "la", "las", "le", "les", "los", "mi",
    "mit", "nicht", "não", "och", "para", "pas", "per", "por", "que", "saya", "sie", "tidak", "tôi", "um", "uma",
    "una", "und", "une", "ve", "và", "y", "yang",
];

static ENGLISH: LazyLock<Vec<u64>> = LazyLock::new(|| packed_list(ENGLISH_WORDS.iter().copied()));
static OTHER_LATIN: LazyLock<Vec<u64>> = LazyLock::new(|| packed_list(OTHER_LATIN_WORDS.iter().copied()));

/// Detects the language of `text`.
///
/// Any real amount of Han characters makes it Chinese, even with English words mixed in (our
/// Chinese-speaking customers write "我的payment失败"); kana or hangul make it Other (Japanese
/// uses Han characters too); Latin text is English unless it reads as another Latin-script
/// language.
pub fn detect_language(text: &str) -> Language {
    let (mut han, mut kana_hangul, mut latin, mut other) = (0usize, 0usize, 0usize, 0usize);
    for c in text.chars().map(fold_width) {
        if is_han(c) {
            han += 1;
        } else if is_kana_or_hangul(c) {
            kana_hangul += 1;
        } else if c.is_ascii_alphabetic() || ('\u{C0}'..='\u{24F}').contains(&c) {
            latin += 1;
        } else if c.is_alphabetic() {
            other += 1;
        }
    }
    if kana_hangul >= 2 && kana_hangul * 3 >= han {
        return Language::Other;
    }
    // Chinese when Han characters carry a fair share of the text: one Han character counts
    // for about four Latin letters of content.
    if han >= 1 && han * 4 >= latin && han >= other {
        return Language::Zh;
    }
    if latin == 0 || latin < other {
        return Language::Other;
    }
    let (mut english, mut foreign) = (0usize, 0usize);
    for word in text.split(|c: char| !(c.is_alphabetic() || c == '\'')).filter(|w| !w.is_empty()) {
        let Some(word) = pack_word(word) else { continue };
        if ENGLISH.binary_search(&word).is_ok() {
            english += 1;
        } else if OTHER_LATIN.binary_search(&word).is_ok() {
            foreign += 1;
        }
    }
    if foreign >= 2 && foreign > english { Language::Other } else { Language::En }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_lists_fit_packing() {
        assert_eq!(ENGLISH.len(), ENGLISH_WORDS.len());
        assert_eq!(OTHER_LATIN.len(), OTHER_LATIN_WORDS.len());
    }

    #[test]
    fn chinese_in_both_scripts() {
        assert_eq!(detect_language("我的账户被盗了"), Language::Zh);
        assert_eq!(detect_language("賬戶被人盜用，有一筆轉帳不是我轉的"), Language::Zh);
    }

    #[test]
    fn mixed_chinese_and_english_is_chinese() {
        assert_eq!(detect_language("我的payment一直failed，换了两张card都不行"), Language::Zh);
        assert_eq!(
            detect_language("Hi 客服，my account 有几笔 payment 不是我做的。Please freeze 我的账户!"),
            Language::Zh
        );
    }

    #[test]
    fn english_with_a_chinese_name_is_english() {
        assert_eq!(detect_language("Hello, my name is Wang Lei 王磊 and my payment failed twice today."), Language::En);
        assert_eq!(detect_language("love the new design!"), Language::En);
    }

    #[test]
    fn other_languages() {
        assert_eq!(detect_language("アカウントがロックされました"), Language::Other);
        assert_eq!(detect_language("계정이 잠겼습니다"), Language::Other);
        assert_eq!(detect_language("Мой счёт заблокирован"), Language::Other);
        assert_eq!(
            detect_language("No puedo pagar con mi tarjeta, dice que la cuenta está bloqueada"),
            Language::Other
        );
        assert_eq!(detect_language("12345 !!!"), Language::Other);
    }
}
