//! Counts the packets an interface receives with the XDP packet counter.
//!
//! ```text
//! sudo -E cargo run --example xdp_counter                     # loopback, generic mode
//! sudo -E cargo run --example xdp_counter -- --iface eth0 --mode drv --no-traffic
//! ```
//!
//! With no arguments it attaches to `lo` in generic (skb) mode through a
//! `bpf_link`, sends itself a small burst of UDP datagrams every second so
//! the count moves on an idle machine, and prints one line per second.
//! Ctrl-C or the end of `--duration` detaches; with `--attach link` (the
//! default) the kernel also detaches if the process is killed.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bpfkit::link::{XdpLink, XdpMode};
use bpfkit::maps::{Array, MapFlags};
use bpfkit::prog::kind::Xdp;
use bpfkit::prog::{Program, ProgramSpec};
use bpfkit::programs::{XdpAction, packet_counter};

const USAGE: &str = "\
usage: xdp_counter [--iface NAME] [--mode skb|drv|hw|auto] [--attach link|netlink]
                   [--duration SECS] [--no-traffic]

  --iface NAME      interface to count on (default: lo)
  --mode MODE       XDP mode: skb (generic, default), drv (native), hw (offload), auto
  --attach HOW      link: bpf_link, detached by the kernel when this process ends (default)
                    netlink: rtnetlink, detached by this program on exit
  --duration SECS   stop after SECS seconds (default: run until Ctrl-C)
  --no-traffic      do not send test datagrams to 127.0.0.1";

/// Datagrams sent to ourselves each second.
const BURST: usize = 10;

struct Args {
    iface: String,
    mode: XdpMode,
    netlink: bool,
    duration: Option<Duration>,
    traffic: bool,
}

impl Args {
    fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
        let mut out = Args {
            iface: "lo".into(),
            mode: XdpMode::Skb,
            netlink: false,
            duration: None,
            traffic: true,
        };
        while let Some(arg) = args.next() {
            let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
            match arg.as_str() {
                "--iface" => out.iface = value("--iface")?,
                "--mode" => {
                    let v = value("--mode")?;
                    out.mode =
                        XdpMode::from_name(&v).ok_or_else(|| format!("unknown mode {v:?}"))?;
                }
                "--attach" => match value("--attach")?.as_str() {
                    "link" => out.netlink = false,
                    "netlink" => out.netlink = true,
                    other => return Err(format!("unknown attach method {other:?}")),
                },
                "--duration" => {
                    // Whole seconds: parsing floats would link their tables.
                    let v = value("--duration")?;
                    let secs: u64 = v
                        .parse()
                        .map_err(|_| format!("--duration takes whole seconds, not {v:?}"))?;
                    out.duration = Some(Duration::from_secs(secs));
                }
                "--no-traffic" => out.traffic = false,
                "-h" | "--help" => return Err(String::new()),
                other => return Err(format!("unknown argument {other:?}")),
            }
        }
        Ok(out)
    }
}

/// Set by SIGINT and SIGTERM.
static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::Relaxed);
}

fn stop_on_signals() {
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: the handler only stores to an atomic, which is
        // async-signal-safe; `signal` has no other effect on memory.
        #[allow(unsafe_code)]
        unsafe {
            libc::signal(signal, on_signal as *const () as libc::sighandler_t);
        }
    }
}

/// The program attached, by one method or the other; detached on drop.
enum Attachment {
    Link(XdpLink),
    #[cfg(feature = "netlink")]
    Netlink(bpfkit::netlink::BlockingNetlink, String, XdpMode, Program<Xdp>),
}

impl Attachment {
    fn new(args: &Args, prog: Program<Xdp>) -> bpfkit::Result<Attachment> {
        if args.netlink {
            #[cfg(feature = "netlink")]
            {
                let nl = bpfkit::netlink::BlockingNetlink::new()?;
                nl.attach_xdp(args.iface.as_str(), &prog, args.mode)?;
                // From here on, dropping the attachment detaches.
                let mut attachment = Attachment::Netlink(nl, args.iface.clone(), args.mode, prog);
                if let Attachment::Netlink(nl, iface, mode, _) = &mut attachment {
                    // For `auto` the kernel chose the mode: detach in that one.
                    if let Some(chosen) = nl.query_xdp(iface.as_str())?.mode {
                        *mode = chosen;
                    }
                }
                return Ok(attachment);
            }
        }
        Ok(Attachment::Link(XdpLink::attach(&prog, args.iface.as_str(), args.mode)?))
    }
}

