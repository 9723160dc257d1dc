//! The private smtp-sink: messages come back as sent, with their envelope; 4xx and 5xx modes.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::time::Duration;

use switchboard_mailservers::{SinkMode, SmtpSink, SmtpStage};

/// A hand-written SMTP dialogue; returns the first reply that is not a success, if any.
fn send(port: u16, from: &str, to: &[&str], message: &[u8]) -> io::Result<Option<String>> {
    let stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    let mut reply = || -> io::Result<String> {
        let mut line = String::new();
        loop {
            line.clear();
            reader.read_line(&mut line)?;
            // Multi-line replies continue with "250-".
            if line.as_bytes().get(3) != Some(&b'-') {
                return Ok(line.trim_end().to_owned());
            }
        }
    };
    let greeting = reply()?;
    assert!(greeting.starts_with("220"), "{greeting}");
    let mut commands = vec!["EHLO client.example.org".to_owned(), format!("MAIL FROM:<{from}>")];
    commands.extend(to.iter().map(|rcpt| format!("RCPT TO:<{rcpt}>")));
    commands.push("DATA".to_owned());
    for command in commands {
        writer.write_all(format!("{command}\r\n").as_bytes())?;
        let answer = reply()?;
        if !(answer.starts_with('2') || answer.starts_with("354")) {
            return Ok(Some(answer));
        }
    }
    // Dot-stuffing: a line starting with "." gets another.
    let mut data = Vec::new();
    for line in message.split_inclusive(|&byte| byte == b'\n') {
        if line.starts_with(b".") {
            data.push(b'.');
        }
        data.extend_from_slice(line);
    }
    data.extend_from_slice(b".\r\n");
    writer.write_all(&data)?;
    let answer = reply()?;
    writer.write_all(b"QUIT\r\n")?;
    Ok((!answer.starts_with('2')).then_some(answer))
}

const MESSAGE: &[u8] = b"From: Support <support@example.com>\r\nTo: customer@example.org\r\n\
    Subject: Re: Your question\r\nX-Client-Addr: a header of the message's own, kept\r\n\r\n\
    Hello,\r\n.a line starting with a dot\r\n\r\nBye\r\n";

#[test]
fn a_sent_message_comes_back_as_sent_with_its_envelope() {
    let Some(sink) = SmtpSink::start(SinkMode::Accept).unwrap() else { return };
    let refused = send(sink.port(), "support@example.com", &["customer@example.org", "cc@example.org"], MESSAGE);
    assert_eq!(refused.unwrap(), None);
    let long_line = format!("Subject: long\r\n\r\n{}\r\n", "x".repeat(5000));
    assert_eq!(send(sink.port(), "", &["customer@example.org"], long_line.as_bytes()).unwrap(), None);

    let received = sink.wait_for_received(2, Duration::from_secs(10));
    assert_eq!(received.len(), 2);
    assert_eq!(String::from_utf8_lossy(&received[0].raw), String::from_utf8_lossy(MESSAGE));
    assert_eq!(received[0].mail_from, "support@example.com");
    assert_eq!(received[0].rcpt_to, ["customer@example.org", "cc@example.org"]);
    assert_eq!(String::from_utf8_lossy(&received[1].raw), long_line);
    assert_eq!(received[1].mail_from, "");
    assert_eq!(sink.messages(), [MESSAGE.to_vec(), long_line.into_bytes()]);
}

#[test]
fn temporary_and_permanent_modes_refuse_and_keep_nothing() {
    let Some(mut sink) = SmtpSink::start(SinkMode::Temporary).unwrap() else { return };
    let port = sink.port();
    let refused = send(port, "support@example.com", &["customer@example.org"], MESSAGE).unwrap();
    assert!(refused.as_deref().is_some_and(|reply| reply.starts_with("450")), "{refused:?}");

    sink.set_mode(SinkMode::Permanent).unwrap();
    assert_eq!(sink.port(), port);
    let refused = send(port, "support@example.com", &["customer@example.org"], MESSAGE).unwrap();
    assert!(refused.as_deref().is_some_and(|reply| reply.starts_with("500")), "{refused:?}");

    sink.set_mode(SinkMode::TemporaryAt(SmtpStage::Rcpt)).unwrap();
    let refused = send(port, "support@example.com", &["customer@example.org"], MESSAGE).unwrap();
    assert!(refused.as_deref().is_some_and(|reply| reply.starts_with("450")), "{refused:?}");

    sink.set_mode(SinkMode::PermanentAt(SmtpStage::Data)).unwrap();
    let refused = send(port, "support@example.com", &["customer@example.org"], MESSAGE).unwrap();
    assert!(refused.as_deref().is_some_and(|reply| reply.starts_with("500")), "{refused:?}");
    assert!(sink.messages().is_empty());

    // A retry after the outage gets through, on the same port.
    sink.set_mode(SinkMode::Accept).unwrap();
    assert_eq!(send(port, "support@example.com", &["customer@example.org"], MESSAGE).unwrap(), None);
    assert_eq!(sink.wait_for(1, Duration::from_secs(10)), [MESSAGE.to_vec()]);
}

#[test]
fn drop_stops_the_sink() {
    let Some(sink) = SmtpSink::start(SinkMode::Accept).unwrap() else { return };
    let port = sink.port();
    drop(sink);
    assert!(TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err());
}
