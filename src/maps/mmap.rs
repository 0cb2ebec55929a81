//! `ArrayView<V>`: an array created with `BPF_F_MMAPABLE`, mapped into memory.
//!
//! Reading an element through the view is a memory load, not a system call,
//! which is what makes summing 100,000 counters cheap. The kernel lays an
//! mmapable array out as `max_entries` elements of `V` rounded up to 8
//! bytes, from offset 0, and maps whole pages.
//!
//! The memory is shared with BPF programs and with every other mapping of
//! the map, so the view never hands out `&V`: [`get`](ArrayView::get) and
//! [`set`](ArrayView::set) copy with volatile accesses (a `V` wider than 8
//! bytes may be read half-updated while a program writes it), and `u64`
//! elements, the usual counters, are available as atomics through
//! [`as_atomic_u64s`](ArrayView::as_atomic_u64s).

use std::marker::PhantomData;
use std::sync::atomic::AtomicU64;

use super::Plain;
use super::fd::MapFd;
use super::types::MapFlags;
use crate::sys::mmap::{Mmap, page_size};
use crate::{Errno, Error, Result};

/// The elements of an mmapable [`Array`](super::Array), mapped into memory
/// (see [`Array::mmap`](super::Array::mmap)).
///
/// The view keeps the map open. It is read-only when the map is read-only
/// for programs ([`MapFlags::RDONLY_PROG`]), for user space
/// ([`MapFlags::RDONLY`]), or frozen; while a writable view exists the map
/// cannot be frozen (`EBUSY`).
#[derive(Debug)]
pub struct ArrayView<V> {
    mem: Mmap,
    map: MapFd,
    len: u32,
    stride: usize,
    _value: PhantomData<V>,
}

impl<V: Plain> ArrayView<V> {
    /// Maps the whole array `map` (an array of `V`, checked by the caller).
    pub(crate) fn new(map: &MapFd) -> Result<ArrayView<V>> {
        let def = map.def();
        if !def.flags.contains(MapFlags::MMAPABLE) {
            return Err(Error::InvalidArgument {
                what: "mmap",
                why: format!(
                    "array {:?} was created without MapFlags::MMAPABLE; only arrays created \
                     with that flag can be mapped into memory",
                    map.name()
                ),
            });
        }
        let stride = size_of::<V>().next_multiple_of(8).max(8);
        let bytes = (def.max_entries as usize)
            .checked_mul(stride)
            .and_then(|b| b.checked_next_multiple_of(page_size()))
            .ok_or_else(|| Error::InvalidArgument {
                what: "mmap",
                why: format!("array {:?} is larger than the address space", map.name()),
            })?;
        let read_only = def.flags.intersects(MapFlags::RDONLY_PROG | MapFlags::RDONLY);
        let mapped = match Mmap::map(map.fd(), bytes, !read_only) {
            // A frozen map refuses writable mappings (EPERM), as does an fd
            // opened read-only (EACCES): map it read-only instead.
            Err(Errno::EPERM | Errno::EACCES) if !read_only => Mmap::map(map.fd(), bytes, false),
            other => other,
        };
        let mem = mapped.map_err(|errno| Error::Io {
            what: format!("mapping array {:?} ({bytes} bytes) into memory", map.name()),
            source: std::io::Error::from_raw_os_error(errno.0),
        })?;
        Ok(ArrayView { mem, map: map.clone(), len: def.max_entries, stride, _value: PhantomData })
    }

    /// The number of elements.
    pub fn len(&self) -> u32 {
        self.len
    }

    /// Whether the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether [`set`](Self::set) and the atomics are available.
    pub fn is_writable(&self) -> bool {
        self.mem.writable()
    }

    /// A copy of the element at `index`, `None` out of range.
    #[inline]
    pub fn get(&self, index: u32) -> Option<V> {
        if index >= self.len {
            return None;
        }
        self.mem.read(index as usize * self.stride)
    }

    /// Writes `value` at `index`.
    ///
    /// Takes `&mut self` so that two threads cannot race plain writes
    /// through one view; share counters through
    /// [`as_atomic_u64s`](Self::as_atomic_u64s) instead.
    pub fn set(&mut self, index: u32, value: &V) -> Result<()> {
        if index >= self.len {
            return Err(Error::InvalidArgument {
                what: "array index",
                why: format!(
                    "{index} is out of range for {:?} of {} elements",
                    self.map.name(),
                    self.len
                ),
            });
        }
        self.mem.write(index as usize * self.stride, *value).ok_or_else(|| self.read_only())
    }

    /// The underlying map.
    pub fn map(&self) -> &MapFd {
        &self.map
    }

    fn read_only(&self) -> Error {
        Error::InvalidArgument {
            what: "write through a read-only view",
            why: format!(
                "array {:?} is mapped read-only (it is RDONLY_PROG, RDONLY or frozen); \
                 read it, or write it from a BPF program",
                self.map.name()
            ),
        }
    }
}

impl ArrayView<u64> {
    /// The elements as atomics, shared with the BPF programs that update
    /// them (e.g. with `lock xadd`). An error for a read-only view.
    ///
    /// ```no_run
    /// use std::sync::atomic::Ordering;
    /// use bpfkit::maps::{Array, MapFlags};
    ///
    /// let counts = Array::<u64>::create("counts", 100_000, MapFlags::MMAPABLE)?;
    /// let view = counts.mmap()?;
    /// let total: u64 = view.as_atomic_u64s()?.iter().map(|c| c.load(Ordering::Relaxed)).sum();
    /// # Ok::<(), bpfkit::Error>(())
    /// ```
    pub fn as_atomic_u64s(&self) -> Result<&[AtomicU64]> {
        self.mem.atomic_u64_slice(0, self.len as usize).ok_or_else(|| self.read_only())
    }
}
