//! A `NETLINK_ROUTE` socket for blocking requests (man 7 netlink, man 7
//! rtnetlink): `socket(2)`, `setsockopt(2)`, `bind(2)`, `getsockname(2)`
//! once, then `sendto(2)` and `recvfrom(2)` per request.
//!
//! Only the syscalls live here; sequence numbers, parsing and the end of
//! an answer are the netlink layer's (`netlink::socket`).
#![allow(unsafe_code)]

use std::mem::size_of;
use std::os::fd::{AsRawFd, OwnedFd};

use super::Errno;
use super::fd::owned_fd;

/// An open, bound `NETLINK_ROUTE` socket with extended and capped acks.
#[derive(Debug)]
pub(crate) struct NetlinkSocket {
    fd: OwnedFd,
    port: u32,
}

/// One datagram received: how long it really was (longer than the buffer
/// when it was cut), and the port it came from (0: the kernel).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Datagram {
    pub(crate) len: usize,
    pub(crate) sender: u32,
}

/// A `sockaddr_nl` for `port` (0 is the kernel), the rest zero.
fn address(port: u32) -> libc::sockaddr_nl {
    // sockaddr_nl has a private padding field, so it cannot be built with a
    // struct literal; zeroed is its all-zero value.
    // SAFETY: sockaddr_nl is plain integers, for which all zeroes is valid.
    let mut addr: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
    addr.nl_family = libc::AF_NETLINK as libc::sa_family_t;
    addr.nl_pid = port;
    addr
}

const ADDR_LEN: libc::socklen_t = size_of::<libc::sockaddr_nl>() as libc::socklen_t;

impl NetlinkSocket {
    /// Opens the socket, turns on `NETLINK_EXT_ACK` (refusals carry the
    /// kernel's reason) and `NETLINK_CAP_ACK` (an error echoes only the
    /// request's header), and binds it to a port the kernel picks. On
    /// failure, which step failed and its errno.
    pub(crate) fn open_route() -> Result<NetlinkSocket, (&'static str, Errno)> {
        // SAFETY: socket(2) takes no pointers.
        let raw = unsafe {
            libc::socket(libc::AF_NETLINK, libc::SOCK_RAW | libc::SOCK_CLOEXEC, libc::NETLINK_ROUTE)
        };
        if raw < 0 {
            return Err(("opening a netlink socket", Errno::last()));
        }
        let fd = owned_fd(i64::from(raw)).map_err(|e| ("opening a netlink socket", e))?;
        set_option(&fd, libc::NETLINK_EXT_ACK).map_err(|e| ("enabling NETLINK_EXT_ACK", e))?;
        set_option(&fd, libc::NETLINK_CAP_ACK).map_err(|e| ("enabling NETLINK_CAP_ACK", e))?;
        let addr = address(0);
        // SAFETY: `addr` is a live sockaddr_nl of the length passed.
        let ret = unsafe {
            libc::bind(fd.as_raw_fd(), (&raw const addr).cast::<libc::sockaddr>(), ADDR_LEN)
        };
        if ret < 0 {
            return Err(("binding a netlink socket", Errno::last()));
        }
        let mut bound = address(0);
        let mut len = ADDR_LEN;
        // SAFETY: `bound` is a live, writable sockaddr_nl and `len` its size;
        // the kernel writes at most `len` bytes.
        let ret = unsafe {
            libc::getsockname(fd.as_raw_fd(), (&raw mut bound).cast::<libc::sockaddr>(), &mut len)
        };
        if ret < 0 {
            return Err(("reading a netlink socket's port", Errno::last()));
        }
        Ok(NetlinkSocket { fd, port: bound.nl_pid })
    }

    /// The port the kernel bound the socket to: its answers are addressed
    /// to it (`nlmsg_pid`).
    pub(crate) fn port(&self) -> u32 {
        self.port
    }

    /// Sends one datagram (`msg`, whole netlink messages) to the kernel.
    pub(crate) fn send(&self, msg: &[u8]) -> Result<(), Errno> {
        let to = address(0);
        loop {
            // SAFETY: `msg` is a live buffer of the length passed, only read;
            // `to` is a live sockaddr_nl of the length passed.
            let ret = unsafe {
                libc::sendto(
                    self.fd.as_raw_fd(),
                    msg.as_ptr().cast::<libc::c_void>(),
                    msg.len(),
                    0,
                    (&raw const to).cast::<libc::sockaddr>(),
                    ADDR_LEN,
                )
            };
            if ret >= 0 {
                return Ok(());
            }
            match Errno::last() {
                Errno::EINTR => continue,
                e => return Err(e),
            }
        }
    }

    /// Receives one datagram into `buf`, waiting for it unless `wait` is
    /// false (then an empty queue is `EAGAIN`). `MSG_TRUNC` makes the
    /// kernel say how long the datagram really was, so one longer than
    /// `buf` (whose end is lost) is seen, never taken for a whole one.
    pub(crate) fn recv(&self, buf: &mut [u8], wait: bool) -> Result<Datagram, Errno> {
        let flags = libc::MSG_TRUNC | if wait { 0 } else { libc::MSG_DONTWAIT };
        loop {
            let mut from = address(0);
            let mut len = ADDR_LEN;
            // SAFETY: `buf` is a live, writable buffer of the length passed
            // (with MSG_TRUNC the kernel still writes at most that much);
            // `from` is a live, writable sockaddr_nl and `len` its size.
            let ret = unsafe {
                libc::recvfrom(
                    self.fd.as_raw_fd(),
                    buf.as_mut_ptr().cast::<libc::c_void>(),
                    buf.len(),
                    flags,
                    (&raw mut from).cast::<libc::sockaddr>(),
                    &mut len,
                )
            };
            if let Ok(n) = usize::try_from(ret) {
                return Ok(Datagram { len: n, sender: from.nl_pid });
            }
            match Errno::last() {
                Errno::EINTR => continue,
                e => return Err(e),
            }
        }
    }
}

/// `setsockopt(fd, SOL_NETLINK, option, 1)`.
fn set_option(fd: &OwnedFd, option: libc::c_int) -> Result<(), Errno> {
    let on: libc::c_int = 1;
    // SAFETY: `on` is a live c_int for the call and the length passed is its
    // size; the kernel only reads it.
    let ret = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_NETLINK,
            option,
            (&raw const on).cast::<libc::c_void>(),
            size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if ret < 0 { Err(Errno::last()) } else { Ok(()) }
}
