//! cgroup v2 hooks: packets in and out, socket creation, `connect()`,
//! sysctl access; through `bpf_link`s or the legacy multi-attach.
//!
//! A hook runs the programs of the cgroup a task is in and, unless a
//! program was attached without `ALLOW_MULTI`/`ALLOW_OVERRIDE` above it,
//! those of its ancestors.

use std::marker::PhantomData;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

use super::handle::Link;
use super::multi::{HookPrograms, query};
use crate::error::AttachAction;
use crate::probe::{Feature, explain_einval};
use crate::prog::kind::{
    CgroupConnect4, CgroupConnect6, CgroupSkb, CgroupSockCreate, CgroupSysctl,
};
use crate::prog::{AttachType, ProgType, Program};
use crate::sys::link::{LinkExtra, Placement};
use crate::sys::{self, LinkType};
use crate::{Errno, Error, Result};

/// A cgroup v2 directory, open: what cgroup hooks attach to.
#[derive(Debug)]
pub struct Cgroup {
    fd: OwnedFd,
    path: PathBuf,
}

impl Cgroup {
    /// Opens the cgroup at `path`, a directory of a cgroup2 hierarchy (see
    /// [`cgroup2_mount`]).
    pub fn open(path: impl AsRef<Path>) -> Result<Cgroup> {
        let path = path.as_ref();
        let dir = std::fs::File::open(path).map_err(|e| Error::Io {
            what: format!("opening cgroup {}", path.display()),
            source: e,
        })?;
        // A cgroup2 directory has cgroup.procs and cgroup.controllers; a
        // v1 hierarchy has no cgroup.controllers.
        if !path.join("cgroup.controllers").exists() {
            return Err(Error::InvalidArgument {
                what: "cgroup",
                why: format!(
                    "{} is not a cgroup v2 directory (no cgroup.controllers): BPF programs \
                     attach to cgroup2 only; find its mount with cgroup2_mount()",
                    path.display()
                ),
            });
        }
        Ok(Cgroup { fd: dir.into(), path: path.to_path_buf() })
    }

    /// The cgroup's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The directory's file descriptor.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    fn target(&self) -> u32 {
        self.fd.as_raw_fd() as u32
    }
}

impl AsFd for Cgroup {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd()
    }
}

/// Where the cgroup2 hierarchy is mounted: the first `cgroup2` line of
/// `/proc/mounts` (`/sys/fs/cgroup` on most systems, but
/// `/sys/fs/cgroup/unified` on hybrid ones).
pub fn cgroup2_mount() -> Result<PathBuf> {
    crate::object::mounts_of_type("cgroup2")?.into_iter().next().ok_or_else(|| {
        Error::InvalidArgument {
            what: "cgroup2 mount",
            why: "no cgroup2 filesystem in /proc/mounts: mount one (mount -t cgroup2 none \
                  /sys/fs/cgroup/unified) to attach cgroup programs"
                .to_string(),
        }
    })
}

/// A cgroup hook that programs of kind `K` run at. The constants are
/// defined for the kind that fits, so a hook and a program of another
/// kind do not compile together:
///
/// ```compile_fail
/// # fn demo(skb: &bpfkit::prog::Program<bpfkit::prog::kind::CgroupSkb>,
/// #         cg: &bpfkit::link::Cgroup) -> bpfkit::Result<()> {
/// use bpfkit::link::{CgroupHook, attach_cgroup};
/// attach_cgroup(skb, cg, CgroupHook::CONNECT4)?; // a packet filter is no connect hook
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct CgroupHook<K> {
    attach_type: AttachType,
    kind: PhantomData<fn() -> K>,
}

impl<K> Clone for CgroupHook<K> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K> Copy for CgroupHook<K> {}

impl<K> CgroupHook<K> {
    const fn new(attach_type: AttachType) -> CgroupHook<K> {
        CgroupHook { attach_type, kind: PhantomData }
    }

    /// The hook's attach type.
    pub fn attach_type(self) -> AttachType {
        self.attach_type
    }
}

impl CgroupHook<CgroupSkb> {
    /// Packets delivered to sockets of the cgroup (`BPF_CGROUP_INET_INGRESS`).
    pub const INGRESS: CgroupHook<CgroupSkb> = CgroupHook::new(AttachType::CGROUP_INET_INGRESS);
    /// Packets sent by sockets of the cgroup (`BPF_CGROUP_INET_EGRESS`).
    pub const EGRESS: CgroupHook<CgroupSkb> = CgroupHook::new(AttachType::CGROUP_INET_EGRESS);
}

