//! The blocking transport: one `NETLINK_ROUTE` socket, each request one
//! `sendto` and, for an ack or a single answer, one `recvfrom` into a
//! buffer kept between requests (a dump takes one per batch).
//!
//! rtnetlink's connection task costs about eight syscalls a request (the
//! runtime's epoll and wakeups); a blocking caller needs none of that.
//!
//! Every answer is checked to be the kernel's (sender port 0), addressed
//! to this socket's port and carrying the request's sequence number; any
//! other message (e.g. the tail of an earlier request given up on) is
//! skipped. A datagram longer than the buffer is never taken for a whole
//! one: the rest of the answer is drained, the buffer grown to fit, and a
//! read request (a get or a dump) sent again; an acked request, which may
//! have changed something, fails with `EMSGSIZE` instead.

use std::sync::{Mutex, PoisonError};

use rtnetlink::packet_core::{
    NLM_F_ACK, NLM_F_MULTIPART, NetlinkBuffer, NetlinkMessage, NetlinkPayload,
};
use rtnetlink::packet_route::RouteNetlinkMessage;

use super::message::extack_message;
use crate::sys::netlink_socket::NetlinkSocket;
use crate::{Errno, Error, Result};

/// How much a receive takes at first: what the kernel fills a dump batch
/// up to (it sizes batches by the reader's buffer, capped at 32 KiB).
const RECV_BUFFER: usize = 32 * 1024;

/// How many times a read request is sent again with a bigger buffer.
const RETRIES: usize = 3;

/// A kernel refusal: its errno and extended-ack message.
pub(crate) type Refusal = (Errno, Option<String>);

/// The socket, and what one request at a time uses: the lock keeps two
/// threads from reading each other's answers.
pub(crate) struct BlockingSocket {
    socket: NetlinkSocket,
    state: Mutex<State>,
}

struct State {
    seq: u32,
    send: Vec<u8>,
    recv: Vec<u8>,
}

impl std::fmt::Debug for BlockingSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockingSocket").field("port", &self.socket.port()).finish()
    }
}

/// How one round of receiving ended.
enum Answer {
    /// The request's answers up to its end (a non-multipart message, the
    /// ack or error, or `NLMSG_DONE`), or the refusal.
    Whole(std::result::Result<Vec<RouteNetlinkMessage>, Refusal>),
    /// A datagram of this many bytes did not fit; the rest was drained.
    Cut(usize),
}

impl BlockingSocket {
    /// Opens the socket (with `NETLINK_EXT_ACK` and `NETLINK_CAP_ACK`).
    pub(crate) fn open() -> Result<BlockingSocket> {
        BlockingSocket::with_buffer(RECV_BUFFER)
    }

    /// [`open`](Self::open) with a receive buffer of `len` bytes to start
    /// with (the tests' small ones make the kernel's answers not fit).
    fn with_buffer(len: usize) -> Result<BlockingSocket> {
        let socket = NetlinkSocket::open_route().map_err(|(what, errno)| Error::Io {
            what: what.to_string(),
            source: std::io::Error::from_raw_os_error(errno.0),
        })?;
        let state = State { seq: 0, send: Vec::new(), recv: vec![0; len] };
        Ok(BlockingSocket { socket, state: Mutex::new(state) })
    }

    /// Sends `msg` (its flags set by the caller) and returns the answers
    /// of its sequence number: the inner messages, or the kernel's refusal.
    pub(crate) fn request(
        &self,
        mut msg: NetlinkMessage<RouteNetlinkMessage>,
    ) -> std::result::Result<Vec<RouteNetlinkMessage>, Refusal> {
        // A panic elsewhere cannot leave the state half-written in a way
        // that matters: the sequence number only grows, the buffers are
        // overwritten by each request.
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let state = &mut *state;
        // An acked request may have changed something: never sent twice.
        let rereadable = msg.header.flags & NLM_F_ACK == 0;
        let mut tries = 0;
        loop {
            state.seq = state.seq.wrapping_add(1);
            msg.header.sequence_number = state.seq;
            msg.finalize();
            state.send.clear();
            state.send.resize(msg.buffer_len(), 0);
            msg.serialize(&mut state.send);
            self.socket.send(&state.send).map_err(|e| (e, None))?;
            match self.receive(&mut state.recv, state.seq)? {
                Answer::Whole(answer) => return answer,
                Answer::Cut(len) => {
                    state.recv.resize(len.next_multiple_of(4096), 0);
                    tries += 1;
                    if !rereadable || tries > RETRIES {
                        let why = format!(
                            "a netlink answer of {len} bytes did not fit the receive buffer"
                        );
                        return Err((Errno(libc::EMSGSIZE), Some(why)));
                    }
                }
            }
        }
    }

