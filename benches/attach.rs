//! Attach and detach, raw `bpf(2)` against bpfkit, on each `bpf_link` path:
//! XDP (generic mode), tcx ingress and a cgroup's egress. One cycle is
//! `BPF_LINK_CREATE` and the close that detaches.
//!
//! Detaching XDP waits for an RCU grace period (milliseconds), which would
//! drown everything else: the bench sets `/sys/kernel/rcu_expedited` to 1
//! for its run and puts the old value back, even if it panics. The hooks
//! are on a veth pair in a private network namespace, and a child cgroup
//! of its own, both removed at the end.
//!
//! bpfkit's side is given the interface [`Interface::resolve`]d once, as
//! code that attaches often holds it: the cost measured is the library's,
//! not a name lookup per call.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr, missing_docs)]

mod common;

use std::hint::black_box;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::PathBuf;
use std::process::Command;

use bpfkit::asm::{ProgramBuilder, R0};
use bpfkit::link::{
    Anchor, Cgroup, CgroupHook, Interface, TcxDirection, XdpLink, XdpMode, attach_cgroup,
    attach_tcx, cgroup2_mount,
};
use bpfkit::prog::ProgramSpec;
use bpfkit::prog::kind::{CgroupSkb, SchedCls, Xdp};
use common::paired;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// `BPF_LINK_CREATE`'s attribute, up to the per-type union.
#[repr(C)]
#[derive(Default)]
struct LinkCreate {
    prog_fd: u32,
    target: u32,
    attach_type: u32,
    flags: u32,
    rest: [u64; 5],
}

/// One raw cycle: create the link, close it.
fn raw_cycle(prog: i32, target: u32, attach_type: u32, flags: u32) {
    let mut attr =
        LinkCreate { prog_fd: prog as u32, target, attach_type, flags, ..Default::default() };
    // SAFETY: the attribute is a live, correctly laid out struct of the size passed.
    #[allow(unsafe_code)]
    let fd = unsafe {
        libc::syscall(
            libc::SYS_bpf,
            28, // BPF_LINK_CREATE
            &mut attr as *mut LinkCreate,
            size_of::<LinkCreate>() as u32,
        )
    };
    assert!(fd > 0, "BPF_LINK_CREATE: {}", std::io::Error::last_os_error());
    // SAFETY: the fd was just returned to us and is owned by nothing else.
    #[allow(unsafe_code)]
    drop(unsafe { OwnedFd::from_raw_fd(fd as i32) });
}

/// `/sys/kernel/rcu_expedited` set to 1 while it lives.
struct RcuExpedited(Option<String>);

impl RcuExpedited {
    fn on() -> RcuExpedited {
        const PATH: &str = "/sys/kernel/rcu_expedited";
        let old = std::fs::read_to_string(PATH).ok();
        if std::fs::write(PATH, "1").is_err() {
            eprintln!("attach: could not set {PATH}; detaches wait for full grace periods");
        }
        RcuExpedited(old)
    }
}

impl Drop for RcuExpedited {
    fn drop(&mut self) {
        if let Some(old) = &self.0 {
            let _ = std::fs::write("/sys/kernel/rcu_expedited", old.trim());
        }
    }
}

/// A network namespace with a veth pair, that the calling thread enters;
/// deleted on drop.
struct Scene {
    netns: String,
    cgroup: PathBuf,
}

impl Scene {
    fn new() -> Option<Scene> {
        let netns = format!("bkbench{}", std::process::id());
        let ip = |args: &[&str]| Command::new("ip").args(args).status().is_ok_and(|s| s.success());
        if !ip(&["netns", "add", &netns]) {
            eprintln!("attach: skipped, `ip netns add` failed (run as root with iproute2)");
            return None;
        }
        let cgroup = cgroup2_mount().ok()?.join(&netns);
        let scene = Scene { netns: netns.clone(), cgroup };
        std::fs::create_dir(&scene.cgroup).ok()?;
        let n = netns.as_str();
        ip(&["-n", n, "link", "add", "bk0", "type", "veth", "peer", "name", "bk1"]);
        ip(&["-n", n, "link", "set", "bk0", "up"]);
        ip(&["-n", n, "link", "set", "bk1", "up"]);
        let ns = std::fs::File::open(format!("/run/netns/{netns}")).ok()?;
        // SAFETY: setns on a valid namespace fd moves only this thread, the
        // one criterion measures on, which stays there for the run.
        #[allow(unsafe_code)]
        let entered = unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) } == 0;
        entered.then_some(scene)
    }
}

impl Drop for Scene {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.netns]).status();
        let _ = std::fs::remove_dir(&self.cgroup);
    }
}

fn returning(value: i32) -> bpfkit::asm::Assembled {
    let mut b = ProgramBuilder::new();
    b.mov64(R0, value).exit();
    b.assemble().unwrap()
}

fn attach(c: &mut Criterion) {
    common::pin_to_one_cpu();
    let Some(scene) = Scene::new() else { return };
    let _rcu = RcuExpedited::on();
    let iface = Interface::resolve("bk0").unwrap();
    let ifindex = iface.index().unwrap();
    let xdp = ProgramSpec::typed(Xdp, &returning(2)).name("bench_xdp").load().unwrap();
    let tc = ProgramSpec::typed(SchedCls, &returning(0)).name("bench_tcx").load().unwrap();
    let skb = ProgramSpec::typed(CgroupSkb, &returning(1)).name("bench_cg").load().unwrap();
    let cgroup = Cgroup::open(&scene.cgroup).unwrap();
    let cgroup_fd = cgroup.fd().as_raw_fd() as u32;

    // One criterion group per path (each pairs a `raw` and a `bpfkit`).
    let mut group = c.benchmark_group("attach_xdp_link");
    group.throughput(Throughput::Elements(1));
    let xdp_fd = xdp.fd().as_raw_fd();
    paired(
        &mut group,
        "attach_xdp_link",
        || raw_cycle(xdp_fd, ifindex, 37, 1 << 1), // BPF_XDP, XDP_FLAGS_SKB_MODE
        || drop(black_box(XdpLink::attach(&xdp, iface.clone(), XdpMode::Skb).unwrap())),
    );
    group.finish();
    let mut group = c.benchmark_group("attach_tcx");
    group.throughput(Throughput::Elements(1));
    let tc_fd = tc.fd().as_raw_fd();
    paired(
        &mut group,
        "attach_tcx",
        || raw_cycle(tc_fd, ifindex, 46, 0), // BPF_TCX_INGRESS
        || {
            let link = attach_tcx(&tc, iface.clone(), TcxDirection::Ingress, Anchor::Last);
            drop(black_box(link.unwrap()));
        },
    );
    group.finish();
    let mut group = c.benchmark_group("attach_cgroup");
    group.throughput(Throughput::Elements(1));
    let skb_fd = skb.fd().as_raw_fd();
    paired(
        &mut group,
        "attach_cgroup",
        || raw_cycle(skb_fd, cgroup_fd, 1, 0), // BPF_CGROUP_INET_EGRESS
        || drop(black_box(attach_cgroup(&skb, &cgroup, CgroupHook::EGRESS).unwrap())),
    );
    group.finish();
}

criterion_group!(benches, attach);
criterion_main!(benches);
