//! Replies sent to a real smtp-sink and read back from what it captured.

use std::time::{Duration, Instant};

use mail_parser::{HeaderValue, MessageParser};
use switchboard_channel::{DeliveryError, Secret};
use switchboard_email::{
    AuthMethod, Credentials, DkimConfig, LoginSecret, OAuthConfig, OutgoingMail, OwnMailbox, ReplyContext, SmtpConfig,
    SmtpSender, TlsMode, reply_headers,
};
use switchboard_mailservers::{SinkMode, SmtpSink};

const CONVERSATION: &str = "cv_01955b3c8d2e7f4a9b1c2d3e4f5a6b7c";
const BODY: &str = "李先生您好：\n\n您的转账已于今日退回原账户，请查收。\n如有疑问请直接回复本邮件。\n\n钱包客服 王芳";
const WAIT: Duration = Duration::from_secs(10);

fn config(port: u16) -> SmtpConfig {
    SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        tls: TlsMode::None,
        ca_file: None,
        username: None,
        password: Secret::default(),
        password_env: None,
        auth: AuthMethod::Plain,
        oauth: OAuthConfig::default(),
        timeout_s: 5,
        html: false,
        dkim: None,
    }
}

fn own() -> OwnMailbox {
    OwnMailbox::new("support@help.wallet.example", Secret::new("integration-test-secret")).expect("mailbox")
}

/// An agent's reply to a customer who wrote twice, threaded as the channel threads it.
pub(crate) fn reply() -> OutgoingMail {
    let own = own();
    let refs = vec!["first@customer.example".to_owned(), "second@customer.example".to_owned()];
    let context = ReplyContext {
        conversation_id: CONVERSATION,
        reference: Some("K7Q2M9"),
        subject: Some("转账未到账"),
        thread_refs: &refs,
    };
    let headers = reply_headers(&own, &context, [3; 10]).expect("headers");
    let mut mail = OutgoingMail::reply(
        (Some("钱包客服".into()), own.address()),
        vec!["li.wei@customer.example".into()],
        headers,
        BODY.into(),
    );
    mail.cc = vec!["finance@customer.example".into()];
    mail
}

fn start(mode: SinkMode) -> Option<SmtpSink> {
    SmtpSink::start(mode).expect("smtp-sink starts")
}

fn sender(port: u16) -> SmtpSender {
    SmtpSender::new(&config(port), None).expect("sender")
}

fn address(value: Option<&HeaderValue<'_>>) -> Vec<String> {
    let Some(HeaderValue::Address(address)) = value else { return Vec::new() };
    address.iter().filter_map(|a| a.address()).map(str::to_owned).collect()
}

#[tokio::test]
async fn a_reply_arrives_with_its_headers_and_its_chinese_body_intact() {
    let Some(sink) = start(SinkMode::Accept) else { return };
    let mail = reply();
    let receipt = sender(sink.port()).send(&mail).await.expect("sent");
    assert_eq!(receipt.external_id.as_deref(), Some(mail.message_id.as_str()));
    assert!(receipt.detail.starts_with("250"), "{}", receipt.detail);

    let received = sink.wait_for_received(1, WAIT);
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].mail_from, "support@help.wallet.example");
    assert_eq!(received[0].rcpt_to, ["li.wei@customer.example", "finance@customer.example"]);

    let raw = &received[0].raw;
    let parsed = MessageParser::default().parse(raw).expect("parses");
    let from = parsed.from().and_then(|f| f.first()).expect("from");
    assert_eq!((from.name(), from.address()), (Some("钱包客服"), Some("support@help.wallet.example")));
    assert_eq!(address(parsed.header("To")), ["li.wei@customer.example"]);
    assert_eq!(address(parsed.header("Cc")), ["finance@customer.example"]);
    assert_eq!(address(parsed.header("Reply-To")), [mail.reply_to.as_str()]);
    assert_eq!(own().conversation_of_address(&mail.reply_to).as_deref(), Some(CONVERSATION));
    assert_eq!(parsed.subject(), Some("Re: 转账未到账 [#K7Q2M9]"));
    assert_eq!(parsed.message_id(), Some(mail.message_id.as_str()));
    assert_eq!(parsed.in_reply_to().as_text(), Some("second@customer.example"));
    let references: Vec<&str> =
        parsed.references().as_text_list().unwrap_or_default().iter().map(|r| r.as_ref()).collect();
    assert_eq!(references, ["first@customer.example", "second@customer.example"]);
    assert_eq!(parsed.header("X-Loop").and_then(|v| v.as_text()), Some("support@help.wallet.example"));
    assert!(parsed.header("Auto-Submitted").is_none());
    assert!(raw.is_ascii(), "the body is transfer-encoded");
    assert_eq!(parsed.body_text(0).expect("text").replace("\r\n", "\n"), BODY);

    // The crate's own parser reads it as a mail of this conversation.
    let ours = switchboard_email::parse_mail(raw, &Default::default()).expect("parse_mail");
    assert_eq!(ours.message_id.as_deref(), Some(mail.message_id.as_str()));
}

