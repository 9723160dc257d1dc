//! What is new in a reply: quoted history and signatures recognised and left out, in the HTML
//! where the client marks them (Gmail's `gmail_quote`, Outlook's `divRplyFwdMsg`,
//! `blockquote type=cite`) and in the text where it does not ("On … wrote:", "-----Original
//! Message-----", Outlook's "From: … Sent: …" block, QQ Mail's "原始邮件" and "发件人: /
//! 发送时间:" blocks, `>`-quoted lines, the "-- " signature separator, "Sent from my iPhone").
//! The full text stays with the message; this only decides what the agent reads first.

use crate::body::tidy;
use crate::html::{Prune, Tag};

/// Class names of elements that hold quoted history or a signature and nothing new.
const QUOTE_CLASSES: &[&str] = &[
    "gmail_quote",
    "gmail_quote_container",
    "gmail_attr",
    "gmail_signature",
    "gmail_signature_prefix",
    "moz-cite-prefix",
    "moz-signature",
    "yahoo_quoted",
    "protonmail_quote",
];

/// The prune rule for HTML replies.
pub(crate) fn html_rule(tag: &Tag<'_>) -> Prune {
    if tag.name() == "blockquote" && tag.attr("type").is_some_and(|t| t.eq_ignore_ascii_case("cite")) {
        return Prune::Drop;
    }
    if QUOTE_CLASSES.iter().any(|class| tag.has_class(class)) {
        return Prune::Drop;
    }
    // Outlook puts the header of the quoted message first and the message itself after it,
    // as siblings: everything from the header on is history.
    let id = tag.attr("id").unwrap_or_default();
    if ["divRplyFwdMsg", "appendonsend", "stopSpelling"].iter().any(|known| id.eq_ignore_ascii_case(known)) {
        return Prune::CutRest;
    }
    if tag.has_class("OutlookMessageHeader") {
        return Prune::CutRest;
    }
    // Outlook for Windows: the reply header is a div with only a top border, in points.
    let style: String = tag.attr("style").unwrap_or_default().to_ascii_lowercase().split_whitespace().collect();
    if tag.name() == "div" && style.contains("border-top:solid") && style.contains("padding:3.0pt0") {
        return Prune::CutRest;
    }
    Prune::Keep
}

/// A subject that forwards something: there the "history" is what the customer wants us to
/// read, so nothing is stripped.
pub(crate) fn is_forward(subject: Option<&str>) -> bool {
    let Some(subject) = subject else { return false };
    let subject = subject.trim_start().to_lowercase();
    ["fw:", "fwd:", "fw：", "fwd：", "转发:", "转发：", "轉寄:", "轉寄：", "wg:"].iter().any(|p| subject.starts_with(p))
}

/// The new part of a reply's text.
pub(crate) fn strip(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let end = (0..lines.len()).find(|&i| starts_history(&lines, i)).unwrap_or(lines.len());
    let lines = &lines[..end];

    let mut keep: Vec<bool> = lines.iter().map(|line| !is_quoted(line)).collect();
    for i in 0..lines.len() {
        let Some(start) = attribution_start(lines, i) else { continue };
        // An attribution introduces a quote; a sentence that happens to end in "wrote:" and
        // goes on unquoted is the customer's own.
        let next = lines[i + 1..].iter().find(|line| !line.trim().is_empty());
        if next.is_none_or(|line| is_quoted(line)) {
            keep[start..=i].fill(false);
        }
    }
    let mut kept: Vec<&str> = lines.iter().zip(&keep).filter(|(_, keep)| **keep).map(|(line, _)| *line).collect();
    while kept.last().is_some_and(|line| line.trim().is_empty() || is_separator(line) || is_device_signature(line)) {
        kept.pop();
    }
    tidy(&kept.join("\n"))
}

fn is_quoted(line: &str) -> bool {
    line.trim_start().starts_with('>')
}

/// The line from which everything is history or signature.
fn starts_history(lines: &[&str], i: usize) -> bool {
    let line = lines[i];
    if line.trim_end() == "--" {
        return true;
    }
    if is_original_message_separator(line) {
        return true;
    }
    header_label(line).is_some_and(|label| FROM_LABELS.contains(&label.as_str()))
        && lines[i + 1..]
            .iter()
            .take(4)
            .any(|next| header_label(next).is_some_and(|l| SENT_LABELS.contains(&l.as_str())))
}

/// Labels that open a quoted message's header block (Outlook, QQ Mail, Foxmail, in English,
/// Simplified and Traditional Chinese)…
const FROM_LABELS: &[&str] = &["from", "发件人", "寄件者", "寄件人", "发信人"];
/// …and the date label that must follow within a few lines for it to be one.
const SENT_LABELS: &[&str] = &["sent", "date", "发送时间", "发件时间", "时间", "日期", "傳送時間", "寄件日期"];

