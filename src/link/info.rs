//! Link introspection: what a link is, what it attaches, and to what.

use std::os::fd::{AsFd, BorrowedFd};

use crate::error::{Error, Result};
use crate::object::{ObjectKind, Origin, expect_kind};
use crate::sys::AttachType;
use crate::sys::{self, Cmd, LinkType};

/// What a link attaches its program to: the type-specific part of
/// `struct bpf_link_info`, for the types whose fields bpftool prints.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkTarget {
    /// A raw tracepoint, by name.
    RawTracepoint {
        /// The tracepoint's name.
        tp_name: String,
    },
    /// A tracing program (fentry, fexit, freplace, ...).
    Tracing {
        /// How it attaches.
        attach_type: AttachType,
        /// The target program's id (freplace) or BTF object's id.
        target_obj_id: u32,
        /// The target's BTF type id in that object.
        target_btf_id: u32,
    },
    /// A cgroup.
    Cgroup {
        /// The cgroup's id (its kernfs inode number).
        cgroup_id: u64,
        /// Which cgroup hook.
        attach_type: AttachType,
    },
    /// A bpf iterator.
    Iter {
        /// The iterator target (`bpf_map_elem`, `task`, ...).
        target_name: String,
        /// The map iterated over, for map-element targets.
        map_id: Option<u32>,
    },
    /// A network namespace (flow dissector, sk_lookup).
    Netns {
        /// The namespace's inode number.
        netns_ino: u32,
        /// Which hook.
        attach_type: AttachType,
    },
    /// An interface's tcx hook.
    Tcx {
        /// The interface index (0 once the interface is gone).
        ifindex: u32,
        /// Which direction (`tcx_ingress`, `tcx_egress`).
        attach_type: AttachType,
    },
    /// A tracepoint, through a perf event link (Linux 6.6 reports it).
    Tracepoint {
        /// The tracepoint's name, without its category (`sys_enter_getpid`).
        tp_name: String,
        /// The link's `bpf_cookie`.
        cookie: u64,
    },
    /// An interface's XDP hook.
    Xdp {
        /// The interface index (0 once the interface is gone).
        ifindex: u32,
    },
    /// A struct_ops map registered through a link.
    StructOps {
        /// The struct_ops map's id.
        map_id: u32,
    },
    /// A netfilter hook.
    Netfilter {
        /// The protocol family (`NFPROTO_IPV4` 2, `NFPROTO_IPV6` 10).
        pf: u32,
        /// The hook number (`NF_INET_PRE_ROUTING` 0 to `NF_INET_POST_ROUTING` 4).
        hooknum: u32,
        /// The priority at the hook.
        priority: i32,
        /// `BPF_F_NETFILTER_IP_DEFRAG` (1), if asked.
        flags: u32,
    },
    /// A netkit device's primary or peer side.
    Netkit {
        /// The device's interface index.
        ifindex: u32,
        /// Which side (`netkit_primary`, `netkit_peer`).
        attach_type: AttachType,
    },
    /// A sockmap's or sockhash's program slot.
    SockMap {
        /// The map's id.
        map_id: u32,
        /// Which slot (`sk_msg_verdict`, `sk_skb_verdict`, ...).
        attach_type: AttachType,
    },
    /// A type whose fields are not decoded here.
    Other,
}

/// What the kernel reports about a link (`struct bpf_link_info`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LinkInfo {
    /// The kernel's id of the link.
    pub id: u32,
    /// The id of the attached program.
    pub prog_id: u32,
    /// The link type.
    pub link_type: LinkType,
    /// For an XDP link, the interface index (0 once the interface is gone).
    pub ifindex: Option<u32>,
    /// The type-specific fields.
    pub target: LinkTarget,
}

/// Map-element iterator targets: their links name the map.
const MAP_ITER_TARGETS: [&str; 2] = ["bpf_map_elem", "bpf_sk_storage_map"];

impl LinkInfo {
    /// The info of the link behind `fd`. The fd of a map, a program or
    /// anything else is refused with [`Error::WrongKind`].
    pub fn of(fd: impl AsFd) -> Result<LinkInfo> {
        LinkInfo::checked(fd.as_fd(), Origin::Fd)
    }

    /// [`of`](Self::of) for an fd that came from `origin`.
    pub(crate) fn checked(fd: BorrowedFd<'_>, origin: Origin<'_>) -> Result<LinkInfo> {
        expect_kind(fd, ObjectKind::Link, origin)?;
        LinkInfo::of_link(fd)
    }

