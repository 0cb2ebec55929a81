//! Section names: the `SEC("...")` spellings libbpf users know, and the
//! program type, expected attach type and load flags each one stands for.
//!
//! A C program says what it is with its ELF section (`SEC("xdp")`,
//! `SEC("cgroup_skb/egress")`); libbpf turns that into `BPF_PROG_LOAD`
//! arguments through one table. This is the same table, written from
//! libbpf's `section_defs` (libbpf 1.5), so that a name means here what it
//! means there:
//!
//! - most names match exactly (`"socket"`, `"cgroup/sock_create"`);
//! - names libbpf writes with a `+` (`kprobe+`, `tracepoint+`) match alone or
//!   followed by `/` and anything: `"kprobe"`, `"kprobe/do_unlinkat"`;
//! - the first entry that matches wins, in libbpf's order.
//!
//! Sections whose programs attach to a BTF-described target (`fentry`,
//! `lsm`, `tp_btf`, `iter`, `struct_ops`, `freplace`, ...) are known here so
//! that they can be refused by name: loading them needs the target's BTF id,
//! which [`Section::needs_btf_target`] says.
//!
//! ```
//! use bpfkit::prog::{AttachType, ProgFlags, ProgType, Section};
//!
//! let s = Section::parse("cgroup_skb/egress").unwrap();
//! assert_eq!(s.prog_type(), ProgType::CGROUP_SKB);
//! assert_eq!(s.expected_attach_type(), Some(AttachType::CGROUP_INET_EGRESS));
//!
//! let s = Section::parse("kprobe/do_unlinkat").unwrap();
//! assert_eq!(s.name(), "kprobe");
//! assert_eq!(s.expected_attach_type(), None);
//!
//! assert_eq!(Section::parse("xdp.frags").unwrap().prog_flags(), ProgFlags::XDP_HAS_FRAGS);
//! assert!(Section::parse("fentry/tcp_connect").unwrap().needs_btf_target());
//! assert!(Section::parse("xdp/eth0").is_none()); // "xdp" takes no extras
//! ```

use std::fmt;

use super::load::ProgFlags;
use crate::sys::{AttachType, ProgType};

/// One `SEC()` name and what it loads as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Section {
    name: &'static str,
    extras: bool,
    prog_type: ProgType,
    attach: Option<AttachType>,
    traits: u8,
}

/// The program may sleep (`BPF_F_SLEEPABLE`).
const SLEEPABLE: u8 = 1 << 0;
/// The XDP program handles multi-buffer packets (`BPF_F_XDP_HAS_FRAGS`).
const FRAGS: u8 = 1 << 1;
/// Loading needs the BTF id of a kernel function, type or program.
const BTF: u8 = 1 << 2;

/// A name matched exactly.
const fn exact(name: &'static str, prog_type: ProgType, attach: Option<AttachType>) -> Section {
    Section { name, extras: false, prog_type, attach, traits: 0 }
}

/// A name matched alone or followed by `/...` (libbpf's `name+`).
const fn plus(name: &'static str, prog_type: ProgType, attach: Option<AttachType>) -> Section {
    Section { name, extras: true, prog_type, attach, traits: 0 }
}

impl Section {
    const fn with(mut self, traits: u8) -> Section {
        self.traits |= traits;
        self
    }
}

use AttachType as A;
use ProgType as P;

