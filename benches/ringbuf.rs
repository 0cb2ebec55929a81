//! Ring buffer consumption: bpfkit's reader against a raw consumer written
//! against the same mapped pages, draining a ring a program filled
//! beforehand (untimed) with 16-byte or 256-byte records; and end to end,
//! the program's runs and the drain together.
//!
//! Both consumers do the same work per record (add its first byte to a
//! sum), so the ratio is the cost of the reader's bookkeeping.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr, missing_docs)]

mod common;

use std::hint::black_box;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use bpfkit::asm::{ProgramBuilder, R0, R1, R6};
use bpfkit::maps::{RingBuf, RingBufReader};
use bpfkit::prog::kind::SocketFilter;
use bpfkit::prog::{Program, ProgramSpec, TestRun};
use common::{paired, paired_with_setup};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const RING: u32 = 1 << 20;

/// A program that submits one `size`-byte record (its first word 1) per run.
fn producer(ring: &RingBuf, size: i32) -> Program<SocketFilter> {
    let mut b = ProgramBuilder::new();
    let room = b.label();
    b.ringbuf_reserve(ring, size).jne(R0, 0, room).mov64(R0, 0).exit();
    b.bind(room).mov64(R6, 1).stx(bpfkit::asm::Size::DW, R0, 0, R6);
    b.mov64(R1, R0).ringbuf_submit(R1).mov64(R0, 0).exit();
    let insns = b.assemble().unwrap();
    ProgramSpec::typed(SocketFilter, &insns).name("rb_bench").load().unwrap()
}

/// The raw consumer: the ring's pages mapped by hand, read as the
/// kernel's `ringbuf.c` documents them.
struct RawRing {
    consumer: *mut u8,
    producer: *const u8,
    page: usize,
    mask: u64,
}

impl RawRing {
    fn map(ring: &RingBuf) -> RawRing {
        // SAFETY: sysconf has no preconditions.
        #[allow(unsafe_code)]
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize;
        let fd = ring.map().fd().as_raw_fd();
        let size = RING as usize;
        // SAFETY: fresh shared mappings of the ring's fd, at the offsets
        // and lengths the kernel allows; kept for the bench's lifetime.
        #[allow(unsafe_code)]
        let (consumer, producer) = unsafe {
            let rw = libc::PROT_READ | libc::PROT_WRITE;
            let c = libc::mmap(std::ptr::null_mut(), page, rw, libc::MAP_SHARED, fd, 0);
            let len = page + 2 * size;
            let p = libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_SHARED,
                fd,
                page as i64,
            );
            assert!(c != libc::MAP_FAILED && p != libc::MAP_FAILED);
            (c.cast::<u8>(), p.cast::<u8>().cast_const())
        };
        RawRing { consumer, producer, page, mask: size as u64 - 1 }
    }

    /// Drains every record, adding each one's first byte to the result.
    #[allow(unsafe_code)]
    fn drain(&self) -> u64 {
        // SAFETY: the positions are aligned u64s in the mappings; records
        // are read between the published positions only.
        unsafe {
            let cons_pos = &*self.consumer.cast::<AtomicU64>();
            let prod_pos = &*self.producer.cast::<u64>().cast::<AtomicU64>();
            let mut cons = cons_pos.load(Ordering::Acquire);
            let mut sum = 0u64;
            loop {
                let prod = prod_pos.load(Ordering::Acquire);
                if cons >= prod {
                    break;
                }
                let at = self.producer.add(self.page + (cons & self.mask) as usize);
                let header = (*at.cast::<AtomicU32>()).load(Ordering::Acquire);
                if header & (1 << 31) != 0 {
                    break;
                }
                let len = u64::from(header & !(3 << 30));
                if header & (1 << 30) == 0 {
                    sum += u64::from(*at.add(8));
                }
                cons += (len + 8).next_multiple_of(8);
                cons_pos.store(cons, Ordering::Release);
            }
            sum
        }
    }
}

fn consume(c: &mut Criterion) {
    common::pin_to_one_cpu();
    let Ok(ring) = RingBuf::create("rb_bench", RING) else {
        eprintln!("ringbuf: skipped, bpf(2) is not usable here; run as root");
        return;
    };
    let raw = RawRing::map(&ring);
    let reader = std::cell::RefCell::new(ring.reader().unwrap());
    let drain = |r: &mut RingBufReader| {
        let mut sum = 0u64;
        r.drain(|rec| sum += u64::from(rec[0]));
        sum
    };
    for (size, records) in [(16, 32_768u32), (256, 3_072)] {
        let prog = producer(&ring, size);
        let fill = || {
            prog.test_run(TestRun::new(&[0u8; 64]).repeat(records)).unwrap();
        };
        let name = format!("ringbuf_consume_{size}");
        let mut group = c.benchmark_group(&name);
        group.throughput(Throughput::Elements(u64::from(records)));
        // A sample is one drain of each side right after a fill, which
        // varies by tens of percent with what the fill left in the caches:
        // 400 of them, where criterion's default 100 let the median move
        // by a few percent between runs.
        group.sample_size(400);
        paired_with_setup(
            &mut group,
            &name,
            (fill, || assert_eq!(black_box(raw.drain()), u64::from(records))),
            (fill, || assert_eq!(black_box(drain(&mut reader.borrow_mut())), u64::from(records))),
        );
        group.finish();

        // End to end: the runs that write the records, then the drain.
        let name = format!("ringbuf_end_to_end_{size}");
        let mut group = c.benchmark_group(&name);
        group.throughput(Throughput::Elements(u64::from(records)));
        paired(
            &mut group,
            &name,
            || {
                fill();
                assert_eq!(black_box(raw.drain()), u64::from(records));
            },
            || {
                fill();
                assert_eq!(black_box(drain(&mut reader.borrow_mut())), u64::from(records));
            },
        );
        group.finish();
    }
}

criterion_group!(benches, consume);
criterion_main!(benches);
