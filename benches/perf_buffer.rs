//! Perf buffer consumption: bpfkit's `PerfBuffer` against a raw consumer
//! of perf rings mapped by hand. Each side has its own perf event array
//! with a ring on every CPU, as a perf buffer has, and drains them all
//! after its own program filled the bench CPU's ring, untimed, with
//! 16-byte or 256-byte samples; and end to end, the program's runs and
//! the drain together.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr, missing_docs)]

mod common;

use std::cell::{Cell, RefCell};
use std::hint::black_box;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicU64, Ordering};

use bpfkit::asm::{ProgramBuilder, R0, R1, R2, R6, R10, Size};
use bpfkit::maps::{PerfBuffer, PerfEventArray, UpdateMode};
use bpfkit::prog::kind::Xdp;
use bpfkit::prog::{Program, ProgramSpec, TestRun};
use common::{paired, paired_with_setup};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// Data pages per ring.
const PAGES: usize = 64;

/// Drains between two openings of a side's rings.
const REOPEN: u32 = 16;

/// A program that sends `size` bytes of its stack (the first byte 1).
fn producer(array: &PerfEventArray, size: i16) -> Program<Xdp> {
    let mut b = ProgramBuilder::new();
    b.mov64(R6, R1).mov64(R2, 0);
    for off in (0..size).step_by(8) {
        b.stx(Size::DW, R10, off - size, R2);
    }
    b.st(Size::B, R10, -size, 1).mov64(R1, R6).mov64(R2, R10).add64(R2, i32::from(-size));
    b.perf_event_output(array, R2, i32::from(size)).mov64(R0, 2).exit();
    ProgramSpec::typed(Xdp, &b.assemble().unwrap()).name("perf_bench").load().unwrap()
}

/// The raw consumer: what a correct perf buffer reader must do, written
/// against hand-mapped rings as `perf_event_mmap_page` documents them, over
/// the same set of rings as the `PerfBuffer` (one per CPU slot of the map):
/// every ring's head read, records checked against it, a record that wraps
/// around the end of a ring put together in a scratch buffer.
struct RawPerf {
    rings: Vec<RawRing>,
    scratch: std::cell::RefCell<Vec<u8>>,
}

/// One CPU's `PERF_COUNT_SW_BPF_OUTPUT` event and its mapped ring.
struct RawRing {
    _fd: OwnedFd,
    base: *mut u8,
    page: usize,
    mask: u64,
}

impl Drop for RawRing {
    #[allow(unsafe_code)]
    fn drop(&mut self) {
        // SAFETY: the mapping `open` made, used by nothing after this.
        unsafe { libc::munmap(self.base.cast(), (PAGES + 1) * self.page) };
    }
}

impl RawPerf {
    fn open(array: &PerfEventArray) -> RawPerf {
        let slots = array.map().def().max_entries;
        let rings = (0..slots).map(|cpu| RawRing::open(array, cpu)).collect();
        RawPerf { rings, scratch: Vec::with_capacity(1 << 16).into() }
    }

    /// Drains every ring, adding each sample's first byte to the result.
    fn drain(&self) -> u64 {
        let mut scratch = self.scratch.borrow_mut();
        self.rings.iter().map(|ring| ring.drain(&mut scratch)).sum()
    }
}

impl RawRing {
    #[allow(unsafe_code)]
    fn open(array: &PerfEventArray, cpu: u32) -> RawRing {
        let mut attr = [0u64; 16]; // struct perf_event_attr, 128 bytes
        attr[0] = 1 | (128 << 32); // type PERF_TYPE_SOFTWARE, size
        attr[1] = 10; // PERF_COUNT_SW_BPF_OUTPUT
        attr[2] = 1; // sample_period
        attr[3] = 1 << 10; // PERF_SAMPLE_RAW
        attr[6] = 1; // wakeup_events
        // SAFETY: a live 128-byte attribute; the other arguments are values.
        let fd = unsafe {
            libc::syscall(libc::SYS_perf_event_open, attr.as_mut_ptr(), -1, cpu as i64, -1, 8)
        };
        assert!(fd >= 0, "perf_event_open: {}", std::io::Error::last_os_error());
        // SAFETY: the fd was just returned to us.
        let fd = unsafe { OwnedFd::from_raw_fd(fd as i32) };
        // SAFETY: sysconf has no preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize;
        let len = (PAGES + 1) * page;
        let rw = libc::PROT_READ | libc::PROT_WRITE;
        // SAFETY: a fresh shared mapping of the event's ring, kept while `self` lives.
        let base = unsafe {
            libc::mmap(std::ptr::null_mut(), len, rw, libc::MAP_SHARED, fd.as_raw_fd(), 0)
        };
        assert!(base != libc::MAP_FAILED);
        // SAFETY: PERF_EVENT_IOC_ENABLE on the event's own fd.
        unsafe { libc::ioctl(fd.as_raw_fd(), 0x2400, 0) };
        let raw_fd = fd.as_raw_fd();
        array
            .map()
            .update_bytes(&cpu.to_ne_bytes(), &raw_fd.to_ne_bytes(), UpdateMode::Any)
            .unwrap();
        RawRing { _fd: fd, base: base.cast(), page, mask: (PAGES * page) as u64 - 1 }
    }

