//! Probes by `BPF_LINK_CREATE`: link types, each asked for with a minimal
//! program of the type it links and a target that does not exist.
//!
//! The kernel checks the attach type against the program first and
//! answers `EINVAL` when it has no link for them; a kernel that has the
//! link goes on to look the target up and answers that it is missing
//! (`ENODEV` for a tcx interface, `EBADF` for an fd, `EAFNOSUPPORT` for a
//! netfilter hook of no protocol family).

use std::os::fd::AsFd;

use super::cache::Answer;
use super::prog;
use crate::sys::{self, AttachType, Errno, LinkType, ProgType};

/// An fd number no process has open (past the largest `RLIMIT_NOFILE`).
const NO_FD: u32 = i32::MAX as u32;

/// The program type, attach type and target that ask for `link_type`; `None`
/// for link types no such call can show: tracing, perf events, kprobe and
/// uprobe multi-links, iterators and struct_ops need a real target, and an
/// XDP link answers `EINVAL` for a missing interface too.
fn recipe(link_type: LinkType) -> Option<(ProgType, AttachType, u32)> {
    Some(match link_type {
        LinkType::TCX => (ProgType::SCHED_CLS, AttachType::TCX_INGRESS, 0),
        LinkType::NETKIT => (ProgType::SCHED_CLS, AttachType::NETKIT_PRIMARY, 0),
        LinkType::CGROUP => (ProgType::CGROUP_SKB, AttachType::CGROUP_INET_INGRESS, NO_FD),
        LinkType::NETNS => (ProgType::FLOW_DISSECTOR, AttachType::FLOW_DISSECTOR, NO_FD),
        LinkType::SOCKMAP => (ProgType::SK_SKB, AttachType::SK_SKB_VERDICT, NO_FD),
        LinkType::NETFILTER => (ProgType::NETFILTER, AttachType::NETFILTER, 0),
        _ => return None,
    })
}

/// The program type `link_type` is probed with, if it can be probed.
pub(super) fn prog_type(link_type: LinkType) -> Option<ProgType> {
    recipe(link_type).map(|(prog_type, _, _)| prog_type)
}

/// Whether the kernel has `link_type`, for a link type [`prog_type`]
/// names and the kernel has the program type of (the caller checks).
pub(super) fn link_type(link_type: LinkType) -> Answer {
    let Some((prog_type, attach_type, target)) = recipe(link_type) else {
        return Err(Errno::EOPNOTSUPP);
    };
    let prog = prog::load_minimal(prog_type, attach_type)?;
    match sys::link::create(prog.as_fd(), target, attach_type.0, 0, sys::link::LinkExtra::None) {
        // A target that exists after all: the kernel has the link.
        Ok(_) => Ok(true),
        Err(Errno::EPERM) => Err(Errno::EPERM),
        Err(Errno::EINVAL | Errno::EOPNOTSUPP | Errno::ENOTSUPP) => Ok(false),
        Err(_) => Ok(true),
    }
}
