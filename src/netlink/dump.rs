//! One rtnetlink dump request: what it dumps, and a kernel refusal (at once
//! or part way) turned into an [`Error`] that says what was being dumped.

use rtnetlink::packet_route::RouteNetlinkMessage;

use super::transport::Transport;
use crate::{Error, Result};

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
pub(crate) async fn dump(transport: &Transport, dump: Dump) -> Result<Vec<RouteNetlinkMessage>> {
    let Dump { request, what } = dump;
    transport.dump(request).await.map_err(|(errno, message)| {
        let message = message.map(|m| format!(" (the kernel says \"{m}\")")).unwrap_or_default();
        Error::Io {
            what: format!("dumping {what} over netlink{message}"),
            source: std::io::Error::from_raw_os_error(errno.0),
        }
    })
}
