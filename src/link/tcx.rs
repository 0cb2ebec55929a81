//! tcx: an interface's ingress and egress hooks for tc programs (Linux
//! 6.6), through `bpf_link`s, with the order of the programs on the hook
//! chosen at attach time.

use std::os::fd::{AsRawFd, BorrowedFd};

use super::handle::Link;
use super::multi::{HookPrograms, query};
use crate::error::AttachAction;
use crate::object::Interface;
use crate::probe::{Feature, explain_einval};
use crate::prog::kind::SchedCls;
use crate::prog::{AttachType, Program};
use crate::sys::link::{LinkExtra, Placement};
use crate::sys::{self, LinkType};
use crate::{Errno, Error, Result};

/// `BPF_F_BEFORE`.
pub(super) const BEFORE: u32 = 1 << 3;
/// `BPF_F_AFTER`.
pub(super) const AFTER: u32 = 1 << 4;
/// `BPF_F_ID`: the relative object is named by id, not fd.
pub(super) const BY_ID: u32 = 1 << 5;
/// `BPF_F_LINK`: the relative object is a link, not a program.
pub(super) const LINK: u32 = 1 << 13;

/// Which of an interface's tcx hooks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TcxDirection {
    /// Packets the interface receives (`BPF_TCX_INGRESS`).
    Ingress,
    /// Packets the interface sends (`BPF_TCX_EGRESS`).
    Egress,
}

impl TcxDirection {
    /// The attach type.
    pub fn attach_type(self) -> AttachType {
        match self {
            TcxDirection::Ingress => AttachType::TCX_INGRESS,
            TcxDirection::Egress => AttachType::TCX_EGRESS,
        }
    }

    fn name(self) -> &'static str {
        match self {
            TcxDirection::Ingress => "ingress",
            TcxDirection::Egress => "egress",
        }
    }
}

/// A program or link already on the hook, that a new one goes next to.
#[derive(Clone, Copy, Debug)]
pub enum Relative<'a> {
    /// A program, by fd.
    Program(BorrowedFd<'a>),
    /// A link, by fd.
    Link(BorrowedFd<'a>),
    /// A program, by kernel id.
    ProgramId(u32),
    /// A link, by kernel id.
    LinkId(u32),
}

/// Where on a multi-program hook a program goes. The programs run in
/// order until one returns a verdict other than "continue".
#[derive(Clone, Copy, Debug, Default)]
pub enum Anchor<'a> {
    /// Before every program on the hook.
    First,
    /// After every program on the hook.
    #[default]
    Last,
    /// Just before `Relative`.
    Before(Relative<'a>),
    /// Just after `Relative`.
    After(Relative<'a>),
}

/// Where a program goes, and the hook's state the caller expects: with a
/// revision (from [`HookPrograms::revision`]), the attach fails with
/// `ESTALE` if the hook changed since, and changes nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct Order<'a> {
    /// Where.
    pub anchor: Anchor<'a>,
    /// The revision the caller saw, if it cares.
    pub expected_revision: Option<u64>,
}

impl<'a> From<Anchor<'a>> for Order<'a> {
    fn from(anchor: Anchor<'a>) -> Order<'a> {
        Order { anchor, expected_revision: None }
    }
}

impl Order<'_> {
    /// The flags and relative object of `BPF_LINK_CREATE` and
    /// `BPF_PROG_ATTACH`.
    pub(super) fn placement(&self) -> Placement {
        let (side, relative) = match self.anchor {
            Anchor::First => (BEFORE, None),
            Anchor::Last => (AFTER, None),
            Anchor::Before(r) => (BEFORE, Some(r)),
            Anchor::After(r) => (AFTER, Some(r)),
        };
        let (kind, relative) = match relative {
            None => (0, 0),
            Some(Relative::Program(fd)) => (0, fd.as_raw_fd() as u32),
            Some(Relative::Link(fd)) => (LINK, fd.as_raw_fd() as u32),
            Some(Relative::ProgramId(id)) => (BY_ID, id),
            Some(Relative::LinkId(id)) => (BY_ID | LINK, id),
        };
        Placement {
            flags: side | kind,
            relative,
            expected_revision: self.expected_revision.unwrap_or(0),
        }
    }
}

/// Attaches `prog` to `iface`'s tcx hook in `direction`, at `order`
/// ([`Anchor::Last`] by default), through a `bpf_link`: it runs until the
/// link is dropped (or its pin removed). Other programs on the hook,
/// whoever attached them, stay where they are.
///
/// ```no_run
/// # fn demo(prog: &bpfkit::prog::Program<bpfkit::prog::kind::SchedCls>) -> bpfkit::Result<()> {
/// use bpfkit::link::{Anchor, TcxDirection, attach_tcx};
/// let link = attach_tcx(prog, "eth0", TcxDirection::Ingress, Anchor::First)?;
/// # Ok(()) }
/// ```
pub fn attach_tcx<'a>(
    prog: &Program<SchedCls>,
    iface: impl Into<Interface>,
    direction: TcxDirection,
    order: impl Into<Order<'a>>,
) -> Result<Link<SchedCls>> {
    let iface = iface.into();
    let ifindex = iface.index()?;
    let place = order.into().placement();
    let extra = LinkExtra::Relative {
        relative: place.relative,
        expected_revision: place.expected_revision,
    };
    sys::link::create(prog.fd(), ifindex, direction.attach_type().0, place.flags, extra)
        .map(Link::new)
        .map_err(|errno| {
            let err = tcx_error(AttachAction::Attach, &iface, direction, errno);
            explain_einval(err, &[Feature::LinkType(LinkType::TCX)])
        })
}

/// The programs on `iface`'s tcx hook in `direction`, in the order they
/// run, with the hook's revision.
pub fn tcx_programs(iface: impl Into<Interface>, direction: TcxDirection) -> Result<HookPrograms> {
    let iface = iface.into();
    let ifindex = iface.index()?;
    query(ifindex, direction.attach_type())
        .map_err(|errno| tcx_error(AttachAction::Query, &iface, direction, errno))
}

fn tcx_error(action: AttachAction, iface: &Interface, dir: TcxDirection, errno: Errno) -> Error {
    let advice = match errno {
        Errno::EPERM => "tcx needs CAP_NET_ADMIN and CAP_BPF; run as root or grant them",
        Errno::EEXIST => "this program is already on the hook; a program runs once per hook",
        Errno::ENOENT => {
            "the program or link to attach next to is not on this hook; query it with \
             tcx_programs"
        }
        Errno::ESTALE => {
            "the hook changed since the revision given; query it again with tcx_programs and \
             retry"
        }
        Errno::ERANGE => "the hook holds its maximum of 64 programs",
        Errno::EINVAL => {
            "this kernel may not have tcx (Linux 6.6 and later): on an older kernel, attach a \
             classic tc filter over netlink"
        }
        Errno::ENODEV => "the interface went away",
        _ => "see the errno",
    };
    Error::Hook {
        action,
        hook: format!("tcx {} of {iface}", dir.name()),
        errno,
        advice: advice.to_string(),
    }
}
