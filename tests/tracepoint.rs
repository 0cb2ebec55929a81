//! Tracepoints, raw tracepoints and kprobes in the running kernel: each
//! counter program counts only the calls of the test's own thread, so
//! tests running in parallel (threads of one process) do not disturb
//! each other's counts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use bpfkit::asm::{Helper, ProgramBuilder, R0, R1, R2, R6, R10, Size};
use bpfkit::link::{
    AttachAction, LinkTarget, LinkType, attach_kprobe, attach_raw_tracepoint, attach_tracepoint,
    attach_tracepoint_with_cookie,
};
use bpfkit::maps::{Array, MapFlags};
use bpfkit::prog::kind::{Kprobe, RawTracepoint, Tracepoint};
use bpfkit::prog::{ProgKind, Program, ProgramSpec};
use bpfkit::{Errno, Error};
use common::{PinDir, bpftool, id, unique};

/// x86-64's number of getpid(2), which raw `sys_enter` passes in `args[1]`.
#[cfg(target_arch = "x86_64")]
const NR_GETPID: i32 = 39;
/// arm64's.
#[cfg(target_arch = "aarch64")]
const NR_GETPID: i32 = 172;

/// This thread's `bpf_get_current_pid_tgid()`: tgid << 32 | tid.
fn pid_tgid() -> u64 {
    // /proc/thread-self is a link to <tgid>/task/<tid>.
    let target = std::fs::read_link("/proc/thread-self").unwrap();
    let target = target.to_str().unwrap();
    let (tgid, tid) = target.split_once("/task/").unwrap();
    (tgid.parse::<u64>().unwrap() << 32) | tid.parse::<u64>().unwrap()
}

/// getpid(2) `n` times (glibc does not cache it since 2.25, nor does
/// std): each call is one `sys_enter_getpid`.
fn getpid(n: usize) {
    for _ in 0..n {
        std::hint::black_box(std::process::id());
    }
}

/// Mounts tracefs at /sys/kernel/tracing if nothing is mounted there, as
/// bpftool does; the library only looks for it.
fn ensure_tracefs() {
    static MOUNTED: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    MOUNTED.get_or_init(|| {
        let mounts = std::fs::read_to_string("/proc/mounts").unwrap();
        if !mounts.lines().any(|l| l.split_whitespace().nth(2) == Some("tracefs")) {
            let status = std::process::Command::new("mount")
                .args(["-t", "tracefs", "nodev", "/sys/kernel/tracing"])
                .status();
            assert!(status.is_ok_and(|s| s.success()), "cannot mount tracefs");
        }
    });
}

/// A program of kind `K` that adds 1 to its map's element 0 when the
/// calling thread is `who`, and (for raw `sys_enter`) the syscall is
/// `syscall`.
fn counter<K: ProgKind>(kind: K, who: u64, syscall: Option<i32>) -> (Program<K>, Array<u64>) {
    let name = unique("tp");
    let counts = Array::<u64>::create(&name, 1, MapFlags::empty()).unwrap();
    let mut b = ProgramBuilder::new();
    let done = b.label();
    b.mov64(R6, R1);
    if let Some(nr) = syscall {
        // struct bpf_raw_tracepoint_args: u64 args[]; sys_enter's args[1]
        // is the syscall number.
        b.ldx(Size::DW, R1, R6, 8).jne(R1, nr, done);
    }
    b.call(Helper::GetCurrentPidTgid).ld_imm64(R1, who).jne(R0, R1, done);
    b.st(Size::W, R10, -4, 0).mov64(R2, R10).add64(R2, -4).ld_map_fd(R1, &counts);
    b.call(Helper::MapLookupElem).jeq(R0, 0, done).mov64(R1, 1).atomic_add64(R0, 0, R1);
    b.bind(done).mov64(R0, 0).exit();
    let insns = b.assemble().unwrap();
    (ProgramSpec::typed(kind, &insns).name(&name).load().unwrap(), counts)
}

fn count(counts: &Array<u64>) -> u64 {
    counts.get(0).unwrap()
}

