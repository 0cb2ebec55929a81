//! Ring buffers: every record arrives once and intact, from several
//! threads; discarded records never appear; a full ring fails the
//! producer visibly; a reader dropped while a producer runs hurts nothing;
//! one poller serves several rings.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use bpfkit::asm::{ProgramBuilder, R0, R1, R2, R6, R7, Size};
use bpfkit::maps::{EventPoller, Global, RingBuf};
use bpfkit::prog::kind::SocketFilter;
use bpfkit::prog::{Program, ProgramSpec, TestRun};
use common::unique;

const MAGIC: i32 = 0x5a5a_5a5a;

/// A producer: takes the next sequence number, reserves 16 bytes, writes
/// `seq` and `seq ^ MAGIC`, and discards the record when `seq % 5 == 4`,
/// else submits it; counts the runs that found the ring full.
struct Producer {
    prog: Program<SocketFilter>,
    seq: Global<u64>,
    full: Global<u64>,
}

fn producer(ring: &RingBuf) -> Producer {
    let seq = Global::create(&unique("seq"), &0u64).unwrap();
    let full = Global::create(&unique("full"), &0u64).unwrap();
    let mut b = ProgramBuilder::new();
    let (got, discard) = (b.label(), b.label());
    b.ld_map_value(R1, &seq, 0).mov64(R2, 1).atomic_fetch_add64(R1, 0, R2).mov64(R6, R2);
    b.ringbuf_reserve(ring, 16).jne(R0, 0, got);
    b.ld_map_value(R1, &full, 0).mov64(R2, 1).atomic_add64(R1, 0, R2).mov64(R0, 0).exit();
    b.bind(got).stx(Size::DW, R0, 0, R6).mov64(R7, R6).xor64(R7, MAGIC).stx(Size::DW, R0, 8, R7);
    b.mov64(R7, R6).mod64(R7, 5).jeq(R7, 4, discard);
    b.ringbuf_submit(R0).mov64(R0, 0).exit();
    b.bind(discard).ringbuf_discard(R0).mov64(R0, 0).exit();
    let insns = b.assemble().unwrap();
    let prog = ProgramSpec::typed(SocketFilter, &insns).name("rb_producer").load().unwrap();
    Producer { prog, seq, full }
}

impl Producer {
    fn run(&self, times: u32) {
        self.prog.test_run(TestRun::new(&[0u8; 64]).repeat(times)).unwrap();
    }
}

/// A record's sequence number, checked to be intact.
fn seq_of(record: &[u8]) -> u64 {
    assert_eq!(record.len(), 16);
    let seq = u64::from_ne_bytes(record[..8].try_into().unwrap());
    let check = u64::from_ne_bytes(record[8..].try_into().unwrap());
    assert_eq!(check, seq ^ MAGIC as u64, "a torn or corrupt record");
    seq
}

