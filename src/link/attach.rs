//! What an XDP attach was, and who holds the hook when the kernel refuses it.
//!
//! The kernel refuses to attach over an XDP program in two ways that need
//! opposite remedies. A program attached over netlink (`ip link`, bpftool
//! `net attach`, [`BlockingNetlink`](crate::netlink::BlockingNetlink)) goes
//! with `ip link set dev IFACE xdpgeneric off`; one held by a `bpf_link`
//! cannot be detached or replaced over netlink at all (the kernel says
//! "Can't replace active BPF XDP link"), only by closing the link: ending the
//! process that holds its fd and removing its pins, or `bpftool link detach`.
//! [`XdpHolder`] says which, so the error can give the remedy that works.
//!
//! Finding it takes two reads. rtnetlink says which programs the hook holds,
//! in which mode; the id walk of links says which of them a `bpf_link`
//! holds. An XDP link names its interface by index only, and indexes repeat
//! across network namespaces (every test namespace here has an index 2), so
//! a link on "this index" may be on another namespace's interface: only its
//! program id, matched against what rtnetlink reports, ties it to this hook.
//! Without the `netlink` feature the hook cannot be read; the walk then only
//! proves the negative (no XDP link anywhere has this index).

use std::fmt;

use super::XdpMode;
use super::info::{LinkInfo, LinkTarget, link_ids};
use crate::error::{Errno, Result};

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
    /// detach id LINK_ID`; [`XdpLink::update`](super::XdpLink::update) on
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

/// Who holds the XDP hook of interface `ifindex` (in the caller's network
/// namespace).
///
/// `attached` is what rtnetlink reports the hook holds, (mode, program id),
/// or `None` when it could not be read; `kernel_says` is the holder's kind
/// when the kernel's extended ack named it. `None` when it cannot be told.
pub(crate) fn find_holder(
    ifindex: u32,
    attached: Option<&[(XdpMode, u32)]>,
    kernel_says: Option<AttachPath>,
) -> Option<XdpHolder> {
    let links = xdp_links_on(ifindex).ok()?;
    resolve(&links, attached, kernel_says)
}

/// [`find_holder`] once the links are read: `links` are the (link id,
/// program id) of the XDP links on an interface with the hook's index.
fn resolve(
    links: &[(u32, u32)],
    attached: Option<&[(XdpMode, u32)]>,
    kernel_says: Option<AttachPath>,
) -> Option<XdpHolder> {
    let Some(attached) = attached else {
        // The hook is unreadable: a link with this index may be another
        // namespace's, so only the absence of any is conclusive.
        return (links.is_empty() && kernel_says != Some(AttachPath::BpfLink))
            .then_some(XdpHolder::Netlink { prog_id: None, mode: None });
    };
    let held = |&(mode, prog_id): &(XdpMode, u32)| {
        let link = links.iter().find(|&&(_, p)| p == prog_id);
        match (link, kernel_says) {
            (Some(&(link_id, _)), None | Some(AttachPath::BpfLink)) => {
                Some(XdpHolder::Link { link_id, prog_id })
            }
            (_, None | Some(AttachPath::Netlink)) => {
                Some(XdpHolder::Netlink { prog_id: Some(prog_id), mode: Some(mode) })
            }
            (None, Some(AttachPath::BpfLink)) => None,
        }
    };
    // A link first: of two holders (generic and offloaded), it is the one
    // netlink cannot move.
    let all: Vec<XdpHolder> = attached.iter().filter_map(held).collect();
    all.iter().find(|h| h.path() == AttachPath::BpfLink).or(all.first()).copied()
}

