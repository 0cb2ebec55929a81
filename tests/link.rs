//! XDP through bpf_link in the kernel, on a veth pair in namespaces of the
//! test's own, counting the packets that cross. Needs no netlink: these
//! tests run in the `--no-default-features` build too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::BufRead;

use bpfkit::Errno;
use bpfkit::Error;
use bpfkit::link::{XdpHolder, XdpLink, XdpMode};
use bpfkit::pinned::{ObjectKind, pinned_objects, pinned_objects_under};
use common::{VETH_A, VethPair, XDP_MODE_SKB, counter, id};

#[test]
fn bpf_link_counts_every_packet_and_detaches_on_drop() {
    require_kernel!();
    let pair = VethPair::new();
    let (prog, counts) = counter("link_counter");
    let link = pair.a.run(|| XdpLink::attach(&prog, VETH_A, XdpMode::Skb).unwrap());
    let info = link.info().unwrap();
    assert_eq!(info.prog_id, id(&prog));
    assert!(info.ifindex.is_some_and(|i| i > 0));
    assert_eq!(pair.a.xdp_attached(VETH_A), Some((XDP_MODE_SKB, id(&prog))));

    let crossed = pair.send(150);
    assert_eq!(counts.get(0).unwrap(), crossed);
    assert_eq!(crossed, 150);

    drop(link);
    // A child forked meanwhile by a parallel test holds the fd until it
    // execs: the kernel detaches a moment later.
    common::wait_link_gone(info.id);
    assert!(!pair.a.shows_xdp(VETH_A));
    let more = pair.send(10);
    assert_eq!(counts.get(0).unwrap(), crossed, "{more} packets were counted after detach");
}

#[test]
fn bpf_link_update_swaps_the_program() {
    require_kernel!();
    let pair = VethPair::new();
    let (first, first_counts) = counter("link_first");
    let (second, second_counts) = counter("link_second");
    let link = pair.a.run(|| XdpLink::attach(&first, VETH_A, XdpMode::Driver).unwrap());
    pair.send(5);
    let err = link.replace(&second, &first).unwrap_err();
    assert_eq!(err.errno(), Some(Errno::EPERM), "{err}");
    link.replace(&first, &second).unwrap();
    assert_eq!(link.info().unwrap().prog_id, id(&second));
    pair.send(7);
    assert_eq!((first_counts.get(0).unwrap(), second_counts.get(0).unwrap()), (5, 7));
    link.update(&first).unwrap();
    assert_eq!(link.info().unwrap().prog_id, id(&first));
}

/// Kills the child if the test fails before it does.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Entry point of the child process of `sigkill_of_a_bpf_link_owner_detaches`;
/// that test runs it, with `--ignored`.
#[test]
#[ignore = "the child process of sigkill_of_a_bpf_link_owner_detaches"]
fn child_attach_and_wait() {
    let Ok(iface) = std::env::var("BPFKIT_XDP_CHILD_IFACE") else { return };
    let (prog, _) = counter("child");
    let _link = XdpLink::attach(&prog, iface.as_str(), XdpMode::Skb).unwrap();
    println!("attached {}", id(&prog));
    std::thread::sleep(std::time::Duration::from_secs(120));
}

#[test]
fn sigkill_of_a_bpf_link_owner_detaches() {
    require_kernel!();
    let pair = VethPair::new();
    let exe = std::env::current_exe().unwrap();
    let mut child = std::process::Command::new("ip")
        .args(["netns", "exec", &pair.a.name])
        .arg(&exe)
        .args(["--exact", "child_attach_and_wait", "--ignored", "--nocapture", "--test-threads=1"])
        .env("BPFKIT_XDP_CHILD_IFACE", VETH_A)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut child = KillOnDrop(child);
    // libtest prints "test NAME ... " first, on the same line.
    let mut lines = std::io::BufReader::new(stdout).lines();
    let attached = lines.find_map(|l| {
        l.unwrap().split("attached ").nth(1).map(|id| id.trim().parse::<u32>().unwrap())
    });
    let prog_id = attached.expect("the child did not attach");
    assert_eq!(pair.a.xdp_attached(VETH_A), Some((XDP_MODE_SKB, prog_id)));

    child.0.kill().unwrap(); // SIGKILL: no destructor runs
    child.0.wait().unwrap();
    let gone = (0..100).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(20));
        !pair.a.shows_xdp(VETH_A)
    });
    assert!(gone, "the program stayed attached after its owner was killed");
}

