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
        Ok(PerfRing { fd, mem, page, mask: (pages * page) as u64 - 1, scratch: Vec::new(), timed })
    }

    /// The event's fd: what goes into the map's slot, and what epoll
    /// watches.
    pub(crate) fn fd(&self) -> BorrowedFd<'_> {
        use std::os::fd::AsFd;
        self.fd.as_fd()
    }

    /// Whether records are waiting.
    pub(crate) fn has_records(&self) -> bool {
        let head = self.mem.load_acquire_u64(DATA_HEAD).unwrap_or(0);
        head != self.mem.read::<u64>(DATA_TAIL).unwrap_or(0)
    }

    /// Hands every record written so far to `f`, oldest first; returns
    /// how many. The tail moves once, after the last.
    pub(crate) fn drain(&mut self, mut f: impl FnMut(PerfRecord<'_>)) -> usize {
        let Some(head) = self.mem.load_acquire_u64(DATA_HEAD) else { return 0 };
        let Some(mut tail) = self.mem.read::<u64>(DATA_TAIL) else { return 0 };
        let size = self.mask + 1;
        let timed = self.timed;
        let mut n = 0;
        while tail < head {
            let start = (tail & self.mask) as usize;
            // Records are 8-byte aligned: the header never wraps.
            let Some(word) = self.mem.read::<u64>(self.page + start) else { break };
            let header = word.to_ne_bytes();
            let kind = u32::from_ne_bytes([header[0], header[1], header[2], header[3]]);
            let len = u16::from_ne_bytes([header[6], header[7]]) as usize;
            if len < 8 || len as u64 > size {
                break; // not a record: stop rather than read garbage
            }
            let body = if start + len <= size as usize {
                // SAFETY: between our tail and the kernel's head: not
                // written until the tail moves, after `f` is done with it.
                unsafe { self.mem.bytes(self.page + start + 8, len - 8) }
            } else {
                self.read_wrapped(tail + 8, len - 8)
            };
            let Some(body) = body else { break };
            let u64_at = |at: usize| {
                body.get(at..at + 8)
                    .map_or(0, |b| u64::from_ne_bytes(b.try_into().unwrap_or([0; 8])))
            };
            // With PERF_SAMPLE_TIME the time comes first, then the raw size.
            let raw_at = if timed { 8 } else { 0 };
            match kind {
                RECORD_SAMPLE if body.len() >= raw_at + 4 => {
                    let time = if timed { u64_at(0) } else { 0 };
                    let size = &body[raw_at..raw_at + 4];
                    let raw = u32::from_ne_bytes([size[0], size[1], size[2], size[3]]) as usize;
                    let start = raw_at + 4;
                    let data = &body[start..(start + raw).min(body.len())];
                    f(PerfRecord::Sample { time, data });
                    n += 1;
                }
                RECORD_LOST if body.len() >= 16 => {
                    f(PerfRecord::Lost { id: u64_at(0), count: u64_at(8) });
                }
                _ => {}
            }
            tail += len as u64;
        }
        self.mem.store_release_u64(DATA_TAIL, tail);
        n
    }

    /// `len` bytes of the data area from position `at`, in place when they
    /// do not wrap, else put together in the scratch buffer.
    fn read_wrapped(&mut self, at: u64, len: usize) -> Option<&[u8]> {
        let size = (self.mask + 1) as usize;
        let start = (at & self.mask) as usize;
        if start + len <= size {
            // SAFETY: the kernel does not write between our tail and its
            // head, which this range lies in, until the tail moves (after
            // the caller is done with the slice).
            return unsafe { self.mem.bytes(self.page + start, len) };
        }
        let first = size - start;
        self.scratch.clear();
        // SAFETY: as above, for both pieces.
        unsafe {
            self.scratch.extend_from_slice(self.mem.bytes(self.page + start, first)?);
            self.scratch.extend_from_slice(self.mem.bytes(self.page, len - first)?);
        }
        Some(&self.scratch)
    }
}