    /// Receives the answers to request `seq` until its end.
    fn receive(&self, buf: &mut [u8], seq: u32) -> std::result::Result<Answer, Refusal> {
        let mut out = Vec::new();
        let mut refusal = None;
        let mut cut = None;
        loop {
            // Once a datagram was cut, take whatever else is queued without
            // waiting: the kernel queues a request's answers (and the next
            // dump batch, on each receive) before the call returns, and the
            // end of the answer may have been in the part that was lost.
            let datagram = match self.socket.recv(buf, cut.is_none()) {
                Ok(datagram) => datagram,
                Err(Errno::EAGAIN) if cut.is_some() => break,
                Err(e) => return Err((e, None)),
            };
            if datagram.sender != 0 {
                continue; // not the kernel's
            }
            if datagram.len > buf.len() {
                cut = Some(cut.unwrap_or(0).max(datagram.len));
                continue;
            }
            if cut.is_some() {
                continue;
            }
            let Some(bytes) = buf.get(..datagram.len) else { continue };
            if read(bytes, (seq, self.socket.port()), &mut out, &mut refusal) {
                break;
            }
        }
        Ok(match (cut, refusal) {
            (Some(len), _) => Answer::Cut(len),
            (None, Some(refusal)) => Answer::Whole(Err(refusal)),
            (None, None) => Answer::Whole(Ok(out)),
        })
    }
}

/// Reads the messages of one datagram, keeping those of request `seq`
/// addressed to `port`: inner messages into `out`, the first failure into
/// `refusal`. Whether the request's answer has ended.
fn read(
    mut bytes: &[u8],
    (seq, port): (u32, u32),
    out: &mut Vec<RouteNetlinkMessage>,
    refusal: &mut Option<Refusal>,
) -> bool {
    let malformed = || (Errno::EIO, Some("a malformed netlink answer".to_string()));
    let mut ended = false;
    while !bytes.is_empty() {
        let Ok(header) = NetlinkBuffer::new_checked(bytes) else {
            // No length to go on to the next message: the datagram's
            // rest is lost, and with it perhaps the end.
            refusal.get_or_insert_with(malformed);
            return true;
        };
        let len = header.length() as usize;
        let (ours, multipart) = (
            header.sequence_number() == seq && header.port_number() == port,
            header.flags() & NLM_F_MULTIPART != 0,
        );
        let (message, rest) = bytes.split_at(len.min(bytes.len()));
        bytes = rest.get(len.next_multiple_of(4) - len..).unwrap_or(&[]);
        if !ours {
            continue;
        }
        match NetlinkMessage::<RouteNetlinkMessage>::deserialize(message) {
            Ok(msg) => match msg.payload {
                NetlinkPayload::InnerMessage(inner) => {
                    out.push(inner);
                    ended |= !multipart;
                }
                NetlinkPayload::Error(err) => {
                    if err.raw_code() != 0 {
                        let errno = Errno(err.raw_code().abs());
                        refusal.get_or_insert_with(|| (errno, extack_message(&err.header)));
                    }
                    ended = true;
                }
                // A dump that fails part way ends with the error in its DONE.
                NetlinkPayload::Done(done) => {
                    if done.code < 0 {
                        refusal.get_or_insert((Errno(-done.code), None));
                    }
                    ended = true;
                }
                _ => {}
            },
            Err(_) => {
                refusal.get_or_insert_with(malformed);
                ended |= !multipart;
            }
        }
    }
    ended
}

#[cfg(test)]
mod tests {
    use rtnetlink::packet_core::{
        DoneMessage, ErrorMessage, NLM_F_DUMP, NLM_F_REQUEST, NetlinkHeader,
    };
    use rtnetlink::packet_route::link::{LinkAttribute, LinkMessage};

    use super::*;

    fn bytes(
        seq: u32,
        port: u32,
        flags: u16,
        payload: NetlinkPayload<RouteNetlinkMessage>,
    ) -> Vec<u8> {
        let mut header = NetlinkHeader::default();
        (header.sequence_number, header.port_number, header.flags) = (seq, port, flags);
        let mut msg = NetlinkMessage::new(header, payload);
        msg.finalize();
        let mut out = vec![0; msg.buffer_len()];
        msg.serialize(&mut out);
        out
    }

