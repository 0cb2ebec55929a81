//! The XDP programs of one interface, read from the `IFLA_XDP` nest of an
//! `RTM_NEWLINK` dump message (as `bpftool net show` reads it too).

use rtnetlink::packet_route::link::{LinkAttribute, LinkMessage, LinkXdp, XdpAttached};

use crate::sys::XdpMode;

/// The XDP attachment of one interface, as a link dump reports it: see
/// [`NetDevice::xdp`](super::NetDevice::xdp).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XdpAttachment {
    /// The interface index.
    pub ifindex: u32,
    /// The interface name (`IFLA_IFNAME`), when the kernel sent one.
    pub devname: Option<String>,
    /// Whether the kernel reported programs in several modes at once
    /// (`XDP_ATTACHED_MULTI`, e.g. generic and offloaded); bpftool, for one,
    /// lists them under `multi_attachments` then.
    pub multi: bool,
    /// The attached programs: one, or with [`multi`](Self::multi) one per
    /// mode in the order generic, driver, offload. Empty only when the kernel
    /// reports an attachment mode this crate does not know.
    pub programs: Vec<XdpProgram>,
}

/// One attached XDP program and the mode it runs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct XdpProgram {
    /// [`XdpMode::Skb`] (generic), [`XdpMode::Driver`] (native) or
    /// [`XdpMode::Hardware`] (offload); never [`XdpMode::Auto`].
    pub mode: XdpMode,
    /// The program's id.
    pub id: u32,
}

impl XdpAttachment {
    /// The attachment in a link dump message, or `None` when the interface
    /// has no XDP program (no `IFLA_XDP`, no `IFLA_XDP_ATTACHED`, or
    /// `XDP_ATTACHED_NONE`).
    pub(crate) fn from_link(msg: &LinkMessage) -> Option<XdpAttachment> {
        // As in a parsed attribute table, the last copy of an attribute wins.
        let nest = msg.attributes.iter().rev().find_map(|a| match a {
            LinkAttribute::Xdp(nest) => Some(nest),
            _ => None,
        })?;
        let devname = msg.attributes.iter().rev().find_map(|a| match a {
            LinkAttribute::IfName(name) => Some(name.clone()),
            _ => None,
        });
        let last = |pick: fn(&LinkXdp) -> Option<u32>| nest.iter().rev().find_map(pick);
        let attached = nest.iter().rev().find_map(|a| match a {
            LinkXdp::Attached(mode) => Some(*mode),
            _ => None,
        })?;
        let prog_id = last(|a| match a {
            LinkXdp::ProgId(id) => Some(*id),
            _ => None,
        });
        let one = |mode| prog_id.map(|id| XdpProgram { mode, id }).into_iter().collect();
        let (multi, programs) = match attached {
            XdpAttached::None => return None,
            XdpAttached::SocketBuffer => (false, one(XdpMode::Skb)),
            XdpAttached::Driver => (false, one(XdpMode::Driver)),
            XdpAttached::Hardware => (false, one(XdpMode::Hardware)),
            XdpAttached::Multiple => {
                let per_mode = [
                    (
                        XdpMode::Skb,
                        last(|a| match a {
                            LinkXdp::SkbProgId(id) => Some(*id),
                            _ => None,
                        }),
                    ),
                    (
                        XdpMode::Driver,
                        last(|a| match a {
                            LinkXdp::DrvProgId(id) => Some(*id),
                            _ => None,
                        }),
                    ),
                    (
                        XdpMode::Hardware,
                        last(|a| match a {
                            LinkXdp::HwProgId(id) => Some(*id),
                            _ => None,
                        }),
                    ),
                ];
                let programs = per_mode
                    .into_iter()
                    .filter_map(|(mode, id)| id.map(|id| XdpProgram { mode, id }))
                    .collect();
                (true, programs)
            }
            _ => (false, Vec::new()),
        };
        Some(XdpAttachment { ifindex: msg.header.index, devname, multi, programs })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(index: u32, name: &str, xdp: Vec<LinkXdp>) -> LinkMessage {
        let mut msg = LinkMessage::default();
        msg.header.index = index;
        msg.attributes.push(LinkAttribute::IfName(name.into()));
        msg.attributes.push(LinkAttribute::Xdp(xdp));
        msg
    }

    #[test]
    fn one_program_takes_the_mode_of_the_attachment() {
        let msg = link(
            3,
            "veth0",
            vec![LinkXdp::Attached(XdpAttached::SocketBuffer), LinkXdp::ProgId(42)],
        );
        let att = XdpAttachment::from_link(&msg).unwrap();
        assert_eq!(att.ifindex, 3);
        assert_eq!(att.devname.as_deref(), Some("veth0"));
        assert!(!att.multi);
        assert_eq!(att.programs, [XdpProgram { mode: XdpMode::Skb, id: 42 }]);
        let msg = link(4, "eth0", vec![LinkXdp::Attached(XdpAttached::Driver), LinkXdp::ProgId(7)]);
        assert_eq!(
            XdpAttachment::from_link(&msg).unwrap().programs,
            [XdpProgram { mode: XdpMode::Driver, id: 7 }]
        );
    }

    #[test]
    fn several_modes_are_listed_generic_driver_offload() {
        let msg = link(
            2,
            "nsim0",
            vec![
                LinkXdp::Attached(XdpAttached::Multiple),
                LinkXdp::HwProgId(9),
                LinkXdp::SkbProgId(8),
            ],
        );
        let att = XdpAttachment::from_link(&msg).unwrap();
        assert!(att.multi);
        assert_eq!(
            att.programs,
            [
                XdpProgram { mode: XdpMode::Skb, id: 8 },
                XdpProgram { mode: XdpMode::Hardware, id: 9 }
            ]
        );
    }

    #[test]
    fn nothing_attached_is_no_attachment() {
        let none = link(1, "lo", vec![LinkXdp::Attached(XdpAttached::None)]);
        assert_eq!(XdpAttachment::from_link(&none), None);
        assert_eq!(XdpAttachment::from_link(&link(1, "lo", vec![])), None);
        assert_eq!(XdpAttachment::from_link(&LinkMessage::default()), None);
        // A mode from a newer kernel is still an attachment, without programs.
        let odd = link(5, "x", vec![LinkXdp::Attached(XdpAttached::Other(9))]);
        assert_eq!(XdpAttachment::from_link(&odd).unwrap().programs, []);
    }
}
