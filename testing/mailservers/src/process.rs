//! Child server processes that cannot outlive the test process.

use std::io;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// How long a server gets to shut down cleanly on SIGTERM before its whole group is killed.
const GRACE: Duration = Duration::from_secs(5);

/// A running server, terminated (with everything it forked) when dropped.
#[derive(Debug)]
pub(crate) struct ServerProcess {
    child: Child,
}

impl ServerProcess {
    /// Spawns `command` in a process group of its own, so stopping it also reaches its children.
    pub(crate) fn spawn(mut command: Command) -> io::Result<ServerProcess> {
        command.process_group(0);
        set_parent_death_signal(&mut command);
        Ok(ServerProcess { child: spawn_from_lasting_thread(command)? })
    }

    /// The exit status if the server has already ended (a failed start, usually).
    pub(crate) fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// SIGTERM, then SIGKILL to the whole group after the grace period; returns once it is gone.
    pub(crate) fn stop(&mut self) {
        let group = self.child.id() as libc::pid_t;
        if self.exited().is_none() {
            // SAFETY: plain signal sends to the group we created; failures (already gone) are harmless.
            unsafe { libc::kill(group, libc::SIGTERM) };
            let deadline = Instant::now() + GRACE;
            // Dovecot takes about a second: its master waits for its workers.
            while self.exited().is_none() && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(5));
            }
        }
        // Also kills anything the server forked and left behind (Dovecot's workers). A group id
        // stays reserved while any member lives, and once none is left no group has this id (a
        // process reusing the pid sits in its parent's group), so this cannot hit a stranger.
        // SAFETY: as above.
        unsafe { libc::killpg(group, libc::SIGKILL) };
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Asks Linux to send SIGTERM to the server when the thread that spawned it ends, so a test
/// binary that is killed (or a server kept in a static, which is never dropped) leaves nothing
/// running behind.
#[cfg(target_os = "linux")]
fn set_parent_death_signal(command: &mut Command) {
    // SAFETY: prctl is async-signal-safe, as a pre_exec hook must be.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) == -1 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn set_parent_death_signal(_command: &mut Command) {}

type SpawnJob = (Command, mpsc::Sender<io::Result<Child>>);

/// The parent-death signal fires when the spawning *thread* ends, and every test runs on a thread
/// of its own that ends with the test. So every server is spawned from one thread that lives as
/// long as the process.
fn spawn_from_lasting_thread(command: Command) -> io::Result<Child> {
    static SPAWNER: OnceLock<mpsc::Sender<SpawnJob>> = OnceLock::new();
    let spawner = SPAWNER.get_or_init(|| {
        let (jobs, queue) = mpsc::channel::<SpawnJob>();
        thread::Builder::new()
            .name("mailservers-spawner".into())
            .spawn(move || {
                for (mut command, reply) in queue {
                    let _ = reply.send(command.spawn());
                }
            })
            .expect("cannot start the thread that spawns the mail servers");
        jobs
    });
    let (reply, answer) = mpsc::channel();
    spawner.send((command, reply)).map_err(|_| io::Error::other("the spawner thread is gone"))?;
    answer.recv().map_err(|_| io::Error::other("the spawner thread is gone"))?
}
