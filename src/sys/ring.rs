//! The consumer side of a `BPF_MAP_TYPE_RINGBUF`, read in place.
//!
//! The kernel maps a ring buffer as a consumer page (ours to write: the
//! consumer position), then a producer page (the producer position) and
//! the data area twice in a row, so that a record that wraps around the
//! end reads as one run of bytes. Each record starts with an 8-byte header:
//! its length, with bit 31 set while the producer still writes it ("busy")
//! and bit 30 set if it was discarded, then a page offset the kernel uses.
//! Records are 8-byte aligned.
#![allow(unsafe_code)]

use std::os::fd::BorrowedFd;

use super::Errno;
use super::mmap::{Mmap, page_size};

/// `BPF_RINGBUF_BUSY_BIT`.
const BUSY: u32 = 1 << 31;
/// `BPF_RINGBUF_DISCARD_BIT`.
const DISCARD: u32 = 1 << 30;
/// `BPF_RINGBUF_HDR_SZ`.
const HEADER: u64 = 8;

/// A ring buffer's pages, mapped for reading records.
#[derive(Debug)]
pub(crate) struct Ring {
    consumer: Mmap,
    producer: Mmap,
    /// The data area's size minus one (it is a power of two).
    mask: u64,
    /// Where the data area starts in `producer`.
    data: usize,
}

/// What [`Ring::drain`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Drained {
    /// Records handed to the callback.
    pub records: usize,
    /// Discarded records passed over.
    pub discarded: usize,
}

impl Ring {
    /// Maps the ring buffer `fd` whose data area is `size` bytes.
    pub(crate) fn map(fd: BorrowedFd<'_>, size: usize) -> Result<Ring, Errno> {
        let page = page_size();
        let consumer = Mmap::map_at(fd, 0, page, true)?;
        let len = size.checked_mul(2).and_then(|d| d.checked_add(page)).ok_or(Errno::E2BIG)?;
        let producer = Mmap::map_at(fd, page, len, false)?;
        Ok(Ring { consumer, producer, mask: size as u64 - 1, data: page })
    }

    /// Whether records are waiting.
    pub(crate) fn has_records(&self) -> bool {
        let consumer = self.consumer.load_acquire_u64(0).unwrap_or(0);
        self.producer.load_acquire_u64(0).unwrap_or(0) > consumer
    }

    /// Hands each committed record to `f`, in order, until none is left,
    /// one is still being written, a header claims more than the producer
    /// published, or `f` returns `false` (the record it was given counts
    /// as read). The consumer position moves after each.
    pub(crate) fn drain(&mut self, mut f: impl FnMut(&[u8]) -> bool) -> Drained {
        let mut done = Drained::default();
        let Some(mut consumer) = self.consumer.load_acquire_u64(0) else { return done };
        while let Some(producer) = self.producer.load_acquire_u64(0) {
            if consumer >= producer {
                break;
            }
            let at = self.data + (consumer & self.mask) as usize;
            let Some(header) = self.producer.load_acquire_u32(at) else { break };
            if header & BUSY != 0 {
                break;
            }
            let len = u64::from(header & !(BUSY | DISCARD));
            let next = consumer + (len + HEADER).next_multiple_of(8);
            // A length past what the producer published is not a record
            // the kernel wrote: reading it would hand out bytes nobody
            // committed, and moving past it would lose the ring's place.
            if next > producer {
                break;
            }
            let mut more = true;
            if header & DISCARD != 0 {
                done.discarded += 1;
            } else {
                // SAFETY: a committed record (busy bit clear, read with
                // acquire) is not written again until the consumer position
                // passes it, which happens below, after `f` has returned and
                // the slice is gone. The data area is mapped twice, so a
                // record that wraps is contiguous; `bytes` checks bounds.
                let record = unsafe { self.producer.bytes(at + HEADER as usize, len as usize) };
                match record {
                    Some(record) => {
                        more = f(record);
                        done.records += 1;
                    }
                    None => break,
                }
            }
            consumer = next;
            if self.consumer.store_release_u64(0, consumer).is_none() {
                break;
            }
            if !more {
                break;
            }
        }
        done
    }
}

#[cfg(test)]
mod tests;
