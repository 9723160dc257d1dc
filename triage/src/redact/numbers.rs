//! Card numbers (13–19 digits passing Luhn, written plain or in groups with spaces or dashes)
//! and PRC resident ID numbers (18 characters with a valid check character).
//!
//! A digit run glued to letters (`TX20240506103215567`) is an identifier, not a card; a run
//! labelled as an order, reference or transaction number is left alone even if it happens to
//! pass Luhn (one random number in ten does).

use super::context::{before, nearest};
use super::{SecretKind, Span};
use crate::checksum::{digit_value, luhn_valid, prc_id_valid};

/// A group of digits (a trailing `X` allowed, for ID numbers) and the separator before it.
#[derive(Debug, Clone, Copy)]
struct Group {
    start: usize,
    end: usize,
    digits: usize,
    /// The separator between the previous group and this one (`None` for the first).
    separator: Option<char>,
    /// Ends in `X`/`x` (only an ID number's check character may).
    ends_in_x: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    Card,
    Identifier,
}

/// Words that say a number is a card, or that it is an identifier agents need.
const LABELS: &[(&str, Label)] = &[
    ("card", Label::Card),
    ("visa", Label::Card),
    ("mastercard", Label::Card),
    ("卡号", Label::Card),
    ("卡號", Label::Card),
    ("银行卡", Label::Card),
    ("銀行卡", Label::Card),
    ("order", Label::Identifier),
    ("reference", Label::Identifier),
    ("ref", Label::Identifier),
    ("tracking", Label::Identifier),
    ("invoice", Label::Identifier),
    ("ticket", Label::Identifier),
    ("case", Label::Identifier),
    ("transaction", Label::Identifier),
    ("txn", Label::Identifier),
    ("tx", Label::Identifier),
    ("serial", Label::Identifier),
    ("订单", Label::Identifier),
    ("訂單", Label::Identifier),
    ("单号", Label::Identifier),
    ("單號", Label::Identifier),
    ("流水", Label::Identifier),
    ("工单", Label::Identifier),
    ("工單", Label::Identifier),
    ("交易号", Label::Identifier),
    ("交易號", Label::Identifier),
    ("编号", Label::Identifier),
    ("編號", Label::Identifier),
    ("回执", Label::Identifier),
    ("回執", Label::Identifier),
];

pub(super) fn find(text: &str, spans: &mut Vec<Span>) {
    for run in digit_runs(text) {
        let mut i = 0;
        while i < run.len() {
            match longest_secret(text, &run[i..]) {
                Some((taken, kind)) => {
                    spans.push(Span { start: run[i].start, end: run[i + taken - 1].end, kind });
                    i += taken;
                }
                None => i += 1,
            }
        }
    }
}

/// The longest prefix of `groups` (in groups) that is an ID or card number, and its kind.
fn longest_secret(text: &str, groups: &[Group]) -> Option<(usize, SecretKind)> {
    (1..=groups.len()).rev().find_map(|n| {
        let candidate = &groups[..n];
        if is_id_number(text, candidate) {
            Some((n, SecretKind::IdNumber))
        } else if is_card_number(text, candidate) {
            Some((n, SecretKind::CardNumber))
        } else {
            None
        }
    })
}

fn is_id_number(text: &str, groups: &[Group]) -> bool {
    let lengths: Vec<usize> = groups.iter().map(|g| g.digits).collect();
    if !(lengths == [18] || (lengths == [6, 8, 4] && groups[1..].iter().all(|g| g.separator == Some(' ')))) {
        return false;
    }
    let id: String = text[groups[0].start..groups[groups.len() - 1].end].chars().filter(|c| *c != ' ').collect();
    prc_id_valid(&id)
}

fn is_card_number(text: &str, groups: &[Group]) -> bool {
    let lengths: Vec<usize> = groups.iter().map(|g| g.digits).collect();
    let total: usize = lengths.iter().sum();
    if !(13..=19).contains(&total) || groups.last().is_some_and(|g| g.ends_in_x) {
        return false;
    }
    // Cards are written whole or in the issuers' groupings: fours (the last group shorter),
    // or 4-6-5 / 4-6-4 (American Express, Diners). Dates, amounts and phone numbers are not.
    let (head, last) = lengths.split_at(lengths.len() - 1);
    let grouped = head.iter().all(|&l| l == 4) && (1..=4).contains(&last[0]);
    if lengths.len() > 1 && !(grouped || lengths == [4, 6, 5] || lengths == [4, 6, 4]) {
        return false;
    }
    if groups.len() > 1 && groups[2..].iter().any(|g| g.separator != groups[1].separator) {
        return false;
    }
    let number = &text[groups[0].start..groups[groups.len() - 1].end];
    let digits: Vec<u32> = number.chars().filter_map(digit_value).collect();
    // Issuer identification numbers start with 2–6 (Mastercard, Visa, Amex, Discover, JCB,
    // UnionPay); a run of one repeated digit passes Luhn but is no card.
    if !(2..=6).contains(&digits[0]) || digits.iter().all(|&d| d == digits[0]) || !luhn_valid(number) {
        return false;
    }
    nearest(&before(text, groups[0].start, 24, true), LABELS) != Some(Label::Identifier)
}

