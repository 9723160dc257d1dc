//! TLS: the CA file, implicit TLS and STARTTLS, through a TLS front (rustls, with a private CA
//! made by the openssl command) to the private Dovecot, which itself speaks plaintext only.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use switchboard_email::{ImapClient, ImapError, TlsMode};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;

use crate::common::{dovecot, endpoint, endpoint_at};

/// A private CA and a server certificate it signed for 127.0.0.1, in a temp dir removed on
/// drop.
struct Pki {
    dir: PathBuf,
}

impl Pki {
    /// `None`, with a note, when the openssl command is not installed.
    fn make() -> Option<Pki> {
        if Command::new("openssl").arg("version").stdout(Stdio::null()).status().is_err() {
            eprintln!("note: openssl not installed; TLS test skipped");
            return None;
        }
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("switchboard-imap-pki-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("ext.cnf"),
            "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        let openssl = |args: &str| {
            let output = Command::new("openssl").args(args.split(' ')).current_dir(&dir).output().unwrap();
            assert!(output.status.success(), "openssl {args}: {}", String::from_utf8_lossy(&output.stderr));
        };
        openssl("req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=test-ca");
        openssl("req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1");
        openssl(
            "x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile ext.cnf",
        );
        Some(Pki { dir })
    }

    fn ca(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    fn acceptor(&self) -> TlsAcceptor {
        let certs = rustls_pemfile::certs(&mut std::fs::read(self.dir.join("server.pem")).unwrap().as_slice())
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let key =
            rustls_pemfile::private_key(&mut std::fs::read(self.dir.join("server.key")).unwrap().as_slice()).unwrap();
        #[expect(deprecated, reason = "the workspace builds rustls with ring")]
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key.unwrap())
            .unwrap();
        TlsAcceptor::from(Arc::new(config))
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A TLS front on a loopback port forwarding to the plaintext IMAP on `target`: TLS from the
/// first byte, or (`starttls`) a plaintext greeting, CAPABILITY and STARTTLS first, as a
/// STARTTLS server would. Returns its port.
async fn tls_front(acceptor: TlsAcceptor, target: u16, starttls: bool) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if starttls && plaintext_prelude(&mut tcp).await.is_err() {
                    return;
                }
                let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                let mut upstream = BufReader::new(TcpStream::connect(("127.0.0.1", target)).await.unwrap());
                if starttls {
                    // The client had its greeting before the upgrade: Dovecot's is dropped.
                    upstream.read_line(&mut String::new()).await.unwrap();
                }
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut upstream).await;
            });
        }
    });
    port
}

/// The STARTTLS server's side up to the TLS handshake (tags as the client sends them).
async fn plaintext_prelude(tcp: &mut TcpStream) -> std::io::Result<()> {
    tcp.write_all(b"* OK test front ready\r\n").await?;
    let mut reader = BufReader::new(&mut *tcp);
    let mut line = String::new();
    reader.read_line(&mut line).await?;
    let tag = line.split(' ').next().unwrap_or_default().to_owned();
    let capability = format!("* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\n{tag} OK done\r\n");
    reader.get_mut().write_all(capability.as_bytes()).await?;
    line.clear();
    reader.read_line(&mut line).await?;
    assert!(line.ends_with("STARTTLS\r\n"), "{line:?}");
    let tag = line.split(' ').next().unwrap_or_default().to_owned();
    tcp.write_all(format!("{tag} OK begin TLS\r\n").as_bytes()).await
}

#[tokio::test]
async fn implicit_tls_with_the_private_ca_reaches_the_mailbox() {
    let Some(dovecot) = dovecot() else { return };
    let Some(pki) = Pki::make() else { return };
    let port = tls_front(pki.acceptor(), dovecot.port(), false).await;
    let mut endpoint = endpoint(&dovecot, port);
    endpoint.tls = TlsMode::Implicit;
    endpoint.ca_file = Some(pki.ca());
    let mut client = ImapClient::connect(&endpoint).await.unwrap();
    client.select("INBOX").await.unwrap();
    client.logout().await;
}

#[tokio::test]
async fn starttls_upgrades_before_login() {
    let Some(dovecot) = dovecot() else { return };
    let Some(pki) = Pki::make() else { return };
    let port = tls_front(pki.acceptor(), dovecot.port(), true).await;
    let mut endpoint = endpoint(&dovecot, port);
    endpoint.tls = TlsMode::Starttls;
    endpoint.ca_file = Some(pki.ca());
    let mut client = ImapClient::connect(&endpoint).await.unwrap();
    client.select("INBOX").await.unwrap();
    client.logout().await;
}

#[tokio::test]
async fn a_certificate_from_an_unknown_ca_is_refused() {
    let Some(dovecot) = dovecot() else { return };
    let Some(pki) = Pki::make() else { return };
    let port = tls_front(pki.acceptor(), dovecot.port(), false).await;
    let mut endpoint = endpoint(&dovecot, port);
    endpoint.tls = TlsMode::Implicit;
    let error = ImapClient::connect(&endpoint).await.unwrap_err();
    assert!(matches!(error, ImapError::Tls(ref message) if message.contains("certificate")), "{error:?}");
}

#[tokio::test]
async fn implicit_tls_to_a_plaintext_server_is_a_tls_error() {
    let Some(dovecot) = dovecot() else { return };
    let mut endpoint = endpoint(&dovecot, dovecot.port());
    endpoint.tls = TlsMode::Implicit;
    let error = ImapClient::connect(&endpoint).await.unwrap_err();
    assert!(matches!(error, ImapError::Tls(_)), "{error:?}");
}

#[tokio::test]
async fn a_ca_file_that_is_not_pem_is_reported_before_connecting() {
    let path = std::env::temp_dir().join(format!("switchboard-imap-not-pem-{}.txt", std::process::id()));
    std::fs::write(&path, "not a certificate\n").unwrap();
    // Nothing listens there: the CA file must be what the error is about.
    let mut endpoint = endpoint_at(switchboard_mailservers::free_port().unwrap());
    endpoint.tls = TlsMode::Starttls;
    endpoint.ca_file = Some(path.clone());
    let error = ImapClient::connect(&endpoint).await.unwrap_err();
    std::fs::remove_file(&path).unwrap();
    let shown = Path::new(&path).display().to_string();
    assert!(matches!(error, ImapError::Tls(ref message) if message.contains(&shown)), "{error:?}");
}
