//! The packet counter in the kernel: load, test-run, count.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use bpfkit::maps::{Array, MapFlags};
use bpfkit::prog::{ProgType, ProgramSpec, TestRun};
use bpfkit::programs::{XdpAction, packet_counter};

#[test]
fn counter_counts_ten_thousand_test_runs_exactly() {
    require_kernel!();
    let counts = Array::<u64>::create("count", 1, MapFlags::empty()).unwrap();
    let insns = packet_counter(&counts, XdpAction::Pass).assemble().unwrap();
    let prog = ProgramSpec::new(ProgType::XDP, &insns).name("xdp_counter").load().unwrap();
    let packet = [0u8; 64];
    let run = prog.test_run(TestRun::new(&packet).repeat(10_000)).unwrap();
    assert_eq!(run.retval, XdpAction::Pass as u32);
    assert_eq!(counts.get(0).unwrap(), 10_000);
}
