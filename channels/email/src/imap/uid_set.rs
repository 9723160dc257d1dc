//! UID lists written as compact IMAP sequence sets (`1:500`, `1,3,5:9`), split so no command
//! line grows past what servers accept.

use std::fmt::Write as _;

/// Longest set put in one command. Servers must accept 8,000-octet lines (RFC 7162 §4); this
/// leaves room for the command around the set.
pub(crate) const MAX_SET_LEN: usize = 4_000;

/// The UIDs (in any order, repeats allowed) as sequence sets of at most `max_len` characters
/// each, ascending, with runs of consecutive UIDs written `first:last`. No UIDs, no sets.
pub(crate) fn uid_sets(uids: &[u32], max_len: usize) -> Vec<String> {
    let mut sorted = uids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();

    let mut sets = Vec::new();
    let mut current = String::new();
    let mut piece = String::new();
    let mut rest = sorted.as_slice();
    while let Some(&first) = rest.first() {
        // The run continues while each UID is one more than the last (no overflow: u32::MAX
        // can only be the last of a sorted, deduplicated list).
        let len = rest.windows(2).take_while(|pair| pair[1] == pair[0] + 1).count() + 1;
        let last = rest[len - 1];
        rest = &rest[len..];

        piece.clear();
        if first == last {
            let _ = write!(piece, "{first}");
        } else {
            let _ = write!(piece, "{first}:{last}");
        }
        if !current.is_empty() && current.len() + 1 + piece.len() > max_len {
            sets.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(',');
        }
        current.push_str(&piece);
    }
    if !current.is_empty() {
        sets.push(current);
    }
    sets
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_set(uids: &[u32]) -> String {
        let sets = uid_sets(uids, MAX_SET_LEN);
        assert_eq!(sets.len(), 1, "{sets:?}");
        sets.into_iter().next().unwrap()
    }

    #[test]
    fn no_uids_no_sets() {
        assert!(uid_sets(&[], MAX_SET_LEN).is_empty());
    }

    #[test]
    fn single_uids_and_runs() {
        assert_eq!(one_set(&[7]), "7");
        assert_eq!(one_set(&[1, 2]), "1:2");
        assert_eq!(one_set(&(1..=500).collect::<Vec<_>>()), "1:500");
        assert_eq!(one_set(&[1, 3, 5, 6, 7, 8, 9]), "1,3,5:9");
    }

    #[test]
    fn unsorted_and_repeated_uids_are_normalised() {
        assert_eq!(one_set(&[9, 5, 1, 7, 6, 8, 3, 5, 9]), "1,3,5:9");
    }

    #[test]
    fn the_largest_uid_does_not_overflow() {
        assert_eq!(one_set(&[u32::MAX - 1, u32::MAX, 1]), "1,4294967294:4294967295");
    }

    #[test]
    fn long_sets_are_split_at_a_comma_and_keep_every_uid() {
        let uids: Vec<u32> = (1..=20_000).step_by(2).collect();
        let sets = uid_sets(&uids, 100);
        assert!(sets.len() > 1);
        assert!(sets.iter().all(|set| set.len() <= 100 && !set.starts_with(',') && !set.ends_with(',')));
        let back: Vec<u32> = sets.iter().flat_map(|set| set.split(',')).map(|uid| uid.parse().unwrap()).collect();
        assert_eq!(back, uids);
    }

    #[test]
    fn a_run_is_never_cut_in_two() {
        assert_eq!(uid_sets(&[1, 2, 3, 10, 11, 12], 5), ["1:3", "10:12"]);
    }
}
