//! What the running kernel supports: program types, map types, helpers per
//! program type, expected attach types and link types, found by tiny probes.
//!
//! Each question is answered by the smallest `bpf(2)` call that shows it,
//! as libbpf's `libbpf_probe_bpf_*` and bpftool's `feature probe` do:
//!
//! - a program type: load `r0 = 0; exit` as that type (with the expected
//!   attach type or flag the type requires; the types that need an attach
//!   target are given one the kernel refuses with a message only a kernel
//!   that has the type prints);
//! - a map type: create a one-entry map of that type with the sizes and
//!   flags it takes (an inner map for maps of maps, BTF for local storage);
//! - a helper: load `call HELPER; exit` as the program type, with a
//!   verifier log, and read the log: `invalid func` (an id the kernel does
//!   not know), `unknown func` or `program of this type cannot use helper`
//!   (a helper the type may not call) mean no; any other complaint (about
//!   the helper's arguments) means the call itself was accepted. A program
//!   type the kernel lacks has no helpers;
//! - an expected attach type: load `r0 = 0; exit` as the program type with
//!   that expected attach type, for the program types whose attach type the
//!   kernel checks at load (cgroup socket types, `sk_lookup`,
//!   `sk_reuseport`, `netfilter`);
//! - a link type: `BPF_LINK_CREATE` of such a minimal program with the
//!   link's attach type, on a target that does not exist. The kernel
//!   refuses an attach type it has no link for with `EINVAL` before it
//!   looks at the target; one that has the link says the target is
//!   missing (`ENODEV`, `EBADF`). Only link types whose target can be
//!   named by a number and whose missing target is not `EINVAL` too are
//!   probed (`tcx`, `netkit`, `cgroup`, `netns`, `sockmap`, `netfilter`).
//!
//! Answers are computed lazily, at most once per process, and cached for
//! every thread. Each is a [`Result`]: `Ok(true)` supported, `Ok(false)`
//! not supported, and [`Error::CannotProbe`] when the probe could not
//! answer: without `CAP_BPF` (`EPERM`, with the capabilities to grant), or
//! for a question no minimal program can answer (`EOPNOTSUPP`: helpers of
//! `tracing`, `lsm`, `ext` and `struct_ops` programs, which load only with
//! a real attach target).
//!
//! ```no_run
//! use bpfkit::asm::Helper;
//! use bpfkit::maps::MapType;
//! use bpfkit::prog::ProgType;
//! use bpfkit::probe;
//!
//! assert!(probe::prog_type(ProgType::XDP)?);
//! assert!(probe::map_type(MapType::RINGBUF)?);
//! assert!(probe::helper(ProgType::XDP, Helper::MapLookupElem)?);
//! // Errors that say what is missing, instead of a bare EINVAL:
//! probe::require_helper(ProgType::XDP, Helper::MapLookupElem)?;
//! # Ok::<(), bpfkit::Error>(())
//! ```
//!
//! # Turning `EINVAL` into [`Error::NotSupported`]
//!
//! The kernel answers a load or an attach that needs a feature it lacks
//! with a bare `EINVAL`, as it answers a malformed one. Code that loads or
//! attaches calls [`explain_einval`] with the error and the features the
//! call needed: if one of them is missing, the error becomes
//! [`Error::NotSupported`] naming it and the kernel's release; otherwise
//! (or when the probe cannot say) the original error is kept.

mod cache;
mod insns;
mod link;
mod map;
mod prog;
mod release;

use crate::asm::HelperId;
use crate::error::{Error, Result};
pub use crate::error::{Feature, InsnFeature};
use crate::sys::{AttachType, LinkType, MapType, ProgType};

