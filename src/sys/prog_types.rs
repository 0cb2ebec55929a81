//! Program types and attach types, with the kernel's numbers and the
//! lower-case names bpftool and libbpf use. Generated from the 6.1 UAPI
//! header's enums, plus the values added since (`NETFILTER` program type;
//! attach types from `STRUCT_OPS` = 44 to `TRACE_UPROBE_SESSION` = 57).

use std::fmt;

macro_rules! named_consts {
    ($ty:ident, $prefix:literal, $($name:ident = $n:literal, $text:literal;)*) => {
        impl $ty {
            $(
                #[doc = concat!("`", $prefix, stringify!($name), "`.")]
                pub const $name: $ty = $ty($n);
            )*

            /// The lower-case name (`"xdp"`, `"sched_cls"`), if known.
            pub fn name(self) -> Option<&'static str> {
                match self.0 { $($n => Some($text),)* _ => None }
            }

            /// The value named `name` (lower-case, without the kernel's prefix).
            pub fn from_name(name: &str) -> Option<$ty> {
                // A search through `name` rather than a `match` on strings,
                // which compiles to kilobytes of comparisons, or a table of
                // names, which a static binary pays for twice (the pointers
                // and their relocations).
                const VALUES: &[u32] = &[$($n,)*];
                VALUES.iter().map(|&n| $ty(n)).find(|value| value.name() == Some(name))
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.name() {
                    Some(name) => f.write_str(name),
                    None => write!(f, "type {}", self.0),
                }
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.name() {
                    Some(name) => write!(f, "{}({name})", stringify!($ty)),
                    None => write!(f, "{}({})", stringify!($ty), self.0),
                }
            }
        }
    };
}

/// A program type (`enum bpf_prog_type`); unknown kernel values are kept.
///
/// ```
/// use bpfkit::prog::ProgType;
/// assert_eq!(ProgType::XDP.0, 6);
/// assert_eq!(ProgType::from_name("sched_cls"), Some(ProgType::SCHED_CLS));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProgType(pub u32);

named_consts! { ProgType, "BPF_PROG_TYPE_",
    UNSPEC = 0, "unspec";
    SOCKET_FILTER = 1, "socket_filter";
    KPROBE = 2, "kprobe";
    SCHED_CLS = 3, "sched_cls";
    SCHED_ACT = 4, "sched_act";
    TRACEPOINT = 5, "tracepoint";
    XDP = 6, "xdp";
    PERF_EVENT = 7, "perf_event";
    CGROUP_SKB = 8, "cgroup_skb";
    CGROUP_SOCK = 9, "cgroup_sock";
    LWT_IN = 10, "lwt_in";
    LWT_OUT = 11, "lwt_out";
    LWT_XMIT = 12, "lwt_xmit";
    SOCK_OPS = 13, "sock_ops";
    SK_SKB = 14, "sk_skb";
    CGROUP_DEVICE = 15, "cgroup_device";
    SK_MSG = 16, "sk_msg";
    RAW_TRACEPOINT = 17, "raw_tracepoint";
    CGROUP_SOCK_ADDR = 18, "cgroup_sock_addr";
    LWT_SEG6LOCAL = 19, "lwt_seg6local";
    LIRC_MODE2 = 20, "lirc_mode2";
    SK_REUSEPORT = 21, "sk_reuseport";
    FLOW_DISSECTOR = 22, "flow_dissector";
    CGROUP_SYSCTL = 23, "cgroup_sysctl";
    RAW_TRACEPOINT_WRITABLE = 24, "raw_tracepoint_writable";
    CGROUP_SOCKOPT = 25, "cgroup_sockopt";
    TRACING = 26, "tracing";
    STRUCT_OPS = 27, "struct_ops";
    EXT = 28, "ext";
    LSM = 29, "lsm";
    SK_LOOKUP = 30, "sk_lookup";
    SYSCALL = 31, "syscall";
    NETFILTER = 32, "netfilter";
}

/// An attach type (`enum bpf_attach_type`); unknown kernel values are kept.
///
/// ```
/// use bpfkit::prog::AttachType;
/// assert_eq!(AttachType::XDP.0, 37);
/// assert_eq!(AttachType::TCX_INGRESS.to_string(), "tcx_ingress");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AttachType(pub u32);

