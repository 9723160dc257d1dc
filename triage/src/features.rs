//! Hashed n-gram features: Latin word uni/bi-grams, nearby word pairs and character n-grams,
//! Han character n-grams (Chinese needs no word segmentation when characters are the unit), and
//! concept-lexicon hits.

use crate::lexicon::Lexicon;
use crate::text::is_han;

/// Which n-grams are extracted and into how many hash buckets. Stored in every model file, so a
/// model is always read back with the extraction it was trained with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct FeatureSpec {
    /// log2 of the number of hash buckets.
    pub bits: u8,
    /// Shortest and longest character n-gram taken inside a Latin word (with boundary marks).
    pub word_chars: (u8, u8),
    /// Shortest and longest n-gram taken over a run of Han characters.
    pub han_chars: (u8, u8),
    /// Unordered pairs are formed between content words at most this many words apart.
    pub pair_window: u8,
    /// Relative weight of each feature group (see `Group`). Each group is normalised on its
    /// own first, so the many character n-grams do not drown the few word n-grams.
    pub group_weights: [f32; GROUPS],
}

impl FeatureSpec {
    /// The extraction new models are trained with.
    pub const DEFAULT: FeatureSpec = FeatureSpec {
        bits: 20,
        word_chars: (2, 5),
        han_chars: (1, 3),
        pair_window: 5,
        group_weights: [1.0, 1.0, 1.0, 0.7, 0.5],
    };
}

/// Number of feature groups.
pub(crate) const GROUPS: usize = 5;

/// The kinds of feature, weighted separately. A feature is `group << GROUP_SHIFT | bucket`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
enum Group {
    /// Latin word unigrams and bigrams (of stems).
    Words = 0,
    /// Character n-grams inside Latin words.
    WordChars = 1,
    /// Han character n-grams.
    Han = 2,
    /// Unordered pairs of nearby content words: "card … arrive" whatever lies between.
    Pairs = 3,
    /// Concept-lexicon hits.
    Concepts = 4,
}

/// Where the group sits in a feature; buckets use fewer bits than this.
const GROUP_SHIFT: u32 = 28;

/// The hash bucket of a feature.
pub(crate) fn bucket_of(feature: u32) -> u32 {
    feature & ((1 << GROUP_SHIFT) - 1)
}

/// The group of a feature, as an index into `FeatureSpec::group_weights`.
pub(crate) fn group_of(feature: u32) -> usize {
    (feature >> GROUP_SHIFT) as usize
}

/// Turns texts into features: the spec plus the concept lexicon.
#[derive(Debug, Clone)]
pub(crate) struct Extractor {
    pub spec: FeatureSpec,
    pub lexicon: Lexicon,
}

impl Extractor {
    /// Appends every feature of `normalized` (text passed through `text::normalize`, repeats
    /// included) to `out`.
    pub fn extract(&self, normalized: &str, out: &mut Vec<u32>) {
        let mut run = Runs {
            spec: self.spec,
            out,
            previous_word: None,
            word: Vec::with_capacity(32),
            han: Vec::with_capacity(64),
            content_words: Vec::new(),
        };
        let mut chars = normalized.chars().peekable();
        while let Some(c) = chars.next() {
            if is_han(c) {
                run.end_word();
                run.han.push(c as u32);
                continue;
            }
            run.end_han();
            if c.is_ascii_digit() {
                // Digit runs collapse to one `0`: amounts and dates are not topics.
                if run.word.last() != Some(&u32::from(b'0')) {
                    run.word.push(u32::from(b'0'));
                }
            } else if c.is_alphanumeric() {
                run.word.push(c as u32);
            } else if !(c == '\'' && chars.peek().is_some_and(|n| n.is_alphabetic())) {
                // Anything else ends a word, but an apostrophe before a letter ("don't") does not.
                run.end_word();
            }
        }
        run.end_word();
        run.end_han();
        run.pairs();
        self.lexicon
            .for_each_concept(normalized, |concept| run.emit(Group::Concepts, combine(KIND_CONCEPT, concept.into())));
    }
}

/// The state of one pass over a text: the word or Han run being collected.
struct Runs<'a> {
    spec: FeatureSpec,
    out: &'a mut Vec<u32>,
    /// Hash of the previous Latin word, for bigrams; a Han run breaks the chain.
    previous_word: Option<u64>,
    word: Vec<u32>,
    han: Vec<u32>,
    /// Hashes of the words of three or more letters, in order, for pairs.
    content_words: Vec<u64>,
}

