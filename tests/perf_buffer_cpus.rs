//! Perf buffers on several CPUs at once: a thread pinned to each online
//! CPU runs its own program, which sends samples numbered per thread; the
//! consumer, on another thread, gets each exactly once, intact, from the
//! ring of the CPU that wrote it. A tiny ring with no consumer counts what
//! it lost (the kernel's `PERF_RECORD_LOST`) and keeps the rest whole, and
//! the consumer may go away while the producers run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bpfkit::asm::{Helper, ProgramBuilder, R0, R1, R2, R3, R6, R10, Size};
use bpfkit::maps::{Global, PerfBuffer, PerfEvent, PerfEventArray};
use bpfkit::prog::kind::Xdp;
use bpfkit::prog::{Program, ProgramSpec, TestRun};
use common::unique;

const MAGIC: i32 = 0x3c3c_3c3c;

/// One producing thread's program and its own sequence counter.
struct Producer {
    prog: Program<Xdp>,
    seq: Global<u64>,
}

impl Producer {
    /// A program that sends 32 bytes per run: `thread`, its next sequence
    /// number, the CPU it runs on, and the number XORed with `MAGIC`.
    fn new(array: &PerfEventArray, thread: u32) -> Producer {
        let seq = Global::create(&unique("pcseq"), &0u64).unwrap();
        let mut b = ProgramBuilder::new();
        b.mov64(R6, R1) // the context
            .call(Helper::GetSmpProcessorId)
            .stx(Size::DW, R10, -16, R0)
            .ld_map_value(R1, &seq, 0)
            .mov64(R2, 1)
            .atomic_fetch_add64(R1, 0, R2)
            .stx(Size::DW, R10, -24, R2)
            .xor64(R2, MAGIC)
            .stx(Size::DW, R10, -8, R2)
            .mov64(R3, thread as i32)
            .stx(Size::DW, R10, -32, R3)
            .mov64(R1, R6)
            .mov64(R2, R10)
            .add64(R2, -32)
            .perf_event_output(array, R2, 32)
            .mov64(R0, 2)
            .exit();
        let prog =
            ProgramSpec::typed(Xdp, &b.assemble().unwrap()).name("perf_cpus").load().unwrap();
        Producer { prog, seq }
    }

    fn run(&self, times: u32) {
        self.prog.test_run(TestRun::new(&[0u8; 64]).repeat(times)).unwrap();
    }
}

/// What a sample says: (thread, sequence number, CPU), checked whole.
fn parse(sample: &[u8]) -> (u64, u64, u64) {
    // The program's 32 bytes, then the kernel's padding.
    assert!(sample.len() >= 32, "{}", sample.len());
    let word = |i: usize| u64::from_ne_bytes(sample[i * 8..i * 8 + 8].try_into().unwrap());
    let (thread, seq, cpu, check) = (word(0), word(1), word(2), word(3));
    assert_eq!(check, seq ^ MAGIC as u64, "a torn or corrupt sample: {sample:?}");
    (thread, seq, cpu)
}

/// The online CPUs, from `/sys/devices/system/cpu/online` ("0-1,4").
fn online_cpus() -> Vec<u32> {
    let list = std::fs::read_to_string("/sys/devices/system/cpu/online").unwrap();
    let mut cpus = Vec::new();
    for range in list.trim().split(',') {
        let (first, last) = range.split_once('-').unwrap_or((range, range));
        cpus.extend(first.parse::<u32>().unwrap()..=last.parse::<u32>().unwrap());
    }
    cpus
}

/// Keeps the calling thread on `cpu`: its test runs then write to that
/// CPU's ring.
fn pin(cpu: u32) {
    // SAFETY: a zeroed cpu_set_t is the empty set; CPU_SET writes inside
    // it; sched_setaffinity(0) affects only the calling thread.
    #[allow(unsafe_code)]
    let ok = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu as usize, &mut set);
        libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &set) == 0
    };
    assert!(ok, "sched_setaffinity to CPU {cpu}: {}", std::io::Error::last_os_error());
}

