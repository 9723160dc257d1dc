//! A tiny blocking IMAP client: just enough to fill, inspect and poke a test mailbox.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::time::Duration;

/// How long any single read may block, so a confused server fails a test instead of hanging it.
const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// MULTIAPPEND batch size: big enough to be fast, small enough that a failure names a region.
const APPEND_BATCH: usize = 500;
/// The socket read buffer: big reads, so that reading a whole mailbox costs the client next
/// to nothing per byte (the benchmark times the server with it).
const READ_BUFFER: usize = 256 * 1024;

/// What a command got back: the untagged lines (`* ...`) and the tagged completion line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub untagged: Vec<String>,
    /// The tagged line without its tag, e.g. `OK [APPENDUID 1700000000 3] Append completed`.
    pub completion: String,
}

/// What one [`ImapClient::fetch_all_bodies`] brought.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FetchedBodies {
    pub mails: usize,
    /// Bytes of the message literals only, as the server sent them.
    pub body_bytes: u64,
    /// Everything read from the socket for the command.
    pub wire_bytes: u64,
}

/// One IMAP connection. Lines are returned as text with CRLF stripped; a literal inside a line
/// (`{n}` + n bytes) is inlined, lossily decoded.
#[derive(Debug)]
pub struct ImapClient {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    greeting: String,
    next_tag: u32,
}