#[test]
fn a_pinned_link_outlives_its_handle_until_detached() {
    require_kernel!();
    let pair = VethPair::new();
    let pins = common::PinDir::new();
    let path = pins.path("xdp_link");
    let (prog, counts) = counter("pinned");
    let prog_id = id(&prog);
    pair.a.run(|| {
        let link = XdpLink::attach(&prog, VETH_A, XdpMode::Skb).unwrap();
        link.pin(&path).unwrap();
    }); // the handle is dropped here; the pin holds the link
    drop(prog);
    assert!(pair.a.shows_xdp(VETH_A));
    let crossed = pair.send(20);
    assert_eq!(counts.get(0).unwrap(), crossed);

    // Interface indexes are per namespace: open it where the link is.
    let link = pair.a.run(|| XdpLink::open_pinned(&path).unwrap());
    assert_eq!(link.info().unwrap().prog_id, prog_id);

    // The walk of bpffs finds the link, and a program and map pinned beside it.
    let again = bpfkit::prog::Program::from_id(prog_id).unwrap();
    again.pin(pins.path("prog")).unwrap();
    counts.map().pin(pins.path("map")).unwrap();
    let map_id = counts.map().info().unwrap().id;
    let found: Vec<_> = pinned_objects_under(pins.path(""))
        .into_iter()
        .map(|o| (o.path.file_name().unwrap().to_str().unwrap().to_owned(), o.kind, o.id))
        .collect();
    let link_id = link.info().unwrap().id;
    assert_eq!(
        found,
        [
            ("map".to_owned(), ObjectKind::Map, map_id),
            ("prog".to_owned(), ObjectKind::Program, prog_id),
            ("xdp_link".to_owned(), ObjectKind::Link, link_id),
        ]
    );
    let everywhere = pinned_objects().unwrap();
    assert!(everywhere.iter().any(|o| o.path == path && o.id == link_id), "{everywhere:?}");
    assert_eq!(link.interface(), VETH_A);
    link.detach().unwrap();
    assert!(!pair.a.shows_xdp(VETH_A));
}

#[test]
fn a_second_link_is_refused_and_the_first_stays() {
    require_kernel!();
    let pair = VethPair::new();
    let (first, _) = counter("first");
    let (second, _) = counter("second");
    let link = pair.a.run(|| XdpLink::attach(&first, VETH_A, XdpMode::Skb).unwrap());
    let err = pair.a.run(|| XdpLink::attach(&second, VETH_A, XdpMode::Skb).unwrap_err());
    assert_eq!(err.errno(), Some(Errno::EBUSY), "{err}");
    assert!(err.to_string().contains(VETH_A), "{err}");
    let Error::Attach { holder, .. } = &err else { panic!("{err}") };
    if cfg!(feature = "netlink") {
        // rtnetlink reads the hook; the link holding its program is named.
        let link_id = link.info().unwrap().id;
        assert_eq!(*holder, Some(XdpHolder::Link { link_id, prog_id: id(&first) }), "{err}");
        assert!(err.to_string().contains(&format!("bpftool link detach id {link_id}")), "{err}");
    } else {
        // Without netlink the hook cannot be read, and an XDP link names its
        // interface by index, which other namespaces share: no guess.
        assert_eq!(*holder, None, "{err}");
        assert!(err.to_string().contains("when the link is closed"), "{err}");
    }
    assert!(!err.to_string().contains("xdp off"), "{err}");
    assert_eq!(pair.a.xdp_attached(VETH_A), Some((XDP_MODE_SKB, id(&first))));
    drop(link);
}

#[test]
fn missing_interface_is_named() {
    require_kernel!();
    let (prog, _) = counter("missing");
    let err = XdpLink::attach(&prog, "nosuchif0", XdpMode::Skb).unwrap_err();
    assert!(matches!(&err, Error::NoSuchInterface { name } if name == "nosuchif0"), "{err}");
    assert!(err.to_string().contains("nosuchif0"));
}
