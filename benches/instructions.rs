//! User-space instructions per load, counted by callgrind, each bpfkit
//! path beside the bare syscalls doing the same kernel work:
//!
//! | case | what one iteration does |
//! |---|---|
//! | `raw_load` | `BPF_PROG_LOAD` of the counter (its map made once), close |
//! | `load` | bpfkit loads the counter assembled once beforehand, drops it |
//! | `raw_map` | `BPF_MAP_CREATE` of the counter's array, close |
//! | `map` | `Array::create` of that array, drop |
//! | `build` | the counter's DSL build and assembly, no kernel |
//! | `raw` | `raw_map` and `raw_load`: `benches/load.rs`'s `load_cycle` baseline |
//! | `cycle` | `map`, `build` and `load`: `load_cycle`'s bpfkit side |
//!
//! Each case runs its body `N` times inside one `#[inline(never)]`
//! function named `measured_*`; `benches/instructions.sh` runs this binary
//! under `valgrind --tool=callgrind --toggle-collect=...measured_CASE`, so
//! only that loop is counted (callgrind sees user space only: the kernel's
//! work is not in the count), and divides by `N`. Run as `cargo bench
//! --bench instructions` it runs each case once, to check that it works.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::print_stderr,
    missing_docs
)]

mod common;

use std::hint::black_box;
use std::os::fd::AsRawFd;

use bpfkit::asm::Assembled;
use bpfkit::maps::{Array, MapFlags};
use bpfkit::prog::{ProgType, ProgramSpec};
use bpfkit::programs::{XdpAction, packet_counter};
use common::raw_load::{COUNTER, raw_cycle, raw_map, raw_prog};

#[inline(never)]
fn measured_raw_load(n: usize) {
    let map = raw_map();
    let mut insns = COUNTER;
    for _ in 0..n {
        drop(black_box(raw_prog(&mut insns, map.as_raw_fd())));
    }
}

#[inline(never)]
fn measured_load(n: usize, insns: &Assembled) {
    for _ in 0..n {
        let prog = ProgramSpec::new(ProgType::XDP, insns).name("counter").load().unwrap();
        drop(black_box(prog));
    }
}

#[inline(never)]
fn measured_raw_map(n: usize) {
    for _ in 0..n {
        drop(black_box(raw_map()));
    }
}

#[inline(never)]
fn measured_map(n: usize) {
    for _ in 0..n {
        drop(black_box(Array::<u64>::create("count", 1, MapFlags::empty()).unwrap()));
    }
}

#[inline(never)]
fn measured_build(n: usize, counts: &Array<u64>) {
    for _ in 0..n {
        drop(black_box(packet_counter(counts, XdpAction::Pass).assemble().unwrap()));
    }
}

#[inline(never)]
fn measured_raw(n: usize) {
    let mut insns = COUNTER;
    for _ in 0..n {
        raw_cycle(black_box(&mut insns));
    }
}

#[inline(never)]
fn measured_cycle(n: usize) {
    for _ in 0..n {
        let counts = Array::<u64>::create("count", 1, MapFlags::empty()).unwrap();
        let insns = packet_counter(&counts, XdpAction::Pass).assemble().unwrap();
        let prog = ProgramSpec::new(ProgType::XDP, &insns).name("counter").load().unwrap();
        drop(black_box((prog, insns, counts)));
    }
}

const CASES: [&str; 7] = ["raw_load", "load", "raw_map", "map", "build", "raw", "cycle"];

fn main() {
    // `cargo bench` passes `--bench`; the script passes a case and a count.
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let n = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(1);
    let cases = match args.first() {
        Some(case) => vec![case.as_str()],
        None => CASES.to_vec(),
    };
    common::pin_to_one_cpu();
    let counts = Array::<u64>::create("count", 1, MapFlags::empty()).unwrap();
    let insns = packet_counter(&counts, XdpAction::Pass).assemble().unwrap();
    // What a process does once (its first load, probes, caches) is done
    // here, outside the counted loops.
    drop(ProgramSpec::new(ProgType::XDP, &insns).name("counter").load().unwrap());
    for case in cases {
        match case {
            "raw_load" => measured_raw_load(n),
            "load" => measured_load(n, &insns),
            "raw_map" => measured_raw_map(n),
            "map" => measured_map(n),
            "build" => measured_build(n, &counts),
            "raw" => measured_raw(n),
            "cycle" => measured_cycle(n),
            other => panic!("unknown case {other}: one of {CASES:?}"),
        }
        println!("instructions: {case} ran {n} times");
    }
}
