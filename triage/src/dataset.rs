//! Labelled data files (JSON Lines or CSV) and the fixed-seed held-out split.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use serde::Deserialize;

use crate::error::TriageError;
use crate::input::Channel;
use crate::priority::Priority;

/// One labelled message.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Example {
    /// The message body.
    pub text: String,
    /// The email subject, when there is one.
    #[serde(default)]
    pub subject: Option<String>,
    /// The expected category.
    pub category: String,
    /// The channel the message came in on, when the file says.
    #[serde(default)]
    pub channel: Option<Channel>,
    /// The expected priority, when the file says.
    #[serde(default)]
    pub priority: Option<Priority>,
}

/// Reads a data file: JSON Lines (`{"text","category",...}`, optional `subject`, `channel`,
/// `priority`; other fields ignored) or CSV with a header naming at least `text` and
/// `category`. The format is taken from the extension (`.csv`, `.jsonl`/`.json`/`.ndjson`),
/// else from the first character (`{` means JSON Lines).
pub fn load(path: &Path) -> Result<Vec<Example>, TriageError> {
    let io = |source| TriageError::Io { path: path.to_owned(), source };
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let is_json = match ext.as_deref() {
        Some("csv") => false,
        Some("jsonl" | "json" | "ndjson") => true,
        _ => {
            let mut reader = BufReader::new(File::open(path).map_err(io)?);
            let head = reader.fill_buf().map_err(io)?;
            head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
        }
    };
    let file = File::open(path).map_err(io)?;
    let examples = if is_json { load_jsonl(path, file)? } else { load_csv(path, file)? };
    if examples.is_empty() {
        return Err(TriageError::Data { path: path.to_owned(), line: 0, message: "no examples".into() });
    }
    Ok(examples)
}

fn load_jsonl(path: &Path, file: File) -> Result<Vec<Example>, TriageError> {
    let mut examples = Vec::new();
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|source| TriageError::Io { path: path.to_owned(), source })?;
        if line.trim().is_empty() {
            continue;
        }
        let example = serde_json::from_str(&line).map_err(|e| TriageError::Data {
            path: path.to_owned(),
            line: i + 1,
            message: e.to_string(),
        })?;
        examples.push(example);
    }
    Ok(examples)
}

fn load_csv(path: &Path, file: File) -> Result<Vec<Example>, TriageError> {
    let mut reader = csv::Reader::from_reader(file);
    let mut examples = Vec::new();
    for (i, record) in reader.deserialize::<Example>().enumerate() {
        // Line numbers count the header as line 1.
        examples.push(record.map_err(|e| TriageError::Data {
            path: path.to_owned(),
            line: i + 2,
            message: e.to_string(),
        })?);
    }
    Ok(examples)
}

/// Splits examples into (training, held-out) parts: within each category a `fraction` of the
/// examples, chosen by a shuffle seeded with `seed`, is held out. The same file, fraction and
/// seed always give the same split, so `train` and `eval` can agree on it.
pub fn split(examples: &[Example], fraction: f64, seed: u64) -> (Vec<Example>, Vec<Example>) {
    let mut categories: Vec<&str> = examples.iter().map(|e| e.category.as_str()).collect();
    categories.sort_unstable();
    categories.dedup();
    let mut rng = SplitMix64(seed);
    let mut held_out = vec![false; examples.len()];
    for category in categories {
        let mut members: Vec<usize> = (0..examples.len()).filter(|&i| examples[i].category == category).collect();
        rng.shuffle(&mut members);
        let take = (members.len() as f64 * fraction).round() as usize;
        for &i in &members[..take.min(members.len())] {
            held_out[i] = true;
        }
    }
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for (example, out) in examples.iter().zip(held_out) {
        if out { test.push(example.clone()) } else { train.push(example.clone()) }
    }
    (train, test)
}

/// A tiny, fully specified generator, so splits and training shuffles are identical on every
/// platform and every version of every dependency.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64(pub u64);

impl SplitMix64 {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Fisher–Yates shuffle.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(category: &str, n: usize) -> Example {
        Example { text: format!("text {n}"), subject: None, category: category.into(), channel: None, priority: None }
    }

    #[test]
    fn split_is_stratified_and_repeatable() {
        let data: Vec<Example> = (0..50).map(|n| example("a", n)).chain((0..10).map(|n| example("b", n))).collect();
        let (train, test) = split(&data, 0.2, 7);
        assert_eq!(test.iter().filter(|e| e.category == "a").count(), 10);
        assert_eq!(test.iter().filter(|e| e.category == "b").count(), 2);
        assert_eq!(train.len() + test.len(), data.len());
        assert_eq!(split(&data, 0.2, 7).1, test);
        assert_ne!(split(&data, 0.2, 8).1, test);
    }

    #[test]
    fn reads_jsonl_and_csv() {
        let dir = tempfile::tempdir().unwrap();
        let jsonl = dir.path().join("a.jsonl");
        std::fs::write(
            &jsonl,
            "{\"id\":\"1\",\"text\":\"hi\",\"category\":\"x\",\"subject\":\"s\",\"channel\":\"email\",\"priority\":\"high\"}\n\n",
        )
        .unwrap();
        let rows = load(&jsonl).unwrap();
        assert_eq!(rows[0].subject.as_deref(), Some("s"));
        assert_eq!(rows[0].channel, Some(Channel::Email));
        assert_eq!(rows[0].priority, Some(Priority::High));
        let csv = dir.path().join("b.csv");
        std::fs::write(&csv, "text,category\n\"a, b\",y\n").unwrap();
        assert_eq!(load(&csv).unwrap()[0].text, "a, b");
    }

    #[test]
    fn bad_lines_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.jsonl");
        std::fs::write(&path, "{\"text\":\"a\",\"category\":\"x\"}\n{\"text\":1}\n").unwrap();
        let err = load(&path).unwrap_err().to_string();
        assert!(err.contains(":2"), "{err}");
    }
}
