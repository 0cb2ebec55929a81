//! The reading side of a perf event's ring (`perf_event_mmap_page`): the
//! rings of a `BPF_MAP_TYPE_PERF_EVENT_ARRAY`, one per CPU, that
//! `bpf_perf_event_output` writes samples into.
//!
//! The first page is the control page: the kernel's write position
//! (`data_head`, at byte 1024) and ours (`data_tail`, 1032). The data
//! area follows, a power of two pages, mapped once: a record that wraps
//! around its end is copied into a buffer; the others are read in place.
#![allow(unsafe_code)]

use std::os::fd::{AsRawFd, BorrowedFd};

use super::Errno;
use super::mmap::{Mmap, page_size};
use super::perf::PerfEventAttr;

/// `offsetof(struct perf_event_mmap_page, data_head)`.
const DATA_HEAD: usize = 1024;
/// `offsetof(struct perf_event_mmap_page, data_tail)`.
const DATA_TAIL: usize = 1032;
/// `PERF_RECORD_LOST`.
const RECORD_LOST: u32 = 2;
/// `PERF_RECORD_SAMPLE`.
const RECORD_SAMPLE: u32 = 9;
/// `PERF_TYPE_SOFTWARE`.
const TYPE_SOFTWARE: u32 = 1;
/// `PERF_COUNT_SW_BPF_OUTPUT`.
const SW_BPF_OUTPUT: u64 = 10;
/// `PERF_SAMPLE_TIME`.
const SAMPLE_TIME: u64 = 1 << 2;
/// `PERF_SAMPLE_RAW`.
const SAMPLE_RAW: u64 = 1 << 10;
/// `PERF_EVENT_IOC_ENABLE`: `_IO('$', 0)`.
const IOC_ENABLE: libc::c_ulong = 0x2400;

/// One thing read from a perf ring.
#[derive(Debug)]
pub(crate) enum PerfRecord<'a> {
    /// A sample's raw data, as the program passed it, and its time
    /// (the perf clock's nanoseconds since boot; 0 unless the ring was
    /// opened with time stamps).
    Sample { time: u64, data: &'a [u8] },
    /// `count` samples the kernel dropped because the ring was full; `id`
    /// is the event's id.
    Lost { id: u64, count: u64 },
}

/// An open `PERF_COUNT_SW_BPF_OUTPUT` event on one CPU, its ring mapped.
///
/// What a drain reads comes first and fits in one cache line, which the
/// struct starts: a perf buffer drains one ring per CPU, most of them
/// empty, after the producers ran long enough to push this state out of
/// the caches, so each line it spans is a miss per ring and per drain.
#[derive(Debug)]
#[repr(C, align(64))]
pub(crate) struct PerfRing {
    mem: Mmap,
    page: usize,
    /// The data area's size minus one.
    mask: u64,
    /// Our position, which only we write: what `data_tail` holds, kept
    /// here so that telling an empty ring costs one load. Always a
    /// multiple of 8 (it starts so and moves by whole records).
    tail: u64,
    /// The CPU whose samples the ring holds.
    cpu: u32,
    /// Whether samples start with their time (`PERF_SAMPLE_TIME`).
    timed: bool,
    /// Where a record that wraps is put together.
    scratch: Vec<u8>,
    fd: std::os::fd::OwnedFd,
}

// What a drain reads stays in the first line.
const _: () = assert!(std::mem::offset_of!(PerfRing, timed) < 64);

