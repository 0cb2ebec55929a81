//! `Program`: a loaded program, owned by its file descriptor.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;

use super::info::ProgramInfo;
use super::types::ProgType;
use crate::error::{Error, Result};
use crate::maps::{get_pinned, pin_fd};
use crate::sys::{self, Cmd};

/// A loaded program. Dropping it closes its fd; the kernel frees the program
/// once nothing else (an attachment, a pin, a link) holds it.
#[derive(Debug)]
pub struct Program {
    fd: OwnedFd,
    prog_type: ProgType,
    name: String,
    log: Option<String>,
}

impl Program {
    pub(crate) fn new(
        fd: OwnedFd,
        prog_type: ProgType,
        name: String,
        log: Option<String>,
    ) -> Program {
        Program { fd, prog_type, name, log }
    }

    /// Wraps an fd that refers to a program, reading its type and name.
    pub fn from_fd(fd: OwnedFd) -> Result<Program> {
        let info = ProgramInfo::of(fd.as_fd())?;
        Ok(Program { fd, prog_type: info.prog_type, name: info.name, log: None })
    }

    /// Opens the program with kernel id `id` (`BPF_PROG_GET_FD_BY_ID`).
    pub fn from_id(id: u32) -> Result<Program> {
        let fd = sys::obj::fd_by_id(Cmd::ProgGetFdById, id)
            .map_err(|e| Error::syscall(Cmd::ProgGetFdById, e))?;
        Program::from_fd(fd)
    }

    /// Opens the program pinned at `path`.
    pub fn open_pinned(path: impl AsRef<Path>) -> Result<Program> {
        Program::from_fd(get_pinned(path.as_ref())?)
    }

    /// Pins the program at `path` on a bpf filesystem, so it outlives the process.
    pub fn pin(&self, path: impl AsRef<Path>) -> Result<()> {
        pin_fd(self.fd(), path.as_ref())
    }

    /// The program's file descriptor.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// The program type.
    pub fn prog_type(&self) -> ProgType {
        self.prog_type
    }

    /// The name it was loaded with.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The verifier log, when it was asked for with
    /// [`ProgramSpec::log_on_success`](super::ProgramSpec::log_on_success).
    pub fn verifier_log(&self) -> Option<&str> {
        self.log.as_deref()
    }

    /// Asks the kernel for the program's info (id, tag, sizes, maps).
    pub fn info(&self) -> Result<ProgramInfo> {
        ProgramInfo::of(self.fd())
    }
}
