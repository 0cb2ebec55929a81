//! `bpfkit asm` and `bpfkit disasm`, run as the binary.
//!
//! A file of every row of `tests/golden/insns.tsv` (one instruction of every
//! form, and more) assembles to the table's bytes, which `llvm-mc` 14 and 19
//! confirm when installed (each missing one a visible skip;
//! `BPFKIT_REQUIRE_LLVM=1`: a missing LLVM fails);
//! `disasm` of those bytes prints our `Display` of each row, which
//! assembles back to the same bytes; `--raw` works both ways; bad input
//! exits 2 naming `FILE:LINE:COLUMN`.
#![cfg(target_endian = "little")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stderr)]

mod common;

use std::path::{Path, PathBuf};

use bpfkit::asm::{RawInsn, decode};
use common::{bpfkit, bpfkit_with_input};

const TSV: &str = include_str!("../../tests/golden/insns.tsv");

/// A row of the golden table.
struct Row {
    /// Its slots as the table writes them: 16 hex digits each.
    hex: Vec<&'static str>,
    text: &'static str,
    oracle: &'static str,
}

fn rows() -> Vec<Row> {
    let rows: Vec<Row> = TSV
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            Row { hex: cols[1].split(' ').collect(), text: cols[2], oracle: cols[3] }
        })
        .collect();
    assert_eq!(rows.len(), 768);
    rows
}

/// The texts of `rows`, one a line.
fn program(rows: &[&Row]) -> String {
    rows.iter().map(|r| format!("{}\n", r.text)).collect()
}

/// The hex `asm` should print for `rows`: a slot a line.
fn hex_lines(rows: &[&Row]) -> String {
    rows.iter().flat_map(|r| &r.hex).map(|h| format!("{h}\n")).collect()
}

fn bytes_of_hex(hex: &str) -> Vec<u8> {
    let digits: String = hex.split_whitespace().collect();
    (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).unwrap())
        .collect()
}

/// A directory of its own, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let dir = std::env::temp_dir().join(common::unique("bpfkit_cli_asm"));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    /// Writes `contents` to `name` in the directory; returns the path as text.
    fn file(&self, name: &str, contents: impl AsRef<[u8]>) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, contents).unwrap();
        path.to_str().unwrap().to_owned()
    }

    fn path(&self, name: &str) -> String {
        self.0.join(name).to_str().unwrap().to_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn asm_prints_the_golden_bytes_of_every_row() {
    let rows = rows();
    let all: Vec<&Row> = rows.iter().collect();
    let dir = TempDir::new();
    let file = dir.file("all.s", program(&all));
    let want = hex_lines(&all);
    assert_eq!(bpfkit(&["asm", &file]).success().stdout, want);
    // Standard input, with or without `-`; and the command abbreviated.
    assert_eq!(bpfkit_with_input(&["asm"], program(&all).as_bytes()).success().stdout, want);
    assert_eq!(bpfkit_with_input(&["as", "-"], program(&all).as_bytes()).success().stdout, want);
}

// ---------------------------------------------------------------------------
// llvm-mc
// ---------------------------------------------------------------------------

/// The bytes `tool -triple bpfel -show-encoding` gives for `source`.
fn llvm_mc_bytes(tool: &Path, source: &str) -> Vec<u8> {
    let out =
        common::run_with_input(tool, &["-triple", "bpfel", "-show-encoding"], source.to_owned());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stderr.trim().is_empty(), "{}: {stderr}", tool.display());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut bytes = Vec::new();
    for line in stdout.lines() {
        let Some((_, encoding)) = line.split_once("# encoding: [") else { continue };
        for byte in encoding.trim_end_matches(']').split(',') {
            bytes.push(u8::from_str_radix(byte.trim_start_matches("0x"), 16).unwrap());
        }
    }
    bytes
}

#[test]
fn asm_agrees_with_llvm_mc() {
    let rows = rows();
    // LLVM 14 reads the rows it confirmed; LLVM 19 reads every LLVM row. No
    // flag: -mcpu and -mattr change nothing llvm-mc does for BPF.
    let unchecked = "bpfkit asm";
    let tools = [
        (common::require_llvm_tool("llvm-mc", 14, unchecked), true),
        (common::require_llvm_tool("llvm-mc", 19, unchecked), false),
    ];
    for (tool, llvm14_only) in tools {
        let Some(tool) = tool else { continue };
        let chosen: Vec<&Row> = rows
            .iter()
            .filter(|r| r.oracle == "llvm14+llvm19" || (!llvm14_only && r.oracle == "llvm19"))
            .collect();
        let source = program(&chosen);
        let ours = bpfkit_with_input(&["asm"], source.as_bytes()).success().stdout;
        assert_eq!(ours, hex_lines(&chosen));
        let theirs = llvm_mc_bytes(&tool, &source);
        assert_eq!(bytes_of_hex(&ours), theirs, "{} disagrees with bpfkit asm", tool.display());
    }
}

// ---------------------------------------------------------------------------
// disasm
// ---------------------------------------------------------------------------

