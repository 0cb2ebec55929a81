//! What maps, programs and links share: the kind of object behind an fd,
//! kernel object names, the walk over kernel ids, pinning and opening pins
//! (one way for every kind: open the pin, then check the kind), network
//! interfaces, and who holds an XDP hook.
//!
//! ## Kinds
//!
//! Every way of opening a map, program or link checks the kind of the fd
//! before it reads the object's info.
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
//! is not mounted, opening an object fails with [`Error::Io`](crate::Error::Io) rather than
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

mod ids;
mod iface;
mod kind;
mod log;
mod mounts;
mod name;
mod pin;
mod xdp_holder;

pub use crate::sys::ObjectKind;
pub use iface::Interface;

pub(crate) use ids::{ids, open_by_id};
pub(crate) use kind::{Origin, expect_kind};
pub(crate) use log::{LOG_MAX, LOG_START, LoadAttempt, load_logged, retry_eagain};
pub(crate) use mounts::mounts_of_type;
pub(crate) use name::{ObjectName, c_name};
pub(crate) use pin::{get_pinned, pin};
pub(crate) use xdp_holder::find_holder;