    /// Drains the ring, adding each sample's first byte to the result.
    #[allow(unsafe_code)]
    fn drain(&self, scratch: &mut Vec<u8>) -> u64 {
        // SAFETY: the head and tail are aligned u64s of the control page;
        // records lie between them, each checked to end at or before the
        // head; the data area is `mask + 1` bytes after the first page.
        unsafe {
            let head = (*self.base.add(1024).cast::<AtomicU64>()).load(Ordering::Acquire);
            let tail_cell = &*self.base.add(1032).cast::<AtomicU64>();
            let mut tail = tail_cell.load(Ordering::Relaxed);
            let data = self.base.add(self.page);
            let ring = self.mask as usize + 1;
            let mut sum = 0;
            while tail < head {
                let at = (tail & self.mask) as usize;
                let size = usize::from(data.add(at + 6).cast::<u16>().read());
                if size < 8 || size as u64 > head - tail {
                    break; // not a record the kernel writes
                }
                let record = if at + size <= ring {
                    data.add(at).cast_const()
                } else {
                    let first = ring - at;
                    scratch.clear();
                    scratch.extend_from_slice(std::slice::from_raw_parts(data.add(at), first));
                    scratch.extend_from_slice(std::slice::from_raw_parts(data, size - first));
                    scratch.as_ptr()
                };
                if record.cast::<u32>().read() == 9 && size > 12 {
                    sum += u64::from(*record.add(12));
                }
                tail += size as u64;
            }
            tail_cell.store(tail, Ordering::Release);
            sum
        }
    }
}

/// Drains every sample, adding each one's first byte to the result: the
/// raw consumer's work, written the way its `drain` is (the sum a local,
/// returned).
fn kit_drain(kit: &mut PerfBuffer) -> u64 {
    let mut sum = 0;
    kit.drain(|_, data| sum += u64::from(data[0]));
    sum
}

fn consume(c: &mut Criterion) {
    // The test runs write to the ring of the CPU the bench is pinned to.
    common::pin_to_one_cpu();
    let (Ok(raw_array), Ok(kit_array)) =
        (PerfEventArray::create("pb_raw"), PerfEventArray::create("pb_bpfkit"))
    else {
        eprintln!("perf_buffer: skipped, bpf(2) is not usable here; run as root");
        return;
    };
    let raw = RefCell::new(RawPerf::open(&raw_array));
    let kit = RefCell::new(kit_array.open_buffer(PAGES).unwrap());
    for (size, records) in [(16i16, 2048u32), (256, 256)] {
        let (raw_prog, kit_prog) = (producer(&raw_array, size), producer(&kit_array, size));
        let fill = |prog: &Program<Xdp>| {
            prog.test_run(TestRun::new(&[0u8; 64]).repeat(records)).unwrap();
        };
        // Each side opens its rings anew every REOPEN drains (untimed): a
        // drain is bound by memory, so where one side's rings happen to lie
        // in it can favour that side for a whole run (two raw readers
        // against each other read 0.99 to 1.07 from one run to the next);
        // many placements per run average that out.
        let (raw_drains, kit_drains) = (Cell::new(0u32), Cell::new(0u32));
        let due = |drains: &Cell<u32>| {
            drains.set(drains.get() + 1);
            drains.get() % REOPEN == 0
        };
        let setup_raw = || {
            if due(&raw_drains) {
                *raw.borrow_mut() = RawPerf::open(&raw_array);
            }
            fill(&raw_prog);
        };
        let setup_kit = || {
            if due(&kit_drains) {
                *kit.borrow_mut() = kit_array.open_buffer(PAGES).unwrap();
            }
            fill(&kit_prog);
        };
        let name = format!("perf_consume_{size}");
        let mut group = c.benchmark_group(&name);
        group.throughput(Throughput::Elements(u64::from(records)));
        // A sample is one drain of each side, after fills that take tens
        // of milliseconds (a wakeup per sample: VM exits here); one drain
        // right after a fill varies by ±30% with what the fill left in
        // the caches, so the median takes many pairs: 400, where
        // criterion's default 100 left it ±3%.
        group.sample_size(400).measurement_time(std::time::Duration::from_secs(30));
        paired_with_setup(
            &mut group,
            &name,
            (setup_raw, || assert_eq!(black_box(raw.borrow().drain()), u64::from(records))),
            (setup_kit, || {
                assert_eq!(black_box(kit_drain(&mut kit.borrow_mut())), u64::from(records))
            }),
        );
        group.finish();

        // End to end: the runs that write the samples, then the drain.
        // Fewer samples than above: the runs cost a thousand times more
        // than the drain.
        let runs = records.min(256);
        let name = format!("perf_end_to_end_{size}");
        let mut group = c.benchmark_group(&name);
        group.throughput(Throughput::Elements(u64::from(runs)));
        let write = |prog: &Program<Xdp>| {
            prog.test_run(TestRun::new(&[0u8; 64]).repeat(runs)).unwrap();
        };
        paired(
            &mut group,
            &name,
            || {
                write(&raw_prog);
                assert_eq!(black_box(raw.borrow().drain()), u64::from(runs));
            },
            || {
                write(&kit_prog);
                assert_eq!(black_box(kit_drain(&mut kit.borrow_mut())), u64::from(runs));
            },
        );
        group.finish();
    }
}

criterion_group!(benches, consume);
criterion_main!(benches);
