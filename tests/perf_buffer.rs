//! Perf buffers: every sample arrives once and intact through the
//! per-CPU rings, wrap-around included; a full ring's drops are counted,
//! each one an output that failed in the program;
//! the poller serves a perf buffer beside a ring buffer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::HashSet;
use std::time::Duration;

use bpfkit::asm::{ProgramBuilder, R0, R1, R2, R6, R10, Size};
use bpfkit::maps::{EventPoller, Global, PerfEvent, PerfEventArray, RingBuf};
use bpfkit::prog::kind::{SocketFilter, Xdp};
use bpfkit::prog::{Program, ProgramSpec, TestRun};
use common::unique;

const MAGIC: i32 = 0x5a5a_5a5a;

/// Sends `seq` and `seq ^ MAGIC` (16 bytes, from the stack) per run, and
/// counts the runs whose output failed (a negative return).
fn producer(array: &PerfEventArray) -> (Program<Xdp>, Global<u64>) {
    let seq = Global::create(&unique("pseq"), &0u64).unwrap();
    let failed = Global::create(&unique("pfail"), &0u64).unwrap();
    let mut b = ProgramBuilder::new();
    let fail = b.label();
    b.mov64(R6, R1).ld_map_value(R1, &seq, 0).mov64(R2, 1).atomic_fetch_add64(R1, 0, R2);
    b.stx(Size::DW, R10, -16, R2).xor64(R2, MAGIC).stx(Size::DW, R10, -8, R2);
    b.mov64(R1, R6).mov64(R2, R10).add64(R2, -16).perf_event_output(array, R2, 16);
    b.jslt(R0, 0, fail).mov64(R0, 2).exit();
    b.bind(fail).ld_map_value(R1, &failed, 0).mov64(R2, 1).atomic_add64(R1, 0, R2);
    b.mov64(R0, 2).exit();
    let prog =
        ProgramSpec::typed(Xdp, &b.assemble().unwrap()).name("perf_producer").load().unwrap();
    (prog, failed)
}

fn seq_of(sample: &[u8]) -> u64 {
    // The program's 16 bytes, then the kernel's padding.
    assert!(sample.len() >= 16, "{}", sample.len());
    let seq = u64::from_ne_bytes(sample[..8].try_into().unwrap());
    let check = u64::from_ne_bytes(sample[8..16].try_into().unwrap());
    assert_eq!(check, seq ^ MAGIC as u64, "a torn or corrupt sample");
    seq
}

#[test]
fn every_sample_arrives_once_through_wrapping_rings() {
    require_kernel!();
    let array = PerfEventArray::create(&unique("pa")).unwrap();
    let (prog, _failed) = producer(&array);
    // One page: 4096 bytes hold 128 samples of 32 bytes; draining after
    // every 100 makes the records wrap around the ring's end.
    let mut buffer = array.open_buffer(1).unwrap();
    let mut seen = HashSet::new();
    for _ in 0..30 {
        prog.test_run(TestRun::new(&[0u8; 64]).repeat(100)).unwrap();
        buffer.drain(|_, sample| assert!(seen.insert(seq_of(sample))));
    }
    assert_eq!(seen.len(), 3000);
    assert!((0..3000).all(|s| seen.contains(&s)));
    assert_eq!(buffer.lost(), 0);
}

/// Sends `words` 8-byte words per run: the run's sequence number plus
/// the word's index, so that a record put together wrongly shows.
fn counting_producer(array: &PerfEventArray, words: i16) -> (Program<Xdp>, Global<u64>) {
    let seq = Global::create(&unique("pseq"), &0u64).unwrap();
    let mut b = ProgramBuilder::new();
    b.mov64(R6, R1).ld_map_value(R1, &seq, 0).mov64(R2, 1).atomic_fetch_add64(R1, 0, R2);
    for i in 0..words {
        b.stx(Size::DW, R10, 8 * (i - words), R2).add64(R2, 1);
    }
    b.mov64(R1, R6).mov64(R2, R10).add64(R2, i32::from(-8 * words));
    b.perf_event_output(array, R2, i32::from(8 * words)).mov64(R0, 2).exit();
    let prog =
        ProgramSpec::typed(Xdp, &b.assemble().unwrap()).name("perf_counting").load().unwrap();
    (prog, seq)
}

