//! [`PerfEventLink`]: a `perf_event` `bpf_link` and the perf event it hangs
//! its program from (tracepoints, kprobes).

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::Path;

use super::handle::Link;
use super::info::LinkInfo;
use crate::prog::{AttachType, Program};
use crate::sys::link::LinkExtra;
use crate::sys::{self};
use crate::{Errno, Result};

/// A program attached to a perf event (a tracepoint's, a kprobe's) through
/// a `bpf_link` of type `perf_event`, with the perf event's own fd.
///
/// The link holds the perf event too, so the attachment lives exactly as
/// long as the link: dropping this value (both fds) detaches the program
/// unless the link is [pinned](Self::pin), and a pinned link keeps its
/// perf event after the process exits. The perf event fd is kept open so
/// that tools that walk processes' fds (`bpftool perf`, which asks
/// `BPF_TASK_FD_QUERY` of each) see the attachment, as they do libbpf's;
/// [`into_link`](Self::into_link) lets it go.
///
/// The kernel cannot swap a perf event link's program (`BPF_LINK_UPDATE`
/// answers `EINVAL`): attach the new program, then drop the old link.
#[derive(Debug)]
pub struct PerfEventLink<K> {
    // Declared first, dropped first: the program is detached before the
    // event it hangs from is closed.
    link: Link<K>,
    event: OwnedFd,
}

impl<K> PerfEventLink<K> {
    /// Pins the link at `path` on a bpf filesystem: the program stays
    /// attached (and its perf event open) after this process exits, until
    /// the pin is removed.
    pub fn pin(&self, path: impl AsRef<Path>) -> Result<()> {
        self.link.pin(path)
    }

    /// The link's info: id, program id, type (`perf_event`).
    pub fn info(&self) -> Result<LinkInfo> {
        self.link.info()
    }

    /// Detaches the program now and closes both fds.
    ///
    /// Linux (6.18 included) has no `BPF_LINK_DETACH` for `perf_event`
    /// links: there, closing is what detaches, so a link that is pinned, or
    /// whose fd was passed on, keeps its program until those references go
    /// too (remove the pin). Where the kernel does detach them, this asks it to.
    pub fn detach(self) -> Result<()> {
        match sys::link::detach(self.link.fd()) {
            Ok(()) | Err(Errno::EOPNOTSUPP) => Ok(()),
            Err(errno) => Err(crate::Error::syscall(crate::sys::Cmd::LinkDetach, errno)),
        }
    }

    /// The link alone, untyped (the kernel refuses its `update`); the perf
    /// event fd closes, and the event lives on as long as the link.
    pub fn into_link(self) -> Link {
        self.link.into_untyped()
    }

    /// The link's file descriptor.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.link.fd()
    }

    /// The perf event's file descriptor.
    pub fn perf_event_fd(&self) -> BorrowedFd<'_> {
        self.event.as_fd()
    }

    /// Wraps a link created on `event`.
    pub(super) fn new(link: OwnedFd, event: OwnedFd) -> PerfEventLink<K> {
        PerfEventLink { link: Link::new(link), event }
    }
}

impl<K> AsFd for PerfEventLink<K> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd()
    }
}

/// `BPF_LINK_CREATE` of `prog` on the perf event `event` (attach type
/// `BPF_PERF_EVENT`), with `cookie`.
pub(super) fn create<K>(
    prog: &Program<K>,
    event: OwnedFd,
    cookie: u64,
) -> std::result::Result<PerfEventLink<K>, Errno> {
    let target = event.as_raw_fd() as u32;
    let extra = LinkExtra::PerfCookie(cookie);
    let link = sys::link::create(prog.fd(), target, AttachType::PERF_EVENT.0, 0, extra)?;
    Ok(PerfEventLink::new(link, event))
}

/// What an errno of `perf_event_open` for `what` means.
pub(super) fn perf_event_advice(errno: Errno, what: &str) -> String {
    match errno {
        Errno::EPERM | Errno::EACCES => format!(
            "opening the perf event of {what} needs CAP_PERFMON (or CAP_SYS_ADMIN), and \
             attaching a program to it CAP_BPF; run as root or grant them"
        ),
        Errno::ENOENT | Errno::ENODEV => {
            format!("the kernel has no perf event for {what}: is CONFIG_PERF_EVENTS on?")
        }
        Errno::ENOSYS => "the kernel has no perf_event_open (CONFIG_PERF_EVENTS is off)".into(),
        _ => "perf_event_open refused it; see the errno".into(),
    }
}

/// What an errno of `BPF_LINK_CREATE` on a perf event of a `what` means.
pub(super) fn link_advice(errno: Errno, what: &str) -> String {
    match errno {
        Errno::EPERM | Errno::EACCES => format!(
            "attaching to a {what} needs CAP_BPF and CAP_PERFMON; run as root or grant them"
        ),
        Errno::EEXIST | Errno::EBUSY => "a program is already attached to this perf event".into(),
        Errno::EINVAL => format!(
            "the kernel refused the link: perf_event links need Linux 5.15, and the program \
             must be a {what} program"
        ),
        _ => "BPF_LINK_CREATE on the perf event failed; see the errno".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_name_the_capabilities() {
        let open = perf_event_advice(Errno::EPERM, "a tracepoint");
        assert!(open.contains("CAP_PERFMON") && open.contains("CAP_BPF"), "{open}");
        assert!(open.contains("the perf event of a tracepoint"), "{open}");
        let link = link_advice(Errno::EPERM, "tracepoint");
        assert!(link.contains("CAP_BPF and CAP_PERFMON"), "{link}");
        assert!(link_advice(Errno::EINVAL, "kprobe").contains("must be a kprobe program"));
    }
}