impl CgroupHook<CgroupSockCreate> {
    /// `socket()` of an inet socket (`BPF_CGROUP_INET_SOCK_CREATE`).
    pub const SOCK_CREATE: CgroupHook<CgroupSockCreate> =
        CgroupHook::new(AttachType::CGROUP_INET_SOCK_CREATE);
}

impl CgroupHook<CgroupConnect4> {
    /// `connect()` to an IPv4 address (`BPF_CGROUP_INET4_CONNECT`).
    pub const CONNECT4: CgroupHook<CgroupConnect4> =
        CgroupHook::new(AttachType::CGROUP_INET4_CONNECT);
}

impl CgroupHook<CgroupConnect6> {
    /// `connect()` to an IPv6 address (`BPF_CGROUP_INET6_CONNECT`).
    pub const CONNECT6: CgroupHook<CgroupConnect6> =
        CgroupHook::new(AttachType::CGROUP_INET6_CONNECT);
}

impl CgroupHook<CgroupSysctl> {
    /// Reads and writes of `/proc/sys` (`BPF_CGROUP_SYSCTL`).
    pub const SYSCTL: CgroupHook<CgroupSysctl> = CgroupHook::new(AttachType::CGROUP_SYSCTL);
}

/// Attaches `prog` to `cgroup`'s `hook` through a `bpf_link`: it runs for
/// the cgroup's tasks and its descendants' until the link is dropped (or
/// its pin removed), after the programs attached before it.
pub fn attach_cgroup<K>(
    prog: &Program<K>,
    cgroup: &Cgroup,
    hook: CgroupHook<K>,
) -> Result<Link<K>> {
    sys::link::create(prog.fd(), cgroup.target(), hook.attach_type.0, 0, LinkExtra::None)
        .map(Link::new)
        .map_err(|errno| {
            let err = cgroup_error(AttachAction::Attach, cgroup, hook.attach_type, errno);
            explain_einval(err, &[Feature::LinkType(LinkType::CGROUP)])
        })
}

bitflags::bitflags! {
    /// How a program attached without a link shares its hook
    /// (`BPF_F_ALLOW_OVERRIDE`, `BPF_F_ALLOW_MULTI`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct CgroupAttachFlags: u32 {
        /// A descendant cgroup may attach its own program, which then runs
        /// instead of this one.
        const ALLOW_OVERRIDE = 1 << 0;
        /// Several programs may be attached here, and descendants may
        /// attach more; all run. What links attach with.
        const ALLOW_MULTI = 1 << 1;
    }
}

/// A program attached to a cgroup with `BPF_PROG_ATTACH`: detached when
/// dropped (or with [`detach`](Self::detach)). It holds its own references
/// to the cgroup and the program, so it does not borrow them.
#[derive(Debug)]
pub struct CgroupAttachment<K> {
    cgroup: Cgroup,
    prog: OwnedFd,
    attach_type: AttachType,
    /// Cleared by [`detach`](Self::detach), so that drop does not detach again.
    attached: bool,
    kind: PhantomData<fn() -> K>,
}

/// Attaches `prog` to `cgroup`'s `hook` the legacy way (`BPF_PROG_ATTACH`):
/// the attachment does not go with the process, but the returned guard
/// detaches it on drop. With `replace`, swaps that program (attached here
/// with [`CgroupAttachFlags::ALLOW_MULTI`]) for `prog` in place.
///
/// Without `ALLOW_MULTI`, an attach where a program is already attached
/// replaces it (the kernel's rule for single-program hooks), and fails
/// where it was attached with `ALLOW_MULTI` or through a link.
pub fn attach_cgroup_legacy<K>(
    prog: &Program<K>,
    cgroup: &Cgroup,
    hook: CgroupHook<K>,
    flags: CgroupAttachFlags,
    replace: Option<&Program<K>>,
) -> Result<CgroupAttachment<K>> {
    const REPLACE: u32 = 1 << 2;
    let err = |errno| cgroup_error(AttachAction::Attach, cgroup, hook.attach_type, errno);
    let (prog_fd, cgroup_fd) = (
        prog.fd().try_clone_to_owned().map_err(io_error)?,
        cgroup.fd.try_clone().map_err(io_error)?,
    );
    let place = Placement {
        flags: flags.bits() | if replace.is_some() { REPLACE } else { 0 },
        ..Placement::default()
    };
    sys::link::prog_attach(
        cgroup.target(),
        prog.fd(),
        hook.attach_type.0,
        place,
        replace.map(Program::fd),
    )
    .map_err(err)?;
    Ok(CgroupAttachment {
        cgroup: Cgroup { fd: cgroup_fd, path: cgroup.path.clone() },
        prog: prog_fd,
        attach_type: hook.attach_type,
        attached: true,
        kind: PhantomData,
    })
}

