//! Two counters that always agree: a map value holding a `bpf_spin_lock`,
//! a program that bumps both counters under the lock, two threads running
//! it, and a reader that copies the value under the same lock.
//!
//! ```text
//! sudo -E cargo run --example spin_lock                # 2 threads x 500000 runs
//! sudo -E cargo run --example spin_lock -- --runs 100000
//! ```
//!
//! The value is declared with `btf_struct!`, so the map is created with its
//! BTF (`Array::create_with_btf`): the kernel needs it to find the lock,
//! and `bpftool map dump` (or `bpfkit map dump`) prints the value field by
//! field. The reader uses `get_locked` (`BPF_F_LOCK`): each copy is taken
//! while holding the lock, so it never catches a program between its two
//! increments. It exits non-zero if a copy ever shows `a != b`. For
//! contrast it also reads without the lock, which can.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;
use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, Ordering};

use bpfkit::asm::{Helper, ProgramBuilder, R0, R1, R2, R6, R10, Size};
use bpfkit::btf::BpfSpinLock;
use bpfkit::btf_struct;
use bpfkit::maps::{Array, MapFlags};
use bpfkit::prog::{ProgType, ProgramSpec, TestRun};
use bpfkit::zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

btf_struct! {
    /// The map value: a lock and the two counters it guards.
    #[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
    pub struct Pair {
        /// Taken by the program and by `BPF_F_LOCK` reads.
        pub lock: BpfSpinLock,
        /// Keeps `a` 8-byte aligned with no hidden padding.
        pub pad: u32,
        /// Bumped first.
        pub a: u64,
        /// Bumped second.
        pub b: u64,
    }
}

const USAGE: &str = "usage: spin_lock [--runs N]   (test runs per thread, default 500000)";
const THREADS: usize = 2;

fn main() -> ExitCode {
    let mut runs = 500_000u32;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next().map(|n| n.parse())) {
            ("--runs", Some(Ok(n))) => runs = n,
            _ => {
                eprintln!("bad argument {arg:?}\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    match run(runs) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("spin_lock: {e}");
            ExitCode::FAILURE
        }
    }
}

/// What the reader saw.
#[derive(Default)]
struct Reads {
    /// Locked reads made while the programs ran.
    count: u64,
    /// Reads that caught `a != b` (never, under the lock).
    torn: u64,
    /// Plain reads (no `BPF_F_LOCK`, as many) that caught `a != b`.
    unlocked_torn: u64,
    /// The first read that saw the counters moving.
    during: Option<Pair>,
}

fn run(runs: u32) -> Result<bool, Box<dyn std::error::Error>> {
    let pairs = Array::<Pair>::create_with_btf("spin_lock_pair", 1, MapFlags::empty())?;

    // value = lookup(pairs, 0); lock; value.a++; value.b++; unlock; XDP_PASS
    let mut b = ProgramBuilder::new();
    let out = b.label();
    b.st(Size::W, R10, -4, 0)
        .mov64(R2, R10)
        .add64(R2, -4)
        .ld_map_fd(R1, &pairs)
        .call(Helper::MapLookupElem)
        .jeq(R0, 0, out)
        .mov64(R6, R0)
        .spin_lock(R6, 0)
        .ldx(Size::DW, R1, R6, 8)
        .add64(R1, 1)
        .stx(Size::DW, R6, 8, R1)
        .ldx(Size::DW, R1, R6, 16)
        .add64(R1, 1)
        .stx(Size::DW, R6, 16, R1)
        .spin_unlock(R6, 0)
        .bind(out)
        .mov64(R0, 2)
        .exit();
    let insns = b.assemble()?;
    let prog = ProgramSpec::new(ProgType::XDP, &insns).name("spin_lock_pair").load()?;
    let id = pairs.map().info()?.id;
    println!("map {id} (spin_lock_pair): {THREADS} threads x {runs} runs, reading under the lock");

    let start = Barrier::new(THREADS + 1);
    let done = AtomicBool::new(false);
    let (results, reader) = std::thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS)
            .map(|_| {
                s.spawn(|| {
                    start.wait();
                    prog.test_run(TestRun::new(&[0u8; 64]).repeat(runs)).map(drop)
                })
            })
            .collect();
        let reader = s.spawn(|| -> Result<Reads, bpfkit::Error> {
            start.wait();
            let mut reads = Reads::default();
            while !done.load(Ordering::Relaxed) {
                // For contrast, a plain read: it may catch a program
                // between its two increments.
                let q = pairs.get(0)?;
                reads.unlocked_torn += u64::from(q.a != q.b);
                let p = pairs.get_locked(0)?;
                reads.count += 1;
                reads.torn += u64::from(p.a != p.b);
                if reads.during.is_none() && p.a > 0 {
                    reads.during = Some(p);
                }
            }
            Ok(reads)
        });
        let results: Vec<_> = workers.into_iter().map(|w| w.join()).collect();
        done.store(true, Ordering::Relaxed);
        (results, reader.join())
    });
    for result in results {
        result.map_err(|_| "a test-run thread panicked")??;
    }
    let reads = reader.map_err(|_| "the reader thread panicked")??;

    let end = pairs.get_locked(0)?;
    let total = THREADS as u64 * u64::from(runs);
    if let Some(p) = reads.during {
        println!("a read during the runs:  a = {:>8}  b = {:>8}", p.a, p.b);
    }
    println!("after the runs:          a = {:>8}  b = {:>8}  (expected {total})", end.a, end.b);
    println!("{} locked reads, {} with a != b", reads.count, reads.torn);
    println!(
        "{} plain reads, {} with a != b (without the lock, nothing rules it out)",
        reads.count, reads.unlocked_torn
    );
    let ok = reads.torn == 0 && end.a == total && end.b == total;
    println!("{}", if ok { "the counters always agreed" } else { "the counters disagreed" });
    Ok(ok)
}