/// libbpf's table, in libbpf's order (the first match wins).
static SECTIONS: &[Section] = &[
    exact("socket", P::SOCKET_FILTER, None),
    exact("sk_reuseport/migrate", P::SK_REUSEPORT, Some(A::SK_REUSEPORT_SELECT_OR_MIGRATE)),
    exact("sk_reuseport", P::SK_REUSEPORT, Some(A::SK_REUSEPORT_SELECT)),
    plus("kprobe", P::KPROBE, None),
    plus("uprobe", P::KPROBE, None),
    plus("uprobe.s", P::KPROBE, None).with(SLEEPABLE),
    plus("kretprobe", P::KPROBE, None),
    plus("uretprobe", P::KPROBE, None),
    plus("uretprobe.s", P::KPROBE, None).with(SLEEPABLE),
    plus("kprobe.multi", P::KPROBE, Some(A::TRACE_KPROBE_MULTI)),
    plus("kretprobe.multi", P::KPROBE, Some(A::TRACE_KPROBE_MULTI)),
    plus("kprobe.session", P::KPROBE, Some(A::TRACE_KPROBE_SESSION)),
    plus("uprobe.multi", P::KPROBE, Some(A::TRACE_UPROBE_MULTI)),
    plus("uretprobe.multi", P::KPROBE, Some(A::TRACE_UPROBE_MULTI)),
    plus("uprobe.session", P::KPROBE, Some(A::TRACE_UPROBE_SESSION)),
    plus("uprobe.multi.s", P::KPROBE, Some(A::TRACE_UPROBE_MULTI)).with(SLEEPABLE),
    plus("uretprobe.multi.s", P::KPROBE, Some(A::TRACE_UPROBE_MULTI)).with(SLEEPABLE),
    plus("uprobe.session.s", P::KPROBE, Some(A::TRACE_UPROBE_SESSION)).with(SLEEPABLE),
    plus("ksyscall", P::KPROBE, None),
    plus("kretsyscall", P::KPROBE, None),
    // libbpf switches USDT programs to TRACE_UPROBE_MULTI when it attaches
    // them through uprobe-multi links; its table says none.
    plus("usdt", P::KPROBE, None),
    plus("usdt.s", P::KPROBE, None).with(SLEEPABLE),
    exact("tc/ingress", P::SCHED_CLS, Some(A::TCX_INGRESS)),
    exact("tc/egress", P::SCHED_CLS, Some(A::TCX_EGRESS)),
    exact("tcx/ingress", P::SCHED_CLS, Some(A::TCX_INGRESS)),
    exact("tcx/egress", P::SCHED_CLS, Some(A::TCX_EGRESS)),
    exact("tc", P::SCHED_CLS, None),
    exact("classifier", P::SCHED_CLS, None),
    exact("action", P::SCHED_ACT, None),
    exact("netkit/primary", P::SCHED_CLS, Some(A::NETKIT_PRIMARY)),
    exact("netkit/peer", P::SCHED_CLS, Some(A::NETKIT_PEER)),
    plus("tracepoint", P::TRACEPOINT, None),
    plus("tp", P::TRACEPOINT, None),
    plus("raw_tracepoint", P::RAW_TRACEPOINT, None),
    plus("raw_tp", P::RAW_TRACEPOINT, None),
    plus("raw_tracepoint.w", P::RAW_TRACEPOINT_WRITABLE, None),
    plus("raw_tp.w", P::RAW_TRACEPOINT_WRITABLE, None),
    plus("tp_btf", P::TRACING, Some(A::TRACE_RAW_TP)).with(BTF),
    plus("fentry", P::TRACING, Some(A::TRACE_FENTRY)).with(BTF),
    plus("fmod_ret", P::TRACING, Some(A::MODIFY_RETURN)).with(BTF),
    plus("fexit", P::TRACING, Some(A::TRACE_FEXIT)).with(BTF),
    plus("fentry.s", P::TRACING, Some(A::TRACE_FENTRY)).with(BTF | SLEEPABLE),
    plus("fmod_ret.s", P::TRACING, Some(A::MODIFY_RETURN)).with(BTF | SLEEPABLE),
    plus("fexit.s", P::TRACING, Some(A::TRACE_FEXIT)).with(BTF | SLEEPABLE),
    plus("freplace", P::EXT, None).with(BTF),
    plus("lsm", P::LSM, Some(A::LSM_MAC)).with(BTF),
    plus("lsm.s", P::LSM, Some(A::LSM_MAC)).with(BTF | SLEEPABLE),
    plus("lsm_cgroup", P::LSM, Some(A::LSM_CGROUP)).with(BTF),
    plus("iter", P::TRACING, Some(A::TRACE_ITER)).with(BTF),
    plus("iter.s", P::TRACING, Some(A::TRACE_ITER)).with(BTF | SLEEPABLE),
    exact("syscall", P::SYSCALL, None).with(SLEEPABLE),
    exact("xdp.frags/devmap", P::XDP, Some(A::XDP_DEVMAP)).with(FRAGS),
    exact("xdp/devmap", P::XDP, Some(A::XDP_DEVMAP)),
    exact("xdp.frags/cpumap", P::XDP, Some(A::XDP_CPUMAP)).with(FRAGS),
    exact("xdp/cpumap", P::XDP, Some(A::XDP_CPUMAP)),
    exact("xdp.frags", P::XDP, Some(A::XDP)).with(FRAGS),
    exact("xdp", P::XDP, Some(A::XDP)),
    exact("perf_event", P::PERF_EVENT, None),
    exact("lwt_in", P::LWT_IN, None),
    exact("lwt_out", P::LWT_OUT, None),
    exact("lwt_xmit", P::LWT_XMIT, None),
    exact("lwt_seg6local", P::LWT_SEG6LOCAL, None),
    exact("sockops", P::SOCK_OPS, Some(A::CGROUP_SOCK_OPS)),
    exact("sk_skb/stream_parser", P::SK_SKB, Some(A::SK_SKB_STREAM_PARSER)),
    exact("sk_skb/stream_verdict", P::SK_SKB, Some(A::SK_SKB_STREAM_VERDICT)),
    exact("sk_skb/verdict", P::SK_SKB, Some(A::SK_SKB_VERDICT)),
    exact("sk_skb", P::SK_SKB, None),
    exact("sk_msg", P::SK_MSG, Some(A::SK_MSG_VERDICT)),
    exact("lirc_mode2", P::LIRC_MODE2, Some(A::LIRC_MODE2)),
    exact("flow_dissector", P::FLOW_DISSECTOR, Some(A::FLOW_DISSECTOR)),
    exact("cgroup_skb/ingress", P::CGROUP_SKB, Some(A::CGROUP_INET_INGRESS)),
    exact("cgroup_skb/egress", P::CGROUP_SKB, Some(A::CGROUP_INET_EGRESS)),
    exact("cgroup/skb", P::CGROUP_SKB, None),
    exact("cgroup/sock_create", P::CGROUP_SOCK, Some(A::CGROUP_INET_SOCK_CREATE)),
    exact("cgroup/sock_release", P::CGROUP_SOCK, Some(A::CGROUP_INET_SOCK_RELEASE)),
    exact("cgroup/sock", P::CGROUP_SOCK, Some(A::CGROUP_INET_SOCK_CREATE)),
    exact("cgroup/post_bind4", P::CGROUP_SOCK, Some(A::CGROUP_INET4_POST_BIND)),
    exact("cgroup/post_bind6", P::CGROUP_SOCK, Some(A::CGROUP_INET6_POST_BIND)),
    exact("cgroup/bind4", P::CGROUP_SOCK_ADDR, Some(A::CGROUP_INET4_BIND)),
    exact("cgroup/bind6", P::CGROUP_SOCK_ADDR, Some(A::CGROUP_INET6_BIND)),
    exact("cgroup/connect4", P::CGROUP_SOCK_ADDR, Some(A::CGROUP_INET4_CONNECT)),
    exact("cgroup/connect6", P::CGROUP_SOCK_ADDR, Some(A::CGROUP_INET6_CONNECT)),
    exact("cgroup/connect_unix", P::CGROUP_SOCK_ADDR, Some(A::CGROUP_UNIX_CONNECT)),
    exact("cgroup/sendmsg4", P::CGROUP_SOCK_ADDR, Some(A::CGROUP_UDP4_SENDMSG)),
    exact("cgroup/sendmsg6", P::CGROUP_SOCK_ADDR, Some(A::CGROUP_UDP6_SENDMSG)),
    exact("cgroup/sendmsg_unix", P::CGROUP_SOCK_ADDR, Some(A::CGROUP_UNIX_SENDMSG)),
    exact("cgroup/recvmsg4", P::CGROUP_SOCK_ADDR, Some(A::CGROUP_UDP4_RECVMSG)),
    exact("cgroup/recvmsg6", P::CGROUP_SOCK_ADDR, Some(A::CGROUP_UDP6_RECVMSG)),
    exact("cgroup/recvmsg_unix", P::CGROUP_SOCK_ADDR, Some(A::CGROUP_UNIX_RECVMSG)),
    exact("cgroup/getpeername4", P::CGROUP_SOCK_ADDR, Some(A::CGROUP_INET4_GETPEERNAME)),
    exact("cgroup/getpeername6", P::CGROUP_SOCK_ADDR, Some(A::CGROUP_INET6_GETPEERNAME)),
    exact("cgroup/getpeername_unix", P::CGROUP_SOCK_ADDR, Some(A::CGROUP_UNIX_GETPEERNAME)),
    exact("cgroup/getsockname4", P::CGROUP_SOCK_ADDR, Some(A::CGROUP_INET4_GETSOCKNAME)),
    exact("cgroup/getsockname6", P::CGROUP_SOCK_ADDR, Some(A::CGROUP_INET6_GETSOCKNAME)),
    exact("cgroup/getsockname_unix", P::CGROUP_SOCK_ADDR, Some(A::CGROUP_UNIX_GETSOCKNAME)),
    exact("cgroup/sysctl", P::CGROUP_SYSCTL, Some(A::CGROUP_SYSCTL)),
    exact("cgroup/getsockopt", P::CGROUP_SOCKOPT, Some(A::CGROUP_GETSOCKOPT)),
    exact("cgroup/setsockopt", P::CGROUP_SOCKOPT, Some(A::CGROUP_SETSOCKOPT)),
    exact("cgroup/dev", P::CGROUP_DEVICE, Some(A::CGROUP_DEVICE)),
    // A struct_ops program is checked against the struct member it
    // implements, named by BTF id (libbpf finds it through the map).
    plus("struct_ops", P::STRUCT_OPS, None).with(BTF),
    plus("struct_ops.s", P::STRUCT_OPS, None).with(BTF | SLEEPABLE),
    exact("sk_lookup", P::SK_LOOKUP, Some(A::SK_LOOKUP)),
    exact("netfilter", P::NETFILTER, Some(A::NETFILTER)),
];

