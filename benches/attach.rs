//! Attach and detach, raw `bpf(2)` against bpfkit, on each `bpf_link` path:
//! XDP (generic mode), tcx ingress and a cgroup's egress. One cycle is
//! `BPF_LINK_CREATE` and the close that detaches.
//!
//! And XDP over netlink (`attach_netlink`), raw `RTM_SETLINK` messages on a
//! socket of the bench's own against [`BlockingNetlink`]. One cycle is an
//! attach (`XDP_FLAGS_SKB_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST`) and
//! [`BlockingNetlink::detach_xdp`], which detaches whatever is attached in
//! whatever mode: it asks the link first (`RTM_GETLINK`), since a detach
//! without a mode would take the driver's hook on a veth and leave the
//! generic one. The raw side does the same three requests, each a
//! `sendto` and a `recvfrom`.
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
#[cfg(feature = "netlink")]
use bpfkit::netlink::BlockingNetlink;
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
    #[cfg(feature = "netlink")]
    netlink::group(c, &iface, &xdp);
}

/// XDP over netlink, raw messages against [`BlockingNetlink`] (feature
/// `netlink`).
#[cfg(feature = "netlink")]
mod netlink {
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

    use bpfkit::link::{Interface, XdpMode};
    use bpfkit::prog::Program;
    use bpfkit::prog::kind::Xdp;
    use criterion::{Criterion, Throughput};

    use super::{BlockingNetlink, paired};

    pub fn group(c: &mut Criterion, iface: &Interface, xdp: &Program<Xdp>) {
        let ifindex = iface.index().unwrap();
        let xdp_fd = xdp.fd().as_raw_fd();
        let mut group = c.benchmark_group("attach_netlink");
        group.throughput(Throughput::Elements(1));
        let mut raw = RawNetlink::open();
        let nl = BlockingNetlink::new().unwrap();
        paired(
            &mut group,
            "attach_netlink",
            || raw.xdp_cycle(ifindex, xdp_fd),
            || {
                nl.attach_xdp(iface.clone(), xdp, XdpMode::Skb).unwrap();
                nl.detach_xdp(iface.clone()).unwrap();
            },
        );
        group.finish();
    }

    /// A `NETLINK_ROUTE` socket with the options `BlockingNetlink` sets
    /// (extended and capped acks, so the kernel builds the same acks), and a
    /// receive buffer of the same size.
    struct RawNetlink {
        fd: OwnedFd,
        seq: u32,
        buf: Vec<u8>,
    }

    const RTM_GETLINK: u16 = 18;
    const RTM_SETLINK: u16 = 19;
    const NLM_F_REQUEST: u16 = 1;
    const NLM_F_ACK: u16 = 4;
    const IFLA_XDP: u16 = 43;
    const IFLA_XDP_FD: u16 = 1;
    const IFLA_XDP_ATTACHED: u16 = 2;
    const IFLA_XDP_FLAGS: u16 = 3;
    const XDP_FLAGS_UPDATE_IF_NOEXIST: u32 = 1;
    const XDP_FLAGS_SKB_MODE: u32 = 2;

    impl RawNetlink {
        fn open() -> RawNetlink {
            // SAFETY: socket(2) and setsockopt(2) with a live int of the size passed.
            #[allow(unsafe_code)]
            let fd = unsafe {
                let fd = libc::socket(libc::AF_NETLINK, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 0);
                assert!(fd > 0, "socket: {}", std::io::Error::last_os_error());
                for option in [libc::NETLINK_EXT_ACK, libc::NETLINK_CAP_ACK] {
                    let on = 1i32;
                    let len = size_of::<i32>() as u32;
                    libc::setsockopt(fd, libc::SOL_NETLINK, option, (&raw const on).cast(), len);
                }
                OwnedFd::from_raw_fd(fd)
            };
            RawNetlink { fd, seq: 0, buf: vec![0; 32 * 1024] }
        }

