//! Ring buffers (`BPF_MAP_TYPE_RINGBUF`): programs write records, user
//! space reads them in place from shared memory, with no syscall and no
//! copy per record, and waits with epoll when there are none.

use std::os::fd::{AsFd, BorrowedFd};
use std::path::Path;
use std::time::Duration;

use super::fd::MapFd;
use super::perf_buffer::PerfBuffer;
use super::spec::MapSpec;
use crate::sys::MapType;
use crate::sys::epoll::Epoll;
use crate::sys::mmap::page_size;
use crate::sys::ring::Ring;
use crate::{Error, Result};

/// A ring buffer map: one data area that programs on every CPU reserve and
/// submit records in, in order.
///
/// ```no_run
/// use bpfkit::maps::{EventPoller, RingBuf};
/// let ring = RingBuf::create("events", 64 * 1024)?;
/// // ... a program writes records with ringbuf_reserve/submit ...
/// let mut poller = EventPoller::new()?;
/// poller.add_ring(&ring)?;
/// poller.poll(Some(std::time::Duration::from_millis(100)), |_source, record| {
///     println!("{} bytes", record.len());
/// })?;
/// # Ok::<(), bpfkit::Error>(())
/// ```
#[derive(Debug)]
pub struct RingBuf {
    map: MapFd,
}

impl RingBuf {
    /// A ring buffer named `name` of `size` bytes: a power of two and a
    /// multiple of the page size (4096 here), as the kernel requires.
    pub fn create(name: &str, size: u32) -> Result<RingBuf> {
        check_ring_size(size)?;
        let map = MapSpec::new(MapType::RINGBUF, 0, 0, size).name(name).create()?;
        Ok(RingBuf { map })
    }

    /// Wraps a map, checked to be a ring buffer.
    pub fn from_map(map: MapFd) -> Result<RingBuf> {
        if map.map_type() != MapType::RINGBUF {
            return Err(Error::InvalidArgument {
                what: "ring buffer",
                why: format!("map {:?} is a {} map, not ringbuf", map.name(), map.map_type()),
            });
        }
        Ok(RingBuf { map })
    }

    /// Opens the ring buffer pinned at `path`.
    pub fn open_pinned(path: impl AsRef<Path>) -> Result<RingBuf> {
        RingBuf::from_map(MapFd::open_pinned(path)?)
    }

    /// The data area's size in bytes.
    pub fn size(&self) -> u32 {
        self.map.def().max_entries
    }

    /// A reader of this ring's records (it maps the ring's pages; one
    /// reader per ring at a time, as the consumer position is shared).
    pub fn reader(&self) -> Result<RingBufReader> {
        let ring = Ring::map(self.map.fd(), self.size() as usize).map_err(|e| Error::Io {
            what: format!("mapping the pages of ring buffer {:?}", self.map.name()),
            source: std::io::Error::from_raw_os_error(e.0),
        })?;
        Ok(RingBufReader { ring, map: self.map.clone(), discarded: 0 })
    }

    /// The map.
    pub fn map(&self) -> &MapFd {
        &self.map
    }
}

impl AsRef<MapFd> for RingBuf {
    fn as_ref(&self) -> &MapFd {
        &self.map
    }
}

/// Refuses a data area size the kernel would: both kinds of ring buffer
/// are a power of two bytes and a multiple of the page size.
pub(super) fn check_ring_size(size: u32) -> Result<()> {
    let page = page_size();
    if size.is_power_of_two() && (size as usize) % page == 0 {
        return Ok(());
    }
    Err(Error::InvalidArgument {
        what: "ring buffer size",
        why: format!(
            "{size} bytes: a ring buffer is a power of two bytes and a multiple of the \
             page size ({page}); e.g. {}",
            (size.max(1) as usize).next_power_of_two().max(page)
        ),
    })
}

/// Reads a ring buffer's records in place. Holds the map open, so it may
/// outlive the [`RingBuf`] it came from.
#[derive(Debug)]
pub struct RingBufReader {
    ring: Ring,
    map: MapFd,
    discarded: u64,
}

impl RingBufReader {
    /// Hands every record ready now to `f`, oldest first, without
    /// blocking; returns how many. A record the producer still writes, and
    /// every one after it, waits for the next call.
    pub fn drain(&mut self, mut f: impl FnMut(&[u8])) -> usize {
        self.drain_while(|record| {
            f(record);
            true
        })
    }

    /// [`drain`](Self::drain), stopping after the record for which `f`
    /// returns `false`.
    pub fn drain_while(&mut self, f: impl FnMut(&[u8]) -> bool) -> usize {
        let done = self.ring.drain(f);
        self.discarded += done.discarded as u64;
        done.records
    }

    /// Whether records are ready.
    pub fn has_records(&self) -> bool {
        self.ring.has_records()
    }

    /// Discarded records passed over so far.
    pub fn discarded(&self) -> u64 {
        self.discarded
    }

    /// The ring's map.
    pub fn map(&self) -> &MapFd {
        &self.map
    }
}

/// The map's fd: epoll reports it readable when records are ready.
impl AsFd for RingBufReader {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.map.fd()
    }
}

