//! The pure parts of XDP over netlink: flags, the `IFLA_XDP` attributes of a
//! request, and the extended-ack message of an error. No socket here.

use rtnetlink::packet_route::link::{LinkAttribute, LinkXdp};

use crate::error::AttachPath;
use crate::sys::{Errno, XdpMode};

/// `XDP_FLAGS_UPDATE_IF_NOEXIST`: fail if a program is attached.
pub(crate) const UPDATE_IF_NOEXIST: u32 = 1 << 0;
/// `XDP_FLAGS_REPLACE`: replace only the program given by `IFLA_XDP_EXPECTED_FD`.
pub(crate) const REPLACE: u32 = 1 << 4;

/// What a `RTM_SETLINK` for XDP asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Request {
    /// Attach `fd`, refusing if anything is attached.
    Attach { fd: i32 },
    /// Attach `fd` over whatever is attached.
    Overwrite { fd: i32 },
    /// Attach `fd` (or detach, for -1) only if `expected` is attached.
    Replace { fd: i32, expected: i32 },
    /// Detach whatever is attached in this mode.
    Detach,
}

/// The `IFLA_XDP` nest of the request.
pub(crate) fn xdp_attribute(request: Request, mode: XdpMode) -> LinkAttribute {
    let (fd, flags, expected) = match request {
        Request::Attach { fd } => (fd, UPDATE_IF_NOEXIST, None),
        Request::Overwrite { fd } => (fd, 0, None),
        Request::Replace { fd, expected } => (fd, REPLACE, Some(expected)),
        Request::Detach => (-1, 0, None),
    };
    let mut nest = vec![LinkXdp::Fd(fd), LinkXdp::Flags(flags | mode.flags())];
    if let Some(expected) = expected {
        nest.push(LinkXdp::ExpectedFd(expected as u32));
    }
    LinkAttribute::Xdp(nest)
}

/// The extended-ack message (`NLMSGERR_ATTR_MSG`) of an error payload.
///
/// `payload` is what follows the error code: the request's 16-byte header
/// (the socket sets `NETLINK_CAP_ACK`, so the request body is not echoed),
/// then the TLV attributes.
pub(crate) fn extack_message(payload: &[u8]) -> Option<String> {
    const NLMSGHDR: usize = 16;
    const NLMSGERR_ATTR_MSG: u16 = 1;
    let mut rest = payload.get(NLMSGHDR..)?;
    while rest.len() >= 4 {
        let len = usize::from(u16::from_ne_bytes([rest[0], rest[1]]));
        let kind = u16::from_ne_bytes([rest[2], rest[3]]) & 0x3fff;
        if len < 4 || len > rest.len() {
            return None;
        }
        if kind == NLMSGERR_ATTR_MSG {
            let text = &rest[4..len];
            let end = text.iter().position(|b| *b == 0).unwrap_or(text.len());
            let msg = String::from_utf8_lossy(&text[..end]).trim().to_string();
            return (!msg.is_empty()).then_some(msg);
        }
        rest = rest.get(len.next_multiple_of(4)..).unwrap_or(&[]);
    }
    None
}

/// How the holder of an XDP hook attached, when the kernel's refusal
/// (its extended-ack message, `net/core/dev.c`) names it.
pub(crate) fn holder_named(message: &str) -> Option<AttachPath> {
    match message {
        "Can't replace active BPF XDP link" => Some(AttachPath::BpfLink),
        "XDP program already attached" | "Can't replace active XDP program with BPF link" => {
            Some(AttachPath::Netlink)
        }
        _ => None,
    }
}

