//! [`Link`]: a `bpf_link` of any type, what every hook's attach returns.

use std::marker::PhantomData;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;

use super::info::LinkInfo;
use crate::object::{ObjectKind, Origin};
use crate::prog::{Program, Untyped};
use crate::sys::{self, Cmd};
use crate::{Error, Result};

/// A program attached through a `bpf_link`: the kernel detaches it when the
/// last reference to the link goes (this fd, a pin, an fd passed on), so a
/// process that dies leaves nothing behind unless it pinned the link.
///
/// `K` is the [kind](crate::prog::kind) of program the hook runs: the
/// hook's attach function fixes it, so that
/// [`update`](Link::update) takes only programs that can run there. A link
/// opened from a pin or an id is [`Untyped`] (the kernel checks the type on
/// update).
///
/// Dropping a `Link` closes its fd: the program is detached then, unless
/// the link is pinned. [`detach`](Link::detach) detaches it at once, pinned
/// or not.
#[derive(Debug)]
pub struct Link<K = Untyped> {
    fd: OwnedFd,
    kind: PhantomData<fn() -> K>,
}

impl Link {
    /// Opens the link pinned at `path`. A pinned map or program there is
    /// [`Error::WrongKind`], naming what it is.
    pub fn open_pinned(path: impl AsRef<Path>) -> Result<Link> {
        let path = path.as_ref();
        Link::checked(crate::object::get_pinned(path)?, Origin::Path(path))
    }

    /// Opens the link with kernel id `id` (`BPF_LINK_GET_FD_BY_ID`).
    pub fn from_id(id: u32) -> Result<Link> {
        Link::checked(crate::object::open_by_id(ObjectKind::Link, id)?, Origin::Id(id))
    }

    /// Wraps an fd that refers to a link; any other fd is
    /// [`Error::WrongKind`].
    pub fn from_fd(fd: OwnedFd) -> Result<Link> {
        Link::checked(fd, Origin::Fd)
    }

    fn checked(fd: OwnedFd, origin: Origin<'_>) -> Result<Link> {
        crate::object::expect_kind(fd.as_fd(), ObjectKind::Link, origin)?;
        Ok(Link::new(fd))
    }
}

impl<K> Link<K> {
    /// Wraps the fd `BPF_LINK_CREATE` (or another attach call that makes
    /// links) just returned.
    pub(crate) fn new(fd: OwnedFd) -> Link<K> {
        Link { fd, kind: PhantomData }
    }

    /// Swaps in `new` atomically (`BPF_LINK_UPDATE`): the hook runs the old
    /// program or the new one, never neither. Links to tracepoints (raw or
    /// through perf events) cannot be updated, and their types
    /// ([`RawTracepointLink`](super::RawTracepointLink),
    /// [`PerfEventLink`](super::PerfEventLink)) do not offer it; an untyped
    /// one opened from a pin gets the kernel's `EINVAL`.
    pub fn update(&self, new: &Program<K>) -> Result<()> {
        sys::link::update(self.fd(), new.fd(), None).map_err(|e| Error::syscall(Cmd::LinkUpdate, e))
    }

    /// Swaps in `new` only if `old` is the program the link holds
    /// (`BPF_F_REPLACE`); else `EPERM`, and the link keeps its program.
    pub fn replace(&self, old: &Program<K>, new: &Program<K>) -> Result<()> {
        sys::link::update(self.fd(), new.fd(), Some(old.fd()))
            .map_err(|e| Error::syscall(Cmd::LinkUpdate, e))
    }

    /// Pins the link at `path` on a bpf filesystem: the program then stays
    /// attached after this process exits, until the pin is removed.
    pub fn pin(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::object::pin(self.fd(), path.as_ref())
    }

    /// Detaches the program now (`BPF_LINK_DETACH`), pinned or not; the
    /// link object lives on, empty, while fds or pins refer to it. Raw
    /// tracepoint links answer `EOPNOTSUPP` (their type has no `detach`):
    /// drop them, and remove their pins, instead.
    pub fn detach(self) -> Result<()> {
        sys::link::detach(self.fd()).map_err(|e| Error::syscall(Cmd::LinkDetach, e))
    }

    /// The link's info: id, program id, type, target.
    pub fn info(&self) -> Result<LinkInfo> {
        LinkInfo::of_link(self.fd())
    }

    /// The link without its kind.
    pub fn into_untyped(self) -> Link {
        Link::new(self.fd)
    }

    /// The link's file descriptor.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl<K> AsFd for Link<K> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd()
    }
}
