//! Concept lexicon: groups of English and Chinese terms that mean the same thing to support
//! ("frozen", "冻结", "locked"), each turned into one shared feature. With a few hundred
//! labelled messages per language, this lets what the model learns from an English message
//! count for a Chinese one and the reverse.
//!
//! The lexicon is part of the model: it is written into every model file, so a model always
//! sees the concepts it was trained with.

use crate::terms::TermMatcher;

/// The lexicon new models are trained with (`triage/data/concepts.txt`).
pub(crate) const BUILTIN: &str = include_str!("../data/concepts.txt");

/// A parsed lexicon with its matcher.
#[derive(Debug, Clone)]
pub(crate) struct Lexicon {
    /// The text it was parsed from, kept to be written into model files.
    source: String,
    /// The concept of each term of `terms`.
    concept_of: Vec<u32>,
    terms: TermMatcher,
}

impl Lexicon {
    /// Parses `name: term | term | ...` lines; `#` starts a comment line.
    pub fn parse(source: &str) -> Result<Self, String> {
        let mut concept_of = Vec::new();
        let mut terms = Vec::new();
        let mut concepts = 0u32;
        for (number, line) in source.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (_, list) =
                line.split_once(':').ok_or_else(|| format!("lexicon line {}: expected `name: terms`", number + 1))?;
            for term in list.split('|') {
                if term.trim().is_empty() {
                    return Err(format!("lexicon line {}: empty term", number + 1));
                }
                terms.push(term);
                concept_of.push(concepts);
            }
            concepts += 1;
        }
        let terms = TermMatcher::new(&terms).map_err(|e| format!("lexicon: {e}"))?;
        Ok(Self { source: source.to_owned(), concept_of, terms })
    }

    /// The built-in lexicon.
    pub fn builtin() -> Self {
        Self::parse(BUILTIN).expect("the built-in lexicon parses (checked by a unit test)")
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Calls `found` with the concept index of every term mention in `normalized`.
    pub fn for_each_concept(&self, normalized: &str, mut found: impl FnMut(u32)) {
        self.terms.for_each(normalized, |term, _| found(self.concept_of[term]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::normalize;

    fn concepts(lexicon: &Lexicon, text: &str) -> Vec<u32> {
        let mut found = Vec::new();
        lexicon.for_each_concept(&normalize(text), |c| found.push(c));
        found.sort_unstable();
        found.dedup();
        found
    }

    #[test]
    fn builtin_lexicon_parses() {
        let lexicon = Lexicon::builtin();
        assert!(lexicon.concept_of.last().is_some_and(|&c| c >= 10));
    }

    #[test]
    fn english_and_chinese_share_a_concept() {
        let lexicon = Lexicon::builtin();
        let english = concepts(&lexicon, "my account is frozen");
        assert_eq!(english.len(), 1);
        assert_eq!(concepts(&lexicon, "账户被冻结了"), english);
        assert_eq!(concepts(&lexicon, "帳戶被凍結了"), english);
    }

    #[test]
    fn malformed_lines_are_rejected() {
        assert!(Lexicon::parse("no colon here").is_err());
        assert!(Lexicon::parse("x: a || b").is_err());
    }
}
