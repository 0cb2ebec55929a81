//! The flow dissector program of a network namespace: `BPF_PROG_QUERY` on
//! the namespace's fd with `BPF_FLOW_DISSECTOR`. No netlink here; it sits
//! beside the netlink queries because listings of network attachments
//! (such as `bpftool net show`) show it with them.

use std::fs::File;
use std::os::fd::{AsFd, BorrowedFd};

use crate::sys::AttachType;
use crate::sys::{self, Cmd};
use crate::{Errno, Error, Result};

/// The network namespace of the calling thread. Not `/proc/self`: that is
/// the main thread's, and a thread may have entered another with setns(2).
const THREAD_NETNS: &str = "/proc/thread-self/ns/net";

/// The id of the flow dissector program attached to the calling thread's
/// network namespace, or `None` when there is none.
///
/// Kernels too old to query flow dissectors (they answer `EINVAL`) are
/// reported as having none, as bpftool reports them. Querying needs
/// `CAP_NET_ADMIN`; without it this is an [`Error::Syscall`] with `EPERM`.
pub fn flow_dissector_id() -> Result<Option<u32>> {
    let netns = File::open(THREAD_NETNS).map_err(|source| Error::Io {
        what: format!("opening {THREAD_NETNS} to query the flow dissector (is /proc mounted?)"),
        source,
    })?;
    query(netns.as_fd())
}

/// The flow dissector attached to the namespace behind `netns`.
fn query(netns: BorrowedFd<'_>) -> Result<Option<u32>> {
    // A namespace has at most one flow dissector.
    let mut ids = [0u32; 1];
    match sys::prog::query(netns, AttachType::FLOW_DISSECTOR.0, &mut ids) {
        Ok(out) if out.count == 1 => Ok(Some(ids[0])),
        Ok(_) => Ok(None),
        Err(Errno::EINVAL) => Ok(None),
        Err(errno) => Err(Error::syscall(Cmd::ProgQuery, errno)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::mock::with_hook;

    /// Answers `BPF_PROG_QUERY` with `ids`, or with `errno`.
    fn answer(ids: Vec<u32>, errno: Option<Errno>) -> sys::mock::Hook {
        Box::new(move |cmd, attr| {
            if cmd != Cmd::ProgQuery {
                return None;
            }
            let attr = attr.prog_query();
            assert_eq!(attr.attach_type, AttachType::FLOW_DISSECTOR.0);
            if let Some(errno) = errno {
                return Some(Err(errno));
            }
            let bytes: Vec<u8> = ids.iter().flat_map(|id| id.to_ne_bytes()).collect();
            attr.prog_ids.write(0, &bytes);
            attr.prog_cnt = ids.len() as u32;
            Some(Ok(0))
        })
    }

    /// Runs the query against the hook; the fd is never seen by a kernel.
    fn run(hook: sys::mock::Hook) -> Result<Option<u32>> {
        let fd = File::open("/dev/null").unwrap();
        with_hook(hook, || query(fd.as_fd()))
    }

    #[test]
    fn the_attached_program_is_found() {
        assert_eq!(run(answer(vec![77], None)).unwrap(), Some(77));
        assert_eq!(run(answer(vec![], None)).unwrap(), None);
    }

    #[test]
    fn kernels_that_cannot_query_have_none() {
        assert_eq!(run(answer(vec![], Some(Errno::EINVAL))).unwrap(), None);
    }

    #[test]
    fn missing_privilege_says_what_to_do() {
        let err = run(answer(vec![], Some(Errno::EPERM))).unwrap_err();
        assert_eq!(err.errno(), Some(Errno::EPERM));
        assert!(err.to_string().contains("CAP_NET_ADMIN"), "{err}");
    }
}