    /// The info of `fd`, known to be a link's.
    pub(crate) fn of_link(fd: BorrowedFd<'_>) -> Result<LinkInfo> {
        let err = |e| Error::syscall(Cmd::ObjGetInfoByFd, e);
        let mut raw = sys::obj::link_info(fd).map_err(err)?;
        let link_type = LinkType(raw.link_type);
        let mut name = String::new();
        if matches!(link_type, LinkType::RAW_TRACEPOINT | LinkType::ITER) {
            // The same bytes as bpftool's buffer: longer names are cut.
            let mut buf = [0u8; 256];
            raw = sys::obj::link_info_named(fd, &mut buf, 0).map_err(err)?;
            name = c_text(&buf);
        } else if link_type == LinkType::PERF_EVENT && raw.data[0] == PERF_EVENT_TRACEPOINT {
            let mut buf = [0u8; 256];
            raw = sys::obj::link_info_named(fd, &mut buf, 2).map_err(err)?;
            name = c_text(&buf);
        }
        let d = raw.data;
        let target = match link_type {
            LinkType::RAW_TRACEPOINT => LinkTarget::RawTracepoint { tp_name: name },
            LinkType::TRACING => LinkTarget::Tracing {
                attach_type: AttachType(d[0]),
                target_obj_id: d[1],
                target_btf_id: d[2],
            },
            LinkType::CGROUP => {
                LinkTarget::Cgroup { cgroup_id: u64_at(&d, 0), attach_type: AttachType(d[2]) }
            }
            LinkType::ITER => {
                let map_id = MAP_ITER_TARGETS.contains(&name.as_str()).then_some(d[3]);
                LinkTarget::Iter { target_name: name, map_id }
            }
            LinkType::NETNS => LinkTarget::Netns { netns_ino: d[0], attach_type: AttachType(d[1]) },
            LinkType::XDP => LinkTarget::Xdp { ifindex: d[0] },
            LinkType::TCX => LinkTarget::Tcx { ifindex: d[0], attach_type: AttachType(d[1]) },
            LinkType::STRUCT_OPS => LinkTarget::StructOps { map_id: d[0] },
            LinkType::NETFILTER => LinkTarget::Netfilter {
                pf: d[0],
                hooknum: d[1],
                priority: d[2] as i32,
                flags: d[3],
            },
            LinkType::NETKIT => LinkTarget::Netkit { ifindex: d[0], attach_type: AttachType(d[1]) },
            LinkType::SOCKMAP => {
                LinkTarget::SockMap { map_id: d[0], attach_type: AttachType(d[1]) }
            }
            LinkType::PERF_EVENT if d[0] == PERF_EVENT_TRACEPOINT => {
                LinkTarget::Tracepoint { tp_name: name, cookie: u64_at(&d, 6) }
            }
            _ => LinkTarget::Other,
        };
        Ok(LinkInfo {
            id: raw.id,
            prog_id: raw.prog_id,
            link_type,
            ifindex: raw.xdp_ifindex(),
            target,
        })
    }

    /// The info of the link with kernel id `id` (`BPF_LINK_GET_FD_BY_ID`).
    pub fn by_id(id: u32) -> Result<LinkInfo> {
        let fd = crate::object::open_by_id(ObjectKind::Link, id)?;
        LinkInfo::checked(fd.as_fd(), Origin::Id(id))
    }
}

/// `BPF_PERF_EVENT_TRACEPOINT`: a perf event link's `type` for a
/// tracepoint.
const PERF_EVENT_TRACEPOINT: u32 = 5;

/// The text up to the first NUL.
fn c_text(buf: &[u8]) -> String {
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

/// The `u64` union member that starts at 32-bit word `at`.
fn u64_at(words: &[u32; 8], at: usize) -> u64 {
    let (a, b) = (words[at].to_ne_bytes(), words[at + 1].to_ne_bytes());
    u64::from_ne_bytes([a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3]])
}

/// The ids of every link, in increasing order.
pub fn link_ids() -> impl Iterator<Item = Result<u32>> {
    crate::object::ids(ObjectKind::Link)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn u64_members_read_in_host_order() {
        let v: u64 = 0x0102_0304_0506_0708;
        let b = v.to_ne_bytes();
        let mut words = [0u32; 8];
        words[2] = u32::from_ne_bytes([b[0], b[1], b[2], b[3]]);
        words[3] = u32::from_ne_bytes([b[4], b[5], b[6], b[7]]);
        assert_eq!(u64_at(&words, 2), v);
    }

    #[test]
    fn names_match_bpftool() {
        assert_eq!(LinkType::NETNS.name(), Some("netns"));
        assert_eq!(LinkType::KPROBE_MULTI.to_string(), "kprobe_multi");
        assert_eq!(LinkType(200).to_string(), "type 200");
    }
}
