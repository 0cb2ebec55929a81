//! Link types (`enum bpf_link_type`), with the kernel's numbers and names.

use std::fmt;

/// A link type (`enum bpf_link_type`); unknown kernel values are kept.
///
/// ```
/// use bpfkit::link::LinkType;
/// assert_eq!(LinkType::XDP.0, 6);
/// assert_eq!(LinkType::TCX.to_string(), "tcx");
/// assert_eq!(LinkType(99).name(), None);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LinkType(pub u32);

macro_rules! link_types {
    ($($name:ident = $n:literal, $text:literal;)*) => {
        impl LinkType {
            $(
                #[doc = concat!("`BPF_LINK_TYPE_", stringify!($name), "`.")]
                pub const $name: LinkType = LinkType($n);
            )*

            /// The lower-case name bpftool and libbpf print (`"xdp"`,
            /// `"netns"`, `"tcx"`), if known.
            pub fn name(self) -> Option<&'static str> {
                match self.0 { $($n => Some($text),)* _ => None }
            }
        }
    };
}

link_types! {
    UNSPEC = 0, "unspec";
    RAW_TRACEPOINT = 1, "raw_tracepoint";
    TRACING = 2, "tracing";
    CGROUP = 3, "cgroup";
    ITER = 4, "iter";
    NETNS = 5, "netns";
    XDP = 6, "xdp";
    PERF_EVENT = 7, "perf_event";
    KPROBE_MULTI = 8, "kprobe_multi";
    STRUCT_OPS = 9, "struct_ops";
    NETFILTER = 10, "netfilter";
    TCX = 11, "tcx";
    UPROBE_MULTI = 12, "uprobe_multi";
    NETKIT = 13, "netkit";
    SOCKMAP = 14, "sockmap";
}

impl fmt::Display for LinkType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "type {}", self.0),
        }
    }
}

impl fmt::Debug for LinkType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "LinkType({name})"),
            None => write!(f, "LinkType({})", self.0),
        }
    }
}
