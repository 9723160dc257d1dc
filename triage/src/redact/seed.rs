//! BIP-39 seed phrases: 12 or more words from the official English or Chinese (Simplified or
//! Traditional) wordlists in a row, separated by spaces, commas, line breaks or numbering
//! ("1. abandon 2. ability …").
//!
//! Ordinary English never strings twelve wordlist words together (the lists leave out "the",
//! "a", "to", "is", "my" …). Ordinary Chinese does (the Chinese lists are the 2048 most common
//! characters), so Chinese characters count as a phrase only when separated from each other, or
//! when an unseparated run of exactly 12–24 (a multiple of three) stands on its own, does not
//! read as prose (at most one grammatical word such as 的, 了, 我) and the message speaks of a
//! seed phrase (助记词, seed, mnemonic …).

use std::sync::LazyLock;

use bip39::Language;

use super::{SecretKind, Span};
use crate::text::{is_han, pack_word, packed_list};

/// The fewest words a BIP-39 phrase has.
const MIN_WORDS: usize = 12;

/// First code point of the CJK unified ideographs block, where every Chinese BIP-39 word (a
/// single character) lies.
const CJK_START: u32 = 0x4E00;
/// Size of that block.
const CJK_LEN: usize = 0x5200;

/// Both Chinese wordlists as a bitmap over the CJK block: a membership test per character is
/// one load, which matters because redaction runs on every message.
static CHINESE: LazyLock<Vec<u64>> = LazyLock::new(|| {
    let mut bits = vec![0u64; CJK_LEN / 64];
    for word in [Language::SimplifiedChinese, Language::TraditionalChinese].iter().flat_map(|l| l.word_list().iter()) {
        if let Some(offset) = word.chars().next().and_then(cjk_offset) {
            bits[offset / 64] |= 1 << (offset % 64);
        }
    }
    bits
});

fn cjk_offset(c: char) -> Option<usize> {
    (c as u32).checked_sub(CJK_START).map(|o| o as usize).filter(|&o| o < CJK_LEN)
}

fn is_chinese_word(c: char) -> bool {
    cjk_offset(c).is_some_and(|o| CHINESE[o / 64] & (1 << (o % 64)) != 0)
}

/// The English wordlist packed (its words have at most eight letters).
static ENGLISH: LazyLock<Vec<u64>> = LazyLock::new(|| packed_list(Language::English.word_list().iter().copied()));

fn is_english_word(word: &str) -> bool {
    pack_word(word).is_some_and(|w| ENGLISH.binary_search(&w).is_ok())
}

/// The grammatical words of Chinese prose (both scripts). A sentence is full of them; a random
/// phrase of twelve wordlist characters rarely holds more than one.
const FUNCTION_CHARS: &str = "的了是我你他她们們在不有这這个個吗嗎呢么麼吧啊请請要会會就都也很和说說到没沒着著把被让讓给給对對从從向与與或但而因为為所以";

/// Words that say an unseparated run of Chinese characters is meant as a phrase.
const SEED_MENTIONS: &[&str] = &[
    "助记词",
    "助記詞",
    "种子",
    "種子",
    "恢复词",
    "恢復詞",
    "恢复短语",
    "备份词",
    "seed",
    "mnemonic",
    "recovery phrase",
    "secret phrase",
    "backup phrase",
];

pub(super) fn find(text: &str, spans: &mut Vec<Span>) {
    english(text, spans);
    if text.chars().any(is_han) {
        chinese(text, spans);
    }
}

/// Characters allowed between the words of a phrase: spacing, list punctuation and numbering.
fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || c.is_ascii_digit()
        || matches!(
            c,
            ',' | ';' | '.' | ':' | ')' | '(' | '-' | '|' | '/' | '#' | '、' | '，' | '；' | '：' | '）' | '（' | '。'
        )
}

/// A phrase being collected: where it starts and ends, and how many words it has.
#[derive(Default)]
struct Run {
    start: usize,
    end: usize,
    words: usize,
}

impl Run {
    fn extend(&mut self, start: usize, end: usize) {
        if self.words == 0 {
            self.start = start;
        }
        self.end = end;
        self.words += 1;
    }

    /// Records the phrase if it is long enough, and starts over.
    fn flush(&mut self, spans: &mut Vec<Span>) {
        if self.words >= MIN_WORDS {
            spans.push(Span { start: self.start, end: self.end, kind: SecretKind::SeedPhrase });
        }
        *self = Run::default();
    }
}