/// Whether the running kernel supports `what`: `Ok(false)` when it does
/// not, [`Error::CannotProbe`] when the probe could not tell.
///
/// Cached: each feature is probed at most once per process.
pub fn supported(what: Feature) -> Result<bool> {
    let answer = match what {
        Feature::ProgType(t) => cache::answer(what, || prog::prog_type(t)),
        Feature::MapType(t) => cache::answer(what, || map::map_type(t)),
        Feature::Helper { prog_type, helper } => {
            if !supported(Feature::ProgType(prog_type))? {
                return Ok(false);
            }
            cache::answer(what, || prog::helper(prog_type, helper))
        }
        Feature::AttachType { prog_type, attach_type } => {
            if !supported(Feature::ProgType(prog_type))? {
                return Ok(false);
            }
            cache::answer(what, || prog::attach_type(prog_type, attach_type))
        }
        Feature::Insns(insn) => cache::answer(what, || insns::insns(insn)),
        Feature::LinkType(t) => {
            if let Some(prog_type) = link::prog_type(t)
                && !supported(Feature::ProgType(prog_type))?
            {
                return Ok(false);
            }
            cache::answer(what, || link::link_type(t))
        }
    };
    answer.map_err(|errno| Error::CannotProbe { what, errno })
}

/// Whether the running kernel has program type `prog_type`.
#[doc(alias = "libbpf_probe_bpf_prog_type")]
pub fn prog_type(prog_type: ProgType) -> Result<bool> {
    supported(Feature::ProgType(prog_type))
}

/// Whether the running kernel has map type `map_type`.
#[doc(alias = "libbpf_probe_bpf_map_type")]
pub fn map_type(map_type: MapType) -> Result<bool> {
    supported(Feature::MapType(map_type))
}

/// Whether a `prog_type` program may call `helper` on the running kernel
/// (`Ok(false)` when the kernel lacks the program type).
#[doc(alias = "libbpf_probe_bpf_helper")]
pub fn helper(prog_type: ProgType, helper: impl Into<HelperId>) -> Result<bool> {
    supported(Feature::Helper { prog_type, helper: helper.into() })
}

/// Whether the running kernel loads a `prog_type` program with expected
/// attach type `attach_type`. Only program types whose attach type the
/// kernel checks at load can be probed (see the [module docs](self));
/// others give [`Error::CannotProbe`] with `EOPNOTSUPP`.
pub fn attach_type(prog_type: ProgType, attach_type: AttachType) -> Result<bool> {
    supported(Feature::AttachType { prog_type, attach_type })
}

/// Whether the running kernel has link type `link_type`: probed with
/// `BPF_LINK_CREATE` of a minimal program on a target that does not exist
/// (see the [module docs](self)), for `tcx`, `netkit`, `cgroup`, `netns`,
/// `sockmap` and `netfilter` links; the others (`xdp` among them) give
/// [`Error::CannotProbe`] with `EOPNOTSUPP`.
pub fn link_type(link_type: LinkType) -> Result<bool> {
    supported(Feature::LinkType(link_type))
}

/// Whether the verifier of the running kernel accepts `what` in a
/// program's instructions (probed with a socket filter; a `sched_cls`
/// program for [`InsnFeature::LargeProgram`]).
pub fn insns(what: InsnFeature) -> Result<bool> {
    supported(Feature::Insns(what))
}

/// Whether the `bpf(2)` system call exists at all (`ENOSYS` otherwise).
/// Not cached: one call that the kernel refuses at once.
pub fn bpf_syscall() -> bool {
    prog::bpf_syscall()
}

/// `Ok(())` when the running kernel supports `what`;
/// [`Error::NotSupported`] when it does not; [`Error::CannotProbe`] when
/// the probe could not tell.
pub fn require(what: Feature) -> Result<()> {
    if supported(what)? {
        Ok(())
    } else {
        Err(Error::NotSupported { what, release: kernel_release().to_string() })
    }
}

/// [`require`] for a program type.
pub fn require_prog_type(prog_type: ProgType) -> Result<()> {
    require(Feature::ProgType(prog_type))
}

/// [`require`] for a map type.
pub fn require_map_type(map_type: MapType) -> Result<()> {
    require(Feature::MapType(map_type))
}

/// [`require`] for a helper called from a program type (and the program
/// type itself: a missing program type is named as such).
pub fn require_helper(prog_type: ProgType, helper: impl Into<HelperId>) -> Result<()> {
    require_prog_type(prog_type)?;
    require(Feature::Helper { prog_type, helper: helper.into() })
}

/// [`require`] for a link type.
pub fn require_link_type(link_type: LinkType) -> Result<()> {
    require(Feature::LinkType(link_type))
}

