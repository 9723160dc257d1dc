//! The byte stream under an IMAP session: TCP, TLS from the first byte, or plain TCP upgraded
//! with STARTTLS; opened up to (and including) the server's greeting.

use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

use super::ImapError;
use crate::TlsMode;

/// Longest line accepted before login (greeting, CAPABILITY, STARTTLS answers).
const MAX_LINE: usize = 8_192;

/// One stream type for every mode, so the session type does not depend on the configuration.
#[derive(Debug)]
pub(crate) enum MailStream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

/// Connects to `host:port` secured as `mode` and reads the greeting. For STARTTLS, the upgrade
/// is done here too, so what comes back is ready for LOGIN. Each step gets `limit`.
pub(crate) async fn open(
    host: &str,
    port: u16,
    mode: TlsMode,
    ca_file: Option<&Path>,
    limit: Duration,
) -> Result<MailStream, ImapError> {
    // The TLS setup is checked before any network traffic, so a bad CA file is reported as such
    // and not hidden behind whatever the network does.
    let connector = match mode {
        TlsMode::None => None,
        TlsMode::Implicit | TlsMode::Starttls => Some(tls_connector(ca_file)?),
    };
    let mut tcp = timeout(limit, TcpStream::connect((host, port)))
        .await
        .map_err(|_| ImapError::Timeout("connect"))?
        .map_err(|error| ImapError::Connect(format!("{host}:{port}: {error}")))?;
    // Commands are small and each waits for its answer: Nagle would only add latency.
    let _ = tcp.set_nodelay(true);

    let Some(connector) = connector else {
        greeting(&mut tcp, limit).await?;
        return Ok(MailStream::Plain(tcp));
    };
    if mode == TlsMode::Starttls {
        greeting(&mut tcp, limit).await?;
        starttls(&mut tcp, limit).await?;
        // RFC 3501 §6.2.1: no second greeting after the upgrade; LOGIN comes next.
        Ok(MailStream::Tls(Box::new(handshake(&connector, host, tcp, limit).await?)))
    } else {
        let mut tls = handshake(&connector, host, tcp, limit).await?;
        greeting(&mut tls, limit).await?;
        Ok(MailStream::Tls(Box::new(tls)))
    }
}

/// TLS client setup trusting the built-in web roots plus the certificates of `ca_file`.
fn tls_connector(ca_file: Option<&Path>) -> Result<TlsConnector, ImapError> {
    let mut roots = RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    if let Some(path) = ca_file {
        let shown = path.display();
        let pem =
            std::fs::read(path).map_err(|error| ImapError::Tls(format!("cannot read ca_file {shown}: {error}")))?;
        let mut found = 0;
        for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
            let cert = cert.map_err(|error| ImapError::Tls(format!("ca_file {shown} is not valid PEM: {error}")))?;
            roots.add(cert).map_err(|error| ImapError::Tls(format!("ca_file {shown}: bad certificate: {error}")))?;
            found += 1;
        }
        if found == 0 {
            return Err(ImapError::Tls(format!("ca_file {shown} holds no PEM certificate (BEGIN CERTIFICATE)")));
        }
    }
    // ring, as the whole workspace uses (aws-lc needs cmake); named here, not taken from the
    // process default, which is ambiguous when another crate enables a second provider.
    #[expect(deprecated, reason = "ring has no post-quantum key exchange; the workspace takes that over a cmake build")]
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| ImapError::Tls(error.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(TlsConnector::from(Arc::new(config)))
}

async fn handshake(
    connector: &TlsConnector,
    host: &str,
    tcp: TcpStream,
    limit: Duration,
) -> Result<TlsStream<TcpStream>, ImapError> {
    let name = ServerName::try_from(host.to_owned())
        .map_err(|error| ImapError::Tls(format!("{host} is not a valid server name: {error}")))?;
    timeout(limit, connector.connect(name, tcp))
        .await
        .map_err(|_| ImapError::Timeout("TLS handshake"))?
        .map_err(|error| ImapError::Tls(format!("handshake with {host}: {error}")))
}

/// Reads the greeting: `* OK` goes on, `* BYE` is a refusal. `* PREAUTH` (a session logged in
/// by the transport) is not something a support mailbox is reached through, so it is refused.
async fn greeting<S: AsyncRead + AsyncWrite + Unpin>(stream: &mut S, limit: Duration) -> Result<(), ImapError> {
    let line = timeout(limit, read_line(stream)).await.map_err(|_| ImapError::Timeout("greeting"))??;
    let upper = line.to_ascii_uppercase();
    if upper.starts_with("* OK") {
        tracing::debug!(greeting = %line, "imap greeting");
        Ok(())
    } else if upper.starts_with("* BYE") {
        Err(ImapError::Connect(format!("the server said: {line}")))
    } else {
        Err(ImapError::Protocol(format!("unexpected greeting: {line}")))
    }
}

