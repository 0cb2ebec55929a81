//! XDP through `bpf_link`: attach, update, pin; detached when the last fd
//! closes, so a process that dies leaves no program behind.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;

use super::hook::hook_programs;
use super::info::LinkInfo;
use crate::error::{AttachAction, AttachPath, XdpHolder};
use crate::object::Interface;
use crate::object::{ObjectKind, Origin, find_holder};
use crate::prog::kind::Xdp;
use crate::prog::{AttachType, Program};
use crate::sys::link::LinkExtra;
use crate::sys::{self, LinkType, XdpMode};
use crate::{Errno, Error, Result};

/// An XDP program attached to an interface through a `bpf_link`.
///
/// Dropping the link closes its fd, which detaches the program unless the
/// link was pinned. Needs no netlink and no async runtime.
///
/// ```no_run
/// # fn demo(prog: &bpfkit::prog::Program<bpfkit::prog::kind::Xdp>) -> bpfkit::Result<()> {
/// use bpfkit::link::{XdpLink, XdpMode};
/// let link = XdpLink::attach(prog, "eth0", XdpMode::Skb)?;
/// // ... the program runs until `link` is dropped.
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct XdpLink {
    fd: OwnedFd,
    iface: String,
    mode: XdpMode,
}

impl XdpLink {
    /// Attaches `prog` to `iface` in `mode` (`BPF_LINK_CREATE`, `BPF_XDP`).
    /// Fails with `EBUSY` if another XDP program is attached, by any means
    /// (`EEXIST` if in the other of generic and native mode), leaving it
    /// attached; the [`Error::Attach`] then names its
    /// [holder](super::XdpHolder) when it can be found.
    pub fn attach(
        prog: &Program<Xdp>,
        iface: impl Into<Interface>,
        mode: XdpMode,
    ) -> Result<XdpLink> {
        let iface = iface.into();
        let ifindex = iface.index()?;
        let name = iface.to_string();
        let fd =
            sys::link::create(prog.fd(), ifindex, AttachType::XDP.0, mode.flags(), LinkExtra::None)
                .map_err(|errno| {
                    // Refused because the hook is taken: say by what.
                    let holder = matches!(errno, Errno::EBUSY | Errno::EEXIST)
                        .then(|| find_holder(ifindex, hook_programs(ifindex).as_deref(), None))
                        .flatten();
                    attach_error(AttachAction::Attach, &name, mode, errno, holder)
                })?;
        Ok(XdpLink { fd, iface: name, mode })
    }

    /// Swaps in `new` atomically (`BPF_LINK_UPDATE`).
    pub fn update(&self, new: &Program<Xdp>) -> Result<()> {
        sys::link::update(self.fd(), new.fd(), None).map_err(|errno| {
            attach_error(AttachAction::Replace, &self.iface, self.mode, errno, None)
        })
    }

    /// Swaps in `new` only if `old` is the attached program.
    pub fn replace(&self, old: &Program<Xdp>, new: &Program<Xdp>) -> Result<()> {
        sys::link::update(self.fd(), new.fd(), Some(old.fd())).map_err(|errno| {
            attach_error(AttachAction::Replace, &self.iface, self.mode, errno, None)
        })
    }

    /// Pins the link at `path` on a bpf filesystem: the program then stays
    /// attached after this process exits, until the pin is removed.
    pub fn pin(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::object::pin(self.fd(), path.as_ref())
    }

    /// Opens the XDP link pinned at `path`. The kernel knows the link's
    /// interface by index only; it is named as the calling thread's network
    /// namespace sees that index.
    ///
    /// A pinned map or program is refused with [`Error::WrongKind`], a link
    /// of another type with [`Error::WrongLinkType`].
    pub fn open_pinned(path: impl AsRef<Path>) -> Result<XdpLink> {
        let path = path.as_ref();
        XdpLink::checked(crate::object::get_pinned(path)?, Origin::Path(path))
    }

    /// Wraps an fd that refers to an XDP link (e.g. one opened by id, or
    /// passed from another process), naming its interface as
    /// [`open_pinned`](Self::open_pinned) does.
    ///
    /// The fd of a map, a program or anything else is refused with
    /// [`Error::WrongKind`], a link of another type with
    /// [`Error::WrongLinkType`].
    pub fn from_fd(fd: OwnedFd) -> Result<XdpLink> {
        XdpLink::checked(fd, Origin::Fd)
    }

    fn checked(fd: OwnedFd, origin: Origin<'_>) -> Result<XdpLink> {
        let info = LinkInfo::checked(fd.as_fd(), origin)?;
        let Some(ifindex) = info.ifindex.filter(|_| info.link_type == LinkType::XDP) else {
            return Err(Error::WrongLinkType {
                what: format!(
                    "{} (link id {})",
                    origin.describe(fd.as_fd(), ObjectKind::Link),
                    info.id
                ),
                expected: LinkType::XDP,
                found: info.link_type,
            });
        };
        let iface = Interface::Index(ifindex).to_string();
        Ok(XdpLink { fd, iface, mode: XdpMode::Auto })
    }

    /// Detaches the program now (`BPF_LINK_DETACH`), pinned or not.
    pub fn detach(self) -> Result<()> {
        sys::link::detach(self.fd()).map_err(|errno| {
            attach_error(AttachAction::Detach, &self.iface, self.mode, errno, None)
        })
    }

    /// The link's info: id, program id, interface.
    pub fn info(&self) -> Result<LinkInfo> {
        LinkInfo::of_link(self.fd())
    }

    /// The interface the link attaches to.
    pub fn interface(&self) -> &str {
        &self.iface
    }

    /// The link's file descriptor.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl AsFd for XdpLink {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd()
    }
}

fn attach_error(
    action: AttachAction,
    iface: &str,
    mode: XdpMode,
    errno: Errno,
    holder: Option<XdpHolder>,
) -> Error {
    Error::Attach {
        action,
        iface: iface.to_string(),
        via: AttachPath::BpfLink,
        mode,
        errno,
        message: None,
        holder,
    }
}