#[test]
fn every_record_arrives_once_from_two_threads_on_two_cpus_and_discards_never() {
    require_kernel!();
    let ring = RingBuf::create(&unique("rb"), 1 << 20).unwrap();
    let producer = producer(&ring);
    let mut poller = EventPoller::new().unwrap();
    poller.add_ring(&ring).unwrap();
    const PER_THREAD: u32 = 10_000;
    let expected = (2 * PER_THREAD as u64) * 4 / 5;
    let mut seen = HashSet::new();
    // Two producer threads, each kept on a CPU of its own (where the
    // machine has two).
    let cpus = common::allowed_cpus();
    std::thread::scope(|s| {
        for t in 0..2 {
            let (producer, cpu) = (&producer, cpus[t % cpus.len()]);
            s.spawn(move || {
                common::stay_on_cpu(cpu);
                producer.run(PER_THREAD)
            });
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        while (seen.len() as u64) < expected && Instant::now() < deadline {
            poller
                .poll(Some(Duration::from_millis(50)), |source, record| {
                    assert_eq!(source, 0);
                    let seq = seq_of(record);
                    assert_ne!(seq % 5, 4, "a discarded record was handed out");
                    assert!(seen.insert(seq), "record {seq} twice");
                })
                .unwrap();
        }
    });
    assert_eq!(seen.len() as u64, expected);
    assert_eq!(producer.full.get(), 0);
    assert_eq!(producer.seq.get(), 2 * PER_THREAD as u64);
    assert_eq!(poller.discarded(0), 2 * PER_THREAD as u64 / 5);
    assert!((0..2 * PER_THREAD as u64).filter(|s| s % 5 != 4).all(|s| seen.contains(&s)));
}

#[test]
fn a_full_ring_fails_the_producer_visibly_and_keeps_what_fit_intact() {
    require_kernel!();
    let ring = RingBuf::create(&unique("rb"), 4096).unwrap();
    let producer = producer(&ring);
    producer.run(1000);
    let full = producer.full.get();
    assert!(full > 0, "a one-page ring holds fewer than 1000 records");
    let mut reader = ring.reader().unwrap();
    let mut seqs = Vec::new();
    reader.drain(|record| seqs.push(seq_of(record)));
    // What fit is the first records in order, the discarded ones left out.
    let fit = 1000 - full;
    let want: Vec<u64> = (0..fit).filter(|s| s % 5 != 4).collect();
    assert_eq!(seqs, want);
    assert_eq!(reader.discarded(), (0..fit).filter(|s| s % 5 == 4).count() as u64);
    // Room again: the next run's record arrives.
    producer.run(1);
    let mut next = Vec::new();
    reader.drain(|record| next.push(seq_of(record)));
    assert_eq!(next, [1000]);
}

#[test]
fn a_reader_dropped_while_the_producer_runs_hurts_nothing() {
    require_kernel!();
    let ring = RingBuf::create(&unique("rb"), 1 << 16).unwrap();
    let producer = producer(&ring);
    let mut seen = HashSet::new();
    let mut discarded = 0;
    std::thread::scope(|s| {
        let running = s.spawn(|| {
            for _ in 0..50 {
                producer.run(100);
            }
        });
        for _ in 0..20 {
            let mut reader = ring.reader().unwrap();
            reader.drain(|record| assert!(seen.insert(seq_of(record))));
            discarded += reader.discarded();
            drop(reader);
        }
        running.join().unwrap();
    });
    // Whatever is left is still whole, and nothing came twice or was lost.
    let mut reader = ring.reader().unwrap();
    reader.drain(|record| assert!(seen.insert(seq_of(record))));
    discarded += reader.discarded();
    assert_eq!(seen.len() as u64 + discarded + producer.full.get(), 5000);
    assert!(seen.iter().all(|s| s % 5 != 4));
}

#[test]
fn one_poller_serves_two_rings_and_times_out_when_idle() {
    require_kernel!();
    let (a, b) = (
        RingBuf::create(&unique("rba"), 4096).unwrap(),
        RingBuf::create(&unique("rbb"), 4096).unwrap(),
    );
    let (pa, pb) = (producer(&a), producer(&b));
    let mut poller = EventPoller::new().unwrap();
    assert_eq!(poller.add_ring(&a).unwrap(), 0);
    assert_eq!(poller.add_ring(&b).unwrap(), 1);

    let start = Instant::now();
    assert_eq!(
        poller.poll(Some(Duration::from_millis(30)), |_, _| panic!("no records")).unwrap(),
        0
    );
    assert!(start.elapsed() >= Duration::from_millis(25));

    pb.run(3); // seqs 0, 1, 2 on b
    let mut got = Vec::new();
    poller
        .poll(Some(Duration::from_secs(5)), |source, record| got.push((source, seq_of(record))))
        .unwrap();
    assert_eq!(got, [(1, 0), (1, 1), (1, 2)]);
    pa.run(1);
    got.clear();
    poller.poll(None, |source, record| got.push((source, seq_of(record)))).unwrap();
    assert_eq!(got, [(0, 0)]);
}

#[test]
fn sizes_the_kernel_refuses_are_errors_that_say_why() {
    let err = RingBuf::create("rb_bad", 5000).unwrap_err();
    assert!(err.to_string().contains("power of two"), "{err}");
}
