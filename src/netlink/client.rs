//! The clients: [`Netlink`], async over rtnetlink's connection task, and
//! [`BlockingNetlink`], which runs the same request futures over a socket
//! of its own, with no runtime.

use std::sync::Arc;

use rtnetlink::LinkUnspec;
use rtnetlink::packet_core::{NLM_F_CREATE, NLM_F_EXCL};
use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::packet_route::link::LinkMessage;
use rtnetlink::sys::AsyncSocket;

use super::device::{NetDevice, devices_dump, devices_from};
use super::dump::{Dump, dump};
use super::message::{Request, holder_named, xdp_attribute};
use super::query::XdpStatus;
use super::socket::BlockingSocket;
use super::tc::{TcClass, TcHandle, TcQdisc, classes_dump, classes_from, qdiscs_dump, qdiscs_from};
use super::tc_attachment::{TcAttachment, bpf_filters_from, filters_dump};
use super::transport::Transport;
use crate::error::{AttachAction, AttachPath};
use crate::object::{Interface, find_holder};
use crate::prog::Program;
use crate::prog::kind::Xdp;
use crate::sys::XdpMode;
use crate::{Errno, Error, Result};

/// An rtnetlink connection for attaching, replacing, detaching and querying
/// XDP programs, and for listing devices, qdiscs, classes and tc BPF
/// filters. Its methods are async; [`BlockingNetlink`] wraps them for
/// callers without a runtime.
#[derive(Clone, Debug)]
pub struct Netlink {
    pub(super) transport: Transport,
}

