//! Each fixture decodes exactly: subjects, names, bodies, what is new in a reply, attachments,
//! and the mails that cannot be taken.

use sha2::{Digest, Sha256};
use switchboard_channel::Millis;
use switchboard_email::{DropReason, Mailbox, ParseError, ParseLimits, parse_mail};

use crate::common::{parsed, raw};

fn mailbox(address: &str, name: Option<&str>) -> Mailbox {
    Mailbox { address: address.to_owned(), name: name.map(str::to_owned) }
}

#[test]
fn outlook_gbk_labelled_gb2312_decodes_exactly() {
    let mail = parsed("outlook_gbk_new.eml");
    assert_eq!(mail.subject.as_deref(), Some("退款申请：订单 20250301-8841 重复扣款"));
    // Mixed case in the mail; lower case for the daemon.
    assert_eq!(mail.from, mailbox("li.wei@example.cn", Some("李伟")));
    // Outlook's copy of the address as the name is no name.
    assert_eq!(mail.to, [mailbox("support@help.wallet.example", None)]);
    // 王喆 is GBK, not GB2312: the label says gb2312, the bytes are GBK.
    let body = "您好，\n\n我在3月1日用钱包支付了订单 20250301-8841，金额 ￥268.00，但是被扣款两次。\n\
                账户户主是我丈夫王喆，请帮我退回多扣的一笔。\n\n谢谢！\n李伟";
    assert_eq!(mail.text, body);
    assert_eq!(mail.full_text, body);
    assert_eq!(
        mail.message_id.as_deref(),
        Some("TYCPR01MB8469D4E5F60718293A4B5C6D7E8F9@TYCPR01MB8469.jpnprd01.prod.outlook.com")
    );
    assert_eq!(mail.dedupe_key, mail.message_id.clone().expect("an id"));
    // Mon, 3 Mar 2025 02:15:38 +0000
    assert_eq!(mail.date, Some(Millis(1_740_968_138_000)));
    assert!(mail.attachments.is_empty() && mail.dropped.is_empty() && mail.report.is_none());
}

#[test]
fn foxmail_gb18030_with_a_four_byte_emoji_and_an_rfc2047_file_name() {
    let mail = parsed("foxmail_gb18030.eml");
    assert_eq!(mail.subject.as_deref(), Some("转账未到账 😟"));
    assert_eq!(mail.from, mailbox("zhangsan88@foxmail.com", Some("张三")));
    assert_eq!(mail.to, [mailbox("support@help.wallet.example", Some("客服"))]);
    assert_eq!(
        mail.text,
        "你好：\n\n我昨天下午3点给朋友转账 ￥1,500.00，到现在还没到账😭，交易号 TX20250303150212。\n截图见附件。\n\n\
         张三\n\nzhangsan88@foxmail.com"
    );
    let [screenshot] = mail.attachments.as_slice() else { panic!("one attachment: {:?}", mail.attachments) };
    assert_eq!(screenshot.filename, "转账截图.jpg");
    assert_eq!(screenshot.content_type, "image/jpeg");
    assert_eq!(screenshot.size, 1_050);
    assert_eq!(screenshot.bytes.len(), 1_050);
    assert!(screenshot.bytes.starts_with(&[0xff, 0xd8]) && screenshot.bytes.ends_with(&[0xff, 0xd9]));
}

#[test]
fn outlook_big5_quoted_printable_decodes_exactly() {
    let mail = parsed("outlook_big5.eml");
    assert_eq!(mail.subject.as_deref(), Some("帳戶被鎖定無法登入"));
    assert_eq!(mail.from, mailbox("chen.meiling@example.com.tw", Some("陳美玲")));
    assert_eq!(
        mail.text,
        "您好，\n\n我的帳戶今天早上被鎖住了，無法登入，也收不到驗證簡訊。\n請協助解鎖，謝謝。\n\n陳美玲"
    );
}

#[test]
fn iso_2022_jp_with_flowed_soft_breaks() {
    let mail = parsed("iso2022jp.eml");
    assert_eq!(mail.subject.as_deref(), Some("送金が届きません"));
    assert_eq!(mail.from, mailbox("tanaka.hiroshi@example.jp", Some("田中 浩")));
    // The soft break after "0042 " joins the sentence again, without the marker space.
    assert_eq!(
        mail.text,
        "お世話になっております。\n昨日の送金がまだ届いていません。取引番号は JP-20250306-0042です。確認をお願いします。\n\n田中 浩"
    );
}

