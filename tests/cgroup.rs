//! cgroup v2 hooks, through links and the legacy multi-attach, each seen to
//! fire for a process moved into a fresh child cgroup.
//!
//! The process that triggers a hook is this test binary run again (the
//! `child` test below, which does nothing unless `BPFKIT_CGROUP_CHILD`
//! says what to do): it moves itself into the cgroup, so no thread of the
//! parallel test run is moved.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use bpfkit::Errno;
use bpfkit::asm::{ProgramBuilder, R0};
use bpfkit::link::{
    Cgroup, CgroupAttachFlags, CgroupHook, attach_cgroup, attach_cgroup_legacy,
    attach_cgroup_untyped, cgroup_programs, cgroup_query, cgroup2_mount, detach_cgroup_untyped,
};
use bpfkit::maps::Array;
use bpfkit::prog::kind::{
    CgroupConnect4, CgroupConnect6, CgroupSkb, CgroupSockCreate, CgroupSysctl, ProgKind,
};
use bpfkit::prog::{AttachType, ProgType, Program, ProgramSpec};
use common::{id, unique, wait_link_gone};

const CHILD: &str = "BPFKIT_CGROUP_CHILD";

/// What the child does, in the cgroup at the path before the `|`.
#[test]
fn child() {
    let Ok(spec) = std::env::var(CHILD) else { return };
    let mut parts = spec.split('|');
    let (path, action, n) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
    let n: usize = n.parse().unwrap();
    std::fs::write(Path::new(path).join("cgroup.procs"), std::process::id().to_string()).unwrap();
    match action {
        "udp" => {
            // To itself: each datagram leaves (egress) and arrives (ingress).
            let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
            let me = sock.local_addr().unwrap();
            let mut buf = [0u8; 4];
            for i in 0..n {
                sock.send_to(&[i as u8], me).unwrap();
                sock.recv_from(&mut buf).unwrap();
            }
        }
        "socket" => {
            for _ in 0..n {
                drop(std::net::UdpSocket::bind("127.0.0.1:0").unwrap());
            }
        }
        "connect4" => {
            let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
            for _ in 0..n {
                sock.connect("127.0.0.1:9").unwrap();
            }
        }
        "sysctl" => {
            for _ in 0..n {
                std::fs::read_to_string("/proc/sys/kernel/ostype").unwrap();
            }
        }
        other => panic!("unknown child action {other}"),
    }
}

/// A child cgroup of its own, removed on drop.
struct TestCgroup {
    path: PathBuf,
    cgroup: Cgroup,
}

impl TestCgroup {
    fn new() -> TestCgroup {
        let path = cgroup2_mount().unwrap().join(unique("bpfkit-cg-"));
        std::fs::create_dir(&path).unwrap();
        let cgroup = Cgroup::open(&path).unwrap();
        TestCgroup { path, cgroup }
    }

    /// Runs the child in this cgroup: `action` `n` times.
    fn run(&self, action: &str, n: usize) {
        let out = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "child", "--test-threads=1", "--quiet"])
            .env(CHILD, format!("{}|{action}|{n}", self.path.display()))
            .output()
            .unwrap();
        assert!(out.status.success(), "child: {}", String::from_utf8_lossy(&out.stdout));
    }
}

impl Drop for TestCgroup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.path);
    }
}

/// A program of kind `K` that counts its runs and returns 1 (allow).
fn counter<K: ProgKind>(kind: K) -> (Program<K>, Array<u64>) {
    common::counting(kind, 1)
}

fn count(counts: &Array<u64>) -> u64 {
    counts.get(0).unwrap()
}

