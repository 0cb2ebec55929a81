//! The fuzz corpus, checked in every `cargo test`, on stable and without
//! cargo-fuzz: every seed (`fuzz/corpus/<target>/`) and every
//! crash-regression input (`fuzz/regressions/<target>/`) goes through the
//! property its fuzz target checks (`fuzz/properties.rs`, the very code the
//! targets run):
//!
//! - `parse`: text that parses and assembles prints as text that parses and
//!   assembles to the same slots and prints the same;
//! - `disasm`: bytes, disassembled as `bpfkit disasm` prints them (checked
//!   against the command by `cli/tests/fuzz_corpus.rs`), assemble to the
//!   same bytes.
//!
//! An input listed in `fuzz/regressions/KNOWN_FAILING.txt` is a bug found
//! and not yet fixed: it is skipped with a line saying so, and once it
//! passes the test fails until it is taken off the list.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stderr)]

#[path = "../fuzz/properties.rs"]
mod properties;

use std::cell::{Cell, RefCell};
use std::io::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

const KNOWN_FAILING: &str = "fuzz/regressions/KNOWN_FAILING.txt";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The known failing inputs: `TARGET/FILE` (under `fuzz/regressions/`) and
/// what breaks, from `KNOWN_FAILING.txt` (`#` starts a comment).
fn known_failing() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(root().join(KNOWN_FAILING)).unwrap();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once('#') {
            Some((path, why)) => (path.trim().to_owned(), why.trim().to_owned()),
            None => (l.to_owned(), String::new()),
        })
        .collect()
}

/// The files of `dir` but dotfiles (`.keep`), sorted; none if it does not exist.
fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    files.sort();
    files
}

thread_local! {
    /// Set while a property runs: the panic hook then keeps the message here.
    static CATCHING: Cell<bool> = const { Cell::new(false) };
    static CAUGHT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `property` on `input`; a panic is an `Err` with its message and
/// place, not printed (a known failing input panics on every run).
fn run(property: fn(&[u8]) -> Result<(), String>, input: &[u8]) -> Result<(), String> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if CATCHING.get() {
                CAUGHT.set(Some(info.to_string()));
            } else {
                default(info);
            }
        }));
    });
    CATCHING.set(true);
    let result = catch_unwind(AssertUnwindSafe(|| property(input)));
    CATCHING.set(false);
    result.unwrap_or_else(|_| Err(CAUGHT.take().unwrap_or_else(|| "panicked".to_owned())))
}

/// Checks every input of `target` against `property`.
fn replay(target: &str, property: fn(&[u8]) -> Result<(), String>) {
    let fuzz = root().join("fuzz");
    let seeds = files(&fuzz.join("corpus").join(target));
    assert!(!seeds.is_empty(), "no seeds in fuzz/corpus/{target}");
    let regressions = files(&fuzz.join("regressions").join(target));
    let known: Vec<(String, String)> = known_failing()
        .into_iter()
        .filter(|(path, _)| path.starts_with(&format!("{target}/")))
        .collect();
    let mut failures = Vec::new();
    for (path, _) in &known {
        if !fuzz.join("regressions").join(path).is_file() {
            failures
                .push(format!("{KNOWN_FAILING} lists {path}, which is not in fuzz/regressions"));
        }
    }
    for file in seeds.iter().chain(&regressions) {
        let name = file.strip_prefix(&fuzz).unwrap().display().to_string();
        let input = std::fs::read(file).unwrap();
        let listed = known.iter().find(|(path, _)| format!("regressions/{path}") == name);
        match (run(property, &input), listed) {
            (Ok(()), None) => {}
            (Err(broken), None) => failures.push(format!("fuzz/{name}: {broken}")),
            (Err(_), Some((path, why))) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "SKIPPED (known failing, listed in {KNOWN_FAILING}): fuzz/regressions/{path}: {why}"
                );
            }
            (Ok(()), Some((path, _))) => {
                failures.push(format!("fuzz/{name} passes now: take {path} off {KNOWN_FAILING}"))
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} {target} inputs:\n{}",
        failures.len(),
        seeds.len() + regressions.len(),
        failures.join("\n\n")
    );
}

#[test]
fn parse_corpus_reads_back_as_it_was() {
    replay("parse", |data| match std::str::from_utf8(data) {
        Ok(text) => properties::parse_round_trip(text),
        Err(_) => Ok(()),
    });
}

#[test]
fn disasm_corpus_assembles_back_to_its_bytes() {
    replay("disasm", properties::disasm_round_trip);
}