#[tokio::test]
async fn a_4xx_is_transient_and_a_5xx_permanent_with_the_servers_words() {
    let Some(mut sink) = start(SinkMode::Temporary) else { return };
    let sender = sender(sink.port());
    match sender.send(&reply()).await {
        Err(DeliveryError::Transient(reason)) => {
            assert!(reason.starts_with("450") && reason.contains("4.3.0"), "{reason}")
        }
        other => panic!("expected a transient failure, got {other:?}"),
    }
    sink.set_mode(SinkMode::Permanent).expect("permanent");
    match sender.send(&reply()).await {
        Err(DeliveryError::Permanent(reason)) => {
            assert!(reason.starts_with("500") && reason.contains("5.3.0"), "{reason}")
        }
        other => panic!("expected a permanent failure, got {other:?}"),
    }
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn a_retry_after_a_temporary_refusal_goes_through() {
    let Some(mut sink) = start(SinkMode::Temporary) else { return };
    let sender = sender(sink.port());
    assert!(matches!(sender.send(&reply()).await, Err(DeliveryError::Transient(_))));
    sink.set_mode(SinkMode::Accept).expect("accept");
    sender.send(&reply()).await.expect("the retry is accepted");
    assert_eq!(sink.wait_for(1, WAIT).len(), 1);
    sender.ready().await.expect("ready");
}

#[tokio::test]
async fn a_closed_port_is_transient_and_not_ready() {
    let port = switchboard_mailservers::free_port().expect("port");
    let sender = sender(port);
    assert!(matches!(sender.send(&reply()).await, Err(DeliveryError::Transient(_))));
    assert!(sender.ready().await.is_err());
}

#[tokio::test]
async fn a_server_that_never_greets_is_given_up_on_after_the_timeout() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    // Accepts and holds connections without a word.
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let sender = SmtpSender::new(&SmtpConfig { timeout_s: 1, ..config(port) }, None).expect("sender");
    let started = Instant::now();
    assert!(matches!(sender.send(&reply()).await, Err(DeliveryError::Transient(_))));
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_password_login_and_a_dkim_signature_go_out() {
    let Some(sink) = start(SinkMode::Accept) else { return };
    let dkim = DkimConfig {
        domain: "help.wallet.example".into(),
        selector: "sb2026".into(),
        key_file: concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp/keys/test_ed25519.pem").into(),
    };
    let cfg = SmtpConfig { dkim: Some(dkim), html: true, ..config(sink.port()) };
    let login = Credentials { username: "support".into(), secret: LoginSecret::Password(Secret::new("pw")) };
    SmtpSender::new(&cfg, Some(login)).expect("sender").send(&reply()).await.expect("sent");
    let raw = sink.wait_for(1, WAIT).pop().expect("captured");
    assert!(raw.starts_with(b"DKIM-Signature: v=1; a=ed25519-sha256; s=sb2026; d=help.wallet.example;"));
    let parsed = MessageParser::default().parse(&raw).expect("parses");
    assert!(parsed.body_html(0).expect("html").contains("您的转账已于今日退回原账户"));
}