        /// Sends one message of `kind` for `ifindex` (with `attrs` after its
        /// `ifinfomsg`) and receives the one datagram that answers it.
        fn request(&mut self, kind: u16, flags: u16, ifindex: u32, attrs: &[u8]) -> &[u8] {
            self.seq += 1;
            let len = 16 + 16 + attrs.len();
            let mut msg = Vec::with_capacity(len);
            msg.extend_from_slice(&(len as u32).to_ne_bytes());
            msg.extend_from_slice(&kind.to_ne_bytes());
            msg.extend_from_slice(&(NLM_F_REQUEST | flags).to_ne_bytes());
            msg.extend_from_slice(&self.seq.to_ne_bytes());
            msg.extend_from_slice(&0u32.to_ne_bytes());
            msg.extend_from_slice(&[0; 4]); // family, pad, type
            msg.extend_from_slice(&ifindex.to_ne_bytes());
            msg.extend_from_slice(&[0; 8]); // flags, change
            msg.extend_from_slice(attrs);
            // SAFETY: the message, the address (a zeroed sockaddr_nl of family
            // AF_NETLINK: the kernel) and the buffer are live for the calls, of
            // the lengths passed.
            #[allow(unsafe_code)]
            let n = unsafe {
                let mut to: libc::sockaddr_nl = std::mem::zeroed();
                to.nl_family = libc::AF_NETLINK as u16;
                let to_len = size_of::<libc::sockaddr_nl>() as u32;
                let sent = libc::sendto(
                    self.fd.as_raw_fd(),
                    msg.as_ptr().cast(),
                    msg.len(),
                    0,
                    (&raw const to).cast(),
                    to_len,
                );
                assert_eq!(sent, len as isize, "sendto: {}", std::io::Error::last_os_error());
                libc::recv(self.fd.as_raw_fd(), self.buf.as_mut_ptr().cast(), self.buf.len(), 0)
            };
            assert!(n >= 16, "recv: {}", std::io::Error::last_os_error());
            let answer = &self.buf[..n as usize];
            assert_eq!(u32::from_ne_bytes(answer[8..12].try_into().unwrap()), self.seq);
            answer
        }

        /// `RTM_SETLINK` with `IFLA_XDP { IFLA_XDP_FD, IFLA_XDP_FLAGS }`, acked.
        fn set_xdp(&mut self, ifindex: u32, fd: i32, flags: u32) {
            let mut attrs = Vec::with_capacity(20);
            attrs.extend_from_slice(&20u16.to_ne_bytes());
            attrs.extend_from_slice(&IFLA_XDP.to_ne_bytes());
            for (kind, value) in [(IFLA_XDP_FD, fd as u32), (IFLA_XDP_FLAGS, flags)] {
                attrs.extend_from_slice(&8u16.to_ne_bytes());
                attrs.extend_from_slice(&kind.to_ne_bytes());
                attrs.extend_from_slice(&value.to_ne_bytes());
            }
            let ack = self.request(RTM_SETLINK, NLM_F_ACK, ifindex, &attrs);
            let error = i32::from_ne_bytes(ack[16..20].try_into().unwrap());
            assert_eq!(error, 0, "RTM_SETLINK: {}", std::io::Error::from_raw_os_error(-error));
        }

        /// `RTM_GETLINK` of `ifindex`: the mode flag of its XDP program (0 for none),
        /// from `IFLA_XDP_ATTACHED`.
        fn xdp_mode(&mut self, ifindex: u32) -> u32 {
            let link = self.request(RTM_GETLINK, 0, ifindex, &[]);
            let attr = |at: &[u8]| {
                let len = u16::from_ne_bytes([at[0], at[1]]) as usize;
                (len, u16::from_ne_bytes([at[2], at[3]]) & 0x3fff)
            };
            let mut rest = &link[32..];
            while rest.len() >= 4 {
                let (len, kind) = attr(rest);
                if kind == IFLA_XDP {
                    let mut nest = &rest[4..len];
                    while nest.len() >= 4 {
                        let (inner, kind) = attr(nest);
                        if kind == IFLA_XDP_ATTACHED {
                            // XDP_ATTACHED_DRV, _SKB, _HW: 1, 2, 3.
                            return [0, 4, 2, 8][usize::from(nest[4]).min(3)];
                        }
                        nest = &nest[inner.next_multiple_of(4).min(nest.len())..];
                    }
                }
                rest = &rest[len.next_multiple_of(4).min(rest.len())..];
            }
            0
        }

        /// One raw cycle, the requests `attach_xdp` and `detach_xdp` make.
        fn xdp_cycle(&mut self, ifindex: u32, prog: i32) {
            self.set_xdp(ifindex, prog, XDP_FLAGS_SKB_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST);
            let mode = self.xdp_mode(ifindex);
            assert_eq!(mode, XDP_FLAGS_SKB_MODE);
            self.set_xdp(ifindex, -1, mode);
        }
    }
}

criterion_group!(benches, attach);
criterion_main!(benches);