impl Section {
    /// The section `name` stands for, as libbpf reads it, or `None` for a
    /// name libbpf does not know.
    pub fn parse(name: &str) -> Option<Section> {
        SECTIONS.iter().copied().find(|s| s.matches(name))
    }

    /// Every known section, in libbpf's order.
    pub fn all() -> &'static [Section] {
        SECTIONS
    }

    fn matches(&self, name: &str) -> bool {
        match name.strip_prefix(self.name) {
            Some("") => true,
            Some(rest) => self.extras && rest.starts_with('/'),
            None => false,
        }
    }

    /// The section's name without extras: `"kprobe"` for `kprobe/do_sys_open`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Whether the name may be followed by `/...` (the probe target, the
    /// tracepoint, ...), which says where to attach and not how to load.
    pub fn takes_extras(&self) -> bool {
        self.extras
    }

    /// The program type.
    pub fn prog_type(&self) -> ProgType {
        self.prog_type
    }

    /// The attach type the program is loaded for, when the section names one.
    pub fn expected_attach_type(&self) -> Option<AttachType> {
        self.attach
    }

    /// Whether programs in this section may sleep (`BPF_F_SLEEPABLE`).
    pub fn is_sleepable(&self) -> bool {
        self.traits & SLEEPABLE != 0
    }

    /// Whether the XDP program handles multi-buffer packets (`xdp.frags`).
    pub fn has_frags(&self) -> bool {
        self.traits & FRAGS != 0
    }

    /// Whether loading needs the BTF id of an attach target (a kernel
    /// function, tracepoint, LSM hook, iterator, struct_ops member, or a
    /// program to replace), which the section name alone does not give.
    pub fn needs_btf_target(&self) -> bool {
        self.traits & BTF != 0
    }

    /// The load flags the section implies, as libbpf sets them.
    pub fn prog_flags(&self) -> ProgFlags {
        let mut flags = ProgFlags::empty();
        if self.is_sleepable() {
            flags |= ProgFlags::SLEEPABLE;
        }
        if self.has_frags() {
            flags |= ProgFlags::XDP_HAS_FRAGS;
        }
        flags
    }
}