fn io_error(e: std::io::Error) -> Error {
    Error::Io { what: "duplicating a file descriptor".into(), source: e }
}

impl<K> CgroupAttachment<K> {
    /// Detaches the program now (`BPF_PROG_DETACH`).
    pub fn detach(mut self) -> Result<()> {
        self.attached = false;
        self.detach_ref()
    }

    fn detach_ref(&self) -> Result<()> {
        sys::link::prog_detach(self.cgroup.target(), Some(self.prog.as_fd()), self.attach_type.0)
            .map_err(|e| cgroup_error(AttachAction::Detach, &self.cgroup, self.attach_type, e))
    }

    /// The cgroup.
    pub fn cgroup(&self) -> &Cgroup {
        &self.cgroup
    }
}

impl<K> Drop for CgroupAttachment<K> {
    fn drop(&mut self) {
        // Nothing to report to: a program already detached (by another
        // process) is what the caller wanted.
        if self.attached {
            let _ = self.detach_ref();
        }
    }
}

/// The programs attached to `cgroup` itself at `attach_type` (not its
/// ancestors'), in the order they run, with the hook's revision.
pub fn cgroup_programs(cgroup: &Cgroup, attach_type: AttachType) -> Result<HookPrograms> {
    query(cgroup.target(), attach_type)
        .map_err(|errno| cgroup_error(AttachAction::Query, cgroup, attach_type, errno))
}

fn cgroup_error(
    action: AttachAction,
    cgroup: &Cgroup,
    attach_type: AttachType,
    errno: Errno,
) -> Error {
    let advice = match errno {
        Errno::EPERM => {
            "cgroup hooks need CAP_NET_ADMIN (or CAP_SYS_ADMIN) and CAP_BPF; run as root or \
             grant them"
        }
        Errno::EEXIST => "this program is already attached to this hook of this cgroup",
        Errno::EINVAL => {
            "the program is already attached to this hook, or was loaded for another hook (its \
             expected attach type differs), or the hook is taken by a program attached without \
             ALLOW_MULTI"
        }
        Errno::ENOENT => "the program to detach or replace is not attached here",
        Errno::E2BIG => "the hook holds its maximum of 64 programs",
        _ => "see the errno",
    };
    Error::Hook {
        action,
        hook: format!("cgroup {} ({attach_type})", cgroup.path.display()),
        errno,
        advice: advice.to_string(),
    }
}

/// The program type that runs at the cgroup hook `attach_type`, or `None`
/// when `attach_type` is no cgroup hook.
fn cgroup_prog_type(attach_type: AttachType) -> Option<ProgType> {
    let t = attach_type;
    Some(match t {
        AttachType::CGROUP_INET_INGRESS | AttachType::CGROUP_INET_EGRESS => ProgType::CGROUP_SKB,
        AttachType::CGROUP_INET_SOCK_CREATE
        | AttachType::CGROUP_INET_SOCK_RELEASE
        | AttachType::CGROUP_INET4_POST_BIND
        | AttachType::CGROUP_INET6_POST_BIND => ProgType::CGROUP_SOCK,
        AttachType::CGROUP_SOCK_OPS => ProgType::SOCK_OPS,
        AttachType::CGROUP_DEVICE => ProgType::CGROUP_DEVICE,
        AttachType::CGROUP_SYSCTL => ProgType::CGROUP_SYSCTL,
        AttachType::CGROUP_GETSOCKOPT | AttachType::CGROUP_SETSOCKOPT => ProgType::CGROUP_SOCKOPT,
        AttachType::LSM_CGROUP => ProgType::LSM,
        AttachType::CGROUP_INET4_BIND
        | AttachType::CGROUP_INET6_BIND
        | AttachType::CGROUP_INET4_CONNECT
        | AttachType::CGROUP_INET6_CONNECT
        | AttachType::CGROUP_UDP4_SENDMSG
        | AttachType::CGROUP_UDP6_SENDMSG
        | AttachType::CGROUP_UDP4_RECVMSG
        | AttachType::CGROUP_UDP6_RECVMSG
        | AttachType::CGROUP_INET4_GETPEERNAME
        | AttachType::CGROUP_INET6_GETPEERNAME
        | AttachType::CGROUP_INET4_GETSOCKNAME
        | AttachType::CGROUP_INET6_GETSOCKNAME
        | AttachType::CGROUP_UNIX_CONNECT
        | AttachType::CGROUP_UNIX_SENDMSG
        | AttachType::CGROUP_UNIX_RECVMSG
        | AttachType::CGROUP_UNIX_GETPEERNAME
        | AttachType::CGROUP_UNIX_GETSOCKNAME => ProgType::CGROUP_SOCK_ADDR,
        _ => return None,
    })
}