/// Maximal runs of digit groups separated by single spaces or dashes, not glued to letters or
/// other digits on either side.
fn digit_runs(text: &str) -> Vec<Vec<Group>> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let is_digit = |i: usize| chars.get(i).is_some_and(|&(_, c)| digit_value(c).is_some());
    let glued = |i: usize| chars.get(i).is_some_and(|&(_, c)| c.is_alphanumeric() && !crate::text::is_han(c));
    let mut runs = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !is_digit(i) || (i > 0 && glued(i - 1)) {
            i += 1;
            continue;
        }
        let mut run: Vec<Group> = Vec::new();
        let mut separator = None;
        loop {
            let start = i;
            while is_digit(i) {
                i += 1;
            }
            let ends_in_x = chars.get(i).is_some_and(|&(_, c)| c == 'X' || c == 'x');
            if ends_in_x {
                i += 1;
            }
            let end = chars.get(i).map_or(text.len(), |&(b, _)| b);
            run.push(Group { start: chars[start].0, end, digits: i - start, separator, ends_in_x });
            // Continue over one space or dash followed by another digit.
            match chars.get(i) {
                Some(&(_, c @ (' ' | '-'))) if !ends_in_x && is_digit(i + 1) => {
                    separator = Some(c);
                    i += 1;
                }
                _ => break,
            }
        }
        if glued(i) {
            // The run runs into letters: drop its last group, which is part of a word.
            run.pop();
        }
        if !run.is_empty() {
            runs.push(run);
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(String, SecretKind)> {
        let mut spans = Vec::new();
        find(text, &mut spans);
        spans.iter().map(|s| (text[s.start..s.end].to_owned(), s.kind)).collect()
    }

    #[test]
    fn card_numbers_plain_spaced_and_dashed() {
        assert_eq!(found("card 4111111111111111 ok"), vec![("4111111111111111".into(), SecretKind::CardNumber)]);
        assert_eq!(
            found("卡号：6222 0202 0011 2233 446"),
            vec![("6222 0202 0011 2233 446".into(), SecretKind::CardNumber)]
        );
        assert_eq!(found("5500-0000-0000-0004"), vec![("5500-0000-0000-0004".into(), SecretKind::CardNumber)]);
        assert_eq!(found("amex 3782 822463 10005."), vec![("3782 822463 10005".into(), SecretKind::CardNumber)]);
        assert_eq!(
            found("４１１１１１１１１１１１１１１１"),
            vec![("４１１１１１１１１１１１１１１１".into(), SecretKind::CardNumber)]
        );
    }

    #[test]
    fn card_followed_by_a_year_is_still_found() {
        assert_eq!(found("4111 1111 1111 1111 2027"), vec![("4111 1111 1111 1111".into(), SecretKind::CardNumber)]);
    }

    #[test]
    fn look_alikes_are_left_alone() {
        // Fails Luhn.
        assert!(found("4111 1111 1111 1112").is_empty());
        // Glued to letters: an order or transaction identifier.
        assert!(found("TX20240506103215567 and JD4111111111111111").is_empty());
        // Labelled as an order number, even though it passes Luhn.
        assert!(found("order no. 4111111111111111").is_empty());
        assert!(found("订单号 4111111111111111").is_empty());
        // Dates, amounts, phone numbers.
        assert!(found("2024-05-06 2024-05-07, ¥12,000.00, +86 138 0013 8000").is_empty());
        // Wrong grouping.
        assert!(found("41111 11111 11111 1").is_empty());
        // All zeros pass Luhn but are no card.
        assert!(found("0000 0000 0000 0000").is_empty());
    }

    #[test]
    fn id_numbers_need_a_valid_check_character() {
        assert_eq!(found("身份证 11010519491231002X。"), vec![("11010519491231002X".into(), SecretKind::IdNumber)]);
        assert_eq!(found("id 110105 19491231 002x"), vec![("110105 19491231 002x".into(), SecretKind::IdNumber)]);
        assert!(found("11010519491231002Y").is_empty());
        assert!(found("110105194912310021").is_empty());
        assert!(found("报警回执编号：A3301060000202406180042").is_empty());
    }
}