impl Runs<'_> {
    fn emit(&mut self, group: Group, h: u64) {
        let bucket = fmix(h) & ((1u64 << self.spec.bits) - 1);
        self.out.push((group as u32) << GROUP_SHIFT | bucket as u32);
    }

    fn end_word(&mut self) {
        if self.word.is_empty() {
            return;
        }
        let word = std::mem::take(&mut self.word);
        let h = word[..stem_len(&word)].iter().fold(KIND_WORD, |h, &c| combine(h, u64::from(c)));
        self.emit(Group::Words, h);
        if let Some(p) = self.previous_word {
            self.emit(Group::Words, combine(combine(KIND_WORD_BIGRAM, p), h));
        }
        self.previous_word = Some(h);
        if word.len() >= 3 {
            self.content_words.push(h);
        }
        let (lo, hi) = (usize::from(self.spec.word_chars.0), usize::from(self.spec.word_chars.1));
        let len = word.len() + 2;
        let at = |i: usize| if i == 0 || i == len - 1 { BOUNDARY } else { u64::from(word[i - 1]) };
        self.ngrams(Group::WordChars, KIND_WORD_CHARS, len, at, lo, hi);
        // Hand the buffer back to reuse its allocation.
        self.word = word;
        self.word.clear();
    }

    fn end_han(&mut self) {
        if self.han.is_empty() {
            return;
        }
        self.previous_word = None;
        let run = std::mem::take(&mut self.han);
        let (lo, hi) = (usize::from(self.spec.han_chars.0), usize::from(self.spec.han_chars.1));
        self.ngrams(Group::Han, KIND_HAN, run.len(), |i| u64::from(run[i]), lo, hi);
        self.han = run;
        self.han.clear();
    }

    /// Emits every n-gram (`lo <= n <= hi`) of the `len` symbols given by `at`. The hash of an
    /// n-gram extends that of the (n−1)-gram at the same start, so each costs one step.
    fn ngrams(&mut self, group: Group, seed: u64, len: usize, at: impl Fn(usize) -> u64, lo: usize, hi: usize) {
        for start in 0..len {
            let mut h = seed;
            for (n, i) in (start..len.min(start + hi)).enumerate() {
                h = combine(h, at(i));
                if n + 1 >= lo {
                    self.emit(group, h);
                }
            }
        }
    }

    fn pairs(&mut self) {
        let words = std::mem::take(&mut self.content_words);
        let window = usize::from(self.spec.pair_window);
        for (i, &a) in words.iter().enumerate() {
            for &b in words.iter().skip(i + 1).take(window) {
                let (lo, hi) = if a < b { (a, b) } else { (b, a) };
                self.emit(Group::Pairs, combine(combine(KIND_PAIR, lo), hi));
            }
        }
    }
}

/// Length of the stem of a lower-case word: common English inflections are cut off
/// ("arrived", "arriving" and "arrives" share "arriv"), so word features generalise across
/// them. Character n-grams still see the full word.
fn stem_len(word: &[u32]) -> usize {
    let ends_with = |suffix: &str| {
        word.len() > suffix.len() + 2
            && word[word.len() - suffix.len()..].iter().zip(suffix.bytes()).all(|(&a, b)| a == u32::from(b))
    };
    for suffix in ["ing", "ed", "es", "s", "ly"] {
        if ends_with(suffix) && !(suffix == "s" && ends_with("ss")) {
            return word.len() - suffix.len();
        }
    }
    word.len()
}

/// Seeds that keep the kinds of feature apart in the shared hash space.
const KIND_WORD: u64 = 0x5157_4f52_4400_0001;
const KIND_WORD_BIGRAM: u64 = 0x5157_4f52_4400_0002;
const KIND_WORD_CHARS: u64 = 0x5157_4f52_4400_0003;
const KIND_HAN: u64 = 0x5157_4f52_4400_0004;
const KIND_PAIR: u64 = 0x5157_4f52_4400_0005;
const KIND_CONCEPT: u64 = 0x5157_4f52_4400_0006;
/// Stands for the start or end of a word in character n-grams.
const BOUNDARY: u64 = 0x11_0000;

/// One multiply-rotate step (as in FxHash): cheap, and `fmix` spreads the result afterwards.
fn combine(h: u64, v: u64) -> u64 {
    (h.rotate_left(5) ^ v).wrapping_mul(0x517c_c1b7_2722_0a95)
}

/// MurmurHash3's 64-bit finaliser, so the low bits used as the bucket are well mixed.
fn fmix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::normalize;

    fn features(text: &str) -> Vec<u32> {
        let extractor = Extractor { spec: FeatureSpec::DEFAULT, lexicon: Lexicon::parse("").unwrap() };
        let mut v = Vec::new();
        extractor.extract(&normalize(text), &mut v);
        v.sort_unstable();
        v
    }

    #[test]
    fn traditional_and_simplified_share_features() {
        assert_eq!(features("帳號被盜"), features("帐号被盗"));
    }

    #[test]
    fn case_width_and_numbers_do_not_matter() {
        assert_eq!(features("Sent 500 CNY"), features("ｓｅｎｔ 12000 cny"));
    }

    #[test]
    fn counts_han_ngrams() {
        // 3 unigrams, 2 bigrams, 1 trigram.
        assert_eq!(features("被盗了").len(), 6);
    }

    #[test]
    fn inflections_share_word_features() {
        let words = |text: &str| {
            features(text).into_iter().filter(|&f| group_of(f) == Group::Words as usize).collect::<Vec<_>>()
        };
        assert_eq!(words("arrived"), words("arriving"));
        assert_eq!(words("cards"), words("card"));
        assert_ne!(words("access"), words("acces"));
    }

    #[test]
    fn pairs_ignore_order_and_distance() {
        let pairs = |text: &str| {
            features(text).into_iter().filter(|&f| group_of(f) == Group::Pairs as usize).collect::<Vec<_>>()
        };
        assert_eq!(pairs("card never arrive"), pairs("arrive card never"));
        assert!(pairs("a card").is_empty());
    }

    #[test]
    fn lexicon_hits_become_concept_features() {
        let extractor =
            Extractor { spec: FeatureSpec::DEFAULT, lexicon: Lexicon::parse("lock: frozen | 冻结").unwrap() };
        let concept = |text: &str| {
            let mut v = Vec::new();
            extractor.extract(&normalize(text), &mut v);
            v.into_iter().filter(|&f| group_of(f) == Group::Concepts as usize).collect::<Vec<_>>()
        };
        assert_eq!(concept("account frozen"), concept("账户冻结"));
        assert_eq!(concept("account frozen").len(), 1);
    }
}
