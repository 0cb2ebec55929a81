//! What an XDP attach was doing, and what to do when the kernel refuses it.
//!
//! The kernel refuses to attach over an XDP program in two ways that need
//! opposite remedies. A program attached over netlink (`ip link`, bpftool
//! `net attach`, `BlockingNetlink`) goes with `ip link set dev IFACE
//! xdpgeneric off`; one held by a `bpf_link` cannot be detached or replaced
//! over netlink at all (the kernel says "Can't replace active BPF XDP link"),
//! only by closing the link: ending the process that holds its fd and
//! removing its pins, or `bpftool link detach`. [`XdpHolder`] says which, so
//! the error can give the remedy that works.

use std::fmt;

use crate::sys::{Errno, XdpMode};

/// What an XDP attach, replace, detach or query was doing when it failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AttachAction {
    /// Attaching a program.
    Attach,
    /// Replacing the attached program with another.
    Replace,
    /// Detaching the attached program.
    Detach,
    /// Asking what is attached.
    Query,
}

impl AttachAction {
    /// The verb as the error message spells it: `attaching`, `replacing`,
    /// `detaching`, `querying`.
    pub fn as_str(self) -> &'static str {
        match self {
            AttachAction::Attach => "attaching",
            AttachAction::Replace => "replacing",
            AttachAction::Detach => "detaching",
            AttachAction::Query => "querying",
        }
    }
}

impl fmt::Display for AttachAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a program is (or was to be) attached to an XDP hook.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AttachPath {
    /// Over rtnetlink (`RTM_SETLINK` with `IFLA_XDP`): the attachment
    /// outlives the process.
    Netlink,
    /// Through a `bpf_link` (`BPF_LINK_CREATE`): detached when the link's
    /// last fd closes and its pins are removed.
    BpfLink,
}

impl AttachPath {
    /// `netlink` or `bpf_link`.
    pub fn as_str(self) -> &'static str {
        match self {
            AttachPath::Netlink => "netlink",
            AttachPath::BpfLink => "bpf_link",
        }
    }
}

impl fmt::Display for AttachPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What holds an interface's XDP hook, found when the kernel refused to
/// attach, replace or detach there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum XdpHolder {
    /// A `bpf_link` holds the program: netlink can neither detach nor
    /// replace it. It goes when the link closes (the process holding its
    /// fd ends and its pins are removed), or at once with `bpftool link
    /// detach id LINK_ID`; [`XdpLink::update`](crate::link::XdpLink::update) on
    /// that link replaces its program.
    Link {
        /// The link's id.
        link_id: u32,
        /// The id of the program it holds.
        prog_id: u32,
    },
    /// A program attached over netlink, without a link: `ip link set dev
    /// IFACE xdpgeneric off` (`xdpdrv`, `xdpoffload` for the other modes)
    /// detaches it.
    Netlink {
        /// The program's id, when the hook could be read (feature
        /// `netlink`).
        prog_id: Option<u32>,
        /// The mode it runs in, when the hook could be read.
        mode: Option<XdpMode>,
    },
}

impl XdpHolder {
    /// How the holder attached.
    pub fn path(&self) -> AttachPath {
        match self {
            XdpHolder::Link { .. } => AttachPath::BpfLink,
            XdpHolder::Netlink { .. } => AttachPath::Netlink,
        }
    }
}

/// The `ip link` keyword that names an XDP mode: `ip link set dev IFACE
/// xdp off` detaches in the mode the kernel picks by itself (native, on a
/// driver with XDP support), so it leaves a generic-mode program in place.
fn ip_link_keyword(mode: XdpMode) -> &'static str {
    match mode {
        XdpMode::Skb => "xdpgeneric",
        XdpMode::Driver => "xdpdrv",
        XdpMode::Hardware => "xdpoffload",
        XdpMode::Auto => "xdp",
    }
}

