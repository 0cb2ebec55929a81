//! epoll(7): waiting for any of several fds (ring buffers, perf rings) to
//! become readable.
#![allow(unsafe_code)]

use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

use super::Errno;

/// An epoll instance.
#[derive(Debug)]
pub(crate) struct Epoll {
    fd: OwnedFd,
}

impl Epoll {
    /// A new epoll instance (close-on-exec).
    pub(crate) fn new() -> Result<Epoll, Errno> {
        // SAFETY: epoll_create1 takes no pointers.
        let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if fd < 0 {
            return Err(Errno::last());
        }
        // SAFETY: a fresh descriptor that nothing else owns.
        Ok(Epoll { fd: unsafe { OwnedFd::from_raw_fd(fd) } })
    }

    /// Watches `fd` for input; its events carry `token`.
    pub(crate) fn add(&self, fd: BorrowedFd<'_>, token: u64) -> Result<(), Errno> {
        let mut event = libc::epoll_event { events: libc::EPOLLIN as u32, u64: token };
        // SAFETY: both fds are valid for the call; `event` is a live struct.
        let rc = unsafe {
            libc::epoll_ctl(self.fd.as_raw_fd(), libc::EPOLL_CTL_ADD, fd.as_raw_fd(), &mut event)
        };
        if rc < 0 { Err(Errno::last()) } else { Ok(()) }
    }

    /// Waits up to `timeout_ms` (-1: forever) and writes the tokens of the
    /// ready fds into `tokens`; returns how many. `EINTR` is retried.
    pub(crate) fn wait(&self, tokens: &mut [u64], timeout_ms: i32) -> Result<usize, Errno> {
        let mut events = [libc::epoll_event { events: 0, u64: 0 }; 16];
        let max = events.len().min(tokens.len()).max(1) as i32;
        loop {
            // SAFETY: `events` holds `max` entries the kernel may write.
            let n = unsafe {
                libc::epoll_wait(self.fd.as_raw_fd(), events.as_mut_ptr(), max, timeout_ms)
            };
            if n >= 0 {
                let n = n as usize;
                for (token, event) in tokens.iter_mut().zip(&events[..n]) {
                    *token = event.u64;
                }
                return Ok(n.min(tokens.len()));
            }
            let errno = Errno::last();
            if errno != Errno::EINTR {
                return Err(errno);
            }
        }
    }

    /// The epoll fd, to nest in the caller's own event loop.
    pub(crate) fn fd(&self) -> BorrowedFd<'_> {
        use std::os::fd::AsFd;
        self.fd.as_fd()
    }
}