/// The (link id, program id) of the XDP links whose interface has index
/// `ifindex`, in any namespace.
fn xdp_links_on(ifindex: u32) -> Result<Vec<(u32, u32)>> {
    let mut out = Vec::new();
    for id in link_ids() {
        match LinkInfo::by_id(id?) {
            Ok(info) if info.target == (LinkTarget::Xdp { ifindex }) => {
                out.push((info.id, info.prog_id))
            }
            Ok(_) => {}
            // Closed between the walk and the open (`ENOENT`), or still
            // being set up by another thread (`EAGAIN`: the kernel hands
            // out no fd to a link with an id but no attachment yet).
            Err(e) if matches!(e.errno(), Some(Errno::ENOENT | Errno::EAGAIN)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// The programs on the XDP hook of `ifindex`, as rtnetlink reports them.
///
/// The one place the link layer asks the netlink layer: only rtnetlink can
/// read an XDP hook. It runs on a thread of its own, which starts in the
/// caller's network namespace and outside any async runtime the caller is
/// in (where [`BlockingNetlink`](crate::netlink::BlockingNetlink) refuses to
/// run).
#[cfg(feature = "netlink")]
pub(super) fn hook_programs(ifindex: u32) -> Option<Vec<(XdpMode, u32)>> {
    std::thread::scope(|s| {
        s.spawn(|| {
            let nl = crate::netlink::BlockingNetlink::new().ok()?;
            nl.query_xdp(super::Interface::Index(ifindex)).ok().map(|s| s.attached())
        })
        .join()
        .ok()
        .flatten()
    })
}

/// Without the `netlink` feature the hook cannot be read.
#[cfg(not(feature = "netlink"))]
pub(super) fn hook_programs(_ifindex: u32) -> Option<Vec<(XdpMode, u32)>> {
    None
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

    const SKB: XdpMode = XdpMode::Skb;

    #[test]
    fn a_link_holds_the_hook_when_it_holds_the_attached_program() {
        // Link 7 holds program 40 on this index; link 8 (program 50) is on
        // another namespace's interface with the same index.
        let links = [(7, 40), (8, 50)];
        let link = Some(XdpHolder::Link { link_id: 7, prog_id: 40 });
        assert_eq!(resolve(&links, Some(&[(SKB, 40)]), None), link);
        assert_eq!(resolve(&links, Some(&[(SKB, 40)]), Some(AttachPath::BpfLink)), link);
        let netlink = Some(XdpHolder::Netlink { prog_id: Some(60), mode: Some(SKB) });
        assert_eq!(resolve(&links, Some(&[(SKB, 60)]), None), netlink);
        // Of a generic and an offloaded program, the link's is named.
        let two = [(SKB, 60), (XdpMode::Hardware, 40)];
        assert_eq!(resolve(&links, Some(&two), None), link);
    }

    #[test]
    fn the_kernel_s_word_wins_over_a_coincidence() {
        // The same program held by a link elsewhere, attached here over netlink.
        let links = [(7, 40)];
        let netlink = Some(XdpHolder::Netlink { prog_id: Some(40), mode: Some(SKB) });
        assert_eq!(resolve(&links, Some(&[(SKB, 40)]), Some(AttachPath::Netlink)), netlink);
        // The kernel says a link, but none is found: unknown.
        assert_eq!(resolve(&[], Some(&[(SKB, 40)]), Some(AttachPath::BpfLink)), None);
        // Nothing on the hook itself (the holder is an upper device): unknown.
        assert_eq!(resolve(&links, Some(&[]), None), None);
    }

    #[test]
    fn an_unreadable_hook_is_known_only_when_no_link_has_the_index() {
        let unknown = Some(XdpHolder::Netlink { prog_id: None, mode: None });
        assert_eq!(resolve(&[], None, None), unknown);
        assert_eq!(resolve(&[(7, 40)], None, None), None);
        assert_eq!(resolve(&[], None, Some(AttachPath::BpfLink)), None);
    }

    fn taken(via: AttachPath, errno: Errno, holder: Option<XdpHolder>) -> String {
        crate::Error::Attach {
            action: AttachAction::Attach,
            iface: "eth0".into(),
            via,
            mode: XdpMode::Skb,
            errno,
            message: None,
            holder,
        }
        .to_string()
    }

    #[test]
    fn a_taken_hook_is_freed_the_way_its_holder_attached() {
        let link = Some(XdpHolder::Link { link_id: 7, prog_id: 40 });
        let text = taken(AttachPath::Netlink, Errno::EBUSY, link);
        assert!(text.starts_with("attaching the XDP program of eth0 (netlink, skb mode) failed"));
        assert!(text.contains("held on eth0 by bpf_link id 7"), "{text}");
        assert!(text.contains("`bpftool link detach id 7`"), "{text}");
        assert!(!text.contains("ip link"), "{text}");
        let native = Some(XdpHolder::Netlink { prog_id: Some(40), mode: Some(XdpMode::Driver) });
        let text = taken(AttachPath::BpfLink, Errno::EEXIST, native);
        assert!(
            text.ends_with(
                "; program id 40 is attached to eth0 over netlink in drv mode: detach it \
                 (ip link set dev eth0 xdpdrv off), then attach the link"
            ),
            "{text}"
        );
        let unread = Some(XdpHolder::Netlink { prog_id: None, mode: None });
        let text = taken(AttachPath::BpfLink, Errno::EBUSY, unread);
        assert!(text.contains("; an XDP program is attached to eth0 over netlink: detach it"));
        assert!(text.contains("ip link show dev eth0 says which"), "{text}");
        let text = taken(AttachPath::Netlink, Errno::EBUSY, None);
        assert!(text.contains("ip link set dev eth0 xdpgeneric off"), "{text}");
        assert!(text.contains("when the link is closed"), "{text}");
    }

    #[test]
    fn holders_say_how_they_attached() {
        assert_eq!(XdpHolder::Link { link_id: 1, prog_id: 2 }.path(), AttachPath::BpfLink);
        assert_eq!(XdpHolder::Netlink { prog_id: None, mode: None }.path(), AttachPath::Netlink);
    }
}