#[test]
fn every_sample_arrives_once_from_the_ring_of_the_cpu_that_wrote_it() {
    require_kernel!();
    let cpus = online_cpus();
    let array = PerfEventArray::create(&unique("pcpu")).unwrap();
    let producers: Vec<Producer> =
        (0..cpus.len()).map(|t| Producer::new(&array, t as u32)).collect();
    // 16 pages hold 1,365 samples of 48 bytes: a producer keeps no more
    // than WINDOW + BATCH unread, so nothing is lost, yet the records wrap
    // around the ring's end many times.
    const BATCHES: u32 = 60;
    const BATCH: u32 = 100;
    const WINDOW: u64 = 1000;
    let mut buffer = array.open_buffer(16).unwrap();
    let consumed: Vec<AtomicU64> = cpus.iter().map(|_| AtomicU64::new(0)).collect();
    // The next sequence number expected from each thread.
    let mut next = vec![0u64; cpus.len()];
    let total = u64::from(BATCHES * BATCH);
    std::thread::scope(|s| {
        for (t, (&cpu, producer)) in cpus.iter().zip(&producers).enumerate() {
            let consumed = &consumed[t];
            s.spawn(move || {
                pin(cpu);
                let deadline = Instant::now() + Duration::from_secs(30);
                for batch in 0..u64::from(BATCHES) {
                    while batch * u64::from(BATCH) - consumed.load(Ordering::Acquire) > WINDOW {
                        assert!(Instant::now() < deadline, "the consumer stalled");
                        std::thread::yield_now();
                    }
                    producer.run(BATCH);
                }
            });
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        while next.iter().any(|&n| n < total) && Instant::now() < deadline {
            let n = buffer.drain(|ring_cpu, sample| {
                let (thread, seq, cpu) = parse(sample);
                let t = thread as usize;
                assert_eq!(cpu, u64::from(ring_cpu), "thread {t}'s sample in another ring");
                assert_eq!(cpu, u64::from(cpus[t]), "thread {t} ran off its CPU");
                assert_eq!(seq, next[t], "thread {t}: a sample lost, repeated or reordered");
                next[t] += 1;
            });
            for (t, n) in next.iter().enumerate() {
                consumed[t].store(*n, Ordering::Release);
            }
            if n == 0 {
                std::thread::yield_now();
            }
        }
    });
    assert_eq!(next, vec![total; cpus.len()]);
    assert!(producers.iter().all(|p| p.seq.get() == total));
    assert_eq!(buffer.lost(), 0);
    assert!(!buffer.has_records());
}

#[test]
fn tiny_rings_without_a_consumer_count_their_losses_and_keep_what_fit_whole() {
    require_kernel!();
    let cpus = online_cpus();
    let array = PerfEventArray::create(&unique("pcpu")).unwrap();
    let producers: Vec<Producer> =
        (0..cpus.len()).map(|t| Producer::new(&array, t as u32)).collect();
    // One page: 85 samples of 48 bytes.
    let mut buffer = array.open_buffer(1).unwrap();
    const RUNS: u32 = 1000;
    let run_everywhere = |times: u32| {
        std::thread::scope(|s| {
            for (&cpu, producer) in cpus.iter().zip(&producers) {
                s.spawn(move || {
                    pin(cpu);
                    producer.run(times);
                });
            }
        });
    };
    run_everywhere(RUNS);
    // Per thread: the samples in order, and the losses its CPU's ring
    // reported.
    let mut seqs = vec![Vec::new(); cpus.len()];
    let mut lost = vec![0u64; cpus.len()];
    let read = |buffer: &mut PerfBuffer, seqs: &mut [Vec<u64>], lost: &mut [u64]| {
        buffer.drain_events(|event| match event {
            PerfEvent::Sample { cpu, index, time, data } => {
                assert_eq!((cpu, time), (index, 0));
                let (thread, seq, from) = parse(data);
                let t = thread as usize;
                assert_eq!((from, cpus[t]), (u64::from(cpu), cpu), "from another ring");
                seqs[t].push(seq);
            }
            PerfEvent::Lost { cpu, count, .. } => {
                let t = cpus.iter().position(|&c| c == cpu).unwrap();
                lost[t] += count;
            }
            other => panic!("{other:?}"),
        });
    };
    read(&mut buffer, &mut seqs, &mut lost);
    for (t, seqs) in seqs.iter().enumerate() {
        // What fit is the first samples, in order.
        assert!(!seqs.is_empty() && seqs.len() < RUNS as usize, "thread {t}: {}", seqs.len());
        assert_eq!(*seqs, (0..seqs.len() as u64).collect::<Vec<_>>(), "thread {t}");
    }
    // The kernel writes its LOST record at the next output that fits,
    // on the same CPU: one run more on each.
    run_everywhere(1);
    read(&mut buffer, &mut seqs, &mut lost);
    for (t, seqs) in seqs.iter().enumerate() {
        assert_eq!(seqs.last(), Some(&u64::from(RUNS)), "thread {t}: the last run's sample");
        assert!(lost[t] > 0, "thread {t}");
        assert_eq!(seqs.len() as u64 + lost[t], u64::from(RUNS) + 1, "thread {t}");
    }
    assert_eq!(buffer.lost(), lost.iter().sum::<u64>());
    assert!(!buffer.has_records());
}

#[test]
fn the_consumer_can_be_dropped_and_replaced_while_producers_run() {
    require_kernel!();
    let cpus = online_cpus();
    let array = PerfEventArray::create(&unique("pcpu")).unwrap();
    let producers: Vec<Producer> =
        (0..cpus.len()).map(|t| Producer::new(&array, t as u32)).collect();
    const BATCHES: u32 = 40;
    const BATCH: u32 = 100;
    // The highest sequence number seen from each thread: a buffer opened
    // later sees only later samples, each once.
    let mut last: Vec<Option<u64>> = vec![None; cpus.len()];
    let mut take = |cpu: u32, sample: &[u8]| {
        let (thread, seq, from) = parse(sample);
        let t = thread as usize;
        assert_eq!(from, u64::from(cpu));
        assert!(last[t].is_none_or(|l| seq > l), "thread {t}: {seq} after {:?}", last[t]);
        last[t] = Some(seq);
    };
    std::thread::scope(|s| {
        let running: Vec<_> = cpus
            .iter()
            .zip(&producers)
            .map(|(&cpu, producer)| {
                s.spawn(move || {
                    pin(cpu);
                    for _ in 0..BATCHES {
                        producer.run(BATCH);
                    }
                })
            })
            .collect();
        for round in 0.. {
            let mut buffer = array.open_buffer(2).unwrap();
            std::thread::sleep(Duration::from_micros(200));
            buffer.drain(&mut take);
            // Dropped with records unread, or just after a drain.
            if round % 2 == 0 {
                buffer.drain(&mut take);
            }
            drop(buffer);
            if running.iter().all(|r| r.is_finished()) {
                break;
            }
        }
        for r in running {
            r.join().unwrap();
        }
    });
    // Every producer ran all its runs, and a fresh buffer works.
    let total = u64::from(BATCHES * BATCH);
    assert!(producers.iter().all(|p| p.seq.get() == total));
    let mut buffer = array.open_buffer(2).unwrap();
    std::thread::scope(|s| {
        for (&cpu, producer) in cpus.iter().zip(&producers) {
            s.spawn(move || {
                pin(cpu);
                producer.run(3);
            });
        }
    });
    let mut fresh = Vec::new();
    buffer.drain(|cpu, sample| {
        take(cpu, sample);
        let (thread, seq, _) = parse(sample);
        fresh.push((thread, seq));
    });
    fresh.sort_unstable();
    let want: Vec<(u64, u64)> =
        (0..cpus.len() as u64).flat_map(|t| (total..total + 3).map(move |s| (t, s))).collect();
    assert_eq!(fresh, want);
    assert_eq!(buffer.lost(), 0);
}
