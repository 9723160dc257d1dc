//! What the channel decides about the fixtures: automatic or human, where each belongs, the
//! envelope the daemon gets, and the headers of our answer.

use switchboard_channel::{Attachment, ChannelKind, Secret, SenderIdentity, ThreadKey, Threading};
use switchboard_email::{
    DeliveryReport, MailKind, ParseLimits, ReplyContext, Severity, classify, parse_mail, reply_headers,
    subject_reference, thread_hints, to_inbound, verify_token,
};

use crate::common::{CONV_CARD, CONV_REFUND, CONV_TRANSFER, SECRET, all_fixtures, own, parsed, raw};

fn kind(name: &str) -> (MailKind, &'static str) {
    let c = classify(&parsed(name), &own());
    (c.kind, c.reason)
}

#[test]
fn people_are_human() {
    for name in [
        "outlook_gbk_new.eml",
        "foxmail_gb18030.eml",
        "outlook_big5.eml",
        "gmail_new.eml",
        "html_only.eml",
        "apple_mail_attachments.eml",
        "outlook_reply.eml",
        "qq_reply.eml",
        "gmail_reply.eml",
        "thunderbird_html_reply.eml",
        "apple_mail_reply_zh.eml",
        "no_message_id.eml",
        "iso2022jp.eml",
    ] {
        assert_eq!(kind(name).0, MailKind::Human, "{name}");
    }
}

#[test]
fn automatic_replies_lists_and_loops_are_recognised() {
    assert_eq!(kind("out_of_office_exchange.eml"), (MailKind::AutoReply, "Auto-Submitted"));
    assert_eq!(kind("auto_reply_zh.eml"), (MailKind::AutoReply, "X-Autoreply"));
    assert_eq!(kind("mailing_list.eml"), (MailKind::Bulk, "Precedence"));
    assert_eq!(kind("own_loop.eml"), (MailKind::OwnLoop, "X-Loop"));
}

#[test]
fn a_hard_bounce_names_our_message_the_recipient_and_the_reason() {
    let (kind, reason) = kind("bounce_hard.eml");
    assert_eq!(reason, "delivery-status report");
    let MailKind::Bounce(report) = kind else { panic!("a bounce: {kind:?}") };
    let original = "05hnc0clbcu8qbjv9adhob9u9td6mv35hsoorn8ua09r308.44p46l35eq3phadq@help.wallet.example";
    assert_eq!(
        report,
        DeliveryReport {
            original_message_id: Some(original.to_owned()),
            recipient: Some("old.mailbox@example.cn".to_owned()),
            action: Some("failed".to_owned()),
            status: Some("5.1.1".to_owned()),
            severity: Severity::Hard,
            diagnostic: Some(
                "550 5.1.1 <old.mailbox@example.cn>: Recipient address rejected: User unknown in virtual mailbox table"
                    .to_owned()
            ),
        }
    );
    // The returned message is ours: it names the conversation the failure belongs to.
    assert_eq!(own().conversation_of_message_id(original).as_deref(), Some(CONV_REFUND));
    // Report parts are read, not listed as the customer's attachments.
    assert!(parsed("bounce_hard.eml").attachments.is_empty());
}

#[test]
fn a_delay_warning_is_a_soft_bounce_from_the_returned_headers() {
    let MailKind::Bounce(report) = kind("bounce_delayed.eml").0 else { panic!("a bounce") };
    assert_eq!(report.severity, Severity::Soft);
    assert_eq!(report.action.as_deref(), Some("delayed"));
    assert_eq!(report.status.as_deref(), Some("4.4.1"));
    assert_eq!(report.recipient.as_deref(), Some("sophie@mail.example.net"));
    assert_eq!(
        report.diagnostic.as_deref(),
        Some("connect to mail.example.net[198.51.100.7]:25: Connection timed out")
    );
    let original = report.original_message_id.expect("from text/rfc822-headers");
    assert_eq!(own().conversation_of_message_id(&original).as_deref(), Some(CONV_CARD));
}

