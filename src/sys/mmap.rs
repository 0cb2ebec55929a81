//! A safe, owned shared mapping of a `BPF_F_MMAPABLE` map (mmap(2), munmap(2)).
//!
//! The memory is shared with BPF programs running on any CPU, so this module
//! never hands out `&T` or `&mut T` into it: plain values are copied in and out
//! with volatile accesses, and 64-bit cells of a writable mapping are
//! available as atomics, which is what BPF programs use for counters they
//! share. A read-only mapping offers no atomics: `AtomicU64::from_ptr`
//! requires memory valid for writes, and a store would fault.

use std::os::fd::{AsRawFd, BorrowedFd};
use std::ptr::NonNull;
use std::sync::atomic::AtomicU64;

use zerocopy::{FromBytes, Immutable, IntoBytes};

use super::Errno;

/// An owned `MAP_SHARED` mapping; unmapped on drop.
#[derive(Debug)]
pub(crate) struct Mmap {
    ptr: NonNull<u8>,
    len: usize,
    writable: bool,
}

// SAFETY: the mapping is plain shared memory with no thread affinity; every
// access through `Mmap` is volatile or atomic, so sharing it between threads
// adds no data race beyond what the kernel side already has.
unsafe impl Send for Mmap {}
// SAFETY: see `Send`: `&Mmap` only offers volatile copies and atomics.
unsafe impl Sync for Mmap {}

impl Mmap {
    /// Maps `len` bytes of `fd` from offset 0, read-write or read-only.
    pub(crate) fn map(fd: BorrowedFd<'_>, len: usize, writable: bool) -> Result<Mmap, Errno> {
        Mmap::map_at(fd, 0, len, writable)
    }

    /// Maps `len` bytes of `fd` from `offset` (a multiple of the page size).
    pub(crate) fn map_at(
        fd: BorrowedFd<'_>,
        offset: usize,
        len: usize,
        writable: bool,
    ) -> Result<Mmap, Errno> {
        let offset = libc::off_t::try_from(offset).map_err(|_| Errno::EINVAL)?;
        if len == 0 {
            return Err(Errno::EINVAL);
        }
        let prot = if writable { libc::PROT_READ | libc::PROT_WRITE } else { libc::PROT_READ };
        // SAFETY: a fresh mapping at an address of the kernel's choosing
        // aliases no Rust object; the fd is borrowed, so valid for the call.
        let addr = unsafe {
            libc::mmap(std::ptr::null_mut(), len, prot, libc::MAP_SHARED, fd.as_raw_fd(), offset)
        };
        if addr == libc::MAP_FAILED {
            return Err(Errno::last());
        }
        let ptr = NonNull::new(addr.cast::<u8>()).ok_or(Errno::EFAULT)?;
        Ok(Mmap { ptr, len, writable })
    }

    /// Whether the mapping was made writable.
    pub(crate) fn writable(&self) -> bool {
        self.writable
    }

    /// A pointer to `size` bytes at `offset`, aligned for `align`, if in bounds.
    #[inline]
    fn at(&self, offset: usize, size: usize, align: usize) -> Option<NonNull<u8>> {
        let end = offset.checked_add(size)?;
        if end > self.len || offset % align != 0 {
            return None;
        }
        // The mapping is page-aligned, so `offset % align == 0` aligns the address.
        // SAFETY: `offset + size <= len`, so the result stays inside the mapping.
        Some(unsafe { self.ptr.add(offset) })
    }

    /// Copies the `T` at `offset` out of the mapping.
    #[inline]
    pub(crate) fn read<T: FromBytes>(&self, offset: usize) -> Option<T> {
        let p = self.at(offset, size_of::<T>(), align_of::<T>())?;
        // SAFETY: in bounds and aligned (checked by `at`); any bytes are a
        // valid `T` (`FromBytes`); volatile because BPF programs write here.
        Some(unsafe { p.cast::<T>().as_ptr().read_volatile() })
    }

    /// Copies `value` into the mapping at `offset`.
    pub(crate) fn write<T: IntoBytes + Immutable>(&self, offset: usize, value: T) -> Option<()> {
        if !self.writable {
            return None;
        }
        let p = self.at(offset, size_of::<T>(), align_of::<T>())?;
        // SAFETY: in bounds and aligned (checked by `at`); the mapping is
        // writable (checked above) and valid for `self`'s lifetime.
        unsafe { p.cast::<T>().as_ptr().write_volatile(value) };
        Some(())
    }

