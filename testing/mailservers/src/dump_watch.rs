//! The order in which smtp-sink finishes its dump files, learnt from inotify.
//!
//! smtp-sink names each dump with a random suffix, and file times are too coarse (one clock
//! tick) to order two mails sent back to back. The kernel reports each close of a file written
//! in the directory in order, and smtp-sink closes a dump when the message is complete, so the
//! close events give both the arrival order and which dumps are whole.

use std::ffi::OsStr;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};

/// How often the watcher looks at the stop flag while no file closes.
const POLL_MS: libc::c_int = 100;

/// Watches one directory for files closed after writing, on a thread of its own (so the kernel's
/// event queue never overflows, whatever a benchmark sends).
#[derive(Debug)]
pub(crate) struct DumpWatch {
    dir: PathBuf,
    closed: Arc<Mutex<Vec<PathBuf>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl DumpWatch {
    pub(crate) fn start(dir: &Path) -> io::Result<DumpWatch> {
        // SAFETY: plain syscalls; the fd is owned right away.
        let inotify = unsafe {
            let fd = libc::inotify_init1(libc::IN_CLOEXEC | libc::IN_NONBLOCK);
            if fd < 0 {
                return Err(io::Error::last_os_error());
            }
            OwnedFd::from_raw_fd(fd)
        };
        let path = std::ffi::CString::new(dir.as_os_str().as_bytes())?;
        // SAFETY: valid fd and NUL-terminated path.
        if unsafe { libc::inotify_add_watch(inotify.as_raw_fd(), path.as_ptr(), libc::IN_CLOSE_WRITE) } < 0 {
            return Err(io::Error::last_os_error());
        }
        let closed = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (closed, stop, dir) = (Arc::clone(&closed), Arc::clone(&stop), dir.to_owned());
            thread::Builder::new()
                .name("smtp-sink-dumps".into())
                .spawn(move || watch(&inotify, &dir, &closed, &stop))?
        };
        Ok(DumpWatch { dir: dir.to_owned(), closed, stop, thread: Some(thread) })
    }

    /// The dump files closed so far, in the order they were closed.
    pub(crate) fn closed(&self) -> Vec<PathBuf> {
        self.closed.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for DumpWatch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn watch(inotify: &OwnedFd, dir: &Path, closed: &Mutex<Vec<PathBuf>>, stop: &AtomicBool) {
    let mut buffer = vec![0u8; 64 * 1024];
    while !stop.load(Ordering::SeqCst) {
        let mut ready = libc::pollfd { fd: inotify.as_raw_fd(), events: libc::POLLIN, revents: 0 };
        // SAFETY: one valid pollfd.
        if unsafe { libc::poll(&mut ready, 1, POLL_MS) } <= 0 {
            continue;
        }
        // SAFETY: reads into our own buffer, within its length.
        let read = unsafe { libc::read(inotify.as_raw_fd(), buffer.as_mut_ptr().cast(), buffer.len()) };
        let Ok(read) = usize::try_from(read) else { continue };
        let names = event_names(&buffer[..read]);
        closed.lock().unwrap_or_else(PoisonError::into_inner).extend(names.into_iter().map(|name| dir.join(name)));
    }
}

/// The file names in a run of `struct inotify_event` records: wd, mask, cookie, len (4 bytes
/// each), then `len` bytes of NUL-padded name.
fn event_names(mut events: &[u8]) -> Vec<std::ffi::OsString> {
    const HEADER: usize = 16;
    let mut names = Vec::new();
    while events.len() >= HEADER {
        let len = u32::from_ne_bytes(events[12..16].try_into().expect("four bytes")) as usize;
        let Some(name) = events.get(HEADER..HEADER + len) else { break };
        let name = name.split(|&byte| byte == 0).next().unwrap_or_default();
        if !name.is_empty() {
            names.push(OsStr::from_bytes(name).to_owned());
        }
        events = &events[HEADER + len..];
    }
    names
}

#[cfg(test)]
mod tests {
    use std::os::unix::ffi::OsStringExt;

    use super::*;

    #[test]
    fn records_are_split_into_names() {
        let mut events = Vec::new();
        for name in ["message.1a", "message.2b"] {
            events.extend_from_slice(&1i32.to_ne_bytes());
            events.extend_from_slice(&libc::IN_CLOSE_WRITE.to_ne_bytes());
            events.extend_from_slice(&0u32.to_ne_bytes());
            events.extend_from_slice(&16u32.to_ne_bytes());
            let mut padded = name.as_bytes().to_vec();
            padded.resize(16, 0);
            events.extend_from_slice(&padded);
        }
        let names: Vec<String> =
            event_names(&events).into_iter().map(|name| String::from_utf8(name.into_vec()).unwrap()).collect();
        assert_eq!(names, ["message.1a", "message.2b"]);
    }
}
