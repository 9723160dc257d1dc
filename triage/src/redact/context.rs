//! Looking at what precedes a candidate secret: labels such as "order no." or "private key"
//! decide whether a number or hex string is a secret or a look-alike.

/// Up to `max_chars` characters of `text` before byte `pos`, lower-cased. With `same_line`,
/// stops at the previous line break.
pub(super) fn before(text: &str, pos: usize, max_chars: usize, same_line: bool) -> String {
    let head = &text[..pos];
    let head = if same_line { head.rsplit('\n').next().unwrap_or(head) } else { head };
    let start = head.char_indices().rev().nth(max_chars.saturating_sub(1)).map_or(0, |(i, _)| i);
    head[start..].to_lowercase()
}

/// Of the labels found in `window`, the tag of the one that ends last (nearest the candidate).
pub(super) fn nearest<T: Copy>(window: &str, labels: &[(&str, T)]) -> Option<T> {
    labels
        .iter()
        .filter_map(|&(label, tag)| window.rfind(label).map(|at| (at + label.len(), tag)))
        .max_by_key(|&(end, _)| end)
        .map(|(_, tag)| tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_is_bounded_and_lower_case() {
        assert_eq!(before("Order No. 123", 10, 4, true), "no. ");
        assert_eq!(before("first line\nCard 4111", 16, 50, true), "card ");
        assert_eq!(before("first line\nCard 4111", 16, 50, false), "first line\ncard ");
        assert_eq!(before("订单号 123", 10, 2, true), "号 ");
    }

    #[test]
    fn nearest_label_wins() {
        let labels = [("order", 1), ("card", 2)];
        assert_eq!(nearest("order for card ", &labels), Some(2));
        assert_eq!(nearest("card for order ", &labels), Some(1));
        assert_eq!(nearest("nothing here", &labels), None);
    }
}