impl ImapClient {
    /// Connects to a loopback port and reads the `* OK` greeting.
    pub fn connect(port: u16) -> io::Result<ImapClient> {
        let stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port))?;
        stream.set_read_timeout(Some(READ_TIMEOUT))?;
        let mut client = ImapClient {
            reader: BufReader::with_capacity(READ_BUFFER, stream.try_clone()?),
            writer: stream,
            greeting: String::new(),
            next_tag: 1,
        };
        client.greeting = client.read_line()?;
        if !client.greeting.starts_with("* OK") {
            return Err(io::Error::other(format!("IMAP greeting: {}", client.greeting)));
        }
        Ok(client)
    }

    /// Connects and logs in.
    pub fn login(port: u16, username: &str, password: &str) -> io::Result<ImapClient> {
        let mut client = ImapClient::connect(port)?;
        client.command_labelled(&format!("LOGIN {} {}", quote(username), quote(password)), "LOGIN")?;
        Ok(client)
    }

    /// The server's greeting line, e.g. `* OK [CAPABILITY IMAP4rev1 ... IDLE ...] Dovecot ready.`
    pub fn greeting(&self) -> &str {
        &self.greeting
    }

    /// Sends one command and reads up to its tagged completion; a `NO` or `BAD` is an error.
    pub fn command(&mut self, command: &str) -> io::Result<Response> {
        self.command_labelled(command, command)
    }

    /// `command`, with `label` standing for it in errors (so a password never lands in a log).
    fn command_labelled(&mut self, command: &str, label: &str) -> io::Result<Response> {
        let tag = self.send_command(command.as_bytes())?;
        self.read_response(&tag, label)
    }

    /// The capabilities as listed after login (more than the greeting's).
    pub fn capabilities(&mut self) -> io::Result<Vec<String>> {
        let response = self.command("CAPABILITY")?;
        let line = response.untagged.iter().find_map(|line| line.strip_prefix("* CAPABILITY ")).unwrap_or_default();
        Ok(line.split_ascii_whitespace().map(str::to_owned).collect())
    }

    /// Creates the folder; one that already exists is fine.
    pub fn create(&mut self, folder: &str) -> io::Result<()> {
        match self.command(&format!("CREATE {}", quote(folder))) {
            Err(error) if error.to_string().contains("[ALREADYEXISTS]") => Ok(()),
            other => other.map(drop),
        }
    }

    /// Selects the folder read-write; returns the UIDVALIDITY.
    pub fn select(&mut self, folder: &str) -> io::Result<u32> {
        let response = self.command(&format!("SELECT {}", quote(folder)))?;
        response
            .untagged
            .iter()
            .find_map(|line| bracketed_number(line, "UIDVALIDITY"))
            .ok_or_else(|| io::Error::other(format!("SELECT {folder}: no UIDVALIDITY")))
    }

    /// APPEND with a synchronizing literal: sends `{n}`, waits for the `+` go-ahead, then the
    /// message. Returns the UID the server gave it (UIDPLUS).
    pub fn append(&mut self, folder: &str, raw: &[u8]) -> io::Result<u32> {
        let label = format!("APPEND {folder}");
        let tag = self.send_command(format!("APPEND {} {{{}}}", quote(folder), raw.len()).as_bytes())?;
        let go_ahead = self.read_line()?;
        if !go_ahead.starts_with('+') {
            return Err(io::Error::other(format!("{label}: {go_ahead}")));
        }
        self.writer.write_all(raw)?;
        self.writer.write_all(b"\r\n")?;
        let response = self.read_response(&tag, &label)?;
        appended_uid(&response.completion)
            .ok_or_else(|| io::Error::other(format!("{label}: no APPENDUID in {}", response.completion)))
    }

    /// Appends many messages, [`ImapClient::multiappend`] a batch at a time.
    pub fn append_many(&mut self, folder: &str, raws: &[Vec<u8>]) -> io::Result<()> {
        raws.chunks(APPEND_BATCH).try_for_each(|batch| self.multiappend(folder, batch))
    }

    /// Appends messages in one MULTIAPPEND with non-synchronizing literals (`{n+}`, LITERAL+):
    /// one round trip and one transaction, so no message is visible to another session before
    /// the tagged OK, and UIDs follow the order given.
    pub fn multiappend(&mut self, folder: &str, raws: &[Vec<u8>]) -> io::Result<()> {
        let mut command = format!("APPEND {}", quote(folder)).into_bytes();
        for raw in raws {
            command.extend_from_slice(format!(" {{{}+}}\r\n", raw.len()).as_bytes());
            command.extend_from_slice(raw);
        }
        let tag = self.send_command(&command)?;
        self.read_response(&tag, &format!("APPEND of {} messages to {folder}", raws.len()))?;
        Ok(())
    }

    /// Opens the folder read-only: nothing this connection does changes a flag.
    pub fn examine(&mut self, folder: &str) -> io::Result<()> {
        self.command(&format!("EXAMINE {}", quote(folder))).map(drop)
    }

    /// `UID FETCH 1:* (BODY.PEEK[])` of the examined or selected folder, counting what comes
    /// back without keeping or decoding it, so its time is the server's.
    pub fn fetch_all_bodies(&mut self) -> io::Result<FetchedBodies> {
        let tag = self.send_command(b"UID FETCH 1:* (BODY.PEEK[])")?;
        let mut fetched = FetchedBodies::default();
        let mut line = Vec::new();
        loop {
            line.clear();
            let read = self.reader.read_until(b'\n', &mut line)?;
            if read == 0 {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "IMAP UID FETCH: connection closed"));
            }
            fetched.wire_bytes += read as u64;
            let text = line.strip_suffix(b"\r\n").or_else(|| line.strip_suffix(b"\n")).unwrap_or(&line);
            if let Some(size) = literal_size(text) {
                // `* 12 FETCH (UID 12 BODY[] {3456}`: the mail follows, then the line goes on.
                let size = size as u64;
                if io::copy(&mut (&mut self.reader).take(size), &mut io::sink())? < size {
                    return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "IMAP UID FETCH: short literal"));
                }
                fetched.mails += 1;
                fetched.body_bytes += size;
                fetched.wire_bytes += size;
                continue;
            }
            let Some(completion) = text.strip_prefix(tag.as_bytes()).and_then(|rest| rest.strip_prefix(b" ")) else {
                continue;
            };
            if !completion.starts_with(b"OK") {
                return Err(io::Error::other(format!("IMAP UID FETCH: {}", String::from_utf8_lossy(completion))));
            }
            return Ok(fetched);
        }
    }

    /// UID and flags of every message in the selected folder, in UID order.
    pub fn uid_flags(&mut self) -> io::Result<Vec<(u32, Vec<String>)>> {
        let response = self.command("UID FETCH 1:* (UID FLAGS)")?;
        let mut messages: Vec<(u32, Vec<String>)> =
            response.untagged.iter().filter_map(|line| parse_fetch_flags(line)).collect();
        messages.sort_by_key(|(uid, _)| *uid);
        Ok(messages)
    }

    /// Ends the session politely.
    pub fn logout(mut self) -> io::Result<()> {
        self.command("LOGOUT").map(drop)
    }

    /// Writes one raw line (CRLF added), for dialogues the helpers do not cover, such as IDLE.
    pub fn send_line(&mut self, line: &str) -> io::Result<()> {
        self.writer.write_all(format!("{line}\r\n").as_bytes())
    }

    /// Reads one response line (CRLF stripped, literals inlined); an error at end of stream.
    pub fn read_line(&mut self) -> io::Result<String> {
        let mut line = Vec::new();
        loop {
            let start = line.len();
            if self.reader.read_until(b'\n', &mut line)? == 0 {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "IMAP server closed the connection"));
            }
            let chunk = &line[start..];
            let chunk = chunk.strip_suffix(b"\r\n").or_else(|| chunk.strip_suffix(b"\n")).unwrap_or(chunk);
            let Some(size) = literal_size(chunk) else {
                let end = start + chunk.len();
                line.truncate(end);
                return Ok(String::from_utf8_lossy(&line).into_owned());
            };
            // The literal follows the line that announced it; the line goes on after it.
            let end = start + chunk.len();
            line.truncate(end);
            let mut literal = vec![0; size];
            io::Read::read_exact(&mut self.reader, &mut literal)?;
            line.extend_from_slice(&literal);
        }
    }

    /// Sets how long a read may block (the default is 30 s).
    pub fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.writer.set_read_timeout(timeout)
    }

    fn send_command(&mut self, command: &[u8]) -> io::Result<String> {
        let tag = format!("t{}", self.next_tag);
        self.next_tag += 1;
        let mut line = Vec::with_capacity(tag.len() + command.len() + 3);
        line.extend_from_slice(tag.as_bytes());
        line.push(b' ');
        line.extend_from_slice(command);
        line.extend_from_slice(b"\r\n");
        self.writer.write_all(&line)?;
        Ok(tag)
    }

    fn read_response(&mut self, tag: &str, label: &str) -> io::Result<Response> {
        let mut untagged = Vec::new();
        loop {
            let line = self.read_line()?;
            let Some(completion) = line.strip_prefix(tag).and_then(|rest| rest.strip_prefix(' ')) else {
                untagged.push(line);
                continue;
            };
            if !completion.starts_with("OK") {
                return Err(io::Error::other(format!("IMAP {label}: {completion}")));
            }
            return Ok(Response { untagged, completion: completion.to_owned() });
        }
    }
}

