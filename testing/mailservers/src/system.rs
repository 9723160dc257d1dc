//! What the machine provides: installed binaries, system users, and whether we are root.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

/// Debian puts daemons in sbin, which is not on every user's PATH, so those are searched too.
const EXTRA_DIRS: [&str; 4] = ["/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/bin"];

/// The full path of an installed program, searched on PATH and in the sbin directories.
pub(crate) fn find_binary(name: &str) -> Option<PathBuf> {
    let path = env::var_os("PATH").unwrap_or_default();
    env::split_paths(&path)
        .chain(EXTRA_DIRS.iter().map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

/// A system account, as the servers need its ids to own files they write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SystemUser {
    pub(crate) name: String,
    pub(crate) uid: u32,
    pub(crate) gid: u32,
}

/// Looks the account up in /etc/passwd (the packages create their users there; no NSS needed).
pub(crate) fn system_user(name: &str) -> Option<SystemUser> {
    let passwd = fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        match fields.as_slice() {
            [user, _, uid, gid, ..] if *user == name => {
                Some(SystemUser { name: name.to_owned(), uid: uid.parse().ok()?, gid: gid.parse().ok()? })
            }
            _ => None,
        }
    })
}

pub(crate) fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Tells a developer why a server-backed test does nothing, instead of failing on a missing tool.
pub(crate) fn skip_note(what: &str, why: &str) {
    eprintln!("switchboard-mailservers: {what} unavailable ({why}); the tests that need it are skipped");
}