/// The label of a `Label: value` line, lower case, with bold markers and the full-width colon
/// Chinese clients write accepted.
fn header_label(line: &str) -> Option<String> {
    let (label, _) = line.split_once([':', '：'])?;
    let label = label.trim().trim_matches('*').trim();
    (!label.is_empty() && label.chars().count() <= 12).then(|| label.to_lowercase())
}

/// Names of the original message between rows of dashes: "-----Original Message-----",
/// QQ Mail's "------------------ 原始邮件 ------------------".
const ORIGINAL_MARKERS: &[&str] = &[
    "original message",
    "原始邮件",
    "原始郵件",
    "原邮件",
    "ursprüngliche nachricht",
    "message d'origine",
    "mensaje original",
];

fn is_original_message_separator(line: &str) -> bool {
    // QQ Mail writes the HTML entity into its text part.
    let line = line.replace("&nbsp;", " ");
    let decoration = line.chars().filter(|c| matches!(c, '-' | '_' | '=')).count();
    let name = line.trim_matches(|c: char| c.is_whitespace() || matches!(c, '-' | '_' | '=')).to_lowercase();
    decoration >= 2 && ORIGINAL_MARKERS.contains(&name.as_str())
}

/// Where the attribution line that ends at line `i` starts ("On Wed, 5 Mar 2025 at 09:14,
/// Support <support@x>" wrapped over two lines, "wrote:" at the end; "在 2025年3月4日，…
/// 写道："; "张三 <z@x> 于2025年3月3日周一 10:00写道：").
fn attribution_start(lines: &[&str], i: usize) -> Option<usize> {
    let line = lines[i].trim_start_matches(|c: char| c == '>' || c.is_whitespace()).trim_end();
    let chinese = ["写道：", "写道:", "寫道：", "寫道:"].iter().any(|end| line.ends_with(end));
    let english = line.to_lowercase().ends_with("wrote:");
    if !chinese && !english {
        return None;
    }
    let mut start = i;
    // Gmail wraps long attributions inside the address.
    if start > 0 && lines[start - 1].trim_end().ends_with('<') {
        start -= 1;
    }
    if chinese || lines[start].trim_start().starts_with("On ") {
        return Some(start);
    }
    if start > 0 && lines[start - 1].trim_start().starts_with("On ") {
        return Some(start - 1);
    }
    line.contains('@').then_some(start)
}

fn is_separator(line: &str) -> bool {
    let line = line.trim();
    !line.is_empty() && line.chars().all(|c| matches!(c, '-' | '_' | '=' | '*' | '~' | '─' | '━'))
}

