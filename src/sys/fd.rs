//! Turning a `bpf(2)` return value into an owned file descriptor.
#![allow(unsafe_code)]

use std::os::fd::{FromRawFd, OwnedFd};

use super::Errno;

/// Takes ownership of the fd the kernel just returned.
///
/// A descriptor numbered 0 is moved to a higher number first: a process whose
/// stdin was closed would otherwise get fd 0, which too much code (ours
/// included: `LD_IMM64` with `imm = 0` looks like "no map") treats as unset.
pub(crate) fn owned_fd(raw: i64) -> Result<OwnedFd, Errno> {
    let Ok(raw) = i32::try_from(raw) else {
        return Err(Errno::EBADF);
    };
    if raw < 0 {
        return Err(Errno::EBADF);
    }
    // SAFETY: the kernel just created `raw` for us and nothing else owns it.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    if raw != 0 {
        return Ok(fd);
    }
    // SAFETY: fcntl(F_DUPFD_CLOEXEC) on a valid fd has no memory effects.
    let moved = unsafe { libc::fcntl(raw, libc::F_DUPFD_CLOEXEC, 1) };
    if moved < 0 {
        return Err(Errno::last());
    }
    drop(fd);
    // SAFETY: `moved` is a fresh descriptor returned by fcntl; we own it.
    Ok(unsafe { OwnedFd::from_raw_fd(moved) })
}