#[test]
fn samples_that_straddle_the_end_of_the_ring_arrive_whole() {
    require_kernel!();
    // Every run on one CPU, so that its one-page ring laps many times.
    common::stay_on_cpu0();
    // Untimed 40-byte samples make 56-byte records, timed 48-byte ones
    // 72-byte records: neither divides 4096, so a record crosses the end
    // of the ring on most laps (30 laps or so here).
    for (timed, count) in [(false, 5i16), (true, 6)] {
        let array = PerfEventArray::create(&unique("pa")).unwrap();
        let (prog, _seq) = counting_producer(&array, count);
        let mut buffer =
            if timed { array.open_buffer_with_time(1) } else { array.open_buffer(1) }.unwrap();
        let mut next = 0u64;
        for _ in 0..40 {
            prog.test_run(TestRun::new(&[0u8; 64]).repeat(50)).unwrap();
            let n = buffer.drain(|_, sample| {
                // The kernel pads the raw data to 8 bytes with its size.
                let words: Vec<u64> = sample
                    .chunks_exact(8)
                    .map(|w| u64::from_ne_bytes(w.try_into().unwrap()))
                    .collect();
                let want: Vec<u64> = (next..).take(count as usize).collect();
                assert_eq!(words, want, "sample {next} (timed: {timed})");
                next += 1;
            });
            assert_eq!(n, 50);
        }
        assert_eq!((next, buffer.lost()), (2000, 0));
    }
}

#[test]
fn a_full_ring_counts_what_it_lost_and_keeps_the_rest_intact() {
    require_kernel!();
    // The kernel writes its LOST record into the full ring at the next
    // output that fits there: every run must be on the same CPU.
    common::stay_on_cpu0();
    let array = PerfEventArray::create(&unique("pa")).unwrap();
    let (prog, _failed) = producer(&array);
    let mut buffer = array.open_buffer(1).unwrap();
    prog.test_run(TestRun::new(&[0u8; 64]).repeat(1000)).unwrap();
    let mut seqs = Vec::new();
    buffer.drain(|_, sample| seqs.push(seq_of(sample)));
    assert!(!seqs.is_empty() && seqs.len() < 1000, "{}", seqs.len());
    // The rest is counted lost, by the kernel's LOST record, written
    // before the next sample that fits (on this CPU: see above).
    prog.test_run(TestRun::new(&[0u8; 64])).unwrap();
    buffer.drain(|_, sample| seqs.push(seq_of(sample)));
    let runs = 1001;
    assert!(buffer.lost() > 0);
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "in order");
    assert_eq!(seqs.len() as u64 + buffer.lost(), runs);
}

#[test]
fn every_output_a_full_ring_refuses_fails_in_the_program_and_is_counted_lost() {
    require_kernel!();
    // Every run on one CPU: its ring is the one that fills.
    common::stay_on_cpu0();
    let array = PerfEventArray::create(&unique("pa")).unwrap();
    let (prog, failed) = producer(&array);
    let mut buffer = array.open_buffer(1).unwrap();
    prog.test_run(TestRun::new(&[0u8; 64]).repeat(1000)).unwrap();
    let mut seqs = Vec::new();
    buffer.drain(|_, sample| seqs.push(seq_of(sample)));
    // The output that fits after the drain carries the kernel's count of
    // those it dropped.
    prog.test_run(TestRun::new(&[0u8; 64])).unwrap();
    buffer.drain(|_, sample| seqs.push(seq_of(sample)));
    let failed = failed.get();
    assert!(failed > 0, "a one-page ring took 1000 samples");
    assert_eq!(buffer.lost(), failed, "the program's failures are the kernel's losses");
    assert_eq!(seqs.len() as u64 + failed, 1001);
    // What arrived is the first ones that fit, then the one after the drain.
    let fit = seqs.len() as u64 - 1;
    assert_eq!(seqs[..seqs.len() - 1], (0..fit).collect::<Vec<u64>>());
    assert_eq!(seqs.last(), Some(&1000));
}

