//! Probes by `BPF_PROG_LOAD`: program types, expected attach types and
//! helpers, each with the smallest program that shows the answer.

use std::os::fd::OwnedFd;

use super::cache::Answer;
use super::release::kernel_version;
use crate::asm::{HelperId, ProgramBuilder, R0};
use crate::sys::{self, AttachType, Errno, ProgType};

/// `BPF_F_SLEEPABLE`: the syscall program type loads only sleepable.
const BPF_F_SLEEPABLE: u32 = 1 << 4;

/// The size of the verifier log a helper probe reads: its first line says
/// whether the helper is known and allowed.
const HELPER_LOG: usize = 4096;

/// How one program type is loaded to probe it.
struct Recipe {
    expected_attach_type: u32,
    flags: u32,
    kern_version: u32,
    /// `attach_btf_id` 1 (a vmlinux type that is no function), for the
    /// types that need a target: the kernel refuses the target with
    /// `expect`, and only a kernel that has the type gets that far.
    btf_target: bool,
    /// The errno (and log text) a kernel that has the type answers with,
    /// where no minimal program of the type loads.
    expect: Option<(Errno, &'static str)>,
}

fn recipe(prog_type: ProgType) -> Recipe {
    let mut r = Recipe {
        expected_attach_type: 0,
        flags: 0,
        kern_version: 0,
        btf_target: false,
        expect: None,
    };
    match prog_type {
        ProgType::CGROUP_SOCK_ADDR => r.expected_attach_type = AttachType::CGROUP_INET4_CONNECT.0,
        ProgType::CGROUP_SOCKOPT => r.expected_attach_type = AttachType::CGROUP_GETSOCKOPT.0,
        ProgType::SK_LOOKUP => r.expected_attach_type = AttachType::SK_LOOKUP.0,
        ProgType::LIRC_MODE2 => r.expected_attach_type = AttachType::LIRC_MODE2.0,
        ProgType::NETFILTER => r.expected_attach_type = AttachType::NETFILTER.0,
        ProgType::KPROBE => r.kern_version = kernel_version(),
        ProgType::SYSCALL => r.flags = BPF_F_SLEEPABLE,
        ProgType::STRUCT_OPS => r.expect = Some((Errno::ENOTSUPP, "")),
        ProgType::TRACING | ProgType::LSM => {
            r.expected_attach_type = if prog_type == ProgType::TRACING {
                AttachType::TRACE_FENTRY.0
            } else {
                AttachType::LSM_MAC.0
            };
            r.btf_target = true;
            r.expect = Some((Errno::EINVAL, "attach_btf_id 1 is not a function"));
        }
        ProgType::EXT => {
            r.btf_target = true;
            r.expect = Some((Errno::EINVAL, "Cannot replace kernel functions"));
        }
        _ => {}
    }
    r
}

/// Loads `insns` as `prog_type` with `recipe`, with a verifier log in `log`
/// when given.
fn load(
    prog_type: ProgType,
    recipe: &Recipe,
    insns: &[u8],
    log: Option<&mut [u8]>,
) -> Result<OwnedFd, Errno> {
    let (result, _) = sys::prog::load(sys::prog::LoadArgs {
        prog_type: prog_type.0,
        expected_attach_type: recipe.expected_attach_type,
        insns,
        license: c"GPL",
        name: [0; 16],
        flags: recipe.flags,
        kern_version: recipe.kern_version,
        ifindex: 0,
        attach_btf_id: u32::from(recipe.btf_target),
        attach_fd: None,
        btf: None,
        line_info: &[],
        log: log.map(|buf| (buf, 1)),
    });
    result
}

/// A loaded `r0 = 0; exit` of `prog_type` expecting `attach_type`.
pub(super) fn load_minimal(prog_type: ProgType, attach_type: AttachType) -> Result<OwnedFd, Errno> {
    let mut recipe = recipe(prog_type);
    recipe.expected_attach_type = attach_type.0;
    load(prog_type, &recipe, &return_zero(), None)
}

/// `r0 = 0; exit`, as bytes.
fn return_zero() -> Vec<u8> {
    let mut b = ProgramBuilder::new();
    b.mov64(R0, 0).exit();
    b.assemble().map(|a| a.as_bytes().to_vec()).unwrap_or_default()
}

/// Whether an errno from a probe load means "no" (the kernel refused what
/// it does not have) rather than "could not ask".
fn refusal(errno: Errno) -> bool {
    matches!(errno, Errno::EINVAL | Errno::EOPNOTSUPP | Errno::ENOTSUPP | Errno::E2BIG)
}

/// Whether `bpf(2)` exists: a load of nothing as `BPF_PROG_TYPE_UNSPEC`,
/// which any kernel with the call refuses with something else than
/// `ENOSYS`.
pub(super) fn bpf_syscall() -> bool {
    let recipe = recipe(ProgType::UNSPEC);
    !matches!(load(ProgType::UNSPEC, &recipe, &[], None), Err(Errno::ENOSYS))
}

/// Whether the kernel has program type `prog_type`.
pub(super) fn prog_type(prog_type: ProgType) -> Answer {
    let recipe = recipe(prog_type);
    let insns = return_zero();
    let mut log = vec![0u8; HELPER_LOG];
    let with_log = recipe.expect.is_some_and(|(_, text)| !text.is_empty());
    let result = load(prog_type, &recipe, &insns, with_log.then_some(&mut log[..]));
    match (result, recipe.expect) {
        (Ok(_), _) => Ok(true),
        (Err(Errno::EPERM), _) => Err(Errno::EPERM),
        // The verifier refused `r0 = 0` (a return value the type does not
        // take): it ran, so the kernel has the type.
        (Err(Errno::EACCES), None) => Ok(true),
        (Err(errno), Some((expected, text))) => {
            Ok(errno == expected && (text.is_empty() || log_text(&log).contains(text)))
        }
        (Err(errno), None) if refusal(errno) => Ok(false),
        (Err(errno), None) => Err(errno),
    }
}

/// Whether the kernel accepts `attach_type` as the expected attach type of
/// a `prog_type` program: `Err(EOPNOTSUPP)` for pairs the kernel does not
/// check at load, which no load can probe.
pub(super) fn attach_type(prog_type: ProgType, attach_type: AttachType) -> Answer {
    if !checked_at_load(prog_type) {
        return Err(Errno::EOPNOTSUPP);
    }
    let mut recipe = recipe(prog_type);
    recipe.expected_attach_type = attach_type.0;
    match load(prog_type, &recipe, &return_zero(), None) {
        Ok(_) => Ok(true),
        Err(Errno::EPERM) => Err(Errno::EPERM),
        // The verifier ran, so the load's checks let the attach type by.
        Err(Errno::EACCES) => Ok(true),
        Err(errno) if refusal(errno) => Ok(false),
        Err(errno) => Err(errno),
    }
}

/// The program types whose expected attach type the kernel checks when the
/// program loads (`bpf_prog_load_check_attach`), so a load answers for it.
fn checked_at_load(prog_type: ProgType) -> bool {
    matches!(
        prog_type,
        ProgType::CGROUP_SOCK
            | ProgType::CGROUP_SOCK_ADDR
            | ProgType::CGROUP_SKB
            | ProgType::CGROUP_SOCKOPT
            | ProgType::SK_LOOKUP
            | ProgType::SK_REUSEPORT
            | ProgType::NETFILTER
    )
}

/// Whether a `prog_type` program may call `helper`, for a program type the
/// kernel has (the caller checks that first).
pub(super) fn helper(prog_type: ProgType, helper: HelperId) -> Answer {
    let recipe = recipe(prog_type);
    if recipe.btf_target || prog_type == ProgType::STRUCT_OPS {
        // Their loads stop at the attach target, before any call is seen.
        return Err(Errno::EOPNOTSUPP);
    }
    let mut b = ProgramBuilder::new();
    b.call(helper).exit();
    let insns = b.assemble().map(|a| a.as_bytes().to_vec()).unwrap_or_default();
    let mut log = vec![0u8; HELPER_LOG];
    match load(prog_type, &recipe, &insns, Some(&mut log)) {
        Ok(_) => Ok(true),
        Err(Errno::EPERM) => Err(Errno::EPERM),
        // The verifier's rejections are EINVAL or EACCES; the log says
        // whether the call itself was refused.
        Err(_) => Ok(!helper_refused(log_text(&log))),
    }
}

/// Whether the verifier's log refuses the call itself: an id it does not
/// know (`invalid func`), or a helper the program type may not call
/// (`unknown func` before 6.13-ish kernels, `program of this type cannot
/// use helper` since). Any other complaint (about the helper's arguments,
/// say) comes after the call was accepted.
pub(super) fn helper_refused(log: &str) -> bool {
    log.contains("invalid func ")
        || log.contains("unknown func ")
        || log.contains("program of this type cannot use helper ")
}

/// The log's text up to its NUL.
fn log_text(log: &[u8]) -> &str {
    let end = log.iter().position(|&b| b == 0).unwrap_or(log.len());
    std::str::from_utf8(&log[..end]).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_in_the_log() {
        assert!(helper_refused(
            "0: R1=ctx() R10=fp0\n0: (85) call unknown#999\ninvalid func unknown#999\n"
        ));
        assert!(helper_refused("unknown func bpf_sys_bpf#166\n"));
        assert!(helper_refused("program of this type cannot use helper bpf_sys_bpf#166\n"));
        assert!(!helper_refused("R1 type=ctx expected=fp\n"));
    }
}
