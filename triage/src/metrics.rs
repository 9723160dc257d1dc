//! Evaluation: accuracy, macro-F1, the per-category table, confusion pairs, the reliability of
//! the confidence, priority agreement and its confusion table, and single-thread throughput, as
//! `triage eval` prints them.

use std::collections::BTreeMap;
use std::io::Write;
use std::time::{Duration, Instant};

use crate::classify::{Decision, Triage};
use crate::dataset::Example;
use crate::input::Input;

/// Lower edges of the confidence bins of the reliability table; the last bin is the one that
/// matters to routing (a decision that sure should be right at least that often).
const CONFIDENCE_BINS: [f32; 5] = [0.0, 0.35, 0.5, 0.7, 0.9];

/// Priority levels, most urgent first, as rows and columns of the priority table.
const PRIORITIES: [&str; 4] = ["urgent", "high", "normal", "low"];

/// Throughput is measured over repeated passes for at least this long.
const TIMING: Duration = Duration::from_secs(1);

/// Precision, recall, F1 and support of one category.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct CategoryScore {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: usize,
}

/// The outcome of classifying a labelled set.
#[derive(Debug, Clone)]
pub(crate) struct Evaluation {
    /// (expected, decided) for every example.
    pairs: Vec<(String, String)>,
    /// (expected, decided) priority, for examples labelled with one.
    priorities: Vec<(String, String)>,
    /// The confidence of every decision, in the order of `pairs`.
    confidences: Vec<f32>,
    rule_decisions: usize,
    low_confidence: usize,
    low_confidence_correct: usize,
    per_second: f64,
    mean_chars: f64,
}

impl Evaluation {
    /// Classifies every example (subject, channel and body as given) and times it.
    pub fn run(triage: &Triage, examples: &[Example]) -> Self {
        let inputs: Vec<Input<'_>> = examples
            .iter()
            .map(|e| Input { subject: e.subject.as_deref(), body: &e.text, channel: e.channel, prior_contacts: 0 })
            .collect();
        let decisions: Vec<Decision> = inputs.iter().map(|i| triage.classify(i)).collect();
        let mut pairs = Vec::with_capacity(examples.len());
        let mut priorities = Vec::new();
        let (mut rule_decisions, mut low_confidence, mut low_confidence_correct) = (0, 0, 0);
        for (example, decision) in examples.iter().zip(&decisions) {
            let correct = example.category == decision.category;
            rule_decisions += usize::from(decision.by_rule);
            if decision.low_confidence {
                low_confidence += 1;
                low_confidence_correct += usize::from(correct);
            }
            if let Some(priority) = example.priority {
                priorities.push((priority.to_string(), decision.priority.to_string()));
            }
            pairs.push((example.category.clone(), decision.category.clone()));
        }
        let confidences = decisions.iter().map(|d| d.confidence).collect();
        let started = Instant::now();
        let mut classified = 0usize;
        while started.elapsed() < TIMING || classified == 0 {
            for input in &inputs {
                std::hint::black_box(triage.classify(std::hint::black_box(input)));
            }
            classified += inputs.len();
        }
        let per_second = classified as f64 / started.elapsed().as_secs_f64();
        let mean_chars =
            examples.iter().map(|e| e.text.chars().count()).sum::<usize>() as f64 / examples.len().max(1) as f64;
        Self {
            pairs,
            priorities,
            confidences,
            rule_decisions,
            low_confidence,
            low_confidence_correct,
            per_second,
            mean_chars,
        }
    }

    pub fn accuracy(&self) -> f64 {
        ratio(self.pairs.iter().filter(|(g, p)| g == p).count(), self.pairs.len())
    }

    /// Scores of every category that occurs as expected or decided, by name.
    pub fn per_category(&self) -> BTreeMap<&str, CategoryScore> {
        let mut counts: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new(); // (tp, predicted, support)
        for (gold, predicted) in &self.pairs {
            counts.entry(gold).or_default().2 += 1;
            counts.entry(predicted).or_default().1 += 1;
            if gold == predicted {
                counts.entry(gold).or_default().0 += 1;
            }
        }
        counts
            .into_iter()
            .map(|(name, (tp, predicted, support))| {
                let (precision, recall) = (ratio(tp, predicted), ratio(tp, support));
                let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
                (name, CategoryScore { precision, recall, f1, support })
            })
            .collect()
    }

    /// Unweighted mean of the per-category F1 scores.
    pub fn macro_f1(&self) -> f64 {
        let scores = self.per_category();
        scores.values().map(|s| s.f1).sum::<f64>() / scores.len().max(1) as f64
    }

