//! What [`Error::Tc`](crate::Error::Tc) says: the step of a classic tc
//! attachment that failed, and what to do about the kernel's refusal.

use std::fmt;

use crate::sys::{Errno, TcDirection};

/// The step of a classic tc (`cls_bpf`) attachment that failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TcAction {
    /// Adding the `clsact` qdisc the filter hangs from
    /// (`RTM_NEWQDISC`, as `tc qdisc add dev X clsact`).
    AddClsact,
    /// Adding a filter where none may be (`RTM_NEWTFILTER` with
    /// `NLM_F_EXCL`, as `tc filter add`).
    Attach,
    /// Adding a filter or swapping the program of the one there
    /// (`RTM_NEWTFILTER` with `NLM_F_REPLACE`, as `tc filter replace`).
    Replace,
    /// Deleting one filter (`RTM_DELTFILTER`, as `tc filter del`).
    Detach,
}

impl fmt::Display for TcAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TcAction::AddClsact => "adding the clsact qdisc",
            TcAction::Attach => "attaching",
            TcAction::Replace => "replacing",
            TcAction::Detach => "detaching",
        })
    }
}

/// What was being done, as the message of [`Error::Tc`](crate::Error::Tc)
/// begins: `attaching tc bpf filter priority 1 handle 0x1 to veth0 ingress`.
pub(crate) fn tc_subject(
    action: TcAction,
    iface: &str,
    direction: TcDirection,
    priority: u16,
    handle: u32,
) -> String {
    let filter = format!("tc bpf filter priority {priority} handle {handle:#x}");
    match action {
        TcAction::AddClsact => format!("{action} to {iface} (for {filter} on {direction})"),
        TcAction::Attach => format!("{action} {filter} to {iface} {direction}"),
        TcAction::Replace => format!("{action} {filter} on {iface} {direction}"),
        TcAction::Detach => format!("{action} {filter} from {iface} {direction}"),
    }
}

/// What to do about a refused tc request, as a `"; ..."` suffix.
pub(crate) fn tc_advice(
    action: TcAction,
    iface: &str,
    direction: TcDirection,
    priority: u16,
    handle: u32,
    errno: Errno,
) -> String {
    let show = format!("tc filter show dev {iface} {direction}");
    match (errno, action) {
        (Errno::EPERM, _) => "; changing qdiscs and filters needs CAP_NET_ADMIN (in the \
             interface's network namespace): run as root or grant it"
            .to_string(),
        (Errno::EEXIST, TcAction::AddClsact) => format!(
            "; another qdisc holds the hook clsact needs (tc qdisc show dev {iface} shows it, \
             e.g. an ingress qdisc): filters on ingress work on an ingress qdisc, egress needs \
             clsact (tc qdisc del dev {iface} ingress removes it and its filters)"
        ),
        (Errno::EEXIST, _) => format!(
            "; a filter with priority {priority} handle {handle:#x} is already on {iface} \
             {direction}: use replace (replace_tc) to swap its program, or pick another \
             priority or handle ({show} lists them)"
        ),
        (Errno::ENOENT, TcAction::Detach) => format!(
            "; no filter with priority {priority} handle {handle:#x} is on {iface} {direction} \
             ({show} lists them)"
        ),
        (Errno::EINVAL, TcAction::Attach | TcAction::Replace) => format!(
            "; the kernel refuses a filter name over 256 bytes, and a priority that already \
             holds filters of another kind or protocol ({show} lists them)"
        ),
        (Errno::ENODEV, _) => format!("; {iface} is gone"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subject_names_filter_and_hook() {
        let s = tc_subject(TcAction::Attach, "veth0", TcDirection::Ingress, 3, 0x10);
        assert_eq!(s, "attaching tc bpf filter priority 3 handle 0x10 to veth0 ingress");
        let s = tc_subject(TcAction::Detach, "eth0", TcDirection::Egress, 1, 1);
        assert_eq!(s, "detaching tc bpf filter priority 1 handle 0x1 from eth0 egress");
        let s = tc_subject(TcAction::AddClsact, "eth0", TcDirection::Egress, 1, 1);
        assert!(s.starts_with("adding the clsact qdisc to eth0"), "{s}");
    }

    #[test]
    fn advice_fits_the_refusal() {
        let eexist =
            tc_advice(TcAction::Attach, "veth0", TcDirection::Ingress, 2, 1, Errno::EEXIST);
        assert!(
            eexist.starts_with(
                "; a filter with priority 2 handle 0x1 is already on veth0 ingress: use replace"
            ),
            "{eexist}"
        );
        let eperm = tc_advice(TcAction::Detach, "veth0", TcDirection::Egress, 2, 1, Errno::EPERM);
        assert!(eperm.contains("CAP_NET_ADMIN"), "{eperm}");
        let gone = tc_advice(TcAction::Detach, "veth0", TcDirection::Egress, 2, 1, Errno::ENOENT);
        assert!(gone.contains("no filter with priority 2 handle 0x1 is on veth0 egress"));
        assert_eq!(tc_advice(TcAction::Attach, "x", TcDirection::Egress, 1, 1, Errno::EIO), "");
    }
}
