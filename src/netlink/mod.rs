//! XDP and tc over rtnetlink (feature `netlink`, on by default).
//!
//! XDP: attach in any mode, never clobbering an attached program unless
//! asked, replace atomically, detach, and query what is attached, one
//! interface at a time or every device of the namespace at once
//! ([`Netlink::devices`]).
//!
//! tc: the queries a listing of tc BPF filters is built from, each one
//! netlink dump decoded: the qdiscs ([`Netlink::tc_qdiscs`]) and classes
//! ([`Netlink::tc_classes`]) a filter can hang from, and the `bpf` filters
//! under one parent of one interface ([`Netlink::tc_bpf_filters`]), with the
//! fixed parents (root, clsact ingress and egress) as [`TcHandle`]
//! constants. Which parents to ask, in which order, is the caller's choice;
//! nothing here follows a particular tool's plan.
//!
//! Classic tc, as `tc qdisc add dev X clsact` and `tc filter add dev X
//! ingress bpf da ...` do it: [`Netlink::attach_tc`] adds the interface's
//! `clsact` qdisc when it has none and a direct-action `bpf` filter of a
//! [`Program<SchedCls>`](crate::prog::kind::SchedCls) at the priority and
//! handle of a [`TcFilterSpec`], refusing to clobber a filter already there
//! ([`Netlink::replace_tc`] swaps it atomically);
//! [`Netlink::detach_tc`] deletes that one filter. Other filters and
//! qdiscs are left alone, and the clsact qdisc stays after the last filter
//! goes, as with tc.
//!
//! [`Netlink`] is async: its requests go through rtnetlink's connection
//! task on the caller's tokio runtime. [`BlockingNetlink`] has no runtime:
//! a socket of its own, on which a change is one `sendto` and one
//! `recvfrom` and a query one `recvfrom` per batch of the answer. Both run
//! the same request code.
//!
//! Unlike a [`XdpLink`](crate::link::XdpLink), an attachment made here
//! outlives the process: detach it yourself, or (with [`BlockingNetlink`])
//! let a [`TcFilterGuard`] do it when a scope ends. A [`TcFilter`] is where
//! a filter is, not a handle the kernel counts: netlink attachments are no
//! bpf objects, so they cannot be pinned, and one found in a dump can be
//! detached by building its [`TcFilter`]. Errors carry the kernel's
//! extended-ack message (e.g. why native mode was refused) and name the
//! interface (and for tc, the direction, priority and handle).

mod client;
mod device;
mod dump;
mod flow_dissector;
mod message;
mod query;
mod socket;
mod tc;
mod tc_attachment;
mod tc_client;
mod tc_filter;
mod transport;
mod xdp_attachment;

pub use crate::error::TcAction;
pub use crate::sys::TcDirection;
pub use client::{BlockingNetlink, Netlink};
pub use device::NetDevice;
pub use flow_dissector::flow_dissector_id;
pub use query::XdpStatus;
pub use tc::{TcClass, TcHandle, TcQdisc};
pub use tc_attachment::{TcAttachment, TcBpfAction};
pub use tc_client::TcFilterGuard;
pub use tc_filter::{ETH_P_ALL, TcFilter, TcFilterSpec};
pub use xdp_attachment::{XdpAttachment, XdpProgram};
