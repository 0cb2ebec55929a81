//! One rtnetlink dump request: send it with `NLM_F_DUMP`, collect every
//! answer, and turn a kernel refusal (at once or part way) into an
//! [`Error`] that says what was being dumped; and one acked request, whose
//! refusal its caller turns into an error.

use futures_util::StreamExt;
use rtnetlink::Handle;
use rtnetlink::packet_core::{
    NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST, NetlinkMessage, NetlinkPayload,
};
use rtnetlink::packet_route::RouteNetlinkMessage;

use super::message::{extack_message, failure};
use crate::{Errno, Error, Result};

/// One dump to send: the request, and what it dumps as an error names it
/// (e.g. `the qdiscs (RTM_GETQDISC)`).
///
/// Each query is such a request plus a plain decoder of the answers, so
/// both clients run this one future: the async and blocking paths share
/// its code instead of each query compiling its own state machine.
pub(crate) struct Dump {
    pub(crate) request: RouteNetlinkMessage,
    pub(crate) what: String,
}

/// Sends `dump` with `NLM_F_DUMP` and collects the answers.
///
/// A dump the kernel fails, even part way, is an [`Error::Io`] carrying the
/// kernel's errno (see [`Error::errno`]) and its extended-ack message; the
/// answers that came before the failure are dropped.
pub(crate) async fn dump(handle: &Handle, dump: Dump) -> Result<Vec<RouteNetlinkMessage>> {
    let Dump { request, what } = dump;
    raw_dump(handle, request).await.map_err(|(errno, message)| {
        let message = message.map(|m| format!(" (the kernel says \"{m}\")")).unwrap_or_default();
        Error::Io {
            what: format!("dumping {what} over netlink{message}"),
            source: std::io::Error::from_raw_os_error(errno.0),
        }
    })
}

async fn raw_dump(
    handle: &Handle,
    request: RouteNetlinkMessage,
) -> std::result::Result<Vec<RouteNetlinkMessage>, (Errno, Option<String>)> {
    let mut req = NetlinkMessage::from(request);
    req.header.flags = NLM_F_REQUEST | NLM_F_DUMP;
    let mut handle = handle.clone();
    let mut answers = handle.request(req).map_err(failure)?;
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

/// Sends `request` with `flags` and `NLM_F_ACK`, and waits for the ack: the
/// kernel's errno and extended-ack message when it refuses.
pub(crate) async fn acked(
    handle: &Handle,
    request: RouteNetlinkMessage,
    flags: u16,
) -> std::result::Result<(), (Errno, Option<String>)> {
    let mut req = NetlinkMessage::from(request);
    req.header.flags = NLM_F_REQUEST | NLM_F_ACK | flags;
    let mut handle = handle.clone();
    let mut answers = handle.request(req).map_err(failure)?;
    while let Some(msg) = answers.next().await {
        if let NetlinkPayload::Error(err) = msg.payload {
            if err.raw_code() != 0 {
                return Err((Errno(err.raw_code().abs()), extack_message(&err.header)));
            }
        }
    }
    Ok(())
}
