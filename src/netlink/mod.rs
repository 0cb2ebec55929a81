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
//! Unlike a [`XdpLink`](crate::link::XdpLink), an attachment made here
//! outlives the process: detach it yourself. Errors carry the kernel's
//! extended-ack message (e.g. why native mode was refused) and name the
//! interface.

mod client;
mod device;
mod dump;
mod flow_dissector;
mod message;
mod query;
mod tc;
mod tc_attachment;
mod tc_client;
mod tc_filter;
mod xdp_attachment;

pub use crate::error::TcAction;
pub use crate::sys::TcDirection;
pub use client::{BlockingNetlink, Netlink};
pub use device::NetDevice;
pub use flow_dissector::flow_dissector_id;
pub use query::XdpStatus;
pub use tc::{TcClass, TcHandle, TcQdisc};
pub use tc_attachment::{TcAttachment, TcBpfAction};
pub use tc_filter::{ETH_P_ALL, TcFilter, TcFilterGuard, TcFilterSpec};
pub use xdp_attachment::{XdpAttachment, XdpProgram};
