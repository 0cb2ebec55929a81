//! The CLI tests' support: the helpers the library's tests use too
//! (`tests/common/` at the workspace root: the kernel gate, the optional
//! tools, guards), and running this package's `bpfkit` binary.
#![allow(dead_code)]

#[path = "../../../tests/common/mod.rs"]
mod shared;
#[allow(unused_imports)] // each test binary uses some of them
pub use shared::*;

use std::ffi::OsStr;
use std::process::Command;

/// The `bpfkit` binary built with the tests.
pub const BPFKIT: &str = env!("CARGO_BIN_EXE_bpfkit");

/// Runs the `bpfkit` binary built with the tests.
pub fn bpfkit(args: &[&str]) -> Run {
    spawn(BPFKIT, args, None)
}

/// Runs the `bpfkit` binary with arguments that need not be UTF-8.
pub fn bpfkit_os<S: AsRef<OsStr>>(args: &[S]) -> Run {
    spawn_with(Command::new(BPFKIT), args, None)
}

/// Runs the `bpfkit` binary with `input` on its standard input.
pub fn bpfkit_with_input(args: &[&str], input: &[u8]) -> Run {
    spawn(BPFKIT, args, Some(input))
}

/// Both tools, same arguments: the same exit status, standard output and
/// standard error (nothing to compare without bpftool).
pub fn assert_same(args: &[&str]) {
    let Some(theirs) = bpftool(args) else { return };
    let ours = bpfkit(args);
    assert_eq!(ours.status, theirs.status, "{args:?}\nbpftool: {theirs:?}\nbpfkit: {ours:?}");
    assert_eq!(ours.stdout, theirs.stdout, "stdout of {args:?}");
    assert_eq!(ours.stderr, theirs.stderr, "stderr of {args:?}");
}

/// [`assert_same`] in text and in JSON mode.
pub fn assert_same_both(args: &[&str]) {
    assert_same(args);
    assert_same(&[&["-j"], args].concat());
}

/// Runs the `bpfkit` binary inside the namespace `ns` (`ip netns exec`).
pub fn bpfkit_in(ns: &Netns, args: &[&str]) -> Run {
    ns.exec(BPFKIT, args)
}

/// bpftool's answer inside the namespace `ns`, or `None` (the comparison
/// skips) without bpftool.
#[allow(clippy::expect_used)] // a test's own machine
pub fn bpftool_in(ns: &Netns, args: &[&str]) -> Option<Run> {
    let bpftool = require_bpftool()?;
    Some(ns.exec(bpftool.to_str().expect("bpftool's path is UTF-8"), args))
}