fn english(text: &str, spans: &mut Vec<Span>) {
    let mut run = Run::default();
    let mut word_start = None;
    // A trailing space closes the last word without a special case.
    for (i, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
        if c.is_ascii_alphabetic() {
            word_start.get_or_insert(i);
            continue;
        }
        if let Some(start) = word_start.take() {
            if is_english_word(&text[start..i]) {
                run.extend(start, i);
            } else {
                run.flush(spans);
            }
        }
        if !is_separator(c) {
            run.flush(spans);
        }
    }
    run.flush(spans);
}

/// Adjacent wordlist characters, with no separator between them.
struct Token {
    start: usize,
    end: usize,
    chars: usize,
    /// Directly preceded by a Chinese character outside the wordlists.
    glued_before: bool,
}

fn chinese(text: &str, spans: &mut Vec<Span>) {
    // Looked up only when an unseparated run could be a phrase.
    let mut mentioned = None;
    // Consecutive one-character tokens: a separated phrase.
    let mut phrase = Run::default();
    let mut token: Option<Token> = None;
    let mut after_other_han = false;
    for (i, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
        if is_chinese_word(c) {
            match &mut token {
                Some(t) => {
                    t.end = i + c.len_utf8();
                    t.chars += 1;
                }
                None => {
                    token = Some(Token { start: i, end: i + c.len_utf8(), chars: 1, glued_before: after_other_han })
                }
            }
            continue;
        }
        if let Some(t) = token.take() {
            let prose = || text[t.start..t.end].chars().filter(|c| FUNCTION_CHARS.contains(*c)).count() > 1;
            if t.chars == 1 {
                phrase.extend(t.start, t.end);
            } else {
                phrase.flush(spans);
                // Unseparated: it must stand apart from other Chinese text, have a phrase's
                // length, not read as prose, and the message must speak of a seed phrase.
                let whole = !t.glued_before
                    && !is_han(c)
                    && (MIN_WORDS..=24).contains(&t.chars)
                    && t.chars % 3 == 0
                    && !prose()
                    && *mentioned.get_or_insert_with(|| {
                        let lower = text.to_lowercase();
                        SEED_MENTIONS.iter().any(|m| lower.contains(m))
                    });
                if whole {
                    spans.push(Span { start: t.start, end: t.end, kind: SecretKind::SeedPhrase });
                }
            }
        }
        if !is_separator(c) {
            phrase.flush(spans);
        }
        after_other_han = is_han(c);
    }
    phrase.flush(spans);
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWELVE: &str = "abandon ability able about above absent absorb abstract absurd abuse access accident";

    fn found(text: &str) -> Vec<String> {
        let mut spans = Vec::new();
        find(text, &mut spans);
        spans.iter().map(|s| text[s.start..s.end].to_owned()).collect()
    }

    #[test]
    fn english_phrases_in_any_layout() {
        assert_eq!(found(&format!("my words: {TWELVE}!! thx")), vec![TWELVE]);
        let numbered: String = TWELVE.split(' ').enumerate().map(|(i, w)| format!("{}. {w}\n", i + 1)).collect();
        // The marker replaces the words; the leading "1. " stays.
        assert_eq!(found(&numbered), vec![numbered["1. ".len()..].trim_end()]);
        let commas = TWELVE.replace(' ', ", ").to_uppercase();
        assert_eq!(found(&commas), vec![commas.clone()]);
    }

    #[test]
    fn eleven_words_or_ordinary_english_are_not_phrases() {
        let eleven = TWELVE.rsplit_once(' ').unwrap().0;
        assert!(found(eleven).is_empty());
        assert!(
            found("Hi, I have a question about my account balance and the exchange rate you apply to transfers")
                .is_empty()
        );
    }

    #[test]
    fn chinese_phrases_separated_or_announced() {
        let spaced = "的 一 是 在 不 了 有 和 人 这 中 大";
        assert_eq!(found(&format!("助记词如下：{spaced}")), vec![spaced]);
        assert_eq!(found(spaced), vec![spaced]);
        let traditional = "們 個 國 來 時 會 這 為 說 過 對 們";
        assert_eq!(found(traditional), vec![traditional]);
        let glued = "卷纯毒涨甲坡阶诸粗夹偿乎";
        assert_eq!(found(&format!("我的助记词：{glued}")), vec![glued]);
        assert!(found(glued).is_empty());
        // Prose of wordlist characters is not a phrase, even when a seed phrase is mentioned.
        assert!(found("助记词的事。我们的工作人员绝不会向您索要这些信息，请勿透露").is_empty());
    }

    #[test]
    fn ordinary_chinese_is_not_a_phrase() {
        assert!(found("你好，我的钱包里有一笔钱转不出去，我已经等了很长时间了，请你们快点处理一下这个问题").is_empty());
        assert!(found("我的助记词丢了怎么办？以前的手机坏了").is_empty());
    }
}
