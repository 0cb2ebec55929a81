//! What `IFLA_XDP` says is attached to an interface.

use rtnetlink::packet_route::link::{LinkAttribute, LinkMessage, LinkXdp, XdpAttached};

use crate::sys::XdpMode;

/// The XDP programs attached to an interface, as netlink reports them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct XdpStatus {
    /// The id of the attached program, when exactly one is attached.
    pub prog_id: Option<u32>,
    /// Its mode, when exactly one is attached.
    pub mode: Option<XdpMode>,
    /// The program attached in generic (skb) mode.
    pub skb_prog_id: Option<u32>,
    /// The program attached in native (driver) mode.
    pub drv_prog_id: Option<u32>,
    /// The program attached in offload (hardware) mode.
    pub hw_prog_id: Option<u32>,
}

impl XdpStatus {
    /// Whether no XDP program is attached.
    pub fn is_empty(&self) -> bool {
        self.prog_id.is_none()
            && self.skb_prog_id.is_none()
            && self.drv_prog_id.is_none()
            && self.hw_prog_id.is_none()
    }

    /// Every (mode, program id) attached.
    pub fn attached(&self) -> Vec<(XdpMode, u32)> {
        let mut out = Vec::new();
        let modes = [
            (XdpMode::Skb, self.skb_prog_id),
            (XdpMode::Driver, self.drv_prog_id),
            (XdpMode::Hardware, self.hw_prog_id),
        ];
        for (mode, id) in modes {
            if let Some(id) = id {
                out.push((mode, id));
            }
        }
        if out.is_empty() {
            if let (Some(id), Some(mode)) = (self.prog_id, self.mode) {
                out.push((mode, id));
            }
        }
        out
    }

    pub(crate) fn from_message(msg: &LinkMessage) -> XdpStatus {
        let mut status = XdpStatus::default();
        let Some(nest) = msg.attributes.iter().find_map(|a| match a {
            LinkAttribute::Xdp(nest) => Some(nest),
            _ => None,
        }) else {
            return status;
        };
        let nonzero = |id: u32| (id != 0).then_some(id);
        for attr in nest {
            match attr {
                LinkXdp::Attached(XdpAttached::SocketBuffer) => status.mode = Some(XdpMode::Skb),
                LinkXdp::Attached(XdpAttached::Driver) => status.mode = Some(XdpMode::Driver),
                LinkXdp::Attached(XdpAttached::Hardware) => status.mode = Some(XdpMode::Hardware),
                LinkXdp::ProgId(id) => status.prog_id = nonzero(*id),
                LinkXdp::SkbProgId(id) => status.skb_prog_id = nonzero(*id),
                LinkXdp::DrvProgId(id) => status.drv_prog_id = nonzero(*id),
                LinkXdp::HwProgId(id) => status.hw_prog_id = nonzero(*id),
                _ => {}
            }
        }
        // With one program attached the kernel sends only PROG_ID and ATTACHED.
        if let (Some(id), Some(mode)) = (status.prog_id, status.mode) {
            match mode {
                XdpMode::Skb => status.skb_prog_id = status.skb_prog_id.or(Some(id)),
                XdpMode::Driver => status.drv_prog_id = status.drv_prog_id.or(Some(id)),
                XdpMode::Hardware => status.hw_prog_id = status.hw_prog_id.or(Some(id)),
                XdpMode::Auto => {}
            }
        }
        status
    }
}
