//! Who holds an interface's XDP hook, when the kernel refused to attach
//! there: the link layer and the netlink layer both ask.
//!
//! Finding it takes two reads. rtnetlink says which programs the hook holds,
//! in which mode (the caller reads that); the id walk of links says which of
//! them a `bpf_link` holds. An XDP link names its interface by index only,
//! and indexes repeat across network namespaces (every test namespace here
//! has an index 2), so a link on "this index" may be on another namespace's
//! interface: only its program id, matched against what rtnetlink reports,
//! ties it to this hook. Without the hook's contents the walk only proves
//! the negative (no XDP link anywhere has this index).

use std::os::fd::AsFd;

use super::{ids, open_by_id};
use crate::error::{AttachPath, XdpHolder};
use crate::sys::{self, Cmd, ObjectKind, XdpMode};
use crate::{Errno, Error, Result};

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
    for id in ids(ObjectKind::Link) {
        let info = open_by_id(ObjectKind::Link, id?).and_then(|fd| {
            sys::obj::link_info(fd.as_fd()).map_err(|e| Error::syscall(Cmd::ObjGetInfoByFd, e))
        });
        match info {
            Ok(raw) if raw.xdp_ifindex() == Some(ifindex) => out.push((raw.id, raw.prog_id)),
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
