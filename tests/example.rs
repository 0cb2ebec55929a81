//! The front door: `cargo run --example xdp_counter` counts on loopback and
//! leaves it as it found it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;

/// The example binary cargo built next to this test's binary.
fn example() -> PathBuf {
    example_named("xdp_counter")
}

/// The example `name` cargo built next to this test's binary.
fn example_named(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let path = dir.join("examples").join(name);
    assert!(
        path.exists(),
        "{} is missing: build the examples (cargo test builds them)",
        path.display()
    );
    path
}

#[test]
fn xdp_counter_counts_on_loopback_and_detaches() {
    require_kernel!();
    let out = std::process::Command::new(example()).args(["--duration", "3"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let counts: Vec<u64> = stdout
        .lines()
        .filter_map(|l| {
            l.split_whitespace()
                .nth(1)
                .filter(|_| l.contains("packets "))
                .and_then(|n| n.parse().ok())
        })
        .collect();
    assert!(counts.len() >= 3, "expected a line per second:\n{stdout}");
    assert!(counts.windows(2).all(|w| w[1] > w[0]), "the count should rise:\n{stdout}");
    assert!(stdout.contains("detached from lo"), "{stdout}");
    assert!(!common::ip(&["link", "show", "lo"]).contains("xdp"), "lo kept an XDP program");
}

#[test]
fn xdp_counter_explains_bad_arguments() {
    let out = std::process::Command::new(example()).args(["--mode", "turbo"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown mode \"turbo\"") && stderr.contains("usage:"), "{stderr}");
}

#[test]
fn xdp_counter_names_a_missing_interface() {
    require_kernel!();
    let out =
        std::process::Command::new(example()).args(["--iface", "nosuchif1"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no network interface \"nosuchif1\""), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn xdp_counter_without_privileges_says_so() {
    require_kernel!();
    // As `nobody`, with no capabilities.
    let out = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"])
        .arg(example())
        .args(["--duration", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("EPERM") && stderr.contains("CAP_BPF"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn spin_lock_keeps_its_two_counters_equal() {
    require_kernel!();
    let out = std::process::Command::new(example_named("spin_lock"))
        .args(["--runs", "100000"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("a =   200000  b =   200000  (expected 200000)"), "{stdout}");
    assert!(
        stdout.contains(" with a != b\n") && stdout.contains("locked reads, 0 with"),
        "{stdout}"
    );
    assert!(stdout.contains("the counters always agreed"), "{stdout}");
}

/// Runs the ring buffer example in a namespace of its own (its loopback
/// is nobody else's XDP hook), with `args`.
fn ringbuf_events(ns: &common::Netns, args: &[&str]) -> std::process::Child {
    std::process::Command::new("ip")
        .args(["netns", "exec", &ns.name])
        .arg(example_named("ringbuf_events"))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn ringbuf_events_prints_a_line_per_packet() {
    require_kernel!();
    let ns = common::Netns::new();
    ns.ip(&["link", "set", "lo", "up"]);
    let out = ringbuf_events(&ns, &["--count", "4"]).wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let packets: Vec<&str> = stdout.lines().filter(|l| l.starts_with("packet  len")).collect();
    assert_eq!(packets.len(), 4, "{stdout}");
    // Its own datagrams: 5 bytes of UDP payload in IPv4 on loopback's
    // Ethernet header, and the ICMP errors they draw.
    assert!(packets.iter().all(|l| l.ends_with("proto 0x0800 (IPv4)")), "{stdout}");
    assert!(packets.iter().any(|l| l.contains("len    47")), "{stdout}");
    assert!(stdout.ends_with("detached after 4 events\n"), "{stdout}");
    assert!(!ns.shows_xdp("lo"), "the program is detached");
}

#[test]
fn ringbuf_events_exits_cleanly_on_ctrl_c() {
    require_kernel!();
    let ns = common::Netns::new();
    ns.ip(&["link", "set", "lo", "up"]);
    let child = ringbuf_events(&ns, &[]);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let pid = child.id().to_string();
    // `ip netns exec` execs the example: the pid is the example's.
    let killed = std::process::Command::new("kill").args(["-INT", &pid]).status().unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("packet  len") && stdout.contains("detached after"), "{stdout}");
    assert!(!ns.shows_xdp("lo"));
}

#[test]
fn tail_calls_dispatch_by_the_first_byte() {
    require_kernel!();
    let out = std::process::Command::new(example_named("tail_calls")).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    for line in [
        "packet[0] = 0: XDP_DROP",
        "packet[0] = 1: XDP_TX",
        "packet[0] = 2: XDP_PASS",
        "packet[0] = 3: XDP_PASS",
        "slot 1 cleared, packet[0] = 1: XDP_PASS",
    ] {
        assert!(stdout.lines().any(|l| l == line), "{line:?} in\n{stdout}");
    }
}
