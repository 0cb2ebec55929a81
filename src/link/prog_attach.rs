//! `BPF_PROG_ATTACH` without a link, at the hooks bpftool's `prog attach`
//! serves: a sockmap's or sockhash's programs (the target is the map) and
//! the flow dissector of the caller's network namespace.
//!
//! Such an attachment outlives the process: it goes with
//! [`detach_from_sock_map`] / [`detach_flow_dissector`] (or, for a map,
//! when the map goes). A link ([`attach_flow_dissector`](super::attach_flow_dissector))
//! is the better tool when the attaching process stays; these exist for
//! tools that attach and exit, as bpftool does.
//!
//! Each function checks at run time what the kernel would refuse with a
//! bare `EINVAL`: the program's type for the hook, and the map's type.

use std::os::fd::{AsFd, AsRawFd as _, BorrowedFd};

use super::handle::Link;
use crate::error::{AttachAction, MapField};
use crate::probe::{Feature, explain_einval};
use crate::prog::{AttachType, ProgType, Program};
use crate::sys::link::{LinkExtra, Placement};
use crate::sys::{LinkType, MapType};
use crate::{Errno, Error, Result};

/// A program slot of a sockmap or sockhash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SockMapHook {
    /// `BPF_SK_MSG_VERDICT`: an `sk_msg` program judges each message sent.
    #[doc(alias = "BPF_SK_MSG_VERDICT")]
    MsgVerdict,
    /// `BPF_SK_SKB_VERDICT`: an `sk_skb` program judges each skb received.
    #[doc(alias = "BPF_SK_SKB_VERDICT")]
    SkbVerdict,
    /// `BPF_SK_SKB_STREAM_VERDICT`: an `sk_skb` program judges each parsed
    /// message of a stream.
    #[doc(alias = "BPF_SK_SKB_STREAM_VERDICT")]
    StreamVerdict,
    /// `BPF_SK_SKB_STREAM_PARSER`: an `sk_skb` program cuts a stream into
    /// messages.
    #[doc(alias = "BPF_SK_SKB_STREAM_PARSER")]
    StreamParser,
}

impl SockMapHook {
    /// The kernel's attach type for the slot.
    pub fn attach_type(self) -> AttachType {
        match self {
            SockMapHook::MsgVerdict => AttachType::SK_MSG_VERDICT,
            SockMapHook::SkbVerdict => AttachType::SK_SKB_VERDICT,
            SockMapHook::StreamVerdict => AttachType::SK_SKB_STREAM_VERDICT,
            SockMapHook::StreamParser => AttachType::SK_SKB_STREAM_PARSER,
        }
    }

    /// The program type the slot runs.
    pub fn prog_type(self) -> ProgType {
        match self {
            SockMapHook::MsgVerdict => ProgType::SK_MSG,
            _ => ProgType::SK_SKB,
        }
    }
}

/// Attaches `prog` to `map`'s `hook` slot (`BPF_PROG_ATTACH`, target the
/// map: a [`MapFd`](crate::maps::MapFd) or any fd of one). `map` must be a
/// sockmap or sockhash and `prog` of the slot's type.
pub fn attach_to_sock_map(prog: &Program, map: impl AsFd, hook: SockMapHook) -> Result<()> {
    let map = map.as_fd();
    let name = check_sock_map(prog, map, hook)?;
    crate::sys::link::prog_attach(
        fd_target(map),
        prog.fd(),
        hook.attach_type().0,
        Placement::default(),
        None,
    )
    .map_err(|errno| sock_map_error(AttachAction::Attach, &name, hook, errno))
}

/// Attaches `prog` to `map`'s `hook` slot through a link
/// (`BPF_LINK_CREATE`, Linux 6.10 and later): the slot is freed when the
/// link goes, as with every link, instead of staying until detached. The
/// same checks as [`attach_to_sock_map`]; a slot held by another program
/// (with or without a link) is `EBUSY`.
pub fn attach_sock_map_link(prog: &Program, map: impl AsFd, hook: SockMapHook) -> Result<Link> {
    let map = map.as_fd();
    let name = check_sock_map(prog, map, hook)?;
    let attach_type = hook.attach_type().0;
    crate::sys::link::create(prog.fd(), fd_target(map), attach_type, 0, LinkExtra::None)
        .map(Link::new)
        .map_err(|errno| {
            let err = sock_map_error(AttachAction::Attach, &name, hook, errno);
            explain_einval(err, &[Feature::LinkType(LinkType::SOCKMAP)])
        })
}

