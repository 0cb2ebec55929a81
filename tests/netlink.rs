//! XDP over netlink in the kernel (feature `netlink`), on a veth pair in
//! namespaces of the test's own, counting the packets that cross.
#![cfg(feature = "netlink")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use bpfkit::link::{AttachAction, Interface, XdpHolder, XdpLink, XdpMode};
use bpfkit::netlink::BlockingNetlink;
use bpfkit::{Errno, Error};
use common::{VETH_A, VethPair, XDP_MODE_SKB, counter, id};

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
        assert!(matches!(err, Error::Attach { action: AttachAction::Replace, .. }), "{err}");
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

/// The holder an attach error names.
fn holder(err: &Error) -> Option<XdpHolder> {
    match err {
        Error::Attach { holder, .. } => *holder,
        other => panic!("not an attach error: {other}"),
    }
}

/// Runs `ip -n NETNS ARGS...`, returning whether it succeeded and its stderr.
fn try_ip(ns: &common::Netns, args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new("ip").args(["-n", &ns.name]).args(args).output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Asserts the error advises closing bpf_link `link_id`, which holds
/// `prog_id`, and not `ip link set`.
fn advises_closing_the_link(err: &Error, link_id: u32, prog_id: u32) {
    assert!(matches!(err.errno(), Some(Errno::EBUSY | Errno::EEXIST)), "{err}");
    assert_eq!(holder(err), Some(XdpHolder::Link { link_id, prog_id }), "{err}");
    let text = err.to_string();
    let advice = format!(
        "; program id {prog_id} is held on {VETH_A} by bpf_link id {link_id}, which neither \
         netlink nor another link can detach or replace: close the link (end the process that \
         holds it and remove its pins, or run `bpftool link detach id {link_id}`), or swap its \
         program through the link (XdpLink::update)"
    );
    assert!(text.ends_with(&advice), "{text}");
    assert!(!text.contains("ip link"), "{text}");
}

#[test]
fn netlink_over_a_link_advises_closing_the_link() {
    require_kernel!();
    let pair = VethPair::new();
    let (first, _) = counter("first");
    let (second, _) = counter("second");
    let first_id = id(&first);
    let link = pair.a.run(|| {
        let link = XdpLink::attach(&first, VETH_A, XdpMode::Skb).unwrap();
        let link_id = link.info().unwrap().id;
        let nl = BlockingNetlink::new().unwrap();
        // Every netlink request on the hook meets the link, and says so.
        let attach = nl.attach_xdp(VETH_A, &second, XdpMode::Skb).unwrap_err();
        assert!(attach.to_string().contains("\"Can't replace active BPF XDP link\""), "{attach}");
        advises_closing_the_link(&attach, link_id, first_id);
        let overwrite = nl.overwrite_xdp(VETH_A, &second, XdpMode::Skb).unwrap_err();
        advises_closing_the_link(&overwrite, link_id, first_id);
        let replace = nl.replace_xdp(VETH_A, &first, &second, XdpMode::Skb).unwrap_err();
        advises_closing_the_link(&replace, link_id, first_id);
        let detach = nl.detach_xdp(VETH_A).unwrap_err();
        advises_closing_the_link(&detach, link_id, first_id);
        // In the other mode the kernel's reason differs; the holder does not.
        let native = nl.attach_xdp(VETH_A, &second, XdpMode::Auto).unwrap_err();
        assert_eq!(native.errno(), Some(Errno::EEXIST), "{native}");
        advises_closing_the_link(&native, link_id, first_id);
        // The hook is as it was.
        assert_eq!(nl.query_xdp(VETH_A).unwrap().skb_prog_id, Some(first_id));
        assert_eq!(link.info().unwrap().prog_id, first_id);
        link
    });
    let link_id = link.info().unwrap().id;
    assert_eq!(pair.a.xdp_attached(VETH_A), Some((XDP_MODE_SKB, first_id)));
    // The advice not given fails the same way.
    let (ok, stderr) = try_ip(&pair.a, &["link", "set", "dev", VETH_A, "xdpgeneric", "off"]);
    assert!(!ok && stderr.contains("Can't replace active BPF XDP link"), "{stderr}");
    assert_eq!(pair.a.xdp_attached(VETH_A), Some((XDP_MODE_SKB, first_id)));
    // The advice given works, while this process still holds the link.
    if let Some(run) = common::bpftool(&["link", "detach", "id", &link_id.to_string()]) {
        run.success();
        assert!(!pair.a.shows_xdp(VETH_A));
        pair.a.run(|| {
            let nl = BlockingNetlink::new().unwrap();
            nl.attach_xdp(VETH_A, &second, XdpMode::Skb).unwrap();
            nl.detach_xdp(VETH_A).unwrap();
        });
    }
    drop(link);
    assert!(!pair.a.shows_xdp(VETH_A));
}

#[test]
fn a_link_over_a_link_advises_closing_the_first() {
    require_kernel!();
    let pair = VethPair::new();
    let (first, _) = counter("first");
    let (second, _) = counter("second");
    let first_id = id(&first);
    pair.a.run(|| {
        let link = XdpLink::attach(&first, VETH_A, XdpMode::Skb).unwrap();
        let link_id = link.info().unwrap().id;
        let err = XdpLink::attach(&second, VETH_A, XdpMode::Skb).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::EBUSY), "{err}");
        advises_closing_the_link(&err, link_id, first_id);
        // In the other mode too.
        let err = XdpLink::attach(&second, VETH_A, XdpMode::Driver).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::EEXIST), "{err}");
        advises_closing_the_link(&err, link_id, first_id);
        let nl = BlockingNetlink::new().unwrap();
        assert_eq!(nl.query_xdp(VETH_A).unwrap().skb_prog_id, Some(first_id));
        assert_eq!(link.info().unwrap().prog_id, first_id);
        // The advice works: through the link, the program is swapped.
        link.update(&second).unwrap();
        assert_eq!(nl.query_xdp(VETH_A).unwrap().skb_prog_id, Some(id(&second)));
    });
    assert!(!pair.a.shows_xdp(VETH_A));
}