named_consts! { AttachType, "BPF_",
    CGROUP_INET_INGRESS = 0, "cgroup_inet_ingress";
    CGROUP_INET_EGRESS = 1, "cgroup_inet_egress";
    CGROUP_INET_SOCK_CREATE = 2, "cgroup_inet_sock_create";
    CGROUP_SOCK_OPS = 3, "cgroup_sock_ops";
    SK_SKB_STREAM_PARSER = 4, "sk_skb_stream_parser";
    SK_SKB_STREAM_VERDICT = 5, "sk_skb_stream_verdict";
    CGROUP_DEVICE = 6, "cgroup_device";
    SK_MSG_VERDICT = 7, "sk_msg_verdict";
    CGROUP_INET4_BIND = 8, "cgroup_inet4_bind";
    CGROUP_INET6_BIND = 9, "cgroup_inet6_bind";
    CGROUP_INET4_CONNECT = 10, "cgroup_inet4_connect";
    CGROUP_INET6_CONNECT = 11, "cgroup_inet6_connect";
    CGROUP_INET4_POST_BIND = 12, "cgroup_inet4_post_bind";
    CGROUP_INET6_POST_BIND = 13, "cgroup_inet6_post_bind";
    CGROUP_UDP4_SENDMSG = 14, "cgroup_udp4_sendmsg";
    CGROUP_UDP6_SENDMSG = 15, "cgroup_udp6_sendmsg";
    LIRC_MODE2 = 16, "lirc_mode2";
    FLOW_DISSECTOR = 17, "flow_dissector";
    CGROUP_SYSCTL = 18, "cgroup_sysctl";
    CGROUP_UDP4_RECVMSG = 19, "cgroup_udp4_recvmsg";
    CGROUP_UDP6_RECVMSG = 20, "cgroup_udp6_recvmsg";
    CGROUP_GETSOCKOPT = 21, "cgroup_getsockopt";
    CGROUP_SETSOCKOPT = 22, "cgroup_setsockopt";
    TRACE_RAW_TP = 23, "trace_raw_tp";
    TRACE_FENTRY = 24, "trace_fentry";
    TRACE_FEXIT = 25, "trace_fexit";
    MODIFY_RETURN = 26, "modify_return";
    LSM_MAC = 27, "lsm_mac";
    TRACE_ITER = 28, "trace_iter";
    CGROUP_INET4_GETPEERNAME = 29, "cgroup_inet4_getpeername";
    CGROUP_INET6_GETPEERNAME = 30, "cgroup_inet6_getpeername";
    CGROUP_INET4_GETSOCKNAME = 31, "cgroup_inet4_getsockname";
    CGROUP_INET6_GETSOCKNAME = 32, "cgroup_inet6_getsockname";
    XDP_DEVMAP = 33, "xdp_devmap";
    CGROUP_INET_SOCK_RELEASE = 34, "cgroup_inet_sock_release";
    XDP_CPUMAP = 35, "xdp_cpumap";
    SK_LOOKUP = 36, "sk_lookup";
    XDP = 37, "xdp";
    SK_SKB_VERDICT = 38, "sk_skb_verdict";
    SK_REUSEPORT_SELECT = 39, "sk_reuseport_select";
    SK_REUSEPORT_SELECT_OR_MIGRATE = 40, "sk_reuseport_select_or_migrate";
    PERF_EVENT = 41, "perf_event";
    TRACE_KPROBE_MULTI = 42, "trace_kprobe_multi";
    LSM_CGROUP = 43, "lsm_cgroup";
    STRUCT_OPS = 44, "struct_ops";
    NETFILTER = 45, "netfilter";
    TCX_INGRESS = 46, "tcx_ingress";
    TCX_EGRESS = 47, "tcx_egress";
    TRACE_UPROBE_MULTI = 48, "trace_uprobe_multi";
    CGROUP_UNIX_CONNECT = 49, "cgroup_unix_connect";
    CGROUP_UNIX_SENDMSG = 50, "cgroup_unix_sendmsg";
    CGROUP_UNIX_RECVMSG = 51, "cgroup_unix_recvmsg";
    CGROUP_UNIX_GETPEERNAME = 52, "cgroup_unix_getpeername";
    CGROUP_UNIX_GETSOCKNAME = 53, "cgroup_unix_getsockname";
    NETKIT_PRIMARY = 54, "netkit_primary";
    NETKIT_PEER = 55, "netkit_peer";
    TRACE_KPROBE_SESSION = 56, "trace_kprobe_session";
    TRACE_UPROBE_SESSION = 57, "trace_uprobe_session";
}
