//! Netfilter hooks through links: a program at IPv4's local-out hook of a
//! private namespace sees each datagram sent there, one that drops stops
//! them, priorities order them, and the kernel's refusals are named.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::net::UdpSocket;

use bpfkit::link::{
    LinkTarget, LinkType, NetfilterFamily, NetfilterHook, NetfilterHookPoint, attach_netfilter,
};
use bpfkit::prog::kind::Netfilter;
use bpfkit::{Errno, Error};
use common::{Netns, counting};

/// Sends `n` datagrams to a socket of its own on 127.0.0.1; how many left.
fn send(n: usize) -> usize {
    let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
    let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
    let to = rx.local_addr().unwrap();
    (0..n).filter(|_| tx.send_to(b"nf", to).is_ok()).count()
}

fn local_out(priority: i32) -> NetfilterHook {
    NetfilterHook::new(NetfilterFamily::Ipv4, NetfilterHookPoint::LocalOut).priority(priority)
}

#[test]
fn a_netfilter_program_sees_each_packet_sent_and_can_drop_them() {
    require_kernel!();
    let ns = Netns::new();
    ns.ip(&["link", "set", "lo", "up"]);
    let (accept, accepted) = counting(Netfilter, 1); // NF_ACCEPT
    let (drop_all, dropped) = counting(Netfilter, 0); // NF_DROP

    let link = ns.run(|| attach_netfilter(&accept, &local_out(10)).unwrap());
    assert_eq!(ns.run(|| send(5)), 5);
    assert_eq!(accepted.get(0).unwrap(), 5);
    let info = link.info().unwrap();
    assert_eq!(info.link_type, LinkType::NETFILTER);
    assert_eq!(info.target, LinkTarget::Netfilter { pf: 2, hooknum: 3, priority: 10, flags: 0 });

    // Ahead of it (a lower priority), a program that drops: the sender
    // sees EPERM, the later program nothing.
    let dropper = ns.run(|| attach_netfilter(&drop_all, &local_out(-10)).unwrap());
    assert_eq!(ns.run(|| send(4)), 0);
    assert_eq!(dropped.get(0).unwrap(), 4);
    assert_eq!(accepted.get(0).unwrap(), 5);
    let dropper_id = dropper.info().unwrap().id;
    drop(dropper);
    common::wait_link_gone(dropper_id);
    assert_eq!(ns.run(|| send(2)), 2);
    assert_eq!(accepted.get(0).unwrap(), 7);

    // The hook belongs to the namespace: traffic elsewhere is not seen.
    let other = Netns::new();
    other.ip(&["link", "set", "lo", "up"]);
    assert_eq!(other.run(|| send(3)), 3);
    assert_eq!(accepted.get(0).unwrap(), 7);
    drop(link);
    common::wait_link_gone(info.id);
    assert_eq!(ns.run(|| send(1)), 1);
    assert_eq!(accepted.get(0).unwrap(), 7, "the program ran after its link was dropped");
}

#[test]
fn netfilter_refusals_say_why() {
    require_kernel!();
    let ns = Netns::new();
    ns.ip(&["link", "set", "lo", "up"]);
    let (prog, counts) = counting(Netfilter, 1);
    let (other, other_counts) = counting(Netfilter, 1);
    let _held = ns.run(|| attach_netfilter(&prog, &local_out(42)).unwrap());
    let err = ns.run(|| attach_netfilter(&other, &local_out(42)).unwrap_err());
    assert_eq!(err.errno(), Some(Errno::EBUSY), "{err}");
    let text = err.to_string();
    assert!(text.contains("priority 42") && text.contains("choose another priority"), "{text}");
    // The hook is as it was: the first program runs, the refused one not.
    assert_eq!(ns.run(|| send(2)), 2);
    assert_eq!((counts.get(0).unwrap(), other_counts.get(0).unwrap()), (2, 0));
    for reserved in [i32::MIN, i32::MAX] {
        let err = attach_netfilter(&other, &local_out(reserved)).unwrap_err();
        assert!(matches!(err, Error::InvalidArgument { .. }), "{err}");
        assert!(err.to_string().contains("reserved by netfilter"), "{err}");
    }
}
