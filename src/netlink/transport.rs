//! The three kinds of request every client call is made of (a dump, an
//! acked change, a get of one object), over either transport.
//!
//! The request logic above (what to ask, what a refusal means) is written
//! once, as async functions; only these three touch a transport. Over
//! rtnetlink's handle they await its connection task; over the blocking
//! socket they finish before returning, so [`BlockingNetlink`] runs the
//! same futures by polling each once, with no runtime.
//!
//! [`BlockingNetlink`]: super::BlockingNetlink

use std::sync::Arc;

use futures_util::StreamExt;
use rtnetlink::Handle;
use rtnetlink::packet_core::{
    NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST, NetlinkMessage, NetlinkPayload,
};
use rtnetlink::packet_route::RouteNetlinkMessage;

use super::message::{extack_message, failure};
use super::socket::{BlockingSocket, Refusal};
use crate::Errno;

/// How a client's requests reach the kernel.
#[derive(Clone, Debug)]
pub(crate) enum Transport {
    /// rtnetlink's connection task, on the caller's tokio runtime.
    Async(Handle),
    /// One socket, each request sent and answered on the calling thread:
    /// a request future over it is ready at its first poll.
    Blocking(Arc<BlockingSocket>),
}

impl Transport {
    /// Sends `request` with `NLM_F_DUMP` and collects the answers; a dump
    /// the kernel fails, at once or part way, is its refusal.
    pub(crate) async fn dump(
        &self,
        request: RouteNetlinkMessage,
    ) -> std::result::Result<Vec<RouteNetlinkMessage>, Refusal> {
        let mut req = NetlinkMessage::from(request);
        req.header.flags = NLM_F_REQUEST | NLM_F_DUMP;
        self.exchange(req).await
    }

    /// Sends `request` with `flags` and `NLM_F_ACK`, and waits for the ack.
    pub(crate) async fn acked(
        &self,
        request: RouteNetlinkMessage,
        flags: u16,
    ) -> std::result::Result<(), Refusal> {
        let mut req = NetlinkMessage::from(request);
        req.header.flags = NLM_F_REQUEST | NLM_F_ACK | flags;
        self.exchange(req).await.map(drop)
    }

    /// Sends `request` (a get of one object, no ack asked) and returns the
    /// one answer.
    pub(crate) async fn get(
        &self,
        request: RouteNetlinkMessage,
    ) -> std::result::Result<RouteNetlinkMessage, Refusal> {
        let mut req = NetlinkMessage::from(request);
        req.header.flags = NLM_F_REQUEST;
        let answers = self.exchange(req).await?;
        answers.into_iter().next().ok_or((Errno::ENODEV, None))
    }

    async fn exchange(
        &self,
        req: NetlinkMessage<RouteNetlinkMessage>,
    ) -> std::result::Result<Vec<RouteNetlinkMessage>, Refusal> {
        match self {
            Transport::Blocking(socket) => socket.request(req),
            Transport::Async(handle) => {
                let mut answers = handle.clone().request(req).map_err(failure)?;
                let mut out = Vec::new();
                while let Some(msg) = answers.next().await {
                    match msg.payload {
                        NetlinkPayload::InnerMessage(inner) => out.push(inner),
                        NetlinkPayload::Error(err) if err.raw_code() != 0 => {
                            return Err((Errno(err.raw_code().abs()), extack_message(&err.header)));
                        }
                        // A dump that fails part way ends with the error in its DONE.
                        NetlinkPayload::Done(done) if done.code < 0 => {
                            return Err((Errno(-done.code), None));
                        }
                        _ => {}
                    }
                }
                Ok(out)
            }
        }
    }
}
