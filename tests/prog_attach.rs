//! `BPF_PROG_ATTACH` without a link: a sockmap's program slots and the
//! current namespace's flow dissector, with the types checked before the
//! kernel is asked.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use bpfkit::asm::{ProgramBuilder, R0};
use bpfkit::link::{
    SockMapHook, attach_flow_dissector_legacy, attach_to_sock_map, detach_flow_dissector,
    detach_from_sock_map,
};
use bpfkit::maps::{MapFlags, MapSpec, MapType};
use bpfkit::prog::{AttachType, ProgType, Program, ProgramSpec};
use bpfkit::{Errno, Error};
use common::{Netns, unique};

fn returning(prog_type: ProgType, attach: Option<AttachType>, ret: i32) -> Program {
    let mut b = ProgramBuilder::new();
    b.mov64(R0, ret).exit();
    let insns = b.assemble().unwrap();
    let mut spec = ProgramSpec::new(prog_type, &insns).name("pa");
    if let Some(a) = attach {
        spec = spec.expected_attach_type(a);
    }
    spec.load().unwrap()
}

fn map(map_type: MapType) -> bpfkit::maps::MapFd {
    MapSpec::new(map_type, 4, 4, 2).name(&unique("pa")).flags(MapFlags::empty()).create().unwrap()
}

#[test]
fn sockmap_slots_take_their_program_type_and_a_sock_map() {
    require_kernel!();
    let verdict = returning(ProgType::SK_SKB, Some(AttachType::SK_SKB_STREAM_VERDICT), 1);
    let sockmap = map(MapType::SOCKMAP);
    let hook = SockMapHook::StreamVerdict;
    attach_to_sock_map(&verdict, &sockmap, hook).unwrap();
    detach_from_sock_map(&verdict, &sockmap, hook).unwrap();
    let err = detach_from_sock_map(&verdict, &sockmap, hook).unwrap_err();
    assert!(matches!(err, Error::Hook { errno: Errno::ENOENT, .. }), "{err}");
    // The wrong program type, the wrong map type: refused before the kernel.
    let xdp = returning(ProgType::XDP, None, 2);
    let err = attach_to_sock_map(&xdp, &sockmap, hook).unwrap_err();
    assert!(matches!(err, Error::WrongProgType { expected: ProgType::SK_SKB, .. }), "{err}");
    let array = map(MapType::ARRAY);
    let err = attach_to_sock_map(&verdict, &array, hook).unwrap_err();
    assert!(matches!(err, Error::MapMismatch { .. }), "{err}");
    assert!(err.to_string().contains("sockmap or sockhash"), "{err}");
    assert_eq!(SockMapHook::MsgVerdict.prog_type(), ProgType::SK_MSG);
    assert_eq!(SockMapHook::StreamParser.attach_type(), AttachType::SK_SKB_STREAM_PARSER);
}

#[test]
fn the_flow_dissector_of_the_current_namespace_attaches_and_detaches() {
    require_kernel!();
    let prog = returning(ProgType::FLOW_DISSECTOR, Some(AttachType::FLOW_DISSECTOR), 0);
    let ns = Netns::new();
    ns.run(|| {
        attach_flow_dissector_legacy(&prog).unwrap();
        detach_flow_dissector(&prog).unwrap();
        let err = detach_flow_dissector(&prog).unwrap_err();
        assert!(matches!(err, Error::Hook { errno: Errno::ENOENT, .. }), "{err}");
    });
    let xdp = returning(ProgType::XDP, None, 2);
    let err = attach_flow_dissector_legacy(&xdp).unwrap_err();
    assert!(matches!(err, Error::WrongProgType { .. }), "{err}");
}
