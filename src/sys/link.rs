//! Link commands: `BPF_LINK_CREATE`, `BPF_LINK_UPDATE`, `BPF_LINK_DETACH`.

use std::os::fd::{BorrowedFd, OwnedFd};

use super::Errno;
use super::attr::{LinkCreateAttr, LinkDetachAttr, LinkUpdateAttr};
use super::{Cmd, bpf, bpf_fd, raw};

/// The per-type part of `BPF_LINK_CREATE`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum LinkExtra {
    /// Nothing more (XDP, netns hooks, raw tracepoints by fd...).
    #[default]
    None,
    /// Where in a multi-program hook (tcx, cgroup): the program or link
    /// `relative` (an fd, or an id with `BPF_F_ID` in the flags) the
    /// `BPF_F_BEFORE`/`BPF_F_AFTER` flags refer to, and the hook's
    /// revision the caller saw (0: any).
    Relative { relative: u32, expected_revision: u64 },
    /// A perf event link's `bpf_cookie`.
    PerfCookie(u64),
    /// A tracing link's `target_btf_id`.
    TargetBtfId(u32),
}

/// `BPF_LINK_CREATE`: `target` is an fd or an ifindex, as `attach_type` wants.
pub(crate) fn create(
    prog: BorrowedFd<'_>,
    target: u32,
    attach_type: u32,
    flags: u32,
    extra: LinkExtra,
) -> Result<OwnedFd, Errno> {
    let mut attr =
        LinkCreateAttr { prog_fd: raw(prog), target, attach_type, flags, ..Default::default() };
    match extra {
        LinkExtra::None => {}
        LinkExtra::Relative { relative, expected_revision } => {
            attr.word16 = relative;
            attr.word24 = expected_revision;
        }
        LinkExtra::PerfCookie(cookie) => {
            // A u64 at offset 16, in the machine's byte order.
            let bytes = cookie.to_ne_bytes();
            attr.word16 = u32::from_ne_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
            attr.word20 = u32::from_ne_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
        }
        LinkExtra::TargetBtfId(id) => attr.word16 = id,
    }
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
