//! The network devices of a namespace, from one `RTM_GETLINK` dump: index,
//! name and XDP attachment of each, in the kernel's order.

use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::packet_route::link::{LinkAttribute, LinkMessage};

use super::dump::Dump;
use super::xdp_attachment::XdpAttachment;

/// A network device as a link dump (`RTM_GETLINK`) describes it. Get them
/// with [`Netlink::devices`](super::Netlink::devices) or
/// [`BlockingNetlink::devices`](super::BlockingNetlink::devices).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetDevice {
    /// The interface index.
    pub ifindex: u32,
    /// The interface name (`IFLA_IFNAME`), when the kernel sent one.
    pub name: Option<String>,
    /// The XDP programs attached to it, if any.
    pub xdp: Option<XdpAttachment>,
}

impl NetDevice {
    fn from_link(msg: &LinkMessage) -> NetDevice {
        // As in a parsed attribute table, the last copy of an attribute wins.
        let name = msg.attributes.iter().rev().find_map(|a| match a {
            LinkAttribute::IfName(name) => Some(name.clone()),
            _ => None,
        });
        NetDevice { ifindex: msg.header.index, name, xdp: XdpAttachment::from_link(msg) }
    }
}

/// The link dump every device query sends.
pub(crate) fn devices_dump() -> Dump {
    Dump {
        request: RouteNetlinkMessage::GetLink(LinkMessage::default()),
        what: "the interfaces (RTM_GETLINK)".into(),
    }
}

/// The devices a link dump answered, in dump order, or only the one with
/// index `only`.
pub(crate) fn devices_from(links: &[RouteNetlinkMessage], only: Option<u32>) -> Vec<NetDevice> {
    links
        .iter()
        .filter_map(|msg| match msg {
            RouteNetlinkMessage::NewLink(link) => Some(link),
            _ => None,
        })
        .filter(|link| only.is_none_or(|index| index == link.header.index))
        .map(NetDevice::from_link)
        .collect()
}

#[cfg(test)]
mod tests {
    use rtnetlink::packet_route::link::{LinkXdp, XdpAttached};

    use super::*;

    #[test]
    fn a_device_has_its_name_and_its_xdp_programs() {
        let mut msg = LinkMessage::default();
        msg.header.index = 7;
        msg.attributes.push(LinkAttribute::IfName("old".into()));
        msg.attributes.push(LinkAttribute::IfName("veth0".into()));
        let plain = NetDevice::from_link(&msg);
        assert_eq!(plain, NetDevice { ifindex: 7, name: Some("veth0".into()), xdp: None });
        msg.attributes.push(LinkAttribute::Xdp(vec![
            LinkXdp::Attached(XdpAttached::Driver),
            LinkXdp::ProgId(9),
        ]));
        let with_xdp = NetDevice::from_link(&msg);
        assert_eq!(with_xdp.xdp.map(|x| (x.ifindex, x.programs.len())), Some((7, 1)));
        assert_eq!(NetDevice::from_link(&LinkMessage::default()).name, None);
    }
}