/// `CAPABILITY` then `STARTTLS` on the plaintext connection, refusing a server that does not
/// offer it (falling back to plaintext would send the password in the clear).
async fn starttls(tcp: &mut TcpStream, limit: Duration) -> Result<(), ImapError> {
    let exchange = async {
        let (lines, done) = command(tcp, "S1", "CAPABILITY").await?;
        if !done.to_ascii_uppercase().starts_with("S1 OK") {
            return Err(ImapError::Protocol(format!("CAPABILITY failed: {done}")));
        }
        let offered = lines
            .iter()
            .filter(|line| line.to_ascii_uppercase().starts_with("* CAPABILITY "))
            .flat_map(|line| line.split_ascii_whitespace())
            .any(|word| word.eq_ignore_ascii_case("STARTTLS"));
        if !offered {
            return Err(ImapError::Tls("the server does not offer STARTTLS".into()));
        }
        let (_, done) = command(tcp, "S2", "STARTTLS").await?;
        if !done.to_ascii_uppercase().starts_with("S2 OK") {
            return Err(ImapError::Tls(format!("the server refused STARTTLS: {done}")));
        }
        Ok(())
    };
    timeout(limit, exchange).await.map_err(|_| ImapError::Timeout("STARTTLS"))?
}

/// Sends `tag command`, returns the untagged lines and the tagged completion line.
async fn command(tcp: &mut TcpStream, tag: &str, command: &str) -> Result<(Vec<String>, String), ImapError> {
    tcp.write_all(format!("{tag} {command}\r\n").as_bytes())
        .await
        .map_err(|error| ImapError::Closed(format!("{command}: {error}")))?;
    let mut lines = Vec::new();
    loop {
        let line = read_line(tcp).await?;
        if line.strip_prefix(tag).is_some_and(|rest| rest.starts_with(' ')) {
            return Ok((lines, line));
        }
        lines.push(line);
    }
}

/// One CRLF-terminated line, without the CRLF. Read a byte at a time: nothing past the line
/// may be consumed, because after STARTTLS's answer the next bytes belong to the TLS handshake
/// (and bytes a server sent early must not be taken as if they came over TLS).
async fn read_line<S: AsyncRead + Unpin>(stream: &mut S) -> Result<String, ImapError> {
    let mut line = Vec::new();
    loop {
        let byte = match stream.read_u8().await {
            Ok(byte) => byte,
            Err(error) if error.kind() == io::ErrorKind::UnexpectedEof => {
                return Err(ImapError::Closed("the server closed the connection before login".into()));
            }
            Err(error) => return Err(ImapError::Closed(error.to_string())),
        };
        if byte == b'\n' {
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            return Ok(String::from_utf8_lossy(&line).into_owned());
        }
        if line.len() == MAX_LINE {
            return Err(ImapError::Protocol(format!("a line longer than {MAX_LINE} bytes before login")));
        }
        line.push(byte);
    }
}

impl AsyncRead for MailStream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MailStream::Plain(tcp) => Pin::new(tcp).poll_read(cx, buf),
            MailStream::Tls(tls) => Pin::new(tls.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for MailStream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            MailStream::Plain(tcp) => Pin::new(tcp).poll_write(cx, buf),
            MailStream::Tls(tls) => Pin::new(tls.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MailStream::Plain(tcp) => Pin::new(tcp).poll_flush(cx),
            MailStream::Tls(tls) => Pin::new(tls.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MailStream::Plain(tcp) => Pin::new(tcp).poll_shutdown(cx),
            MailStream::Tls(tls) => Pin::new(tls.as_mut()).poll_shutdown(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::*;

    fn temp_file(contents: &[u8]) -> std::path::PathBuf {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("switchboard-imap-ca-{}-{n}.pem", std::process::id()));
        std::fs::File::create(&path).unwrap().write_all(contents).unwrap();
        path
    }

    fn tls_error(ca_file: Option<&Path>) -> String {
        match tls_connector(ca_file) {
            Err(ImapError::Tls(message)) => message,
            Err(other) => panic!("not a TLS error: {other:?}"),
            Ok(_) => panic!("accepted"),
        }
    }

    #[test]
    fn web_roots_alone_are_enough() {
        assert!(tls_connector(None).is_ok());
    }

    #[test]
    fn a_ca_file_that_is_not_pem_is_named_in_the_error() {
        let path = temp_file(b"this is not a certificate\n");
        let message = tls_error(Some(&path));
        std::fs::remove_file(&path).unwrap();
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(message.contains("no PEM certificate"), "{message}");
    }

    #[test]
    fn a_ca_file_with_a_broken_certificate_is_refused() {
        let path = temp_file(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        let message = tls_error(Some(&path));
        std::fs::remove_file(&path).unwrap();
        assert!(message.contains("bad certificate"), "{message}");
    }

    #[test]
    fn a_missing_ca_file_says_it_cannot_be_read() {
        let message = tls_error(Some(Path::new("/nonexistent/ca.pem")));
        assert!(message.contains("cannot read ca_file /nonexistent/ca.pem"), "{message}");
    }
}