/// The errno and extended-ack message of a failed request.
///
/// Never through rtnetlink's `Display`: its text for an unexpected message
/// is the message's `Debug`, and reaching it keeps the `Debug` code of
/// every rtnetlink message type in the binary (300 KB).
pub(crate) fn failure(e: rtnetlink::Error) -> (Errno, Option<String>) {
    let what = match e {
        rtnetlink::Error::NetlinkError(msg) => {
            return (Errno(msg.raw_code().abs()), extack_message(&msg.header));
        }
        rtnetlink::Error::UnexpectedMessage(_) => "an unexpected netlink message".to_string(),
        rtnetlink::Error::RequestFailed => "the netlink request failed".to_string(),
        rtnetlink::Error::NamespaceError(why) => format!("network namespace: {why}"),
        rtnetlink::Error::InvalidNla(why) => format!("an invalid netlink attribute: {why}"),
        _ => "a malformed address in a netlink message".to_string(),
    };
    (Errno::EIO, Some(what))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_told_without_the_message_s_debug_dump() {
        use rtnetlink::packet_core::NetlinkMessage;
        use rtnetlink::packet_route::RouteNetlinkMessage;
        use rtnetlink::packet_route::link::LinkMessage;
        let unexpected = rtnetlink::Error::UnexpectedMessage(NetlinkMessage::from(
            RouteNetlinkMessage::NewLink(LinkMessage::default()),
        ));
        assert_eq!(failure(unexpected), (Errno::EIO, Some("an unexpected netlink message".into())));
        let failed = failure(rtnetlink::Error::RequestFailed);
        assert_eq!(failed, (Errno::EIO, Some("the netlink request failed".into())));
        let nla = failure(rtnetlink::Error::InvalidNla("IFLA_XDP".into()));
        assert_eq!(nla.1.as_deref(), Some("an invalid netlink attribute: IFLA_XDP"));
    }

    fn nest(attr: LinkAttribute) -> Vec<LinkXdp> {
        match attr {
            LinkAttribute::Xdp(nest) => nest,
            other => panic!("not IFLA_XDP: {other:?}"),
        }
    }

    #[test]
    fn attach_refuses_to_clobber_by_default() {
        assert_eq!(
            nest(xdp_attribute(Request::Attach { fd: 7 }, XdpMode::Skb)),
            vec![LinkXdp::Fd(7), LinkXdp::Flags(UPDATE_IF_NOEXIST | 2)]
        );
    }

    #[test]
    fn replace_names_the_expected_program() {
        assert_eq!(
            nest(xdp_attribute(Request::Replace { fd: 8, expected: 7 }, XdpMode::Driver)),
            vec![LinkXdp::Fd(8), LinkXdp::Flags(REPLACE | 4), LinkXdp::ExpectedFd(7)]
        );
    }

    #[test]
    fn detach_sends_fd_minus_one() {
        assert_eq!(
            nest(xdp_attribute(Request::Detach, XdpMode::Auto)),
            vec![LinkXdp::Fd(-1), LinkXdp::Flags(0)]
        );
        assert_eq!(
            nest(xdp_attribute(Request::Overwrite { fd: 3 }, XdpMode::Hardware))[1],
            LinkXdp::Flags(8)
        );
    }

    #[test]
    fn the_kernel_s_refusal_names_the_holder() {
        assert_eq!(holder_named("Can't replace active BPF XDP link"), Some(AttachPath::BpfLink));
        assert_eq!(holder_named("XDP program already attached"), Some(AttachPath::Netlink));
        assert_eq!(holder_named("Native and generic XDP can't be active at the same time"), None);
    }

    #[test]
    fn extack_message_is_found_after_the_header() {
        let mut payload = vec![0u8; 16];
        // NLMSGERR_ATTR_OFFS (2) first, then the message (1).
        payload.extend_from_slice(&8u16.to_ne_bytes());
        payload.extend_from_slice(&2u16.to_ne_bytes());
        payload.extend_from_slice(&40u32.to_ne_bytes());
        let text = b"native XDP is not supported\0";
        payload.extend_from_slice(&((4 + text.len()) as u16).to_ne_bytes());
        payload.extend_from_slice(&1u16.to_ne_bytes());
        payload.extend_from_slice(text);
        assert_eq!(extack_message(&payload).as_deref(), Some("native XDP is not supported"));
        assert_eq!(extack_message(&payload[..16]), None);
        assert_eq!(extack_message(&[]), None);
        // A length running past the end is not trusted.
        let mut bad = vec![0u8; 16];
        bad.extend_from_slice(&200u16.to_ne_bytes());
        bad.extend_from_slice(&1u16.to_ne_bytes());
        assert_eq!(extack_message(&bad), None);
    }
}