#[test]
fn disasm_prints_our_display_and_asm_reads_it_back() {
    let rows = rows();
    let all: Vec<&Row> = rows.iter().collect();
    let dir = TempDir::new();
    let hex = hex_lines(&all);
    let hex_file = dir.file("all.hex", &hex);
    let text = bpfkit(&["disasm", &hex_file]).success().stdout;
    let want: String = all
        .iter()
        .map(|r| {
            let slots: Vec<RawInsn> = bytes_of_hex(&r.hex.concat())
                .chunks(8)
                .map(|c| RawInsn::from_bytes(c.try_into().unwrap()))
                .collect();
            let (insn, used) = decode(&slots);
            assert_eq!(used, slots.len(), "{}", r.text);
            assert_eq!(insn.to_string().replace('\t', " "), r.text);
            format!("{insn}\n")
        })
        .collect();
    assert_eq!(text, want);
    // What disasm prints, asm reads back as the same bytes.
    let again = dir.file("again.s", &text);
    assert_eq!(bpfkit(&["asm", &again]).success().stdout, hex);
    // Standard input too, and the table's own spelling (slots on one line).
    let table_hex: String = all.iter().map(|r| format!("{}\n", r.hex.join(" "))).collect();
    assert_eq!(bpfkit_with_input(&["disasm", "-"], table_hex.as_bytes()).success().stdout, want);
}

#[test]
fn disasm_takes_spaced_bytes_comments_and_blank_lines() {
    let input = "\
# r0 = 2; a map load; exit
b7 00 00 00 02 00 00 00

18 11 00 00 03 00 00 00   00 00 00 00 00 00 00 00   # r1 = map_fd(3) ll
9500000000000000
";
    let out = bpfkit_with_input(&["disasm"], input.as_bytes()).success().stdout;
    assert_eq!(out, "r0 = 2\nld_pseudo\tr1, 1, 3\nexit\n");
}

#[test]
fn words_that_are_no_instruction_print_as_8byte_and_read_back() {
    // An unknown opcode, r12, a lone LD_IMM64 half at the end.
    let hex = "ff00000000000000\nbf0c000000000000\n1801000005000000\n";
    let out = bpfkit_with_input(&["disasm"], hex.as_bytes()).success().stdout;
    assert_eq!(
        out,
        ".8byte 0x00000000000000ff\n.8byte 0x0000000000000cbf\n.8byte 0x0000000500000118\n"
    );
    assert_eq!(bpfkit_with_input(&["asm"], out.as_bytes()).success().stdout, hex);
}

#[test]
fn raw_bytes_both_ways() {
    let rows = rows();
    let all: Vec<&Row> = rows.iter().collect();
    let dir = TempDir::new();
    let source = dir.file("all.s", program(&all));
    let out = dir.path("all.bin");
    let run = bpfkit(&["asm", "--raw", &out, &source]).success();
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(bytes, bytes_of_hex(&hex_lines(&all)));
    let from_raw = bpfkit(&["disasm", "--raw", &out]).success().stdout;
    let hex_file = dir.file("all.hex", hex_lines(&all));
    assert_eq!(from_raw, bpfkit(&["disasm", &hex_file]).success().stdout);
    assert_eq!(bpfkit_with_input(&["disasm", "-", "--raw"], &bytes).success().stdout, from_raw);
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// Asserts `run` exited 2 with `needle` in its standard error.
#[track_caller]
fn fails_with(run: common::Run, needle: &str) {
    assert_eq!(run.status, Some(2), "stdout: {}\nstderr: {}", run.stdout, run.stderr);
    assert!(run.stderr.contains(needle), "stderr lacks {needle:?}: {}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}

#[test]
fn bad_input_exits_2_naming_file_line_and_column() {
    let dir = TempDir::new();
    let file = dir.file("bad.s", "r0 = 0\n\n  r12 = 1\nexit\n");
    fails_with(bpfkit(&["asm", &file]), &format!("{file}:3:3: expected a register (r0-r11)"));
    let input = b"r0 = 0\ngoto nowhere\n";
    fails_with(bpfkit_with_input(&["asm"], input), "<stdin>:2:6: unknown label 'nowhere'");
    fails_with(bpfkit_with_input(&["asm"], b"# nothing\n"), "the program is empty");
    fails_with(bpfkit_with_input(&["asm"], b"\xff\xfe"), "not UTF-8");
    // Usage.
    fails_with(bpfkit(&["asm", "--raw"]), "--raw needs a file");
    fails_with(bpfkit(&["asm", "--bogus"]), "unexpected argument '--bogus'");
    fails_with(bpfkit(&["asm", &file, &file]), "unexpected argument");
    fails_with(bpfkit(&["disasm", "a", "b"]), "unexpected argument 'b'");
    // A file that cannot be read is a bad input too.
    let missing = dir.path("missing.s");
    fails_with(bpfkit(&["asm", &missing]), &format!("cannot read {missing}"));
    fails_with(bpfkit(&["disasm", &missing]), &format!("cannot read {missing}"));
    fails_with(bpfkit(&["disasm", "--raw", &missing]), &format!("cannot read {missing}"));
}

#[test]
fn bad_hex_or_raw_input_exits_2() {
    let dir = TempDir::new();
    let file = dir.file("bad.hex", "b700000002000000\n\n# fine\nb7000000020000\n");
    fails_with(
        bpfkit(&["disasm", &file]),
        &format!("{file}:4: expected 16 hex digits per 8-byte instruction slot"),
    );
    fails_with(bpfkit_with_input(&["disasm"], b"b70000000200000g\n"), "<stdin>:1: expected hex");
    let raw = dir.file("bad.bin", [0u8; 12]);
    fails_with(bpfkit(&["disasm", "--raw", &raw]), "12 bytes, which is not a whole number");
}