#[test]
fn gmail_alternative_prefers_the_text_part_and_leaves_the_signature_out() {
    let mail = parsed("gmail_new.eml");
    assert_eq!(mail.subject.as_deref(), Some("Password reset email never arrives"));
    assert_eq!(mail.from, mailbox("daniel.okafor@gmail.com", Some("Daniel Okafor")));
    assert_eq!(
        mail.text,
        "Hi,\n\nI requested a password reset three times today but the email never arrives.\n\
         The account is registered to this address.\n\nThanks,\nDaniel"
    );
    assert!(mail.full_text.ends_with("Thanks,\nDaniel\n\n--\nDaniel Okafor\nLagos, Nigeria"), "{}", mail.full_text);
}

#[test]
fn html_only_mail_is_text_without_head_style_or_script() {
    let mail = parsed("html_only.eml");
    assert_eq!(mail.subject.as_deref(), Some("扫一扫闪退"));
    assert_eq!(mail.from, mailbox("wangfang_1990@163.com", Some("王芳")));
    assert_eq!(mail.text, "客服你好，\nAPP 升级到 5.2.0 以后，打开扫一扫就闪退。\n手机型号：华为 Mate 60\n\n王芳");
    for hidden in ["无标题", "font-family", "tracking", "phish", "document.write"] {
        assert!(!mail.full_text.contains(hidden), "{hidden} leaked into {:?}", mail.full_text);
    }
}