#[test]
fn a_plain_text_bounce_is_still_a_bounce() {
    let raw = "Return-Path: <>\r\nFrom: Mail Delivery Subsystem <MAILER-DAEMON@mail.example.net>\r\n\
               To: support@help.wallet.example\r\nSubject: failure notice\r\nX-Failed-Recipients: Gone@Example.net\r\n\r\n\
               Sorry, we were unable to deliver your message.\r\n550 5.1.1 user unknown\r\n\r\n\
               --- Below this line is a copy of the message.\r\n\r\nMessage-ID: <abc.def@help.wallet.example>\r\n";
    let mail = parse_mail(raw.as_bytes(), &ParseLimits::new()).expect("parses");
    let classification = classify(&mail, &own());
    assert_eq!(classification.reason, "sender");
    let MailKind::Bounce(report) = classification.kind else { panic!("a bounce") };
    assert_eq!(report.recipient.as_deref(), Some("gone@example.net"));
    assert_eq!(report.status.as_deref(), Some("5.1.1"));
    assert_eq!(report.severity, Severity::Hard);
    assert_eq!(report.original_message_id.as_deref(), Some("abc.def@help.wallet.example"));
}

#[test]
fn tokens_signed_by_the_fixture_generator_verify_here() {
    // generate.py signs with the same scheme: two implementations agree.
    let secret = Secret::new(SECRET);
    for (name, conversation) in
        [("outlook_reply.eml", CONV_REFUND), ("qq_reply.eml", CONV_TRANSFER), ("gmail_reply.eml", CONV_CARD)]
    {
        let mail = parsed(name);
        let to = &mail.to[0].address;
        let token =
            to.strip_prefix("support+").and_then(|t| t.split_once('@')).map(|(t, _)| t).expect("a plus-address");
        assert_eq!(verify_token(token, &secret).as_deref(), Some(conversation), "{name}");
        assert_eq!(verify_token(token, &Secret::new("another secret")), None);
    }
}

#[test]
fn replies_are_threaded_by_plus_address_then_ids_newest_first() {
    let hints = thread_hints(&parsed("outlook_reply.eml"), &own());
    assert_eq!(
        hints,
        [
            ThreadKey::Conversation(CONV_REFUND.to_owned()),
            ThreadKey::Message(
                "05hnc0clbcu8qbjv9adhob9u9td6mv35hsoorn8ua09r308.24h36h2lcproh680@help.wallet.example".to_owned()
            ),
            ThreadKey::Message(
                "TYCPR01MB8469D4E5F60718293A4B5C6D7E8F9@TYCPR01MB8469.jpnprd01.prod.outlook.com".to_owned()
            ),
        ]
    );
    assert!(thread_hints(&parsed("outlook_gbk_new.eml"), &own()).is_empty());
}

#[test]
fn a_forged_token_names_no_conversation() {
    let mail = String::from_utf8(raw("gmail_reply.eml")).expect("ascii");
    // One character of the token changed, everywhere it appears.
    let forged = mail.replace("05hnc0clblv8v451", "05hnc0clblv8v452");
    let mail = parse_mail(forged.as_bytes(), &ParseLimits::new()).expect("parses");
    let hints = thread_hints(&mail, &own());
    assert!(!hints.iter().any(|h| matches!(h, ThreadKey::Conversation(_))), "{hints:?}");
    // The ids are still ids: the daemon looks them up and finds nothing of ours.
    assert_eq!(hints.len(), 1);
}

#[test]
fn our_message_id_alone_names_the_conversation() {
    // A customer who answers from another client to the plain address: only In-Reply-To.
    let mail = String::from_utf8(raw("thunderbird_html_reply.eml")).expect("ascii");
    let plain = mail.replace("support+05hnc0clblv8v451mb1t9pfm0sc2ic2fcrplh33bqkv6lrg@", "support@");
    let mail = parse_mail(plain.as_bytes(), &ParseLimits::new()).expect("parses");
    assert_eq!(thread_hints(&mail, &own()).first(), Some(&ThreadKey::Conversation(CONV_CARD.to_owned())));
}

