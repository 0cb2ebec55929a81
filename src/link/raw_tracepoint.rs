//! Raw tracepoints: `BPF_RAW_TRACEPOINT_OPEN`, whose fd is a `bpf_link`
//! of type `raw_tracepoint`. The program reads the tracepoint's arguments
//! as the kernel passes them (`u64 args[]`), before any tracefs formatting.

use std::ffi::CString;
use std::os::fd::{AsFd, BorrowedFd};
use std::path::Path;

use super::handle::Link;
use super::info::LinkInfo;
use crate::error::AttachAction;
use crate::prog::Program;
use crate::prog::kind::RawTracepoint;
use crate::sys;
use crate::{Errno, Error, Result};

/// Attaches `prog` to the raw tracepoint `name`: the tracepoint's own name,
/// without its category (`sys_enter`, `sched_switch`, `sched_process_exec`).
/// It runs each time the tracepoint fires, on every CPU, until the link is
/// dropped (or its last pin removed).
///
/// An unknown name is an [`Error::Hook`] with `ENOENT` naming it. Needs
/// `CAP_BPF` and `CAP_PERFMON` (or root).
///
/// The kernel (6.18 included) can neither swap a raw tracepoint link's
/// program nor detach it while it is open, so the [`RawTracepointLink`]
/// returned offers neither: to detach, drop it and remove its pins.
///
/// ```no_run
/// # fn demo(prog: &bpfkit::prog::Program<bpfkit::prog::kind::RawTracepoint>) -> bpfkit::Result<()> {
/// use bpfkit::link::attach_raw_tracepoint;
/// let link = attach_raw_tracepoint(prog, "sys_enter")?;
/// # Ok(()) }
/// ```
#[doc(alias = "BPF_RAW_TRACEPOINT_OPEN")]
pub fn attach_raw_tracepoint(
    prog: &Program<RawTracepoint>,
    name: &str,
) -> Result<RawTracepointLink> {
    let c_name = CString::new(name).map_err(|_| Error::InvalidArgument {
        what: "raw tracepoint name",
        why: format!("{name:?} holds a NUL byte"),
    })?;
    match sys::link::raw_tracepoint_open(&c_name, prog.fd()) {
        Ok(fd) => Ok(RawTracepointLink { link: Link::new(fd) }),
        Err(errno) => Err(Error::Hook {
            action: AttachAction::Attach,
            hook: format!("raw tracepoint {name}"),
            errno,
            advice: advice(errno, name),
        }),
    }
}

/// A program attached to a raw tracepoint: a `bpf_link` of type
/// `raw_tracepoint`. It stays attached until this value is dropped and the
/// link's pins are removed.
///
/// Unlike [`Link`], it has no `update` and no `detach`: the kernel answers
/// `EINVAL` to the one and `EOPNOTSUPP` to the other for these links, so
/// the type does not offer them.
///
/// ```compile_fail
/// # fn demo(link: bpfkit::link::RawTracepointLink, new: &bpfkit::prog::Program<bpfkit::prog::kind::RawTracepoint>) {
/// link.update(new);
/// # }
/// ```
#[derive(Debug)]
pub struct RawTracepointLink {
    link: Link<RawTracepoint>,
}

impl RawTracepointLink {
    /// Pins the link at `path` on a bpf filesystem: the program stays
    /// attached after this process exits, until the pin is removed.
    pub fn pin(&self, path: impl AsRef<Path>) -> Result<()> {
        self.link.pin(path)
    }

    /// The link's info: id, program id, type (`raw_tracepoint`) and the
    /// tracepoint's name.
    pub fn info(&self) -> Result<LinkInfo> {
        self.link.info()
    }

    /// The link's file descriptor.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.link.fd()
    }

    /// The link as an untyped [`Link`], as it would be opened from a pin
    /// or an id; the kernel refuses its `update` and `detach` then.
    pub fn into_untyped(self) -> Link {
        self.link.into_untyped()
    }
}

impl AsFd for RawTracepointLink {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd()
    }
}

fn advice(errno: Errno, name: &str) -> String {
    match errno {
        Errno::ENOENT => format!(
            "the kernel has no tracepoint named {name:?}: a raw tracepoint is named without its \
             category (sys_enter, not syscalls/sys_enter); tracefs' available_events lists \
             them as category:name"
        ),
        Errno::EPERM | Errno::EACCES => {
            "raw tracepoints need CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN); run as root or \
             grant them"
                .into()
        }
        Errno::EINVAL => {
            "the kernel refused the program here: it must be a raw tracepoint program, and read \
             no more arguments than the tracepoint passes"
                .into()
        }
        _ => "BPF_RAW_TRACEPOINT_OPEN failed; see the errno".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_name_says_how_raw_tracepoints_are_named() {
        let text = advice(Errno::ENOENT, "syscalls/sys_enter");
        assert!(text.contains("\"syscalls/sys_enter\""), "{text}");
        assert!(text.contains("without its category"), "{text}");
        assert!(advice(Errno::EPERM, "x").contains("CAP_PERFMON"));
    }
}
