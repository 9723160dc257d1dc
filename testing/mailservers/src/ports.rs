//! Free loopback ports and waiting for a server to answer on one.

use std::io;
use std::net::{Ipv4Addr, TcpListener};
use std::thread;
use std::time::{Duration, Instant};

/// A loopback port nobody listens on right now.
///
/// The listener is dropped before the port is handed to a server, so another process can take it
/// in between: the servers here retry their start on a fresh port when that happens.
pub fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?.local_addr()?.port())
}

/// Polls `probe` every few milliseconds until it yields a value, fails, or `timeout` passes.
pub(crate) fn poll<T>(timeout: Duration, mut probe: impl FnMut() -> io::Result<Option<T>>) -> io::Result<Option<T>> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = probe()? {
            return Ok(Some(value));
        }
        if Instant::now() >= deadline {
            return Ok(None);
        }
        thread::sleep(Duration::from_millis(10));
    }
}