impl PerfRing {
    /// Opens the BPF output event of CPU `cpu` with a data area of
    /// `pages` pages (a power of two), maps it and enables it; `timed`
    /// asks the kernel to stamp each sample with its time.
    pub(crate) fn open(cpu: u32, pages: usize, timed: bool) -> Result<PerfRing, Errno> {
        if !pages.is_power_of_two() {
            return Err(Errno::EINVAL);
        }
        let mut attr = PerfEventAttr::new(TYPE_SOFTWARE, SW_BPF_OUTPUT);
        attr.sample_type = if timed { SAMPLE_RAW | SAMPLE_TIME } else { SAMPLE_RAW };
        let cpu_id = i32::try_from(cpu).map_err(|_| Errno::EINVAL)?;
        let fd = super::perf::perf_event_open(&mut attr, -1, cpu_id)?;
        let page = page_size();
        let len = pages.checked_add(1).and_then(|p| p.checked_mul(page)).ok_or(Errno::E2BIG)?;
        use std::os::fd::AsFd;
        let mem = Mmap::map_at(fd.as_fd(), 0, len, true)?;
        // SAFETY: an ioctl without argument on the event's own fd.
        if unsafe { libc::ioctl(fd.as_raw_fd(), IOC_ENABLE, 0) } < 0 {
            return Err(Errno::last());
        }
        // A fresh event's tail is 0; read it all the same, as the one
        // place it is taken from the page, and keep it 8-aligned whatever
        // it says: the walk's header reads rely on that to stay in bounds.
        let tail = mem.read::<u64>(DATA_TAIL).unwrap_or(0) & !7;
        let mask = (pages * page) as u64 - 1;
        Ok(PerfRing { mem, page, mask, tail, cpu, timed, scratch: Vec::new(), fd })
    }

    /// The CPU whose samples the ring holds.
    #[inline]
    pub(crate) fn cpu(&self) -> u32 {
        self.cpu
    }

