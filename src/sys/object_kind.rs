//! The kinds of bpf object, told apart by the name of the anonymous inode
//! behind a file descriptor.

use std::fmt;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

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
    /// The kind named by a `/proc/self/fd/N` link target.
    pub(crate) fn from_fd_target(target: &Path) -> ObjectKind {
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
