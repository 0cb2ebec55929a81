//! Program load latency beside a raw-syscall baseline, and assembler speed.
//!
//! `load_cycle`: create the counter's ARRAY map, load the counter, close
//! both; `raw` does it with two hand-built `bpf(2)` calls, `bpfkit` through
//! the library (DSL, assemble, `Array::create`, `ProgramSpec::load`).
//!
//! `load_cycle_btf`: load a program of two functions with its BTF (a FUNC
//! each, `func_info` and `line_info`), close both: `raw` is a hand-built
//! `BPF_BTF_LOAD` of BTF encoded once beforehand and a `BPF_PROG_LOAD` with
//! the records; `bpfkit` assembles, generates the BTF from the source map
//! (reading this file for the line texts) and loads it: the same two calls.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr, missing_docs)]

mod common;

use std::hint::black_box;
use std::os::fd::AsRawFd;

use bpfkit::asm::{ProgramBuilder, R0, R2, R3, R4, R10, Size};
use bpfkit::maps::{Array, MapFlags};
use bpfkit::prog::{ProgType, ProgramSpec};
use bpfkit::programs::{XdpAction, packet_counter, packet_counter_by_name};
use common::paired;
use common::raw_load::{COUNTER, ProgLoad, owned, raw_cycle, sys_bpf};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn bpfkit_cycle() {
    let counts = Array::<u64>::create("count", 1, MapFlags::empty()).unwrap();
    let insns = packet_counter(&counts, XdpAction::Pass).assemble().unwrap();
    let prog = ProgramSpec::new(ProgType::XDP, &insns).name("counter").load().unwrap();
    drop(black_box((prog, insns, counts)));
}

/// `call +1; exit; r0 = 2; exit`: a main function and a subprogram.
const TWO_FUNCTIONS: [u64; 4] = [
    0x0000_0001_0000_1085, // call pc+1 (BPF_PSEUDO_CALL)
    0x0000_0000_0000_0095, // exit
    0x0000_0002_0000_00b7, // r0 = 2
    0x0000_0000_0000_0095, // exit
];

#[repr(C)]
#[derive(Default)]
struct BtfLoad {
    btf: u64,
    btf_log_buf: u64,
    btf_size: u32,
    btf_log_size: u32,
    btf_log_level: u32,
    btf_log_true_size: u32,
    btf_flags: u32,
    btf_token_fd: i32,
}

/// What the raw loader prepares once: the BTF, 2 func records (offset,
/// type) and 4 line records (offset, file, line, line << 10 | column),
/// the types and strings bpfkit generates for `TWO_FUNCTIONS`.
struct RawBtf {
    btf: Vec<u8>,
    funcs: [[u32; 2]; 2],
    lines: [[u32; 4]; 4],
}

fn raw_btf() -> RawBtf {
    use bpfkit::btf::{Btf, BtfType, Composite, FuncLinkage, IntEncoding, Param, StringTable};
    let mut btf = Btf::new();
    let int = btf.add(BtfType::int("int", 4, IntEncoding::Signed));
    let skb = btf.add(BtfType::Struct(Composite {
        name: Some("__sk_buff".into()),
        size: 0,
        members: vec![],
    }));
    let ctx = btf.add(BtfType::Ptr { target: skb });
    let main_proto = btf.add(BtfType::FuncProto {
        ret: int,
        params: vec![Param { name: Some("ctx".into()), ty: ctx }],
    });
    let main = btf.add(BtfType::Func {
        name: "two".into(),
        proto: main_proto,
        linkage: FuncLinkage::Global,
    });
    let sub_proto = btf.add(BtfType::FuncProto { ret: int, params: vec![] });
    let sub = btf.add(BtfType::Func {
        name: "func_2".into(),
        proto: sub_proto,
        linkage: FuncLinkage::Static,
    });
    let mut strings = StringTable::new();
    let file = strings.add(file!());
    let text = [
        strings.add("b.call_local(sub).exit();"),
        strings.add("b.call_local(sub).exit();"),
        strings.add("b.bind(sub).mov64(R0, 2).exit();"),
        strings.add("b.bind(sub).mov64(R0, 2).exit();"),
    ];
    let lines = [0, 1, 2, 3].map(|i| [i, file, text[i as usize], 300 << 10 | (7 + 10 * i)]);
    RawBtf { btf: btf.encode_with(strings).unwrap(), funcs: [[0, main.0], [2, sub.0]], lines }
}