/// [`require`] for an expected attach type of a program type (and the
/// program type itself).
pub fn require_attach_type(prog_type: ProgType, attach_type: AttachType) -> Result<()> {
    require_prog_type(prog_type)?;
    require(Feature::AttachType { prog_type, attach_type })
}

/// `err`, or [`Error::NotSupported`] for the first of `needed` the running
/// kernel lacks when `err` is an `EINVAL`.
///
/// For the code that loads and attaches: when the kernel answers
/// `EINVAL`, pass the features the call needed (its program type, the
/// map types it created, its expected attach type, the helpers it calls).
/// Features that cannot be probed, and probes that fail, are passed over:
/// the original error is kept unless a feature is known to be missing.
///
/// ```no_run
/// use bpfkit::prog::ProgType;
/// use bpfkit::probe::{self, Feature};
/// # fn load() -> bpfkit::Result<()> { Ok(()) }
/// let loaded = load().map_err(|e| probe::explain_einval(e, &[Feature::ProgType(ProgType::XDP)]));
/// ```
pub fn explain_einval(err: Error, needed: &[Feature]) -> Error {
    if err.errno() != Some(crate::sys::Errno::EINVAL) {
        return err;
    }
    for &what in needed {
        if let Err(missing @ Error::NotSupported { .. }) = require(what) {
            return missing;
        }
    }
    err
}

/// The running kernel's release, as `uname -r` prints it (from
/// `/proc/sys/kernel/osrelease`; `"unknown"` when unreadable).
pub fn kernel_release() -> &'static str {
    release::release()
}

/// How many probes this process has sent to the kernel so far: answers
/// from the cache do not count.
pub fn probes_run() -> u64 {
    cache::probes_run()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::Errno;
    use crate::sys::mock::with_hook;
    use std::cell::Cell;
    use std::rc::Rc;

    #[test]
    fn a_second_question_is_answered_from_the_cache() {
        // A type number no other test asks about, so the process-wide
        // cache is this test's alone.
        let made_up = ProgType(777);
        let loads = Rc::new(Cell::new(0));
        let seen = loads.clone();
        let hook: crate::sys::mock::Hook = Box::new(move |cmd, _attr| {
            (cmd == crate::sys::Cmd::ProgLoad).then(|| {
                seen.set(seen.get() + 1);
                Err(Errno::EINVAL)
            })
        });
        with_hook(hook, || {
            assert!(!prog_type(made_up).unwrap());
            assert!(!prog_type(made_up).unwrap());
            // A helper of a missing type needs no load of its own.
            assert!(!helper(made_up, crate::asm::HelperId(1)).unwrap());
        });
        assert_eq!(loads.get(), 1);
    }

    #[test]
    fn eperm_is_could_not_probe_and_names_the_capability() {
        let hook: crate::sys::mock::Hook =
            Box::new(|cmd, _attr| (cmd == crate::sys::Cmd::MapCreate).then_some(Err(Errno::EPERM)));
        let err = with_hook(hook, || map_type(MapType(778))).unwrap_err();
        assert!(matches!(err, Error::CannotProbe { errno: Errno::EPERM, .. }), "{err:?}");
        assert!(err.to_string().contains("CAP_BPF"), "{err}");
    }

    #[test]
    fn explain_einval_names_the_missing_feature() {
        let hook: crate::sys::mock::Hook =
            Box::new(|cmd, _attr| (cmd == crate::sys::Cmd::ProgLoad).then_some(Err(Errno::EINVAL)));
        let einval = Error::syscall(crate::sys::Cmd::ProgLoad, Errno::EINVAL);
        let err = with_hook(hook, || explain_einval(einval, &[Feature::ProgType(ProgType(779))]));
        assert!(matches!(err, Error::NotSupported { .. }), "{err:?}");
        let text = err.to_string();
        assert!(text.contains("does not support program type 779"), "{text}");
        assert!(text.contains(kernel_release()), "{text}");
        let eperm = Error::syscall(crate::sys::Cmd::ProgLoad, Errno::EPERM);
        assert!(matches!(explain_einval(eperm, &[]), Error::Syscall { .. }));
    }
}
