//! User ring buffers (`BPF_MAP_TYPE_USER_RINGBUF`): user space writes
//! records in place in shared memory, a BPF program drains them with
//! `bpf_user_ringbuf_drain`, one callback per record.
//!
//! No system call is needed per record, nor to tell the kernel one is
//! ready: the program finds the records the next time it runs. The
//! kernel, in turn, wakes a producer that waits on the map's fd
//! (`EPOLLOUT`, [`AsFd`]) when a drain has freed room.
//!
//! The writer is a single producer: [`UserRingBufWriter::reserve`] takes
//! `&mut self`, so one record is open at a time and records reach the
//! program in the order they were reserved. Several records in flight at
//! once would need them committed in order, as the kernel stops at the
//! first one still being written; one at a time keeps that true by
//! construction. Two writers on one ring (two processes, or two calls of
//! [`UserRingBuf::writer`]) would race on the producer position, as two
//! readers of a [`RingBuf`](super::RingBuf) race on the consumer's.

use std::ops::{Deref, DerefMut};
use std::os::fd::{AsFd, BorrowedFd};
use std::path::Path;

use super::fd::MapFd;
use super::ringbuf::check_ring_size;
use super::spec::MapSpec;
use crate::error::MapField;
use crate::sys::MapType;
use crate::sys::user_ring::{MAX_RECORD, Refused, Slot, UserRing, footprint};
use crate::{Error, Result};

/// A user ring buffer map: user space produces records into it, a BPF
/// program consumes them with `bpf_user_ringbuf_drain`
/// ([`ProgramBuilder::user_ringbuf_drain`](crate::asm::ProgramBuilder::user_ringbuf_drain)).
///
/// ```no_run
/// use bpfkit::maps::UserRingBuf;
///
/// let ring = UserRingBuf::create("commands", 64 * 1024)?;
/// let mut writer = ring.writer()?;
/// let mut record = writer.reserve(16)?;
/// record[..8].copy_from_slice(&7u64.to_ne_bytes());
/// record[8..].copy_from_slice(&42u64.to_ne_bytes());
/// record.submit(); // the program's next drain hands it to its callback
/// writer.write(b"a record in one call")?;
/// # Ok::<(), bpfkit::Error>(())
/// ```
#[doc(alias = "BPF_MAP_TYPE_USER_RINGBUF")]
#[derive(Debug)]
pub struct UserRingBuf {
    map: MapFd,
}

impl UserRingBuf {
    /// A user ring buffer named `name` of `size` bytes: a power of two and
    /// a multiple of the page size (4096 here), as the kernel requires.
    pub fn create(name: &str, size: u32) -> Result<UserRingBuf> {
        check_ring_size(size)?;
        let map = MapSpec::new(MapType::USER_RINGBUF, 0, 0, size).name(name).create()?;
        Ok(UserRingBuf { map })
    }

    /// Wraps a map, checked to be a user ring buffer.
    pub fn from_map(map: MapFd) -> Result<UserRingBuf> {
        UserRingBuf::checked(map, None)
    }

    fn checked(map: MapFd, path: Option<&Path>) -> Result<UserRingBuf> {
        if map.map_type() != MapType::USER_RINGBUF {
            return Err(Error::MapMismatch {
                map: map.name().to_string(),
                path: path.map(Path::to_path_buf),
                field: MapField::Type,
                expected: MapType::USER_RINGBUF.to_string(),
                found: map.map_type().to_string(),
            });
        }
        Ok(UserRingBuf { map })
    }

    /// Opens the user ring buffer pinned at `path`.
    pub fn open_pinned(path: impl AsRef<Path>) -> Result<UserRingBuf> {
        let path = path.as_ref();
        UserRingBuf::checked(MapFd::open_pinned(path)?, Some(path))
    }

    /// Opens the user ring buffer with kernel id `id`.
    pub fn from_id(id: u32) -> Result<UserRingBuf> {
        UserRingBuf::from_map(MapFd::from_id(id)?)
    }

    /// The data area's size in bytes.
    pub fn size(&self) -> u32 {
        self.map.def().max_entries
    }

