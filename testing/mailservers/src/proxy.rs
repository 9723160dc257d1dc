//! A TCP proxy on a loopback port that can drop its connections on demand, for fault tests.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};

/// Forwards every connection on its own port to a target port, until told to cut.
///
/// Cuts close both sides (the client sees end of stream, as when a server or a middlebox drops
/// the connection); connections made after a cut are forwarded normally.
#[derive(Debug)]
pub struct CutProxy {
    port: u16,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

#[derive(Debug)]
struct Shared {
    target: SocketAddr,
    stopping: AtomicBool,
    next_id: AtomicU64,
    accepted: AtomicUsize,
    connections: Mutex<HashMap<u64, Connection>>,
    /// Server→client bytes still allowed before the connection carrying them is cut.
    cut_budget: Mutex<Option<u64>>,
}

#[derive(Debug)]
struct Connection {
    client: TcpStream,
    server: TcpStream,
}

impl Connection {
    fn cut(&self) {
        let _ = self.client.shutdown(Shutdown::Both);
        let _ = self.server.shutdown(Shutdown::Both);
    }
}

impl CutProxy {
    /// Starts forwarding a free loopback port to `127.0.0.1:target_port`.
    pub fn start(target_port: u16) -> io::Result<CutProxy> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let port = listener.local_addr()?.port();
        let shared = Arc::new(Shared {
            target: SocketAddr::from((Ipv4Addr::LOCALHOST, target_port)),
            stopping: AtomicBool::new(false),
            next_id: AtomicU64::new(0),
            accepted: AtomicUsize::new(0),
            connections: Mutex::new(HashMap::new()),
            cut_budget: Mutex::new(None),
        });
        let acceptor = {
            let shared = Arc::clone(&shared);
            thread::Builder::new().name("cut-proxy".into()).spawn(move || accept(&listener, &shared))?
        };
        Ok(CutProxy { port, shared, acceptor: Some(acceptor) })
    }

    /// The port clients connect to instead of the target's.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Drops every connection open now, at once.
    pub fn cut(&self) {
        let connections = std::mem::take(&mut *lock(&self.shared.connections));
        for connection in connections.values() {
            connection.cut();
        }
    }

    /// From now on, lets `bytes` more bytes flow from server to client (over all connections),
    /// then cuts the connection carrying the next one, mid-response; once only. So a test logs
    /// in, selects, arms this, and sends a FETCH whose answer is longer than `bytes`.
    pub fn cut_after_bytes(&self, bytes: u64) {
        *lock(&self.shared.cut_budget) = Some(bytes);
    }

    /// Connections open now.
    pub fn open_connections(&self) -> usize {
        lock(&self.shared.connections).len()
    }

    /// Connections accepted since the start.
    pub fn accepted(&self) -> usize {
        self.shared.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for CutProxy {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        // Wakes the acceptor blocked in accept(), which then sees the flag.
        let _ = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        self.cut();
    }
}

fn accept(listener: &TcpListener, shared: &Arc<Shared>) {
    for client in listener.incoming() {
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        let Ok(client) = client else { continue };
        // A target that refuses shows to the client as a connection closed at once.
        let Ok(server) = TcpStream::connect(shared.target) else { continue };
        shared.accepted.fetch_add(1, Ordering::SeqCst);
        if let Err(error) = forward(client, server, shared) {
            eprintln!("cut-proxy: cannot forward a connection: {error}");
        }
    }
}

/// Registers the connection and starts one thread per direction.
fn forward(client: TcpStream, server: TcpStream, shared: &Arc<Shared>) -> io::Result<()> {
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let id = shared.next_id.fetch_add(1, Ordering::SeqCst);
    let connection = Connection { client: client.try_clone()?, server: server.try_clone()? };
    lock(&shared.connections).insert(id, connection);

    let upstream = (client.try_clone()?, server.try_clone()?);
    thread::Builder::new().name("cut-proxy-up".into()).spawn(move || {
        let (mut from_client, mut to_server) = upstream;
        let _ = io::copy(&mut from_client, &mut to_server);
        // The client is done sending; the server may still answer.
        let _ = to_server.shutdown(Shutdown::Write);
    })?;
    let shared = Arc::clone(shared);
    thread::Builder::new().name("cut-proxy-down".into()).spawn(move || {
        let (mut from_server, mut to_client) = (server, client);
        copy_down(&mut from_server, &mut to_client, &shared);
        if let Some(connection) = lock(&shared.connections).remove(&id) {
            connection.cut();
        }
    })?;
    Ok(())
}

/// Copies server→client until either side ends, honouring an armed `cut_after_bytes`.
fn copy_down(from_server: &mut TcpStream, to_client: &mut TcpStream, shared: &Shared) {
    let mut buffer = [0; 16 * 1024];
    loop {
        let read = match from_server.read(&mut buffer) {
            Ok(0) | Err(_) => return,
            Ok(read) => read,
        };
        let allowed = {
            let mut budget = lock(&shared.cut_budget);
            match *budget {
                Some(left) if left < read as u64 => {
                    *budget = None;
                    Some(left as usize)
                }
                Some(left) => {
                    *budget = Some(left - read as u64);
                    None
                }
                None => None,
            }
        };
        match allowed {
            Some(last) => {
                let _ = to_client.write_all(&buffer[..last]);
                return;
            }
            None => {
                if to_client.write_all(&buffer[..read]).is_err() {
                    return;
                }
            }
        }
    }
}

/// A panicking pump thread must not take the proxy down with it; the data is just a map.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
