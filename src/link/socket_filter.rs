//! Socket filters: `SO_ATTACH_BPF` hangs a program on one socket; it sees
//! each packet the socket would receive and returns how many of its bytes
//! to keep (0 drops it).
//!
//! The filter belongs to the socket, not to any fd: every dup of the fd
//! (and a child that inherited it) shares it, and it stays until
//! `SO_DETACH_BPF` or the socket's last fd closes. The program may be
//! dropped once attached: the socket holds its own reference.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd};

use crate::error::AttachAction;
use crate::prog::Program;
use crate::prog::kind::SocketFilter;
use crate::sys;
use crate::{Errno, Error, Result};

/// A socket filter attached to a socket it borrows: dropping the guard
/// detaches the filter (`SO_DETACH_BPF`), ignoring errors;
/// [`detach`](Self::detach) does it and reports them; [`keep`](Self::keep)
/// leaves the filter on the socket.
#[derive(Debug)]
#[must_use = "dropping the guard detaches the filter at once; call keep() to leave it attached"]
pub struct SocketFilterGuard<'s> {
    socket: Option<BorrowedFd<'s>>,
}

/// Attaches `prog` to `socket` (`SO_ATTACH_BPF`), replacing the filter
/// it had, classic or eBPF. Returns a guard that borrows the socket and
/// detaches the filter when dropped.
///
/// A failure (the fd is no socket, the socket's filter is locked with
/// `SO_LOCK_FILTER`) is an [`Error::Hook`] naming the fd, and leaves the
/// socket as it was. Needs no capability: any process may filter its own
/// sockets.
///
/// ```no_run
/// # fn demo(prog: &bpfkit::prog::Program<bpfkit::prog::kind::SocketFilter>) -> bpfkit::Result<()> {
/// use bpfkit::link::attach_socket_filter;
/// let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
/// let filter = attach_socket_filter(prog, &socket)?;
/// // ... receive filtered datagrams ...
/// filter.detach()?;
/// # Ok(()) }
/// ```
#[doc(alias = "SO_ATTACH_BPF")]
pub fn attach_socket_filter<'s, S: AsFd + ?Sized>(
    prog: &Program<SocketFilter>,
    socket: &'s S,
) -> Result<SocketFilterGuard<'s>> {
    let socket = socket.as_fd();
    sys::socket::attach_bpf(socket, prog.fd())
        .map_err(|errno| hook_error(AttachAction::Attach, socket, errno))?;
    Ok(SocketFilterGuard { socket: Some(socket) })
}

/// Takes `socket`'s filter off (`SO_DETACH_BPF`), whoever attached it:
/// for a filter left on with [`SocketFilterGuard::keep`]. A socket with no
/// filter is an [`Error::Hook`] with `ENOENT`.
#[doc(alias = "SO_DETACH_BPF")]
pub fn detach_socket_filter(socket: impl AsFd) -> Result<()> {
    let socket = socket.as_fd();
    sys::socket::detach_bpf(socket).map_err(|errno| hook_error(AttachAction::Detach, socket, errno))
}

impl SocketFilterGuard<'_> {
    /// Detaches the filter now, reporting a failure (`ENOENT` if someone
    /// already took it off).
    pub fn detach(mut self) -> Result<()> {
        match self.socket.take() {
            Some(socket) => detach_socket_filter(socket),
            None => Ok(()),
        }
    }

    /// Leaves the filter on the socket, for as long as the socket lives
    /// (or until [`detach_socket_filter`]).
    pub fn keep(mut self) {
        self.socket = None;
    }
}

impl Drop for SocketFilterGuard<'_> {
    fn drop(&mut self) {
        if let Some(socket) = self.socket.take() {
            let _ = sys::socket::detach_bpf(socket);
        }
    }
}

fn hook_error(action: AttachAction, socket: BorrowedFd<'_>, errno: Errno) -> Error {
    let fd = socket.as_raw_fd();
    let advice = match (action, errno) {
        (_, Errno::ENOTSOCK) => {
            format!("fd {fd} is not a socket: a socket filter attaches to a socket")
        }
        (_, Errno::EBADF) => format!("fd {fd} is not open"),
        (_, Errno::EPERM) => {
            "the socket's filter is locked (SO_LOCK_FILTER): it cannot be replaced or detached"
                .into()
        }
        (AttachAction::Detach, Errno::ENOENT) => "the socket has no filter".into(),
        (_, Errno::EINVAL) => {
            "the kernel refused the program: it must be a socket filter program".into()
        }
        (_, Errno::ENOMEM) => {
            "the socket's option memory is exhausted (net.core.optmem_max)".into()
        }
        _ => "setsockopt failed; see the errno".into(),
    };
    Error::Hook { action, hook: format!("the socket filter of fd {fd}"), errno, advice }
}