#[test]
fn a_tracepoint_program_counts_each_hit_until_dropped() {
    require_kernel!();
    ensure_tracefs();
    let (prog, counts) = counter(Tracepoint, pid_tgid(), None);
    let link = attach_tracepoint(&prog, "syscalls", "sys_enter_getpid").unwrap();
    getpid(7);
    assert_eq!(count(&counts), 7);

    let info = link.info().unwrap();
    assert_eq!(info.link_type, LinkType::PERF_EVENT);
    assert_eq!(info.prog_id, id(&prog));
    let sys_enter_getpid = LinkTarget::Tracepoint { tp_name: "sys_enter_getpid".into(), cookie: 0 };
    assert_eq!(info.target, sys_enter_getpid);

    // The program is the kernel's now: dropping ours changes nothing.
    drop(prog);
    getpid(3);
    assert_eq!(count(&counts), 10);

    drop(link);
    getpid(5);
    assert_eq!(count(&counts), 10, "the program ran after its link was dropped");
}

#[test]
fn detach_stops_a_tracepoint_program_and_a_pin_keeps_it() {
    require_kernel!();
    ensure_tracefs();
    let (prog, counts) = counter(Tracepoint, pid_tgid(), None);
    let dir = PinDir::new();
    let pin = dir.path("link");

    // Pinned: the link (and its perf event) outlive our fds.
    let link = attach_tracepoint(&prog, "syscalls", "sys_enter_getpid").unwrap();
    link.pin(&pin).unwrap();
    drop(link);
    getpid(4);
    assert_eq!(count(&counts), 4);

    // Unpinned, it goes with the last reference (released by a kernel
    // worker, a moment later).
    std::fs::remove_file(&pin).unwrap();
    wait_until_stopped(&counts);
    let before = count(&counts);
    getpid(4);
    assert_eq!(count(&counts), before, "the program ran after its pin was removed");

    // detach() stops it at once; the kernel has no BPF_LINK_DETACH for
    // perf_event links, so it is closing that detaches.
    let link = attach_tracepoint(&prog, "syscalls", "sys_enter_getpid").unwrap();
    let before = count(&counts);
    getpid(2);
    assert_eq!(count(&counts), before + 2);
    link.detach().unwrap();
    getpid(2);
    assert_eq!(count(&counts), before + 2, "the program ran after detach");
}

/// Calls getpid until one call goes uncounted: a link whose last pin was
/// removed is released by a kernel worker, not by the unlink itself.
fn wait_until_stopped(counts: &Array<u64>) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let before = count(counts);
        getpid(1);
        if count(counts) == before {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "the unpinned link still runs after 5 s");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

#[test]
fn a_cookie_is_the_links() {
    require_kernel!();
    ensure_tracefs();
    let (prog, _counts) = counter(Tracepoint, 0, None);
    let link = attach_tracepoint_with_cookie(&prog, "sched", "sched_switch", 0xc0ffee).unwrap();
    let target = LinkTarget::Tracepoint { tp_name: "sched_switch".into(), cookie: 0xc0ffee };
    assert_eq!(link.info().unwrap().target, target);
}

#[test]
fn a_missing_tracepoint_names_the_path_looked_up() {
    require_kernel!();
    ensure_tracefs();
    let (prog, _counts) = counter(Tracepoint, 0, None);
    let err = attach_tracepoint(&prog, "syscalls", "sys_enter_no_such_call").unwrap_err();
    assert_eq!(err.errno(), Some(Errno::ENOENT), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("/events/syscalls/sys_enter_no_such_call/id"),
        "the error does not name the path: {text}"
    );
    assert!(text.contains("list /sys/kernel/tracing/events/syscalls for the"), "{text}");
    let Error::Hook { action, hook, .. } = &err else { panic!("{err:?}") };
    assert_eq!(
        (*action, hook.as_str()),
        (AttachAction::Attach, "tracepoint syscalls/sys_enter_no_such_call")
    );

    let err = attach_tracepoint(&prog, "no_such_category", "x").unwrap_err();
    assert!(
        err.to_string().contains("list /sys/kernel/tracing/events for the categories"),
        "{err}"
    );
    let err = attach_tracepoint(&prog, "syscalls/../x", "y").unwrap_err();
    assert!(matches!(err, Error::InvalidArgument { .. }), "{err:?}");
}