impl fmt::Display for Section {
    /// The name as a user writes it: `xdp`, or `kprobe[/...]` where extras may follow.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)?;
        if self.extras {
            f.write_str("[/...]")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every entry: (name, extras, prog type, attach type or None,
    /// sleepable, frags, needs BTF), with the numbers of
    /// `enum bpf_prog_type` and `enum bpf_attach_type` in the kernel's
    /// `include/uapi/linux/bpf.h` written out, not taken from our constants.
    type Row = (&'static str, bool, u32, Option<u32>, bool, bool, bool);

    #[rustfmt::skip]
    const EXPECTED: &[Row] = &[
        ("socket", false, 1, None, false, false, false),
        ("sk_reuseport/migrate", false, 21, Some(40), false, false, false),
        ("sk_reuseport", false, 21, Some(39), false, false, false),
        ("kprobe", true, 2, None, false, false, false),
        ("uprobe", true, 2, None, false, false, false),
        ("uprobe.s", true, 2, None, true, false, false),
        ("kretprobe", true, 2, None, false, false, false),
        ("uretprobe", true, 2, None, false, false, false),
        ("uretprobe.s", true, 2, None, true, false, false),
        ("kprobe.multi", true, 2, Some(42), false, false, false),
        ("kretprobe.multi", true, 2, Some(42), false, false, false),
        ("kprobe.session", true, 2, Some(56), false, false, false),
        ("uprobe.multi", true, 2, Some(48), false, false, false),
        ("uretprobe.multi", true, 2, Some(48), false, false, false),
        ("uprobe.session", true, 2, Some(57), false, false, false),
        ("uprobe.multi.s", true, 2, Some(48), true, false, false),
        ("uretprobe.multi.s", true, 2, Some(48), true, false, false),
        ("uprobe.session.s", true, 2, Some(57), true, false, false),
        ("ksyscall", true, 2, None, false, false, false),
        ("kretsyscall", true, 2, None, false, false, false),
        ("usdt", true, 2, None, false, false, false),
        ("usdt.s", true, 2, None, true, false, false),
        ("tc/ingress", false, 3, Some(46), false, false, false),
        ("tc/egress", false, 3, Some(47), false, false, false),
        ("tcx/ingress", false, 3, Some(46), false, false, false),
        ("tcx/egress", false, 3, Some(47), false, false, false),
        ("tc", false, 3, None, false, false, false),
        ("classifier", false, 3, None, false, false, false),
        ("action", false, 4, None, false, false, false),
        ("netkit/primary", false, 3, Some(54), false, false, false),
        ("netkit/peer", false, 3, Some(55), false, false, false),
        ("tracepoint", true, 5, None, false, false, false),
        ("tp", true, 5, None, false, false, false),
        ("raw_tracepoint", true, 17, None, false, false, false),
        ("raw_tp", true, 17, None, false, false, false),
        ("raw_tracepoint.w", true, 24, None, false, false, false),
        ("raw_tp.w", true, 24, None, false, false, false),
        ("tp_btf", true, 26, Some(23), false, false, true),
        ("fentry", true, 26, Some(24), false, false, true),
        ("fmod_ret", true, 26, Some(26), false, false, true),
        ("fexit", true, 26, Some(25), false, false, true),
        ("fentry.s", true, 26, Some(24), true, false, true),
        ("fmod_ret.s", true, 26, Some(26), true, false, true),
        ("fexit.s", true, 26, Some(25), true, false, true),
        ("freplace", true, 28, None, false, false, true),
        ("lsm", true, 29, Some(27), false, false, true),
        ("lsm.s", true, 29, Some(27), true, false, true),
        ("lsm_cgroup", true, 29, Some(43), false, false, true),
        ("iter", true, 26, Some(28), false, false, true),
        ("iter.s", true, 26, Some(28), true, false, true),
        ("syscall", false, 31, None, true, false, false),
        ("xdp.frags/devmap", false, 6, Some(33), false, true, false),
        ("xdp/devmap", false, 6, Some(33), false, false, false),
        ("xdp.frags/cpumap", false, 6, Some(35), false, true, false),
        ("xdp/cpumap", false, 6, Some(35), false, false, false),
        ("xdp.frags", false, 6, Some(37), false, true, false),
        ("xdp", false, 6, Some(37), false, false, false),
        ("perf_event", false, 7, None, false, false, false),
        ("lwt_in", false, 10, None, false, false, false),
        ("lwt_out", false, 11, None, false, false, false),
        ("lwt_xmit", false, 12, None, false, false, false),
        ("lwt_seg6local", false, 19, None, false, false, false),
        ("sockops", false, 13, Some(3), false, false, false),
        ("sk_skb/stream_parser", false, 14, Some(4), false, false, false),
        ("sk_skb/stream_verdict", false, 14, Some(5), false, false, false),
        ("sk_skb/verdict", false, 14, Some(38), false, false, false),
        ("sk_skb", false, 14, None, false, false, false),
        ("sk_msg", false, 16, Some(7), false, false, false),
        ("lirc_mode2", false, 20, Some(16), false, false, false),
        ("flow_dissector", false, 22, Some(17), false, false, false),
        ("cgroup_skb/ingress", false, 8, Some(0), false, false, false),
        ("cgroup_skb/egress", false, 8, Some(1), false, false, false),
        ("cgroup/skb", false, 8, None, false, false, false),
        ("cgroup/sock_create", false, 9, Some(2), false, false, false),
        ("cgroup/sock_release", false, 9, Some(34), false, false, false),
        ("cgroup/sock", false, 9, Some(2), false, false, false),
        ("cgroup/post_bind4", false, 9, Some(12), false, false, false),
        ("cgroup/post_bind6", false, 9, Some(13), false, false, false),
        ("cgroup/bind4", false, 18, Some(8), false, false, false),
        ("cgroup/bind6", false, 18, Some(9), false, false, false),
        ("cgroup/connect4", false, 18, Some(10), false, false, false),
        ("cgroup/connect6", false, 18, Some(11), false, false, false),
        ("cgroup/connect_unix", false, 18, Some(49), false, false, false),
        ("cgroup/sendmsg4", false, 18, Some(14), false, false, false),
        ("cgroup/sendmsg6", false, 18, Some(15), false, false, false),
        ("cgroup/sendmsg_unix", false, 18, Some(50), false, false, false),
        ("cgroup/recvmsg4", false, 18, Some(19), false, false, false),
        ("cgroup/recvmsg6", false, 18, Some(20), false, false, false),
        ("cgroup/recvmsg_unix", false, 18, Some(51), false, false, false),
        ("cgroup/getpeername4", false, 18, Some(29), false, false, false),
        ("cgroup/getpeername6", false, 18, Some(30), false, false, false),
        ("cgroup/getpeername_unix", false, 18, Some(52), false, false, false),
        ("cgroup/getsockname4", false, 18, Some(31), false, false, false),
        ("cgroup/getsockname6", false, 18, Some(32), false, false, false),
        ("cgroup/getsockname_unix", false, 18, Some(53), false, false, false),
        ("cgroup/sysctl", false, 23, Some(18), false, false, false),
        ("cgroup/getsockopt", false, 25, Some(21), false, false, false),
        ("cgroup/setsockopt", false, 25, Some(22), false, false, false),
        ("cgroup/dev", false, 15, Some(6), false, false, false),
        ("struct_ops", true, 27, None, false, false, true),
        ("struct_ops.s", true, 27, None, true, false, true),
        ("sk_lookup", false, 30, Some(36), false, false, false),
        ("netfilter", false, 32, Some(45), false, false, false),
    ];

    #[test]
    fn every_entry_has_the_kernel_numbers() {
        assert_eq!(Section::all().len(), EXPECTED.len());
        for (s, &(name, extras, prog, attach, sleepable, frags, btf)) in
            Section::all().iter().zip(EXPECTED)
        {
            assert_eq!(s.name(), name);
            assert_eq!(s.takes_extras(), extras, "{name}");
            assert_eq!(s.prog_type().0, prog, "{name}");
            assert_eq!(s.expected_attach_type().map(|a| a.0), attach, "{name}");
            assert_eq!(s.is_sleepable(), sleepable, "{name}");
            assert_eq!(s.has_frags(), frags, "{name}");
            assert_eq!(s.needs_btf_target(), btf, "{name}");
            // Each entry is found by its own name (none is shadowed).
            assert_eq!(Section::parse(name), Some(*s), "{name}");
        }
    }

    #[test]
    fn extras_follow_a_slash() {
        let kprobe = Section::parse("kprobe/do_unlinkat").unwrap();
        assert_eq!(kprobe.name(), "kprobe");
        assert_eq!(Section::parse("kretprobe/tcp_v4_connect").unwrap().name(), "kretprobe");
        assert_eq!(Section::parse("tp/syscalls/sys_enter_openat").unwrap().name(), "tp");
        assert_eq!(Section::parse("raw_tp.w/sched_switch").unwrap().name(), "raw_tp.w");
        assert_eq!(Section::parse("uprobe.s//bin/bash:readline").unwrap().name(), "uprobe.s");
        // A `+` name needs the slash: "kprobex" is not "kprobe".
        assert_eq!(Section::parse("kprobex"), None);
        // Exact names take nothing after them.
        assert_eq!(Section::parse("xdp/eth0"), None);
        assert_eq!(Section::parse("socket/1"), None);
        assert_eq!(Section::parse("cgroup/skbx"), None);
        assert_eq!(Section::parse(""), None);
    }

    #[test]
    fn longer_names_are_not_taken_by_shorter_ones() {
        assert_eq!(Section::parse("tc").unwrap().expected_attach_type(), None);
        assert_eq!(
            Section::parse("tc/ingress").unwrap().expected_attach_type(),
            Some(A::TCX_INGRESS)
        );
        assert_eq!(
            Section::parse("cgroup/sock").unwrap().expected_attach_type(),
            Some(A::CGROUP_INET_SOCK_CREATE)
        );
        assert_eq!(
            Section::parse("cgroup/sock_release").unwrap().expected_attach_type(),
            Some(A::CGROUP_INET_SOCK_RELEASE)
        );
        assert_eq!(Section::parse("kprobe.multi/tcp_*").unwrap().name(), "kprobe.multi");
        assert_eq!(Section::parse("xdp.frags").unwrap().name(), "xdp.frags");
    }

    #[test]
    fn flags_and_display() {
        assert_eq!(Section::parse("syscall").unwrap().prog_flags(), ProgFlags::SLEEPABLE);
        assert_eq!(
            Section::parse("xdp.frags/devmap").unwrap().prog_flags(),
            ProgFlags::XDP_HAS_FRAGS
        );
        assert_eq!(Section::parse("xdp").unwrap().prog_flags(), ProgFlags::empty());
        assert_eq!(Section::parse("xdp").unwrap().to_string(), "xdp");
        assert_eq!(Section::parse("kprobe/x").unwrap().to_string(), "kprobe[/...]");
    }
}