impl Netlink {
    /// Opens a connection. Must be called inside a tokio runtime: the
    /// connection's task is spawned on it (outside one this is an error;
    /// use [`BlockingNetlink`] there).
    pub fn new() -> Result<Netlink> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(Error::InvalidArgument {
                what: "netlink context",
                why: "Netlink::new needs a tokio runtime; without one, use BlockingNetlink".into(),
            });
        }
        let io = |what: &str, source| Error::Io { what: what.to_string(), source };
        let (mut conn, handle, _) =
            rtnetlink::new_connection().map_err(|e| io("opening a netlink socket", e))?;
        let socket = conn.socket_mut().socket_mut();
        // Extended acks carry the kernel's reason for a refusal; capped acks
        // keep the echoed request to its header, so the reason is easy to find.
        socket.set_ext_ack(true).map_err(|e| io("enabling NETLINK_EXT_ACK", e))?;
        socket.set_cap_ack(true).map_err(|e| io("enabling NETLINK_CAP_ACK", e))?;
        tokio::spawn(conn);
        Ok(Netlink { transport: Transport::Async(handle) })
    }

    /// Attaches `prog` to `iface` in `mode`, refusing (with `EBUSY`) if an
    /// XDP program is already attached (`XDP_FLAGS_UPDATE_IF_NOEXIST`).
    pub async fn attach_xdp(
        &self,
        iface: impl Into<Interface>,
        prog: &Program<Xdp>,
        mode: XdpMode,
    ) -> Result<()> {
        self.set(iface.into(), Request::Attach { fd: raw(prog) }, mode, AttachAction::Attach).await
    }

    /// Attaches `prog` to `iface` in `mode` over whatever is attached.
    pub async fn overwrite_xdp(
        &self,
        iface: impl Into<Interface>,
        prog: &Program<Xdp>,
        mode: XdpMode,
    ) -> Result<()> {
        self.set(iface.into(), Request::Overwrite { fd: raw(prog) }, mode, AttachAction::Attach)
            .await
    }

    /// Atomically replaces `old` with `new` on `iface`; fails, leaving the
    /// interface as it was, if `old` is not the attached program
    /// (`XDP_FLAGS_REPLACE` with `IFLA_XDP_EXPECTED_FD`).
    pub async fn replace_xdp(
        &self,
        iface: impl Into<Interface>,
        old: &Program<Xdp>,
        new: &Program<Xdp>,
        mode: XdpMode,
    ) -> Result<()> {
        self.set(
            iface.into(),
            Request::Replace { fd: raw(new), expected: raw(old) },
            mode,
            AttachAction::Replace,
        )
        .await
    }

    /// Detaches every XDP program attached to `iface`, in whatever mode.
    pub async fn detach_xdp(&self, iface: impl Into<Interface>) -> Result<()> {
        let iface = iface.into();
        for (mode, _) in self.query_xdp(iface.clone()).await?.attached() {
            self.set(iface.clone(), Request::Detach, mode, AttachAction::Detach).await?;
        }
        Ok(())
    }

    /// Detaches the XDP program of `iface` in `mode` only if it is `prog`.
    pub async fn detach_xdp_expected(
        &self,
        iface: impl Into<Interface>,
        prog: &Program<Xdp>,
        mode: XdpMode,
    ) -> Result<()> {
        self.set(
            iface.into(),
            Request::Replace { fd: -1, expected: raw(prog) },
            mode,
            AttachAction::Detach,
        )
        .await
    }

    /// Which XDP programs are attached to `iface`, and in which mode.
    pub async fn query_xdp(&self, iface: impl Into<Interface>) -> Result<XdpStatus> {
        let iface = iface.into();
        let index = iface.index()?;
        let msg = self.get_link(index).await.map_err(|(errno, message)| Error::Attach {
            action: AttachAction::Query,
            iface: iface.to_string(),
            via: AttachPath::Netlink,
            mode: XdpMode::Auto,
            errno,
            message,
            holder: None,
        })?;
        Ok(XdpStatus::from_message(&msg))
    }

    /// The network devices of the connection's namespace, in the kernel's
    /// dump order, each with its index, name and XDP programs; with `dev`,
    /// only that one (one that names no interface is
    /// [`Error::NoSuchInterface`]). One link dump (`RTM_GETLINK`); needs no
    /// privilege.
    pub async fn devices(&self, dev: Option<Interface>) -> Result<Vec<NetDevice>> {
        let only = index_of(dev.as_ref())?;
        Ok(devices_from(&self.dump(devices_dump()).await?, only))
    }

    /// The qdiscs of every device in the kernel's dump order, or of `dev`
    /// only, each with its interface, kind, handle and parent. One qdisc
    /// dump (`RTM_GETQDISC`); needs no privilege.
    ///
    /// The kernel dumps every device's qdiscs whatever the request names;
    /// with `dev` those of other devices are left out here.
    pub async fn tc_qdiscs(&self, dev: Option<Interface>) -> Result<Vec<TcQdisc>> {
        let only = index_of(dev.as_ref())?;
        Ok(qdiscs_from(&self.dump(qdiscs_dump(only)).await?, only))
    }

    /// The traffic classes of `dev`, or of every device (device by device in
    /// link dump order), each with its interface, kind, handle and parent.
    /// A class dump (`RTM_GETTCLASS`) per device; needs no privilege.
    pub async fn tc_classes(&self, dev: Option<Interface>) -> Result<Vec<TcClass>> {
        let indexes = match dev {
            Some(iface) => vec![iface.index()?],
            None => ifindexes(&self.dump(devices_dump()).await?),
        };
        let mut classes = Vec::new();
        for index in indexes {
            classes.extend(classes_from(&self.dump(classes_dump(index)).await?));
        }
        Ok(classes)
    }

    /// The tc filters of kind `bpf` attached to `iface` under `parent` (a
    /// qdisc or class handle, or [`TcHandle::ROOT`],
    /// [`TcHandle::CLSACT_INGRESS`], [`TcHandle::CLSACT_EGRESS`]), in the
    /// kernel's dump order. Filters of other kinds are left out. One filter
    /// dump (`RTM_GETTFILTER`); needs no privilege. A parent the interface
    /// does not have yields no filters.
    ///
    /// A failed dump, even one that failed part way, is an [`Error::Io`]
    /// whose [`errno`](Error::errno) is the kernel's.
    pub async fn tc_bpf_filters(
        &self,
        iface: impl Into<Interface>,
        parent: TcHandle,
    ) -> Result<Vec<TcAttachment>> {
        let iface = iface.into();
        let index = iface.index()?;
        Ok(bpf_filters_from(&self.dump(filters_dump(&iface, index, parent)).await?, parent))
    }

    pub(super) async fn dump(&self, request: Dump) -> Result<Vec<RouteNetlinkMessage>> {
        dump(&self.transport, request).await
    }

    async fn get_link(
        &self,
        index: u32,
    ) -> std::result::Result<LinkMessage, (Errno, Option<String>)> {
        let mut request = LinkMessage::default();
        request.header.index = index;
        match self.transport.get(RouteNetlinkMessage::GetLink(request)).await? {
            RouteNetlinkMessage::NewLink(msg) => Ok(msg),
            _ => Err((Errno::EIO, Some("an unexpected netlink message".into()))),
        }
    }

    async fn set(
        &self,
        iface: Interface,
        request: Request,
        mode: XdpMode,
        action: AttachAction,
    ) -> Result<()> {
        let index = iface.index()?;
        let msg = LinkUnspec::new_with_index(index)
            .append_extra_attribute(xdp_attribute(request, mode))
            .build();
        // As rtnetlink's `LinkSetRequest` sent it: the kernel sees the
        // request it always saw (the flags mean nothing to RTM_SETLINK).
        let flags = NLM_F_CREATE | NLM_F_EXCL;
        let set = self.transport.acked(RouteNetlinkMessage::SetLink(msg), flags).await;
        let Err((errno, message)) = set else {
            return Ok(());
        };
        // Refused because the hook is taken: say by what.
        let holder = match errno {
            Errno::EBUSY | Errno::EEXIST => {
                let attached = match self.get_link(index).await {
                    Ok(msg) => Some(XdpStatus::from_message(&msg).attached()),
                    Err(_) => None,
                };
                find_holder(index, attached.as_deref(), message.as_deref().and_then(holder_named))
            }
            _ => None,
        };
        Err(Error::Attach {
            action,
            iface: iface.to_string(),
            via: AttachPath::Netlink,
            mode,
            errno,
            message,
            holder,
        })
    }
}