    /// The `u64` at `offset`, read before any later read (a volatile load
    /// and an acquire fence): how a ring's consumer reads a position the
    /// kernel publishes with a release store.
    pub(crate) fn load_acquire_u64(&self, offset: usize) -> Option<u64> {
        let value = self.read::<u64>(offset)?;
        std::sync::atomic::fence(std::sync::atomic::Ordering::Acquire);
        Some(value)
    }

    /// The `u32` at `offset`, with the same ordering as
    /// [`load_acquire_u64`](Self::load_acquire_u64).
    pub(crate) fn load_acquire_u32(&self, offset: usize) -> Option<u32> {
        let value = self.read::<u32>(offset)?;
        std::sync::atomic::fence(std::sync::atomic::Ordering::Acquire);
        Some(value)
    }

    /// Stores `value` at `offset` after every earlier access (a release
    /// fence and a volatile store): how a ring's consumer hands space back.
    pub(crate) fn store_release_u64(&self, offset: usize, value: u64) -> Option<()> {
        std::sync::atomic::fence(std::sync::atomic::Ordering::Release);
        self.write(offset, value)
    }

    /// Stores `value` at `offset` after every earlier access, as
    /// [`store_release_u64`](Self::store_release_u64) does: how a ring's
    /// producer publishes a record's header once its bytes are written.
    pub(crate) fn store_release_u32(&self, offset: usize, value: u32) -> Option<()> {
        std::sync::atomic::fence(std::sync::atomic::Ordering::Release);
        self.write(offset, value)
    }

    /// `len` bytes at `offset`, in place, for the records of a ring buffer.
    ///
    /// # Safety
    /// Nothing may write those bytes while the slice lives: the ring
    /// protocol guarantees it for a committed record until the consumer
    /// position moves past it, which the caller does only after the slice
    /// is gone.
    #[inline]
    pub(super) unsafe fn bytes(&self, offset: usize, len: usize) -> Option<&[u8]> {
        let p = self.at(offset, len, 1)?;
        // SAFETY: in bounds (checked by `at`); unchanging while borrowed
        // (the caller's contract).
        Some(unsafe { std::slice::from_raw_parts(p.as_ptr(), len) })
    }

    /// `len` bytes at `offset`, in place and writable, for a record a ring's
    /// producer has reserved; `None` out of bounds or in a read-only mapping.
    ///
    /// # Safety
    /// Nothing else may read or write those bytes while the slice lives:
    /// the ring protocol guarantees it for a record reserved (busy bit set)
    /// by this process's only producer, as the consumer stops at a busy
    /// record; the caller hands out one such slice at a time.
    #[inline]
    #[allow(clippy::mut_from_ref)]
    pub(super) unsafe fn bytes_mut(&self, offset: usize, len: usize) -> Option<&mut [u8]> {
        if !self.writable {
            return None;
        }
        let p = self.at(offset, len, 1)?;
        // SAFETY: in bounds (checked by `at`) and writable (checked above);
        // unaliased while borrowed (the caller's contract).
        Some(unsafe { std::slice::from_raw_parts_mut(p.as_ptr(), len) })
    }

    /// A pointer to the `len` bytes at `offset`, if in bounds: for a ring
    /// reader that checks its records against the region once and then
    /// walks them with its own arithmetic instead of a check per access.
    #[inline]
    pub(super) fn region(&self, offset: usize, len: usize) -> Option<NonNull<u8>> {
        self.at(offset, len, 1)
    }

    /// `count` consecutive 64-bit cells from `offset` as atomics; `None` out
    /// of bounds or in a read-only mapping.
    pub(crate) fn atomic_u64_slice(&self, offset: usize, count: usize) -> Option<&[AtomicU64]> {
        if !self.writable {
            return None;
        }
        let p = self.at(offset, count.checked_mul(8)?, align_of::<AtomicU64>())?;
        // SAFETY: in bounds and aligned for `count` cells; `AtomicU64` has the
        // layout of `u64`; readable and writable (checked above) for `'self`;
        // all accesses to this memory from user space go through atomics or
        // volatile copies.
        Some(unsafe { std::slice::from_raw_parts(p.cast::<AtomicU64>().as_ptr(), count) })
    }
}

/// The size of a memory page (sysconf(3) `_SC_PAGESIZE`).
pub(crate) fn page_size() -> usize {
    // SAFETY: sysconf reads a constant of the running system; no pointers.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    // POSIX guarantees a page size; 4096 is the smallest any Linux uses.
    usize::try_from(size).ok().filter(|s| *s > 0).unwrap_or(4096)
}

impl Drop for Mmap {
    fn drop(&mut self) {
        // SAFETY: `ptr`/`len` are exactly one mapping made by `map`, and no
        // reference into it outlives `self` (all borrow `&self`).
        unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}