#[test]
fn skb_egress_through_a_link_counts_each_datagram() {
    require_kernel!();
    let cg = TestCgroup::new();
    let (prog, counts) = counter(CgroupSkb);
    let link = attach_cgroup(&prog, &cg.cgroup, CgroupHook::EGRESS).unwrap();
    cg.run("udp", 5);
    assert_eq!(count(&counts), 5);
    let on = cgroup_programs(&cg.cgroup, AttachType::CGROUP_INET_EGRESS).unwrap();
    assert_eq!(on.programs.len(), 1);
    assert_eq!(on.programs[0].prog_id, id(&prog));
    let link_id = link.info().unwrap().id;
    drop(link);
    wait_link_gone(link_id);
    cg.run("udp", 3);
    assert_eq!(count(&counts), 5, "detached with its link");
}

#[test]
fn legacy_multi_attach_runs_every_program_and_detaches_on_drop() {
    require_kernel!();
    let cg = TestCgroup::new();
    let ((first, first_counts), (second, second_counts)) = (counter(CgroupSkb), counter(CgroupSkb));
    let multi = CgroupAttachFlags::ALLOW_MULTI;
    let a = attach_cgroup_legacy(&first, &cg.cgroup, CgroupHook::INGRESS, multi, None).unwrap();
    let b = attach_cgroup_legacy(&second, &cg.cgroup, CgroupHook::INGRESS, multi, None).unwrap();
    let on = cgroup_programs(&cg.cgroup, AttachType::CGROUP_INET_INGRESS).unwrap();
    let ids: Vec<u32> = on.programs.iter().map(|p| p.prog_id).collect();
    assert_eq!(ids, [id(&first), id(&second)]);
    cg.run("udp", 4);
    assert_eq!((count(&first_counts), count(&second_counts)), (4, 4));

    // The same program twice is refused, and the hook is as it was.
    let err =
        attach_cgroup_legacy(&first, &cg.cgroup, CgroupHook::INGRESS, multi, None).unwrap_err();
    assert_eq!(err.errno(), Some(Errno::EINVAL), "{err}");
    let text = err.to_string();
    assert!(text.contains(&cg.path.display().to_string()), "{text}");
    assert!(text.contains("already attached to this hook"), "{text}");
    assert_eq!(cgroup_programs(&cg.cgroup, AttachType::CGROUP_INET_INGRESS).unwrap(), on);

    drop(a);
    let on = cgroup_programs(&cg.cgroup, AttachType::CGROUP_INET_INGRESS).unwrap();
    assert_eq!(on.programs.iter().map(|p| p.prog_id).collect::<Vec<_>>(), [id(&second)]);
    b.detach().unwrap();
    assert!(
        cgroup_programs(&cg.cgroup, AttachType::CGROUP_INET_INGRESS).unwrap().programs.is_empty()
    );
}

#[test]
fn socket_creation_connect_and_sysctl_hooks_fire() {
    require_kernel!();
    let cg = TestCgroup::new();
    let (create, create_counts) = counter(CgroupSockCreate);
    let (connect, connect_counts) = counter(CgroupConnect4);
    let (sysctl, sysctl_counts) = counter(CgroupSysctl);
    let _links = (
        attach_cgroup(&create, &cg.cgroup, CgroupHook::SOCK_CREATE).unwrap(),
        attach_cgroup(&connect, &cg.cgroup, CgroupHook::CONNECT4).unwrap(),
        attach_cgroup(&sysctl, &cg.cgroup, CgroupHook::SYSCTL).unwrap(),
    );
    cg.run("socket", 4);
    assert_eq!(count(&create_counts), 4);
    cg.run("connect4", 3);
    assert_eq!(count(&connect_counts), 3);
    cg.run("sysctl", 2);
    assert!(count(&sysctl_counts) >= 2, "{}", count(&sysctl_counts));
}

