//! Removing quoted email history, so a reply is classified by what the customer wrote now and
//! not by the earlier messages (often our own replies) quoted beneath it.

use std::sync::LazyLock;

use regex::Regex;

/// A line after which everything is earlier correspondence: reply headers ("On … wrote:",
/// "在 … 写道："), forward and original-message separators, Outlook's underscore rule.
static HISTORY_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)^\s*(?:",
        r"on(?-u:\b).{0,200}(?-u:\b)wrote:\s*$",
        r"|(?:在|於|于).{0,200}(?:写道|寫道)\s*[:：]?\s*$",
        r"|-{2,}\s*(?:original message|forwarded message|原始邮件|原始郵件|转发的邮件|轉寄的郵件|转发邮件)\s*-{2,}",
        r"|begin forwarded message:",
        r"|_{10,}\s*$",
        r")"
    ))
    .expect("history separator pattern is valid")
});

/// The first header of an Outlook-style quoted block ("From: …" then "Sent:"/"To:"/…).
static HEADER_FROM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^\s*(?:from|发件人|發件人|寄件者)\s*[:：]").expect("header pattern is valid"));

/// A header line that confirms a `HEADER_FROM` line starts a quoted block.
static HEADER_NEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(?:sent|date|to|subject|cc|发送时间|發送時間|日期|收件人|主题|主旨|抄送)\s*[:：]")
        .expect("header pattern is valid")
});

/// Returns the part of an email body the sender wrote: `>`-quoted lines are dropped wherever
/// they are (inline replies keep the sender's own lines), and everything from a reply header,
/// forward separator or quoted header block onwards is cut. When nothing would remain (a bare
/// forward), the body is returned unchanged, since then the forwarded text is the message.
pub fn strip_quoted_history(body: &str) -> String {
    let lines: Vec<&str> = body.lines().collect();
    let mut kept: Vec<&str> = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        if starts_history(line, &lines[i + 1..]) {
            break;
        }
        if !line.trim_start().starts_with('>') {
            kept.push(line);
        }
    }
    let stripped = kept.join("\n");
    let stripped = stripped.trim();
    if stripped.is_empty() { body.trim().to_owned() } else { stripped.to_owned() }
}

/// Whether `line` (followed by `rest`) begins the quoted history.
fn starts_history(line: &str, rest: &[&str]) -> bool {
    if HISTORY_START.is_match(line) {
        return true;
    }
    // Gmail wraps long "On <date> <name> <address>" headers, leaving "wrote:" on the next line.
    let trimmed = line.trim_start();
    if trimmed.get(..3).is_some_and(|head| head.eq_ignore_ascii_case("on "))
        && let Some(next) = rest.first()
    {
        let next = next.trim();
        if next.len() < 80 && next.to_ascii_lowercase().ends_with("wrote:") {
            return true;
        }
    }
    HEADER_FROM.is_match(line) && rest.iter().take(3).any(|next| HEADER_NEXT.is_match(next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_angle_quoted_lines() {
        let body = "Still not fixed.\n\n> Dear customer, please update the app.\n> Support";
        assert_eq!(strip_quoted_history(body), "Still not fixed.");
    }

    #[test]
    fn keeps_inline_reply_lines() {
        let body = "> Which card?\nThe Visa one.\n> When?\nYesterday.";
        assert_eq!(strip_quoted_history(body), "The Visa one.\nYesterday.");
    }

    #[test]
    fn cuts_at_on_wrote() {
        let body = "Thanks, that worked.\n\nOn Mon, 3 Mar 2025 at 10:00, Support <help@example.com> wrote:\nPlease reset your password.";
        assert_eq!(strip_quoted_history(body), "Thanks, that worked.");
    }

    #[test]
    fn cuts_at_wrapped_on_wrote() {
        let body = "Still broken.\nOn Mon, 3 Mar 2025 at 10:00 Wallet Support <help@example.com>\nwrote:\nTry again.";
        assert_eq!(strip_quoted_history(body), "Still broken.");
    }

    #[test]
    fn cuts_at_chinese_reply_header() {
        let body = "还是没到账。\n\n在 2025年3月3日 10:00，客服 <help@example.com> 写道：\n请耐心等待。";
        assert_eq!(strip_quoted_history(body), "还是没到账。");
        let traditional = "還是沒到帳。\n於 2025年3月3日 客服 寫道：\n請耐心等待。";
        assert_eq!(strip_quoted_history(traditional), "還是沒到帳。");
    }

    #[test]
    fn cuts_at_separators_and_header_blocks() {
        let original = "See below.\n-----Original Message-----\nFrom: shop\nYour refund is denied.";
        assert_eq!(strip_quoted_history(original), "See below.");
        let qq = "请看下面\n------------------ 原始邮件 ------------------\n发件人: 商家\n拒绝退款";
        assert_eq!(strip_quoted_history(qq), "请看下面");
        let outlook = "Any news?\n\nFrom: Support <help@example.com>\nSent: Monday\nTo: me\nWe are checking.";
        assert_eq!(strip_quoted_history(outlook), "Any news?");
    }

    #[test]
    fn a_from_line_alone_is_not_a_header() {
        let body = "From: my savings account\nTo my card, 500 yuan, not arrived.";
        assert_eq!(strip_quoted_history(body), body);
    }

    #[test]
    fn a_bare_forward_keeps_the_forwarded_text() {
        let body = "---------- Forwarded message ---------\nFrom: Shop\nDate: today\nRefund refused.";
        assert_eq!(strip_quoted_history(body), body);
    }
}