/// Checks that `prog` can run at the cgroup hook `attach_type`.
fn check_cgroup_prog(prog: &Program, attach_type: AttachType) -> Result<()> {
    let Some(expected) = cgroup_prog_type(attach_type) else {
        return Err(Error::InvalidArgument {
            what: "attach type",
            why: format!("{attach_type} is no cgroup hook"),
        });
    };
    prog.expect_type(expected)
}

/// Attaches `prog` to `cgroup`'s hook `attach_type` the legacy way
/// (`BPF_PROG_ATTACH`) and leaves it there: no guard detaches it, and it
/// stays attached after this process exits, until
/// [`detach_cgroup_untyped`] (or `bpftool cgroup detach`) removes it.
///
/// The run-time-checked path, for callers whose hook is data (a command
/// line, a configuration file): [`attach_cgroup_legacy`] takes a typed
/// [`CgroupHook`] instead. A program whose type cannot run at
/// `attach_type` is [`Error::WrongProgType`], naming both types; an
/// attach type that is no cgroup hook is [`Error::InvalidArgument`].
/// Nothing is attached then.
pub fn attach_cgroup_untyped(
    prog: &Program,
    cgroup: &Cgroup,
    attach_type: AttachType,
    flags: CgroupAttachFlags,
) -> Result<()> {
    check_cgroup_prog(prog, attach_type)?;
    let place = Placement { flags: flags.bits(), ..Placement::default() };
    sys::link::prog_attach(cgroup.target(), prog.fd(), attach_type.0, place, None)
        .map_err(|errno| cgroup_error(AttachAction::Attach, cgroup, attach_type, errno))
}

/// Detaches `prog` from `cgroup`'s hook `attach_type` (`BPF_PROG_DETACH`),
/// however it was attached there without a link: by
/// [`attach_cgroup_untyped`], by another process, by `bpftool`. A program
/// not attached there is `ENOENT`.
pub fn detach_cgroup_untyped(
    prog: &Program,
    cgroup: &Cgroup,
    attach_type: AttachType,
) -> Result<()> {
    sys::link::prog_detach(cgroup.target(), Some(prog.fd()), attach_type.0)
        .map_err(|errno| cgroup_error(AttachAction::Detach, cgroup, attach_type, errno))
}

/// What a cgroup hook holds, as [`cgroup_query`] reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CgroupQuery {
    /// The flags the hook's programs were attached with
    /// (`BPF_F_ALLOW_MULTI` for programs attached through links), as the
    /// kernel's bits: unknown bits are kept.
    pub flags: CgroupAttachFlags,
    /// The program ids, in the order they run.
    pub programs: Vec<u32>,
}

/// The programs at `cgroup`'s hook `attach_type`: those attached to the
/// cgroup itself, or with `effective` those that run for its tasks
/// (its ancestors' that are inherited, too; `BPF_F_QUERY_EFFECTIVE`).
/// Programs attached through links and without are both listed.
pub fn cgroup_query(
    cgroup: &Cgroup,
    attach_type: AttachType,
    effective: bool,
) -> Result<CgroupQuery> {
    const QUERY_EFFECTIVE: u32 = 1;
    let query_flags = if effective { QUERY_EFFECTIVE } else { 0 };
    let err = |errno| cgroup_error(AttachAction::Query, cgroup, attach_type, errno);
    let mut cap = 16;
    loop {
        let mut progs = vec![0u32; cap];
        let out =
            sys::link::query_multi(cgroup.target(), attach_type.0, query_flags, &mut progs, None)
                .map_err(err)?;
        let count = out.count as usize;
        if count <= cap {
            progs.truncate(count);
            return Ok(CgroupQuery {
                flags: CgroupAttachFlags::from_bits_retain(out.attach_flags),
                programs: progs,
            });
        }
        cap = count;
    }
}
