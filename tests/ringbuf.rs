//! Ring buffers: every record arrives once and intact, from several
//! threads, each on its own CPU; discarded records never appear; a full
//! ring fails the producer visibly, with `ringbuf_reserve` and with
//! `ringbuf_output`; records that cross the end of the data area arrive
//! whole; a reader dropped while a producer runs hurts nothing; one poller
//! serves several rings; the fds wake a caller's own poll(2); a drain
//! stopped early leaves the rest.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::HashSet;
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use bpfkit::asm::{Helper, ProgramBuilder, R0, R1, R2, R6, R7, R8, R9, R10, Size};
use bpfkit::maps::{EventPoller, Global, RingBuf};
use bpfkit::prog::kind::SocketFilter;
use bpfkit::prog::{Program, ProgramSpec, TestRun};
use common::unique;

const MAGIC: i32 = 0x5a5a_5a5a;

/// A producer: takes the next sequence number, reserves 24 bytes, writes
/// `seq`, `seq ^ MAGIC`, the CPU it runs on and the test run's packet
/// length (which tells the thread that ran it), and discards the record
/// when `seq % 5 == 4`, else submits it; counts the runs that found the
/// ring full.
struct Producer {
    prog: Program<SocketFilter>,
    seq: Global<u64>,
    full: Global<u64>,
}

/// The packet length of a test run by thread 0; thread `t` adds `t`.
const PACKET: usize = 64;
/// A socket filter's test run starts the packet past its Ethernet header
/// (the kernel pulls it to find the protocol): `skb->len` is 14 short.
const ETH_HLEN: usize = 14;

fn producer(ring: &RingBuf) -> Producer {
    let seq = Global::create(&unique("seq"), &0u64).unwrap();
    let full = Global::create(&unique("full"), &0u64).unwrap();
    let mut b = ProgramBuilder::new();
    let (got, discard) = (b.label(), b.label());
    // skb->len: `struct __sk_buff` starts with it.
    b.ldx(Size::W, R9, R1, 0).call(Helper::GetSmpProcessorId).mov64(R8, R0);
    b.ld_map_value(R1, &seq, 0).mov64(R2, 1).atomic_fetch_add64(R1, 0, R2).mov64(R6, R2);
    b.ringbuf_reserve(ring, 24).jne(R0, 0, got);
    b.ld_map_value(R1, &full, 0).mov64(R2, 1).atomic_add64(R1, 0, R2).mov64(R0, 0).exit();
    b.bind(got).stx(Size::DW, R0, 0, R6).mov64(R7, R6).xor64(R7, MAGIC).stx(Size::DW, R0, 8, R7);
    b.stx(Size::W, R0, 16, R8).stx(Size::W, R0, 20, R9);
    b.mov64(R7, R6).mod64(R7, 5).jeq(R7, 4, discard);
    b.ringbuf_submit(R0).mov64(R0, 0).exit();
    b.bind(discard).ringbuf_discard(R0).mov64(R0, 0).exit();
    let insns = b.assemble().unwrap();
    let prog = ProgramSpec::typed(SocketFilter, &insns).name("rb_producer").load().unwrap();
    Producer { prog, seq, full }
}

impl Producer {
    fn run(&self, times: u32) {
        self.run_as(0, times);
    }

    /// Runs as thread `thread`: its records carry `PACKET + thread`.
    fn run_as(&self, thread: usize, times: u32) {
        let packet = vec![0u8; PACKET + thread];
        self.prog.test_run(TestRun::new(&packet).repeat(times)).unwrap();
    }
}

/// A record's sequence number, checked to be intact.
fn seq_of(record: &[u8]) -> u64 {
    record_of(record).0
}