#[test]
fn apple_mail_attachments_named_in_rfc2231_form() {
    let mail = parsed("apple_mail_attachments.eml");
    assert_eq!(mail.subject.as_deref(), Some("转账失败，附截图和对账单"));
    assert_eq!(mail.from, mailbox("chen.li@icloud.com", Some("陈立")));
    assert_eq!(mail.text, "附件是转账失败的截图和上个月的对账单。\n\n陈立");
    let names: Vec<(&str, &str, u64)> =
        mail.attachments.iter().map(|a| (a.filename.as_str(), a.content_type.as_str(), a.size)).collect();
    // The second name is split into continuations inside the character 对.
    assert_eq!(
        names,
        [("转账失败截图.png", "image/png", 2_888), ("2025年2月银行对账单（招商银行）.pdf", "application/pdf", 40_016)]
    );
    assert!(mail.attachments[0].bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert!(mail.attachments[1].bytes.starts_with(b"%PDF-1.4\n") && mail.attachments[1].bytes.ends_with(b"%%EOF\n"));
}

#[test]
fn attachments_past_the_limits_are_left_out_and_the_mail_is_still_taken() {
    let limits = ParseLimits { max_attachment_bytes: 10_000, ..ParseLimits::new() };
    let mail = parse_mail(&raw("apple_mail_attachments.eml"), &limits).expect("still taken");
    assert_eq!(mail.attachments.len(), 1);
    assert_eq!(mail.attachments[0].filename, "转账失败截图.png");
    let [dropped] = mail.dropped.as_slice() else { panic!("one dropped: {:?}", mail.dropped) };
    assert_eq!(dropped.filename, "2025年2月银行对账单（招商银行）.pdf");
    assert_eq!((dropped.size, dropped.reason), (40_016, DropReason::TooLarge(10_000)));

    let limits = ParseLimits { max_attachments: 1, ..ParseLimits::new() };
    let mail = parse_mail(&raw("apple_mail_attachments.eml"), &limits).expect("still taken");
    assert_eq!(mail.attachments.len(), 1);
    assert_eq!(mail.dropped[0].reason, DropReason::TooMany(1));
}

#[test]
fn outlook_reply_keeps_what_is_new() {
    let mail = parsed("outlook_reply.eml");
    assert_eq!(mail.subject.as_deref(), Some("RE: Refund for order 20250301-8841 [#K7Q2M9]"));
    assert_eq!(mail.text, "Thanks, I can see the refund in my account now.\n\nRegards,\nLi Wei");
    assert!(mail.full_text.contains("Sent: Tuesday, March 4, 2025 3:12 PM"));
    assert!(mail.full_text.ends_with("Mei\nWallet Support"));
}

#[test]
fn qq_mail_reply_keeps_what_is_new() {
    let mail = parsed("qq_reply.eml");
    assert_eq!(mail.subject.as_deref(), Some("回复：Re: 转账未到账 [#P3X8D2]"));
    assert_eq!(mail.from, mailbox("3141592653@qq.com", Some("小王")));
    assert_eq!(mail.text, "已经收到了，谢谢！\n\n小王");
    assert!(mail.full_text.contains("原始邮件") && mail.full_text.ends_with("钱包客服 小李"));
}

#[test]
fn gmail_reply_with_a_wrapped_attribution_keeps_what_is_new() {
    let mail = parsed("gmail_reply.eml");
    assert_eq!(mail.text, "Yes, that was me. Please unblock the card.\n\nSophie");
    assert!(mail.full_text.contains("> We blocked a card payment of EUR 420.00"));
}

#[test]
fn thunderbird_html_reply_is_pruned_in_the_dom() {
    let mail = parsed("thunderbird_html_reply.eml");
    assert_eq!(mail.text, "Hello,\n\nIt is still declined. The error says \"Issuer unavailable\".");
    assert!(mail.full_text.contains("Hello Sophie, the card is unblocked."));
    assert!(mail.full_text.contains("Sophie Martin"));
}

#[test]
fn iphone_chinese_reply_drops_the_quote_and_the_device_line() {
    let mail = parsed("apple_mail_reply_zh.eml");
    assert_eq!(mail.subject.as_deref(), Some("Re: 转账未到账 [#P3X8D2]"));
    assert_eq!(mail.text, "好的，我明天再试一次。");
    assert!(mail.full_text.contains("发自我的iPhone") && mail.full_text.contains("写道："));
}

#[test]
fn threading_headers_are_read_newest_first() {
    let mail = parsed("outlook_reply.eml");
    let ours = "05hnc0clbcu8qbjv9adhob9u9td6mv35hsoorn8ua09r308.24h36h2lcproh680@help.wallet.example";
    assert_eq!(mail.in_reply_to, [ours]);
    assert_eq!(
        mail.references,
        [ours, "TYCPR01MB8469D4E5F60718293A4B5C6D7E8F9@TYCPR01MB8469.jpnprd01.prod.outlook.com"]
    );
}

#[test]
fn a_mail_without_message_id_is_keyed_by_its_bytes() {
    let bytes = raw("no_message_id.eml");
    let mail = parsed("no_message_id.eml");
    assert_eq!(mail.message_id, None);
    assert_eq!(mail.dedupe_key, format!("sha256:{}", data_encoding::HEXLOWER.encode(&Sha256::digest(&bytes))));
    assert_eq!(mail.from, mailbox("root@pos-gw.merchant.example", Some("POS Gateway")));
    assert_eq!(mail.text, "The settlement file for 2025-03-06 was not found at 03:00.\nMerchant id: 88120034");
    // The same bytes twice are the same key; a byte more is another.
    assert_eq!(parsed("no_message_id.eml").dedupe_key, mail.dedupe_key);
    let mut changed = bytes.clone();
    changed.extend_from_slice(b"\r\n");
    assert_ne!(parse_mail(&changed, &ParseLimits::new()).expect("parses").dedupe_key, mail.dedupe_key);
}

#[test]
fn what_cannot_be_taken_is_an_error_not_a_panic() {
    // A PNG saved into the mailbox: its first line is no header field.
    assert_eq!(parse_mail(&raw("not_a_mail.eml"), &ParseLimits::new()), Err(ParseError::NotAMessage));
    // Headers, but nobody to file it under or answer.
    assert_eq!(parse_mail(&raw("no_sender.eml"), &ParseLimits::new()), Err(ParseError::NoSender));
    assert_eq!(parse_mail(b"", &ParseLimits::new()), Err(ParseError::Empty));
    let limits = ParseLimits { max_message_bytes: 1_000, ..ParseLimits::new() };
    assert!(matches!(parse_mail(&raw("qq_reply.eml"), &limits), Err(ParseError::TooLarge { limit: 1_000, .. })));
}
