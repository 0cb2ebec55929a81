//! A network namespace's hooks: socket lookup and the flow dissector, each
//! seen to fire in a private namespace.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use bpfkit::Errno;
use bpfkit::link::{LinkTarget, NetNs, attach_flow_dissector, attach_sk_lookup};
use bpfkit::prog::AttachType;
use bpfkit::prog::kind::{FlowDissector, SkLookup};
use common::{Netns, VETH_A, VethPair, id, wait_link_gone};

#[test]
fn sk_lookup_runs_for_each_datagram_in_its_namespace() {
    require_kernel!();
    let ns = Netns::new();
    ns.ip(&["link", "set", "lo", "up"]);
    let (prog, counts) = common::counting(SkLookup, 1); // SK_PASS
    let netns = NetNs::named(&ns.name).unwrap();
    let link = attach_sk_lookup(&prog, &netns).unwrap();
    let info = link.info().unwrap();
    assert_eq!(info.prog_id, id(&prog));
    assert!(
        matches!(info.target, LinkTarget::Netns { attach_type, .. } if attach_type == AttachType::SK_LOOKUP),
        "{info:?}"
    );
    let exchange = |n: usize| {
        ns.run(|| {
            let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
            let me = sock.local_addr().unwrap();
            let mut buf = [0u8; 4];
            for i in 0..n {
                sock.send_to(&[i as u8], me).unwrap();
                sock.recv_from(&mut buf).unwrap();
            }
        })
    };
    exchange(6);
    assert_eq!(counts.get(0).unwrap(), 6);
    drop(link);
    wait_link_gone(info.id);
    exchange(2);
    assert_eq!(counts.get(0).unwrap(), 6, "detached with its link");
}

#[test]
fn one_flow_dissector_per_namespace_and_it_dissects() {
    require_kernel!();
    let pair = VethPair::new();
    let (first, counts) = common::counting(FlowDissector, 0); // BPF_OK
    let (second, _) = common::counting(FlowDissector, 0);
    let netns = NetNs::named(&pair.a.name).unwrap();
    let link = attach_flow_dissector(&first, &netns).unwrap();
    let err = attach_flow_dissector(&second, &netns).unwrap_err();
    assert_eq!(err.errno(), Some(Errno::E2BIG), "{err}");
    assert!(err.to_string().contains("one flow dissector at most"), "{err}");
    assert_eq!(link.info().unwrap().prog_id, id(&first), "the first one stays");

    // Packets received on veth0 have their flow hashed for RPS when
    // veth0 has an RPS map: the namespace's dissector runs.
    // (`ip netns exec` mounts the namespace's own sysfs.)
    let rps = format!("echo 1 > /sys/class/net/{VETH_A}/queues/rx-0/rps_cpus");
    assert_eq!(pair.a.exec("sh", &["-c", &rps]).status, Some(0));
    pair.send(4);
    assert!(counts.get(0).unwrap() >= 4, "{}", counts.get(0).unwrap());
}