/// A record's sequence number, CPU and thread, checked to be intact.
fn record_of(record: &[u8]) -> (u64, u32, usize) {
    assert_eq!(record.len(), 24);
    let seq = u64::from_ne_bytes(record[..8].try_into().unwrap());
    let check = u64::from_ne_bytes(record[8..16].try_into().unwrap());
    assert_eq!(check, seq ^ MAGIC as u64, "a torn or corrupt record");
    let cpu = u32::from_ne_bytes(record[16..20].try_into().unwrap());
    let len = u32::from_ne_bytes(record[20..].try_into().unwrap()) as usize;
    let thread = (len + ETH_HLEN).checked_sub(PACKET);
    (seq, cpu, thread.unwrap_or_else(|| panic!("skb->len {len}: no thread's packet")))
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
    let mut per_thread = [0u64; 2];
    // Two producer threads, each kept on a CPU of its own (where the
    // machine has two).
    let cpus = common::allowed_cpus();
    let cpu_of = |t: usize| cpus[t % cpus.len()];
    std::thread::scope(|s| {
        for t in 0..2 {
            let (producer, cpu) = (&producer, cpu_of(t));
            s.spawn(move || {
                common::stay_on_cpu(cpu);
                producer.run_as(t, PER_THREAD)
            });
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        while (seen.len() as u64) < expected && Instant::now() < deadline {
            poller
                .poll(Some(Duration::from_millis(50)), |source, record| {
                    assert_eq!(source, 0);
                    let (seq, cpu, thread) = record_of(record);
                    assert_ne!(seq % 5, 4, "a discarded record was handed out");
                    assert!(seen.insert(seq), "record {seq} twice");
                    // Each thread's records were written on its own CPU.
                    assert_eq!(cpu as usize, cpu_of(thread), "record {seq} of thread {thread}");
                    per_thread[thread] += 1;
                })
                .unwrap();
        }
    });
    // Which runs a thread had depends on the race for sequence numbers;
    // that both wrote and none wrote more than it ran does not.
    assert!(per_thread.iter().all(|&n| n > 0 && n <= u64::from(PER_THREAD)), "{per_thread:?}");
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

/// Copies `seq` and `seq ^ MAGIC` from the stack with `ringbuf_output`;
/// counts its runs and, apart, those whose output failed (a negative
/// return).
fn output_producer(ring: &RingBuf) -> (Program<SocketFilter>, Global<u64>, Global<u64>) {
    let seq = Global::create(&unique("oseq"), &0u64).unwrap();
    let failed = Global::create(&unique("ofail"), &0u64).unwrap();
    let mut b = ProgramBuilder::new();
    let fail = b.label();
    b.ld_map_value(R1, &seq, 0).mov64(R2, 1).atomic_fetch_add64(R1, 0, R2);
    b.stx(Size::DW, R10, -16, R2).xor64(R2, MAGIC).stx(Size::DW, R10, -8, R2);
    b.mov64(R6, R10).add64(R6, -16).ringbuf_output(ring, R6, 16).jslt(R0, 0, fail);
    b.mov64(R0, 0).exit();
    b.bind(fail).ld_map_value(R1, &failed, 0).mov64(R2, 1).atomic_add64(R1, 0, R2);
    b.mov64(R0, 0).exit();
    let insns = b.assemble().unwrap();
    let prog = ProgramSpec::typed(SocketFilter, &insns).name("rb_output").load().unwrap();
    (prog, seq, failed)
}

/// A `ringbuf_output` record's sequence number, checked to be intact.
fn output_seq(record: &[u8]) -> u64 {
    assert_eq!(record.len(), 16);
    let seq = u64::from_ne_bytes(record[..8].try_into().unwrap());
    let check = u64::from_ne_bytes(record[8..].try_into().unwrap());
    assert_eq!(check, seq ^ MAGIC as u64, "a torn or corrupt record");
    seq
}

#[test]
fn ringbuf_output_copies_each_record_from_the_stack_and_fails_visibly_when_full() {
    require_kernel!();
    // Room to spare: every record arrives, in order, intact.
    let ring = RingBuf::create(&unique("rbo"), 1 << 16).unwrap();
    let (prog, runs, failed) = output_producer(&ring);
    prog.test_run(TestRun::new(&[0u8; 64]).repeat(500)).unwrap();
    assert_eq!(runs.get(), 500);
    let mut reader = ring.reader().unwrap();
    let mut seqs = Vec::new();
    assert_eq!(reader.drain(|record| seqs.push(output_seq(record))), 500);
    assert_eq!(seqs, (0..500).collect::<Vec<u64>>());
    assert_eq!(failed.get(), 0);

    // One page holds 170 records of 24 bytes: of 1000 runs, the first
    // ones arrive and the helper refuses the rest.
    let ring = RingBuf::create(&unique("rbo"), 4096).unwrap();
    let (prog, runs, failed) = output_producer(&ring);
    prog.test_run(TestRun::new(&[0u8; 64]).repeat(1000)).unwrap();
    assert_eq!(runs.get(), 1000);
    let mut reader = ring.reader().unwrap();
    let mut seqs = Vec::new();
    reader.drain(|record| seqs.push(output_seq(record)));
    let arrived = seqs.len() as u64;
    assert_eq!(arrived + failed.get(), 1000);
    assert_eq!(arrived, 4096 / 24, "records that fit a page");
    assert_eq!(seqs, (0..arrived).collect::<Vec<u64>>());
    assert_eq!(reader.discarded(), 0);
}

/// The room a record of `len` bytes takes in a ring: an 8-byte header,
/// then the data, padded to 8 bytes (`BPF_RINGBUF_HDR_SZ`).
fn span(len: u64) -> u64 {
    (len + 8).next_multiple_of(8)
}

/// Reserves `8 * words` bytes and fills word `i` with `seq << 8 | i`, so
/// that a record put together from the wrong bytes shows.
fn counting_producer(ring: &RingBuf, words: i16) -> Program<SocketFilter> {
    let seq = Global::create(&unique("cseq"), &0u64).unwrap();
    let mut b = ProgramBuilder::new();
    let got = b.label();
    b.ld_map_value(R1, &seq, 0).mov64(R2, 1).atomic_fetch_add64(R1, 0, R2).mov64(R6, R2);
    b.lsh64(R6, 8).ringbuf_reserve(ring, i32::from(8 * words)).jne(R0, 0, got);
    b.mov64(R0, 0).exit();
    b.bind(got);
    for i in 0..words {
        b.mov64(R7, R6).or64(R7, i32::from(i)).stx(Size::DW, R0, 8 * i, R7);
    }
    b.ringbuf_submit(R0).mov64(R0, 0).exit();
    let insns = b.assemble().unwrap();
    ProgramSpec::typed(SocketFilter, &insns).name("rb_counting").load().unwrap()
}

#[test]
fn records_that_cross_the_end_of_the_data_area_arrive_whole() {
    require_kernel!();
    const SIZE: u64 = 4096;
    const WORDS: u64 = 5;
    const BATCH: u64 = 50;
    let ring = RingBuf::create(&unique("rbw"), SIZE as u32).unwrap();
    let prog = counting_producer(&ring, WORDS as i16);
    let mut reader = ring.reader().unwrap();
    // 48-byte records: 4096 is no multiple of 48, so the end of the data
    // area falls inside a record on two laps in three. Record `n` starts
    // at position `n * 48` (one producer, nothing discarded); a batch of
    // 50 fills 2400 bytes, so none is refused before the drain.
    let rec = span(8 * WORDS);
    assert!(BATCH * rec < SIZE);
    let crosses = |n: u64| (n * rec) % SIZE + rec > SIZE;
    let mut crossed = 0;
    let mut next = 0u64;
    for _ in 0..40 {
        prog.test_run(TestRun::new(&[0u8; 64]).repeat(BATCH as u32)).unwrap();
        let n = reader.drain(|record| {
            let words: Vec<u64> =
                record.chunks_exact(8).map(|w| u64::from_ne_bytes(w.try_into().unwrap())).collect();
            let want: Vec<u64> = (0..WORDS).map(|i| next << 8 | i).collect();
            assert_eq!(words, want, "record {next} (crosses the end: {})", crosses(next));
            crossed += u64::from(crosses(next));
            next += 1;
        });
        assert_eq!(n as u64, BATCH);
    }
    // 2000 records are 23 laps: 15 of them end inside a record.
    assert_eq!(crossed, (0..40 * BATCH).filter(|&n| crosses(n)).count() as u64);
    assert!(crossed >= 15, "only {crossed} records crossed the end");
}

#[test]
fn the_fds_wake_a_callers_own_poll_and_drain_empties_them() {
    require_kernel!();
    let (a, b) = (
        RingBuf::create(&unique("rbfa"), 4096).unwrap(),
        RingBuf::create(&unique("rbfb"), 4096).unwrap(),
    );
    let (pa, pb) = (producer(&a), producer(&b));
    // One ring read by a reader of its own, the other through a poller.
    let mut reader = a.reader().unwrap();
    let mut poller = EventPoller::new().unwrap();
    assert_eq!(poller.add_ring(&b).unwrap(), 0);
    assert_eq!(common::poll_readable(&[reader.as_fd(), poller.as_fd()], 0), [false, false]);

    // Producers that run while the caller's poll(2) waits wake it.
    let mut ready = [false, false];
    std::thread::scope(|s| {
        s.spawn(|| {
            std::thread::sleep(Duration::from_millis(50));
            pa.run(3);
            pb.run(2);
        });
        let deadline = Instant::now() + Duration::from_secs(10);
        while ready != [true, true] && Instant::now() < deadline {
            let now = common::poll_readable(&[reader.as_fd(), poller.as_fd()], 1000);
            ready = [ready[0] || now[0], ready[1] || now[1]];
        }
    });
    assert_eq!(ready, [true, true]);

    let mut got = Vec::new();
    assert_eq!(reader.drain(|record| got.push(seq_of(record))), 3);
    assert_eq!(got, [0, 1, 2]);
    let mut polled = Vec::new();
    assert_eq!(poller.drain(|source, record| polled.push((source, seq_of(record)))), 2);
    assert_eq!(polled, [(0, 0), (0, 1)]);
    // Drained: the ring's fd is quiet again, and so is the poller's.
    assert_eq!(common::poll_readable(&[reader.as_fd(), poller.as_fd()], 0), [false, false]);
    assert_eq!(poller.drain(|_, _| panic!("no records")), 0);
}

#[test]
fn drain_while_stops_after_the_record_it_is_told_and_leaves_the_rest() {
    require_kernel!();
    let ring = RingBuf::create(&unique("rbdw"), 4096).unwrap();
    let producer = producer(&ring);
    producer.run(10); // seqs 0..10; 4 and 9 discarded
    let mut reader = ring.reader().unwrap();
    let mut got = Vec::new();
    let n = reader.drain_while(|record| {
        got.push(seq_of(record));
        got.len() < 3
    });
    assert_eq!((n, got.as_slice()), (3, [0, 1, 2].as_slice()));
    assert!(reader.has_records());
    // The next drain takes up at the record after the one that said stop.
    let n = reader.drain_while(|record| {
        got.push(seq_of(record));
        true
    });
    assert_eq!(n, 5);
    assert_eq!(got, [0, 1, 2, 3, 5, 6, 7, 8]);
    assert_eq!(reader.discarded(), 2);
    assert!(!reader.has_records());
}