/// What to do about a failed XDP attach, replace, detach or query, as a
/// `"; ..."` suffix of [`Error::Attach`](crate::Error::Attach)'s message.
pub(crate) fn attach_advice(
    action: AttachAction,
    via: AttachPath,
    errno: Errno,
    iface: &str,
    holder: Option<XdpHolder>,
) -> String {
    let expectation = matches!(action, AttachAction::Replace | AttachAction::Detach);
    match (errno, holder) {
        // Whatever was tried, only closing the link frees the hook.
        (Errno::EBUSY | Errno::EEXIST, Some(XdpHolder::Link { link_id, prog_id })) => format!(
            "; program id {prog_id} is held on {iface} by bpf_link id {link_id}, which neither \
             netlink nor another link can detach or replace: close the link (end the process \
             that holds it and remove its pins, or run `bpftool link detach id {link_id}`), or \
             swap its program through the link (XdpLink::update)"
        ),
        (Errno::EEXIST, Some(XdpHolder::Netlink { prog_id: Some(prog_id), mode: Some(mode) }))
            if expectation =>
        {
            format!(
                "; the attached program is not the one expected: program id {prog_id} is \
                 attached to {iface} in {mode} mode"
            )
        }
        // A link update or a netlink replace names a program that is not attached.
        (Errno::EPERM | Errno::EEXIST | Errno::ENOENT, _) if expectation => {
            "; the attached program is not the one expected: query what is attached first"
                .to_string()
        }
        (Errno::EBUSY | Errno::EEXIST, Some(XdpHolder::Netlink { prog_id, mode })) => {
            let what = match prog_id {
                Some(id) => format!("program id {id}"),
                None => "an XDP program".to_string(),
            };
            let (how, off) = match mode {
                Some(mode) => (
                    format!(" in {mode} mode"),
                    format!("ip link set dev {iface} {} off", ip_link_keyword(mode)),
                ),
                None => (
                    String::new(),
                    format!(
                        "ip link set dev {iface} xdpgeneric off, or xdpdrv or xdpoffload for a \
                         native or offloaded program: ip link show dev {iface} says which"
                    ),
                ),
            };
            let then = match (via, mode) {
                (AttachPath::BpfLink, _) => ", then attach the link".to_string(),
                (AttachPath::Netlink, Some(mode)) => format!(", or replace it in {mode} mode"),
                (AttachPath::Netlink, None) => ", or replace it explicitly".to_string(),
            };
            format!("; {what} is attached to {iface} over netlink{how}: detach it ({off}){then}")
        }
        (Errno::EBUSY | Errno::EEXIST, None) => format!(
            "; another XDP program is attached to {iface} (or to a device above it; ip link show \
             dev {iface} shows it): one attached over netlink goes with ip link set dev {iface} \
             xdpgeneric off (xdpdrv or xdpoffload for a native or offloaded one), one held by a \
             bpf_link (bpftool link lists them) when the link is closed"
        ),
        (Errno::EOPNOTSUPP | Errno::ENOTSUPP, _) => {
            "; the driver does not support this mode: use skb (generic) mode".to_string()
        }
        (Errno::EPERM, _) => {
            "; attaching XDP needs CAP_NET_ADMIN (and CAP_BPF): run as root".to_string()
        }
        (Errno::ENODEV, _) => format!("; {iface} is gone"),
        (Errno::ENOENT, _) => "; the program to replace is not the one attached".to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_as_before() {
        assert_eq!(AttachAction::Replace.to_string(), "replacing");
        assert_eq!(AttachAction::Query.as_str(), "querying");
        assert_eq!(AttachPath::BpfLink.to_string(), "bpf_link");
        assert_eq!(AttachPath::Netlink.to_string(), "netlink");
    }
    #[test]
    fn ip_link_names_the_mode() {
        assert_eq!(ip_link_keyword(XdpMode::Skb), "xdpgeneric");
        assert_eq!(ip_link_keyword(XdpMode::Driver), "xdpdrv");
        assert_eq!(ip_link_keyword(XdpMode::Hardware), "xdpoffload");
    }

    #[test]
    fn holders_say_how_they_attached() {
        assert_eq!(XdpHolder::Link { link_id: 1, prog_id: 2 }.path(), AttachPath::BpfLink);
        assert_eq!(XdpHolder::Netlink { prog_id: None, mode: None }.path(), AttachPath::Netlink);
    }
}
