//! The cutting proxy, against a small echo server.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use switchboard_mailservers::CutProxy;

/// Echoes every line back, on a thread per connection; returns its port.
fn echo_server() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            thread::spawn(move || {
                let mut writer = stream.try_clone().unwrap();
                for line in BufReader::new(stream).lines() {
                    let Ok(line) = line else { return };
                    if writer.write_all(format!("{line}\n").as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

fn connect(port: u16) -> (TcpStream, BufReader<TcpStream>) {
    let stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let reader = BufReader::new(stream.try_clone().unwrap());
    (stream, reader)
}

fn echo(stream: &mut TcpStream, reader: &mut BufReader<TcpStream>, text: &str) -> String {
    stream.write_all(format!("{text}\n").as_bytes()).unwrap();
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    line
}

#[test]
fn forwards_and_cut_drops_every_connection() {
    let proxy = CutProxy::start(echo_server()).unwrap();
    let (mut first, mut first_reader) = connect(proxy.port());
    let (mut second, mut second_reader) = connect(proxy.port());
    assert_eq!(echo(&mut first, &mut first_reader, "one"), "one\n");
    assert_eq!(echo(&mut second, &mut second_reader, "two"), "two\n");
    assert_eq!(proxy.open_connections(), 2);

    proxy.cut();
    let mut rest = Vec::new();
    assert_eq!(first_reader.read_to_end(&mut rest).unwrap_or(0), 0);
    assert_eq!(second_reader.read_to_end(&mut rest).unwrap_or(0), 0);

    let (mut third, mut third_reader) = connect(proxy.port());
    assert_eq!(echo(&mut third, &mut third_reader, "three"), "three\n");
    assert_eq!(proxy.accepted(), 3);
}

#[test]
fn cut_after_bytes_stops_a_response_in_the_middle() {
    let proxy = CutProxy::start(echo_server()).unwrap();
    let (mut stream, mut reader) = connect(proxy.port());
    assert_eq!(echo(&mut stream, &mut reader, "before arming"), "before arming\n");

    proxy.cut_after_bytes(10);
    stream.write_all(format!("{}\n", "y".repeat(100)).as_bytes()).unwrap();
    let mut received = Vec::new();
    let _ = reader.read_to_end(&mut received);
    assert_eq!(received, b"y".repeat(10));

    // Once only: a new connection gets whole answers.
    let (mut stream, mut reader) = connect(proxy.port());
    let long = "z".repeat(100);
    assert_eq!(echo(&mut stream, &mut reader, &long), format!("{long}\n"));
}
