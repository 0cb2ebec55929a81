//! `bpfkit::probe` against the running kernel: what a 6.x kernel has is
//! supported, what it refuses is not, and answers are cached.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use bpfkit::Error;
use bpfkit::asm::{Helper, HelperId};
use bpfkit::maps::MapType;
use bpfkit::probe::{self, Feature};
use bpfkit::prog::{AttachType, ProgType};

#[test]
fn what_a_6_x_kernel_has_is_supported() {
    require_kernel!();
    for t in [ProgType::XDP, ProgType::SCHED_CLS, ProgType::SOCKET_FILTER, ProgType::TRACEPOINT] {
        assert!(probe::prog_type(t).unwrap(), "{t}");
    }
    assert!(probe::prog_type(ProgType::STRUCT_OPS).unwrap());
    // The types that load only with an attach target, probed through the
    // kernel's refusal of a target that is no function. Some sandboxes
    // refuse their loads with EPERM even to root: could not probe, never
    // "not supported".
    for t in [ProgType::TRACING, ProgType::LSM, ProgType::EXT] {
        match probe::prog_type(t) {
            Ok(yes) => assert!(yes, "{t}"),
            Err(Error::CannotProbe { errno, .. }) => assert_eq!(errno, bpfkit::Errno::EPERM),
            Err(e) => panic!("{t}: {e}"),
        }
    }
    for t in [MapType::ARRAY, MapType::HASH, MapType::RINGBUF, MapType::SK_STORAGE] {
        assert!(probe::map_type(t).unwrap(), "{t}");
    }
    for t in [MapType::HASH_OF_MAPS, MapType::STRUCT_OPS, MapType::LPM_TRIE, MapType::QUEUE] {
        assert!(probe::map_type(t).unwrap(), "{t}");
    }
    assert!(probe::helper(ProgType::XDP, Helper::MapLookupElem).unwrap());
    assert!(probe::helper(ProgType::SCHED_CLS, Helper::SkbLoadBytes).unwrap());
    assert!(probe::helper(ProgType::XDP, Helper::XdpAdjustHead).unwrap());
    probe::require_helper(ProgType::XDP, Helper::MapLookupElem).unwrap();
    let (sock_addr, connect) = (ProgType::CGROUP_SOCK_ADDR, AttachType::CGROUP_INET4_CONNECT);
    assert!(probe::attach_type(sock_addr, connect).unwrap());
}

#[test]
fn what_the_kernel_refuses_is_not_supported() {
    require_kernel!();
    // A tracepoint cannot read packet bytes, nor a socket filter adjust an
    // XDP frame: the verifier refuses the call itself.
    assert!(!probe::helper(ProgType::TRACEPOINT, Helper::SkbLoadBytes).unwrap());
    assert!(!probe::helper(ProgType::SOCKET_FILTER, Helper::XdpAdjustHead).unwrap());
    // An id past every helper.
    assert!(!probe::helper(ProgType::XDP, HelperId(100_000)).unwrap());
    assert!(!probe::prog_type(ProgType(999)).unwrap());
    assert!(!probe::map_type(MapType(999)).unwrap());
    // A helper of a missing type, and a missing type's error.
    assert!(!probe::helper(ProgType(999), Helper::MapLookupElem).unwrap());
    let err = probe::require_prog_type(ProgType(999)).unwrap_err();
    assert!(matches!(err, Error::NotSupported { what: Feature::ProgType(ProgType(999)), .. }));
    let text = err.to_string();
    assert!(text.contains(probe::kernel_release()), "{text}");
    assert!(text.contains("does not support program type 999"), "{text}");
    let err = probe::require_helper(ProgType::TRACEPOINT, Helper::SkbLoadBytes).unwrap_err();
    assert!(err.to_string().contains("helper bpf_skb_load_bytes (id 26) in tracepoint"), "{err}");
    // An attach type the program type does not take.
    let (sock_addr, ingress) = (ProgType::CGROUP_SOCK_ADDR, AttachType::CGROUP_INET_INGRESS);
    assert!(!probe::attach_type(sock_addr, ingress).unwrap());
}

#[test]
fn what_no_minimal_program_shows_is_could_not_probe() {
    require_kernel!();
    let err = probe::helper(ProgType::TRACING, Helper::MapLookupElem).unwrap_err();
    assert!(matches!(err, Error::CannotProbe { .. }), "{err:?}");
    let err = probe::attach_type(ProgType::XDP, AttachType::XDP).unwrap_err();
    assert!(matches!(err, Error::CannotProbe { .. }), "{err:?}");
}

#[test]
fn an_answer_is_probed_once() {
    require_kernel!();
    // Numbers no other test of this file asks about.
    let t = MapType(998);
    assert!(!probe::map_type(t).unwrap());
    let before = probe::probes_run();
    for _ in 0..100 {
        assert!(!probe::map_type(t).unwrap());
    }
    // Other tests of this process may probe meanwhile, but not 100 times.
    assert!(probe::probes_run() - before < 100);
    let threads: Vec<_> = (0..8)
        .map(|_| std::thread::spawn(|| probe::helper(ProgType::SK_LOOKUP, Helper::SkAssign)))
        .collect();
    let answers: Vec<bool> = threads.into_iter().map(|t| t.join().unwrap().unwrap()).collect();
    assert!(answers.iter().all(|&a| a));
}

#[test]
fn what_a_6_x_verifier_accepts() {
    require_kernel!();
    assert!(probe::bpf_syscall());
    for what in [
        probe::InsnFeature::LargeProgram,
        probe::InsnFeature::BoundedLoops,
        probe::InsnFeature::IsaV2,
        probe::InsnFeature::IsaV3,
    ] {
        assert!(probe::insns(what).unwrap(), "{what}");
    }
}

#[test]
fn the_link_types_of_a_6_18_kernel() {
    require_kernel!();
    use bpfkit::link::LinkType;
    for t in [LinkType::TCX, LinkType::CGROUP, LinkType::NETNS, LinkType::SOCKMAP] {
        assert!(probe::link_type(t).unwrap(), "{t}");
    }
    // Kernel options (CONFIG_NETKIT, CONFIG_NETFILTER_BPF_LINK): an answer
    // either way.
    probe::link_type(LinkType::NETKIT).unwrap();
    probe::link_type(LinkType::NETFILTER).unwrap();
    probe::require_link_type(LinkType::TCX).unwrap();
    for t in [LinkType::XDP, LinkType::PERF_EVENT] {
        let err = probe::link_type(t).unwrap_err();
        assert!(
            matches!(err, Error::CannotProbe { errno: bpfkit::Errno::EOPNOTSUPP, .. }),
            "{err}"
        );
    }
}