/// Waits on several ring buffers and perf buffers at once and hands out
/// their records, as libbpf's `ring_buffer__add` and `ring_buffer__poll`
/// do. Its own fd ([`AsFd`]) is an epoll fd that a caller's event loop can
/// watch.
#[derive(Debug)]
pub struct EventPoller {
    epoll: Epoll,
    sources: Vec<Source>,
}

/// One source of records.
#[derive(Debug)]
enum Source {
    Ring(RingBufReader),
    Perf(PerfBuffer),
}

impl Source {
    fn has_records(&self) -> bool {
        match self {
            Source::Ring(ring) => ring.has_records(),
            Source::Perf(perf) => perf.has_records(),
        }
    }

    fn drain(&mut self, mut f: impl FnMut(&[u8])) -> usize {
        match self {
            Source::Ring(ring) => ring.drain(f),
            Source::Perf(perf) => perf.drain(|_, data| f(data)),
        }
    }
}

impl EventPoller {
    /// A poller with no sources.
    pub fn new() -> Result<EventPoller> {
        let epoll = Epoll::new().map_err(|e| Error::Io {
            what: "creating an epoll instance".into(),
            source: std::io::Error::from_raw_os_error(e.0),
        })?;
        Ok(EventPoller { epoll, sources: Vec::new() })
    }

    /// Adds a reader of `ring`; returns the source number its records are
    /// handed out with.
    pub fn add_ring(&mut self, ring: &RingBuf) -> Result<usize> {
        self.add_reader(ring.reader()?)
    }

    /// Adds `reader`; returns its source number.
    pub fn add_reader(&mut self, reader: RingBufReader) -> Result<usize> {
        let source = self.sources.len();
        self.watch(reader.as_fd(), source, reader.map())?;
        self.sources.push(Source::Ring(reader));
        Ok(source)
    }

    /// Adds the rings of a perf buffer, as one source; returns its number.
    /// Its lost samples are counted in [`lost`](Self::lost).
    pub fn add_perf(&mut self, buffer: PerfBuffer) -> Result<usize> {
        let source = self.sources.len();
        for (_, fd) in buffer.fds() {
            self.watch(fd, source, buffer.map())?;
        }
        self.sources.push(Source::Perf(buffer));
        Ok(source)
    }

    fn watch(&self, fd: BorrowedFd<'_>, source: usize, map: &MapFd) -> Result<()> {
        self.epoll.add(fd, source as u64).map_err(|e| Error::Io {
            what: format!("watching {:?} with epoll", map.name()),
            source: std::io::Error::from_raw_os_error(e.0),
        })
    }

    /// Samples the kernel dropped from the perf buffer of `source` (0 for
    /// a ring buffer, whose producers see a full ring as a failed reserve).
    pub fn lost(&self, source: usize) -> u64 {
        match self.sources.get(source) {
            Some(Source::Perf(perf)) => perf.lost(),
            _ => 0,
        }
    }

    /// Discarded records passed over in the ring buffer of `source`.
    pub fn discarded(&self, source: usize) -> u64 {
        match self.sources.get(source) {
            Some(Source::Ring(ring)) => ring.discarded(),
            _ => 0,
        }
    }

    /// Hands every record ready now, of every source, to `f(source,
    /// record)`; returns how many. Never blocks.
    pub fn drain(&mut self, mut f: impl FnMut(usize, &[u8])) -> usize {
        let mut n = 0;
        for (number, source) in self.sources.iter_mut().enumerate() {
            n += source.drain(|record| f(number, record));
        }
        n
    }

    /// Waits until a source has records or `timeout` passes (`None`: no
    /// limit), then hands out what is ready as [`drain`](Self::drain)
    /// does; returns how many records. Records already waiting are handed
    /// out at once, without a syscall.
    pub fn poll(
        &mut self,
        timeout: Option<Duration>,
        f: impl FnMut(usize, &[u8]),
    ) -> Result<usize> {
        self.wait(timeout)?;
        Ok(self.drain(f))
    }

    /// Waits until a source has records or `timeout` passes (`None`: no
    /// limit), handing nothing out: a caller that reads a perf buffer's
    /// records with their time and losses
    /// ([`PerfBuffer::drain_events`], through [`perf_mut`](Self::perf_mut))
    /// waits with this. Returns at once if records are already waiting;
    /// a signal does not cut the wait short.
    pub fn wait(&self, timeout: Option<Duration>) -> Result<()> {
        if !self.sources.iter().any(Source::has_records) {
            let ms = timeout.map_or(-1, |t| i32::try_from(t.as_millis()).unwrap_or(i32::MAX));
            let mut ready = [0u64; 16];
            self.epoll.wait(&mut ready, ms).map_err(|e| Error::Io {
                what: "waiting for ring buffer records (epoll_wait)".into(),
                source: std::io::Error::from_raw_os_error(e.0),
            })?;
        }
        Ok(())
    }

    /// The perf buffer added as `source`, to drain in place (`None` for a
    /// ring buffer's source or a number never handed out).
    pub fn perf_mut(&mut self, source: usize) -> Option<&mut PerfBuffer> {
        match self.sources.get_mut(source) {
            Some(Source::Perf(perf)) => Some(perf),
            _ => None,
        }
    }
}

impl AsFd for EventPoller {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.epoll.fd()
    }
}
