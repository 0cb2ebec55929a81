//! Link commands: `BPF_LINK_CREATE`, `BPF_LINK_UPDATE`, `BPF_LINK_DETACH`.

use std::os::fd::{BorrowedFd, OwnedFd};

use super::Errno;
use super::attr::{LinkCreateAttr, LinkDetachAttr, LinkUpdateAttr};
use super::{Cmd, bpf, bpf_fd, raw};

/// `BPF_LINK_CREATE` for attach types whose target is an fd or ifindex.
pub(crate) fn create(
    prog: BorrowedFd<'_>,
    target: u32,
    attach_type: u32,
    flags: u32,
) -> Result<OwnedFd, Errno> {
    let mut attr =
        LinkCreateAttr { prog_fd: raw(prog), target, attach_type, flags, ..Default::default() };
    bpf_fd(Cmd::LinkCreate, &mut attr)
}

/// `BPF_LINK_UPDATE`: swaps the link's program, only if it is `old` when given.
pub(crate) fn update(
    link: BorrowedFd<'_>,
    new_prog: BorrowedFd<'_>,
    old_prog: Option<BorrowedFd<'_>>,
) -> Result<(), Errno> {
    const BPF_F_REPLACE: u32 = 1 << 2;
    let mut attr = LinkUpdateAttr {
        link_fd: raw(link),
        new_prog_fd: raw(new_prog),
        flags: if old_prog.is_some() { BPF_F_REPLACE } else { 0 },
        old_prog_fd: old_prog.map_or(0, raw),
        ..Default::default()
    };
    bpf(Cmd::LinkUpdate, &mut attr).map(drop)
}

/// `BPF_LINK_DETACH`: detaches the link's program while the fd stays open.
pub(crate) fn detach(link: BorrowedFd<'_>) -> Result<(), Errno> {
    let mut attr = LinkDetachAttr { link_fd: raw(link), ..Default::default() };
    bpf(Cmd::LinkDetach, &mut attr).map(drop)
}
