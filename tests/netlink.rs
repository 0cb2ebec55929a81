//! XDP over netlink in the kernel (feature `netlink`), on a veth pair in
//! namespaces of the test's own, counting the packets that cross.
#![cfg(feature = "netlink")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use bpfkit::link::{Interface, XdpLink, XdpMode};
use bpfkit::netlink::BlockingNetlink;
use bpfkit::{Errno, Error};
use common::{VETH_A, VethPair, counter, id};

/// Attaches over netlink in `mode`, counts, checks query, detaches.
fn netlink_counts_exactly(mode: XdpMode, expect_mode: XdpMode) {
    let pair = VethPair::new();
    let (prog, counts) = counter("nl_counter");
    let status = pair.a.run(|| {
        let nl = BlockingNetlink::new().unwrap();
        nl.attach_xdp(VETH_A, &prog, mode).unwrap();
        nl.query_xdp(VETH_A).unwrap()
    });
    assert_eq!(status.prog_id, Some(id(&prog)));
    assert_eq!(status.mode, Some(expect_mode));
    assert!(pair.a.shows_xdp(VETH_A));

    let crossed = pair.send(200);
    assert_eq!(crossed, 200, "only the test's datagrams should cross");
    assert_eq!(counts.get(0).unwrap(), crossed);

    let after = pair.a.run(|| {
        let nl = BlockingNetlink::new().unwrap();
        nl.detach_xdp(VETH_A).unwrap();
        nl.query_xdp(VETH_A).unwrap()
    });
    assert!(after.is_empty(), "{after:?}");
    assert!(!pair.a.shows_xdp(VETH_A));
}

#[test]
fn netlink_skb_mode_counts_every_packet() {
    require_kernel!();
    netlink_counts_exactly(XdpMode::Skb, XdpMode::Skb);
}

#[test]
fn netlink_kernel_choice_counts_every_packet() {
    require_kernel!();
    // veth has native XDP, so the kernel chooses driver mode.
    netlink_counts_exactly(XdpMode::Auto, XdpMode::Driver);
}

#[test]
fn update_if_noexist_keeps_the_first_program() {
    require_kernel!();
    let pair = VethPair::new();
    let (first, _) = counter("first");
    let (second, _) = counter("second");
    pair.a.run(|| {
        let nl = BlockingNetlink::new().unwrap();
        nl.attach_xdp(VETH_A, &first, XdpMode::Skb).unwrap();
        let err = nl.attach_xdp(VETH_A, &second, XdpMode::Skb).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::EBUSY), "{err}");
        assert!(err.to_string().contains(VETH_A), "{err}");
        assert_eq!(nl.query_xdp(VETH_A).unwrap().prog_id, Some(id(&first)));
        // A bpf_link cannot take the hook either, and says why.
        let err = XdpLink::attach(&second, VETH_A, XdpMode::Skb).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::EBUSY), "{err}");
        assert_eq!(nl.query_xdp(VETH_A).unwrap().prog_id, Some(id(&first)));
        nl.detach_xdp(VETH_A).unwrap();
    });
}

#[test]
fn replace_needs_the_expected_program() {
    require_kernel!();
    let pair = VethPair::new();
    let (first, _) = counter("first");
    let (second, _) = counter("second");
    let (third, _) = counter("third");
    pair.a.run(|| {
        let nl = BlockingNetlink::new().unwrap();
        nl.attach_xdp(VETH_A, &first, XdpMode::Skb).unwrap();
        // Wrong expectation: refused, and the interface keeps `first`.
        let err = nl.replace_xdp(VETH_A, &third, &second, XdpMode::Skb).unwrap_err();
        assert!(matches!(err, Error::Attach { action: "replacing", .. }), "{err}");
        assert_eq!(nl.query_xdp(VETH_A).unwrap().prog_id, Some(id(&first)));
        // Right expectation: swapped.
        nl.replace_xdp(VETH_A, &first, &second, XdpMode::Skb).unwrap();
        assert_eq!(nl.query_xdp(VETH_A).unwrap().prog_id, Some(id(&second)));
        // Detaching with the wrong expectation leaves it; with the right one removes it.
        assert!(nl.detach_xdp_expected(VETH_A, &first, XdpMode::Skb).is_err());
        assert_eq!(nl.query_xdp(VETH_A).unwrap().prog_id, Some(id(&second)));
        nl.detach_xdp_expected(VETH_A, &second, XdpMode::Skb).unwrap();
        assert!(nl.query_xdp(VETH_A).unwrap().is_empty());
    });
    assert!(!pair.a.shows_xdp(VETH_A));
}

#[test]
fn missing_interface_is_named_by_netlink() {
    require_kernel!();
    let (prog, _) = counter("missing");
    let nl = BlockingNetlink::new().unwrap();
    let err = nl.attach_xdp("nosuchif0", &prog, XdpMode::Skb).unwrap_err();
    assert!(err.to_string().contains("nosuchif0"), "{err}");
    let err = nl.query_xdp(Interface::Index(999_999)).unwrap_err();
    assert!(err.to_string().contains("999999"), "{err}");
}
