//! No file descriptor outlives the objects that own it. Alone in its binary:
//! other tests running in parallel would open fds of their own; the tests
//! here take turns ([`ONE_AT_A_TIME`]) for the same reason.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use bpfkit::Error;
use bpfkit::asm::{ProgramBuilder, R0, R3};
use bpfkit::btf::{BtfObject, TypeId};
use bpfkit::maps::{Array, MapFlags, MapSpec, MapType};
use bpfkit::prog::{ProgType, ProgramSpec};
use bpfkit::programs::{XdpAction, packet_counter};

/// Held by each test while it counts fds.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn ten_thousand_load_drop_cycles_leak_no_fd() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    require_kernel!();
    // Warm up: one-time fds (e.g. the possible-CPU file) are not leaks.
    let counts = Array::<u64>::create("warm", 1, MapFlags::empty()).unwrap();
    drop(counts);
    let before = common::open_fds();
    for i in 0..10_000 {
        let counts = Array::<u64>::create("leak", 1, MapFlags::empty()).unwrap();
        let insns = packet_counter(&counts, XdpAction::Pass).assemble().unwrap();
        let prog = ProgramSpec::new(ProgType::XDP, &insns).name("leak").load().unwrap();
        if i % 1000 == 0 {
            // A failing load (with its log retry) must not leak either.
            let mut b = ProgramBuilder::new();
            b.mov64(R0, R3).exit();
            let bad = b.assemble().unwrap();
            assert!(matches!(
                ProgramSpec::new(ProgType::XDP, &bad).load(),
                Err(Error::Verifier(_))
            ));
        }
        drop((prog, insns, counts));
    }
    assert_eq!(common::open_fds(), before, "file descriptors leaked");
}

#[test]
fn btf_load_read_drop_cycles_leak_no_fd() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    require_kernel!();
    use common::btf::{BAD, INT, PAIR, pair};
    let (good, bad) = (pair(PAIR, INT), pair(BAD, INT));
    drop(BtfObject::load(&good).unwrap());
    let before = common::open_fds();
    for _ in 0..1_000 {
        let btf = BtfObject::load(&good).unwrap();
        let id = btf.info().unwrap().id;
        assert_eq!(BtfObject::from_id(id).unwrap().data().unwrap(), good);
        let spec = MapSpec::new(MapType::ARRAY, 4, 8, 1).name("leak_btf");
        let map = spec.btf(&btf, TypeId(1), TypeId(2)).create().unwrap();
        // A refused load (with its log retry) must not leak either.
        assert!(matches!(BtfObject::load(&bad), Err(Error::BtfLoad { .. })));
        drop((map, btf));
    }
    assert_eq!(common::open_fds(), before, "file descriptors leaked");
}

#[test]
fn tracepoint_and_socket_filter_attach_cycles_leak_no_fd() {
    use bpfkit::link::{attach_raw_tracepoint, attach_socket_filter, attach_tracepoint};
    use bpfkit::prog::kind::{RawTracepoint, SocketFilter, Tracepoint};
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    require_kernel!();
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap();
    if !mounts.lines().any(|l| l.split_whitespace().nth(2) == Some("tracefs")) {
        let status = std::process::Command::new("mount")
            .args(["-t", "tracefs", "nodev", "/sys/kernel/tracing"])
            .status();
        assert!(status.is_ok_and(|s| s.success()), "cannot mount tracefs");
    }
    let mut b = ProgramBuilder::new();
    b.mov64(R0, 0).exit();
    let insns = b.assemble().unwrap();
    let tp = ProgramSpec::typed(Tracepoint, &insns).name("leak_tp").load().unwrap();
    let raw = ProgramSpec::typed(RawTracepoint, &insns).name("leak_raw").load().unwrap();
    let filter = ProgramSpec::typed(SocketFilter, &insns).name("leak_sf").load().unwrap();
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    drop(attach_tracepoint(&tp, "syscalls", "sys_enter_getpid").unwrap());
    let before = common::open_fds();
    for _ in 0..200 {
        let link = attach_tracepoint(&tp, "syscalls", "sys_enter_getpid").unwrap();
        let raw_link = attach_raw_tracepoint(&raw, "sys_enter").unwrap();
        let guard = attach_socket_filter(&filter, &socket).unwrap();
        // Refusals must not leak either.
        assert!(attach_tracepoint(&tp, "syscalls", "sys_enter_nope").is_err());
        assert!(attach_raw_tracepoint(&raw, "no_such_tracepoint").is_err());
        drop((link, raw_link, guard));
    }
    assert_eq!(common::open_fds(), before, "file descriptors leaked");
}
