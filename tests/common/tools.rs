//! The optional tools the tests compare with, and what happens without them.
//!
//! `cargo test` passes on a machine with any subset of LLVM 14, LLVM 19 and
//! bpftool installed: a check whose tool is missing prints a `SKIPPED:` line
//! (straight to stderr, so libtest does not swallow it) naming the test, the
//! tool and what goes unchecked. The `BPFKIT_REQUIRE_*` variables turn those
//! skips into failures, so CI cannot pass by not running a check.
//!
//! Tools are found as a shell finds them, in `PATH`, and LLVM's by version:
//! a plain `llvm-mc` only counts as LLVM 14's when it says so, so a machine
//! whose `llvm-mc` is LLVM 19 does not claim an LLVM 14 check it never ran.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

/// A prerequisite of some tests, and the variable that makes it mandatory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Require {
    /// bpf(2) itself (root or CAP_BPF + CAP_SYS_ADMIN): `BPFKIT_REQUIRE_KERNEL`.
    Kernel,
    /// LLVM's `llvm-mc` 14 and 19 and `llc-19`: `BPFKIT_REQUIRE_LLVM`.
    Llvm,
    /// Debian's `bpftool`, the reference of the `bpfkit` command: `BPFKIT_REQUIRE_BPFTOOL`.
    Bpftool,
}

impl Require {
    /// The environment variable.
    pub fn variable(self) -> &'static str {
        match self {
            Require::Kernel => "BPFKIT_REQUIRE_KERNEL",
            Require::Llvm => "BPFKIT_REQUIRE_LLVM",
            Require::Bpftool => "BPFKIT_REQUIRE_BPFTOOL",
        }
    }

    /// Whether the variable is set to anything but empty or `0`.
    pub fn is_set(self) -> bool {
        std::env::var_os(self.variable()).is_some_and(|v| !v.is_empty() && v != "0")
    }
}

/// Reports a check that cannot run here: panics when `require`'s variable
/// is set, else prints `SKIPPED (test): why; hint` once per test and message.
pub fn skip(require: Require, why: &str, hint: &str) {
    if require.is_set() {
        panic!("{} is set but {why}", require.variable());
    }
    let test = std::thread::current().name().unwrap_or("?").to_owned();
    let line = format!("SKIPPED ({test}): {why}; {hint}");
    static SAID: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let mut said = SAID.lock().unwrap_or_else(|e| e.into_inner());
    if !said.contains(&line) {
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "{line}");
        said.push(line);
    }
}

/// `name` as a shell finds it: the first executable file of that name in a
/// `PATH` directory.
pub fn tool(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(name))
        .find(|file| {
            std::fs::metadata(file)
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// The major version in `tool --version` (`Debian LLVM version 14.0.6`).
fn llvm_major(tool: &Path) -> Option<u32> {
    let out = Command::new(tool).arg("--version").stderr(Stdio::null()).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let (_, rest) = text.split_once("LLVM version ")?;
    rest.split('.').next()?.trim().parse().ok()
}

/// LLVM `major`'s `name` (`llvm-mc`, `llc`): `name-MAJOR` as Debian and
/// Ubuntu install it, else a plain `name` whose `--version` says `major`.
pub fn llvm_tool(name: &str, major: u32) -> Option<PathBuf> {
    static FOUND: Mutex<Vec<(String, u32, Option<PathBuf>)>> = Mutex::new(Vec::new());
    let mut found = FOUND.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, _, path)) = found.iter().find(|(n, m, _)| (n.as_str(), *m) == (name, major)) {
        return path.clone();
    }
    let path = tool(&format!("{name}-{major}"))
        .or_else(|| tool(name).filter(|plain| llvm_major(plain) == Some(major)));
    found.push((name.to_owned(), major, path.clone()));
    path
}

/// [`llvm_tool`], or a skip (a failure under `BPFKIT_REQUIRE_LLVM`) saying
/// what goes `unchecked` without it.
pub fn require_llvm_tool(name: &str, major: u32, unchecked: &str) -> Option<PathBuf> {
    let found = llvm_tool(name, major);
    if found.is_none() {
        skip(
            Require::Llvm,
            &format!(
                "LLVM {major}'s {name} is not installed ({name}-{major}, or {name} of LLVM {major})"
            ),
            &format!("{unchecked} is not checked against it"),
        );
    }
    found
}

/// Debian's `bpftool`, if it is in `PATH` and runs (`bpftool version`);
/// else a skip, a failure under `BPFKIT_REQUIRE_BPFTOOL`.
pub fn require_bpftool() -> Option<PathBuf> {
    static FOUND: Mutex<Option<Result<PathBuf, String>>> = Mutex::new(None);
    let found = FOUND
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get_or_insert_with(|| {
            let path = tool("bpftool").ok_or_else(|| "bpftool is not installed".to_owned())?;
            let runs = Command::new(&path)
                .arg("version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if runs { Ok(path) } else { Err(format!("{} version fails", path.display())) }
        })
        .clone();
    match found {
        Ok(path) => Some(path),
        Err(why) => {
            skip(Require::Bpftool, &why, "the comparison with bpftool is not made");
            None
        }
    }
}

/// Runs `tool ARGS` with `input` on its standard input, written from a
/// thread so that a tool that answers before it has read everything cannot
/// deadlock on a full pipe; its output, whatever its status.
pub fn run_with_input(tool: &Path, args: &[&str], input: String) -> std::process::Output {
    use std::io::Write;
    let mut child = Command::new(tool)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{} does not start: {e}", tool.display()));
    let mut stdin = child.stdin.take();
    let writer = std::thread::spawn(move || stdin.as_mut().map(|s| s.write_all(input.as_bytes())));
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{}: {e}", tool.display()));
    // A tool that exits early (LLVM aborting) closes the pipe: not our error.
    let _ = writer.join();
    out
}
