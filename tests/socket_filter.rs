//! Socket filters on UDP sockets over loopback: what the filter keeps is
//! all the receiver sees, until it is detached.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::net::UdpSocket;
use std::time::Duration;

use bpfkit::Errno;
use bpfkit::asm::{Helper, ProgramBuilder, R0, R1, R2, R6, R7, R10, Size};
use bpfkit::link::{AttachAction, attach_socket_filter, detach_socket_filter};
use bpfkit::maps::{Array, MapFlags};
use bpfkit::prog::kind::SocketFilter;
use bpfkit::prog::{Program, ProgramSpec};
use bpfkit::{Error, link::SocketFilterGuard};
use common::unique;

/// A filter that drops datagrams of odd length and keeps the others whole
/// (it returns `skb->len`), and writes the last `skb->len` it saw into
/// `seen[0]`.
///
/// On a UDP socket the filter runs with `skb->data` at the UDP header
/// (`udp_queue_rcv_one_skb` filters with the 8-byte header as the minimum
/// to keep), so `skb->len` is the payload's length + 8: the same parity.
fn odd_dropper() -> (Program<SocketFilter>, Array<u32>) {
    let name = unique("sf");
    let seen = Array::<u32>::create(&name, 1, MapFlags::empty()).unwrap();
    let mut b = ProgramBuilder::new();
    let (drop, keep) = (b.label(), b.label());
    // struct __sk_buff: len at offset 0.
    b.ldx(Size::W, R7, R1, 0);
    b.st(Size::W, R10, -4, 0).mov64(R2, R10).add64(R2, -4).ld_map_fd(R1, &seen);
    b.call(Helper::MapLookupElem).jeq(R0, 0, keep).stx(Size::W, R0, 0, R7);
    b.bind(keep).mov64(R6, R7).and64(R6, 1).jne(R6, 0, drop);
    b.mov64(R0, R7).exit();
    b.bind(drop).mov64(R0, 0).exit();
    let insns = b.assemble().unwrap();
    (ProgramSpec::typed(SocketFilter, &insns).name(&name).load().unwrap(), seen)
}

/// A receiver on 127.0.0.1 that gives up waiting after 200 ms, and a sender.
fn pair() -> (UdpSocket, UdpSocket) {
    let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
    rx.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
    tx.connect(rx.local_addr().unwrap()).unwrap();
    (rx, tx)
}

/// Sends datagrams of 1..=10 bytes and returns the lengths received.
fn exchange(rx: &UdpSocket, tx: &UdpSocket) -> Vec<usize> {
    for len in 1..=10 {
        tx.send(&vec![b'x'; len]).unwrap();
    }
    let mut got = Vec::new();
    let mut buf = [0u8; 64];
    while let Ok(n) = rx.recv(&mut buf) {
        got.push(n);
    }
    got
}

const ALL: [usize; 10] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

#[test]
fn a_filter_keeps_even_datagrams_until_detached() {
    require_kernel!();
    let (prog, seen) = odd_dropper();
    let (rx, tx) = pair();
    let filter = attach_socket_filter(&prog, &rx).unwrap();
    assert_eq!(exchange(&rx, &tx), [2, 4, 6, 8, 10]);
    // The last datagram (10 bytes) as the filter saw it: with its UDP header.
    assert_eq!(seen.get(0).unwrap(), 10 + 8);

    // The socket holds the program: ours may go.
    drop(prog);
    assert_eq!(exchange(&rx, &tx), [2, 4, 6, 8, 10]);

    filter.detach().unwrap();
    assert_eq!(exchange(&rx, &tx), ALL);
}

#[test]
fn dropping_the_guard_detaches_and_keep_leaves_the_filter() {
    require_kernel!();
    let (prog, _seen) = odd_dropper();
    let (rx, tx) = pair();
    {
        let _filter: SocketFilterGuard<'_> = attach_socket_filter(&prog, &rx).unwrap();
        assert_eq!(exchange(&rx, &tx), [2, 4, 6, 8, 10]);
    }
    assert_eq!(exchange(&rx, &tx), ALL);

    // Kept: the filter belongs to the socket, and to its dups.
    attach_socket_filter(&prog, &rx).unwrap().keep();
    let dup = rx.try_clone().unwrap();
    assert_eq!(exchange(&dup, &tx), [2, 4, 6, 8, 10]);
    detach_socket_filter(&dup).unwrap();
    assert_eq!(exchange(&rx, &tx), ALL);

    // Nothing left to detach.
    let err = detach_socket_filter(&rx).unwrap_err();
    assert_eq!(err.errno(), Some(Errno::ENOENT), "{err}");
    assert!(err.to_string().contains("the socket has no filter"), "{err}");
}

#[test]
fn a_failed_attach_says_why_and_leaves_the_socket_unfiltered() {
    require_kernel!();
    let (prog, _seen) = odd_dropper();
    let file = std::fs::File::open("/dev/null").unwrap();
    let err = attach_socket_filter(&prog, &file).unwrap_err();
    assert_eq!(err.errno(), Some(Errno::ENOTSOCK), "{err}");
    let Error::Hook { action, hook, advice, .. } = &err else { panic!("{err:?}") };
    assert_eq!(*action, AttachAction::Attach);
    assert!(hook.starts_with("the socket filter of fd "), "{hook}");
    assert!(advice.contains("is not a socket"), "{advice}");

    // A socket whose filter is locked refuses a new one, and keeps
    // receiving everything.
    let (rx, tx) = pair();
    lock_filter(&rx);
    let err = attach_socket_filter(&prog, &rx).unwrap_err();
    assert_eq!(err.errno(), Some(Errno::EPERM), "{err}");
    assert!(err.to_string().contains("SO_LOCK_FILTER"), "{err}");
    assert_eq!(exchange(&rx, &tx), ALL);
}

/// `setsockopt(SO_LOCK_FILTER, 1)`: the socket's filter can no longer be
/// attached, replaced or detached.
fn lock_filter(socket: &UdpSocket) {
    use std::os::fd::AsRawFd;
    const SO_LOCK_FILTER: libc::c_int = 44;
    let one: libc::c_int = 1;
    // SAFETY: `one` is a live c_int and the length is its size.
    #[allow(unsafe_code)]
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            SO_LOCK_FILTER,
            (&one as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    assert_eq!(rc, 0, "SO_LOCK_FILTER: {}", std::io::Error::last_os_error());
}