#[test]
fn subject_references_are_extracted_from_replies() {
    assert_eq!(
        subject_reference(parsed("qq_reply.eml").subject.as_deref().unwrap_or_default()).as_deref(),
        Some("P3X8D2")
    );
    assert_eq!(
        subject_reference(parsed("outlook_reply.eml").subject.as_deref().unwrap_or_default()).as_deref(),
        Some("K7Q2M9")
    );
    assert_eq!(subject_reference(parsed("gmail_new.eml").subject.as_deref().unwrap_or_default()), None);
}

/// The references an envelope threads by.
fn hints(inbound: &switchboard_channel::Inbound) -> &[ThreadKey] {
    match &inbound.threading {
        Threading::ByReferences(keys) => keys,
        other => panic!("mail threads by its references, not {other:?}"),
    }
}

#[test]
fn the_inbound_envelope_carries_what_the_daemon_needs() {
    let inbound = to_inbound(&parsed("qq_reply.eml"), &own());
    assert_eq!(inbound.channel, ChannelKind::Email);
    assert_eq!(inbound.external_id, "tencent_8F3C1A2B4D5E6F708192A3B4C5D6E7F8A909@qq.com");
    assert_eq!(inbound.key_scope, None);
    assert_eq!(
        hints(&inbound),
        [
            ThreadKey::Conversation(CONV_TRANSFER.to_owned()),
            ThreadKey::Message(
                "05hnc0clbg51mb1t9pfm0sc2ieibbhll7ehvfpmnbkh5ss0.k2gq58t4kmjafa59@help.wallet.example".to_owned()
            ),
            ThreadKey::Message("202503040902111523417@foxmail.com".to_owned()),
            // The subject's [#REF], last: the weakest hint, honoured for its own customer only.
            ThreadKey::Reference("P3X8D2".to_owned()),
        ]
    );
    assert_eq!(
        inbound.sender,
        SenderIdentity {
            email: Some("3141592653@qq.com".into()),
            name: Some("小王".into()),
            ..SenderIdentity::default()
        }
    );
    assert_eq!(inbound.subject.as_deref(), Some("回复：Re: 转账未到账 [#P3X8D2]"));
    assert_eq!(inbound.text, "已经收到了，谢谢！\n\n小王");
    assert!(inbound.attachments.is_empty());

    let mail = parsed("foxmail_gb18030.eml");
    let inbound = to_inbound(&mail, &own());
    let [file] = inbound.attachments.as_slice() else { panic!("one attachment: {:?}", inbound.attachments) };
    let Attachment { filename, content_type, size, content } = file;
    assert_eq!((filename.as_str(), content_type.as_str(), *size), ("转账截图.jpg", "image/jpeg", 1_050));
    assert_eq!(&content[..], mail.attachments[0].bytes.as_slice(), "the bytes go with it");
}

#[test]
fn attachments_left_out_are_named_in_the_text() {
    let limits = ParseLimits { max_attachment_bytes: 10_000, ..ParseLimits::new() };
    let mail = parse_mail(&raw("apple_mail_attachments.eml"), &limits).expect("parses");
    let inbound = to_inbound(&mail, &own());
    assert_eq!(
        inbound.text,
        "附件是转账失败的截图和上个月的对账单。\n\n陈立\n\
         [Attachment not kept: 2025年2月银行对账单（招商银行）.pdf (39.1 KB), larger than the 9.8 KB limit]"
    );
    assert_eq!(inbound.attachments.len(), 1);

    let parts: String = (0..6)
        .map(|i| format!("--b\r\nContent-Type: image/png; name=s{i}.png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n"))
        .collect();
    let many = format!(
        "From: li.wei@example.cn\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
         --b\r\nContent-Type: text/plain\r\n\r\nscreenshots\r\n{parts}--b--\r\n"
    );
    let limits = ParseLimits { max_attachments: 2, ..ParseLimits::new() };
    let mail = parse_mail(many.as_bytes(), &limits).expect("parses");
    assert_eq!((mail.attachments.len(), mail.dropped.len(), mail.dropped_unlisted), (2, 2, 2));
    assert_eq!(
        to_inbound(&mail, &own()).text,
        "screenshots\n[Attachment not kept: s2.png (8 B), more than 2 attachments]\n\
         [Attachment not kept: s3.png (8 B), more than 2 attachments]\n[2 more attachments not kept]"
    );
}