    /// The most frequent (expected, decided) mistakes, most frequent first.
    pub fn confusions(&self, top: usize) -> Vec<(&str, &str, usize)> {
        let mut counts: BTreeMap<(&str, &str), usize> = BTreeMap::new();
        for (gold, predicted) in self.pairs.iter().filter(|(g, p)| g != p) {
            *counts.entry((gold, predicted)).or_default() += 1;
        }
        let mut list: Vec<_> = counts.into_iter().map(|((g, p), n)| (g, p, n)).collect();
        list.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| (a.0, a.1).cmp(&(b.0, b.1))));
        list.truncate(top);
        list
    }

    /// For each bin of `CONFIDENCE_BINS`: its range, the decisions in it, their mean confidence
    /// and how many were right.
    pub fn reliability(&self) -> Vec<((f32, f32), usize, f64, f64)> {
        CONFIDENCE_BINS
            .iter()
            .enumerate()
            .map(|(b, &low)| {
                let high = CONFIDENCE_BINS.get(b + 1).copied().unwrap_or(f32::INFINITY);
                let members: Vec<usize> =
                    (0..self.pairs.len()).filter(|&i| (low..high).contains(&self.confidences[i])).collect();
                let mean = members.iter().map(|&i| f64::from(self.confidences[i])).sum::<f64>();
                let right = members.iter().filter(|&&i| self.pairs[i].0 == self.pairs[i].1).count();
                ((low, high.min(1.0)), members.len(), mean / members.len().max(1) as f64, ratio(right, members.len()))
            })
            .collect()
    }

    /// Writes the report: `accuracy` and `macro_f1` lines first (tools parse them), then the
    /// details.
    pub fn write(&self, out: &mut impl Write) -> std::io::Result<()> {
        writeln!(out, "accuracy {:.4}", self.accuracy())?;
        writeln!(out, "macro_f1 {:.4}", self.macro_f1())?;
        writeln!(out, "examples {}", self.pairs.len())?;
        writeln!(out, "rule_decisions {}", self.rule_decisions)?;
        writeln!(
            out,
            "low_confidence {} (accuracy among them {:.4}; among the rest {:.4})",
            self.low_confidence,
            ratio(self.low_confidence_correct, self.low_confidence),
            ratio(
                self.pairs.iter().filter(|(g, p)| g == p).count() - self.low_confidence_correct,
                self.pairs.len() - self.low_confidence
            ),
        )?;
        if !self.priorities.is_empty() {
            let agree = self.priorities.iter().filter(|(g, p)| g == p).count();
            writeln!(
                out,
                "priority_accuracy {:.4} ({} labelled)",
                ratio(agree, self.priorities.len()),
                self.priorities.len()
            )?;
        }
        writeln!(out)?;
        writeln!(out, "{:<48} {:>9} {:>7} {:>7} {:>8}", "category", "precision", "recall", "f1", "support")?;
        for (name, s) in self.per_category() {
            writeln!(out, "{name:<48} {:>9.4} {:>7.4} {:>7.4} {:>8}", s.precision, s.recall, s.f1, s.support)?;
        }
        writeln!(out)?;
        writeln!(out, "top confusions (expected -> decided: count)")?;
        let confusions = self.confusions(15);
        if confusions.is_empty() {
            writeln!(out, "  none")?;
        }
        for (gold, predicted, n) in confusions {
            writeln!(out, "  {gold} -> {predicted}: {n}")?;
        }
        writeln!(out)?;
        writeln!(out, "reliability (confidence bin: decisions, mean confidence, accuracy)")?;
        for ((low, high), n, mean, accuracy) in self.reliability() {
            let close = if high >= 1.0 { ']' } else { ')' };
            writeln!(out, "  [{low:.2}, {high:.2}{close}: {n:>5}  {mean:.4}  {accuracy:.4}")?;
        }
        if !self.priorities.is_empty() {
            writeln!(out)?;
            writeln!(out, "priority (expected in rows, decided in columns)")?;
            write!(out, "  {:<8}", "")?;
            for decided in PRIORITIES {
                write!(out, " {decided:>7}")?;
            }
            writeln!(out)?;
            for expected in PRIORITIES {
                write!(out, "  {expected:<8}")?;
                for decided in PRIORITIES {
                    let n = self.priorities.iter().filter(|(g, p)| g == expected && p == decided).count();
                    write!(out, " {n:>7}")?;
                }
                writeln!(out)?;
            }
        }
        writeln!(out)?;
        writeln!(
            out,
            "throughput {:.0} classifications/s (one thread; messages of {:.0} characters on average)",
            self.per_second, self.mean_chars
        )
    }
}

fn ratio(n: usize, d: usize) -> f64 {
    if d == 0 { 0.0 } else { n as f64 / d as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evaluation(pairs: &[(&str, &str)]) -> Evaluation {
        Evaluation {
            pairs: pairs.iter().map(|&(g, p)| (g.to_owned(), p.to_owned())).collect(),
            priorities: Vec::new(),
            confidences: vec![0.95; pairs.len()],
            rule_decisions: 0,
            low_confidence: 0,
            low_confidence_correct: 0,
            per_second: 1.0,
            mean_chars: 1.0,
        }
    }

    #[test]
    fn scores_match_hand_computation() {
        let e = evaluation(&[("a", "a"), ("a", "b"), ("b", "b"), ("b", "b")]);
        assert_eq!(e.accuracy(), 0.75);
        let scores = e.per_category();
        assert_eq!(scores["a"], CategoryScore { precision: 1.0, recall: 0.5, f1: 2.0 / 3.0, support: 2 });
        assert_eq!(scores["b"].precision, 2.0 / 3.0);
        assert!((e.macro_f1() - (2.0 / 3.0 + 0.8) / 2.0).abs() < 1e-12);
        assert_eq!(e.confusions(5), vec![("a", "b", 1)]);
        let top = e.reliability().pop().unwrap();
        assert_eq!((top.0, top.1, top.3), ((0.9, 1.0), 4, 0.75));
        assert!((top.2 - 0.95).abs() < 1e-6);
    }

    #[test]
    fn report_starts_with_the_parsed_lines() {
        let mut out = Vec::new();
        evaluation(&[("a", "a")]).write(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("accuracy 1.0000"));
        assert_eq!(lines.next(), Some("macro_f1 1.0000"));
    }
}
