//! XDP over rtnetlink (feature `netlink`, on by default): attach in any
//! mode, never clobbering an attached program unless asked, replace
//! atomically, detach, and query what is attached.
//!
//! Unlike a [`XdpLink`](crate::link::XdpLink), an attachment made here
//! outlives the process: detach it yourself. Errors carry the kernel's
//! extended-ack message (e.g. why native mode was refused) and name the
//! interface.

mod client;
mod message;
mod query;

pub use client::{BlockingNetlink, Netlink};
pub use query::XdpStatus;