/// One raw cycle: BPF_BTF_LOAD, BPF_PROG_LOAD with func and line info, close both.
fn raw_btf_cycle(raw: &RawBtf) {
    let mut load_btf = BtfLoad {
        btf: raw.btf.as_ptr() as u64,
        btf_size: raw.btf.len() as u32,
        ..Default::default()
    };
    let btf_fd = owned(sys_bpf(18, &mut load_btf), "BPF_BTF_LOAD");
    let mut load = ProgLoad {
        prog_type: 1,
        insn_cnt: 4,
        insns: TWO_FUNCTIONS.as_ptr() as u64,
        license: c"GPL".as_ptr() as u64,
        prog_btf_fd: btf_fd.as_raw_fd() as u32,
        func_info_rec_size: 8,
        func_info: raw.funcs.as_ptr() as u64,
        func_info_cnt: 2,
        line_info_rec_size: 16,
        line_info: raw.lines.as_ptr() as u64,
        line_info_cnt: 4,
        ..Default::default()
    };
    load.prog_name[..3].copy_from_slice(b"two");
    let prog_fd = sys_bpf(5, &mut load);
    drop((owned(prog_fd, "BPF_PROG_LOAD"), btf_fd));
}

fn bpfkit_btf_cycle() {
    let mut b = ProgramBuilder::new();
    let sub = b.label();
    b.call_local(sub).exit();
    b.bind(sub).mov64(R0, 2).exit();
    let insns = b.assemble().unwrap();
    let prog = ProgramSpec::new(ProgType::SOCKET_FILTER, &insns).name("two").load().unwrap();
    drop(black_box((prog, insns)));
}

fn load_cycle_btf(c: &mut Criterion) {
    common::pin_to_one_cpu();
    if !kernel_available() {
        return;
    }
    let mut group = c.benchmark_group("load_cycle_btf");
    group.throughput(Throughput::Elements(1));
    let raw = raw_btf();
    paired(&mut group, "load_cycle_btf", || raw_btf_cycle(&raw), bpfkit_btf_cycle);
    group.finish();
}

fn kernel_available() -> bool {
    match Array::<u64>::create("probe", 1, MapFlags::empty()) {
        Ok(_) => true,
        Err(e) => {
            eprintln!("load_cycle: skipped, bpf(2) is not usable here ({e}); run as root");
            false
        }
    }
}

fn load_cycle(c: &mut Criterion) {
    common::pin_to_one_cpu();
    if !kernel_available() {
        return;
    }
    let mut group = c.benchmark_group("load_cycle");
    group.throughput(Throughput::Elements(1));
    // The kernel frees maps and programs in the background (RCU, workqueues):
    // whichever function ran alone would pay for the other one's garbage.
    // `paired` alternates them, so both run against the same background.
    let insns = std::cell::RefCell::new(COUNTER);
    paired(&mut group, "load_cycle", || raw_cycle(&mut insns.borrow_mut()), bpfkit_cycle);
    group.finish();
}

/// The counter with its map by name: assembling needs no kernel.
fn counter_by_name() -> ProgramBuilder {
    packet_counter_by_name("packet_count", XdpAction::Pass)
}

/// A program of `n` instructions: blocks of arithmetic, memory and forward
/// and backward jumps, every target a label.
fn large(n: usize) -> ProgramBuilder {
    let mut b = ProgramBuilder::new();
    b.mov64(R0, 0).mov64(R3, 1);
    while b.len() + 10 <= n {
        let top = b.here();
        let skip = b.label();
        b.add64(R0, R3)
            .stx(Size::DW, R10, -8, R0)
            .ldx(Size::DW, R4, R10, -8)
            .jgt(R4, 1000, skip)
            .xor64(R4, 0x55)
            .lsh64(R4, 3)
            .jeq(R4, 7, top)
            .ld_imm64(R2, 0x1234_5678_9abc)
            .bind(skip)
            .mov32(R3, R4);
    }
    while b.len() < n - 1 {
        b.add64(R0, 1);
    }
    b.exit();
    b
}

fn assemble(c: &mut Criterion) {
    let mut group = c.benchmark_group("assemble");
    group.throughput(Throughput::Elements(11));
    group.bench_function("bpfkit", |b| b.iter(|| black_box(counter_by_name().assemble().unwrap())));
    let n = 100_000;
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function("assemble_large", |b| b.iter(|| black_box(large(n).assemble().unwrap())));
    group.finish();
}

criterion_group!(benches, load_cycle, load_cycle_btf, assemble);
criterion_main!(benches);
