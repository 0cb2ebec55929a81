//! [`Feature`]: a thing the running kernel may or may not support, as
//! [`Error::NotSupported`](super::Error::NotSupported) and
//! [`Error::CannotProbe`](super::Error::CannotProbe) name it.

use std::fmt;

use crate::asm::HelperId;
use crate::sys::{AttachType, LinkType, MapType, ProgType};

/// A kernel feature that `bpfkit::probe` can ask the running kernel about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Feature {
    /// A program type (`BPF_PROG_TYPE_*`).
    ProgType(ProgType),
    /// A map type (`BPF_MAP_TYPE_*`).
    MapType(MapType),
    /// A helper function, called from a program of a type.
    Helper {
        /// The calling program's type.
        prog_type: ProgType,
        /// The helper.
        helper: HelperId,
    },
    /// An expected attach type given at load for a program type.
    AttachType {
        /// The program's type.
        prog_type: ProgType,
        /// The attach type.
        attach_type: AttachType,
    },
    /// Something the verifier accepts in a program's instructions.
    Insns(InsnFeature),
    /// A `bpf_link` type (`BPF_LINK_TYPE_*`).
    LinkType(LinkType),
}

/// What the verifier accepts in a program's instructions, beyond the
/// original eBPF.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InsnFeature {
    /// Programs of more than 4096 instructions (for privileged loaders;
    /// 5.2).
    LargeProgram,
    /// Loops the verifier can prove end (5.3).
    BoundedLoops,
    /// The v2 ISA: `<`, `<=`, signed `<` and `<=` jumps (4.14).
    IsaV2,
    /// The v3 ISA: 32-bit conditional jumps (5.1).
    IsaV3,
}

impl fmt::Display for InsnFeature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InsnFeature::LargeProgram => "programs of more than 4096 instructions",
            InsnFeature::BoundedLoops => "bounded loops",
            InsnFeature::IsaV2 => "the v2 ISA (jlt, jle, jslt, jsle)",
            InsnFeature::IsaV3 => "the v3 ISA (32-bit jumps)",
        })
    }
}

impl fmt::Display for Feature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Feature::ProgType(t) => match t.name() {
                Some(name) => write!(f, "program type {name}"),
                None => write!(f, "program type {}", t.0),
            },
            Feature::MapType(t) => match t.name() {
                Some(name) => write!(f, "map type {name}"),
                None => write!(f, "map type {}", t.0),
            },
            Feature::Helper { prog_type, helper } => match helper.helper() {
                Some(h) => write!(f, "helper {h} (id {}) in {prog_type} programs", helper.0),
                None => write!(f, "helper id {} in {prog_type} programs", helper.0),
            },
            Feature::AttachType { prog_type, attach_type } => {
                write!(f, "attach type {attach_type} for {prog_type} programs")
            }
            Feature::Insns(what) => write!(f, "{what}"),
            Feature::LinkType(t) => write!(f, "link type {t}"),
        }
    }
}

impl Feature {
    /// What to do when the running kernel lacks the feature.
    pub(super) fn advice(&self) -> &'static str {
        match self {
            Feature::Helper { .. } => {
                "use a helper this program type may call, another program type, or a newer \
                 kernel (`bpfkit feature probe kernel` lists the helpers of each type)"
            }
            Feature::LinkType(LinkType::TCX) => {
                "tcx came in Linux 6.6: on an older kernel, attach the program as a classic tc \
                 filter over netlink (clsact and a bpf filter with direct-action)"
            }
            _ => {
                "it needs a newer kernel, or one built with the matching CONFIG_ option \
                 (`bpfkit feature probe kernel` lists what this one has)"
            }
        }
    }
}

/// What to do when a probe could not run, as a `": ..."` suffix.
pub(super) fn cannot_probe_advice(errno: crate::sys::Errno) -> &'static str {
    use crate::sys::Errno;
    match errno {
        Errno::EPERM | Errno::EACCES => {
            ": probing loads programs and creates maps, which needs CAP_BPF (plus CAP_NET_ADMIN \
             for network program types and CAP_PERFMON for tracing ones) or CAP_SYS_ADMIN; run \
             as root or grant them"
        }
        Errno::EOPNOTSUPP => {
            ": it cannot be probed with a minimal program (it needs an attach target or a \
             struct_ops type); try the real load or attach"
        }
        _ => "",
    }
}
