//! tcx without links: `BPF_PROG_ATTACH` and `BPF_PROG_DETACH` at an
//! interface's tcx hook, as `bpftool net attach tcx_ingress` does (bpftool
//! 7.3 and later). The attachment belongs to the interface, not to a file
//! descriptor: it stays after the process exits, until it is detached or
//! the interface goes.
//!
//! [`attach_tcx`](super::attach_tcx) is the usual way (a link, detached
//! when dropped, with a chosen order); this is for tools whose attachment
//! must outlive them without a pin.

use super::tcx::TcxDirection;
use crate::error::AttachAction;
use crate::object::Interface;
use crate::prog::Program;
use crate::prog::kind::SchedCls;
use crate::sys::link::Placement;
use crate::sys::{self};
use crate::{Errno, Error, Result};

/// Attaches `prog` at the end of `iface`'s tcx hook in `direction` with
/// `BPF_PROG_ATTACH`, and leaves it there (no guard): it runs until
/// [`detach_tcx_legacy`] removes it or the interface goes. The same
/// program twice on one hook is `EEXIST`.
pub fn attach_tcx_legacy(
    prog: &Program<SchedCls>,
    iface: impl Into<Interface>,
    direction: TcxDirection,
) -> Result<()> {
    let iface = iface.into();
    let ifindex = iface.index()?;
    sys::link::prog_attach(
        ifindex,
        prog.fd(),
        direction.attach_type().0,
        Placement::default(),
        None,
    )
    .map_err(|errno| error(AttachAction::Attach, &iface, direction, errno))
}

/// Detaches `prog` from `iface`'s tcx hook in `direction`
/// (`BPF_PROG_DETACH`); with `None`, the program the kernel picks: the
/// last one on the hook, which must have been attached without a link
/// (what `bpftool net detach tcx_ingress` asks for). A hook with nothing
/// to detach is `ENOENT`.
pub fn detach_tcx_legacy(
    prog: Option<&Program<SchedCls>>,
    iface: impl Into<Interface>,
    direction: TcxDirection,
) -> Result<()> {
    let iface = iface.into();
    let ifindex = iface.index()?;
    sys::link::prog_detach(ifindex, prog.map(Program::fd), direction.attach_type().0)
        .map_err(|errno| error(AttachAction::Detach, &iface, direction, errno))
}

fn error(action: AttachAction, iface: &Interface, dir: TcxDirection, errno: Errno) -> Error {
    let advice = match errno {
        Errno::EPERM => "tcx needs CAP_NET_ADMIN and CAP_BPF; run as root or grant them",
        Errno::EEXIST => "this program is already on the hook; a program runs once per hook",
        Errno::ENOENT => "no program attached without a link is on this hook",
        Errno::EBUSY => "the last program on the hook is held by a link; detach the link",
        Errno::ERANGE => "the hook holds its maximum of 64 programs",
        Errno::EINVAL => {
            "this kernel may not have tcx (Linux 6.6 and later), or the program is no tc \
             classifier"
        }
        _ => "see the errno",
    };
    let side = match dir {
        TcxDirection::Ingress => "ingress",
        TcxDirection::Egress => "egress",
    };
    Error::Hook {
        action,
        hook: format!("tcx {side} of {iface}"),
        errno,
        advice: advice.to_string(),
    }
}
