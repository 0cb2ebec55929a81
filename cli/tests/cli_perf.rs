#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `bpfkit perf` against bpftool 7.1: with a tracepoint and a raw
//! tracepoint attached by this test process, both tools list the same
//! lines and objects for its pid (other processes' attachments may come
//! and go between the two runs, so only ours are compared), in text, `-j`
//! and `-p`; `help`, abbreviations and errors as bpftool answers them.

mod common;

use bpfkit::asm::{ProgramBuilder, R0};
use bpfkit::link::{TaskFdKind, attach_raw_tracepoint, attach_tracepoint, task_fd_query};
use bpfkit::prog::kind::{RawTracepoint, Tracepoint};
use bpfkit::prog::{ProgKind, Program, ProgramSpec};
use common::{Run, bpfkit, bpftool, id, unique};
use serde_json::Value;

/// Mounts tracefs at /sys/kernel/tracing if nothing is mounted there, as
/// bpftool does; the library only looks for it.
fn ensure_tracefs() {
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap();
    if !mounts.lines().any(|l| l.split_whitespace().nth(2) == Some("tracefs")) {
        let status = std::process::Command::new("mount")
            .args(["-t", "tracefs", "nodev", "/sys/kernel/tracing"])
            .status();
        assert!(status.is_ok_and(|s| s.success()), "cannot mount tracefs");
    }
}

/// `r0 = 0; exit`, as a program of kind `K`.
fn nothing<K: ProgKind>(kind: K) -> Program<K> {
    let mut b = ProgramBuilder::new();
    b.mov64(R0, 0).exit();
    let insns = b.assemble().unwrap();
    ProgramSpec::typed(kind, &insns).name(&unique("perf")).load().unwrap()
}

/// The text lines about this process.
fn our_lines(run: &Run) -> Vec<String> {
    let prefix = format!("pid {}  ", std::process::id());
    run.stdout.lines().filter(|l| l.starts_with(&prefix)).map(str::to_owned).collect()
}

/// The JSON objects about this process.
fn our_objects(run: &Run) -> Vec<Value> {
    let pid = std::process::id();
    let json = run.json();
    json.as_array().unwrap().iter().filter(|e| e["pid"] == pid).cloned().collect()
}

#[test]
fn perf_lists_our_attachments_as_bpftool_does() {
    require_kernel!();
    ensure_tracefs();
    let tp = nothing(Tracepoint);
    let raw = nothing(RawTracepoint);
    let _tp_link = attach_tracepoint(&tp, "syscalls", "sys_enter_getppid").unwrap();
    let _raw_link = attach_raw_tracepoint(&raw, "sys_exit").unwrap();

    // What the library finds walking our own fds.
    let mut kinds = Vec::new();
    for entry in std::fs::read_dir("/proc/self/fd").unwrap() {
        let fd: u32 = entry.unwrap().file_name().to_str().unwrap().parse().unwrap();
        if let Ok(Some(info)) = task_fd_query(std::process::id(), fd) {
            kinds.push((info.prog_id, info.kind, String::from_utf8(info.name).unwrap()));
        }
    }
    assert!(kinds.contains(&(id(&tp), TaskFdKind::Tracepoint, "sys_enter_getppid".into())));
    assert!(kinds.contains(&(id(&raw), TaskFdKind::RawTracepoint, "sys_exit".into())));

    // bpfkit's lines, on their own.
    let ours = our_lines(&bpfkit(&["perf"]).success());
    let tp_line = format!("prog_id {}  tracepoint  sys_enter_getppid", id(&tp));
    let raw_line = format!("prog_id {}  raw_tracepoint  sys_exit", id(&raw));
    assert!(ours.iter().any(|l| l.ends_with(&tp_line)), "{ours:?}");
    assert!(ours.iter().any(|l| l.ends_with(&raw_line)), "{ours:?}");
    for args in [&["perf", "show"][..], &["perf", "list"], &["perf", "s"], &["perf", "show", "x"]] {
        assert_eq!(our_lines(&bpfkit(args).success()), ours, "{args:?}");
    }

    // bpftool's.
    let Some(theirs) = bpftool(&["perf"]) else { return };
    assert_eq!(our_lines(&theirs.success()), ours);
    for flag in ["-j", "-p"] {
        let theirs = our_objects(&bpftool(&[flag, "perf"]).unwrap().success());
        let ours = bpfkit(&[flag, "perf"]).success();
        if flag == "-p" {
            assert!(ours.stdout.starts_with("[{\n"), "{}", ours.stdout);
        }
        let ours = our_objects(&ours);
        assert_eq!(ours, theirs, "{flag}");
        assert_eq!(ours.len(), 2, "{ours:?}");
        assert!(ours.iter().any(|o| o["prog_id"] == id(&raw)
            && o["fd_type"] == "raw_tracepoint"
            && o["tracepoint"] == "sys_exit"));
    }
}

#[test]
fn help_and_errors_as_bpftool() {
    let help = bpfkit(&["perf", "help"]).success();
    assert!(help.stdout.starts_with("Usage: bpfkit perf { show | list }\n"), "{}", help.stdout);
    assert_eq!(bpfkit(&["-j", "perf", "help"]).success().stdout.trim(), "null");
    let bad = bpfkit(&["perf", "bogus"]);
    assert_eq!(bad.stderr, "Error: unknown command 'perf bogus' (see 'bpfkit perf help')\n");
    let bad_json = bpfkit(&["-j", "perf", "bogus"]);
    assert_eq!(bad_json.json()["error"], "unknown command 'perf bogus' (see 'bpfkit perf help')");
    // bpftool prints its usage for an unknown subcommand; the status is
    // the same.
    if let Some(theirs) = bpftool(&["perf", "bogus"]) {
        assert_eq!(bad.status, theirs.status);
        assert_eq!(bad_json.status, theirs.status);
        assert_eq!(bpftool(&["perf", "help"]).unwrap().status, help.status);
    }
    // `pe` is perf, as in bpftool; `p` is still prog.
    if common::kernel_available() {
        assert_eq!(bpfkit(&["-j", "pe"]).success().json().as_array().map(|_| ()), Some(()));
    }
}