#[test]
fn an_attachment_only_reply_and_a_subject_only_mail_still_say_something() {
    let only_attachment = "From: li.wei@example.cn\r\nSubject: Re: refund\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
                           --b\r\nContent-Type: image/png; name=shot.png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--b--\r\n";
    let mail = parse_mail(only_attachment.as_bytes(), &ParseLimits::new()).expect("parses");
    assert_eq!(to_inbound(&mail, &own()).text, "[Attachments: shot.png]");
    let subject_only = "From: li.wei@example.cn\r\nSubject: 退款还没到\r\n\r\n";
    let mail = parse_mail(subject_only.as_bytes(), &ParseLimits::new()).expect("parses");
    assert_eq!(to_inbound(&mail, &own()).text, "退款还没到");
}

#[test]
fn a_customer_answer_to_our_reply_comes_back_to_its_conversation() {
    let own = own();
    // The conversation so far: the customer's first mail and its keys.
    let first = parsed("foxmail_gb18030.eml");
    let thread_refs = vec![first.dedupe_key.clone()];
    let context = ReplyContext {
        conversation_id: CONV_TRANSFER,
        reference: Some("P3X8D2"),
        subject: first.subject.as_deref(),
        thread_refs: &thread_refs,
    };
    let reply = reply_headers(&own, &context, *b"0123456789").expect("headers");
    assert_eq!(reply.subject, "Re: 转账未到账 😟 [#P3X8D2]");
    assert_eq!(reply.in_reply_to.as_deref(), Some("202503040902111523417@foxmail.com"));
    assert_eq!(reply.references, ["202503040902111523417@foxmail.com"]);
    let lines = reply.lines();
    assert!(lines.iter().all(|(_, value)| !value.contains(['\r', '\n'])));

    // The customer answers it, quoting our headers as any client does.
    let header = |name: &str| lines.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone()).expect(name);
    let answer = format!(
        "From: zhangsan88@foxmail.com\r\nTo: {}\r\nSubject: {}\r\nMessage-ID: <answer@foxmail.com>\r\n\
         In-Reply-To: {}\r\nReferences: {} {}\r\n\r\n收到，谢谢\r\n",
        reply.reply_to,
        header("Subject"),
        header("Message-ID"),
        header("References"),
        header("Message-ID"),
    );
    let mail = parse_mail(answer.as_bytes(), &ParseLimits::new()).expect("parses");
    assert_eq!(mail.subject.as_deref(), Some("Re: 转账未到账 😟 [#P3X8D2]"));
    let inbound = to_inbound(&mail, &own);
    assert_eq!(hints(&inbound)[0], ThreadKey::Conversation(CONV_TRANSFER.to_owned()));
    assert_eq!(hints(&inbound)[1], ThreadKey::Message(reply.message_id.clone()));
    assert!(hints(&inbound).contains(&ThreadKey::Message("202503040902111523417@foxmail.com".to_owned())));
}

#[test]
fn every_fixture_that_parses_has_an_envelope() {
    for (name, bytes) in all_fixtures() {
        let Ok(mail) = parse_mail(&bytes, &ParseLimits::new()) else { continue };
        let inbound = to_inbound(&mail, &own());
        assert_eq!(inbound.external_id, mail.dedupe_key, "{name}");
        assert!(!inbound.text.trim().is_empty(), "{name}");
        assert!(!inbound.sender.is_anonymous(), "{name}");
    }
}