/// The index of `only`, looked up before any dump: an interface that does
/// not exist is an error, not an empty answer.
fn index_of(only: Option<&Interface>) -> Result<Option<u32>> {
    only.map(Interface::index).transpose()
}

/// The index of every device a link dump answered, in dump order.
fn ifindexes(links: &[RouteNetlinkMessage]) -> Vec<u32> {
    devices_from(links, None).iter().map(|d| d.ifindex).collect()
}

fn raw(prog: &Program<Xdp>) -> i32 {
    use std::os::fd::AsRawFd;
    prog.fd().as_raw_fd()
}

/// [`Netlink`] for callers without an async runtime: a netlink socket of
/// its own, each call blocking the calling thread until the kernel has
/// answered. A change (attach, replace, detach) is one `sendto` and one
/// `recvfrom`; a query is one `sendto` and a `recvfrom` per batch.
///
/// ```no_run
/// # fn demo(prog: &bpfkit::prog::Program<bpfkit::prog::kind::Xdp>) -> bpfkit::Result<()> {
/// use bpfkit::link::XdpMode;
/// use bpfkit::netlink::BlockingNetlink;
///
/// let nl = BlockingNetlink::new()?;
/// nl.attach_xdp("eth0", prog, XdpMode::Skb)?;
/// println!("attached: {:?}", nl.query_xdp("eth0")?.prog_id);
/// nl.detach_xdp("eth0")?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct BlockingNetlink {
    /// Over [`Transport::Blocking`]: its request futures are ready at the
    /// first poll.
    pub(super) inner: Netlink,
}

/// A blocking call from inside an async runtime would stall the runtime's
/// thread (and other clients' tasks on it): that is [`Netlink`]'s place.
fn outside_runtime() -> Result<()> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::InvalidArgument {
            what: "netlink context",
            why: "BlockingNetlink cannot run inside an async runtime; use Netlink there".into(),
        });
    }
    Ok(())
}

