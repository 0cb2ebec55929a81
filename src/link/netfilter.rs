//! Netfilter hooks through links (Linux 6.4 and later): a program runs at a
//! hook of the caller's network namespace, beside nftables' and iptables'
//! chains, ordered by priority, and returns `NF_ACCEPT` (1) or `NF_DROP` (0).

use super::handle::Link;
use crate::error::AttachAction;
use crate::probe::{Feature, explain_einval};
use crate::prog::Program;
use crate::prog::kind::Netfilter;
use crate::sys::link::LinkExtra;
use crate::sys::{self, AttachType, LinkType};
use crate::{Errno, Error, Result};

/// Which packets: the protocol family (`NFPROTO_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NetfilterFamily {
    /// `NFPROTO_IPV4`.
    Ipv4,
    /// `NFPROTO_IPV6`.
    Ipv6,
}

/// Where on a packet's path (`NF_INET_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NetfilterHookPoint {
    /// `NF_INET_PRE_ROUTING`: every packet received, before routing.
    PreRouting,
    /// `NF_INET_LOCAL_IN`: packets for this host.
    LocalIn,
    /// `NF_INET_FORWARD`: packets routed through.
    Forward,
    /// `NF_INET_LOCAL_OUT`: packets this host sends.
    LocalOut,
    /// `NF_INET_POST_ROUTING`: every packet sent, after routing.
    PostRouting,
}

/// A netfilter hook and the program's place at it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NetfilterHook {
    /// Which packets.
    pub family: NetfilterFamily,
    /// Where on their path.
    pub point: NetfilterHookPoint,
    /// The order among the hook's functions, lowest first (iptables'
    /// filter table is at 0, conntrack at -200). `i32::MIN` and `i32::MAX`
    /// are reserved by netfilter and refused.
    pub priority: i32,
    /// Reassemble IP fragments before the program runs
    /// (`BPF_F_NETFILTER_IP_DEFRAG`, Linux 6.6).
    pub defrag: bool,
}

impl NetfilterHook {
    /// `point` for `family`, at priority 0, without defragmentation.
    pub fn new(family: NetfilterFamily, point: NetfilterHookPoint) -> NetfilterHook {
        NetfilterHook { family, point, priority: 0, defrag: false }
    }

    /// The same hook at `priority`.
    pub fn priority(mut self, priority: i32) -> NetfilterHook {
        self.priority = priority;
        self
    }

    fn describe(&self) -> String {
        format!("netfilter {:?} {:?} priority {}", self.family, self.point, self.priority)
    }
}

/// Attaches `prog` to the netfilter hook `hook` of the caller's network
/// namespace (`BPF_LINK_CREATE` with `BPF_NETFILTER`). It runs on every
/// packet passing there until the link is dropped or its pins removed.
///
/// Needs `CAP_NET_ADMIN` and `CAP_BPF` (or root). Two programs may not
/// share a priority at one hook (`EBUSY`); the kernel's `EINVAL` for a
/// reserved priority or an unknown hook is turned into an error that says
/// which.
///
/// ```no_run
/// # fn demo(prog: &bpfkit::prog::Program<bpfkit::prog::kind::Netfilter>) -> bpfkit::Result<()> {
/// use bpfkit::link::{NetfilterFamily, NetfilterHook, NetfilterHookPoint, attach_netfilter};
/// let hook = NetfilterHook::new(NetfilterFamily::Ipv4, NetfilterHookPoint::LocalOut).priority(-100);
/// let link = attach_netfilter(prog, &hook)?;
/// # Ok(()) }
/// ```
pub fn attach_netfilter(
    prog: &Program<Netfilter>,
    hook: &NetfilterHook,
) -> Result<Link<Netfilter>> {
    if hook.priority == i32::MIN || hook.priority == i32::MAX {
        return Err(Error::InvalidArgument {
            what: "netfilter priority",
            why: format!(
                "{} is reserved by netfilter (NF_IP_PRI_FIRST and NF_IP_PRI_LAST); choose \
                 another",
                hook.priority
            ),
        });
    }
    let pf = match hook.family {
        NetfilterFamily::Ipv4 => 2,  // NFPROTO_IPV4
        NetfilterFamily::Ipv6 => 10, // NFPROTO_IPV6
    };
    let hooknum = match hook.point {
        NetfilterHookPoint::PreRouting => 0,
        NetfilterHookPoint::LocalIn => 1,
        NetfilterHookPoint::Forward => 2,
        NetfilterHookPoint::LocalOut => 3,
        NetfilterHookPoint::PostRouting => 4,
    };
    let flags = u32::from(hook.defrag); // BPF_F_NETFILTER_IP_DEFRAG
    let extra = LinkExtra::Netfilter { pf, hooknum, priority: hook.priority, flags };
    sys::link::create(prog.fd(), 0, AttachType::NETFILTER.0, 0, extra).map(Link::new).map_err(
        |errno| {
            let err = Error::Hook {
                action: AttachAction::Attach,
                hook: hook.describe(),
                errno,
                advice: advice(errno, hook),
            };
            // A kernel without netfilter links says EINVAL too: say so.
            explain_einval(err, &[Feature::LinkType(LinkType::NETFILTER)])
        },
    )
}

fn advice(errno: Errno, hook: &NetfilterHook) -> String {
    match errno {
        Errno::EBUSY => format!(
            "another BPF program holds priority {} at this hook; choose another priority",
            hook.priority
        ),
        Errno::EOPNOTSUPP if hook.defrag => {
            "this kernel cannot defragment for BPF netfilter programs (Linux 6.6 and later, \
             with the nf_defrag modules built in)"
                .into()
        }
        Errno::EPERM | Errno::EACCES => {
            "netfilter hooks need CAP_NET_ADMIN and CAP_BPF (or CAP_SYS_ADMIN); run as root or \
             grant them"
                .into()
        }
        Errno::EINVAL => {
            "the kernel refused the hook or its priority; netfilter BPF links need Linux 6.4 \
             and later with CONFIG_NETFILTER_BPF_LINK"
                .into()
        }
        _ => String::new(),
    }
}