    /// The event's fd: what goes into the map's slot, and what epoll
    /// watches.
    pub(crate) fn fd(&self) -> BorrowedFd<'_> {
        use std::os::fd::AsFd;
        self.fd.as_fd()
    }

    /// Whether records are waiting: one load of the kernel's head, compared
    /// with our own copy of the tail.
    #[inline]
    pub(crate) fn has_records(&self) -> bool {
        self.mem.load_acquire_u64(DATA_HEAD).is_some_and(|head| head != self.tail)
    }

    /// Hands every record written so far to `f`, oldest first; returns
    /// how many samples. The tail is written once, after the last, with
    /// release ordering: the kernel may reuse the space only after `f` is
    /// done with every record in it.
    #[inline]
    pub(crate) fn drain(&mut self, f: impl FnMut(PerfRecord<'_>)) -> usize {
        // One loop per layout, so the per-record path does not test it.
        if self.timed { self.drain_as::<true>(f) } else { self.drain_as::<false>(f) }
    }

    /// [`drain`](Self::drain) for samples with (`TIMED`) or without a time.
    #[inline(always)]
    fn drain_as<const TIMED: bool>(&mut self, f: impl FnMut(PerfRecord<'_>)) -> usize {
        // Acquire: the records up to `head` are visible once it is.
        let Some(head) = self.mem.load_acquire_u64(DATA_HEAD) else { return 0 };
        if head == self.tail {
            return 0;
        }
        let size = self.mask as usize + 1;
        let Some(data) = self.mem.region(self.page, size) else { return 0 };
        // SAFETY: `data` is the data area, `size` (a power of two, at least
        // a page) readable bytes, page-aligned, mapped while `self` lives;
        // the tail is a multiple of 8 (it starts so and moves by whole
        // records); the kernel writes none of the area between our tail
        // and its head until the tail moves, which happens below, after
        // the walk is done with them.
        let Walked { tail, samples } = unsafe {
            walk::<TIMED>(data.as_ptr().cast_const(), size, self.tail, head, &mut self.scratch, f)
        };
        self.tail = tail;
        // Release: every read of the records above happens before the
        // kernel sees their space handed back.
        self.mem.store_release_u64(DATA_TAIL, tail);
        samples
    }
}

/// Where a walk over a ring's records ended.
#[derive(Debug, PartialEq, Eq)]
struct Walked {
    /// The position after the last record read: the new tail.
    tail: u64,
    /// How many samples were handed over.
    samples: usize,
}

/// Hands the records of the data area `data` (`size` bytes, a power of
/// two) from position `tail` (a multiple of 8) up to `head` to `f`, oldest
/// first.
///
/// Each record is checked once against what the kernel has published (at
/// least a header, a multiple of 8 bytes, ending at or before the head)
/// and read through one view. The walk goes in runs, each up to the data
/// area's end or the head, whichever comes first: within a run records are
/// read in place by a loop with no call of its own (so what `f` keeps
/// stays in registers), and the one record that can wrap around the area's
/// end is put together in `scratch`, between two runs. A record that fails
/// the check stops the walk rather than read garbage.
///
/// # Safety
/// `data` is 8-aligned and points to `size` readable bytes that nothing
/// writes between `tail` and `head` (positions taken modulo `size`) while
/// the walk runs; `tail` is a multiple of 8.
#[inline(always)]
unsafe fn walk<const TIMED: bool>(
    data: *const u8,
    size: usize,
    tail: u64,
    head: u64,
    scratch: &mut Vec<u8>,
    mut f: impl FnMut(PerfRecord<'_>),
) -> Walked {
    let mask = size - 1;
    // What is published, and no more than one ring's worth whatever the
    // head says, so that no record is longer than the data area; whole
    // 8-byte words only, as records are.
    let avail = usize::try_from(head.saturating_sub(tail)).unwrap_or(usize::MAX).min(size) & !7;
    let mut done = 0;
    let mut samples = 0;
    while done < avail {
        let start = (tail as usize).wrapping_add(done) & mask;
        let left = avail - done;
        let run = left.min(size - start);
        // SAFETY: `[start, start + run)` lies in the data area and between
        // the tail and the head (the caller's promise); `start` is a
        // multiple of 8 (the tail is, and so is every length it moved by).
        let (walked, n) = unsafe { walk_run::<TIMED>(data.add(start), run, &mut f) };
        samples += n;
        done += walked;
        if walked == run {
            continue; // at the head, or at the area's end: go on from its start
        }
        // A record stopped the run: one that wraps around the area's end,
        // or one the kernel would not write.
        let at = start + walked;
        // SAFETY: `walked < run`, both multiples of 8: the header's 8 bytes
        // lie in the run.
        let len = usize::from(unsafe { data.add(at + 6).cast::<u16>().read() });
        if !fits(len, left - walked) {
            break;
        }
        // SAFETY: `at < size`; the record is longer than what is left of
        // the run (it failed the test against it), so it goes past the
        // area's end, and no longer than `left - walked <= size`;
        // published and not yet consumed (the caller's promise).
        let record = unsafe { wrapped(scratch, data, size, at, len) };
        samples += deliver::<TIMED>(record, &mut f);
        done += len;
    }
    Walked { tail: tail.wrapping_add(done as u64), samples }
}

/// Hands the records in `run` bytes at `at` to `f`, up to the first that
/// does not fit in what is left of the run; returns how many bytes that
/// is, and how many samples were handed over.
///
/// # Safety
/// `at` is 8-aligned and points to `run` readable bytes (a multiple of 8)
/// that nothing writes while the walk runs.
#[inline(always)]
unsafe fn walk_run<const TIMED: bool>(
    at: *const u8,
    run: usize,
    f: &mut impl FnMut(PerfRecord<'_>),
) -> (usize, usize) {
    let mut walked = 0;
    let mut samples = 0;
    while walked < run {
        // The length (bytes 6..8 of the header) in a load of its own: the
        // next record's position depends on it and on nothing else.
        // SAFETY: `walked < run`, both multiples of 8 (every `len` walked
        // passed `fits`): the header's 8 bytes lie in the run.
        let len = usize::from(unsafe { at.add(walked + 6).cast::<u16>().read() });
        if !fits(len, run - walked) {
            break;
        }
        // SAFETY: `[walked, walked + len)` lies in the run (checked above).
        let record = unsafe { std::slice::from_raw_parts(at.add(walked), len) };
        prefetch(at.wrapping_add((walked + AHEAD * len).min(run - 8)));
        samples += deliver::<TIMED>(record, f);
        walked += len;
    }
    (walked, samples)
}

/// How many records of this one's length ahead the walk asks the CPU to
/// fetch. After a burst the records are out of the caches, and the next
/// header's place is known only once this one's length is read: walked
/// one by one, each record costs a whole miss. Most streams carry one
/// record size, so a guess this many records ahead lands on headers to
/// come and their misses overlap (256-byte samples drained 10% faster
/// than a reader without it, against 5% slower); a wrong guess costs one
/// useless fetch. Kept inside the run: the line past its end may be
/// another page, or not published.
const AHEAD: usize = 8;

/// Asks the CPU to bring the line at `p` into its caches, without waiting
/// for it and without faulting whatever `p` is.
#[inline(always)]
fn prefetch(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch reads nothing the program sees and never faults.
    #[allow(unused_unsafe)]
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Whether a record of `len` bytes (its header's word) can be one the
/// kernel wrote, with `left` bytes published and unread (a multiple of 8,
/// at least 8): at least a header, a multiple of 8, and no longer than
/// `left`. One test for the three, as it runs once per record: rotating
/// `len - 8` right by 3 gives `(len - 8) / 8` for a multiple of 8 and a
/// huge number for anything else (its low bits land on top), as it does
/// when `len < 8` makes `len - 8` wrap.
#[inline(always)]
fn fits(len: usize, left: usize) -> bool {
    len.wrapping_sub(8).rotate_right(3) <= (left - 8) >> 3
}

/// Hands `record` (at least a header) to `f` if it is a sample or a loss;
/// returns 1 for a sample, else 0.
#[inline(always)]
fn deliver<const TIMED: bool>(record: &[u8], f: &mut impl FnMut(PerfRecord<'_>)) -> usize {
    let Some(kind) = record.first_chunk::<4>().map(|k| u32::from_ne_bytes(*k)) else { return 0 };
    if kind == RECORD_SAMPLE {
        if let Some((time, data)) = sample::<TIMED>(record) {
            f(PerfRecord::Sample { time, data });
            return 1;
        }
    } else if kind == RECORD_LOST {
        if let Some((id, count)) = lost(record) {
            f(PerfRecord::Lost { id, count });
        }
    }
    // Others, which a BPF output event does not write, are passed over.
    0
}

/// A `PERF_RECORD_LOST`'s id and count. Inline like the rest of the
/// walk: a call in a run's loop would make what `f` keeps live across it.
#[inline(always)]
fn lost(record: &[u8]) -> Option<(u64, u64)> {
    Some((u64_at(record, 8)?, u64_at(record, 16)?))
}

/// The record of `len` bytes at `start` of the data area `data` (`size`
/// bytes), which wraps around its end, put together in `scratch`.
///
/// # Safety
/// - `data` points to `size` readable bytes;
/// - `start < size`, `size - start < len <= size`;
/// - nothing writes `[start, size)` or `[0, len - (size - start))` while
///   the returned slice lives (the ring protocol: the kernel does not write
///   between our tail and its head).
#[cold]
#[inline(never)]
unsafe fn wrapped(
    scratch: &mut Vec<u8>,
    data: *const u8,
    size: usize,
    start: usize,
    len: usize,
) -> &[u8] {
    let first = size - start;
    scratch.clear();
    // SAFETY: the two pieces lie in the data area (the caller's first two
    // points) and are not written meanwhile (the third).
    unsafe {
        scratch.extend_from_slice(std::slice::from_raw_parts(data.add(start), first));
        scratch.extend_from_slice(std::slice::from_raw_parts(data, len - first));
    }
    scratch
}

/// The time (0 if untimed) and raw data of a `PERF_RECORD_SAMPLE`: after
/// the header, its time if `TIMED`, then the raw data's 4-byte size and the
/// data, cut to the record should the size claim more.
#[inline(always)]
fn sample<const TIMED: bool>(record: &[u8]) -> Option<(u64, &[u8])> {
    let raw_at = if TIMED { 16 } else { 8 };
    // One test: the size and what comes before it are inside the record.
    let (head, data) = record.split_at_checked(raw_at + 4)?;
    let time = if TIMED { u64_at(head, 8)? } else { 0 };
    let size = head.last_chunk::<4>()?;
    let raw = u32::from_ne_bytes(*size) as usize;
    Some((time, data.get(..raw).unwrap_or(data)))
}

/// The `u64` at byte `at` of a record.
#[inline(always)]
fn u64_at(record: &[u8], at: usize) -> Option<u64> {
    let bytes = record.get(at..)?.first_chunk::<8>()?;
    Some(u64::from_ne_bytes(*bytes))
}

#[cfg(test)]
mod tests;
