//! The packet counter in the kernel: load, test-run, count.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use bpfkit::maps::{Array, MapFlags};
use bpfkit::prog::{ProgType, ProgramSpec, TestRun};
use bpfkit::programs::{XdpAction, packet_counter, packet_counter_by_name};

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

/// Runs `prog` on a 64-byte packet from `threads` threads at once, `runs`
/// times each, and returns the map's count afterwards.
fn hammer(prog: &bpfkit::prog::Program, counts: &Array<u64>, threads: usize, runs: u32) -> u64 {
    let start = std::sync::Barrier::new(threads);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let packet = [0u8; 64];
                start.wait();
                prog.test_run(TestRun::new(&packet).repeat(runs)).unwrap();
            });
        }
    });
    counts.get(0).unwrap()
}

#[test]
fn atomic_add_is_exact_under_concurrency() {
    require_kernel!();
    let counts = Array::<u64>::create("count_atomic", 1, MapFlags::empty()).unwrap();
    let insns = packet_counter(&counts, XdpAction::Pass).assemble().unwrap();
    let prog = ProgramSpec::new(ProgType::XDP, &insns).name("atomic").load().unwrap();
    let (threads, runs) = (2, 2_000_000);
    assert_eq!(hammer(&prog, &counts, threads, runs), threads as u64 * u64::from(runs));
}

#[test]
fn plain_increment_loses_counts_under_concurrency() {
    require_kernel!();
    use bpfkit::asm::{Helper, ProgramBuilder, R0, R1, R2, R10, Size};
    let counts = Array::<u64>::create("count_plain", 1, MapFlags::empty()).unwrap();
    // The counter with `(*value)++` as a load, an add and a store.
    let mut b = ProgramBuilder::new();
    let done = b.label();
    b.st(Size::W, R10, -4, 0)
        .mov64(R2, R10)
        .add64(R2, -4)
        .ld_map_fd(R1, &counts)
        .call(Helper::MapLookupElem)
        .jeq(R0, 0, done)
        .ldx(Size::DW, R1, R0, 0)
        .add64(R1, 1)
        .stx(Size::DW, R0, 0, R1)
        .bind(done)
        .mov64(R0, 2)
        .exit();
    let insns = b.assemble().unwrap();
    let prog = ProgramSpec::new(ProgType::XDP, &insns).name("plain").load().unwrap();
    let (threads, runs) = (2, 2_000_000);
    let total = threads as u64 * u64::from(runs);
    let counted = hammer(&prog, &counts, threads, runs);
    // Whether updates are lost depends on how the runs overlap: show it.
    println!(
        "plain (*value)++ from {threads} threads: counted {counted} of {total}, lost {}",
        total - counted
    );
    assert!(counted <= total, "counted {counted} of {total}");
}

#[test]
fn program_info_and_lookup_by_id() {
    require_kernel!();
    use bpfkit::prog::{Program, program_ids};
    let counts = Array::<u64>::create("count_info", 1, MapFlags::empty()).unwrap();
    let insns = packet_counter(&counts, XdpAction::Drop).assemble().unwrap();
    let prog = ProgramSpec::new(ProgType::XDP, &insns).name("info_counter").load().unwrap();
    let info = prog.info().unwrap();
    assert!(info.id > 0);
    assert_eq!(info.prog_type, ProgType::XDP);
    assert_eq!(info.name, "info_counter");
    assert_eq!(info.map_ids, vec![counts.map().info().unwrap().id]);
    assert!(info.xlated_insns >= 10, "{info:?}");
    assert!(info.verified_insns > 0, "{info:?}");
    assert!(info.gpl_compatible);
    assert_eq!(info.tag.to_string().len(), 16);
    assert_ne!(info.tag.0, [0; 8]);
    // Charged at least a page; the same figure bpftool prints.
    assert!(info.memlock >= 4096, "{info:?}");
    let map_info = counts.map().info().unwrap();
    assert!(map_info.memlock > 0 && !map_info.frozen, "{map_info:?}");
    assert!(program_ids().any(|id| id.unwrap() == info.id));
    let again = Program::from_id(info.id).unwrap();
    assert_eq!(again.info().unwrap().tag, info.tag);
    assert_eq!(again.name(), "info_counter");
    let run = again.test_run(TestRun::new(&[0u8; 64])).unwrap();
    assert_eq!(run.retval, XdpAction::Drop as u32);
    assert_eq!(counts.get(0).unwrap(), 1);
}

#[test]
fn test_run_copies_the_packet_out() {
    require_kernel!();
    let counts = Array::<u64>::create("count_out", 1, MapFlags::empty()).unwrap();
    let insns = packet_counter(&counts, XdpAction::Tx).assemble().unwrap();
    let prog = ProgramSpec::new(ProgType::XDP, &insns).name("copy_out").load().unwrap();
    let packet: Vec<u8> = (0..64).collect();
    let mut out = [0u8; 128];
    let run = prog.test_run(TestRun::new(&packet).data_out(&mut out)).unwrap();
    assert_eq!(run.retval, XdpAction::Tx as u32);
    assert_eq!(run.data_size_out, 64);
    assert_eq!(&out[..64], &packet[..]);
}

#[test]
fn a_map_referred_to_by_name_is_bound_before_load() {
    require_kernel!();
    use bpfkit::Error;
    let mut insns = packet_counter_by_name("packet_count", XdpAction::Pass).assemble().unwrap();
    assert_eq!(insns.named_maps().collect::<Vec<_>>(), vec![(3, "packet_count")]);
    let err = ProgramSpec::new(ProgType::XDP, &insns).load().unwrap_err();
    assert!(
        matches!(err, Error::InvalidArgument { .. }) && err.to_string().contains("bind_map"),
        "{err}"
    );

    let counts = Array::<u64>::create("by_name", 1, MapFlags::empty()).unwrap();
    assert_eq!(insns.bind_map("other", &counts), 0);
    assert_eq!(insns.bind_map("packet_count", &counts), 1);
    assert_eq!(insns.named_maps().count(), 0);
    let prog = ProgramSpec::new(ProgType::XDP, &insns).name("by_name").load().unwrap();
    prog.test_run(TestRun::new(&[0u8; 64]).repeat(7)).unwrap();
    assert_eq!(counts.get(0).unwrap(), 7);
}