    fn link(index: u32) -> NetlinkPayload<RouteNetlinkMessage> {
        let mut msg = LinkMessage::default();
        msg.header.index = index;
        msg.attributes.push(LinkAttribute::IfName(format!("if{index}")));
        NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewLink(msg))
    }

    fn error(code: i32, header: Vec<u8>) -> NetlinkPayload<RouteNetlinkMessage> {
        let mut err = ErrorMessage::default();
        (err.code, err.header) = (std::num::NonZeroI32::new(code), header);
        NetlinkPayload::Error(err)
    }

    fn done(code: i32) -> NetlinkPayload<RouteNetlinkMessage> {
        let mut done = DoneMessage::default();
        done.code = code;
        NetlinkPayload::Done(done)
    }

    fn indexes(out: &[RouteNetlinkMessage]) -> Vec<u32> {
        let index = |m: &RouteNetlinkMessage| match m {
            RouteNetlinkMessage::NewLink(l) => l.header.index,
            _ => 0,
        };
        out.iter().map(index).collect()
    }

    #[test]
    fn other_requests_and_ports_are_skipped_and_multipart_goes_on() {
        let mut datagram = bytes(7, 9, NLM_F_MULTIPART, link(1));
        datagram.extend(bytes(6, 9, 0, link(2))); // an earlier request's
        datagram.extend(bytes(7, 8, 0, link(3))); // another socket's
        datagram.extend(bytes(7, 9, NLM_F_MULTIPART, link(4)));
        let (mut out, mut refusal) = (Vec::new(), None);
        assert!(!read(&datagram, (7, 9), &mut out, &mut refusal));
        assert_eq!((indexes(&out), refusal.clone()), (vec![1, 4], None));
        assert!(read(&bytes(7, 9, NLM_F_MULTIPART, done(0)), (7, 9), &mut out, &mut refusal));
        assert_eq!((out.len(), refusal), (2, None));
    }

    #[test]
    fn a_single_answer_ends_the_request() {
        let (mut out, mut refusal) = (Vec::new(), None);
        assert!(read(&bytes(1, 2, 0, link(5)), (1, 2), &mut out, &mut refusal));
        assert_eq!((indexes(&out), refusal), (vec![5], None));
    }

    #[test]
    fn an_ack_ends_and_a_refusal_keeps_errno_and_message() {
        let (mut out, mut refusal) = (Vec::new(), None);
        assert!(read(&bytes(3, 4, 0, error(0, vec![0; 16])), (3, 4), &mut out, &mut refusal));
        assert_eq!(refusal, None);
        let mut echoed = vec![0u8; 16];
        let text = b"XDP program already attached\0";
        echoed.extend_from_slice(&((4 + text.len()) as u16).to_ne_bytes());
        echoed.extend_from_slice(&1u16.to_ne_bytes());
        echoed.extend_from_slice(text);
        echoed.resize(echoed.len().next_multiple_of(4), 0);
        let refused = bytes(3, 4, 0, error(-libc::EBUSY, echoed));
        assert!(read(&refused, (3, 4), &mut out, &mut refusal));
        assert_eq!(refusal, Some((Errno::EBUSY, Some("XDP program already attached".into()))));
    }

    #[test]
    fn a_dump_failing_part_way_says_so_in_its_done() {
        let (mut out, mut refusal) = (Vec::new(), None);
        let mut datagram = bytes(1, 1, NLM_F_MULTIPART, link(1));
        datagram.extend(bytes(1, 1, NLM_F_MULTIPART, done(-libc::EINTR)));
        assert!(read(&datagram, (1, 1), &mut out, &mut refusal));
        assert_eq!(refusal, Some((Errno::EINTR, None)));
    }

    #[test]
    fn a_malformed_datagram_is_an_error_that_ends_the_request() {
        let (mut out, mut refusal) = (Vec::new(), None);
        assert!(read(&[1, 2, 3], (1, 1), &mut out, &mut refusal));
        assert_eq!(refusal.map(|r| r.0), Some(Errno::EIO));
    }

    // These need only an unprivileged NETLINK_ROUTE socket, and they are
    // here because the buffer they shrink is private.
    fn links(socket: &BlockingSocket) -> Vec<u32> {
        let mut req = NetlinkMessage::from(RouteNetlinkMessage::GetLink(LinkMessage::default()));
        req.header.flags = NLM_F_REQUEST | NLM_F_DUMP;
        indexes(&socket.request(req).unwrap())
    }

    #[test]
    fn answers_longer_than_the_buffer_are_asked_again_not_cut() {
        let big = BlockingSocket::open().unwrap();
        let small = BlockingSocket::with_buffer(64).unwrap();
        let all = links(&big);
        assert!(all.contains(&1), "{all:?}");
        assert_eq!(links(&small), all);
        // The buffer grew: the next dump fits at once, and so does a get.
        assert_eq!(links(&small), all);
        let mut lo = LinkMessage::default();
        lo.header.index = 1;
        let mut req = NetlinkMessage::from(RouteNetlinkMessage::GetLink(lo));
        req.header.flags = NLM_F_REQUEST;
        assert_eq!(indexes(&BlockingSocket::with_buffer(32).unwrap().request(req).unwrap()), [1]);
    }

    #[test]
    fn an_acked_request_is_never_sent_twice() {
        // No such interface: the refusal is longer than the buffer.
        let mut msg = LinkMessage::default();
        msg.header.index = i32::MAX as u32;
        let mut req = NetlinkMessage::from(RouteNetlinkMessage::SetLink(msg));
        req.header.flags = NLM_F_REQUEST | NLM_F_ACK;
        let socket = BlockingSocket::with_buffer(16).unwrap();
        let refusal = socket.request(req.clone()).unwrap_err();
        assert_eq!(refusal.0, Errno(libc::EMSGSIZE), "{refusal:?}");
        // The buffer grew and nothing of the first answer is left behind.
        let refusal = socket.request(req).unwrap_err();
        assert_eq!(refusal.0, Errno::ENODEV, "{refusal:?}");
    }
}
