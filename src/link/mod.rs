//! Attaching programs through `bpf_link`: no netlink, no runtime, and the
//! kernel detaches the program when the last fd of the link closes.

mod cgroup;
mod handle;
mod hook;
mod info;
mod kprobe;
mod multi;
mod netfilter;
mod netns;
mod perf_event;
mod prog_attach;
mod raw_tracepoint;
mod socket_filter;
mod task_fd;
mod tcx;
mod tcx_legacy;
mod tracefs;
mod tracepoint;
mod xdp;

pub use crate::error::{AttachAction, AttachPath, XdpHolder};
pub use crate::object::Interface;
pub use crate::sys::{LinkType, XdpMode};
pub use cgroup::{
    Cgroup, CgroupAttachFlags, CgroupAttachment, CgroupHook, CgroupQuery, attach_cgroup,
    attach_cgroup_legacy, attach_cgroup_untyped, cgroup_programs, cgroup_query, cgroup2_mount,
    detach_cgroup_untyped,
};
pub use handle::Link;
pub use info::{LinkInfo, LinkTarget, link_ids};
pub use kprobe::attach_kprobe;
pub use multi::{HookProgram, HookPrograms};
pub use netfilter::{NetfilterFamily, NetfilterHook, NetfilterHookPoint, attach_netfilter};
pub use netns::{NetNs, attach_flow_dissector, attach_sk_lookup};
pub use perf_event::PerfEventLink;
pub use prog_attach::{
    SockMapHook, attach_flow_dissector_legacy, attach_sock_map_link, attach_to_sock_map,
    detach_flow_dissector, detach_from_sock_map,
};
pub use raw_tracepoint::{RawTracepointLink, attach_raw_tracepoint};
pub use socket_filter::{SocketFilterGuard, attach_socket_filter, detach_socket_filter};
pub use task_fd::{TaskFdInfo, TaskFdKind, task_fd_query};
pub use tcx::{Anchor, Order, Relative, TcxDirection, attach_tcx, tcx_programs};
pub use tcx_legacy::{attach_tcx_legacy, detach_tcx_legacy};
pub use tracepoint::{attach_tracepoint, attach_tracepoint_with_cookie};
pub use xdp::XdpLink;