#[test]
fn bpftool_perf_lists_the_tracepoint_attachment() {
    require_kernel!();
    ensure_tracefs();
    let (prog, _counts) = counter(Tracepoint, pid_tgid(), None);
    let link = attach_tracepoint(&prog, "syscalls", "sys_enter_getpid").unwrap();
    let Some(run) = bpftool(&["-j", "perf"]) else { return };
    let json = run.success().json();
    let pid = std::process::id();
    let ours: Vec<_> = json
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["pid"] == pid && e["prog_id"] == id(&prog))
        .collect();
    assert_eq!(ours.len(), 1, "{json}");
    use std::os::fd::AsRawFd;
    assert_eq!(ours[0]["fd"], link.perf_event_fd().as_raw_fd(), "{json}");
    assert_eq!(ours[0]["fd_type"], "tracepoint", "{json}");
    assert_eq!(ours[0]["tracepoint"], "sys_enter_getpid", "{json}");

    // bpftool link shows the perf_event link (7.1 prints no tracepoint
    // name for it; LinkInfo has it).
    let link_id = link.info().unwrap().id.to_string();
    let shown = bpftool(&["-j", "link", "show", "id", &link_id]).unwrap().success().json();
    assert_eq!(shown["type"], "perf_event", "{shown}");
    assert_eq!(shown["prog_id"], id(&prog), "{shown}");
}

#[test]
fn a_raw_tracepoint_program_counts_each_hit_until_dropped() {
    require_kernel!();
    let (prog, counts) = counter(RawTracepoint, pid_tgid(), Some(NR_GETPID));
    let link = attach_raw_tracepoint(&prog, "sys_enter").unwrap();
    getpid(9);
    assert_eq!(count(&counts), 9);
    let info = link.info().unwrap();
    assert_eq!(info.link_type, LinkType::RAW_TRACEPOINT);
    assert_eq!(info.target, LinkTarget::RawTracepoint { tp_name: "sys_enter".into() });

    // bpftool perf lists raw tracepoint links too.
    let (other, _) = counter(RawTracepoint, 0, None); // getpid in unique()
    let pid = std::process::id(); // a getpid: before the count below
    let counted = count(&counts);
    if let Some(run) = bpftool(&["-j", "perf"]) {
        let json = run.success().json();
        let listed = json.as_array().unwrap().iter().any(|e| {
            e["pid"] == pid
                && e["prog_id"] == id(&prog)
                && e["fd_type"] == "raw_tracepoint"
                && e["tracepoint"] == "sys_enter"
        });
        assert!(listed, "{json}");
        let link_id = link.info().unwrap().id.to_string();
        let shown = bpftool(&["-j", "link", "show", "id", &link_id]).unwrap().success().json();
        assert_eq!(shown["type"], "raw_tracepoint", "{shown}");
        assert_eq!(shown["tp_name"], "sys_enter", "{shown}");
        assert_eq!(shown["prog_id"], id(&prog), "{shown}");
    }

    // The kernel neither swaps a raw tracepoint link's program nor
    // detaches it while open (why RawTracepointLink offers neither): an
    // untyped handle on it gets the kernel's refusals.
    let link = link.into_untyped();
    let other = other.into_untyped();
    assert_eq!(link.update(&other).unwrap_err().errno(), Some(Errno::EINVAL));
    drop(link);
    getpid(3);
    assert_eq!(count(&counts), counted, "the program ran after its link was dropped");

    let link = attach_raw_tracepoint(&prog, "sys_enter").unwrap().into_untyped();
    assert_eq!(link.detach().unwrap_err().errno(), Some(Errno::EOPNOTSUPP));
}

#[test]
fn an_unknown_raw_tracepoint_is_named() {
    require_kernel!();
    let (prog, _counts) = counter(RawTracepoint, 0, None);
    let err = attach_raw_tracepoint(&prog, "syscalls/sys_enter").unwrap_err();
    assert_eq!(err.errno(), Some(Errno::ENOENT), "{err}");
    let text = err.to_string();
    assert!(text.starts_with("attaching at raw tracepoint syscalls/sys_enter failed"), "{text}");
    assert!(text.contains("without its category"), "{text}");
}

#[test]
fn kprobes_say_they_are_not_in_this_kernel() {
    require_kernel!();
    if std::path::Path::new("/sys/bus/event_source/devices/kprobe").exists() {
        common::skip(
            common::Require::Kernel,
            "this kernel has kprobes",
            "the not-available error is tested on kernels without CONFIG_KPROBES",
        );
        return;
    }
    let mut b = ProgramBuilder::new();
    b.mov64(R0, 0).exit();
    let insns = b.assemble().unwrap();
    let prog = ProgramSpec::typed(Kprobe, &insns).name("kp").load().unwrap();
    let err = attach_kprobe(&prog, "do_sys_openat2").unwrap_err();
    assert_eq!(err.errno(), Some(Errno::EOPNOTSUPP), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("kprobes are not available in this kernel (CONFIG_KPROBES off)"),
        "{text}"
    );
    assert!(text.contains("kprobe do_sys_openat2"), "{text}");
}