/// Detaches `prog` from `map`'s `hook` slot (`BPF_PROG_DETACH`).
pub fn detach_from_sock_map(prog: &Program, map: impl AsFd, hook: SockMapHook) -> Result<()> {
    let map = map.as_fd();
    let name = check_sock_map(prog, map, hook)?;
    crate::sys::link::prog_detach(fd_target(map), Some(prog.fd()), hook.attach_type().0)
        .map_err(|errno| sock_map_error(AttachAction::Detach, &name, hook, errno))
}

/// Attaches `prog` as the flow dissector of the calling thread's network
/// namespace, without a link (`BPF_PROG_ATTACH`, target 0). A namespace has
/// one; attaching another replaces it, unless a link holds the hook (then
/// `EEXIST`).
pub fn attach_flow_dissector_legacy(prog: &Program) -> Result<()> {
    prog.expect_type(ProgType::FLOW_DISSECTOR)?;
    crate::sys::link::prog_attach(
        0,
        prog.fd(),
        AttachType::FLOW_DISSECTOR.0,
        Placement::default(),
        None,
    )
    .map_err(|errno| flow_dissector_error(AttachAction::Attach, errno))
}

/// Detaches `prog`, the flow dissector of the calling thread's network
/// namespace attached by [`attach_flow_dissector_legacy`]
/// (`BPF_PROG_DETACH`); `ENOENT` when it is not the one attached.
pub fn detach_flow_dissector(prog: &Program) -> Result<()> {
    prog.expect_type(ProgType::FLOW_DISSECTOR)?;
    crate::sys::link::prog_detach(0, Some(prog.fd()), AttachType::FLOW_DISSECTOR.0)
        .map_err(|errno| flow_dissector_error(AttachAction::Detach, errno))
}

fn fd_target(map: BorrowedFd<'_>) -> u32 {
    // A valid fd is never negative.
    map.as_raw_fd().unsigned_abs()
}

/// Checks the program's and the map's types; returns how to name the map
/// (`sockmap map "NAME"`).
fn check_sock_map(prog: &Program, map: BorrowedFd<'_>, hook: SockMapHook) -> Result<String> {
    prog.expect_type(hook.prog_type())?;
    let info = crate::sys::obj::map_info(map).map_err(|errno| Error::Hook {
        action: AttachAction::Query,
        hook: format!("map fd {}", map.as_raw_fd()),
        errno,
        advice: "the target of a sockmap program must be a map".to_string(),
    })?;
    let found = MapType(info.map_type);
    let len = info.name.iter().position(|&b| b == 0).unwrap_or(info.name.len());
    let name = String::from_utf8_lossy(&info.name[..len]).into_owned();
    if found != MapType::SOCKMAP && found != MapType::SOCKHASH {
        return Err(Error::MapMismatch {
            map: name,
            path: None,
            field: MapField::Type,
            expected: "sockmap or sockhash".to_string(),
            found: found.to_string(),
        });
    }
    Ok(format!("{found} map {name:?}"))
}

fn sock_map_error(action: AttachAction, map: &str, hook: SockMapHook, errno: Errno) -> Error {
    let advice = match errno {
        Errno::EPERM => "attaching needs CAP_NET_ADMIN; run as root",
        Errno::EBUSY => "the slot holds another program: detach it first",
        Errno::ENOENT => "the slot does not hold this program",
        _ => "see the errno",
    };
    Error::Hook {
        action,
        hook: format!("{map} ({})", hook.attach_type()),
        errno,
        advice: advice.to_string(),
    }
}

fn flow_dissector_error(action: AttachAction, errno: Errno) -> Error {
    let advice = match errno {
        Errno::EPERM => "netns hooks need CAP_NET_ADMIN; run as root",
        Errno::EEXIST => "a link holds the flow dissector hook: detach the link first",
        Errno::ENOENT => "this program is not the namespace's flow dissector",
        _ => "see the errno",
    };
    Error::Hook {
        action,
        hook: "the current network namespace (flow_dissector)".to_string(),
        errno,
        advice: advice.to_string(),
    }
}
