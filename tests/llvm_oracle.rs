//! Exhaustive enumerations against LLVM 19: every opcode with every register
//! pair, and boundary offsets and immediates, through `llvm-objdump-19` and
//! `llvm-mc-19`, compared slot by slot with bpfkit's disassembler and text
//! assembler.
//!
//! What must hold, for every slot enumerated:
//! - bpfkit's text assembles back (with bpfkit) to the same bytes;
//! - where bpfkit prints an instruction, `llvm-objdump-19` prints the same
//!   text, except for the forms LLVM's text cannot hold without losing bits
//!   (listed in [`OWN_SPELLINGS`]), and `llvm-mc-19` assembles it to the
//!   same bytes;
//! - where bpfkit prints `.8byte`, objdump either cannot decode the slot or
//!   prints a text that `llvm-mc-19` assembles to other bytes (it dropped
//!   bits the instruction does not use);
//! - every text objdump prints that `llvm-mc-19` assembles, bpfkit's text
//!   assembler accepts and assembles to the same bytes.
//!
//! Without LLVM 19 the tests skip, saying so; `BPFKIT_REQUIRE_LLVM=1` makes
//! that a failure.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use bpfkit::asm::{RawInsn, decode, parse};

mod common;

/// LLVM 19's assembler and disassembler, found once.
static LLVM19: OnceLock<Option<(PathBuf, PathBuf)>> = OnceLock::new();

/// Whether LLVM 19's assembler and disassembler are here; a visible skip
/// (or, under `BPFKIT_REQUIRE_LLVM=1`, a failure) when not.
fn llvm19() -> bool {
    let found = LLVM19.get_or_init(|| {
        let what = "the disassembler and the text assembler";
        let mc = common::require_llvm_tool("llvm-mc", 19, what)?;
        let objdump = common::require_llvm_tool("llvm-objdump", 19, what)?;
        Some((mc, objdump))
    });
    if found.is_none() {
        // The first test to look said why; each test says it skips.
        common::skip(common::Require::Llvm, "LLVM 19 is not installed", "nothing compared");
    }
    found.is_some()
}

fn mc19() -> &'static Path {
    &LLVM19.get().and_then(Option::as_ref).expect("llvm19() said yes").0
}

fn objdump19() -> &'static Path {
    &LLVM19.get().and_then(Option::as_ref).expect("llvm19() said yes").1
}

/// A scratch directory removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("bpfkit-oracle-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What `llvm-objdump-19 -d --no-print-imm-hex` prints for `slots`, by the
/// index of the slot each instruction starts at; the ` <.text+0x..>`
/// annotation of jumps is dropped.
fn objdump(slots: &[RawInsn], tag: &str) -> BTreeMap<usize, String> {
    let dir = Scratch::new(tag);
    let source = dir.0.join("in.s");
    let object = dir.0.join("in.o");
    let mut text = String::from("\t.text\n");
    for slot in slots {
        text.push_str(&format!("\t.quad {:#x}\n", slot.to_word()));
    }
    std::fs::write(&source, text).unwrap();
    let status = Command::new(mc19())
        .args(["-triple", "bpfel", "-filetype=obj", "-o"])
        .arg(&object)
        .arg(&source)
        .status()
        .unwrap();
    assert!(status.success());
    let out = Command::new(objdump19())
        .args(["-d", "-z", "--mattr=+alu32", "--no-print-imm-hex", "--no-show-raw-insn"])
        .arg(&object)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut found = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Some((index, text)) = line.split_once(":\t") else { continue };
        let Ok(index) = index.trim().parse::<usize>() else { continue };
        let text = match text.rfind(" <") {
            Some(at) if text.ends_with('>') && text != "<unknown>" => &text[..at],
            _ => text,
        };
        found.insert(index, text.to_owned());
    }
    found
}

/// What `llvm-mc-19 -mcpu=v4` makes of each line: its slots, or its error.
/// LLVM aborts on some input (`r1 = 0b ll`: "Unexpected MCExpr type"); the
/// batch is halved until the line it dies on is found, which counts as
/// refused.
fn llvm_mc(lines: &[String]) -> Vec<Result<Vec<RawInsn>, String>> {
    match llvm_mc_batch(lines) {
        Some(results) => results,
        None if lines.len() == 1 => vec![Err("llvm-mc-19 crashed".into())],
        None => {
            let (a, b) = lines.split_at(lines.len() / 2);
            let mut results = llvm_mc(a);
            results.extend(llvm_mc(b));
            results
        }
    }
}

