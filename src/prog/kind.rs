//! Program kinds as Rust types: a [`Program<K>`](super::Program) carries
//! what it was loaded as, and each hook takes only the kinds that run
//! there, so attaching an XDP program to tcx or a socket filter to a cgroup
//! does not compile.
//!
//! A kind fixes the program type and, where the kernel verifies a program
//! for one attach type only, that attach type too (a `connect4` program
//! cannot run at `connect6`): [`ProgramSpec::typed`](super::ProgramSpec::typed)
//! loads with both. A program whose type comes from data (a pinned path,
//! an id, the command line) is [`Untyped`] and becomes a kind through
//! [`Program::into_kind`](super::Program::into_kind), checked at run time.
//!
//! ```compile_fail
//! # fn demo(xdp: bpfkit::prog::Program<bpfkit::prog::kind::Xdp>) {
//! use bpfkit::prog::kind::SchedCls;
//! fn tc_only(_: &bpfkit::prog::Program<SchedCls>) {}
//! tc_only(&xdp); // an XDP program is no tc classifier
//! # }
//! ```

use crate::sys::{AttachType, ProgType};

/// What a program kind fixes when it is loaded. Implemented by the marker
/// types of this module; [`Untyped`] has none.
pub trait ProgKind: Copy + std::fmt::Debug + Default {
    /// The program type it is loaded as.
    const PROG_TYPE: ProgType;
    /// The attach type it is verified for (`expected_attach_type`), where
    /// the kernel ties a program of this type to one.
    const EXPECTED_ATTACH_TYPE: Option<AttachType>;
}

/// A program whose kind is known only at run time (opened by id or path,
/// or loaded from a [`ProgType`] value).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Untyped;

macro_rules! kinds {
    ($($(#[$doc:meta])* $name:ident = $prog:ident, $expected:expr;)*) => {
        $(
            $(#[$doc])*
            #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
            pub struct $name;

            impl ProgKind for $name {
                const PROG_TYPE: ProgType = ProgType::$prog;
                const EXPECTED_ATTACH_TYPE: Option<AttachType> = $expected;
            }
        )*
    };
}

kinds! {
    /// An XDP program (`BPF_PROG_TYPE_XDP`): an interface's XDP hook.
    Xdp = XDP, None;
    /// A tc classifier (`BPF_PROG_TYPE_SCHED_CLS`): tcx ingress and egress,
    /// and classic tc's `bpf` filters.
    SchedCls = SCHED_CLS, None;
    /// A socket filter (`BPF_PROG_TYPE_SOCKET_FILTER`): `SO_ATTACH_BPF`.
    SocketFilter = SOCKET_FILTER, None;
    /// A cgroup packet filter (`BPF_PROG_TYPE_CGROUP_SKB`): a cgroup's
    /// ingress or egress.
    CgroupSkb = CGROUP_SKB, None;
    /// A socket-creation hook (`BPF_PROG_TYPE_CGROUP_SOCK`, verified for
    /// `BPF_CGROUP_INET_SOCK_CREATE`).
    CgroupSockCreate = CGROUP_SOCK, Some(AttachType::CGROUP_INET_SOCK_CREATE);
    /// An IPv4 `connect()` hook (`BPF_PROG_TYPE_CGROUP_SOCK_ADDR`, verified
    /// for `BPF_CGROUP_INET4_CONNECT`).
    CgroupConnect4 = CGROUP_SOCK_ADDR, Some(AttachType::CGROUP_INET4_CONNECT);
    /// An IPv6 `connect()` hook (`BPF_PROG_TYPE_CGROUP_SOCK_ADDR`, verified
    /// for `BPF_CGROUP_INET6_CONNECT`).
    CgroupConnect6 = CGROUP_SOCK_ADDR, Some(AttachType::CGROUP_INET6_CONNECT);
    /// A sysctl access hook (`BPF_PROG_TYPE_CGROUP_SYSCTL`).
    CgroupSysctl = CGROUP_SYSCTL, Some(AttachType::CGROUP_SYSCTL);
    /// A tracepoint program (`BPF_PROG_TYPE_TRACEPOINT`), attached through
    /// a perf event.
    Tracepoint = TRACEPOINT, None;
    /// A netfilter program (`BPF_PROG_TYPE_NETFILTER`, verified for
    /// `BPF_NETFILTER`): a netfilter hook of the caller's namespace.
    Netfilter = NETFILTER, Some(AttachType::NETFILTER);
    /// A raw tracepoint program (`BPF_PROG_TYPE_RAW_TRACEPOINT`).
    RawTracepoint = RAW_TRACEPOINT, None;
    /// A kprobe program (`BPF_PROG_TYPE_KPROBE`), attached through a perf event.
    Kprobe = KPROBE, None;
    /// A flow dissector (`BPF_PROG_TYPE_FLOW_DISSECTOR`): a network namespace's.
    FlowDissector = FLOW_DISSECTOR, Some(AttachType::FLOW_DISSECTOR);
    /// A socket lookup program (`BPF_PROG_TYPE_SK_LOOKUP`): a network
    /// namespace's.
    SkLookup = SK_LOOKUP, Some(AttachType::SK_LOOKUP);
}
