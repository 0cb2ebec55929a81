//! A network namespace's hooks: the flow dissector and socket lookup
//! (`sk_lookup`), through `bpf_link`s.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

use super::handle::Link;
use crate::error::AttachAction;
use crate::probe::{Feature, explain_einval};
use crate::prog::kind::{FlowDissector, ProgKind, SkLookup};
use crate::prog::{AttachType, Program};
use crate::sys::link::LinkExtra;
use crate::sys::{self, LinkType};
use crate::{Errno, Error, Result};

/// A network namespace, open: what netns hooks attach to.
#[derive(Debug)]
pub struct NetNs {
    fd: OwnedFd,
    path: PathBuf,
}

impl NetNs {
    /// The calling thread's network namespace (`/proc/thread-self/ns/net`).
    pub fn current() -> Result<NetNs> {
        NetNs::open("/proc/thread-self/ns/net")
    }

    /// The namespace at `path`: `/proc/PID/ns/net`, or one `ip netns add`
    /// made (`/run/netns/NAME`).
    pub fn open(path: impl AsRef<Path>) -> Result<NetNs> {
        let path = path.as_ref();
        let file = std::fs::File::open(path).map_err(|e| Error::Io {
            what: format!("opening network namespace {}", path.display()),
            source: e,
        })?;
        Ok(NetNs { fd: file.into(), path: path.to_path_buf() })
    }

    /// The namespace `ip netns add NAME` made.
    pub fn named(name: &str) -> Result<NetNs> {
        NetNs::open(Path::new("/run/netns").join(name))
    }

    /// Where it was opened.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl AsFd for NetNs {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// Attaches `prog` as `netns`'s flow dissector: it parses the headers of
/// the namespace's packets wherever the kernel needs a flow's keys (hashes
/// for RPS and fair queueing, tc flower) in place of the built-in one.
/// One per namespace: a second attach is `E2BIG`.
pub fn attach_flow_dissector(
    prog: &Program<FlowDissector>,
    netns: &NetNs,
) -> Result<Link<FlowDissector>> {
    attach(prog, netns)
}

/// Attaches `prog` to `netns`'s socket lookup: it runs for every
/// connection request and datagram arriving in the namespace, and may pick
/// the socket that gets it (`bpf_sk_assign`). Several may be attached; they
/// run in order.
pub fn attach_sk_lookup(prog: &Program<SkLookup>, netns: &NetNs) -> Result<Link<SkLookup>> {
    attach(prog, netns)
}

fn attach<K: ProgKind>(prog: &Program<K>, netns: &NetNs) -> Result<Link<K>> {
    let attach_type = K::EXPECTED_ATTACH_TYPE.unwrap_or(AttachType(0));
    let target = netns.fd.as_raw_fd() as u32;
    sys::link::create(prog.fd(), target, attach_type.0, 0, LinkExtra::None).map(Link::new).map_err(
        |errno| {
            let err = netns_error(netns, attach_type, errno);
            explain_einval(err, &[Feature::LinkType(LinkType::NETNS)])
        },
    )
}

fn netns_error(netns: &NetNs, attach_type: AttachType, errno: Errno) -> Error {
    let advice = match errno {
        Errno::EPERM => "netns hooks need CAP_NET_ADMIN and CAP_BPF; run as root or grant them",
        Errno::EEXIST => {
            "a program attached without a link (BPF_PROG_ATTACH) holds the hook: detach it first"
        }
        Errno::EINVAL => {
            "the file is no network namespace, or the kernel lacks this hook (flow dissector \
             links: Linux 5.8; sk_lookup: 5.9)"
        }
        Errno::E2BIG => {
            "the hook is full: a namespace has one flow dissector at most (and 64 sk_lookup \
             programs); detach one first"
        }
        _ => "see the errno",
    };
    Error::Hook {
        action: AttachAction::Attach,
        hook: format!("network namespace {} ({attach_type})", netns.path.display()),
        errno,
        advice: advice.to_string(),
    }
}
