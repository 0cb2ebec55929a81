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
