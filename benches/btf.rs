//! Reading the running kernel's BTF: opening vmlinux and finding a FUNC by
//! name, cold (read the file, index it, build the name table, find) and
//! warm (find on an indexed view), and decoding it whole into the model.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr, missing_docs)]

#[allow(dead_code)] // the paired measurement is for raw-vs-bpfkit benches
mod common;

use std::hint::black_box;

use bpfkit::btf::{Btf, BtfView, Kind};
use criterion::{Criterion, criterion_group, criterion_main};

const VMLINUX: &str = "/sys/kernel/btf/vmlinux";
const KFUNC: &str = "bpf_map_lookup_elem";

fn btf(c: &mut Criterion) {
    common::pin_to_one_cpu();
    let Ok(bytes) = std::fs::read(VMLINUX) else {
        eprintln!("benches: {VMLINUX} is absent; nothing to measure");
        return;
    };
    let mut g = c.benchmark_group("btf");
    g.sample_size(20);
    g.bench_function("open_vmlinux", |b| b.iter(|| black_box(BtfView::vmlinux().unwrap())));
    g.bench_function("index_in_memory", |b| {
        b.iter(|| black_box(BtfView::parse(black_box(&bytes)).unwrap().len()))
    });
    g.bench_function("find_func_cold", |b| {
        b.iter(|| {
            let view = BtfView::vmlinux().unwrap();
            black_box(view.find(Kind::Func, black_box(KFUNC)).unwrap())
        })
    });
    let view = BtfView::parse(&bytes).unwrap();
    view.index_names();
    g.bench_function("find_func_warm", |b| {
        b.iter(|| black_box(view.find(Kind::Func, black_box(KFUNC)).unwrap()))
    });
    g.bench_function("find_func_scan", |b| {
        b.iter(|| {
            black_box(
                view.types()
                    .find(|t| t.kind() == Kind::Func && t.name() == Some(black_box(KFUNC)))
                    .unwrap()
                    .id(),
            )
        })
    });
    g.bench_function("parse_owned", |b| {
        b.iter(|| black_box(Btf::parse(black_box(&bytes)).unwrap().len()))
    });
    g.finish();
}

criterion_group!(benches, btf);
criterion_main!(benches);
