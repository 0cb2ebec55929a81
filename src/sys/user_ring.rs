//! The producer side of a `BPF_MAP_TYPE_USER_RINGBUF`, written in place.
//!
//! The roles of a ring buffer turned around: user space produces, a BPF
//! program consumes with `bpf_user_ringbuf_drain`. The kernel maps the
//! consumer page read-only (the kernel alone moves the consumer position)
//! and the producer page and the data area, twice in a row, read-write.
//! Records are laid out as in a kernel ring buffer (8-byte header: length,
//! busy bit 31, discard bit 30; 8-byte aligned), and the kernel checks
//! them as it drains: the producer position must be 8-byte aligned and
//! cover every record it has announced, busy ones included.
//!
//! So reserving a record writes its header with the busy bit and moves the
//! producer position past it at once; committing clears the busy bit, with
//! the discard bit for a record given up. The kernel stops at a busy record
//! and skips a discarded one.
#![allow(unsafe_code)]

use std::os::fd::BorrowedFd;

use super::Errno;
use super::mmap::{Mmap, page_size};

/// `BPF_RINGBUF_BUSY_BIT`.
const BUSY: u32 = 1 << 31;
/// `BPF_RINGBUF_DISCARD_BIT`.
const DISCARD: u32 = 1 << 30;
/// `BPF_RINGBUF_HDR_SZ`.
pub(crate) const HEADER: u64 = 8;
/// The largest record the kernel hands to a program: its `bpf_dynptr`
/// holds the size in 24 bits (`DYNPTR_MAX_SIZE`); a larger one would make
/// every later drain fail with `E2BIG`.
pub(crate) const MAX_RECORD: u64 = (1 << 24) - 1;

/// Room a record of `len` bytes takes: header and padding included.
pub(crate) fn footprint(len: u64) -> u64 {
    (len + HEADER).next_multiple_of(8)
}

/// A user ring buffer's pages, mapped for writing records.
#[derive(Debug)]
pub(crate) struct UserRing {
    consumer: Mmap,
    producer: Mmap,
    /// The data area's size (a power of two).
    size: u64,
    /// Where the data area starts in `producer`.
    data: usize,
    /// The header offset (in `producer`) and length of a record reserved
    /// and never committed because its [`Slot`] was leaked: discarded at
    /// the next reservation, so that the kernel is not stuck behind it.
    open: Option<(usize, u32)>,
}

/// Why [`UserRing::reserve`] found no room.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refused {
    /// The record could never fit: larger than the data area, or than the
    /// kernel hands to a program.
    TooLarge,
    /// Only `free` bytes are free until the program drains.
    Full {
        /// Bytes free, headers included.
        free: u64,
    },
}

impl UserRing {
    /// Maps the user ring buffer `fd` whose data area is `size` bytes.
    pub(crate) fn map(fd: BorrowedFd<'_>, size: usize) -> Result<UserRing, Errno> {
        if !size.is_power_of_two() {
            return Err(Errno::EINVAL);
        }
        let page = page_size();
        let consumer = Mmap::map_at(fd, 0, page, false)?;
        let len = size.checked_mul(2).and_then(|d| d.checked_add(page)).ok_or(Errno::E2BIG)?;
        let producer = Mmap::map_at(fd, page, len, true)?;
        Ok(UserRing { consumer, producer, size: size as u64, data: page, open: None })
    }

    /// The consumer and producer positions.
    fn positions(&self) -> Option<(u64, u64)> {
        let consumer = self.consumer.load_acquire_u64(0)?;
        let producer = self.producer.load_acquire_u64(0)?;
        Some((consumer, producer))
    }

    /// Bytes free for records, headers included.
    pub(crate) fn free(&self) -> u64 {
        self.positions().map_or(0, |(consumer, producer)| {
            self.size.saturating_sub(producer.wrapping_sub(consumer))
        })
    }

    /// Reserves a record of `len` bytes: its header is written busy and the
    /// producer position moved past it, so the program stops there until
    /// the slot is committed (on drop: discarded).
    pub(crate) fn reserve(&mut self, len: u32) -> Result<Slot<'_>, Refused> {
        let total = footprint(u64::from(len));
        if u64::from(len) > MAX_RECORD || total > self.size {
            return Err(Refused::TooLarge);
        }
        if let Some((header, len)) = self.open.take() {
            self.commit(header, len, true);
        }
        let (consumer, producer) = self.positions().ok_or(Refused::Full { free: 0 })?;
        let free = self.size.saturating_sub(producer.wrapping_sub(consumer));
        if free < total {
            return Err(Refused::Full { free });
        }
        let header = self.data + (producer & (self.size - 1)) as usize;
        // The kernel reads the header only after the producer position
        // covers it (both with acquire), so plain stores before the
        // position's release suffice.
        let written = self
            .producer
            .write(header, len | BUSY)
            .and_then(|()| self.producer.write(header + 4, 0u32))
            .and_then(|()| self.producer.store_release_u64(0, producer + total));
        if written.is_none() {
            return Err(Refused::Full { free: 0 });
        }
        self.open = Some((header, len));
        Ok(Slot { ring: self, header, len, done: false })
    }

    /// Clears the busy bit of the record at `header`, setting the discard
    /// bit if `discard`: after the record's bytes, as the program reads
    /// them as soon as it sees the bit clear.
    fn commit(&mut self, header: usize, len: u32, discard: bool) {
        let value = if discard { len | DISCARD } else { len };
        // In bounds: `reserve` wrote this header.
        let _ = self.producer.store_release_u32(header, value);
        self.open = None;
    }
}

/// A reserved record: its bytes are ours until it is committed.
#[derive(Debug)]
pub(crate) struct Slot<'a> {
    ring: &'a mut UserRing,
    header: usize,
    len: u32,
    done: bool,
}

impl Slot<'_> {
    /// The record's bytes.
    pub(crate) fn bytes(&self) -> &[u8] {
        let at = self.header + HEADER as usize;
        // SAFETY: the record is busy, so the kernel does not read it, and
        // the only other reference to it is this slot's, borrowed
        // exclusively by `bytes_mut`. The data area is mapped twice, so a
        // record that wraps is contiguous (`reserve` checked it fits).
        unsafe { self.ring.producer.bytes(at, self.len as usize) }.unwrap_or_default()
    }

    /// The record's bytes, to write.
    pub(crate) fn bytes_mut(&mut self) -> &mut [u8] {
        let at = self.header + HEADER as usize;
        // SAFETY: as in `bytes`; `&mut self` makes this the only slice of
        // the record, and the ring (borrowed exclusively by the slot) hands
        // out no other slot until this one is committed.
        unsafe { self.ring.producer.bytes_mut(at, self.len as usize) }.unwrap_or_default()
    }

    /// Hands the record to the kernel, or gives it up (`discard`): the
    /// program never sees a discarded record.
    pub(crate) fn commit(mut self, discard: bool) {
        self.finish(discard);
    }

    fn finish(&mut self, discard: bool) {
        if !self.done {
            self.done = true;
            self.ring.commit(self.header, self.len, discard);
        }
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.finish(true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_takes_its_header_and_padding_to_8_bytes() {
        assert_eq!(footprint(0), 8);
        assert_eq!(footprint(1), 16);
        assert_eq!(footprint(8), 16);
        assert_eq!(footprint(9), 24);
        assert_eq!(footprint(4088), 4096);
    }
}