impl Attachment {
    /// How the program is attached, for the header line: the mode (the
    /// kernel's choice, when netlink reports it) and the method.
    fn describe(&self, requested: XdpMode) -> String {
        match self {
            Attachment::Link(link) => match link.info() {
                Ok(info) => format!("{requested} mode, via bpf_link id {}", info.id),
                Err(_) => format!("{requested} mode, via bpf_link"),
            },
            #[cfg(feature = "netlink")]
            Attachment::Netlink(_, _, mode, _) => format!("{mode} mode, via netlink"),
        }
    }
}

impl Drop for Attachment {
    fn drop(&mut self) {
        #[cfg(feature = "netlink")]
        if let Attachment::Netlink(nl, iface, mode, prog) = self {
            // Only our program: never remove one someone attached meanwhile.
            if let Err(e) = nl.detach_xdp_expected(iface.as_str(), prog, *mode) {
                eprintln!("xdp_counter: {e}");
            }
        }
    }
}

/// Sends `BURST` datagrams to a socket of our own on 127.0.0.1 and drains it.
struct Traffic {
    rx: UdpSocket,
    tx: UdpSocket,
}

impl Traffic {
    fn new() -> std::io::Result<Traffic> {
        // Addresses as values, not strings: resolving a string would link
        // the C library's resolver into a static binary.
        let loopback = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        let rx = UdpSocket::bind(loopback)?;
        rx.set_nonblocking(true)?;
        let tx = UdpSocket::bind(loopback)?;
        tx.connect(rx.local_addr()?)?;
        Ok(Traffic { rx, tx })
    }

    fn burst(&self) -> std::io::Result<()> {
        for i in 0..BURST {
            self.tx.send(&(i as u32).to_be_bytes())?;
        }
        let mut buf = [0u8; 64];
        while self.rx.recv(&mut buf).is_ok() {}
        Ok(())
    }
}

fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    if args.netlink && !cfg!(feature = "netlink") {
        return Err("--attach netlink needs the `netlink` feature, which this build has off; use --attach link".into());
    }
    stop_on_signals();
    let counts = Array::<u64>::create("packet_count", 1, MapFlags::empty())?;
    let insns = packet_counter(&counts, XdpAction::Pass).assemble()?;
    let prog = ProgramSpec::typed(Xdp, &insns).name("xdp_counter").load()?;
    let attachment = Attachment::new(args, prog)?;
    println!(
        "counting packets on {} ({}); Ctrl-C to stop",
        args.iface,
        attachment.describe(args.mode)
    );
    let traffic = if args.traffic { Some(Traffic::new()?) } else { None };

    let start = Instant::now();
    let (mut last, mut last_at) = (0u64, start);
    let mut tick = start;
    while !STOP.load(Ordering::Relaxed) && args.duration.is_none_or(|d| start.elapsed() < d) {
        if let Some(t) = &traffic {
            t.burst()?;
        }
        tick += Duration::from_secs(1);
        while Instant::now() < tick && !STOP.load(Ordering::Relaxed) {
            std::thread::sleep(
                Duration::from_millis(50).min(tick.saturating_duration_since(Instant::now())),
            );
        }
        let total = counts.get(0)?;
        // The rate over the time that really passed: the last interval is
        // shorter when Ctrl-C or --duration ends it.
        let now = Instant::now();
        let millis = now.duration_since(last_at).as_millis().max(1) as u64;
        let rate = (total - last) * 1000 / millis;
        println!("{:>4}s  {total:>10} packets  {rate:>8} pkt/s", start.elapsed().as_secs());
        (last, last_at) = (total, now);
    }
    drop(attachment);
    println!("detached from {}; {last} packets counted", args.iface);
    Ok(())
}

fn main() -> ExitCode {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(msg) if msg.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(msg) => {
            eprintln!("xdp_counter: {msg}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xdp_counter: {e}");
            ExitCode::FAILURE
        }
    }
}
