//! Matching lists of words and phrases in normalised text: Chinese terms anywhere, English
//! terms as whole words (with common inflections), all in one Aho–Corasick pass.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use crate::text::normalize;

/// Word endings an English term may carry and still match ("refund" matches "refunded").
const SUFFIXES: &[&str] = &["", "s", "es", "ed", "d", "ing"];

/// A compiled list of terms.
#[derive(Debug, Clone)]
pub(crate) struct TermMatcher {
    /// Whether each term (by pattern index) must match whole English words.
    latin: Vec<bool>,
    /// `None` when there are no terms.
    matcher: Option<AhoCorasick>,
}

impl TermMatcher {
    /// Compiles `terms`, normalising them as texts are (lower case, Simplified Chinese).
    /// Errors name the index of an empty term.
    pub fn new<S: AsRef<str>>(terms: &[S]) -> Result<Self, TermError> {
        let mut patterns = Vec::with_capacity(terms.len());
        let mut latin = Vec::with_capacity(terms.len());
        for (index, term) in terms.iter().enumerate() {
            let term = normalize(term.as_ref());
            let term = term.trim();
            if term.is_empty() {
                return Err(TermError::Empty(index));
            }
            latin.push(
                term.starts_with(|c: char| c.is_ascii_alphanumeric())
                    || term.ends_with(|c: char| c.is_ascii_alphanumeric()),
            );
            patterns.push(term.to_owned());
        }
        let matcher = if patterns.is_empty() {
            None
        } else {
            Some(
                // A full DFA: a few hundred kilobytes for the lexicon, and the fastest scan, which
                // matters because every message is scanned.
                AhoCorasick::builder()
                    .kind(Some(AhoCorasickKind::DFA))
                    .match_kind(MatchKind::Standard)
                    .build(&patterns)
                    .map_err(|e| TermError::Build(e.to_string()))?,
            )
        };
        Ok(Self { latin, matcher })
    }

    /// Calls `found` with the index and byte range of every term occurring in `normalized`
    /// (text already passed through `text::normalize`), overlapping occurrences included.
    pub fn for_each(&self, normalized: &str, mut found: impl FnMut(usize, std::ops::Range<usize>)) {
        let Some(matcher) = &self.matcher else { return };
        let bytes = normalized.as_bytes();
        for m in matcher.find_overlapping_iter(normalized) {
            let term = m.pattern().as_usize();
            if !self.latin[term] || whole_word(bytes, m.start(), m.end()) {
                found(term, m.range());
            }
        }
    }
}

/// Why a term list could not be compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum TermError {
    #[error("term {0} is empty")]
    Empty(usize),
    #[error("{0}")]
    Build(String),
}

/// Whether bytes `start..end` of `text` begin at a word start and end at a word end, allowing
/// one of the `SUFFIXES` in between.
fn whole_word(text: &[u8], start: usize, end: usize) -> bool {
    if start > 0 && text[start - 1].is_ascii_alphanumeric() {
        return false;
    }
    let rest = &text[end..];
    let word_end = rest.iter().position(|b| !b.is_ascii_alphanumeric()).unwrap_or(rest.len());
    SUFFIXES.iter().any(|s| s.as_bytes() == &rest[..word_end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(terms: &[&str], text: &str) -> Vec<usize> {
        let mut found = Vec::new();
        TermMatcher::new(terms).unwrap().for_each(&normalize(text), |t, _| found.push(t));
        found
    }

    #[test]
    fn english_terms_match_whole_words_with_inflections() {
        assert_eq!(hits(&["refund"], "Refunded yet?"), vec![0]);
        assert_eq!(hits(&["refund"], "two refunds"), vec![0]);
        assert!(hits(&["lock"], "blocked").is_empty());
        assert!(hits(&["lock"], "locksmith").is_empty());
    }

    #[test]
    fn chinese_terms_match_anywhere_in_either_script() {
        assert_eq!(hits(&["冻结"], "帳戶被凍結了"), vec![0]);
    }

    #[test]
    fn empty_terms_are_rejected() {
        assert_eq!(TermMatcher::new(&["a", " "]).unwrap_err(), TermError::Empty(1));
    }
}
