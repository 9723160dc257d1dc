//! HTML bodies to plain text over a real HTML parser (html5ever, through `html2text`): the head,
//! scripts and styles never reach the text, tables come out as lines, links keep their
//! addresses as footnotes. A caller may prune the document first (quoted history, signatures)
//! so that what it removes is gone before anything is rendered.

use html2text::{Element, Handle, RcDom};

use crate::parse::guarded;

/// What to do with one element while the document is pruned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Prune {
    Keep,
    /// Remove the element and everything inside it.
    Drop,
    /// Remove the element and everything after it in document order: the start of quoted
    /// history that continues in the element's following siblings (Outlook's reply header).
    CutRest,
}

/// One element as a prune rule sees it.
pub(crate) struct Tag<'a> {
    node: &'a Handle,
}

impl Tag<'_> {
    /// The local name, lower case as html5ever gives it (`div`, `blockquote`).
    pub(crate) fn name(&self) -> &str {
        match &self.node.data {
            Element { name, .. } => &name.local,
            _ => "",
        }
    }

    /// An attribute's value, by lower-case name.
    pub(crate) fn attr(&self, wanted: &str) -> Option<String> {
        match &self.node.data {
            Element { attrs, .. } => {
                attrs.borrow().iter().find(|a| &*a.name.local == wanted).map(|a| a.value.to_string())
            }
            _ => None,
        }
    }

    /// Whether the `class` attribute holds `class` as one of its words.
    pub(crate) fn has_class(&self, class: &str) -> bool {
        self.attr("class").is_some_and(|c| c.split_ascii_whitespace().any(|w| w.eq_ignore_ascii_case(class)))
    }
}

/// Lines are never wrapped: the agent's console wraps for itself. Deeply nested quotes use
/// width, hence the overflow allowance below instead of an error.
const WIDTH: usize = 10_000;

/// html5ever's tree building and html2text's layout take time that grows with the square of
/// the nesting depth (20,000 nested divs take seconds) and, for rendering, faster than the
/// size (5 MB take seconds). Documents past these bounds, and a mail's HTML past its
/// [`DomBudget`], are converted by mail-parser's linear converter instead: text without
/// pruning, where the DOM's would take too long.
const MAX_DEPTH: usize = 512;
const MAX_HTML_BYTES: usize = 1024 * 1024;

/// How much HTML one mail may have rendered over the DOM: its largest document twice (the
/// new part and the whole), however many HTML parts it has.
pub(crate) struct DomBudget(usize);

impl DomBudget {
    pub(crate) const fn new() -> Self {
        Self(2 * MAX_HTML_BYTES)
    }
}

/// Renders HTML as text, after removing what `rule` says to remove.
pub(crate) fn to_text(html: &str, rule: Option<&dyn Fn(&Tag<'_>) -> Prune>, budget: &mut DomBudget) -> String {
    if html.len() > MAX_HTML_BYTES.min(budget.0) || nesting_depth(html) > MAX_DEPTH {
        return mail_parser::decoders::html::html_to_text(html);
    }
    budget.0 -= html.len();
    let config = html2text::config::plain_no_decorate().raw_mode(true).link_footnotes(true).allow_width_overflow();
    // html2text refuses some documents (one with nothing renderable); mail-parser's simple
    // converter never fails and still drops scripts and styles.
    let fallback = || mail_parser::decoders::html::html_to_text(html);
    let Some(Ok(dom)) = guarded(|| config.parse_html(html.as_bytes())) else { return fallback() };
    if let Some(rule) = rule {
        prune(&dom, rule);
    }
    match guarded(|| config.dom_to_render_tree(&dom).and_then(|tree| config.render_to_string(tree, WIDTH))) {
        Some(Ok(text)) => text,
        _ => fallback(),
    }
}

/// Elements that never have content, and those whose end tag may be left out (the parser
/// closes them by itself), are not counted as nesting.
const NOT_NESTING: &[&str] = &[
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img", "input", "keygen", "link",
    "meta", "param", "source", "track", "wbr", "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead",
    "tbody", "tfoot", "colgroup", "rb", "rt", "rp", "rtc",
];

/// An upper bound of the document's element nesting, by counting start and end tags in one
/// pass. It overcounts sloppy markup, which only sends such a document to the simple
/// converter; it stops counting once past [`MAX_DEPTH`].
fn nesting_depth(html: &str) -> usize {
    let bytes = html.as_bytes();
    let (mut depth, mut deepest, mut i) = (0usize, 0usize, 0usize);
    while let Some(offset) = bytes[i..].iter().position(|&b| b == b'<') {
        i += offset + 1;
        let rest = &bytes[i..];
        if rest.starts_with(b"!--") {
            i += rest.windows(3).position(|w| w == b"-->").map_or(rest.len(), |end| end + 3);
            continue;
        }
        if rest.first() == Some(&b'/') {
            depth = depth.saturating_sub(1);
            continue;
        }
        let name_len = rest.iter().take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'-')).count();
        if name_len == 0 || !rest[0].is_ascii_alphabetic() {
            continue;
        }
        let name = String::from_utf8_lossy(&rest[..name_len]).to_ascii_lowercase();
        let end = rest.iter().position(|&b| b == b'>').unwrap_or(rest.len());
        let self_closing = end > 0 && rest[end - 1] == b'/';
        if !self_closing && !NOT_NESTING.contains(&name.as_str()) {
            depth += 1;
            deepest = deepest.max(depth);
            if deepest > MAX_DEPTH {
                break;
            }
        }
        i += end;
    }
    deepest
}

