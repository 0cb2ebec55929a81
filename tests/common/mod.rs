//! Shared test support: the kernel gate, the optional tools (`tools.rs`),
//! unique names, RAII guards.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stderr)]

mod tools;
#[allow(unused_imports)] // each test binary uses some of them
pub use tools::{
    Require, llvm_tool, require_bpftool, require_llvm_tool, run_with_input, skip, tool,
};

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use bpfkit::maps::{MapSpec, MapType};

/// Whether kernel tests can run here. Without privileges they skip, loudly;
/// with `BPFKIT_REQUIRE_KERNEL=1` a skip is a failure.
pub fn kernel_available() -> bool {
    static PROBE: OnceLock<Result<(), String>> = OnceLock::new();
    let probe = PROBE.get_or_init(|| {
        MapSpec::new(MapType::ARRAY, 4, 8, 1)
            .name("probe")
            .create()
            .map(drop)
            .map_err(|e| e.to_string())
    });
    match probe {
        Ok(()) => true,
        Err(why) => {
            skip(
                Require::Kernel,
                &format!("bpf(2) is not usable here ({why})"),
                "run as root to test in the kernel",
            );
            false
        }
    }
}

/// Returns from the test when the kernel is not usable (see [`kernel_available`]).
#[macro_export]
macro_rules! require_kernel {
    () => {
        if !common::kernel_available() {
            return;
        }
    };
}

/// A name no other test in any process uses: `prefix` + pid + counter.
pub fn unique(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!("{prefix}{}x{}", std::process::id() % 100_000, N.fetch_add(1, Ordering::Relaxed))
}

const BPFFS: &str = "/sys/fs/bpf";
const BPF_FS_MAGIC: i64 = 0xcafe4a11;

fn ensure_bpffs() {
    static MOUNTED: OnceLock<()> = OnceLock::new();
    MOUNTED.get_or_init(|| {
        let is_bpffs = || {
            let mut st: libc::statfs = unsafe_free_statfs_zeroed();
            let path = std::ffi::CString::new(BPFFS).unwrap();
            // SAFETY: valid NUL-terminated path and a valid out pointer.
            #[allow(unsafe_code)]
            let rc = unsafe { libc::statfs(path.as_ptr(), &mut st) };
            rc == 0 && st.f_type == BPF_FS_MAGIC
        };
        if !is_bpffs() {
            let status =
                std::process::Command::new("mount").args(["-t", "bpf", "bpf", BPFFS]).status();
            assert!(
                status.is_ok_and(|s| s.success()) && is_bpffs(),
                "cannot mount bpffs at {BPFFS}"
            );
        }
    });
}

fn unsafe_free_statfs_zeroed() -> libc::statfs {
    // statfs is plain old data; zero is a valid value for every field.
    #[allow(unsafe_code)]
    // SAFETY: libc::statfs is a C struct of integers; all-zero is valid.
    unsafe {
        std::mem::zeroed()
    }
}

/// A private directory on bpffs, removed with everything in it on drop.
pub struct PinDir(PathBuf);

