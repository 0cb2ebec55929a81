//! Streams one event per packet from XDP through a ring buffer: attaches
//! to an interface (`lo` by default), prints each packet's length and
//! protocol as it arrives, and detaches on Ctrl-C.
//!
//! ```text
//! cargo run --example ringbuf_events                 # as root; Ctrl-C to stop
//! cargo run --example ringbuf_events -- --iface eth0 --count 10
//! ```
//!
//! It sends itself a UDP datagram on 127.0.0.1 every 200 ms so that a quiet
//! loopback shows something (`--no-traffic` to stop that).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::net::UdpSocket;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bpfkit::asm::{ProgramBuilder, R0, R1, R2, R3, R6, R7, R8, Size};
use bpfkit::link::{XdpLink, XdpMode};
use bpfkit::maps::{EventPoller, RingBuf};
use bpfkit::prog::ProgramSpec;
use bpfkit::prog::kind::Xdp;

/// `XDP_PASS`: every packet goes on to the stack.
const XDP_PASS: i32 = 2;

struct Args {
    iface: String,
    count: Option<u64>,
    traffic: bool,
}

fn args() -> Result<Args, String> {
    let mut out = Args { iface: "lo".into(), count: None, traffic: true };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--iface" => out.iface = it.next().ok_or("--iface needs a name")?,
            "--count" => {
                let n = it.next().ok_or("--count needs a number")?;
                out.count = Some(n.parse().map_err(|_| format!("--count {n}: not a number"))?);
            }
            "--no-traffic" => out.traffic = false,
            other => return Err(format!("unknown argument {other}; see the example's docs")),
        }
    }
    Ok(out)
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

/// For each packet: an 8-byte record of its length (u32) and the
/// Ethernet protocol (u16, network order) or 0 when the packet is shorter
/// than an Ethernet header.
fn program(events: &RingBuf) -> ProgramBuilder {
    let mut b = ProgramBuilder::new();
    let (short, room) = (b.label(), b.label());
    b.ldx(Size::W, R2, R1, 0) // data
        .ldx(Size::W, R3, R1, 4) // data_end
        .mov64(R7, R3)
        .sub64(R7, R2) // the length
        .mov64(R8, 0)
        .mov64(R6, R2)
        .add64(R6, 14)
        .jgt(R6, R3, short)
        .ldx(Size::H, R8, R2, 12) // the Ethernet protocol
        .bind(short)
        .ringbuf_reserve(events, 8)
        .jne(R0, 0, room)
        .mov64(R0, XDP_PASS)
        .exit()
        .bind(room)
        .stx(Size::W, R0, 0, R7)
        .stx(Size::H, R0, 4, R8)
        .ringbuf_submit(R0)
        .mov64(R0, XDP_PASS)
        .exit();
    b
}

fn protocol_name(proto: u16) -> &'static str {
    match proto {
        0x0800 => "IPv4",
        0x86dd => "IPv6",
        0x0806 => "ARP",
        0 => "none",
        _ => "other",
    }
}

fn run(args: &Args) -> bpfkit::Result<()> {
    let events = RingBuf::create("packet_events", 256 * 1024)?;
    let insns = program(&events).assemble()?;
    let prog = ProgramSpec::typed(Xdp, &insns).name("ringbuf_events").load()?;
    let link = XdpLink::attach(&prog, args.iface.as_str(), XdpMode::Skb)?;
    println!("attached to {} (XDP, generic mode); Ctrl-C to stop", link.interface());

    let mut poller = EventPoller::new()?;
    poller.add_ring(&events)?;
    let traffic = args.traffic.then(|| UdpSocket::bind("127.0.0.1:0")).transpose().ok().flatten();
    let mut next_send = Instant::now();
    let mut seen = 0u64;
    while !STOP.load(Ordering::Relaxed) && args.count.is_none_or(|n| seen < n) {
        if let Some(sock) = &traffic {
            if Instant::now() >= next_send {
                let _ = sock.send_to(b"hello", "127.0.0.1:9");
                next_send += Duration::from_millis(200);
            }
        }
        poller.poll(Some(Duration::from_millis(100)), |_, record| {
            if args.count.is_some_and(|n| seen >= n) || record.len() < 6 {
                return;
            }
            let len = u32::from_ne_bytes([record[0], record[1], record[2], record[3]]);
            let proto = u16::from_be_bytes([record[4], record[5]]);
            println!("packet  len {len:5}  proto 0x{proto:04x} ({})", protocol_name(proto));
            seen += 1;
        })?;
    }
    drop(link);
    println!("detached after {seen} events");
    Ok(())
}

fn main() -> ExitCode {
    let args = match args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("ringbuf_events: {e}");
            return ExitCode::from(2);
        }
    };
    stop_on_signals();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ringbuf_events: {e}");
            ExitCode::FAILURE
        }
    }
}