/// A mobile client's line under the message ("Sent from my iPhone", "发自我的iPhone",
/// "发自我的华为手机", "从我的 iPhone 发送", "Get Outlook for Android").
fn is_device_signature(line: &str) -> bool {
    let line = line.trim().to_lowercase();
    if line.chars().count() > 60 {
        return false;
    }
    // The Chinese forms must name a device, or "发自我的…" could be the customer's own words.
    let device = ["iphone", "ipad", "android", "手机", "平板", "设备"].iter().any(|d| line.ends_with(d));
    ["sent from my ", "sent from mail for windows", "sent from outlook", "get outlook for ", "获取 outlook for"]
        .iter()
        .any(|p| line.starts_with(p))
        || (line.starts_with("发自我的") && device)
        || (line.starts_with("从我的") && line.ends_with("发送"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::html::{DomBudget, to_text};

    /// What an HTML-only reply gives the agent: pruned, rendered, stripped.
    fn new_part(html: &str) -> String {
        strip(&tidy(&to_text(html, Some(&html_rule), &mut DomBudget::new())))
    }

    #[test]
    fn outlook_for_windows_reply_header_cuts_the_rest() {
        let html = "<div class=WordSection1><p class=MsoNormal>OK, thanks.<o:p></o:p></p>\
                    <p class=MsoNormal><o:p>&nbsp;</o:p></p><div>\
                    <div style='border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm'>\
                    <p class=MsoNormal><b>From:</b> Wallet Support &lt;support@x.example&gt;<br><b>Date:</b> Tuesday</p></div></div>\
                    <p class=MsoNormal>Hello, the old text</p></div>";
        assert_eq!(new_part(html), "OK, thanks.");
    }

    #[test]
    fn outlook_on_the_web_reply_header_cuts_the_rest() {
        let html = "<div>Done.</div><div id=\"appendonsend\"></div><hr tabindex=\"-1\">\
                    <div id=\"divRplyFwdMsg\" dir=\"ltr\"><b>From:</b> Support</div><div>old text</div>";
        assert_eq!(new_part(html), "Done.");
    }

    #[test]
    fn gmail_and_apple_quotes_are_dropped_and_what_follows_kept() {
        let html = "<div dir=ltr>Yes.</div><div class=\"gmail_quote\"><div class=gmail_attr>On Mon, X wrote:</div>\
                    <blockquote class=gmail_quote>old</blockquote></div>";
        assert_eq!(new_part(html), "Yes.");
        let html = "<div>Above</div><blockquote type=\"cite\"><div>old</div></blockquote><div>Below</div>";
        assert_eq!(new_part(html), "Above\nBelow");
    }

    #[test]
    fn qq_mail_html_quote_is_cut_by_its_marker() {
        let html = "<div>收到</div><div><br></div>\
                    <div style=\"font-size: 12px;\">------------------&nbsp;原始邮件&nbsp;------------------</div>\
                    <div style=\"font-size: 12px;background:#efefef;padding:8px;\"><div><b>发件人:</b>&nbsp;\"客服\"</div>\
                    <div><b>发送时间:</b>&nbsp;2025年3月4日</div></div><div><br></div>您好";
        assert_eq!(new_part(html), "收到");
    }

    #[test]
    fn outlook_chinese_header_block_is_history() {
        let text = "好的，谢谢。\n\n发件人: 钱包客服 <support@help.wallet.example>\n发送时间: 2025年3月4日 10:20\n\
                    收件人: 李伟 <li.wei@example.cn>\n主题: 回复: 退款\n\n您好，已退款。";
        assert_eq!(strip(text), "好的，谢谢。");
    }

    #[test]
    fn foxmail_full_width_colons_and_traditional_labels_are_history() {
        let text = "收到\n\n寄件者： 客服\n傳送時間： 2025年3月5日 上午 09:00\n收件者： 陳美玲\n主旨： 回覆：帳戶";
        assert_eq!(strip(text), "收到");
        let text = "收到\n\n发件人：钱包客服\n发送时间：2025-03-04 10:20\n收件人：小王\n主题：Re: 转账";
        assert_eq!(strip(text), "收到");
    }

    #[test]
    fn original_message_separators_are_history() {
        assert_eq!(strip("ok\n-----Original Message-----\nFrom: x"), "ok");
        assert_eq!(strip("ok\n----- Original Message -----\nold"), "ok");
        assert_eq!(strip("ok\n\n-----原始邮件-----\nold"), "ok");
        // Without the dashes it is only a word the customer wrote.
        assert_eq!(strip("原始邮件\n见附件"), "原始邮件\n见附件");
    }

    #[test]
    fn a_from_line_without_a_date_line_is_the_customers_text() {
        let text = "From: my bank, a message saying the card is blocked.\nWhat should I do?";
        assert_eq!(strip(text), text);
    }

    #[test]
    fn inline_answers_between_quotes_are_kept() {
        let text = "On Tue, 4 Mar 2025, Support wrote:\n> Which card?\nThe Visa one.\n> Which day?\nMonday.";
        assert_eq!(strip(text), "The Visa one.\nMonday.");
    }

    #[test]
    fn a_sentence_ending_in_wrote_is_kept() {
        let text = "On Monday I wrote:\nthat the refund is missing. It still is.";
        assert_eq!(strip(text), text);
    }

    #[test]
    fn gmail_chinese_attribution_is_dropped_with_its_quote() {
        let text = "已处理\n\n钱包客服 <support@help.wallet.example> 于2025年3月5日周三 09:14写道：\n\n> 请确认";
        assert_eq!(strip(text), "已处理");
    }

    #[test]
    fn signature_separator_and_device_lines_go() {
        assert_eq!(strip("Thanks\n--\nDaniel Okafor\nLagos"), "Thanks");
        assert_eq!(strip("收到\n\n从我的 iPhone 发送"), "收到");
        assert_eq!(strip("好的\n发自我的华为手机"), "好的");
        assert_eq!(strip("转账失败\n发自我的工资卡"), "转账失败\n发自我的工资卡");
        assert_eq!(strip("ok\n\nGet Outlook for Android\n________________"), "ok");
    }

    #[test]
    fn forwards_are_recognised_by_their_subject() {
        assert!(is_forward(Some("Fwd: your statement")));
        assert!(is_forward(Some("转发：银行通知")));
        assert!(!is_forward(Some("Re: Fwd: your statement")));
        assert!(!is_forward(None));
    }
}
