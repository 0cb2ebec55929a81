//! Attaching programs through `bpf_link`: no netlink, no runtime, and the
//! kernel detaches the program when the last fd of the link closes.

mod hook;
mod info;
mod xdp;

pub use crate::error::{AttachAction, AttachPath, XdpHolder};
pub use crate::object::Interface;
pub use crate::sys::{LinkType, XdpMode};
pub use info::{LinkInfo, LinkTarget, link_ids};
pub use xdp::XdpLink;
