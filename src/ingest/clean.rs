//! Control characters out of what customers write, before anything stores or shows it: the
//! text stays as written, but nothing in it can move a console's cursor, ring its bell, hide
//! a line or reverse the order in which an agent reads it.

use std::borrow::Cow;

/// Customer text as consoles may show it. Line breaks become `\n`, tabs stay; every other C0
/// or C1 control and DEL is dropped; a bidirectional embedding, override or isolate (what
/// makes a file name ending in `exe` read as one ending in `txt`) is replaced by a visible
/// `[U+202E]` marker, so an agent sees that the text tried to reorder itself. Text with
/// nothing to clean (nearly all of it) is handed back as it came, without a copy.
pub fn clean(text: String) -> String {
    match cleaned(&text) {
        Cow::Owned(changed) => changed,
        Cow::Borrowed(_) => text,
    }
}

fn cleaned(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_cleaning) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' | '\t' => out.push(c),
            '\r' => {
                // CR LF and a lone CR are both one line break.
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            c if is_bidi_control(c) => out.push_str(&format!("[U+{:04X}]", c as u32)),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn needs_cleaning(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || is_bidi_control(c)
}

/// Embeddings and overrides (U+202A–U+202E) and isolates (U+2066–U+2069): they change the
/// order text is shown in. Marks (U+200E, U+200F) only nudge neutral characters and stay.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_text_is_left_alone() {
        for text in ["转账没到账，订单号 123", "Hello,\n\tthe app crashes.", "שלום \u{200F}mark"] {
            assert!(matches!(cleaned(text), Cow::Borrowed(_)), "{text:?}");
        }
    }

    #[test]
    fn terminal_controls_are_dropped_and_line_breaks_kept() {
        assert_eq!(clean("a\u{0}b\u{7}c\u{1b}[2Jd\u{7f}e\u{85}f".to_owned()), "abc[2Jdef");
        assert_eq!(clean("one\r\ntwo\rthree\n".to_owned()), "one\ntwo\nthree\n");
    }

    #[test]
    fn reordering_characters_are_shown_not_obeyed() {
        assert_eq!(clean("invoice\u{202E}fdp.exe".to_owned()), "invoice[U+202E]fdp.exe");
        assert_eq!(clean("\u{2067}x\u{2069}".to_owned()), "[U+2067]x[U+2069]");
    }
}
