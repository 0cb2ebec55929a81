//! `setsockopt(2)` for socket filters: `SO_ATTACH_BPF`, `SO_DETACH_BPF`
//! (man 7 socket).
#![allow(unsafe_code)]

use std::os::fd::{AsRawFd, BorrowedFd};

use super::Errno;

/// `SO_ATTACH_BPF` (`asm-generic/socket.h`).
const SO_ATTACH_BPF: libc::c_int = 50;
/// `SO_DETACH_BPF`, the same number as `SO_DETACH_FILTER`.
const SO_DETACH_BPF: libc::c_int = 27;

/// `setsockopt(socket, SOL_SOCKET, SO_ATTACH_BPF, &prog_fd)`: `prog` (a
/// socket filter program) filters what `socket` receives, in place of any
/// filter it had.
pub(crate) fn attach_bpf(socket: BorrowedFd<'_>, prog: BorrowedFd<'_>) -> Result<(), Errno> {
    let prog_fd: libc::c_int = prog.as_raw_fd();
    setsockopt_int(socket, SO_ATTACH_BPF, prog_fd)
}

/// `setsockopt(socket, SOL_SOCKET, SO_DETACH_BPF, ...)`: takes the
/// socket's filter off; `ENOENT` when it has none.
pub(crate) fn detach_bpf(socket: BorrowedFd<'_>) -> Result<(), Errno> {
    setsockopt_int(socket, SO_DETACH_BPF, 0)
}

fn setsockopt_int(
    socket: BorrowedFd<'_>,
    option: libc::c_int,
    value: libc::c_int,
) -> Result<(), Errno> {
    // SAFETY: `value` is a live c_int for the call and the length passed is
    // its size; the kernel only reads it. `socket` is a borrowed, open fd.
    let ret = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            option,
            (&value as *const libc::c_int).cast::<libc::c_void>(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if ret < 0 { Err(Errno::last()) } else { Ok(()) }
}
