//! XDP over rtnetlink (feature `netlink`, on by default): attach in any
//! mode, never clobbering an attached program unless asked, replace
//! atomically, detach, and query what is attached; and the listing of every
//! network attachment (XDP, tc BPF filters, flow dissector) that
//! `bpftool net show` prints.
//!
//! Unlike a [`XdpLink`](crate::link::XdpLink), an attachment made here
//! outlives the process: detach it yourself. Errors carry the kernel's
//! extended-ack message (e.g. why native mode was refused) and name the
//! interface.

mod attachments;
mod client;
mod flow_dissector;
mod message;
mod query;
mod tc_attachment;
mod xdp_attachment;

pub use attachments::{NetAttachments, TcDumpFailure};
pub use client::{BlockingNetlink, Netlink};
pub use flow_dissector::flow_dissector_id;
pub use query::XdpStatus;
pub use tc_attachment::{TcAttachment, TcBpfAction, TcHook};
pub use xdp_attachment::{XdpAttachment, XdpProgram};
