//! `BPF_PROG_ATTACH` without a link: a sockmap's program slots and the
//! current namespace's flow dissector, with the types checked before the
//! kernel is asked.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use bpfkit::asm::{ProgramBuilder, R0};
use bpfkit::link::{
    LinkTarget, LinkType, SockMapHook, attach_flow_dissector_legacy, attach_sock_map_link,
    attach_to_sock_map, detach_flow_dissector, detach_from_sock_map,
};
use bpfkit::maps::{Array, MapFlags, MapSpec, MapType, UpdateMode};
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

/// An `sk_msg` verdict that counts each message sent and lets it pass.
fn counting_msg_verdict() -> (Program, Array<u64>) {
    use bpfkit::asm::{Helper, R1, R2, R10, Size};
    let counts = Array::<u64>::create(&unique("msg"), 1, MapFlags::empty()).unwrap();
    let mut b = ProgramBuilder::new();
    let done = b.label();
    b.st(Size::W, R10, -4, 0).mov64(R2, R10).add64(R2, -4).ld_map_fd(R1, &counts);
    b.call(Helper::MapLookupElem).jeq(R0, 0, done).mov64(R1, 1).atomic_add64(R0, 0, R1);
    b.bind(done).mov64(R0, 1).exit(); // SK_PASS
    let insns = b.assemble().unwrap();
    let prog = ProgramSpec::new(ProgType::SK_MSG, &insns)
        .expected_attach_type(AttachType::SK_MSG_VERDICT)
        .name("msgcount")
        .load()
        .unwrap();
    (prog, counts)
}

#[test]
fn a_sockmap_link_runs_its_verdict_on_each_message_until_dropped() {
    require_kernel!();
    use std::io::{Read, Write};
    use std::os::fd::AsRawFd;
    let (verdict, counts) = counting_msg_verdict();
    let sockmap = MapSpec::new(MapType::SOCKMAP, 4, 4, 1).name(&unique("sm")).create().unwrap();
    let hook = SockMapHook::MsgVerdict;
    let link = attach_sock_map_link(&verdict, &sockmap, hook).unwrap();
    let info = link.info().unwrap();
    assert_eq!(info.link_type, LinkType::SOCKMAP);
    let map_id = sockmap.info().unwrap().id;
    assert_eq!(
        info.target,
        LinkTarget::SockMap { map_id, attach_type: AttachType::SK_MSG_VERDICT }
    );

    // A TCP connection whose client socket is in the map: each send runs the
    // verdict, and the data still arrives.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (mut server, _) = listener.accept().unwrap();
    let fd = client.as_raw_fd() as u32;
    sockmap.update_bytes(&0u32.to_ne_bytes(), &fd.to_ne_bytes(), UpdateMode::Any).unwrap();
    for _ in 0..3 {
        client.write_all(b"ping").unwrap();
    }
    let mut got = [0u8; 12];
    server.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"pingpingping");
    assert_eq!(counts.get(0).unwrap(), 3);

    // The slot is the link's: a second program is refused; once the link
    // goes, the slot is free and the verdict no longer runs on a socket
    // put in the map (one already there keeps the programs it was given).
    let (other, _) = counting_msg_verdict();
    let err = attach_to_sock_map(&other, &sockmap, hook).unwrap_err();
    assert!(matches!(err, Error::Hook { errno: Errno::EBUSY, .. }), "{err}");
    drop(link);
    common::wait_link_gone(info.id);
    sockmap.delete_bytes(&0u32.to_ne_bytes()).unwrap();
    sockmap.update_bytes(&0u32.to_ne_bytes(), &fd.to_ne_bytes(), UpdateMode::Any).unwrap();
    client.write_all(b"ping").unwrap();
    server.read_exact(&mut got[..4]).unwrap();
    assert_eq!(counts.get(0).unwrap(), 3, "the verdict ran after its link was dropped");
    attach_to_sock_map(&other, &sockmap, hook).unwrap();
    detach_from_sock_map(&other, &sockmap, hook).unwrap();
    // The same checks as the legacy attach, before the kernel is asked.
    let xdp = returning(ProgType::XDP, None, 2);
    let err = attach_sock_map_link(&xdp, &sockmap, hook).unwrap_err();
    assert!(matches!(err, Error::WrongProgType { expected: ProgType::SK_MSG, .. }), "{err}");
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
