//! The kernel's error numbers, by name.

use std::fmt;

/// An error number returned by the kernel.
///
/// Displays as its symbolic name and the C library's text, e.g.
/// `EPERM (Operation not permitted)`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Errno(pub i32);

impl Errno {
    /// `EPERM`: the caller lacks a capability.
    pub const EPERM: Errno = Errno(libc::EPERM);
    /// `ENOENT`: no such element, object or file.
    pub const ENOENT: Errno = Errno(libc::ENOENT);
    /// `E2BIG`: an argument (map size, attribute) is too large.
    pub const E2BIG: Errno = Errno(libc::E2BIG);
    /// `EAGAIN`: try again (the verifier was interrupted).
    pub const EAGAIN: Errno = Errno(libc::EAGAIN);
    /// `ENOMEM`: the kernel could not allocate memory.
    pub const ENOMEM: Errno = Errno(libc::ENOMEM);
    /// `EACCES`: the verifier rejected a program, or access was denied.
    pub const EACCES: Errno = Errno(libc::EACCES);
    /// `EEXIST`: the element or object already exists.
    pub const EEXIST: Errno = Errno(libc::EEXIST);
    /// `EINVAL`: an invalid argument.
    pub const EINVAL: Errno = Errno(libc::EINVAL);
    /// `ENOSPC`: a buffer (e.g. the verifier log) was too small.
    pub const ENOSPC: Errno = Errno(libc::ENOSPC);
    /// `ENOTSUPP` (524): the kernel's internal "operation not supported".
    pub const ENOTSUPP: Errno = Errno(524);
    /// `EOPNOTSUPP`: the operation is not supported.
    pub const EOPNOTSUPP: Errno = Errno(libc::EOPNOTSUPP);
    /// `EBUSY`: the resource is busy (e.g. an XDP program is attached).
    pub const EBUSY: Errno = Errno(libc::EBUSY);
    /// `EINTR`: interrupted by a signal.
    pub const EINTR: Errno = Errno(libc::EINTR);
    /// `EFAULT`: a bad user pointer.
    pub const EFAULT: Errno = Errno(libc::EFAULT);
    /// `EBADF`: a bad file descriptor.
    pub const EBADF: Errno = Errno(libc::EBADF);
    /// `EIO`: an I/O error.
    pub const EIO: Errno = Errno(libc::EIO);
    /// `ENOSYS`: the system call does not exist.
    pub const ENOSYS: Errno = Errno(libc::ENOSYS);
    /// `ENODEV`: no such device.
    pub const ENODEV: Errno = Errno(libc::ENODEV);
    /// `ERANGE`: out of range (a multi-program hook is full).
    pub const ERANGE: Errno = Errno(libc::ERANGE);
    /// `ESTALE`: stale state (a hook's revision moved on).
    pub const ESTALE: Errno = Errno(libc::ESTALE);
    /// `ENOTSOCK`: the fd is not a socket.
    pub const ENOTSOCK: Errno = Errno(libc::ENOTSOCK);

    /// The errno of the last failed libc call on this thread.
    pub(crate) fn last() -> Errno {
        Errno(std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO))
    }

    /// The symbolic name (`"EPERM"`), or `None` for a number this crate does not name.
    pub fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            libc::EPERM => "EPERM",
            libc::ENOENT => "ENOENT",
            libc::ESRCH => "ESRCH",
            libc::EINTR => "EINTR",
            libc::EIO => "EIO",
            libc::E2BIG => "E2BIG",
            libc::EBADF => "EBADF",
            libc::EAGAIN => "EAGAIN",
            libc::ENOMEM => "ENOMEM",
            libc::EACCES => "EACCES",
            libc::EFAULT => "EFAULT",
            libc::EBUSY => "EBUSY",
            libc::EEXIST => "EEXIST",
            libc::ENODEV => "ENODEV",
            libc::ENOTDIR => "ENOTDIR",
            libc::EINVAL => "EINVAL",
            libc::ENFILE => "ENFILE",
            libc::EMFILE => "EMFILE",
            libc::ENOSPC => "ENOSPC",
            libc::ERANGE => "ERANGE",
            libc::ESTALE => "ESTALE",
            libc::ENOSYS => "ENOSYS",
            libc::ELOOP => "ELOOP",
            libc::EOPNOTSUPP => "EOPNOTSUPP",
            libc::EXDEV => "EXDEV",
            libc::ENOTSOCK => "ENOTSOCK",
            524 => "ENOTSUPP",
            _ => return None,
        })
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "Errno({})", self.0),
        }
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The kernel-internal ENOTSUPP has no libc text.
        let text = if self.0 == 524 {
            "Operation not supported by this kernel".to_string()
        } else {
            let full = std::io::Error::from_raw_os_error(self.0).to_string();
            full.split(" (os error").next().unwrap_or(&full).to_string()
        };
        match self.name() {
            Some(name) => write!(f, "{name} ({text})"),
            None => write!(f, "errno {} ({text})", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_names() {
        assert_eq!(Errno::EPERM.to_string(), "EPERM (Operation not permitted)");
        assert_eq!(Errno(524).to_string(), "ENOTSUPP (Operation not supported by this kernel)");
        assert_eq!(format!("{:?}", Errno(4242)), "Errno(4242)");
    }
}
