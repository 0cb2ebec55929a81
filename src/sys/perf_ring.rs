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
#[derive(Debug)]
pub(crate) struct PerfRing {
    fd: std::os::fd::OwnedFd,
    mem: Mmap,
    page: usize,
    /// The data area's size minus one.
    mask: u64,
    /// Where a record that wraps is put together.
    scratch: Vec<u8>,
    /// Whether samples start with their time (`PERF_SAMPLE_TIME`).
    timed: bool,
    /// Our position, which only we write: what `data_tail` holds, kept
    /// here so that telling an empty ring costs one load. Always a
    /// multiple of 8 (it starts so and moves by whole records).
    tail: u64,
}

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
        let cpu = i32::try_from(cpu).map_err(|_| Errno::EINVAL)?;
        let fd = super::perf::perf_event_open(&mut attr, -1, cpu)?;
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
        Ok(PerfRing { fd, mem, page, mask, scratch: Vec::new(), timed, tail })
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
    ///
    /// Each record is checked once against what the kernel has published
    /// (8-byte aligned, at least a header, ending at or before the head)
    /// and read through one view: in place, or put together in the scratch
    /// buffer when it wraps around the data area's end (out of line, so the
    /// common path keeps its registers). A record that fails the check
    /// stops the drain rather than read garbage.
    #[inline(always)]
    fn drain_as<const TIMED: bool>(&mut self, mut f: impl FnMut(PerfRecord<'_>)) -> usize {
        // Acquire: the records up to `head` are visible once it is.
        let Some(head) = self.mem.load_acquire_u64(DATA_HEAD) else { return 0 };
        let tail = self.tail;
        if head == tail {
            return 0;
        }
        let mask = self.mask as usize;
        let size = mask + 1;
        let Some(data) = self.mem.region(self.page, size) else { return 0 };
        let data = data.as_ptr().cast_const();
        // What is published, and no more than one ring's worth whatever
        // the head says: so a record is never longer than the data area.
        // The walk keeps only this count and the position in the data
        // area (few registers, for `f` to have the rest).
        // Whole 8-byte words only, as records are.
        let avail = usize::try_from(head.saturating_sub(tail)).unwrap_or(usize::MAX).min(size) & !7;
        let mut left = avail;
        let mut start = tail as usize & mask;
        let mut n = 0;
        while left > 0 {
            // The length (bytes 6..8 of the header) in a load of its own:
            // the next record's position depends on it and on nothing else.
            // SAFETY: `start < size` and 8-aligned (the tail it starts from
            // is a multiple of 8, and so are every `len` it moves by and the
            // data area's size), so the header's 8 bytes lie in the data
            // area, between our tail and the kernel's head: published, and
            // not written again until the tail moves past them.
            let len = usize::from(unsafe { data.add(start + 6).cast::<u16>().read() });
            // SAFETY: as above.
            let kind = unsafe { data.add(start).cast::<u32>().read() };
            if !fits(len, left) {
                break; // not a record the kernel would write
            }
            // `start + len <= size`, in terms of the mask the position is
            // already kept with (one register fewer).
            let record = if start + len - 1 <= mask {
                // SAFETY: `[start, start + len)` lies in the data area and
                // between our tail and the kernel's head (checked above):
                // not written until the tail moves, after the last `f` has
                // returned and the slice with it.
                unsafe { std::slice::from_raw_parts(data.add(start), len) }
            } else {
                // SAFETY: as above: `start < size`, and `len <= left <=
                // size`; published and not yet consumed. Out of line and
                // handed nothing of `f`'s: what `f` accumulates can stay in
                // registers.
                unsafe { wrapped(&mut self.scratch, data, size, start, len) }
            };
            left -= len;
            start = (start + len) & mask;
            // One place that calls `f`, so it is inlined once.
            n += deliver::<TIMED>(kind, record, &mut f);
        }
        let tail = tail + (avail - left) as u64;
        self.tail = tail;
        // Release: every read of the records above happens before the
        // kernel sees their space handed back.
        self.mem.store_release_u64(DATA_TAIL, tail);
        n
    }
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

/// Hands `record`, of type `kind`, to `f` if it is a sample or a loss
/// (others, which a BPF output event does not write, are passed over);
/// returns 1 for a sample, else 0.
#[inline(always)]
fn deliver<const TIMED: bool>(
    kind: u32,
    record: &[u8],
    f: &mut impl FnMut(PerfRecord<'_>),
) -> usize {
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

/// A `PERF_RECORD_LOST`'s id and count: rare, so out of the samples' way.
/// It is handed nothing of `f`'s: were `f` passed to an out-of-line
/// function, what `f` accumulates (a sum, a count) would have its address
/// taken and live in memory, loaded and stored at every sample.
#[cold]
#[inline(never)]
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
mod tests {
    use super::*;

    #[test]
    fn the_one_test_of_a_header_is_the_three() {
        for left in (8..=3 * 4096).step_by(8) {
            for len in 0..=usize::from(u16::MAX) {
                let naive = len >= 8 && len % 8 == 0 && len <= left;
                assert_eq!(fits(len, left), naive, "len {len}, left {left}");
            }
        }
    }

    #[test]
    fn a_sample_is_cut_to_its_record() {
        let mut record = vec![0u8; 32];
        record[8..12].copy_from_slice(&16u32.to_ne_bytes());
        record[12] = 7;
        let (time, data) = sample::<false>(&record).unwrap();
        assert_eq!((time, data.len(), data[0]), (0, 16, 7));
        // A size past the record's end gives what the record holds.
        record[8..12].copy_from_slice(&1000u32.to_ne_bytes());
        assert_eq!(sample::<false>(&record).unwrap().1.len(), 20);
        // Timed: the time, then the size.
        record[8..16].copy_from_slice(&99u64.to_ne_bytes());
        record[16..20].copy_from_slice(&4u32.to_ne_bytes());
        assert_eq!(sample::<true>(&record).unwrap(), (99, &record[20..24]));
        // Too short to hold a size.
        assert_eq!(sample::<false>(&record[..8]), None);
        assert_eq!(sample::<true>(&record[..16]), None);
    }
}
