//! `callback.do_not_call`: numbers, and prefixes of them, never called.

/// The checked list.
#[derive(Clone, Debug, Default)]
pub struct DoNotCall {
    numbers: Vec<String>,
    prefixes: Vec<String>,
}

impl DoNotCall {
    /// The list of the configuration, or why an entry does not hold (naming the key).
    pub fn new(entries: &[String]) -> Result<Self, String> {
        let mut list = Self::default();
        for (i, entry) in entries.iter().enumerate() {
            let (digits, prefix) = match entry.strip_suffix('*') {
                Some(head) => (head, true),
                None => (entry.as_str(), false),
            };
            let well_formed = digits.strip_prefix('+').is_some_and(|d| {
                (1..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()) && !d.starts_with('0')
            });
            if !well_formed {
                return Err(format!(
                    "callback.do_not_call[{i}]: {entry:?} is neither an E.164 number nor a prefix such as +1900*"
                ));
            }
            if prefix { &mut list.prefixes } else { &mut list.numbers }.push(digits.to_owned());
        }
        Ok(list)
    }

    /// Whether the number (E.164) must not be called.
    pub fn blocks(&self, e164: &str) -> bool {
        self.numbers.iter().any(|n| n == e164) || self.prefixes.iter().any(|p| e164.starts_with(p.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_prefixes_block() {
        let list = DoNotCall::new(&["+8613800138000".into(), "+1900*".into()]).unwrap();
        assert!(list.blocks("+8613800138000"));
        assert!(!list.blocks("+8613800138001"));
        assert!(list.blocks("+19005550143"));
        assert!(!list.blocks("+12025550143"));
    }

    #[test]
    fn malformed_entries_are_refused() {
        let e = DoNotCall::new(&["+8613800138000".into(), "138*".into()]).unwrap_err();
        assert!(e.starts_with("callback.do_not_call[1]: "), "{e}");
    }
}
