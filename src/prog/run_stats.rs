//! Run-time statistics of every program (`BPF_ENABLE_STATS`).
//!
//! The kernel counts how often each program runs and for how long only
//! while someone asks it to, because reading the clock around every run
//! costs time. [`RunTimeStats`] holds that request open; while any holder
//! lives, [`ProgramInfo::run_count`](super::ProgramInfo::run_count) and
//! [`run_time`](super::ProgramInfo::run_time) grow (and `bpftool prog show`
//! prints `run_time_ns` and `run_cnt`). When the last holder on the
//! machine lets go, counting stops; the counts kept so far stay.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use crate::error::{Error, Result};
use crate::sys::{self, Cmd};

/// While alive, the kernel counts the runs and run time of every program.
///
/// ```no_run
/// # fn main() -> Result<(), bpfkit::Error> {
/// let _counting = bpfkit::prog::RunTimeStats::enable()?;
/// // ... run programs, then read ProgramInfo::run_time and run_count
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[must_use = "the kernel counts only while this is held"]
pub struct RunTimeStats {
    fd: OwnedFd,
}

impl RunTimeStats {
    /// Asks the kernel to count (`BPF_ENABLE_STATS` with
    /// `BPF_STATS_RUN_TIME`); needs `CAP_SYS_ADMIN`.
    pub fn enable() -> Result<RunTimeStats> {
        sys::prog::enable_run_time_stats()
            .map(|fd| RunTimeStats { fd })
            .map_err(|errno| Error::syscall(Cmd::EnableStats, errno))
    }
}

impl AsFd for RunTimeStats {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}
