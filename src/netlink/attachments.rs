//! Every network attachment `bpftool net show` lists: XDP programs from a
//! link dump, tc BPF filters from class, qdisc and filter dumps per device,
//! and the namespace's flow dissector.
//!
//! The requests are bpftool's, in bpftool's order, so that what is listed
//! (including its quirks, such as a filter listed under both `ingress` and
//! `clsact/ingress` on an ingress qdisc) is what bpftool lists.

use futures_util::StreamExt;
use rtnetlink::Handle;
use rtnetlink::packet_core::{NLM_F_DUMP, NLM_F_REQUEST, NetlinkMessage, NetlinkPayload};
use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::packet_route::link::{LinkAttribute, LinkMessage};
use rtnetlink::packet_route::tc::{TcHandle, TcMessage};

use super::flow_dissector::flow_dissector_id;
use super::message::extack_message;
use super::tc_attachment::{TcAttachment, TcHook};
use super::xdp_attachment::XdpAttachment;
use crate::object::Interface;
use crate::{Errno, Error, Result};

/// The BPF programs attached to the network devices and namespace of the
/// caller, as `bpftool net show` lists them. Get it with
/// [`Netlink::attachments`](super::Netlink::attachments) or
/// [`BlockingNetlink::attachments`](super::BlockingNetlink::attachments).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetAttachments {
    /// The interfaces with an XDP program, in the kernel's dump order.
    pub xdp: Vec<XdpAttachment>,
    /// The tc BPF filters, device by device in the kernel's dump order.
    pub tc: Vec<TcAttachment>,
    /// The flow dissector program of the namespace (never filtered by
    /// device).
    pub flow_dissector: Option<u32>,
    /// Devices whose tc dump failed part way: their filters found before
    /// the failure are in [`tc`](Self::tc), the rest are missing. bpftool
    /// skips such failures silently; they are kept here for callers that
    /// care.
    pub tc_failures: Vec<TcDumpFailure>,
}

/// A tc dump that failed for one device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcDumpFailure {
    /// The interface index.
    pub ifindex: u32,
    /// The interface name.
    pub devname: String,
    /// What was being dumped: `classes`, `qdiscs` or `filters of <hook>`.
    pub what: String,
    /// The kernel's error number.
    pub errno: Errno,
}

/// A device as the link dump named it.
struct Device {
    ifindex: u32,
    devname: String,
}

/// Collects the attachments, of the device `only` alone when given (its
/// flow dissector is the namespace's all the same).
pub(crate) async fn collect(handle: &Handle, only: Option<Interface>) -> Result<NetAttachments> {
    let only = only.map(|iface| iface.index()).transpose()?;
    let flow_dissector = flow_dissector_id()?;
    let links = dump(handle, RouteNetlinkMessage::GetLink(LinkMessage::default()))
        .await
        .map_err(|(errno, message)| dump_error("the interfaces (RTM_GETLINK)", errno, message))?;
    let mut devices = Vec::new();
    let mut xdp = Vec::new();
    for msg in links {
        let RouteNetlinkMessage::NewLink(link) = msg else { continue };
        if only.is_some_and(|index| index != link.header.index) {
            continue;
        }
        let devname = link.attributes.iter().rev().find_map(|a| match a {
            LinkAttribute::IfName(name) => Some(name.clone()),
            _ => None,
        });
        devices.push(Device { ifindex: link.header.index, devname: devname.unwrap_or_default() });
        xdp.extend(XdpAttachment::from_link(&link));
    }
    let mut tc = Vec::new();
    let mut tc_failures = Vec::new();
    for device in &devices {
        if let Err((what, errno)) = tc_of(handle, device, &mut tc).await {
            tc_failures.push(TcDumpFailure {
                ifindex: device.ifindex,
                devname: device.devname.clone(),
                what,
                errno,
            });
        }
    }
    Ok(NetAttachments { xdp, tc, flow_dissector, tc_failures })
}

/// Appends the BPF filters of `device` to `out`; on a failed dump, stops
/// there and says which dump failed.
async fn tc_of(
    handle: &Handle,
    device: &Device,
    out: &mut Vec<TcAttachment>,
) -> std::result::Result<(), (String, Errno)> {
    let request = |parent: u32| {
        let mut msg = TcMessage::default();
        msg.header.index = device.ifindex as i32;
        msg.header.parent = TcHandle::from(parent);
        msg
    };
    let tc_messages = |msgs: Vec<RouteNetlinkMessage>| -> Vec<TcMessage> {
        msgs.into_iter()
            .filter_map(|m| match m {
                RouteNetlinkMessage::NewTrafficClass(m)
                | RouteNetlinkMessage::NewQueueDiscipline(m)
                | RouteNetlinkMessage::NewTrafficFilter(m) => Some(m),
                _ => None,
            })
            .collect()
    };
    let classes = dump(handle, RouteNetlinkMessage::GetTrafficClass(request(0)))
        .await
        .map_err(|(errno, _)| ("classes".to_string(), errno))?;
    let qdiscs = dump(handle, RouteNetlinkMessage::GetQueueDiscipline(request(0)))
        .await
        .map_err(|(errno, _)| ("qdiscs".to_string(), errno))?;
    for hook in TcHook::list(&tc_messages(classes), &tc_messages(qdiscs)) {
        let filters = dump(handle, RouteNetlinkMessage::GetTrafficFilter(request(hook.parent())))
            .await
            .map_err(|(errno, _)| (format!("filters of {hook}"), errno))?;
        out.extend(
            tc_messages(filters).iter().filter_map(|f| {
                TcAttachment::from_filter(f, &hook, &device.devname, device.ifindex)
            }),
        );
    }
    Ok(())
}

/// Sends `request` as a dump and collects the answers, or the errno (and
/// extended-ack message) the kernel failed it with.
async fn dump(
    handle: &Handle,
    request: RouteNetlinkMessage,
) -> std::result::Result<Vec<RouteNetlinkMessage>, (Errno, Option<String>)> {
    let mut req = NetlinkMessage::from(request);
    req.header.flags = NLM_F_REQUEST | NLM_F_DUMP;
    let mut handle = handle.clone();
    let mut answers = handle.request(req).map_err(|e| (Errno::EIO, Some(e.to_string())))?;
    let mut out = Vec::new();
    while let Some(msg) = answers.next().await {
        match msg.payload {
            NetlinkPayload::InnerMessage(inner) => out.push(inner),
            NetlinkPayload::Error(err) if err.raw_code() != 0 => {
                return Err((Errno(err.raw_code().abs()), extack_message(&err.header)));
            }
            // A dump that fails part way ends with the error in its DONE.
            NetlinkPayload::Done(done) if done.code < 0 => return Err((Errno(-done.code), None)),
            _ => {}
        }
    }
    Ok(out)
}

fn dump_error(what: &str, errno: Errno, message: Option<String>) -> Error {
    let message = message.map(|m| format!(" (the kernel says \"{m}\")")).unwrap_or_default();
    Error::Io {
        what: format!("dumping {what} over netlink{message}"),
        source: std::io::Error::from_raw_os_error(errno.0),
    }
}
