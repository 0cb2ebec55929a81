//! What kind of bpf object a file descriptor is: the one check every way of
//! opening a map, program or link makes before it reads the object's info.
//!
//! The kernel's own info query cannot make it. `BPF_OBJ_GET_INFO_BY_FD`
//! takes any bpf object and fills the caller's buffer with *that* object's
//! info, so a pinned XDP program read as a map is a per-CPU array with a key
//! of 1.2 billion bytes; and `BPF_OBJ_GET` opens whatever is pinned at a path.
//!
//! What the kernel does say is the name of the anonymous inode behind the fd,
//! as the link `/proc/self/fd/N` (bpftool tells kinds apart the same way):
//!
//! | Kind | `readlink /proc/self/fd/N` |
//! |------|----------------------------|
//! | [`Map`](ObjectKind::Map) | `anon_inode:bpf-map` |
//! | [`Program`](ObjectKind::Program) | `anon_inode:bpf-prog` |
//! | [`Link`](ObjectKind::Link) | `anon_inode:bpf_link` fresh from `BPF_LINK_CREATE` or `BPF_RAW_TRACEPOINT_OPEN`; `anon_inode:bpf-link` reopened from bpffs or by id |
//! | [`Btf`](ObjectKind::Btf) | `anon_inode:btf` |
//!
//! Anything else (a regular file, a socket, a bpf iterator) is
//! [`Other`](ObjectKind::Other). Reading the link needs procfs: where `/proc`
//! is not mounted, opening an object fails with [`Error::Io`] rather than
//! trusting the fd.
//!
//! ```no_run
//! use bpfkit::maps::{MapSpec, MapType};
//! use bpfkit::object::ObjectKind;
//!
//! let map = MapSpec::new(MapType::ARRAY, 4, 8, 1).create()?;
//! assert_eq!(ObjectKind::of_fd(map.fd())?, ObjectKind::Map);
//! # Ok::<(), bpfkit::Error>(())
//! ```

use std::fmt;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::sys;

/// What kind of bpf object a file descriptor (or a pinned file) is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ObjectKind {
    /// A program (`BPF_PROG_LOAD`).
    Program,
    /// A map (`BPF_MAP_CREATE`).
    Map,
    /// A link (`BPF_LINK_CREATE`, `BPF_RAW_TRACEPOINT_OPEN`).
    Link,
    /// A BTF object (`BPF_BTF_LOAD`, `BPF_BTF_GET_FD_BY_ID`).
    Btf,
    /// Anything else: a file that is no bpf object, or a bpf object of
    /// another kind (an iterator, a token).
    Other,
}

impl ObjectKind {
    /// What kind of object `fd` refers to, from the name of its inode in
    /// `/proc/self/fd`. Fails only when procfs cannot be read.
    pub fn of_fd(fd: impl AsFd) -> Result<ObjectKind> {
        Ok(ObjectKind::from_fd_target(&fd_target(fd.as_fd())?))
    }

    /// The kind named by a `/proc/self/fd/N` link target.
    fn from_fd_target(target: &Path) -> ObjectKind {
        match target.as_os_str().as_bytes() {
            b"anon_inode:bpf-map" => ObjectKind::Map,
            b"anon_inode:bpf-prog" => ObjectKind::Program,
            b"anon_inode:bpf_link" | b"anon_inode:bpf-link" => ObjectKind::Link,
            b"anon_inode:btf" => ObjectKind::Btf,
            _ => ObjectKind::Other,
        }
    }

    /// bpftool's word for the kind: `prog`, `map`, `link`, `btf`, or
    /// `unknown` for [`Other`](ObjectKind::Other).
    pub fn name(self) -> &'static str {
        match self {
            ObjectKind::Program => "prog",
            ObjectKind::Map => "map",
            ObjectKind::Link => "link",
            ObjectKind::Btf => "btf",
            ObjectKind::Other => "unknown",
        }
    }

    /// The fdinfo key that holds an object's kernel id (`map_id`, ...).
    pub(crate) fn id_key(self) -> Option<&'static str> {
        match self {
            ObjectKind::Program => Some("prog_id"),
            ObjectKind::Map => Some("map_id"),
            ObjectKind::Link => Some("link_id"),
            ObjectKind::Btf => Some("btf_id"),
            ObjectKind::Other => None,
        }
    }

    /// How to open an object of this kind, for an error that refused it.
    pub(crate) fn how_to_open(self) -> Option<&'static str> {
        Some(match self {
            ObjectKind::Program => {
                "open programs with Program::open_pinned, Program::from_fd or Program::from_id"
            }
            ObjectKind::Map => "open maps with MapFd::open_pinned, MapFd::from_fd or a MapSpec",
            ObjectKind::Link => {
                "read any link with LinkInfo::of; open an XDP link with XdpLink::open_pinned \
                 or XdpLink::from_fd"
            }
            ObjectKind::Btf => "a BTF object only describes types",
            ObjectKind::Other => return None,
        })
    }
}

impl fmt::Display for ObjectKind {
    /// `program`, `map`, `link`, `BTF object`, or `other file`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ObjectKind::Program => "program",
            ObjectKind::Map => "map",
            ObjectKind::Link => "link",
            ObjectKind::Btf => "BTF object",
            ObjectKind::Other => "other file",
        })
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
