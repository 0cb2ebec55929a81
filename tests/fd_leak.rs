//! No file descriptor outlives the objects that own it. Alone in its binary:
//! other tests running in parallel would open fds of their own.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use bpfkit::Error;
use bpfkit::asm::{ProgramBuilder, R0, R3};
use bpfkit::maps::{Array, MapFlags};
use bpfkit::prog::{ProgType, ProgramSpec};
use bpfkit::programs::{XdpAction, packet_counter};

#[test]
fn ten_thousand_load_drop_cycles_leak_no_fd() {
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