/// An IMAP quoted string (folder names and credentials here are ASCII).
pub(crate) fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The size of a literal announced at the end of a line: `{123}` or `{123+}`.
fn literal_size(line: &[u8]) -> Option<usize> {
    let inner = line.strip_suffix(b"}")?;
    let open = inner.iter().rposition(|&byte| byte == b'{')?;
    let digits = &inner[open + 1..];
    let digits = digits.strip_suffix(b"+").unwrap_or(digits);
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// The number after `[NAME ` in a response code, e.g. `[UIDVALIDITY 1700000000]`.
fn bracketed_number(line: &str, name: &str) -> Option<u32> {
    let rest = line.split_once(&format!("[{name} "))?.1;
    rest.split([' ', ']']).next()?.parse().ok()
}

/// The UID in `[APPENDUID <uidvalidity> <uid>]`.
fn appended_uid(line: &str) -> Option<u32> {
    line.split_once("[APPENDUID ")?.1.split([' ', ']']).nth(1)?.parse().ok()
}

/// `* 3 FETCH (UID 7 FLAGS (\Seen \Recent))`, the items in either order.
fn parse_fetch_flags(line: &str) -> Option<(u32, Vec<String>)> {
    let items = line.strip_prefix("* ")?.split_once(" FETCH (")?.1;
    let uid = items.split_once("UID ")?.1.split([' ', ')']).next()?.parse().ok()?;
    let flags = items.split_once("FLAGS (")?.1.split_once(')')?.0;
    Some((uid, flags.split_ascii_whitespace().map(str::to_owned).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fetch_lines_parse_in_either_order() {
        assert_eq!(
            parse_fetch_flags(r"* 1 FETCH (UID 4 FLAGS (\Seen \Recent))"),
            Some((4, vec![r"\Seen".into(), r"\Recent".into()]))
        );
        assert_eq!(parse_fetch_flags(r"* 2 FETCH (FLAGS () UID 9)"), Some((9, vec![])));
        assert_eq!(parse_fetch_flags("* 2 EXISTS"), None);
    }

    #[test]
    fn literals_and_response_codes() {
        assert_eq!(literal_size(b"* 1 FETCH (BODY[] {42}"), Some(42));
        assert_eq!(literal_size(b"t1 APPEND \"x\" {7+}"), Some(7));
        assert_eq!(literal_size(b"* OK done"), None);
        assert_eq!(bracketed_number("* OK [UIDVALIDITY 1700] UIDs valid", "UIDVALIDITY"), Some(1700));
        assert_eq!(appended_uid("OK [APPENDUID 1700 3] Append completed"), Some(3));
        assert_eq!(quote(r#"a"b\c"#), r#""a\"b\\c""#);
    }
}
