//! The classic tc requests of [`Netlink`] and [`BlockingNetlink`]: add the
//! clsact qdisc when missing, add or replace a `bpf` filter, delete one;
//! and [`TcFilterGuard`], which deletes one when it drops.

use std::os::fd::AsRawFd;

use rtnetlink::packet_core::{NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE};
use rtnetlink::packet_route::RouteNetlinkMessage;

use super::client::{BlockingNetlink, Netlink};
use super::tc::{TcHandle, qdiscs_dump, qdiscs_from};
use super::tc_filter::{TcFilter, TcFilterSpec, clsact_message, delete_message, filter_message};
use crate::error::TcAction;
use crate::object::Interface;
use crate::prog::Program;
use crate::prog::kind::SchedCls;
use crate::sys::TcDirection;
use crate::{Errno, Error, Result};

impl Netlink {
    /// Attaches `prog` to `iface` as a direct-action `bpf` filter where
    /// `spec` says, adding the interface's `clsact` qdisc first if it has
    /// none (`tc qdisc add dev IFACE clsact`, then `tc filter add dev IFACE
    /// ingress|egress pref P handle H bpf da fd ...`).
    ///
    /// A filter already at that priority and handle is kept and the call
    /// fails with `EEXIST` ([`Error::Tc`], which says to replace); use
    /// [`replace_tc`](Self::replace_tc) to swap it. Other filters and
    /// qdiscs are left alone. On failure the interface is as it was: a
    /// clsact qdisc added for the filter is deleted again.
    ///
    /// The filter holds its own reference to the program and outlives the
    /// process (dropping `prog` detaches nothing); the [`TcFilter`]
    /// returned says where it is, for [`detach_tc`](Self::detach_tc).
    ///
    /// Only a tc classifier fits; an XDP program does not compile here:
    ///
    /// ```compile_fail
    /// # async fn demo(nl: &bpfkit::netlink::Netlink, xdp: &bpfkit::prog::Program<bpfkit::prog::kind::Xdp>) {
    /// use bpfkit::netlink::{TcDirection, TcFilterSpec};
    /// nl.attach_tc("eth0", xdp, &TcFilterSpec::new(TcDirection::Ingress)).await;
    /// # }
    /// ```
    pub async fn attach_tc(
        &self,
        iface: impl Into<Interface>,
        prog: &Program<SchedCls>,
        spec: &TcFilterSpec,
    ) -> Result<TcFilter> {
        self.add_tc(&iface.into(), prog, spec, TcAction::Attach).await
    }

    /// Puts `prog` where `spec` says as [`attach_tc`](Self::attach_tc)
    /// does, but over the filter already there, if any: the kernel swaps
    /// the program atomically, so no packet goes unfiltered
    /// (`tc filter replace`). With no filter there, one is added.
    pub async fn replace_tc(
        &self,
        iface: impl Into<Interface>,
        prog: &Program<SchedCls>,
        spec: &TcFilterSpec,
    ) -> Result<TcFilter> {
        self.add_tc(&iface.into(), prog, spec, TcAction::Replace).await
    }

    /// Deletes the `bpf` filter `filter` names, and nothing else: the
    /// clsact qdisc and other filters stay (`tc filter del dev IFACE
    /// ingress|egress pref P handle H bpf`). No such filter is `ENOENT`.
    pub async fn detach_tc(&self, filter: &TcFilter) -> Result<()> {
        let msg = RouteNetlinkMessage::DelTrafficFilter(delete_message(filter));
        self.transport
            .acked(msg, 0)
            .await
            .map_err(|refusal| tc_error(TcAction::Detach, filter, refusal))
    }

    async fn add_tc(
        &self,
        iface: &Interface,
        prog: &Program<SchedCls>,
        spec: &TcFilterSpec,
        action: TcAction,
    ) -> Result<TcFilter> {
        spec.check()?;
        let index = iface.index()?;
        let filter = spec.on(index);
        let added = self.clsact(&filter).await?;
        let msg = filter_message(index, spec, prog.name(), prog.fd().as_raw_fd());
        let flags = match action {
            TcAction::Attach => NLM_F_CREATE | NLM_F_EXCL,
            _ => NLM_F_CREATE | NLM_F_REPLACE,
        };
        let Err(refusal) =
            self.transport.acked(RouteNetlinkMessage::NewTrafficFilter(msg), flags).await
        else {
            return Ok(filter);
        };
        if added {
            // Leave the interface as it was; the refusal is what to report.
            let clsact = RouteNetlinkMessage::DelQueueDiscipline(clsact_message(index));
            let _ = self.transport.acked(clsact, 0).await;
        }
        Err(tc_error(action, &filter, refusal))
    }

    /// Makes sure `filter`'s hook exists: adds the clsact qdisc unless the
    /// interface has one (or, for an ingress filter, the ingress qdisc,
    /// whose hook takes ingress filters too). Whether it added one.
    async fn clsact(&self, filter: &TcFilter) -> Result<bool> {
        if self.has_hook(filter).await? {
            return Ok(false);
        }
        let msg = RouteNetlinkMessage::NewQueueDiscipline(clsact_message(filter.ifindex));
        match self.transport.acked(msg, NLM_F_CREATE | NLM_F_EXCL).await {
            Ok(()) => Ok(true),
            // Another process added it meanwhile: as good.
            Err((Errno::EEXIST, _)) if self.has_hook(filter).await? => Ok(false),
            Err(refusal) => Err(tc_error(TcAction::AddClsact, filter, refusal)),
        }
    }

