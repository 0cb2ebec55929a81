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
        super::mock::record(buf.as_ptr() as u64, std::mem::size_of_val(buf), false);
        UserPtr { addr: buf.as_ptr() as u64, _buffer: PhantomData }
    }

    /// Points at a buffer the kernel writes.
    pub(crate) fn from_mut<T>(buf: &'a mut [T]) -> Self {
        #[cfg(test)]
        super::mock::record(buf.as_mut_ptr() as u64, std::mem::size_of_val(buf), true);
        UserPtr { addr: buf.as_mut_ptr() as u64, _buffer: PhantomData }
    }

    /// Points at a NUL-terminated string.
    pub(crate) fn from_cstr(s: &'a std::ffi::CStr) -> Self {
        #[cfg(test)]
        super::mock::record(s.as_ptr() as u64, s.to_bytes_with_nul().len(), false);
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
