//! The simplest IMAP client that does the job, over a plain blocking socket: log in, append a
//! whole corpus in one MULTIAPPEND, and `UID FETCH 1:* (BODY.PEEK[])` counting what comes back
//! without keeping or parsing it, so the raw rate measures the server, not a client.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::time::{Duration, Instant};

/// Long enough for Dovecot to store or send a mailbox of hundreds of MB.
const READ_TIMEOUT: Duration = Duration::from_secs(300);
/// The socket read buffer: big reads, so the client costs next to nothing per byte.
const READ_BUFFER: usize = 256 * 1024;

pub struct Raw {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    next_tag: u32,
}

/// What one `UID FETCH 1:* (BODY.PEEK[])` brought.
pub struct Fetched {
    pub mails: usize,
    /// Bytes of the message literals only, as the server sends them.
    pub body_bytes: u64,
    /// Everything read from the socket for the command.
    pub wire_bytes: u64,
    pub seconds: f64,
}

/// What one command's response held, besides its completion.
struct Response {
    literals: usize,
    literal_bytes: u64,
    wire_bytes: u64,
}

impl Raw {
    pub fn login(port: u16, username: &str, password: &str) -> io::Result<Raw> {
        let stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port))?;
        stream.set_read_timeout(Some(READ_TIMEOUT))?;
        stream.set_nodelay(true)?;
        let mut raw =
            Raw { reader: BufReader::with_capacity(READ_BUFFER, stream.try_clone()?), writer: stream, next_tag: 1 };
        let mut greeting = Vec::new();
        raw.reader.read_until(b'\n', &mut greeting)?;
        if !greeting.starts_with(b"* OK") {
            return Err(io::Error::other(format!("IMAP greeting: {}", String::from_utf8_lossy(&greeting))));
        }
        raw.command(format!("LOGIN {} {}", quote(username), quote(password)).as_bytes(), "LOGIN")?;
        Ok(raw)
    }

    /// Appends every mail to `folder` in one command with non-synchronizing literals
    /// (LITERAL+): Dovecot stores them in one transaction, so none is visible to another
    /// session before the tagged OK and all are right after it.
    pub fn append_all(&mut self, folder: &str, mails: &[Vec<u8>]) -> io::Result<()> {
        let mut command = format!("APPEND {}", quote(folder)).into_bytes();
        for mail in mails {
            command.extend_from_slice(format!(" {{{}+}}\r\n", mail.len()).as_bytes());
            command.extend_from_slice(mail);
        }
        self.command(&command, "APPEND").map(drop)
    }

    /// Opens `folder` read-only: nothing this connection does changes a flag.
    pub fn examine(&mut self, folder: &str) -> io::Result<()> {
        self.command(format!("EXAMINE {}", quote(folder)).as_bytes(), "EXAMINE").map(drop)
    }

    /// Fetches every mail of the examined folder, timed from the command's first byte sent to
    /// its tagged OK read.
    pub fn fetch_all(&mut self) -> io::Result<Fetched> {
        let started = Instant::now();
        let response = self.command(b"UID FETCH 1:* (BODY.PEEK[])", "UID FETCH")?;
        Ok(Fetched {
            mails: response.literals,
            body_bytes: response.literal_bytes,
            wire_bytes: response.wire_bytes,
            seconds: started.elapsed().as_secs_f64(),
        })
    }

    pub fn logout(mut self) -> io::Result<()> {
        self.command(b"LOGOUT", "LOGOUT").map(drop)
    }

    /// Sends one command and reads to its tagged completion, skipping over literals; a `NO`
    /// or `BAD` is an error.
    fn command(&mut self, command: &[u8], label: &str) -> io::Result<Response> {
        let tag = format!("b{}", self.next_tag);
        self.next_tag += 1;
        let mut line = Vec::with_capacity(tag.len() + command.len() + 3);
        line.extend_from_slice(tag.as_bytes());
        line.push(b' ');
        line.extend_from_slice(command);
        line.extend_from_slice(b"\r\n");
        self.writer.write_all(&line)?;

        let mut response = Response { literals: 0, literal_bytes: 0, wire_bytes: 0 };
        let mut line = Vec::new();
        loop {
            line.clear();
            let read = self.reader.read_until(b'\n', &mut line)?;
            if read == 0 {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, format!("IMAP {label}: connection closed")));
            }
            response.wire_bytes += read as u64;
            if let Some(size) = literal_size(&line) {
                // `* 12 FETCH (UID 12 BODY[] {3456}`: the mail follows, then the line goes on.
                let skipped = io::copy(&mut (&mut self.reader).take(size), &mut io::sink())?;
                if skipped < size {
                    return Err(io::Error::new(io::ErrorKind::UnexpectedEof, format!("IMAP {label}: short literal")));
                }
                response.literals += 1;
                response.literal_bytes += size;
                response.wire_bytes += size;
                continue;
            }
            let Some(completion) = line.strip_prefix(tag.as_bytes()).and_then(|rest| rest.strip_prefix(b" ")) else {
                continue;
            };
            if !completion.starts_with(b"OK") {
                return Err(io::Error::other(format!("IMAP {label}: {}", String::from_utf8_lossy(completion).trim())));
            }
            return Ok(response);
        }
    }
}

/// The size of a literal announced at the end of a line: `{123}`.
fn literal_size(line: &[u8]) -> Option<u64> {
    let line = line.strip_suffix(b"\r\n").or_else(|| line.strip_suffix(b"\n"))?;
    let inner = line.strip_suffix(b"}")?;
    let open = inner.iter().rposition(|&b| b == b'{')?;
    std::str::from_utf8(&inner[open + 1..]).ok()?.parse().ok()
}

/// An IMAP quoted string (the folder and credentials here are ASCII).
fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}