    /// Whether the interface has a qdisc whose hook takes `filter`.
    async fn has_hook(&self, filter: &TcFilter) -> Result<bool> {
        let only = Some(filter.ifindex);
        let qdiscs = qdiscs_from(&self.dump(qdiscs_dump(only)).await?, only);
        Ok(qdiscs.iter().any(|q| {
            q.parent == TcHandle::INGRESS
                && match q.kind.as_deref() {
                    Some("clsact") => true,
                    Some("ingress") => filter.direction == TcDirection::Ingress,
                    _ => false,
                }
        }))
    }
}

/// The [`Error::Tc`] of a refused request about `filter`.
fn tc_error(
    action: TcAction,
    filter: &TcFilter,
    (errno, message): (Errno, Option<String>),
) -> Error {
    Error::Tc {
        action,
        iface: Interface::Index(filter.ifindex).to_string(),
        direction: filter.direction,
        priority: filter.priority,
        handle: filter.handle,
        errno,
        message,
    }
}

impl BlockingNetlink {
    /// See [`Netlink::attach_tc`]; [`TcFilter::guard`] detaches the filter
    /// when a scope ends.
    ///
    /// ```no_run
    /// # fn demo(prog: &bpfkit::prog::Program<bpfkit::prog::kind::SchedCls>) -> bpfkit::Result<()> {
    /// use bpfkit::netlink::{BlockingNetlink, TcDirection, TcFilterSpec};
    ///
    /// let nl = BlockingNetlink::new()?;
    /// // tc qdisc add dev eth0 clsact (if missing), then
    /// // tc filter add dev eth0 ingress pref 10 handle 1 bpf da ... name counter
    /// let spec = TcFilterSpec::new(TcDirection::Ingress).priority(10).handle(1).name("counter");
    /// let filter = nl.attach_tc("eth0", prog, &spec)?.guard(&nl);
    /// // ... packets are counted ...
    /// filter.detach()?; // or let it drop
    /// # Ok(()) }
    /// ```
    pub fn attach_tc(
        &self,
        iface: impl Into<Interface>,
        prog: &Program<SchedCls>,
        spec: &TcFilterSpec,
    ) -> Result<TcFilter> {
        self.add_tc(&iface.into(), prog, spec, TcAction::Attach)
    }

    /// See [`Netlink::replace_tc`].
    pub fn replace_tc(
        &self,
        iface: impl Into<Interface>,
        prog: &Program<SchedCls>,
        spec: &TcFilterSpec,
    ) -> Result<TcFilter> {
        self.add_tc(&iface.into(), prog, spec, TcAction::Replace)
    }

    /// See [`Netlink::detach_tc`].
    pub fn detach_tc(&self, filter: &TcFilter) -> Result<()> {
        self.run(self.inner.detach_tc(filter))
    }

    fn add_tc(
        &self,
        iface: &Interface,
        prog: &Program<SchedCls>,
        spec: &TcFilterSpec,
        action: TcAction,
    ) -> Result<TcFilter> {
        self.run(self.inner.add_tc(iface, prog, spec, action))
    }
}

impl TcFilter {
    /// The filter, deleted when the returned guard drops: the RAII form,
    /// for [`BlockingNetlink`] (there is no async drop; with [`Netlink`],
    /// call [`detach_tc`](Netlink::detach_tc)).
    pub fn guard(self, nl: &BlockingNetlink) -> TcFilterGuard<'_> {
        TcFilterGuard { nl, filter: self, armed: true }
    }
}

/// A [`TcFilter`] deleted when this guard drops (see [`TcFilter::guard`]).
///
/// A drop cannot report a failure: to see one, call
/// [`detach`](Self::detach). [`keep`](Self::keep) leaves the filter in
/// place. Dropped inside an async runtime, where [`BlockingNetlink`]
/// cannot run, the guard deletes nothing.
#[derive(Debug)]
#[must_use = "dropping the guard deletes the filter at once"]
pub struct TcFilterGuard<'a> {
    nl: &'a BlockingNetlink,
    filter: TcFilter,
    armed: bool,
}

impl TcFilterGuard<'_> {
    /// Where the filter is.
    pub fn filter(&self) -> &TcFilter {
        &self.filter
    }

    /// Deletes the filter now, saying whether that worked.
    pub fn detach(mut self) -> Result<()> {
        self.armed = false;
        self.nl.detach_tc(&self.filter)
    }

    /// Leaves the filter attached, and says where it is.
    pub fn keep(mut self) -> TcFilter {
        self.armed = false;
        self.filter
    }
}

impl Drop for TcFilterGuard<'_> {
    fn drop(&mut self) {
        if self.armed {
            // Nowhere to report a failure; `detach` reports it.
            let _ = self.nl.detach_tc(&self.filter);
        }
    }
}
