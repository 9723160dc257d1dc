//! Text bodies as the agent reads them: one kind of line ending, RFC 3676 `format=flowed`
//! paragraphs joined again, invisible and control characters gone, trailing blanks trimmed and
//! runs of empty lines collapsed.

/// A `text/plain` part's text, ready for quote stripping. `flowed` is `Some(delsp)` for a
/// `format=flowed` part.
pub(crate) fn plain(text: &str, flowed: Option<bool>) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    match flowed {
        Some(delsp) => tidy(&unflow(&text, delsp)),
        None => tidy(&text),
    }
}

/// Undoes RFC 3676 soft line breaks: a line ending in a space goes on in the next line of the
/// same quote depth (with `DelSp=yes` the space itself was only the marker, as Japanese and
/// Chinese have no spaces between words). Quote markers are kept as `> ` so quoted history is
/// still recognised afterwards; the signature separator `-- ` is never joined.
fn unflow(text: &str, delsp: bool) -> String {
    let mut out = String::with_capacity(text.len());
    // The quote depth of a paragraph whose last line was soft-broken.
    let mut open: Option<usize> = None;
    for line in text.split('\n') {
        let depth = line.bytes().take_while(|&b| b == b'>').count();
        let content = &line[depth..];
        // Space-stuffing: one leading space was added by the sender to protect the line.
        let content = content.strip_prefix(' ').unwrap_or(content);
        if open.is_some_and(|d| d != depth) {
            out.push('\n');
            open = None;
        }
        if open.is_none() && depth > 0 {
            out.push_str(&">".repeat(depth));
            out.push(' ');
        }
        if content.ends_with(' ') && content != "-- " {
            out.push_str(if delsp { &content[..content.len() - 1] } else { content });
            open = Some(depth);
        } else {
            out.push_str(content);
            out.push('\n');
            open = None;
        }
    }
    out
}

/// Cleans text for display and comparison: CR and control characters other than tab and line
/// feed go, as do byte-order marks and zero-width characters (Apple Mail and Outlook leave
/// them); no-break spaces become spaces; line ends are trimmed, blank runs become one empty
/// line and the whole is trimmed.
pub(crate) fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_run = false;
    for line in text.split('\n') {
        let line: String = line
            .chars()
            .filter_map(|c| match c {
                '\u{a0}' | '\u{2007}' | '\u{202f}' => Some(' '),
                '\t' => Some('\t'),
                '\u{feff}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{ad}' => None,
                c if c.is_control() => None,
                c => Some(c),
            })
            .collect();
        let line = line.trim_end();
        if line.is_empty() {
            blank_run = !out.is_empty();
            continue;
        }
        if blank_run {
            out.push('\n');
            blank_run = false;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_endings_controls_and_blank_runs_are_tidied() {
        let raw = "\u{feff}Hello\r\n\r\n\r\n\r\nWorld\u{7}  \r\nbye\u{a0}now\r\n\r\n";
        assert_eq!(plain(raw, None), "Hello\n\nWorld\nbye now");
    }

    #[test]
    fn flowed_paragraphs_are_joined() {
        let raw = "This is a long \r\nparagraph.\r\nNext line.\r\n-- \r\nsig\r\n";
        assert_eq!(plain(raw, Some(false)), "This is a long paragraph.\nNext line.\n--\nsig");
    }

    #[test]
    fn delsp_drops_the_marker_space() {
        assert_eq!(plain("送金が \r\n届きません。\r\n", Some(true)), "送金が届きません。");
    }

    #[test]
    fn flowed_quotes_keep_their_depth() {
        let raw = "> quoted and \r\n> flowed\r\n>> deeper\r\nmine\r\n";
        assert_eq!(plain(raw, Some(false)), "> quoted and flowed\n>> deeper\nmine");
    }

    #[test]
    fn space_stuffed_lines_lose_the_stuffing() {
        assert_eq!(plain(" From the start\r\n", Some(false)), "From the start");
    }
}
