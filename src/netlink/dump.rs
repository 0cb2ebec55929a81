//! One rtnetlink dump request: send it with `NLM_F_DUMP`, collect every
//! answer, and turn a kernel refusal (at once or part way) into an
//! [`Error`] that says what was being dumped.

use futures_util::StreamExt;
use rtnetlink::Handle;
use rtnetlink::packet_core::{NLM_F_DUMP, NLM_F_REQUEST, NetlinkMessage, NetlinkPayload};
use rtnetlink::packet_route::RouteNetlinkMessage;

use super::message::{extack_message, failure};
use crate::{Errno, Error, Result};

/// Sends `request` as a dump and collects the answers. `what` names what is
/// dumped in the error, e.g. `the qdiscs (RTM_GETQDISC)`.
///
/// A dump the kernel fails, even part way, is an [`Error::Io`] carrying the
/// kernel's errno (see [`Error::errno`]) and its extended-ack message; the
/// answers that came before the failure are dropped.
pub(crate) async fn dump(
    handle: &Handle,
    request: RouteNetlinkMessage,
    what: &str,
) -> Result<Vec<RouteNetlinkMessage>> {
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