impl BlockingNetlink {
    /// Runs a request future of `inner` to its end: over the blocking
    /// transport every send and receive happens inside the first poll, so
    /// a waker that does nothing is all it needs.
    pub(super) fn run<T>(
        &self,
        request: impl std::future::Future<Output = Result<T>>,
    ) -> Result<T> {
        use std::task::{Context, Poll, Waker};
        outside_runtime()?;
        let request = std::pin::pin!(request);
        match request.poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(answer) => answer,
            Poll::Pending => Err(Error::InvalidArgument {
                what: "netlink context",
                why: "the netlink request did not complete".into(),
            }),
        }
    }

    /// Opens the socket, with `NETLINK_EXT_ACK` and `NETLINK_CAP_ACK` set
    /// as [`Netlink::new`] sets them.
    pub fn new() -> Result<BlockingNetlink> {
        outside_runtime()?;
        let socket = Arc::new(BlockingSocket::open()?);
        Ok(BlockingNetlink { inner: Netlink { transport: Transport::Blocking(socket) } })
    }

    /// See [`Netlink::attach_xdp`].
    pub fn attach_xdp(
        &self,
        iface: impl Into<Interface>,
        prog: &Program<Xdp>,
        mode: XdpMode,
    ) -> Result<()> {
        self.run(self.inner.attach_xdp(iface, prog, mode))
    }

    /// See [`Netlink::overwrite_xdp`].
    pub fn overwrite_xdp(
        &self,
        iface: impl Into<Interface>,
        prog: &Program<Xdp>,
        mode: XdpMode,
    ) -> Result<()> {
        self.run(self.inner.overwrite_xdp(iface, prog, mode))
    }

    /// See [`Netlink::replace_xdp`].
    pub fn replace_xdp(
        &self,
        iface: impl Into<Interface>,
        old: &Program<Xdp>,
        new: &Program<Xdp>,
        mode: XdpMode,
    ) -> Result<()> {
        self.run(self.inner.replace_xdp(iface, old, new, mode))
    }

    /// See [`Netlink::detach_xdp`].
    pub fn detach_xdp(&self, iface: impl Into<Interface>) -> Result<()> {
        self.run(self.inner.detach_xdp(iface))
    }

    /// See [`Netlink::detach_xdp_expected`].
    pub fn detach_xdp_expected(
        &self,
        iface: impl Into<Interface>,
        prog: &Program<Xdp>,
        mode: XdpMode,
    ) -> Result<()> {
        self.run(self.inner.detach_xdp_expected(iface, prog, mode))
    }

    /// See [`Netlink::query_xdp`].
    pub fn query_xdp(&self, iface: impl Into<Interface>) -> Result<XdpStatus> {
        self.run(self.inner.query_xdp(iface))
    }

    /// See [`Netlink::devices`].
    pub fn devices(&self, dev: Option<Interface>) -> Result<Vec<NetDevice>> {
        let only = index_of(dev.as_ref())?;
        Ok(devices_from(&self.dump(devices_dump())?, only))
    }

    /// See [`Netlink::tc_qdiscs`].
    pub fn tc_qdiscs(&self, dev: Option<Interface>) -> Result<Vec<TcQdisc>> {
        let only = index_of(dev.as_ref())?;
        Ok(qdiscs_from(&self.dump(qdiscs_dump(only))?, only))
    }

    /// See [`Netlink::tc_classes`].
    pub fn tc_classes(&self, dev: Option<Interface>) -> Result<Vec<TcClass>> {
        let indexes = match dev {
            Some(iface) => vec![iface.index()?],
            None => ifindexes(&self.dump(devices_dump())?),
        };
        let mut classes = Vec::new();
        for index in indexes {
            classes.extend(classes_from(&self.dump(classes_dump(index))?));
        }
        Ok(classes)
    }

    /// See [`Netlink::tc_bpf_filters`].
    pub fn tc_bpf_filters(
        &self,
        iface: impl Into<Interface>,
        parent: TcHandle,
    ) -> Result<Vec<TcAttachment>> {
        self.bpf_filters(&iface.into(), parent)
    }

    // Not generic, so that a caller's crate compiles only the conversion,
    // not a second copy of the decoding and of the messages' drop glue.
    fn bpf_filters(&self, iface: &Interface, parent: TcHandle) -> Result<Vec<TcAttachment>> {
        let index = iface.index()?;
        Ok(bpf_filters_from(&self.dump(filters_dump(iface, index, parent))?, parent))
    }

    /// Every query is one or more dumps decoded here, so this is the only
    /// request future the queries make `run` compile.
    fn dump(&self, request: Dump) -> Result<Vec<RouteNetlinkMessage>> {
        self.run(self.inner.dump(request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn async_client_outside_a_runtime_is_an_error_not_a_panic() {
        let err = Netlink::new().unwrap_err();
        assert!(err.to_string().contains("BlockingNetlink"), "{err}");
    }

    #[test]
    fn the_blocking_client_can_be_shared_between_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<BlockingNetlink>();
        shared::<Netlink>();
    }

    #[test]
    fn blocking_client_inside_a_runtime_is_an_error_not_a_panic() {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let err = rt.block_on(async { BlockingNetlink::new() }).unwrap_err();
        assert!(err.to_string().contains("use Netlink"), "{err}");
    }
}