#[test]
fn a_program_verified_for_another_hook_is_refused_with_advice() {
    require_kernel!();
    let cg = TestCgroup::new();
    // A sock_addr program verified for connect6, known only by its type:
    // it passes as a connect4 program until the kernel checks.
    let mut b = ProgramBuilder::new();
    b.mov64(R0, 1).exit();
    let insns = b.assemble().unwrap();
    let six = ProgramSpec::typed(CgroupConnect6, &insns).name("cg_six").load().unwrap();
    let untyped = Program::from_id(id(&six)).unwrap();
    assert_eq!(untyped.prog_type(), ProgType::CGROUP_SOCK_ADDR);
    let as_four = untyped.into_kind(CgroupConnect4).unwrap();
    let path = cg.path.display().to_string();
    let before = common::bpftool(&["-j", "cgroup", "show", &path]).map(|r| r.stdout);
    let err = attach_cgroup(&as_four, &cg.cgroup, CgroupHook::CONNECT4).unwrap_err();
    let after = common::bpftool(&["-j", "cgroup", "show", &path]).map(|r| r.stdout);
    assert_eq!(after, before, "bpftool sees the cgroup as it was");
    assert_eq!(err.errno(), Some(Errno::EINVAL), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("cgroup_inet4_connect") && text.contains("expected attach type"),
        "{text}"
    );
    assert!(
        cgroup_programs(&cg.cgroup, AttachType::CGROUP_INET4_CONNECT).unwrap().programs.is_empty()
    );
}

#[test]
fn a_directory_that_is_no_cgroup2_is_refused() {
    let err = Cgroup::open(std::env::temp_dir()).unwrap_err();
    assert!(err.to_string().contains("not a cgroup v2 directory"), "{err}");
}

#[test]
fn untyped_attach_stays_until_detached_and_refuses_a_program_of_another_type() {
    require_kernel!();
    let cg = TestCgroup::new();
    let (prog, counts) = counter(CgroupSkb);
    let prog = prog.into_untyped();
    let egress = AttachType::CGROUP_INET_EGRESS;
    let multi = CgroupAttachFlags::ALLOW_MULTI;
    attach_cgroup_untyped(&prog, &cg.cgroup, egress, multi).unwrap();
    cg.run("udp", 4);
    assert_eq!(count(&counts), 4);
    let q = cgroup_query(&cg.cgroup, egress, false).unwrap();
    assert_eq!((q.flags, q.programs), (multi, vec![id(&prog)]));
    // The parent's programs are the child's effective ones only.
    let child = cg.path.join("child");
    std::fs::create_dir(&child).unwrap();
    let child_cg = Cgroup::open(&child).unwrap();
    assert!(cgroup_query(&child_cg, egress, false).unwrap().programs.is_empty());
    assert_eq!(cgroup_query(&child_cg, egress, true).unwrap().programs, [id(&prog)]);
    drop(child_cg);
    std::fs::remove_dir(&child).unwrap();

    // A program of another type, or a hook that is no cgroup's: refused
    // before the kernel is asked, naming both types; the hook is as it was.
    let (sysctl, _) = counter(CgroupSysctl);
    let err = attach_cgroup_untyped(&sysctl.into_untyped(), &cg.cgroup, egress, multi).unwrap_err();
    assert!(matches!(
        err,
        bpfkit::Error::WrongProgType {
            expected: ProgType::CGROUP_SKB,
            found: ProgType::CGROUP_SYSCTL,
            ..
        }
    ));
    let err = attach_cgroup_untyped(&prog, &cg.cgroup, AttachType::XDP, multi).unwrap_err();
    assert!(matches!(err, bpfkit::Error::InvalidArgument { .. }), "{err}");
    assert_eq!(cgroup_query(&cg.cgroup, egress, false).unwrap().programs, [id(&prog)]);

    detach_cgroup_untyped(&prog, &cg.cgroup, egress).unwrap();
    assert!(cgroup_query(&cg.cgroup, egress, false).unwrap().programs.is_empty());
    let err = detach_cgroup_untyped(&prog, &cg.cgroup, egress).unwrap_err();
    assert_eq!(err.errno(), Some(Errno::ENOENT));
    cg.run("udp", 2);
    assert_eq!(count(&counts), 4);
}
