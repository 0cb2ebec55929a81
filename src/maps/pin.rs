//! Pinning bpf objects (maps, programs, links) to bpffs and opening them.

use std::ffi::CString;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use super::fd::MapFd;
use crate::error::{Error, Result};
use crate::object::Origin;
use crate::sys::{self, Cmd};

pub(crate) fn c_path(path: &Path) -> Result<CString> {
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

/// Opens any bpf object pinned at `path`.
pub(crate) fn get(path: &Path) -> Result<OwnedFd> {
    let c = c_path(path)?;
    sys::obj::get(&c, 0).map_err(|errno| Error::Pin {
        cmd: Cmd::ObjGet,
        path: path.to_path_buf(),
        errno,
    })
}

/// Opens the map pinned at `path`; a pinned program or link, which
/// `BPF_OBJ_GET` opens just as well, is [`Error::WrongKind`].
pub(crate) fn open(path: &Path) -> Result<MapFd> {
    MapFd::checked(get(path)?, Origin::Path(path))
}
