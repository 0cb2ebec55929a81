//! `BPF_TASK_FD_QUERY`: which program a file descriptor of any process
//! holds on a tracepoint, a raw tracepoint, a kprobe or a uprobe.
//!
//! The kernel answers for perf event fds with a program (tracepoints,
//! k(ret)probes, u(ret)probes opened with `perf_event_open`) and for raw
//! tracepoint links; every other fd is "not an attachment". Walking
//! `/proc/PID/fd/` and asking for each fd lists the perf attachments of
//! the system, as `bpftool perf` does.

use crate::sys::{self, Cmd};
use crate::{Errno, Error, Result};

/// What kind of hook a perf attachment is on (`enum bpf_task_fd_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[doc(alias = "bpf_task_fd_type")]
pub enum TaskFdKind {
    /// `BPF_FD_TYPE_RAW_TRACEPOINT`: a raw tracepoint link.
    RawTracepoint,
    /// `BPF_FD_TYPE_TRACEPOINT`: a tracefs tracepoint's perf event.
    Tracepoint,
    /// `BPF_FD_TYPE_KPROBE`
    Kprobe,
    /// `BPF_FD_TYPE_KRETPROBE`
    Kretprobe,
    /// `BPF_FD_TYPE_UPROBE`
    Uprobe,
    /// `BPF_FD_TYPE_URETPROBE`
    Uretprobe,
    /// A kind newer than bpfkit, by its number.
    Other(u32),
}

impl TaskFdKind {
    fn from_raw(raw: u32) -> TaskFdKind {
        match raw {
            0 => TaskFdKind::RawTracepoint,
            1 => TaskFdKind::Tracepoint,
            2 => TaskFdKind::Kprobe,
            3 => TaskFdKind::Kretprobe,
            4 => TaskFdKind::Uprobe,
            5 => TaskFdKind::Uretprobe,
            n => TaskFdKind::Other(n),
        }
    }
}

/// One perf attachment, as [`task_fd_query`] finds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskFdInfo {
    /// The id of the attached program.
    pub prog_id: u32,
    /// The kind of hook.
    pub kind: TaskFdKind,
    /// The tracepoint's name (without its category), the probed kernel
    /// function's name (empty for a probe set on an address), or the path
    /// of the probed file: the kernel's bytes, which need not be UTF-8.
    pub name: Vec<u8>,
    /// The offset into the probed function or file (probes only).
    pub probe_offset: u64,
    /// The probed address, for a kprobe set on an address (probes only).
    pub probe_addr: u64,
}

/// What the file descriptor `fd` of the process `pid` is attached to:
/// `Ok(None)` when it is no perf attachment (a file, a socket, a map, a
/// perf event without a program, another kind of link...).
///
/// `fd` is a number in the other process's fd table, not an fd of ours.
/// A process or fd that has gone is an [`Error::Syscall`] (`ENOENT`,
/// `ESRCH` or `EBADF`), as is a caller without `CAP_SYS_ADMIN`
/// (`EPERM`). The kernel answers "not supported" (`ENOTSUPP`) for fds that
/// are no attachment, and older kernels without the command `EINVAL`.
///
/// ```no_run
/// # fn demo() -> bpfkit::Result<()> {
/// use bpfkit::link::task_fd_query;
/// if let Some(info) = task_fd_query(std::process::id(), 5)? {
///     println!("prog {} on {:?}", info.prog_id, info.kind);
/// }
/// # Ok(()) }
/// ```
#[doc(alias = "BPF_TASK_FD_QUERY")]
pub fn task_fd_query(pid: u32, fd: u32) -> Result<Option<TaskFdInfo>> {
    match sys::task_fd::query(pid, fd) {
        Ok(answer) => Ok(Some(TaskFdInfo {
            prog_id: answer.prog_id,
            kind: TaskFdKind::from_raw(answer.fd_type),
            name: answer.name,
            probe_offset: answer.probe_offset,
            probe_addr: answer.probe_addr,
        })),
        Err(Errno::ENOTSUPP) => Ok(None),
        Err(errno) => Err(Error::syscall(Cmd::TaskFdQuery, errno)),
    }
}
