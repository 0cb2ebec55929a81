//! Link commands: `BPF_LINK_CREATE`, `BPF_LINK_UPDATE`, `BPF_LINK_DETACH`.

use std::os::fd::{BorrowedFd, OwnedFd};

use super::Errno;
use super::attr::{
    LinkCreateAttr, LinkDetachAttr, LinkUpdateAttr, ProgAttachAttr, ProgQueryAttr,
    RawTracepointAttr,
};
use super::ptr::UserPtr;
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
    /// A netfilter hook: protocol family, hook number, priority, flags.
    Netfilter { pf: u32, hooknum: u32, priority: i32, flags: u32 },
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
        LinkExtra::Netfilter { pf, hooknum, priority, flags } => {
            attr.word16 = pf;
            attr.word20 = hooknum;
            // Two u32s at 24 and 28, in the machine's byte order.
            let (p, f) = (priority.to_ne_bytes(), flags.to_ne_bytes());
            attr.word24 = u64::from_ne_bytes([p[0], p[1], p[2], p[3], f[0], f[1], f[2], f[3]]);
        }
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

/// Where a program goes on a hook that runs several (tcx, cgroups): the
/// `BPF_F_*` flags and the relative object and revision they refer to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Placement {
    /// `BPF_F_BEFORE`, `BPF_F_AFTER`, `BPF_F_ID`, `BPF_F_LINK`,
    /// `BPF_F_ALLOW_MULTI`, `BPF_F_REPLACE`...
    pub flags: u32,
    /// The relative program or link: an fd, or an id with `BPF_F_ID`.
    pub relative: u32,
    /// The hook's revision the caller saw, or 0 for any.
    pub expected_revision: u64,
}

/// `BPF_PROG_ATTACH` of `prog` to `target` (an fd or ifindex) at
/// `attach_type`, replacing `replace` when given (with `BPF_F_REPLACE`).
pub(crate) fn prog_attach(
    target: u32,
    prog: BorrowedFd<'_>,
    attach_type: u32,
    place: Placement,
    replace: Option<BorrowedFd<'_>>,
) -> Result<(), Errno> {
    let mut attr = ProgAttachAttr {
        target,
        attach_bpf_fd: raw(prog),
        attach_type,
        attach_flags: place.flags,
        replace_bpf_fd: replace.map_or(0, raw),
        relative: place.relative,
        expected_revision: place.expected_revision,
        ..Default::default()
    };
    bpf(Cmd::ProgAttach, &mut attr).map(drop)
}

/// `BPF_PROG_DETACH` of `prog` (or, for single-program hooks, whatever is
/// attached, with `None`) from `target` at `attach_type`.
pub(crate) fn prog_detach(
    target: u32,
    prog: Option<BorrowedFd<'_>>,
    attach_type: u32,
) -> Result<(), Errno> {
    let mut attr = ProgAttachAttr {
        target,
        attach_bpf_fd: prog.map_or(0, raw),
        attach_type,
        ..Default::default()
    };
    bpf(Cmd::ProgDetach, &mut attr).map(drop)
}

/// What `BPF_PROG_QUERY` says about a multi-program hook.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct MultiQuery {
    /// How many programs are attached (more than the buffers held, maybe).
    pub count: u32,
    /// The hook's revision (0 before 6.6 and for hooks without one).
    pub revision: u64,
    /// The hook's attach flags (cgroups: `BPF_F_ALLOW_MULTI`...).
    pub attach_flags: u32,
}

/// `BPF_PROG_QUERY` of `target` (an fd or ifindex) at `attach_type`: the
/// program ids into `prog_ids`, and each one's link id (0: attached
/// without a link) into `link_ids` when given, as long as they hold.
pub(crate) fn query_multi(
    target: u32,
    attach_type: u32,
    query_flags: u32,
    prog_ids: &mut [u32],
    link_ids: Option<&mut [u32]>,
) -> Result<MultiQuery, Errno> {
    let cap = match &link_ids {
        Some(links) => prog_ids.len().min(links.len()),
        None => prog_ids.len(),
    };
    let mut attr = ProgQueryAttr {
        target,
        attach_type,
        query_flags,
        prog_cnt: u32::try_from(cap).unwrap_or(u32::MAX),
        prog_ids: UserPtr::from_mut(prog_ids),
        link_ids: link_ids.map_or_else(UserPtr::default, UserPtr::from_mut),
        ..Default::default()
    };
    bpf(Cmd::ProgQuery, &mut attr)?;
    Ok(MultiQuery {
        count: attr.prog_cnt,
        revision: attr.revision,
        attach_flags: attr.attach_flags,
    })
}

/// `BPF_RAW_TRACEPOINT_OPEN`: attaches `prog` to the raw tracepoint
/// `name`; the returned fd is a link.
pub(crate) fn raw_tracepoint_open(
    name: &std::ffi::CStr,
    prog: BorrowedFd<'_>,
) -> Result<OwnedFd, Errno> {
    let mut attr = RawTracepointAttr {
        name: UserPtr::from_cstr(name),
        prog_fd: raw(prog),
        ..Default::default()
    };
    bpf_fd(Cmd::RawTracepointOpen, &mut attr)
}