#[test]
fn one_poller_serves_a_perf_buffer_and_a_ring_buffer() {
    require_kernel!();
    let array = PerfEventArray::create(&unique("pa")).unwrap();
    let (prog, _failed) = producer(&array);
    let ring = RingBuf::create(&unique("rb"), 4096).unwrap();
    // The ring's records: 100 + the run's number, 8 bytes.
    let ring_seq = Global::create(&unique("rseq"), &100u64).unwrap();
    let mut b = ProgramBuilder::new();
    b.ld_map_value(R1, &ring_seq, 0).mov64(R2, 1).atomic_fetch_add64(R1, 0, R2);
    b.stx(Size::DW, R10, -8, R2).mov64(R6, R10).add64(R6, -8).ringbuf_output(&ring, R6, 8);
    b.mov64(R0, 0).exit();
    let ring_prog =
        ProgramSpec::typed(SocketFilter, &b.assemble().unwrap()).name("ring_out").load().unwrap();

    let mut poller = EventPoller::new().unwrap();
    assert_eq!(poller.add_ring(&ring).unwrap(), 0);
    assert_eq!(poller.add_perf(array.open_buffer(2).unwrap()).unwrap(), 1);
    assert_eq!(poller.poll(Some(Duration::from_millis(20)), |_, _| panic!("idle")).unwrap(), 0);
    let word = |data: &[u8]| u64::from_ne_bytes(data[..8].try_into().unwrap());
    let mut got = Vec::new();
    let mut poll = |got: &mut Vec<(usize, u64)>| {
        poller.poll(Some(Duration::from_secs(5)), |source, data| got.push((source, word(data))))
    };
    // Each alone, then both at once: a poll hands over what every source
    // has, sources in the order they were added.
    prog.test_run(TestRun::new(&[0u8; 64]).repeat(3)).unwrap();
    assert_eq!(poll(&mut got).unwrap(), 3);
    ring_prog.test_run(TestRun::new(&[0u8; 64]).repeat(2)).unwrap();
    assert_eq!(poll(&mut got).unwrap(), 2);
    prog.test_run(TestRun::new(&[0u8; 64]).repeat(2)).unwrap();
    ring_prog.test_run(TestRun::new(&[0u8; 64])).unwrap();
    assert_eq!(poll(&mut got).unwrap(), 3);
    assert_eq!(got, [(1, 0), (1, 1), (1, 2), (0, 100), (0, 101), (0, 102), (1, 3), (1, 4)]);
    assert_eq!(poller.lost(1), 0);
}

#[test]
fn a_timed_buffer_stamps_each_sample_in_order() {
    require_kernel!();
    let array = PerfEventArray::create(&unique("pa")).unwrap();
    let (prog, _failed) = producer(&array);
    let mut buffer = array.open_buffer_with_time(2).unwrap();
    let mut got = Vec::new();
    prog.test_run(TestRun::new(&[0u8; 64]).repeat(3)).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    prog.test_run(TestRun::new(&[0u8; 64])).unwrap();
    let n = buffer.drain_events(|event| match event {
        PerfEvent::Sample { cpu, index, time, data } => {
            assert_eq!(cpu, index);
            got.push((time, seq_of(data)));
        }
        other => panic!("{other:?}"),
    });
    assert_eq!(n, 4);
    got.sort_by_key(|&(_, seq)| seq);
    assert_eq!(got.iter().map(|&(_, seq)| seq).collect::<Vec<_>>(), [0, 1, 2, 3]);
    assert!(got[0].0 > 0 && got.windows(2).all(|w| w[0].0 <= w[1].0), "{got:?}");
    assert!(got[3].0 - got[2].0 >= 20_000_000, "the sleep between runs: {got:?}");
    // Untimed buffers still read the same samples, with time 0.
    let mut plain = array.open_buffer(1).unwrap();
    prog.test_run(TestRun::new(&[0u8; 64])).unwrap();
    plain.drain_events(|event| {
        assert!(matches!(event, PerfEvent::Sample { time: 0, .. }), "{event:?}");
    });
    // A map of another type is refused.
    let other = bpfkit::maps::RingBuf::create(&unique("rb"), 4096).unwrap();
    assert!(PerfEventArray::from_map(other.as_ref().clone()).is_err());
}
