//! Kernel functions called by name: resolved against the running kernel's
//! BTF at load, checked against bpftool's reading of the same BTF, run in
//! the kernel; an unknown name fails before the load, naming the Rust line.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Command;

use bpfkit::Error;
use bpfkit::asm::{ProgramBuilder, R0};
use bpfkit::btf::{Kind, kernel_btf};
use bpfkit::prog::{ProgType, ProgramSpec, TestRun};
use common::{Require, require_bpftool};

const XDP_PASS: i32 = 2;

/// An XDP program that takes and drops the RCU read lock by name.
fn rcu_program() -> ProgramBuilder {
    let mut b = ProgramBuilder::new();
    b.call_kfunc("bpf_rcu_read_lock").call_kfunc("bpf_rcu_read_unlock").mov64(R0, XDP_PASS).exit();
    b
}

/// Kernel functions have no names without the kernel's BTF: a skip (a
/// failure under `BPFKIT_REQUIRE_KERNEL`) when it is absent.
fn kernel_has_btf() -> bool {
    let has = std::path::Path::new("/sys/kernel/btf/vmlinux").exists();
    if !has {
        common::skip(Require::Kernel, "/sys/kernel/btf/vmlinux is absent", "no kfunc is resolved");
    }
    has
}

#[test]
fn names_resolve_to_the_ids_bpftool_reads_in_vmlinux() {
    if !kernel_has_btf() {
        return;
    }
    let insns = rcu_program().assemble().unwrap();
    let resolved = ProgramSpec::new(ProgType::XDP, &insns).resolved_insns().unwrap();
    let ids = [resolved[0].imm, resolved[1].imm];
    let vmlinux = kernel_btf().unwrap();
    let ours = ["bpf_rcu_read_lock", "bpf_rcu_read_unlock"]
        .map(|name| vmlinux.find(Kind::Func, name).unwrap().0 as i32);
    assert_eq!(ids, ours);
    assert!(ids.iter().all(|&id| id > 0), "{ids:?}");
    // The assembled program keeps id 0 and the names.
    assert_eq!((insns.insns()[0].imm, insns.kfunc_calls().count()), (0, 2));

    // bpftool's reading of the same file: an independent parser.
    let Some(bpftool) = require_bpftool() else { return };
    let out = Command::new(bpftool)
        .args(["btf", "dump", "file", "/sys/kernel/btf/vmlinux"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let theirs = ["bpf_rcu_read_lock", "bpf_rcu_read_unlock"].map(|name| {
        let line = text.lines().find(|l| l.contains(&format!("] FUNC '{name}' "))).unwrap();
        line[1..line.find(']').unwrap()].parse::<i32>().unwrap()
    });
    assert_eq!(ids, theirs);
}

#[test]
fn a_kfunc_called_by_name_runs_in_the_kernel() {
    require_kernel!();
    let insns = rcu_program().assemble().unwrap();
    let prog = ProgramSpec::new(ProgType::XDP, &insns).name("kfunc_name").license("GPL").load();
    let prog = prog.unwrap();
    let run = prog.test_run(TestRun::new(&[0u8; 64])).unwrap();
    assert_eq!(run.retval, XDP_PASS as u32);

    // The same from assembler text.
    let text = "call kfunc(bpf_rcu_read_lock)\ncall kfunc(bpf_rcu_read_unlock)\nr0 = 2\nexit\n";
    let insns = bpfkit::asm::parse(text).unwrap().assemble().unwrap();
    let prog = ProgramSpec::new(ProgType::XDP, &insns).name("kfunc_text").license("GPL").load();
    assert_eq!(prog.unwrap().test_run(TestRun::new(&[0u8; 64])).unwrap().retval, 2);
}

#[test]
fn an_unknown_name_fails_before_the_load_naming_the_rust_line() {
    if !kernel_has_btf() {
        return;
    }
    let mut b = ProgramBuilder::new();
    b.mov64(R0, 0);
    let line = line!() + 1;
    b.call_kfunc("bpf_no_such_kfunc_here");
    b.exit();
    let insns = b.assemble().unwrap();
    // No privilege is needed to fail: the name is looked up before any load.
    let err = ProgramSpec::new(ProgType::XDP, &insns).load().unwrap_err();
    let Error::UnknownKfunc { ref name, insn, at } = err else {
        panic!("expected UnknownKfunc, got {err}");
    };
    assert_eq!((name.as_str(), insn), ("bpf_no_such_kfunc_here", 1));
    let shown = err.to_string();
    assert!(shown.contains(&format!("{}:{line}", file!())), "{shown}");
    assert!(shown.contains("bpf_no_such_kfunc_here"), "{shown}");
    assert!(at.is_some());
}
