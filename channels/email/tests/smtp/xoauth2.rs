//! XOAUTH2 logins against a scripted SMTP server (smtp-sink offers only PLAIN and LOGIN):
//! the token the source hands out is the one the server sees, and a new token logs in anew.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use switchboard_channel::{DeliveryError, Secret};
use switchboard_email::{AccessTokens, Credentials, LoginSecret, OAuthConfig, SmtpConfig, SmtpSender, TlsMode};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// The token a test hands out next; `None` makes the source fail.
struct TestTokens(Mutex<Option<&'static str>>);

#[async_trait]
impl AccessTokens for TestTokens {
    async fn token(&self) -> Result<Secret, String> {
        self.0.lock().expect("token").map(Secret::new).ok_or_else(|| "the provider is down".into())
    }
}

/// Serves SMTP offering only XOAUTH2, taking `good` as the one valid token; returns its port
/// and the SASL responses it received, decoded.
async fn server(good: &'static str) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    let logins = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&logins);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let seen = Arc::clone(&seen);
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 fake ESMTP\r\n").await.ok();
                let mut in_data = false;
                while let Ok(Some(line)) = lines.next_line().await {
                    let answer: &[u8] = if in_data {
                        if line != "." {
                            continue;
                        }
                        in_data = false;
                        b"250 2.0.0 Ok: queued as X1\r\n"
                    } else if line.starts_with("EHLO") {
                        b"250-fake\r\n250-ENHANCEDSTATUSCODES\r\n250 AUTH XOAUTH2\r\n"
                    } else if let Some(response) = line.strip_prefix("AUTH XOAUTH2 ") {
                        let decoded = data_encoding::BASE64.decode(response.as_bytes()).expect("base64");
                        let decoded = String::from_utf8(decoded).expect("utf-8");
                        let accepted = decoded.contains(&format!("auth=Bearer {good}\u{1}"));
                        seen.lock().expect("logins").push(decoded);
                        if accepted {
                            b"235 2.7.0 Accepted\r\n"
                        } else {
                            b"535 5.7.8 Username and Password not accepted\r\n"
                        }
                    } else if line == "DATA" {
                        in_data = true;
                        b"354 go ahead\r\n"
                    } else if line == "QUIT" {
                        write.write_all(b"221 bye\r\n").await.ok();
                        break;
                    } else {
                        b"250 2.0.0 Ok\r\n"
                    };
                    write.write_all(answer).await.ok();
                }
            });
        }
    });
    (port, logins)
}

fn sender(port: u16, tokens: &Arc<TestTokens>) -> SmtpSender {
    let cfg = SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        tls: TlsMode::None,
        ca_file: None,
        username: Some("support@help.wallet.example".into()),
        password: Secret::default(),
        password_env: None,
        auth: switchboard_email::AuthMethod::Xoauth2,
        oauth: OAuthConfig::default(),
        timeout_s: 5,
        html: false,
        dkim: None,
    };
    let tokens: Arc<dyn AccessTokens> = Arc::clone(tokens) as Arc<dyn AccessTokens>;
    let login = Credentials { username: "support@help.wallet.example".into(), secret: LoginSecret::OAuth(tokens) };
    SmtpSender::new(&cfg, Some(login)).expect("sender")
}

#[tokio::test]
async fn connections_log_in_with_the_current_token_and_a_refused_one_is_permanent() {
    let (port, logins) = server("tok-A").await;
    let tokens = Arc::new(TestTokens(Mutex::new(Some("tok-A"))));
    let sender = sender(port, &tokens);
    let mail = super::sending::reply();
    let receipt = sender.send(&mail).await.expect("sent");
    assert_eq!(receipt.detail, "250 2.0.0 Ok: queued as X1");
    // Pooled or new, every connection of this token logs in with it.
    sender.send(&mail).await.expect("sent again");
    let first = logins.lock().expect("logins").clone();
    assert!(!first.is_empty());
    assert!(first.iter().all(|l| l == "user=support@help.wallet.example\u{1}auth=Bearer tok-A\u{1}\u{1}"), "{first:?}");

    *tokens.0.lock().expect("token") = Some("tok-B");
    match sender.send(&mail).await {
        Err(DeliveryError::Permanent(reason)) => assert!(reason.starts_with("535"), "{reason}"),
        other => panic!("expected the refused login to be permanent, got {other:?}"),
    }
    assert!(logins.lock().expect("logins")[first.len()].contains("Bearer tok-B"));

    *tokens.0.lock().expect("token") = None;
    match sender.send(&mail).await {
        Err(DeliveryError::Transient(reason)) => assert!(reason.contains("the provider is down"), "{reason}"),
        other => panic!("expected a transient failure, got {other:?}"),
    }
}
