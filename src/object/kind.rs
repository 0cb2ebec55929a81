//! The check every way of opening a map, program or link makes: that the
//! fd is the kind of object it is opened as.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::sys::{self, ObjectKind};

impl ObjectKind {
    /// What kind of object `fd` refers to, from the name of its inode in
    /// `/proc/self/fd`. Fails only when procfs cannot be read.
    pub fn of_fd(fd: impl AsFd) -> Result<ObjectKind> {
        Ok(ObjectKind::from_fd_target(&fd_target(fd.as_fd())?))
    }
}

/// Where an object being opened came from, to name it in an error.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Origin<'a> {
    /// An fd the caller handed over.
    Fd,
    /// A bpffs path.
    Path(&'a Path),
    /// A kernel id (of the kind being opened).
    Id(u32),
}

impl Origin<'_> {
    /// `fd 7`, the path, or `map id 7`.
    pub(crate) fn describe(self, fd: BorrowedFd<'_>, kind: ObjectKind) -> String {
        match self {
            Origin::Fd => format!("fd {}", fd.as_raw_fd()),
            Origin::Path(path) => path.display().to_string(),
            Origin::Id(id) => format!("{kind} id {id}"),
        }
    }
}

/// Fails with [`Error::WrongKind`], naming what `fd` really is, unless it
/// is an object of kind `expected`.
pub(crate) fn expect_kind(
    fd: BorrowedFd<'_>,
    expected: ObjectKind,
    origin: Origin<'_>,
) -> Result<()> {
    let target = fd_target(fd)?;
    let found = ObjectKind::from_fd_target(&target);
    if found == expected {
        return Ok(());
    }
    let mut what = origin.describe(fd, expected);
    if found == ObjectKind::Other && matches!(origin, Origin::Fd) {
        // Say what the fd is instead: a path, `socket:[..]`, `anon_inode:..`.
        what = format!("{what} ({})", target.display());
    }
    Err(Error::WrongKind { what, expected, found })
}

fn fd_target(fd: BorrowedFd<'_>) -> Result<PathBuf> {
    sys::fdinfo::target(fd).map_err(|source| {
        let n = fd.as_raw_fd();
        Error::Io {
            what: format!(
                "telling what kind of object fd {n} is from /proc/self/fd/{n} (is /proc mounted?)"
            ),
            source,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_targets_name_the_kernels_inodes() {
        let kind = |t: &str| ObjectKind::from_fd_target(Path::new(t));
        assert_eq!(kind("anon_inode:bpf-map"), ObjectKind::Map);
        assert_eq!(kind("anon_inode:bpf-prog"), ObjectKind::Program);
        assert_eq!(kind("anon_inode:bpf_link"), ObjectKind::Link);
        assert_eq!(kind("anon_inode:bpf-link"), ObjectKind::Link);
        assert_eq!(kind("anon_inode:btf"), ObjectKind::Btf);
        for other in ["anon_inode:bpf_iter", "anon_inode:[eventfd]", "socket:[42]", "/tmp/bpf-map"]
        {
            assert_eq!(kind(other), ObjectKind::Other, "{other}");
        }
    }

    #[test]
    fn a_regular_file_is_refused_and_named() {
        let file = std::fs::File::open("/proc/self/status").unwrap();
        assert_eq!(ObjectKind::of_fd(&file).unwrap(), ObjectKind::Other);
        let err = expect_kind(file.as_fd(), ObjectKind::Map, Origin::Fd).unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with(&format!("fd {} (/proc/", file.as_raw_fd())), "{text}");
        assert!(text.contains("is not a bpf map, program, link or BTF object"), "{text}");
        assert!(
            matches!(
                err,
                Error::WrongKind { expected: ObjectKind::Map, found: ObjectKind::Other, .. }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn errors_name_both_kinds_and_what_to_do() {
        let err = Error::WrongKind {
            what: "/sys/fs/bpf/x".into(),
            expected: ObjectKind::Map,
            found: ObjectKind::Program,
        };
        let text = err.to_string();
        assert!(text.starts_with("/sys/fs/bpf/x is a program, not a map: "), "{text}");
        assert!(text.contains("Program::open_pinned"), "{text}");
        let fd = std::fs::File::open("/dev/null").unwrap();
        assert_eq!(Origin::Id(7).describe(fd.as_fd(), ObjectKind::Link), "link id 7");
    }
}