/// Walks the document in order without recursion (mail can nest thousands of levels deep) and
/// applies `rule` to every element.
fn prune(dom: &RcDom, rule: &dyn Fn(&Tag<'_>) -> Prune) {
    // Each entry is an open element and the index of its child being looked at.
    let mut stack: Vec<(Handle, usize)> = vec![(dom.document.clone(), 0)];
    while let Some((node, index)) = stack.last().cloned() {
        let child = node.children.borrow().get(index).cloned();
        let Some(child) = child else {
            stack.pop();
            if let Some(parent) = stack.last_mut() {
                parent.1 += 1;
            }
            continue;
        };
        let action = match child.data {
            Element { .. } => rule(&Tag { node: &child }),
            _ => Prune::Keep,
        };
        match action {
            Prune::Drop => {
                node.children.borrow_mut().remove(index);
            }
            Prune::CutRest => {
                node.children.borrow_mut().truncate(index);
                // Every ancestor keeps the branch leading here and loses what follows it.
                for (ancestor, on_path) in &stack[..stack.len() - 1] {
                    ancestor.children.borrow_mut().truncate(on_path + 1);
                }
                return;
            }
            Prune::Keep if !child.children.borrow().is_empty() => stack.push((child, 0)),
            Prune::Keep => {
                if let Some(top) = stack.last_mut() {
                    top.1 += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::tidy;

    fn text(html: &str) -> String {
        tidy(&to_text(html, None, &mut DomBudget::new()))
    }

    #[test]
    fn head_scripts_and_styles_never_reach_the_text() {
        let html = "<html><head><title>t</title><style>p{color:red}</style></head>\
                    <body><script>alert(1)</script><p>Hello <b>there</b></p><noscript></noscript></body></html>";
        assert_eq!(text(html), "Hello there");
    }

    #[test]
    fn links_keep_their_address_and_tables_become_lines() {
        let html = "<p>See <a href=\"https://x.example/a\">this</a></p><table><tr><td>a</td><td>b</td></tr></table>";
        assert_eq!(text(html), "See [this][1]\n\na\nb\n\n[1]: https://x.example/a");
    }

    #[test]
    fn dropped_elements_and_cut_points_remove_what_they_say() {
        let html = "<div>keep<div class=\"x\">inner</div><p>after inner</p></div>\
                    <div><span id=\"cut\"></span><p>gone</p></div><p>gone too</p>";
        let rule = |tag: &Tag<'_>| match () {
            _ if tag.has_class("x") => Prune::Drop,
            _ if tag.attr("id").as_deref() == Some("cut") => Prune::CutRest,
            _ => Prune::Keep,
        };
        assert_eq!(tidy(&to_text(html, Some(&rule), &mut DomBudget::new())), "keep\n\nafter inner");
    }

    #[test]
    fn nesting_is_counted_without_void_or_self_closing_elements() {
        assert_eq!(nesting_depth("<div><p>a<br>b<img src=x><span/><!-- <div><div> --></p></div>"), 1);
        assert_eq!(nesting_depth("<ul><li><ul><li><ul><li>x"), 3);
        assert_eq!(nesting_depth("a < b and <3"), 0);
    }

    #[test]
    fn deep_nesting_is_pruned_without_recursion() {
        let html = format!("{}deep{}", "<blockquote><div>".repeat(200), "</div></blockquote>".repeat(200));
        let rule = |tag: &Tag<'_>| if tag.name() == "div" { Prune::Keep } else { Prune::Drop };
        assert!(
            !to_text(&html, Some(&rule), &mut DomBudget::new()).contains("deep"),
            "the outermost blockquote was dropped"
        );
        assert!(to_text(&html, None, &mut DomBudget::new()).contains("deep"));
    }

    #[test]
    fn a_mail_past_its_budget_is_converted_linearly() {
        let mut budget = DomBudget(10);
        // The linear converter renders no link footnotes: that is how its text is told apart.
        let html = "<a href=\"https://x.example/\">link</a>";
        assert_eq!(tidy(&to_text(html, None, &mut budget)), "link");
        let mut budget = DomBudget::new();
        assert!(to_text(html, None, &mut budget).contains("https://x.example/"));
        assert_eq!(budget.0, 2 * MAX_HTML_BYTES - html.len());
    }

    #[test]
    fn hostile_nesting_goes_to_the_linear_converter() {
        let html = format!("{}deep{}", "<center>".repeat(100_000), "</center>".repeat(100_000));
        assert_eq!(tidy(&to_text(&html, Some(&|_: &Tag<'_>| Prune::Keep), &mut DomBudget::new())), "deep");
    }
}
