//! Attaching programs through `bpf_link`: no netlink, no runtime, and the
//! kernel detaches the program when the last fd of the link closes.

mod attach;
mod iface;
mod info;
mod xdp;

pub(crate) use attach::attach_advice;
#[cfg(feature = "netlink")]
pub(crate) use attach::find_holder;
pub use attach::{AttachAction, AttachPath, XdpHolder};
pub use iface::Interface;
pub use info::{LinkInfo, LinkTarget, LinkType, link_ids};
pub use xdp::{XdpLink, XdpMode};
