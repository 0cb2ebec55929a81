//! The 64-bit user-pointer field of `union bpf_attr`.

use std::marker::PhantomData;

/// A `__aligned_u64` pointer field that borrows its buffer for `'a`.
///
/// An attribute struct holding a `UserPtr<'a>` cannot outlive the buffer the
/// kernel will read or write, so the buffer is alive for the whole syscall.
#[derive(Clone, Copy, Default, Debug)]
#[repr(transparent)]
pub(crate) struct UserPtr<'a> {
    addr: u64,
    _buffer: PhantomData<&'a [u8]>,
}

impl<'a> UserPtr<'a> {
    /// A NULL pointer.
    pub(crate) const NULL: UserPtr<'static> = UserPtr { addr: 0, _buffer: PhantomData };

    /// Points at a buffer the kernel only reads.
    pub(crate) fn from_slice<T>(buf: &'a [T]) -> Self {
        #[cfg(test)]
        buffers::record(buf.as_ptr() as u64, std::mem::size_of_val(buf), false);
        UserPtr { addr: buf.as_ptr() as u64, _buffer: PhantomData }
    }

    /// Points at a buffer the kernel writes.
    pub(crate) fn from_mut<T>(buf: &'a mut [T]) -> Self {
        #[cfg(test)]
        buffers::record(buf.as_mut_ptr() as u64, std::mem::size_of_val(buf), true);
        UserPtr { addr: buf.as_mut_ptr() as u64, _buffer: PhantomData }
    }

    /// Points at a NUL-terminated string.
    pub(crate) fn from_cstr(s: &'a std::ffi::CStr) -> Self {
        #[cfg(test)]
        buffers::record(s.as_ptr() as u64, s.to_bytes_with_nul().len(), false);
        UserPtr { addr: s.as_ptr() as u64, _buffer: PhantomData }
    }

    /// Points at a buffer the kernel reads, or NULL when there is none.
    pub(crate) fn from_opt<T>(buf: Option<&'a [T]>) -> Self {
        buf.map_or(UserPtr { addr: 0, _buffer: PhantomData }, UserPtr::from_slice)
    }

    /// Points at a buffer the kernel writes, or NULL when there is none.
    pub(crate) fn from_opt_mut<T>(buf: Option<&'a mut [T]>) -> Self {
        buf.map_or(UserPtr { addr: 0, _buffer: PhantomData }, UserPtr::from_mut)
    }

    /// The address, as the kernel sees it (0 for NULL).
    #[cfg(test)]
    pub(crate) fn addr(self) -> u64 {
        self.addr
    }
}

// In tests, the record of borrowed buffers behind `UserPtr::write`. A pointer
// field of `union bpf_attr` is 64 bits, so a `UserPtr` cannot carry its
// buffer's length: each constructor records its address, length and
// writability here instead, and a write through a `UserPtr` is clipped to
// what the record says.

#[cfg(test)]
mod buffers {
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    use super::UserPtr;

    /// A buffer some `UserPtr` was made from: its length and whether it was
    /// borrowed mutably.
    #[derive(Clone, Copy)]
    struct Buffer {
        len: usize,
        writable: bool,
    }

    /// Every buffer a `UserPtr` was made from, by address; the latest wins.
    /// Process-wide, so a `UserPtr` moved to another thread finds its record.
    static BUFFERS: Mutex<BTreeMap<u64, Buffer>> = Mutex::new(BTreeMap::new());

    /// Records the buffer a `UserPtr` at `addr` borrows (every constructor
    /// calls this).
    pub(super) fn record(addr: u64, len: usize, writable: bool) {
        if addr != 0 {
            let mut buffers = BUFFERS.lock().unwrap_or_else(|e| e.into_inner());
            buffers.insert(addr, Buffer { len, writable });
        }
    }

    impl UserPtr<'_> {
        /// Copies `data` into the buffer this pointer borrows, starting `offset`
        /// bytes in, as the kernel would; clipped to the buffer, so nothing is
        /// written through NULL or a read-only buffer. Returns the bytes copied.
        pub(crate) fn write(self, offset: usize, data: &[u8]) -> usize {
            let addr = self.addr();
            let buffers = BUFFERS.lock().unwrap_or_else(|e| e.into_inner());
            let Some(buffer) = buffers.get(&addr).filter(|b| b.writable) else {
                return 0;
            };
            let n = data.len().min(buffer.len.saturating_sub(offset));
            if n > 0 {
                // SAFETY: `self` was made by `UserPtr::from_mut` (the only
                // constructor that records a writable buffer) from a
                // `&'a mut [T]` of `buffer.len` bytes at `addr`, and that borrow
                // lasts as long as `self`'s lifetime: the slice is alive and no
                // one else may touch it. The record is that borrow's: any buffer
                // recorded at `addr` before it was overwritten by it, and none
                // can be recorded after it while it lives, since no other borrow
                // of the same bytes can be made (an empty slice can share the
                // address, and records a length of 0). `offset + n` is within
                // `buffer.len`, and `data` is not the buffer (it is borrowed
                // shared while the buffer is borrowed exclusively).
                unsafe {
                    std::ptr::copy_nonoverlapping(data.as_ptr(), (addr as *mut u8).add(offset), n);
                }
            }
            n
        }
    }
}