/// One run of `llvm-mc-19` over `lines`, `None` if it crashed. A marker
/// after each line (`.ascii "@N"`) tells which output is whose, so a line
/// that makes two encodings, or an error, cannot shift the others; `.8byte`
/// and `.quad` come back as `.quad VALUE`, their word.
fn llvm_mc_batch(lines: &[String]) -> Option<Vec<Result<Vec<RawInsn>, String>>> {
    let input: String =
        lines.iter().enumerate().map(|(i, l)| format!("{l}\n.ascii \"@{i}\"\n")).collect();
    let out =
        common::run_with_input(mc19(), &["-triple", "bpfel", "-mcpu=v4", "-show-encoding"], input);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() && stderr.contains("PLEASE submit a bug report") {
        return None;
    }
    let mut results: Vec<Result<Vec<RawInsn>, String>> = vec![Ok(Vec::new()); lines.len()];
    for l in stderr.lines() {
        let mut parts = l.splitn(4, ':');
        if let (Some(_), Some(n), Some(_), Some(msg)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        {
            if let (Ok(n), true) = (n.parse::<usize>(), msg.trim_start().starts_with("error")) {
                if let Some(slot @ Ok(_)) = results.get_mut((n - 1) / 2) {
                    *slot = Err(msg.trim().to_owned());
                }
            }
        }
    }
    let mut current = Vec::new();
    for l in String::from_utf8_lossy(&out.stdout).lines() {
        let l = l.trim();
        if let Some(n) = l
            .strip_prefix(".ascii\t\"@")
            .and_then(|n| n.strip_suffix('"'))
            .and_then(|n| n.parse::<usize>().ok())
        {
            if let Some(Ok(slots)) = results.get_mut(n) {
                *slots = std::mem::take(&mut current);
            }
            current.clear();
            continue;
        }
        if let Some(word) = l.strip_prefix(".quad\t") {
            let word = word.parse::<i64>().map(|v| v as u64).or_else(|_| word.parse::<u64>());
            current.push(RawInsn::from_word(word.unwrap_or(u64::MAX)));
            continue;
        }
        let Some((_, enc)) = l.split_once("# encoding: [") else { continue };
        // A symbol makes a fixup (`0x05'A'`): no bytes to compare; such a
        // line fills a slot with a word no instruction has.
        let bytes: Vec<u8> = enc
            .trim_end_matches(']')
            .split(',')
            .map(|b| u8::from_str_radix(b.trim_start_matches("0x"), 16).unwrap_or(0xff))
            .collect();
        current.extend(bytes.chunks(8).map(|c| match c.try_into() {
            Ok(word) => RawInsn::from_bytes(word),
            Err(_) => RawInsn::from_word(u64::MAX),
        }));
    }
    for (result, line) in results.iter_mut().zip(lines) {
        if matches!(result, Ok(slots) if slots.is_empty()) && !line.trim().is_empty() {
            *result = Err("no encoding printed".into());
        }
    }
    Some(results)
}

/// bpfkit's disassembly of `slots`, by the index each instruction starts at.
fn bpfkit_disasm(slots: &[RawInsn]) -> BTreeMap<usize, (String, usize)> {
    let mut out = BTreeMap::new();
    let mut at = 0;
    while at < slots.len() {
        let (insn, used) = decode(&slots[at..]);
        out.insert(at, (insn.to_string(), used.max(1)));
        at += used.max(1);
    }
    out
}

/// bpfkit's text assembler on one line: its slots, or its error.
fn bpfkit_asm(text: &str) -> Result<Vec<RawInsn>, String> {
    let b = parse(text).map_err(|e| e.to_string())?;
    let prog = b.assemble().map_err(|e| e.to_string())?;
    Ok(prog.insns().to_vec())
}

/// Forms whose LLVM text would lose bits, so bpfkit keeps a spelling of its
/// own (README, "Where bpfkit differs from LLVM"): a local call (`call pc+5`;
/// objdump prints `call 5`, a helper call), a kfunc call, a packet load with
/// a register and an offset (objdump drops the offset), and 64-bit loads
/// whose second slot carries an offset or a BTF fd (objdump's `ld_pseudo`
/// drops it).
const OWN_SPELLINGS: [&str; 6] =
    ["call pc", "call kfunc(", "skb[r", "= map_value(", "= btf_id(", "= map_idx_value("];

fn own_spelling(text: &str) -> bool {
    OWN_SPELLINGS.iter().any(|s| text.contains(s)) && !text.contains("skb[r0]") || wide_gotol(text)
}

/// `gotol` beyond 16 bits: LLVM's parser takes only 16-bit offsets, the ISA
/// and bpfkit 32 (README).
fn wide_gotol(text: &str) -> bool {
    text.strip_prefix("gotol")
        .map(str::trim_start)
        .and_then(|n| n.parse::<i64>().ok())
        .is_some_and(|n| i16::try_from(n).is_err())
}

/// Registers and fields worth trying: every value where the space is small,
/// boundaries where it is not.
const REGS: [u8; 16] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
const OFFS: [i16; 10] = [0, 1, -1, 3, 8, 16, 32, 64, i16::MAX, i16::MIN];
const IMMS: [i32; 26] = [
    0,
    1,
    -1,
    2,
    7,
    8,
    16,
    32,
    64,
    0x40,
    0x41,
    0x50,
    0x51,
    0xa0,
    0xa1,
    0xe1,
    0xf1,
    0x01,
    0x100,
    0x110,
    0x7fff,
    0x8000,
    -32768,
    i32::MAX,
    i32::MIN,
    0x1234_5678,
];

/// Every single-slot opcode (all but `LD_IMM64`) with every register pair
/// and zero fields, and with two register pairs and every boundary offset
/// and immediate.
fn one_slot_words() -> Vec<RawInsn> {
    let mut slots = Vec::new();
    for code in (0..=255u8).filter(|&c| c != 0x18) {
        for &dst in &REGS {
            for &src in &REGS {
                slots.push(RawInsn::new(code, dst, src, 0, 0));
            }
        }
        for (dst, src) in [(1, 2), (10, 10), (0, 0)] {
            for &off in &OFFS {
                for &imm in &IMMS {
                    slots.push(RawInsn::new(code, dst, src, off, imm));
                }
            }
        }
    }
    slots
}

/// `LD_IMM64` pairs: every kind (src_reg 0-15) with clean and unclean
/// fields in both slots.
fn two_slot_words() -> Vec<RawInsn> {
    let mut slots = Vec::new();
    for kind in 0..16u8 {
        for dst in [0u8, 1, 10, 11, 15] {
            for off in [0i16, 1] {
                for lo in [0, 1, -1, 3, i32::MIN, i32::MAX] {
                    for second in [
                        RawInsn::new(0, 0, 0, 0, 0),
                        RawInsn::new(0, 0, 0, 0, 8),
                        RawInsn::new(0, 0, 0, 0, -1),
                        RawInsn::new(0, 1, 0, 0, 0),
                        RawInsn::new(0, 0, 1, 0, 0),
                        RawInsn::new(0, 0, 0, 1, 0),
                        RawInsn::new(0x18, 0, 0, 0, 0),
                    ] {
                        slots.push(RawInsn::new(0x18, dst, kind, off, lo));
                        slots.push(second);
                    }
                }
            }
        }
    }
    // A first slot with nothing after it.
    slots.push(RawInsn::new(0x18, 1, 0, 0, 1));
    slots
}

/// Compares bpfkit with LLVM 19 over `slots`; returns the problems found.
fn compare(slots: &[RawInsn], tag: &str) -> Vec<String> {
    let theirs = objdump(slots, tag);
    let ours = bpfkit_disasm(slots);
    let mut problems = Vec::new();
    let bytes = |at: usize, n: usize| -> String {
        slots[at..(at + n).min(slots.len())]
            .iter()
            .map(|s| s.to_bytes().iter().map(|b| format!("{b:02x}")).collect::<String>())
            .collect::<Vec<_>>()
            .join(" ")
    };

    // bpfkit reads its own text back to the same bytes: asm(disasm(x)) == x.
    let all_text: String = ours.values().map(|(t, _)| format!("{t}\n")).collect();
    match bpfkit_asm(&all_text) {
        Ok(again) if again == slots => {}
        Ok(again) => {
            let at = again.iter().zip(slots).position(|(a, b)| a != b).unwrap_or(0);
            problems.push(format!("asm(disasm(x)) != x from slot {at}: {}", bytes(at, 2)));
        }
        Err(e) => problems.push(format!("bpfkit cannot read its own disassembly: {e}")),
    }

    // Texts to ask llvm-mc-19 about: ours and objdump's, by slot index.
    let mut asked: Vec<(usize, &str, String)> = Vec::new();
    for (&at, (text, _)) in &ours {
        if !text.starts_with(".8byte") && !own_spelling(text) {
            asked.push((at, "ours", text.clone()));
        }
    }
    for (&at, text) in &theirs {
        if text != "<unknown>" {
            asked.push((at, "objdump", text.replace('\t', " ")));
        }
    }
    let lines: Vec<String> = asked.iter().map(|(_, _, t)| t.clone()).collect();
    let mc = llvm_mc(&lines);
    let mut mc_of: BTreeMap<(usize, &str), &Result<Vec<RawInsn>, String>> = BTreeMap::new();
    for ((at, who, _), result) in asked.iter().zip(&mc) {
        mc_of.insert((*at, *who), result);
    }

    for (&at, (text, used)) in &ours {
        let here = &slots[at..at + used];
        let objdump_text = theirs.get(&at);
        if text.starts_with(".8byte") {
            // objdump must not know an exact text for this slot.
            if let (Some(t), Some(Ok(enc))) = (objdump_text, mc_of.get(&(at, "objdump"))) {
                if enc[..] == slots[at..(at + enc.len()).min(slots.len())] {
                    problems.push(format!(
                        "{}: bpfkit prints {text} but objdump's '{t}' holds every bit",
                        bytes(at, enc.len())
                    ));
                }
            }
            continue;
        }
        match objdump_text {
            // objdump read this slot as part of the one before.
            None => {}
            Some(t) if t == text => {}
            Some(t) if own_spelling(text) && t != "<unknown>" => {}
            other => problems.push(format!(
                "{}: bpfkit prints '{text}', objdump prints {:?}",
                bytes(at, *used),
                other
            )),
        }
        if let Some(result) = mc_of.get(&(at, "ours")) {
            match result {
                Ok(enc) if enc[..] == *here => {}
                Ok(enc) => problems.push(format!(
                    "{}: llvm-mc-19 assembles bpfkit's '{text}' to {enc:?}",
                    bytes(at, *used)
                )),
                Err(e) => problems.push(format!(
                    "{}: llvm-mc-19 refuses bpfkit's '{text}': {e}",
                    bytes(at, *used)
                )),
            }
        }
    }

    // Everything objdump prints that llvm-mc-19 takes, bpfkit takes, alike.
    for (&at, text) in &theirs {
        let Some(Ok(enc)) = mc_of.get(&(at, "objdump")) else { continue };
        let text = text.replace('\t', " ");
        match bpfkit_asm(&text) {
            Ok(ours) if ours == *enc => {}
            Ok(ours) => {
                problems.push(format!("'{text}': llvm-mc-19 gives {enc:?}, bpfkit gives {ours:?}"))
            }
            Err(e) => problems.push(format!("'{text}': llvm-mc-19 takes it, bpfkit says {e}")),
        }
    }
    problems
}

fn report(problems: &[String], what: &str) {
    let shown: Vec<&String> = problems.iter().take(60).collect();
    assert!(
        problems.is_empty(),
        "{} problem(s) {what}; the first:\n{}",
        problems.len(),
        shown.iter().map(|p| format!("  {p}\n")).collect::<String>()
    );
}

#[test]
fn every_one_slot_opcode_disassembles_as_llvm_objdump_19() {
    if !llvm19() {
        return;
    }
    report(&compare(&one_slot_words(), "one"), "over every one-slot opcode");
}

#[test]
fn every_ld_imm64_kind_disassembles_as_llvm_objdump_19() {
    if !llvm19() {
        return;
    }
    report(&compare(&two_slot_words(), "two"), "over LD_IMM64 pairs");
}

/// Every spelling of a number worth trying: boundary values in every radix
/// and with every C suffix, characters, expressions, and malformed ones.
fn number_spellings() -> Vec<String> {
    let values: [u64; 16] = [
        0,
        1,
        7,
        8,
        255,
        0x7fff,
        0x8000,
        0x7fff_ffff,
        0x8000_0000,
        0xffff_ffff,
        0x1_0000_0000,
        0x7fff_ffff_ffff_ffff,
        0x8000_0000_0000_0000,
        0xffff_ffff_ffff_fffe,
        u64::MAX,
        0x1234_5678,
    ];
    let suffixes =
        ["", "u", "U", "l", "L", "ul", "uL", "LL", "ll", "ull", "ULL", "uLl", "lu", "LU"];
    let mut out = Vec::new();
    for v in values {
        for (i, suffix) in suffixes.iter().enumerate() {
            // Every suffix on decimal and hex; a few on the other radixes.
            out.push(format!("{v}{suffix}"));
            out.push(format!("0x{v:x}{suffix}"));
            if i % 4 == 0 {
                out.push(format!("0{v:o}{suffix}"));
                out.push(format!("0b{v:b}{suffix}"));
                out.push(format!("0X{v:X}{suffix}"));
                out.push(format!("0B{v:b}{suffix}"));
            }
        }
        out.push(format!("-{v}"));
        out.push(format!("-0x{v:x}"));
        out.push(format!("- {v}"));
        out.push(format!("+{v}"));
    }
    for s in [
        "08",
        "09",
        "0778",
        "00",
        "007",
        "0b",
        "0b2",
        "0b12",
        "0x",
        "0xg",
        "0x1g",
        "1e3",
        "1.5",
        "12ab",
        "10h",
        "0ah",
        "'a'",
        "'\\n'",
        "'\\t'",
        "'\\0'",
        "'\\\\'",
        "'\\''",
        "' '",
        "'ab'",
        "1+2",
        "2*3+1",
        "1<<2+1",
        "1+3&1",
        "6^3|8",
        "1 ! 2",
        "(1)",
        "-(1)",
        "~0",
        "1+~0",
        "2+!0",
        "-8>>1",
        "8>>1",
        "1 == 1",
        "3 > 2",
        "1 <> 2",
        "1 && 2",
        "0 || 0",
        "2 - -1",
        "7%3",
        "7/2",
        "-7/2",
        "1+(2*3)",
        "1+((2))",
        "0xffffffffffffffff+1",
        "18446744073709551616",
        "0x10000000000000000",
        "-9223372036854775808",
        "-9223372036854775809",
        "1 + 'a'",
        "0x7fffffff+1",
        "4294967295+1",
        "-2147483648-1",
        "1 +",
        "1 2",
        "1,",
        "+ +1",
        "--1",
        "- -1",
    ] {
        out.push(s.to_owned());
    }
    out
}

/// Instructions with a number in each place one goes.
const TEMPLATES: [&str; 16] = [
    "r1 = {}",
    "w1 = {}",
    "r1 += {}",
    "w1 &= {}",
    "r1 = {} ll",
    "if r1 > {} goto +1",
    "if w1 s< {} goto +1",
    "*(u32 *)(r1 + 0) = {}",
    "*(u64 *)(r1 - 8) = {}",
    "r1 = *(u64 *)(r2 + {})",
    "r1 = *(u64 *)(r2 - {})",
    "goto {}",
    "call {}",
    ".8byte {}",
    "r0 = *(u8 *)skb[{}]",
    "ld_pseudo r1, 2, {}",
];

#[test]
fn number_spellings_assemble_as_llvm_mc_19() {
    if !llvm19() {
        return;
    }
    let lines: Vec<String> = TEMPLATES
        .iter()
        .flat_map(|t| number_spellings().into_iter().map(move |n| t.replace("{}", &n)))
        .collect();
    let theirs = llvm_mc(&lines);
    let mut problems = Vec::new();
    let mut agreed = 0;
    for (line, theirs) in lines.iter().zip(&theirs) {
        // LLVM stores a floating-point number's bits in data; bpfkit has
        // no floating point and refuses it.
        if line.starts_with(".8byte") && (line.contains("1e3") || line.contains("1.5")) {
            continue;
        }
        match (theirs, bpfkit_asm(line)) {
            (Ok(a), Ok(b)) if *a == b => agreed += 1,
            (Ok(a), Ok(b)) => problems.push(format!("'{line}': llvm-mc-19 {a:?}, bpfkit {b:?}")),
            // The one class bpfkit refuses on purpose: values LLVM wraps.
            (Ok(_), Err(e)) if e.contains("does not fit in") => agreed += 1,
            (Ok(a), Err(e)) => problems.push(format!("'{line}': llvm-mc-19 {a:?}, bpfkit: {e}")),
            (Err(_), Err(_)) => agreed += 1,
            (Err(e), Ok(b)) => problems.push(format!("'{line}': llvm-mc-19: {e}; bpfkit {b:?}")),
        }
    }
    assert!(agreed > 5_000, "only {agreed} lines compared");
    report(&problems, "over number spellings");
}

/// `text` with the register at byte `at` named in the other width.
fn flip_register(text: &str, at: usize) -> String {
    let mut out = text.to_owned();
    let other = if text.as_bytes()[at] == b'r' { "w" } else { "r" };
    out.replace_range(at..at + 1, other);
    out
}

/// `text` without the spaces next to punctuation: `r1 = -r1` as `r1=-r1`.
fn tight(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let word = |c: Option<&char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_');
    let mut out = String::new();
    for (i, c) in chars.iter().enumerate() {
        let between_words = i > 0 && word(chars.get(i - 1)) && word(chars.get(i + 1));
        if *c != ' ' || between_words {
            out.push(*c);
        }
    }
    out
}

/// Where registers stand in `text`: each `r`/`w` that starts a word and is
/// followed by digits.
fn register_positions(text: &str) -> Vec<usize> {
    let b = text.as_bytes();
    (0..b.len())
        .filter(|&i| {
            (b[i] == b'r' || b[i] == b'w')
                && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_'))
                && b.get(i + 1).is_some_and(u8::is_ascii_digit)
                && b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count() <= 2
                && b.get(i + 1 + b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count())
                    .is_none_or(|c| !c.is_ascii_alphanumeric())
        })
        .collect()
}

/// Every instruction objdump prints, with each register named in the other
/// width (`w1 += w2` as `r1 += w2`, ...) and with no spaces by punctuation
/// (`w1=-w1`): bpfkit takes what llvm-mc-19 takes, to the same bytes, and
/// refuses what it refuses.
#[test]
fn register_widths_are_taken_and_refused_as_llvm_mc_19_does() {
    if !llvm19() {
        return;
    }
    let mut texts = std::collections::BTreeSet::new();
    for (slots, tag) in [(one_slot_words(), "w1"), (two_slot_words(), "w2")] {
        for text in objdump(&slots, tag).into_values() {
            if text != "<unknown>" {
                texts.insert(text.replace('\t', " "));
            }
        }
    }
    let mut lines: Vec<String> = Vec::new();
    for text in &texts {
        lines.push(text.clone());
        lines.push(tight(text));
        for at in register_positions(text) {
            lines.push(flip_register(text, at));
        }
    }
    lines.sort();
    lines.dedup();
    let theirs = llvm_mc(&lines);
    let mut problems = Vec::new();
    for (line, theirs) in lines.iter().zip(&theirs) {
        match (theirs, bpfkit_asm(line)) {
            (Ok(a), Ok(b)) if *a == b => {}
            (Err(_), Err(_)) => {}
            (Err(_), Ok(_)) if wide_gotol(line) => {}
            (Ok(a), Ok(b)) => problems.push(format!("'{line}': llvm-mc-19 {a:?}, bpfkit {b:?}")),
            (Ok(a), Err(e)) => problems.push(format!("'{line}': llvm-mc-19 {a:?}, bpfkit: {e}")),
            (Err(e), Ok(b)) => problems.push(format!("'{line}': llvm-mc-19: {e}; bpfkit {b:?}")),
        }
    }
    assert!(lines.len() > 2_000, "only {} lines", lines.len());
    report(&problems, "over register widths");
}
