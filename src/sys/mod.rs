//! Raw `bpf(2)`: one typed function per command, all through one entry point.
//!
//! This module is the only place in the crate with `unsafe` code. Everything
//! above it hands over byte slices of checked lengths and gets back
//! [`OwnedFd`]s, plain structs and [`Errno`]s; this module alone turns slices
//! into the 64-bit pointers of `union bpf_attr`.
#![allow(unsafe_code)]

mod attr;
pub(crate) mod btf;
pub(crate) mod clock;
mod cmd;
pub(crate) mod epoll;
mod errno;
mod fd;
pub(crate) mod fdinfo;
pub(crate) mod info;
pub(crate) mod link;
mod link_type;
pub(crate) mod map;
mod map_type;
pub(crate) mod mmap;
#[cfg(test)]
pub(crate) mod mock;
pub(crate) mod net;
#[cfg(feature = "netlink")]
pub(crate) mod netlink_socket;
pub(crate) mod obj;
mod object_kind;
pub(crate) mod perf;
pub(crate) mod perf_ring;
pub(crate) mod prog;
mod prog_types;
mod ptr;
pub(crate) mod ring;
pub(crate) mod socket;
pub(crate) mod task_fd;
mod tc_direction;
#[cfg(test)]
pub(crate) mod test_rng;
pub(crate) mod user_ring;
mod xdp_mode;

use std::mem::size_of;

pub use cmd::Cmd;
pub use errno::Errno;
pub use link_type::LinkType;
pub use map_type::MapType;
pub use object_kind::ObjectKind;
pub use prog_types::{AttachType, ProgType};
pub use tc_direction::TcDirection;
pub use xdp_mode::XdpMode;

use attr::Attr;
#[cfg(test)]
use mock::Typed;

/// Outside tests, nothing: in tests, an attribute shows itself typed to the
/// syscall mock (`mock::Typed`).
#[cfg(not(test))]
trait Typed<'a> {}
#[cfg(not(test))]
impl<T> Typed<'_> for T {}

/// The one call of `bpf(2)` in the crate (man 2 bpf).
///
/// Returns the kernel's non-negative return value or its errno.
fn bpf<'a, A: Attr<'a> + Typed<'a>>(cmd: Cmd, attr: &mut A) -> Result<i64, Errno> {
    #[cfg(test)]
    if let Some(answer) = mock::intercept(cmd, attr) {
        return answer;
    }
    // SAFETY: `attr` is a live, exclusively borrowed `#[repr(C)]` struct of
    // `size_of::<A>()` bytes laid out as the kernel expects for `cmd` (the
    // `Attr` contract); every pointer inside it is a `UserPtr` whose lifetime
    // keeps its buffer alive for the duration of this call.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_bpf,
            cmd as u32 as libc::c_long,
            attr as *mut A as *mut libc::c_void,
            size_of::<A>() as libc::c_long,
        )
    };
    if ret < 0 { Err(Errno::last()) } else { Ok(ret) }
}

/// Like [`bpf`], for commands that return a new file descriptor.
fn bpf_fd<'a, A: Attr<'a> + Typed<'a>>(
    cmd: Cmd,
    attr: &mut A,
) -> Result<std::os::fd::OwnedFd, Errno> {
    fd::owned_fd(bpf(cmd, attr)?)
}

/// The raw number of a borrowed fd, for an attribute field.
fn raw(fd: std::os::fd::BorrowedFd<'_>) -> u32 {
    use std::os::fd::AsRawFd;
    fd.as_raw_fd() as u32
}
