//! `bpfkit btf dump file` against bpftool 7.1, byte for byte: vmlinux in
//! text, JSON and pretty JSON, and a module's split BTF when one is loaded.
//! Compared in memory; a failure shows the first line that differs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stderr)]

mod common;

use std::path::Path;

use common::{bpfkit, bpftool};

const VMLINUX: &str = "/sys/kernel/btf/vmlinux";

/// Panics with the first differing line (and its number) unless equal.
fn assert_same(ours: &str, theirs: &str, what: &str) {
    if ours == theirs {
        return;
    }
    let (n, (a, b)) = ours
        .lines()
        .zip(theirs.lines())
        .enumerate()
        .find(|(_, (a, b))| a != b)
        .unwrap_or((ours.lines().count().min(theirs.lines().count()), ("<end>", "<end>")));
    panic!(
        "{what}: line {} differs ({} bytes vs bpftool's {}):\n  bpfkit:  {}\n  bpftool: {}",
        n + 1,
        ours.len(),
        theirs.len(),
        &a[..a.len().min(300)],
        &b[..b.len().min(300)]
    );
}

/// `btf dump file FILE` with `flags` from both tools, compared.
fn compare(file: &str, flags: &[&str]) {
    let mut args: Vec<&str> = flags.to_vec();
    args.extend(["btf", "dump", "file", file]);
    let Some(theirs) = bpftool(&args) else { return };
    let theirs = theirs.success();
    let ours = bpfkit(&args).success();
    assert_same(&ours.stdout, &theirs.stdout, &args.join(" "));
}

fn vmlinux_present() -> bool {
    if Path::new(VMLINUX).exists() {
        return true;
    }
    // Not bpftool's absence: BPFKIT_REQUIRE_BPFTOOL does not make it fail.
    eprintln!("SKIPPED: the kernel has no BTF ({VMLINUX}); btf dump is not compared");
    false
}

#[test]
fn vmlinux_dumps_as_bpftool_text() {
    if vmlinux_present() {
        compare(VMLINUX, &[]);
    }
}

#[test]
fn vmlinux_dumps_as_bpftool_json() {
    if vmlinux_present() {
        compare(VMLINUX, &["-j"]);
        compare(VMLINUX, &["-p"]);
    }
}

#[test]
fn a_module_dumps_split_on_vmlinux_as_bpftool() {
    let module = std::fs::read_dir("/sys/kernel/btf").ok().and_then(|d| {
        let mut names: Vec<_> =
            d.flatten().map(|e| e.path()).filter(|p| !p.ends_with("vmlinux")).collect();
        names.sort();
        names.into_iter().next()
    });
    let Some(module) = module else {
        // Not bpftool's absence: BPFKIT_REQUIRE_BPFTOOL does not make it fail.
        eprintln!(
            "SKIPPED (a_module_dumps_split_on_vmlinux_as_bpftool): no module BTF in \
             /sys/kernel/btf; split BTF is compared on a synthetic file instead"
        );
        return;
    };
    let module = module.to_str().unwrap();
    compare(module, &[]);
    compare(module, &["-j"]);
}

#[test]
fn bad_files_and_sources_are_errors() {
    let dir = std::env::temp_dir().join(format!("bpfkit-btf-dump-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.btf");
    std::fs::write(&bad, [0x9f_u8, 0xeb, 1, 0, 24, 0, 0]).unwrap();
    let run = bpfkit(&["btf", "dump", "file", bad.to_str().unwrap()]);
    assert_eq!(run.status, Some(255), "{run:?}");
    assert!(
        run.stderr.contains("failed to load BTF from") && run.stderr.contains("needs 24 bytes"),
        "{}",
        run.stderr
    );
    let run = bpfkit(&["btf", "dump", "nothing", "1"]);
    assert!(run.stderr.contains("unrecognized BTF source specifier"), "{}", run.stderr);
    std::fs::remove_dir_all(&dir).unwrap();
}
