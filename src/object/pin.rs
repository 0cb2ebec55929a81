//! Pinning bpf objects (maps, programs, links) to bpffs, and the one way
//! to open an object of any kind from its pin.

use std::ffi::CString;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::error::{Error, Result};
use crate::sys::{self, Cmd};

/// `path` as a C string; one with a NUL byte is an invalid argument.
fn c_path(path: &Path) -> Result<CString> {
    CString::new(path.as_os_str().as_bytes()).map_err(|_| Error::InvalidArgument {
        what: "path",
        why: format!("{} contains a NUL byte", path.display()),
    })
}

/// Pins any bpf object fd at `path`.
pub(crate) fn pin(fd: BorrowedFd<'_>, path: &Path) -> Result<()> {
    let c = c_path(path)?;
    sys::obj::pin(fd, &c).map_err(|errno| Error::Pin {
        cmd: Cmd::ObjPin,
        path: path.to_path_buf(),
        errno,
    })
}

/// Opens any bpf object pinned at `path`. The caller checks its kind
/// ([`expect_kind`](super::expect_kind)) before it reads the object's info.
pub(crate) fn get_pinned(path: &Path) -> Result<OwnedFd> {
    let c = c_path(path)?;
    sys::obj::get(&c, 0).map_err(|errno| Error::Pin {
        cmd: Cmd::ObjGet,
        path: path.to_path_buf(),
        errno,
    })
}