impl PinDir {
    pub fn new() -> PinDir {
        ensure_bpffs();
        let dir = Path::new(BPFFS).join(unique("bpfkit-test-"));
        std::fs::create_dir(&dir).unwrap();
        PinDir(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for PinDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Open file descriptors of this process.
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// Runs `ip ARGS...`, panicking with its stderr on failure.
pub fn ip(args: &[&str]) -> String {
    let out = std::process::Command::new("ip").args(args).output().expect("running ip");
    assert!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A network namespace of its own, deleted (with its interfaces) on drop.
pub struct Netns {
    pub name: String,
}

impl Netns {
    pub fn new() -> Netns {
        let name = unique("bk");
        ip(&["netns", "add", &name]);
        let ns = Netns { name };
        // No IPv6: no router solicitations or DAD packets crossing on their own.
        ns.sysctl("net/ipv6/conf/all/disable_ipv6", "1");
        ns.sysctl("net/ipv6/conf/default/disable_ipv6", "1");
        ns
    }

    /// `ip -n NAME ARGS...`
    pub fn ip(&self, args: &[&str]) -> String {
        let mut all = vec!["-n", self.name.as_str()];
        all.extend_from_slice(args);
        ip(&all)
    }

    fn sysctl(&self, key: &str, value: &str) {
        self.run(|| std::fs::write(format!("/proc/sys/{key}"), value).unwrap());
    }

    /// Runs `program ARGS...` inside the namespace (`ip netns exec`, which
    /// also mounts the namespace's own sysfs).
    pub fn exec(&self, program: &str, args: &[&str]) -> Run {
        let mut command = std::process::Command::new("ip");
        command.args(["netns", "exec", &self.name, program]);
        spawn_with(command, args, None)
    }

    /// Runs `f` on a thread that has entered this namespace.
    pub fn run<T: Send>(&self, f: impl FnOnce() -> T + Send) -> T {
        let path = format!("/run/netns/{}", self.name);
        std::thread::scope(|s| {
            s.spawn(|| {
                let ns = std::fs::File::open(&path).unwrap();
                use std::os::fd::AsRawFd;
                // SAFETY: setns on a valid namespace fd affects only this
                // thread, which ends when `f` returns.
                #[allow(unsafe_code)]
                let rc = unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) };
                assert_eq!(rc, 0, "setns into {path}: {}", std::io::Error::last_os_error());
                f()
            })
            .join()
            .unwrap()
        })
    }

    /// Packets `dev` has sent or received, from `ip -s -j link show`.
    pub fn packets(&self, dev: &str, direction: &str) -> u64 {
        let json = self.ip(&["-s", "-j", "link", "show", dev]);
        let at = json.find(&format!("\"{direction}\":{{")).expect("no stats");
        let rest = &json[at..];
        let p = rest.find("\"packets\":").unwrap() + "\"packets\":".len();
        rest[p..].chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap()
    }

    /// Whether `ip link show dev` lists an XDP program.
    pub fn shows_xdp(&self, dev: &str) -> bool {
        self.ip(&["link", "show", dev]).contains("xdp")
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = std::process::Command::new("ip").args(["netns", "del", &self.name]).status();
    }
}

/// Two namespaces joined by a veth pair: `veth0` (10.77.0.1) in `a`, where
/// programs attach, and `veth1` (10.77.0.2) in `b`, which sends. Neighbours
/// are static and IPv6 is off, so the only packets crossing are the test's.
pub struct VethPair {
    pub a: Netns,
    pub b: Netns,
}

pub const VETH_A: &str = "veth0";
pub const VETH_B: &str = "veth1";
pub const ADDR_A: &str = "10.77.0.1";
pub const ADDR_B: &str = "10.77.0.2";

impl VethPair {
    pub fn new() -> VethPair {
        let (a, b) = (Netns::new(), Netns::new());
        a.ip(&[
            "link",
            "add",
            VETH_A,
            "address",
            "02:00:00:00:00:0a",
            "type",
            "veth",
            "peer",
            "name",
            VETH_B,
            "address",
            "02:00:00:00:00:0b",
            "netns",
            &b.name,
        ]);
        a.ip(&["addr", "add", &format!("{ADDR_A}/30"), "dev", VETH_A]);
        b.ip(&["addr", "add", &format!("{ADDR_B}/30"), "dev", VETH_B]);
        a.ip(&[
            "neigh",
            "add",
            ADDR_B,
            "lladdr",
            "02:00:00:00:00:0b",
            "dev",
            VETH_A,
            "nud",
            "permanent",
        ]);
        b.ip(&[
            "neigh",
            "add",
            ADDR_A,
            "lladdr",
            "02:00:00:00:00:0a",
            "dev",
            VETH_B,
            "nud",
            "permanent",
        ]);
        a.ip(&["link", "set", VETH_A, "up"]);
        b.ip(&["link", "set", VETH_B, "up"]);
        VethPair { a, b }
    }

    /// Sends `n` UDP datagrams from `b` to `a` and returns how many packets
    /// `veth1` transmitted meanwhile (all of which crossed to `veth0`).
    pub fn send(&self, n: usize) -> u64 {
        let before = self.b.packets(VETH_B, "tx");
        self.b.run(|| {
            let sock = std::net::UdpSocket::bind((ADDR_B, 0)).unwrap();
            for i in 0..n {
                sock.send_to(&(i as u32).to_be_bytes(), (ADDR_A, 9)).unwrap();
            }
        });
        self.b.packets(VETH_B, "tx") - before
    }
}

/// `ip`'s XDP mode numbers in `ip -j link show`.
pub const XDP_MODE_DRV: u32 = 1;
pub const XDP_MODE_SKB: u32 = 2;

impl Netns {
    /// The XDP program attached to `dev` as `ip -j link show` reports it:
    /// (mode, program id).
    pub fn xdp_attached(&self, dev: &str) -> Option<(u32, u32)> {
        let json = self.ip(&["-j", "link", "show", dev]);
        let xdp = &json[json.find("\"xdp\":{")?..];
        let number = |key: &str| -> Option<u32> {
            let at = xdp.find(key)? + key.len();
            xdp[at..].chars().take_while(char::is_ascii_digit).collect::<String>().parse().ok()
        };
        Some((number("\"mode\":")?, number("\"id\":")?))
    }
}

/// A packet-counter program (XDP_PASS) named `name`, and its map.
pub fn counter(
    name: &str,
) -> (bpfkit::prog::Program<bpfkit::prog::kind::Xdp>, bpfkit::maps::Array<u64>) {
    use bpfkit::prog::ProgramSpec;
    use bpfkit::prog::kind::Xdp;
    use bpfkit::programs::{XdpAction, packet_counter};
    let counts =
        bpfkit::maps::Array::<u64>::create(name, 1, bpfkit::maps::MapFlags::empty()).unwrap();
    let insns = packet_counter(&counts, XdpAction::Pass).assemble().unwrap();
    let prog = ProgramSpec::typed(Xdp, &insns).name(name).load().unwrap();
    (prog, counts)
}

/// The kernel's id of a loaded program.
pub fn id<K>(prog: &bpfkit::prog::Program<K>) -> u32 {
    prog.info().unwrap().id
}

/// What a spawned command printed and how it ended.
#[derive(Debug)]
pub struct Run {
    /// The exit status (`None` if killed by a signal).
    pub status: Option<i32>,
    /// Standard output, as text.
    pub stdout: String,
    /// Standard error, as text.
    pub stderr: String,
}

impl Run {
    /// Standard output parsed as JSON; panics with both streams if it is not.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\nstderr: {}", self.stdout, self.stderr))
    }

    /// Panics with both streams unless the command exited 0.
    pub fn success(self) -> Run {
        assert_eq!(
            self.status,
            Some(0),
            "failed:\nstdout: {}\nstderr: {}",
            self.stdout,
            self.stderr
        );
        self
    }
}

/// Runs `program ARGS...`, with `stdin` on its standard input when given.
pub fn spawn(program: &str, args: &[&str], stdin: Option<&[u8]>) -> Run {
    spawn_with(std::process::Command::new(program), args, stdin)
}

/// Runs `command ARGS...`, with `stdin` on its standard input when given.
pub fn spawn_with<S: AsRef<std::ffi::OsStr>>(
    mut command: std::process::Command,
    args: &[S],
    stdin: Option<&[u8]>,
) -> Run {
    use std::io::Write;
    use std::process::Stdio;
    let program = command.get_program().to_string_lossy().into_owned();
    let mut child = command
        .args(args)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    Run {
        status: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `program ARGS...` with at most `nofile` open files
/// (`RLIMIT_NOFILE`), through `sh -c 'ulimit -n N; exec ...'`.
pub fn with_fd_limit(nofile: u32, program: &str, args: &[&str]) -> Run {
    let mut command = std::process::Command::new("sh");
    command.arg("-c").arg(format!("ulimit -n {nofile} && exec \"$0\" \"$@\"")).arg(program);
    spawn_with(command, args, None)
}

/// Runs `program` as user and group `nobody` (65534), with no
/// capabilities (they go with uid 0): how a user without privileges meets
/// it. Needs root.
pub fn as_nobody(program: &str, args: &[&str]) -> Run {
    use std::os::unix::process::CommandExt;
    let mut command = std::process::Command::new(program);
    command.uid(65534).gid(65534);
    spawn_with(command, args, None)
}

/// Runs Debian's `bpftool`, the reference the inspector is compared with.
/// Without it the test skips, unless `BPFKIT_REQUIRE_BPFTOOL=1`.
pub fn bpftool(args: &[&str]) -> Option<Run> {
    let path = require_bpftool()?;
    Some(spawn_with(std::process::Command::new(path), args, None))
}

/// Raw BTF for tests: `[1] INT int`, `[2] STRUCT pair { a, b }`.
pub mod btf {
    /// Raw BTF: a header, then `types` (32-bit words) and `strings`.
    pub fn blob(types: &[u32], strings: &[u8]) -> Vec<u8> {
        let type_len = (types.len() * 4) as u32;
        let mut data = Vec::new();
        data.extend(0xeb9fu16.to_ne_bytes());
        data.extend([1, 0]); // version 1, no flags
        for word in [24, 0, type_len, type_len, strings.len() as u32] {
            data.extend(word.to_ne_bytes());
        }
        data.extend(types.iter().flat_map(|w| w.to_ne_bytes()));
        data.extend(strings);
        data
    }

    /// The string section; the constants below are offsets into it.
    pub const STRINGS: &[u8] = b"\0int\0pair\0a\0b\x001bad\0";
    pub const INT: u32 = 1;
    pub const PAIR: u32 = 5;
    pub const A: u32 = 10;
    pub const B: u32 = 12;
    pub const BAD: u32 = 14;

    /// `[1] INT int size=4 bits=32 signed`, `[2] STRUCT pair size=8` with
    /// members `a` and `b` of type `member_type`, named `name`.
    pub fn pair(name: u32, member_type: u32) -> Vec<u8> {
        #[rustfmt::skip]
        let types = [
            INT, 1 << 24, 4, 1 << 24 | 32, // [1] INT
            name, 4 << 24 | 2, 8,          // [2] STRUCT, 2 members
            A, member_type, 0,             //     a at bit 0
            B, member_type, 32,            //     b at bit 32
        ];
        blob(&types, STRINGS)
    }

    /// The name of [`func`]'s function: longer than the kernel's 15 bytes.
    pub const FUNC_NAME: &str = "btf_test_main_function";

    /// `[1] INT int`, `[2] FUNC_PROTO int (void)`, `[3] FUNC` named
    /// [`FUNC_NAME`] (static): what a program's main function needs.
    pub fn func() -> Vec<u8> {
        let strings = format!("\0int\0{FUNC_NAME}\0");
        #[rustfmt::skip]
        let types = [
            1, 1 << 24, 4, 1 << 24 | 32, // [1] INT int
            0, 13 << 24, 1,              // [2] FUNC_PROTO returning [1]
            5, 12 << 24, 2,              // [3] FUNC of type [2], static
        ];
        blob(&types, strings.as_bytes())
    }
}

/// Waits until the link with kernel id `id` is gone. Dropping a link
/// closes this process's fd, but a child forked meanwhile by a parallel
/// test (every `ip` command) holds the fd until it execs: the kernel
/// frees the link a moment later.
pub fn wait_link_gone(id: u32) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while bpfkit::link::LinkInfo::by_id(id).is_ok() {
        assert!(std::time::Instant::now() < deadline, "link {id} outlived its last fd");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

/// A program of kind `K` that counts its runs in an array of its own
/// (slot 0) and returns `verdict`: what the hook tests watch move.
pub fn counting<K: bpfkit::prog::ProgKind>(
    kind: K,
    verdict: i32,
) -> (bpfkit::prog::Program<K>, bpfkit::maps::Array<u64>) {
    use bpfkit::asm::{Helper, ProgramBuilder, R0, R1, R2, R10, Size};
    let name = unique("cnt");
    let counts =
        bpfkit::maps::Array::<u64>::create(&name, 1, bpfkit::maps::MapFlags::empty()).unwrap();
    let mut b = ProgramBuilder::new();
    let done = b.label();
    b.st(Size::W, R10, -4, 0).mov64(R2, R10).add64(R2, -4).ld_map_fd(R1, &counts);
    b.call(Helper::MapLookupElem).jeq(R0, 0, done).mov64(R1, 1).atomic_add64(R0, 0, R1);
    b.bind(done).mov64(R0, verdict).exit();
    let insns = b.assemble().unwrap();
    let prog = bpfkit::prog::ProgramSpec::typed(kind, &insns).name(&name).load().unwrap();
    (prog, counts)
}

/// Keeps the calling thread on CPU 0: a program's test runs then write to
/// that CPU's perf ring every time.
pub fn stay_on_cpu0() {
    stay_on_cpu(0);
}

/// Keeps the calling thread on CPU `cpu`.
pub fn stay_on_cpu(cpu: usize) {
    // SAFETY: a zeroed cpu_set_t is the empty set; CPU_SET writes inside
    // it; sched_setaffinity(0) affects only the calling thread.
    #[allow(unsafe_code)]
    let ok = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &set) == 0
    };
    assert!(ok, "sched_setaffinity({cpu}): {}", std::io::Error::last_os_error());
}

/// The CPUs this process may run on (its affinity mask), in order.
pub fn allowed_cpus() -> Vec<usize> {
    // SAFETY: a zeroed cpu_set_t is a valid set for sched_getaffinity to
    // fill; CPU_ISSET reads inside it.
    #[allow(unsafe_code)]
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        assert_eq!(libc::sched_getaffinity(0, size_of::<libc::cpu_set_t>(), &mut set), 0);
        (0..libc::CPU_SETSIZE as usize).filter(|&c| libc::CPU_ISSET(c, &set)).collect()
    }
}

/// Waits with poll(2) up to `timeout_ms` for each of `fds` to be
/// readable, as a caller's own event loop would; returns which are.
pub fn poll_readable(fds: &[std::os::fd::BorrowedFd<'_>], timeout_ms: i32) -> Vec<bool> {
    use std::os::fd::AsRawFd;
    let mut set: Vec<libc::pollfd> = fds
        .iter()
        .map(|fd| libc::pollfd { fd: fd.as_raw_fd(), events: libc::POLLIN, revents: 0 })
        .collect();
    // SAFETY: `set` is `set.len()` initialised pollfds, borrowed for the call.
    #[allow(unsafe_code)]
    let n = unsafe { libc::poll(set.as_mut_ptr(), set.len() as libc::nfds_t, timeout_ms) };
    assert!(n >= 0, "poll: {}", std::io::Error::last_os_error());
    set.iter().map(|p| p.revents & libc::POLLIN != 0).collect()
}