    /// A writer of this ring's records. It maps the ring's pages; one
    /// writer per ring at a time, as the producer position is shared.
    pub fn writer(&self) -> Result<UserRingBufWriter> {
        let ring = UserRing::map(self.map.fd(), self.size() as usize).map_err(|e| Error::Io {
            what: format!("mapping the pages of user ring buffer {:?}", self.map.name()),
            source: std::io::Error::from_raw_os_error(e.0),
        })?;
        Ok(UserRingBufWriter { ring, map: self.map.clone() })
    }

    /// The map.
    pub fn map(&self) -> &MapFd {
        &self.map
    }
}

impl AsRef<MapFd> for UserRingBuf {
    fn as_ref(&self) -> &MapFd {
        &self.map
    }
}

/// Writes a user ring buffer's records in place. Holds the map open, so
/// it may outlive the [`UserRingBuf`] it came from.
#[derive(Debug)]
pub struct UserRingBufWriter {
    ring: UserRing,
    map: MapFd,
}

impl UserRingBufWriter {
    /// Room for a record of `len` bytes, holding whatever an earlier record
    /// left there: write it all, then [`submit`](UserRecord::submit) it.
    /// Dropped without that, it is discarded.
    ///
    /// A record takes `len` bytes plus an 8-byte header, rounded up to 8.
    /// When that much is not free, [`Error::RingFull`]: the program has not
    /// drained enough yet. A record that could never fit (more than the
    /// ring's size with its header, or than the 16 MiB - 1 a program's
    /// `bpf_dynptr` can hold) is [`Error::InvalidArgument`].
    pub fn reserve(&mut self, len: usize) -> Result<UserRecord<'_>> {
        let size = self.ring_size();
        let largest = size.saturating_sub(8).min(MAX_RECORD);
        let too_large = || Error::InvalidArgument {
            what: "user ring buffer record length",
            why: format!(
                "{len} bytes: a record of ring {:?} ({size} bytes, 8 of them for a record's \
                 header) holds at most {largest} bytes{}",
                self.map.name(),
                if largest == MAX_RECORD {
                    " (the most a program's bpf_dynptr can hold)"
                } else {
                    ""
                }
            ),
        };
        let Some(len32) = u32::try_from(len).ok().filter(|l| u64::from(*l) <= largest) else {
            return Err(too_large());
        };
        match self.ring.reserve(len32) {
            Ok(slot) => Ok(UserRecord { slot }),
            Err(Refused::TooLarge) => Err(too_large()),
            Err(Refused::Full { free }) => Err(Error::RingFull {
                map: self.map.name().to_string(),
                len,
                needed: footprint(len as u64),
                free,
                size,
            }),
        }
    }

    /// Writes `bytes` as one record: [`reserve`](Self::reserve), copy,
    /// submit.
    pub fn write(&mut self, bytes: &[u8]) -> Result<()> {
        let mut record = self.reserve(bytes.len())?;
        record.copy_from_slice(bytes);
        record.submit();
        Ok(())
    }

    /// Bytes free now, headers included: a record of `len` bytes fits if
    /// `len + 8`, rounded up to 8, is no more. The program's drains only
    /// make it grow.
    pub fn free(&self) -> u64 {
        self.ring.free()
    }

    fn ring_size(&self) -> u64 {
        u64::from(self.map.def().max_entries)
    }

    /// The ring's map.
    pub fn map(&self) -> &MapFd {
        &self.map
    }
}

/// The map's fd: poll(2) and epoll report it writable (`EPOLLOUT`) while
/// any room is free, perhaps less than the next record needs, and a drain
/// that handed records over wakes a waiter.
impl AsFd for UserRingBufWriter {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.map.fd()
    }
}

/// A record reserved in a user ring buffer: its bytes, in place, to write
/// before [`submit`](Self::submit). Dropped without being submitted, it is
/// discarded, so a record is never left half-written in the ring, where it
/// would stop the program's drains.
#[derive(Debug)]
pub struct UserRecord<'a> {
    slot: Slot<'a>,
}

impl UserRecord<'_> {
    /// Hands the record to the program: its next drain passes it to the
    /// callback.
    pub fn submit(self) {
        self.slot.commit(false);
    }

    /// Gives the record up: the program never sees it, and its room comes
    /// back when the program drains past it.
    pub fn discard(self) {
        self.slot.commit(true);
    }
}

impl Deref for UserRecord<'_> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.slot.bytes()
    }
}

impl DerefMut for UserRecord<'_> {
    fn deref_mut(&mut self) -> &mut [u8] {
        self.slot.bytes_mut()
    }
}