#[test]
fn a_link_over_netlink_advises_ip_link_off() {
    require_kernel!();
    let pair = VethPair::new();
    let (first, _) = counter("first");
    let (second, _) = counter("second");
    let first_id = id(&first);
    pair.a.run(|| {
        let nl = BlockingNetlink::new().unwrap();
        nl.attach_xdp(VETH_A, &first, XdpMode::Skb).unwrap();
        let err = XdpLink::attach(&second, VETH_A, XdpMode::Skb).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::EBUSY), "{err}");
        assert_eq!(
            holder(&err),
            Some(XdpHolder::Netlink { prog_id: Some(first_id), mode: Some(XdpMode::Skb) })
        );
        assert!(
            err.to_string().ends_with(&format!(
                "; program id {first_id} is attached to {VETH_A} over netlink in skb mode: \
                 detach it (ip link set dev {VETH_A} xdpgeneric off), then attach the link"
            )),
            "{err}"
        );
        assert_eq!(nl.query_xdp(VETH_A).unwrap().skb_prog_id, Some(first_id));
    });
    assert_eq!(pair.a.xdp_attached(VETH_A), Some((XDP_MODE_SKB, first_id)));
    // The advice works.
    let (ok, stderr) = try_ip(&pair.a, &["link", "set", "dev", VETH_A, "xdpgeneric", "off"]);
    assert!(ok, "{stderr}");
    pair.a.run(|| drop(XdpLink::attach(&second, VETH_A, XdpMode::Skb).unwrap()));
}

#[test]
fn netlink_over_netlink_advises_ip_link_off_in_the_mode_it_runs_in() {
    require_kernel!();
    let pair = VethPair::new();
    let (first, _) = counter("first");
    let (second, _) = counter("second");
    let first_id = id(&first);
    pair.a.run(|| {
        let nl = BlockingNetlink::new().unwrap();
        nl.attach_xdp(VETH_A, &first, XdpMode::Skb).unwrap();
        let err = nl.attach_xdp(VETH_A, &second, XdpMode::Skb).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::EBUSY), "{err}");
        assert_eq!(
            holder(&err),
            Some(XdpHolder::Netlink { prog_id: Some(first_id), mode: Some(XdpMode::Skb) })
        );
        assert!(
            err.to_string().ends_with(&format!(
                "; program id {first_id} is attached to {VETH_A} over netlink in skb mode: \
                 detach it (ip link set dev {VETH_A} xdpgeneric off), or replace it in skb mode"
            )),
            "{err}"
        );
        // Attaching natively meets the generic program: the same holder.
        let native = nl.attach_xdp(VETH_A, &second, XdpMode::Driver).unwrap_err();
        assert_eq!(native.errno(), Some(Errno::EEXIST), "{native}");
        assert_eq!(holder(&native), holder(&err));
        assert_eq!(nl.query_xdp(VETH_A).unwrap().skb_prog_id, Some(first_id));
    });
    // Plain `xdp off` detaches in native mode on veth, leaving a generic
    // program in place: why the advice names the mode.
    assert!(try_ip(&pair.a, &["link", "set", "dev", VETH_A, "xdp", "off"]).0);
    assert_eq!(pair.a.xdp_attached(VETH_A), Some((XDP_MODE_SKB, first_id)));
    let (ok, stderr) = try_ip(&pair.a, &["link", "set", "dev", VETH_A, "xdpgeneric", "off"]);
    assert!(ok, "{stderr}");
    assert!(!pair.a.shows_xdp(VETH_A));
}

#[test]
fn a_native_program_is_named_with_xdpdrv() {
    require_kernel!();
    let pair = VethPair::new();
    let (first, _) = counter("first");
    let (second, _) = counter("second");
    let first_id = id(&first);
    pair.a.run(|| {
        let nl = BlockingNetlink::new().unwrap();
        nl.attach_xdp(VETH_A, &first, XdpMode::Driver).unwrap();
        let err = XdpLink::attach(&second, VETH_A, XdpMode::Skb).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::EEXIST), "{err}");
        assert!(err.to_string().contains(&format!("(ip link set dev {VETH_A} xdpdrv off)")));
        assert_eq!(nl.query_xdp(VETH_A).unwrap().drv_prog_id, Some(first_id));
    });
    assert!(try_ip(&pair.a, &["link", "set", "dev", VETH_A, "xdpdrv", "off"]).0);
    assert!(!pair.a.shows_xdp(VETH_A));
}
