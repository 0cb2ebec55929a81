//! Golden tests for the assembler against `tests/golden/insns.tsv`.
//!
//! Every row of the table (form, bytes, LLVM text, oracle) is checked four ways:
//! the bytes decode to an instruction whose `Display` is exactly the text and
//! which encodes back to exactly the bytes; the same instruction rebuilt
//! through the `ProgramBuilder` method of its form assembles to the bytes; a
//! hand-written DSL table covers every form the file lists, and each of its
//! cases (label-resolved ones too) reads back through `asm::parse` as the
//! same slots; and, when LLVM is installed, `regen.sh` re-checks the table
//! and our own text is fed to `llvm-mc-19` (and LLVM 14's `llvm-mc`) to prove
//! LLVM reads it as the same bytes. For each LLVM version that is not installed the
//! oracle tests print `SKIPPED`; with `BPFKIT_REQUIRE_LLVM=1` a missing one is a failure.
//!
//! The table's bytes are `bpfel` (little-endian) memory order, which is what
//! `RawInsn::from_bytes` reads on a little-endian host.
#![cfg(target_endian = "little")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::print_stderr
)]

// The kernel gate; its helpers are not all used here.
mod common;
#[path = "common/rng.rs"]
mod rng;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use bpfkit::asm::{
    AluOp, AnyReg, AtomicOp, ByteOrder, Call, Cond, HelperId, Imm64, Insn, MapRef, ProgramBuilder,
    R0, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10, RawInsn, Reg, Size, Src, SwapBits, SxBits, Target,
    Width, decode, decode_all, encode,
};
use bpfkit::asm::{Assembled, Helper};
use rng::XorShift;

const TSV: &str = include_str!("golden/insns.tsv");

// ---------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------

/// Who confirmed a row's bytes and text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Oracle {
    /// `llvm-mc` 14 and `llvm-mc-19`.
    Llvm14And19,
    /// `llvm-mc-19` only.
    Llvm19,
    /// No LLVM spelling: the kernel's instruction-set document.
    KernelDoc,
}

#[derive(Debug)]
struct Row {
    /// 1-based line in insns.tsv.
    line: usize,
    form: &'static str,
    hex: &'static str,
    slots: Vec<RawInsn>,
    text: &'static str,
    oracle: Oracle,
}

impl Row {
    fn at(&self) -> String {
        format!("insns.tsv:{} {} `{}`", self.line, self.form, self.text)
    }
}

fn parse_slot(hex: &str) -> Option<RawInsn> {
    if hex.len() != 16 || !hex.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let mut bytes = [0u8; 8];
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(RawInsn::from_bytes(bytes))
}

/// The table's hex spelling of slots: 16 digits per slot, one space between.
fn hex_of(slots: &[RawInsn]) -> String {
    let words: Vec<String> =
        slots.iter().map(|s| s.to_bytes().iter().map(|b| format!("{b:02x}")).collect()).collect();
    words.join(" ")
}

/// Every row of insns.tsv; a malformed line fails the test that reads it.
fn rows() -> Vec<Row> {
    let mut out = Vec::new();
    for (i, line) in TSV.lines().enumerate() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let [form, hex, text, oracle] = cols[..] else {
            panic!(
                "insns.tsv:{}: want 4 tab-separated columns, got {}: {line:?}",
                i + 1,
                cols.len()
            );
        };
        let slots: Option<Vec<RawInsn>> = hex.split(' ').map(parse_slot).collect();
        let Some(slots) = slots.filter(|s| matches!(s.len(), 1 | 2)) else {
            panic!("insns.tsv:{}: bad hex column {hex:?}", i + 1);
        };
        let oracle = match oracle {
            "llvm14+llvm19" => Oracle::Llvm14And19,
            "llvm19" => Oracle::Llvm19,
            "kernel-doc" => Oracle::KernelDoc,
            other => panic!("insns.tsv:{}: unknown oracle {other:?}", i + 1),
        };
        out.push(Row { line: i + 1, form, hex, slots, text, oracle });
    }
    out
}

/// The set of form ids the table lists.
fn tsv_forms(rows: &[Row]) -> BTreeSet<&'static str> {
    rows.iter().map(|r| r.form).collect()
}

/// Fails with every problem at once.
fn report(what: &str, checked: usize, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{what}: {} of {checked} failed:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

/// The form id of an instruction, as the table's first column spells it.
fn form_of(insn: &Insn) -> String {
    fn w(width: Width, w64: &str, w32: &str) -> String {
        if width == Width::Bits64 { w64.to_owned() } else { w32.to_owned() }
    }
    fn kind(src: Src) -> &'static str {
        if matches!(src, Src::Imm(_)) { "imm" } else { "reg" }
    }
    fn size(s: Size) -> &'static str {
        match s {
            Size::B => "b",
            Size::H => "h",
            Size::W => "w",
            Size::DW => "dw",
        }
    }
    match insn {
        Insn::Alu { width, op, src, .. } => {
            let name = match op {
                AluOp::Add => "add",
                AluOp::Sub => "sub",
                AluOp::Mul => "mul",
                AluOp::Div => "div",
                AluOp::SDiv => "sdiv",
                AluOp::Mod => "mod",
                AluOp::SMod => "smod",
                AluOp::Or => "or",
                AluOp::And => "and",
                AluOp::Xor => "xor",
                AluOp::Lsh => "lsh",
                AluOp::Rsh => "rsh",
                AluOp::Arsh => "arsh",
                AluOp::Mov => "mov",
            };
            format!("{}.{name}.{}", w(*width, "alu64", "alu32"), kind(*src))
        }
        Insn::MovSx { width, from, .. } => {
            format!("{}.movsx.{}", w(*width, "alu64", "alu32"), *from as u8)
        }
        Insn::Neg { width, .. } => format!("{}.neg", w(*width, "alu64", "alu32")),
        Insn::Endian { order, bits, .. } => {
            let name = match order {
                ByteOrder::ToLe => "end.le",
                ByteOrder::ToBe => "end.be",
                ByteOrder::Swap => "bswap",
            };
            format!("{name}.{}", *bits as u8)
        }
        Insn::Jump { width, cond, src, .. } => {
            let name = match cond {
                Cond::Eq => "jeq",
                Cond::Gt => "jgt",
                Cond::Ge => "jge",
                Cond::Lt => "jlt",
                Cond::Le => "jle",
                Cond::Set => "jset",
                Cond::Ne => "jne",
                Cond::SGt => "jsgt",
                Cond::SGe => "jsge",
                Cond::SLt => "jslt",
                Cond::SLe => "jsle",
            };
            format!("{}.{name}.{}", w(*width, "jmp", "jmp32"), kind(*src))
        }
        Insn::Ja { .. } => "jmp.ja".into(),
        Insn::Gotol { .. } => "jmp32.gotol".into(),
        Insn::MayGoto { .. } => "jmp.may_goto".into(),
        Insn::Call(Call::Helper(_)) => "call.helper".into(),
        Insn::Call(Call::Local(_)) => "call.local".into(),
        Insn::Call(Call::Kfunc { .. }) => "call.kfunc".into(),
        Insn::Exit => "exit".into(),
        Insn::LdImm64 { value, .. } => match value {
            Imm64::Const(_) => "ld_imm64",
            Imm64::MapFd(_) => "ld_imm64.map_fd",
            Imm64::MapValue { .. } => "ld_imm64.map_value",
            Imm64::BtfId { .. } => "ld_imm64.btf_id",
            Imm64::Func(_) => "ld_imm64.func",
            Imm64::MapIdx(_) => "ld_imm64.map_idx",
            Imm64::MapIdxValue { .. } => "ld_imm64.map_idx_value",
            Imm64::Pseudo { .. } => "ld_imm64.pseudo",
        }
        .into(),
        Insn::Load { size: s, .. } => format!("ldx.{}", size(*s)),
        Insn::LoadSx { size: s, .. } => format!("ldsx.{}", size(*s)),
        Insn::Store { size: s, src: Src::Imm(_), .. } => format!("st.{}", size(*s)),
        Insn::Store { size: s, src: Src::Reg(_), .. } => format!("stx.{}", size(*s)),
        Insn::Atomic { width, op, .. } => {
            let name = match op {
                AtomicOp::Add => "add",
                AtomicOp::Or => "or",
                AtomicOp::And => "and",
                AtomicOp::Xor => "xor",
                AtomicOp::FetchAdd => "fetch_add",
                AtomicOp::FetchOr => "fetch_or",
                AtomicOp::FetchAnd => "fetch_and",
                AtomicOp::FetchXor => "fetch_xor",
                AtomicOp::Xchg => "xchg",
                AtomicOp::CmpXchg => "cmpxchg",
            };
            format!("{}.{name}", w(*width, "atomic64", "atomic32"))
        }
        Insn::LdAbs { size: s, .. } => format!("ld_abs.{}", size(*s)),
        Insn::LdInd { size: s, .. } => format!("ld_ind.{}", size(*s)),
        Insn::Raw(_) => "raw".into(),
        _ => "unknown".into(),
    }
}

#[test]
fn table_is_well_formed() {
    let rows = rows();
    // The header's counts match the body.
    let header = TSV.lines().nth(1).unwrap_or_default();
    let count = |o: Oracle| rows.iter().filter(|r| r.oracle == o).count();
    let want = format!(
        "# {} rows: {} llvm14+llvm19, {} llvm19, {} kernel-doc.",
        rows.len(),
        count(Oracle::Llvm14And19),
        count(Oracle::Llvm19),
        count(Oracle::KernelDoc)
    );
    assert!(
        header.starts_with(&want),
        "insns.tsv header `{header}` disagrees with its rows: {want}"
    );
    assert_eq!(rows.len(), 768);
    // Each (form, text) pair is unique, and so is each hex column.
    let mut failures = Vec::new();
    let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
    let mut seen_hex: HashMap<&str, usize> = HashMap::new();
    for row in &rows {
        if let Some(first) = seen.insert((row.form, row.text), row.line) {
            failures.push(format!("{}: duplicate of line {first}", row.at()));
        }
        if let Some(first) = seen_hex.insert(row.hex, row.line) {
            failures.push(format!("{}: same bytes as line {first}", row.at()));
        }
    }
    report("uniqueness", rows.len(), &failures);
}

// ---------------------------------------------------------------------------
// bytes -> decode -> Display / encode, for every row
// ---------------------------------------------------------------------------

#[test]
fn every_row_decodes_to_its_text_and_encodes_to_its_bytes() {
    let rows = rows();
    let mut failures = Vec::new();
    for row in &rows {
        let (insn, used) = decode(&row.slots);
        if used != row.slots.len() {
            failures.push(format!(
                "{}: decode used {used} slot(s) of {}",
                row.at(),
                row.slots.len()
            ));
        }
        if let Insn::Raw(_) = insn {
            failures.push(format!("{}: decodes to no instruction ({insn:?})", row.at()));
        }
        let text = shown(&insn);
        if text != row.text {
            failures.push(format!("{}: Display gives `{text}`", row.at()));
        }
        let form = form_of(&insn);
        if form != row.form {
            failures.push(format!("{}: decodes as form {form} ({insn:?})", row.at()));
        }
        let mut again = Vec::new();
        match encode(&insn, &mut again) {
            Ok(()) if again == row.slots => {}
            Ok(()) => failures.push(format!("{}: re-encodes to {}", row.at(), hex_of(&again))),
            Err(e) => failures.push(format!("{}: does not re-encode: {e}", row.at())),
        }
        let all = decode_all(&row.slots);
        if all != [insn.clone()] {
            failures.push(format!("{}: decode_all gives {all:?}", row.at()));
        }
    }
    report("decode/Display/encode of insns.tsv rows", rows.len(), &failures);
}

/// The whole table as one program: decoding it slot by slot gives every row
/// in order, and `LD_IMM64` pairs are not split.
#[test]
fn whole_table_decodes_as_one_program() {
    let rows = rows();
    let slots: Vec<RawInsn> = rows.iter().flat_map(|r| r.slots.iter().copied()).collect();
    let insns = decode_all(&slots);
    let texts: Vec<String> = insns.iter().map(shown).collect();
    let want: Vec<&str> = rows.iter().map(|r| r.text).collect();
    assert_eq!(texts, want);
    let mut again = Vec::new();
    for insn in &insns {
        encode(insn, &mut again).unwrap();
    }
    assert!(again == slots, "the table re-encodes to different bytes");
}

// ---------------------------------------------------------------------------
// The DSL
// ---------------------------------------------------------------------------

type AluFn = for<'a> fn(&'a mut ProgramBuilder, Reg, Src) -> &'a mut ProgramBuilder;
type JumpFn = for<'a> fn(&'a mut ProgramBuilder, AnyReg, Src, Target) -> &'a mut ProgramBuilder;
type AtomicFn = for<'a> fn(&'a mut ProgramBuilder, AnyReg, i16, Reg) -> &'a mut ProgramBuilder;

/// Records `insn` through the `ProgramBuilder` method of its form (never
/// `raw`). Map fds have no kernel-free method (`ld_map_fd` and
/// `ld_map_value` take a live map), so those two go through `push` with the
/// IR; `map_fd_loads_through_a_live_map` covers the methods.
/// An instruction's text as the table holds it: LLVM's tab after
/// `ld_pseudo` is a space there.
fn shown(insn: &Insn) -> String {
    insn.to_string().replace('\t', " ")
}

/// The writable register an IR operand names; no builder method writes R10.
fn reg(r: AnyReg) -> Result<Reg, String> {
    r.writable().ok_or_else(|| format!("no builder method writes {r}"))
}

#[track_caller]
fn rebuild(b: &mut ProgramBuilder, insn: &Insn) -> Result<(), String> {
    use Width::{Bits32, Bits64};
    match insn.clone() {
        Insn::Alu { width, op, dst, src } => {
            let f: AluFn = match (width, op) {
                (Bits64, AluOp::Add) => ProgramBuilder::add64,
                (Bits32, AluOp::Add) => ProgramBuilder::add32,
                (Bits64, AluOp::Sub) => ProgramBuilder::sub64,
                (Bits32, AluOp::Sub) => ProgramBuilder::sub32,
                (Bits64, AluOp::Mul) => ProgramBuilder::mul64,
                (Bits32, AluOp::Mul) => ProgramBuilder::mul32,
                (Bits64, AluOp::Div) => ProgramBuilder::div64,
                (Bits32, AluOp::Div) => ProgramBuilder::div32,
                (Bits64, AluOp::SDiv) => ProgramBuilder::sdiv64,
                (Bits32, AluOp::SDiv) => ProgramBuilder::sdiv32,
                (Bits64, AluOp::Mod) => ProgramBuilder::mod64,
                (Bits32, AluOp::Mod) => ProgramBuilder::mod32,
                (Bits64, AluOp::SMod) => ProgramBuilder::smod64,
                (Bits32, AluOp::SMod) => ProgramBuilder::smod32,
                (Bits64, AluOp::Or) => ProgramBuilder::or64,
                (Bits32, AluOp::Or) => ProgramBuilder::or32,
                (Bits64, AluOp::And) => ProgramBuilder::and64,
                (Bits32, AluOp::And) => ProgramBuilder::and32,
                (Bits64, AluOp::Xor) => ProgramBuilder::xor64,
                (Bits32, AluOp::Xor) => ProgramBuilder::xor32,
                (Bits64, AluOp::Lsh) => ProgramBuilder::lsh64,
                (Bits32, AluOp::Lsh) => ProgramBuilder::lsh32,
                (Bits64, AluOp::Rsh) => ProgramBuilder::rsh64,
                (Bits32, AluOp::Rsh) => ProgramBuilder::rsh32,
                (Bits64, AluOp::Arsh) => ProgramBuilder::arsh64,
                (Bits32, AluOp::Arsh) => ProgramBuilder::arsh32,
                (Bits64, AluOp::Mov) => ProgramBuilder::mov64,
                (Bits32, AluOp::Mov) => ProgramBuilder::mov32,
            };
            f(b, reg(dst)?, src);
        }
        Insn::MovSx { width: Bits64, from, dst, src } => {
            b.movsx64(reg(dst)?, src, from);
        }
        Insn::MovSx { width: Bits32, from, dst, src } => {
            b.movsx32(reg(dst)?, src, from);
        }
        Insn::Neg { width: Bits64, dst } => {
            b.neg64(reg(dst)?);
        }
        Insn::Neg { width: Bits32, dst } => {
            b.neg32(reg(dst)?);
        }
        Insn::Endian { order: ByteOrder::ToLe, bits, dst } => {
            b.le(bits, reg(dst)?);
        }
        Insn::Endian { order: ByteOrder::ToBe, bits, dst } => {
            b.be(bits, reg(dst)?);
        }
        Insn::Endian { order: ByteOrder::Swap, bits, dst } => {
            b.bswap(bits, reg(dst)?);
        }
        Insn::Jump { width, cond, dst, src, target } => {
            let f: JumpFn = match (width, cond) {
                (Bits64, Cond::Eq) => ProgramBuilder::jeq,
                (Bits32, Cond::Eq) => ProgramBuilder::jeq32,
                (Bits64, Cond::Gt) => ProgramBuilder::jgt,
                (Bits32, Cond::Gt) => ProgramBuilder::jgt32,
                (Bits64, Cond::Ge) => ProgramBuilder::jge,
                (Bits32, Cond::Ge) => ProgramBuilder::jge32,
                (Bits64, Cond::Lt) => ProgramBuilder::jlt,
                (Bits32, Cond::Lt) => ProgramBuilder::jlt32,
                (Bits64, Cond::Le) => ProgramBuilder::jle,
                (Bits32, Cond::Le) => ProgramBuilder::jle32,
                (Bits64, Cond::Set) => ProgramBuilder::jset,
                (Bits32, Cond::Set) => ProgramBuilder::jset32,
                (Bits64, Cond::Ne) => ProgramBuilder::jne,
                (Bits32, Cond::Ne) => ProgramBuilder::jne32,
                (Bits64, Cond::SGt) => ProgramBuilder::jsgt,
                (Bits32, Cond::SGt) => ProgramBuilder::jsgt32,
                (Bits64, Cond::SGe) => ProgramBuilder::jsge,
                (Bits32, Cond::SGe) => ProgramBuilder::jsge32,
                (Bits64, Cond::SLt) => ProgramBuilder::jslt,
                (Bits32, Cond::SLt) => ProgramBuilder::jslt32,
                (Bits64, Cond::SLe) => ProgramBuilder::jsle,
                (Bits32, Cond::SLe) => ProgramBuilder::jsle32,
            };
            f(b, dst, src, target);
        }
        Insn::Ja { target } => {
            b.ja(target);
        }
        Insn::Gotol { target } => {
            b.gotol(target);
        }
        Insn::MayGoto { target } => {
            b.may_goto(target);
        }
        Insn::Call(Call::Helper(id)) => {
            b.call(id);
        }
        Insn::Call(Call::Local(target)) => {
            b.call_local(target);
        }
        Insn::Call(Call::Kfunc { btf_id, fd_index }) => {
            b.call_kfunc_id(btf_id, fd_index);
        }
        Insn::Exit => {
            b.exit();
        }
        Insn::LdImm64 { dst, value } => match value {
            Imm64::Const(v) => {
                b.ld_imm64(reg(dst)?, v);
            }
            // The DSL takes a module BTF as an open fd; a row's number is none.
            Imm64::BtfId { id, btf_fd: 0 } => {
                b.ld_btf_id(reg(dst)?, id, None);
            }
            Imm64::Func(target) => {
                b.ld_func(reg(dst)?, target);
            }
            Imm64::MapIdx(index) => {
                b.ld_map_idx(reg(dst)?, index);
            }
            Imm64::MapIdxValue { index, offset } => {
                b.ld_map_idx_value(reg(dst)?, index, offset);
            }
            value @ (Imm64::MapFd(_)
            | Imm64::MapValue { .. }
            | Imm64::BtfId { .. }
            | Imm64::Pseudo { .. }) => {
                b.push(Insn::LdImm64 { dst, value });
            }
        },
        Insn::Load { size, dst, src, off } => {
            b.ldx(size, reg(dst)?, src, off);
        }
        Insn::LoadSx { size, dst, src, off } => {
            b.ldsx(size, reg(dst)?, src, off);
        }
        Insn::Store { size, dst, off, src: Src::Imm(imm) } => {
            b.st(size, dst, off, imm);
        }
        Insn::Store { size, dst, off, src: Src::Reg(src) } => {
            b.stx(size, dst, off, src);
        }
        Insn::Atomic { width, op, dst, off, src } => {
            let f: AtomicFn = match (width, op) {
                (Bits64, AtomicOp::Add) => ProgramBuilder::atomic_add64,
                (Bits32, AtomicOp::Add) => ProgramBuilder::atomic_add32,
                (Bits64, AtomicOp::Or) => ProgramBuilder::atomic_or64,
                (Bits32, AtomicOp::Or) => ProgramBuilder::atomic_or32,
                (Bits64, AtomicOp::And) => ProgramBuilder::atomic_and64,
                (Bits32, AtomicOp::And) => ProgramBuilder::atomic_and32,
                (Bits64, AtomicOp::Xor) => ProgramBuilder::atomic_xor64,
                (Bits32, AtomicOp::Xor) => ProgramBuilder::atomic_xor32,
                (Bits64, AtomicOp::FetchAdd) => ProgramBuilder::atomic_fetch_add64,
                (Bits32, AtomicOp::FetchAdd) => ProgramBuilder::atomic_fetch_add32,
                (Bits64, AtomicOp::FetchOr) => ProgramBuilder::atomic_fetch_or64,
                (Bits32, AtomicOp::FetchOr) => ProgramBuilder::atomic_fetch_or32,
                (Bits64, AtomicOp::FetchAnd) => ProgramBuilder::atomic_fetch_and64,
                (Bits32, AtomicOp::FetchAnd) => ProgramBuilder::atomic_fetch_and32,
                (Bits64, AtomicOp::FetchXor) => ProgramBuilder::atomic_fetch_xor64,
                (Bits32, AtomicOp::FetchXor) => ProgramBuilder::atomic_fetch_xor32,
                (Bits64, AtomicOp::Xchg) => ProgramBuilder::atomic_xchg64,
                (Bits32, AtomicOp::Xchg) => ProgramBuilder::atomic_xchg32,
                (Bits64, AtomicOp::CmpXchg) => ProgramBuilder::atomic_cmpxchg64,
                (Bits32, AtomicOp::CmpXchg) => ProgramBuilder::atomic_cmpxchg32,
            };
            f(b, dst, off, reg(src)?);
        }
        Insn::LdAbs { size, imm } => {
            b.ld_abs(size, imm);
        }
        Insn::LdInd { size, src, imm } => {
            b.ld_ind(size, src, imm);
        }
        other => return Err(format!("no builder method for {other:?}")),
    }
    Ok(())
}

/// Checks a one-instruction program against `row`: bytes, text (of the
/// instruction and of the whole listing) and form. Returns the problems.
fn check_program(prog: &Assembled, row: &Row) -> Vec<String> {
    let mut out = Vec::new();
    let at =
        prog.location(0).map_or_else(String::new, |l| format!(" (built at line {})", l.line()));
    if prog.insns() != row.slots.as_slice() {
        out.push(format!(
            "{}{at}: assembles to {}, want {}",
            row.at(),
            hex_of(prog.insns()),
            row.hex
        ));
    }
    match prog.insn_at(0) {
        Some(insn) => {
            if shown(&insn) != row.text {
                out.push(format!("{}{at}: Display gives `{insn}`", row.at()));
            }
            if form_of(&insn) != row.form {
                out.push(format!("{}{at}: built as form {}", row.at(), form_of(&insn)));
            }
        }
        None => out.push(format!("{}{at}: no instruction at slot 0", row.at())),
    }
    if prog.to_string().replace('\t', " ") != format!("{}\n", row.text) {
        out.push(format!("{}{at}: listing is {:?}", row.at(), prog.to_string()));
    }
    out
}

/// Every row, rebuilt through the builder method of its form, assembles to
/// the row's bytes and prints as the row's text.
#[test]
fn every_row_rebuilt_through_the_dsl() {
    let rows = rows();
    let mut failures = Vec::new();
    for row in &rows {
        let (insn, _) = decode(&row.slots);
        let mut b = ProgramBuilder::new();
        if let Err(e) = rebuild(&mut b, &insn) {
            failures.push(format!("{}: {e}", row.at()));
            continue;
        }
        match b.assemble() {
            Ok(prog) => failures.extend(check_program(&prog, row)),
            Err(e) => failures.push(format!("{}: does not assemble: {e}", row.at())),
        }
    }
    report("insns.tsv rows rebuilt through ProgramBuilder", rows.len(), &failures);
}

/// One hand-written builder call with the table row it must produce.
struct DslCase {
    form: &'static str,
    text: &'static str,
    build: fn(&mut ProgramBuilder),
}

macro_rules! dsl {
    ($($form:literal $text:literal => |$b:ident| $build:expr;)*) => {
        vec![$(DslCase {
            form: $form,
            text: $text,
            build: |$b: &mut ProgramBuilder| {
                $build;
            },
        }),*]
    };
}

/// The DSL as a user writes it, one or more rows per form of the table.
/// Jumps take numeric offsets (`Target::Offset` or a plain `i32`); label
/// resolution is `labels_resolve_to_the_golden_offsets`.
fn dsl_cases() -> Vec<DslCase> {
    dsl! {
        "alu64.add.imm" "r2 += 5" => |b| b.add64(R2, 5);
        "alu64.add.imm" "r4 += -2147483648" => |b| b.add64(R4, i32::MIN);
        "alu64.add.reg" "r0 += r10" => |b| b.add64(R0, R10);
        "alu64.sub.imm" "r4 -= -1" => |b| b.sub64(R4, -1);
        "alu64.sub.reg" "r5 -= r8" => |b| b.sub64(R5, R8);
        "alu64.mul.imm" "r7 *= 2147483647" => |b| b.mul64(R7, i32::MAX);
        "alu64.mul.reg" "r6 *= r9" => |b| b.mul64(R6, R9);
        "alu64.div.imm" "r3 /= 0" => |b| b.div64(R3, 0);
        "alu64.div.reg" "r7 /= r10" => |b| b.div64(R7, R10);
        "alu64.sdiv.imm" "r7 s/= -1" => |b| b.sdiv64(R7, -1);
        "alu64.sdiv.reg" "r8 s/= r0" => |b| b.sdiv64(R8, R0);
        "alu64.mod.imm" "r0 %= 2147483647" => |b| b.mod64(R0, 2147483647);
        "alu64.mod.reg" "r9 %= r1" => |b| b.mod64(R9, R1);
        "alu64.smod.imm" "r0 s%= -2147483648" => |b| b.smod64(R0, -2147483648);
        "alu64.smod.reg" "r0 s%= r2" => |b| b.smod64(R0, R2);
        "alu64.or.imm" "r0 |= -1" => |b| b.or64(R0, -1);
        "alu64.or.reg" "r1 |= r3" => |b| b.or64(R1, R3);
        "alu64.and.imm" "r9 &= 1" => |b| b.and64(R9, 1);
        "alu64.and.reg" "r2 &= r4" => |b| b.and64(R2, R4);
        "alu64.xor.imm" "r1 ^= 5" => |b| b.xor64(R1, 5);
        "alu64.xor.reg" "r3 ^= r5" => |b| b.xor64(R3, R5);
        "alu64.lsh.imm" "r3 <<= 63" => |b| b.lsh64(R3, 63);
        "alu64.lsh.reg" "r4 <<= r6" => |b| b.lsh64(R4, R6);
        "alu64.rsh.imm" "r4 >>= 63" => |b| b.rsh64(R4, 63);
        "alu64.rsh.reg" "r5 >>= r7" => |b| b.rsh64(R5, R7);
        "alu64.arsh.imm" "r5 s>>= 63" => |b| b.arsh64(R5, 63);
        "alu64.arsh.reg" "r6 s>>= r8" => |b| b.arsh64(R6, R8);
        "alu64.mov.imm" "r6 = -1" => |b| b.mov64(R6, -1);
        "alu64.mov.imm" "r8 = 2147483647" => |b| b.mov64(R8, i32::MAX);
        "alu64.mov.reg" "r0 = r10" => |b| b.mov64(R0, R10);
        "alu64.mov.reg" "r7 = r9" => |b| b.mov64(R7, R9);
        "alu64.neg" "r9 = -r9" => |b| b.neg64(R9);
        "alu32.add.imm" "w3 += -1" => |b| b.add32(R3, -1);
        "alu32.add.reg" "w0 += w10" => |b| b.add32(R0, R10);
        "alu32.sub.imm" "w5 -= -2147483648" => |b| b.sub32(R5, i32::MIN);
        "alu32.sub.reg" "w5 -= w8" => |b| b.sub32(R5, R8);
        "alu32.mul.imm" "w4 *= 5" => |b| b.mul32(R4, 5);
        "alu32.mul.reg" "w6 *= w9" => |b| b.mul32(R6, R9);
        "alu32.div.imm" "w8 /= 2147483647" => |b| b.div32(R8, 2147483647);
        "alu32.div.reg" "w7 /= w10" => |b| b.div32(R7, R10);
        "alu32.sdiv.imm" "w8 s/= -2147483648" => |b| b.sdiv32(R8, i32::MIN);
        "alu32.sdiv.reg" "w8 s/= w0" => |b| b.sdiv32(R8, R0);
        "alu32.mod.imm" "w7 %= 5" => |b| b.mod32(R7, 5);
        "alu32.mod.reg" "w9 %= w1" => |b| b.mod32(R9, R1);
        "alu32.smod.imm" "w9 s%= -1" => |b| b.smod32(R9, -1);
        "alu32.smod.reg" "w0 s%= w2" => |b| b.smod32(R0, R2);
        "alu32.or.imm" "w1 |= -2147483648" => |b| b.or32(R1, i32::MIN);
        "alu32.or.reg" "w1 |= w3" => |b| b.or32(R1, R3);
        "alu32.and.imm" "w3 &= 2147483647" => |b| b.and32(R3, i32::MAX);
        "alu32.and.reg" "w2 &= w4" => |b| b.and32(R2, R4);
        "alu32.xor.imm" "w2 ^= -1" => |b| b.xor32(R2, -1);
        "alu32.xor.reg" "w3 ^= w5" => |b| b.xor32(R3, R5);
        "alu32.lsh.imm" "w3 <<= 31" => |b| b.lsh32(R3, 31);
        "alu32.lsh.reg" "w4 <<= w6" => |b| b.lsh32(R4, R6);
        "alu32.rsh.imm" "w4 >>= 31" => |b| b.rsh32(R4, 31);
        "alu32.rsh.reg" "w5 >>= w7" => |b| b.rsh32(R5, R7);
        "alu32.arsh.imm" "w5 s>>= 31" => |b| b.arsh32(R5, 31);
        "alu32.arsh.reg" "w6 s>>= w8" => |b| b.arsh32(R6, R8);
        "alu32.mov.imm" "w7 = -2147483648" => |b| b.mov32(R7, i32::MIN);
        "alu32.mov.reg" "w0 = w10" => |b| b.mov32(R0, R10);
        "alu32.neg" "w1 = -w1" => |b| b.neg32(R1);
        "alu64.movsx.8" "r1 = (s8)r2" => |b| b.movsx64(R1, R2, SxBits::B8);
        "alu64.movsx.16" "r0 = (s16)r10" => |b| b.movsx64(R0, R10, SxBits::B16);
        "alu64.movsx.32" "r9 = (s32)r3" => |b| b.movsx64(R9, R3, SxBits::B32);
        "alu32.movsx.8" "w7 = (s8)w9" => |b| b.movsx32(R7, R9, SxBits::B8);
        "alu32.movsx.16" "w0 = (s16)w10" => |b| b.movsx32(R0, R10, SxBits::B16);
        "end.le.16" "r1 = le16 r1" => |b| b.le(SwapBits::B16, R1);
        "end.le.32" "r0 = le32 r0" => |b| b.le(SwapBits::B32, R0);
        "end.le.64" "r9 = le64 r9" => |b| b.le(SwapBits::B64, R9);
        "end.be.16" "r9 = be16 r9" => |b| b.be(SwapBits::B16, R9);
        "end.be.32" "r1 = be32 r1" => |b| b.be(SwapBits::B32, R1);
        "end.be.64" "r0 = be64 r0" => |b| b.be(SwapBits::B64, R0);
        "bswap.16" "r0 = bswap16 r0" => |b| b.bswap(SwapBits::B16, R0);
        "bswap.32" "r9 = bswap32 r9" => |b| b.bswap(SwapBits::B32, R9);
        "bswap.64" "r1 = bswap64 r1" => |b| b.bswap(SwapBits::B64, R1);
        "jmp.jeq.imm" "if r0 == 5 goto +3" => |b| b.jeq(R0, 5, 3);
        "jmp.jeq.imm" "if r4 == -2147483648 goto -32768" => |b| b.jeq(R4, i32::MIN, Target::Offset(-32768));
        "jmp.jeq.reg" "if r1 == r3 goto -2" => |b| b.jeq(R1, R3, -2);
        "jmp.jgt.imm" "if r1 > -1 goto +3" => |b| b.jgt(R1, -1, 3);
        "jmp.jgt.reg" "if r5 > r10 goto -32768" => |b| b.jgt(R5, R10, -32768);
        "jmp.jge.imm" "if r3 >= 2147483647 goto -2" => |b| b.jge(R3, i32::MAX, -2);
        "jmp.jge.reg" "if r6 >= r0 goto -32768" => |b| b.jge(R6, R0, -32768);
        "jmp.jset.imm" "if r4 & -2147483648 goto -2" => |b| b.jset(R4, i32::MIN, -2);
        "jmp.jset.reg" "if r6 & r10 goto +32767" => |b| b.jset(R6, R10, 32767);
        "jmp.jne.imm" "if r6 != -1 goto +0" => |b| b.jne(R6, -1, 0);
        "jmp.jne.reg" "if r8 != r2 goto -32768" => |b| b.jne(R8, R2, -32768);
        "jmp.jsgt.imm" "if r5 s> 5 goto +3" => |b| b.jsgt(R5, 5, 3);
        "jmp.jsgt.reg" "if r7 s> r10 goto +0" => |b| b.jsgt(R7, R10, 0);
        "jmp.jsge.imm" "if r10 s>= 5 goto -32768" => |b| b.jsge(R10, 5, -32768);
        "jmp.jsge.reg" "if r10 s>= r4 goto -32768" => |b| b.jsge(R10, R4, -32768);
        "jmp.jlt.imm" "if r10 < 5 goto +32767" => |b| b.jlt(R10, 5, 32767);
        "jmp.jlt.reg" "if r8 < r10 goto -2" => |b| b.jlt(R8, R10, -2);
        "jmp.jle.imm" "if r9 <= -2147483648 goto -2" => |b| b.jle(R9, i32::MIN, -2);
        "jmp.jle.reg" "if r10 <= r2 goto +0" => |b| b.jle(R10, R2, 0);
        "jmp.jslt.imm" "if r9 s< -2147483648 goto +3" => |b| b.jslt(R9, i32::MIN, 3);
        "jmp.jslt.reg" "if r9 s< r10 goto +3" => |b| b.jslt(R9, R10, 3);
        "jmp.jsle.imm" "if r10 s<= 5 goto +3" => |b| b.jsle(R10, 5, 3);
        "jmp.jsle.reg" "if r3 s<= r8 goto -32768" => |b| b.jsle(R3, R8, -32768);
        "jmp32.jeq.imm" "if w1 == -1 goto -2" => |b| b.jeq32(R1, -1, -2);
        "jmp32.jeq.reg" "if w4 == w9 goto -32768" => |b| b.jeq32(R4, R9, -32768);
        "jmp32.jgt.imm" "if w4 > -2147483648 goto +32767" => |b| b.jgt32(R4, i32::MIN, 32767);
        "jmp32.jgt.reg" "if w5 > w10 goto -32768" => |b| b.jgt32(R5, R10, -32768);
        "jmp32.jge.imm" "if w6 >= -1 goto -32768" => |b| b.jge32(R6, -1, -32768);
        "jmp32.jge.reg" "if w2 >= w3 goto +3" => |b| b.jge32(R2, R3, 3);
        "jmp32.jset.imm" "if w3 & 2147483647 goto +3" => |b| b.jset32(R3, i32::MAX, 3);
        "jmp32.jset.reg" "if w6 & w10 goto +32767" => |b| b.jset32(R6, R10, 32767);
        "jmp32.jne.imm" "if w4 != -2147483648 goto +3" => |b| b.jne32(R4, i32::MIN, 3);
        "jmp32.jne.reg" "if w7 != w0 goto +32767" => |b| b.jne32(R7, R0, 32767);
        "jmp32.jsgt.imm" "if w6 s> -1 goto -2" => |b| b.jsgt32(R6, -1, -2);
        "jmp32.jsgt.reg" "if w7 s> w10 goto +0" => |b| b.jsgt32(R7, R10, 0);
        "jmp32.jsge.imm" "if w9 s>= -2147483648 goto +32767" => |b| b.jsge32(R9, i32::MIN, 32767);
        "jmp32.jsge.reg" "if w10 s>= w4 goto -32768" => |b| b.jsge32(R10, R4, -32768);
        "jmp32.jlt.imm" "if w10 < 5 goto +32767" => |b| b.jlt32(R10, 5, 32767);
        "jmp32.jlt.reg" "if w8 < w10 goto -2" => |b| b.jlt32(R8, R10, -2);
        "jmp32.jle.imm" "if w0 <= -1 goto +32767" => |b| b.jle32(R0, -1, 32767);
        "jmp32.jle.reg" "if w10 <= w2 goto +0" => |b| b.jle32(R10, R2, 0);
        "jmp32.jslt.imm" "if w10 s< 5 goto -2" => |b| b.jslt32(R10, 5, -2);
        "jmp32.jslt.reg" "if w9 s< w10 goto +3" => |b| b.jslt32(R9, R10, 3);
        "jmp32.jsle.imm" "if w0 s<= -1 goto -2" => |b| b.jsle32(R0, -1, Target::Offset(-2));
        "jmp32.jsle.reg" "if w10 s<= w0 goto +3" => |b| b.jsle32(R10, R0, 3);
        "jmp.ja" "goto -1" => |b| b.ja(-1);
        "jmp.ja" "goto +32767" => |b| b.ja(Target::Offset(32767));
        "jmp32.gotol" "gotol -32769" => |b| b.gotol(-32769);
        "jmp32.gotol" "gotol +2147483647" => |b| b.gotol(i32::MAX);
        "jmp32.gotol" "gotol -2147483648" => |b| b.gotol(i32::MIN);
        "jmp32.gotol" "gotol +5" => |b| b.gotol(5);
        "jmp.may_goto" "may_goto -3" => |b| b.may_goto(-3);
        "jmp.may_goto" "may_goto +32767" => |b| b.may_goto(32767);
        "call.helper" "call 1" => |b| b.call(Helper::MapLookupElem);
        "call.helper" "call 212" => |b| b.call(HelperId(212));
        "call.helper" "call 2147483647" => |b| b.call(HelperId(i32::MAX));
        "call.local" "call pc-3" => |b| b.call_local(-3);
        "call.local" "call pc+100000" => |b| b.call_local(Target::Offset(100000));
        "call.kfunc" "call kfunc(1234)" => |b| b.call_kfunc_id(1234, 0);
        "call.kfunc" "call kfunc(1234, 2)" => |b| b.call_kfunc_id(1234, 2);
        "call.kfunc" "call kfunc(1, 32767)" => |b| b.call_kfunc_id(1, i16::MAX);
        "exit" "exit" => |b| b.exit();
        "ldx.b" "w4 = *(u8 *)(r0 - 32768)" => |b| b.ldx(Size::B, R4, R0, i16::MIN);
        "ldsx.b" "r7 = *(s8 *)(r4 - 8)" => |b| b.ldsx(Size::B, R7, R4, -8);
        "st.b" "*(u8 *)(r10 + 0) = 5" => |b| b.st(Size::B, R10, 0, 5);
        "stx.b" "*(u8 *)(r10 + 0) = w1" => |b| b.stx(Size::B, R10, 0, R1);
        "ldx.h" "w4 = *(u16 *)(r10 + 32767)" => |b| b.ldx(Size::H, R4, R10, i16::MAX);
        "ldsx.h" "r0 = *(s16 *)(r9 - 32768)" => |b| b.ldsx(Size::H, R0, R9, -32768);
        "st.h" "*(u16 *)(r6 - 8) = -1" => |b| b.st(Size::H, R6, -8, -1);
        "stx.h" "*(u16 *)(r4 - 32768) = w10" => |b| b.stx(Size::H, R4, -32768, R10);
        "ldx.w" "w4 = *(u32 *)(r9 - 8)" => |b| b.ldx(Size::W, R4, R9, -8);
        "ldsx.w" "r1 = *(s32 *)(r10 - 32768)" => |b| b.ldsx(Size::W, R1, R10, i16::MIN);
        "st.w" "*(u32 *)(r10 + 32767) = 2147483647" => |b| b.st(Size::W, R10, i16::MAX, i32::MAX);
        "stx.w" "*(u32 *)(r3 - 8) = w7" => |b| b.stx(Size::W, R3, -8, R7);
        "ldx.dw" "r5 = *(u64 *)(r10 - 8)" => |b| b.ldx(Size::DW, R5, R10, -8);
        "st.dw" "*(u64 *)(r3 - 32768) = -2147483648" => |b| b.st(Size::DW, R3, i16::MIN, i32::MIN);
        "stx.dw" "*(u64 *)(r5 + 32767) = r10" => |b| b.stx(Size::DW, R5, i16::MAX, R10);
        "atomic64.add" "lock *(u64 *)(r10 - 8) += r2" => |b| b.atomic_add64(R10, -8, R2);
        "atomic64.fetch_add" "r6 = atomic_fetch_add((u64 *)(r3 - 32768), r6)" => |b| b.atomic_fetch_add64(R3, i16::MIN, R6);
        "atomic64.or" "lock *(u64 *)(r4 + 32767) |= r7" => |b| b.atomic_or64(R4, i16::MAX, R7);
        "atomic64.fetch_or" "r2 = atomic_fetch_or((u64 *)(r10 - 8), r2)" => |b| b.atomic_fetch_or64(R10, -8, R2);
        "atomic64.and" "lock *(u64 *)(r0 + 0) &= r1" => |b| b.atomic_and64(R0, 0, R1);
        "atomic64.fetch_and" "r8 = atomic_fetch_and((u64 *)(r5 - 32768), r8)" => |b| b.atomic_fetch_and64(R5, -32768, R8);
        "atomic64.xor" "lock *(u64 *)(r6 + 32767) ^= r9" => |b| b.atomic_xor64(R6, 32767, R9);
        "atomic64.fetch_xor" "r1 = atomic_fetch_xor((u64 *)(r0 + 0), r1)" => |b| b.atomic_fetch_xor64(R0, 0, R1);
        "atomic64.xchg" "r9 = xchg_64(r3 + 32767, r9)" => |b| b.atomic_xchg64(R3, 32767, R9);
        "atomic64.cmpxchg" "r0 = cmpxchg_64(r10 - 8, r0, r3)" => |b| b.atomic_cmpxchg64(R10, -8, R3);
        "atomic32.add" "lock *(u32 *)(r3 + 32767) += w6" => |b| b.atomic_add32(R3, 32767, R6);
        "atomic32.fetch_add" "w2 = atomic_fetch_add((u32 *)(r10 - 8), w2)" => |b| b.atomic_fetch_add32(R10, -8, R2);
        "atomic32.or" "lock *(u32 *)(r0 + 0) |= w1" => |b| b.atomic_or32(R0, 0, R1);
        "atomic32.fetch_or" "w7 = atomic_fetch_or((u32 *)(r4 - 32768), w7)" => |b| b.atomic_fetch_or32(R4, -32768, R7);
        "atomic32.and" "lock *(u32 *)(r10 - 8) &= w2" => |b| b.atomic_and32(R10, -8, R2);
        "atomic32.fetch_and" "w1 = atomic_fetch_and((u32 *)(r0 + 0), w1)" => |b| b.atomic_fetch_and32(R0, 0, R1);
        "atomic32.xor" "lock *(u32 *)(r6 + 32767) ^= w9" => |b| b.atomic_xor32(R6, 32767, R9);
        "atomic32.fetch_xor" "w9 = atomic_fetch_xor((u32 *)(r6 - 32768), w9)" => |b| b.atomic_fetch_xor32(R6, -32768, R9);
        "atomic32.xchg" "w2 = xchg32_32(r10 - 8, w2)" => |b| b.atomic_xchg32(R10, -8, R2);
        "atomic32.cmpxchg" "w0 = cmpxchg32_32(r0 + 32767, w0, w9)" => |b| b.atomic_cmpxchg32(R0, 32767, R9);
        "ld_imm64" "r0 = 0 ll" => |b| b.ld_imm64(R0, 0);
        "ld_imm64" "r6 = 4886718345 ll" => |b| b.ld_imm64(R6, 0x1_2345_6789);
        "ld_imm64" "r3 = 2147483648 ll" => |b| b.ld_imm64(R3, 0x8000_0000);
        "ld_imm64" "r9 = -1 ll" => |b| b.ld_imm64(R9, u64::MAX);
        "ld_imm64" "r0 = -2401053089206453570 ll" => |b| b.ld_imm64(R0, 0xdead_beef_cafe_babe);
        // `ld_map_fd`/`ld_map_value` need a live map (see
        // `map_fd_loads_through_a_live_map`); a decoded fd number is IR only.
        "ld_imm64.map_fd" "ld_pseudo r1, 1, 3" => |b| b.push(Insn::LdImm64 { dst: R1.into(), value: Imm64::MapFd(MapRef::Fd(3)) });
        "ld_imm64.map_value" "r0 = map_value(7, 4096) ll" => |b| b.push(Insn::LdImm64 { dst: R0.into(), value: Imm64::MapValue { map: MapRef::Fd(7), offset: 4096 } });
        "ld_imm64.btf_id" "ld_pseudo r1, 3, 1234" => |b| b.ld_btf_id(R1, 1234, None);
        "ld_imm64.func" "ld_pseudo r2, 4, 4294967293" => |b| b.ld_func(R2, -3);
        "ld_imm64.func" "ld_pseudo r3, 4, 0" => |b| b.ld_func(R3, 0);
        "ld_imm64.map_idx" "ld_pseudo r4, 5, 7" => |b| b.ld_map_idx(R4, 7);
        "ld_imm64.map_idx_value" "r1 = map_idx_value(0, 8) ll" => |b| b.ld_map_idx_value(R1, 0, 8);
        "ld_abs.b" "r0 = *(u8 *)skb[-1]" => |b| b.ld_abs(Size::B, -1);
        "ld_ind.b" "r0 = *(u8 *)skb[r10]" => |b| b.ld_ind(Size::B, R10, 0);
        "ld_abs.h" "r0 = *(u16 *)skb[2147483647]" => |b| b.ld_abs(Size::H, i32::MAX);
        "ld_ind.h" "r0 = *(u16 *)skb[r7]" => |b| b.ld_ind(Size::H, R7, 0);
        "ld_abs.w" "r0 = *(u32 *)skb[5]" => |b| b.ld_abs(Size::W, 5);
        "ld_ind.w" "r0 = *(u32 *)skb[r1]" => |b| b.ld_ind(Size::W, R1, 0);
    }
}

/// The hand-written DSL table: each case assembles to the bytes of the table
/// row with its text, and every form of the table has a case.
#[test]
fn dsl_table_matches_the_golden_rows_and_covers_every_form() {
    let rows = rows();
    let by_text: HashMap<(&str, &str), &Row> = rows.iter().map(|r| ((r.form, r.text), r)).collect();
    let cases = dsl_cases();
    let mut failures = Vec::new();
    for case in &cases {
        let mut b = ProgramBuilder::new();
        (case.build)(&mut b);
        let Some(row) = by_text.get(&(case.form, case.text)) else {
            failures
                .push(format!("DSL case {} `{}`: no such row in insns.tsv", case.form, case.text));
            continue;
        };
        match b.assemble() {
            Ok(prog) => {
                if prog
                    .location(0)
                    .is_none_or(|l| !l.file().is_some_and(|f| f.ends_with("asm_golden.rs")))
                {
                    failures.push(format!(
                        "{}: location {:?} is not this file",
                        row.at(),
                        prog.location(0)
                    ));
                }
                failures.extend(check_program(&prog, row));
                failures.extend(parsed_differs(case.text, &prog, row));
            }
            Err(e) => failures.push(format!("{}: does not assemble: {e}", row.at())),
        }
    }
    let covered: BTreeSet<&str> = cases.iter().map(|c| c.form).collect();
    let missing: Vec<&str> = tsv_forms(&rows).difference(&covered).copied().collect();
    if !missing.is_empty() {
        failures.push(format!("forms in insns.tsv without a DSL case: {}", missing.join(" ")));
    }
    report("hand-written DSL cases", cases.len(), &failures);
    assert_eq!(covered.len(), 171, "forms covered");
}

/// Every DSL golden case goes through the text assembler too: `text`
/// parses and assembles to the slots the DSL gave.
fn parsed_differs(text: &str, dsl: &Assembled, row: &Row) -> Option<String> {
    match bpfkit::asm::parse(text).map(|b| b.assemble()) {
        Ok(Ok(parsed)) if parsed.insns() == dsl.insns() => None,
        Ok(Ok(parsed)) => Some(format!(
            "{}: the parser gives {}, the DSL {}",
            row.at(),
            hex_of(parsed.insns()),
            hex_of(dsl.insns())
        )),
        Ok(Err(e)) => Some(format!("{}: parsed text does not assemble: {e}", row.at())),
        Err(e) => Some(format!("{}: the parser refuses the DSL's text: {e}", row.at())),
    }
}

/// The row with this exact text.
fn row_with_text<'a>(rows: &'a [Row], text: &str) -> &'a Row {
    rows.iter().find(|r| r.text == text).unwrap_or_else(|| panic!("no row `{text}` in insns.tsv"))
}

/// Jumps, calls and function loads through labels: the assembler's offsets
/// (relative to the next slot, `LD_IMM64` counting two) give the rows' bytes.
/// (`func(+0)` points into its own second slot, which no label can name.)
#[test]
fn labels_resolve_to_the_golden_offsets() {
    fn pad(b: &mut ProgramBuilder, n: usize) {
        for _ in 0..n {
            b.mov64(R0, 0);
        }
    }
    type Build = fn(&mut ProgramBuilder) -> usize;
    // (row text, builder; returns the slot of the instruction under test)
    let cases: Vec<(&str, Build)> = vec![
        ("goto -1", |b| {
            let top = b.here();
            b.ja(top);
            0
        }),
        ("goto +0", |b| {
            let next = b.label();
            b.ja(next).bind(next).exit();
            0
        }),
        ("if r1 == -1 goto -2", |b| {
            let top = b.here();
            b.mov64(R0, 0).jeq(R1, -1, top);
            1
        }),
        ("if r0 == 5 goto +3", |b| {
            // The LD_IMM64 between the jump and its target takes two slots.
            let out = b.label();
            b.jeq(R0, 5, out).ld_imm64(R1, 1).mov64(R0, 0).bind(out).exit();
            0
        }),
        ("if w3 s<= -2147483648 goto -32768", |b| {
            let top = b.here();
            pad(b, 32767);
            b.jsle32(R3, i32::MIN, top);
            32767
        }),
        ("goto +32767", |b| {
            let out = b.label();
            b.ja(out);
            pad(b, 32767);
            b.bind(out).exit();
            0
        }),
        ("may_goto -3", |b| {
            let top = b.here();
            pad(b, 2);
            b.may_goto(top);
            2
        }),
        ("gotol +100000", |b| {
            let out = b.label();
            b.gotol(out);
            pad(b, 100_000);
            b.bind(out).exit();
            0
        }),
        ("gotol -100000", |b| {
            let top = b.here();
            pad(b, 99_999);
            b.gotol(top);
            99_999
        }),
        ("call pc+5", |b| {
            let sub = b.label();
            b.call_local(sub);
            pad(b, 5);
            b.bind(sub).exit();
            0
        }),
        ("call pc-3", |b| {
            let sub = b.here();
            pad(b, 2);
            b.call_local(sub);
            2
        }),
        ("call pc+1", |b| {
            let sub = b.label();
            b.call_local(sub).exit().bind(sub).exit();
            0
        }),
        ("ld_pseudo r1, 4, 5", |b| {
            let f = b.label();
            b.ld_func(R1, f);
            pad(b, 4);
            b.bind(f).exit();
            0
        }),
        ("ld_pseudo r2, 4, 4294967293", |b| {
            let f = b.here();
            pad(b, 2);
            b.ld_func(R2, f);
            2
        }),
    ];
    let rows = rows();
    let mut failures = Vec::new();
    for (text, build) in &cases {
        let row = row_with_text(&rows, text);
        let mut b = ProgramBuilder::new();
        let slot = build(&mut b);
        let prog = match b.assemble() {
            Ok(p) => p,
            Err(e) => {
                failures.push(format!("{}: does not assemble: {e}", row.at()));
                continue;
            }
        };
        let got = prog.insns().get(slot..slot + row.slots.len()).unwrap_or_default();
        if got != row.slots.as_slice() {
            failures.push(format!(
                "{}: label build gives {}, want {}",
                row.at(),
                hex_of(got),
                row.hex
            ));
        }
        match prog.insn_at(slot) {
            Some(insn) if shown(&insn) == row.text => {}
            other => failures.push(format!("{}: listing shows {other:?}", row.at())),
        }
        failures.extend(parsed_differs(&prog.to_string(), &prog, row));
    }
    report("label-resolved rows", cases.len(), &failures);
}

/// `ld_map_fd`/`ld_map_value` with a live map: the loader writes the map's
/// fd where the `map_fd`/`map_value` rows carry theirs; the assembled
/// program holds the map, not its fd. Needs bpf(2) (skips without).
#[test]
fn map_fd_loads_through_a_live_map() {
    if !common::kernel_available() {
        return;
    }
    let map = bpfkit::maps::MapSpec::new(bpfkit::maps::MapType::ARRAY, 4, 16, 1)
        .name("golden")
        .create()
        .unwrap();
    let fd = std::os::fd::AsRawFd::as_raw_fd(&map.fd());
    let mut b = ProgramBuilder::new();
    b.ld_map_fd(R1, &map).ld_map_value(R1, &map, 8).exit();
    let prog = b.assemble().unwrap();
    let rows = rows();
    let mut want = row_with_text(&rows, "ld_pseudo r1, 1, 3").slots.clone();
    want.extend(&row_with_text(&rows, "r1 = map_value(3, 8) ll").slots);
    for i in [0, 2] {
        want[i].imm = 0;
    }
    assert_eq!(hex_of(&prog.insns()[..4]), hex_of(&want), "no fd before loading");
    let spec = bpfkit::prog::ProgramSpec::new(bpfkit::prog::ProgType::XDP, &prog);
    let loaded = spec.resolved_insns().unwrap();
    for i in [0, 2] {
        want[i].imm = fd;
    }
    assert_eq!(hex_of(&loaded[..4]), hex_of(&want));
    assert_eq!(prog.to_string(), "r1 = golden ll\nr1 = map_value(golden, 8) ll\nexit\n");
    assert_eq!(prog.maps().len(), 1, "the map is kept once");
    assert!(prog.maps()[0].same_map(&map));
}

// ---------------------------------------------------------------------------
// LLVM as the oracle
// ---------------------------------------------------------------------------

/// The assemblers LLVM is checked with: LLVM 19's `llvm-mc` reads every
/// LLVM row, LLVM 14's only the `llvm14+llvm19` ones. Neither needs a flag:
/// `-mcpu` and `-mattr` change nothing llvm-mc reads or prints for BPF (see
/// the header of insns.tsv). A missing one is a visible skip.
fn assemblers() -> [(Option<PathBuf>, Oracle); 2] {
    let unchecked = "the golden table";
    [
        (common::require_llvm_tool("llvm-mc", 19, unchecked), Oracle::Llvm19),
        (common::require_llvm_tool("llvm-mc", 14, unchecked), Oracle::Llvm14And19),
    ]
}

/// Whether an assembler that confirms `confirms` rows reads a row of `oracle`.
fn reads(confirms: Oracle, oracle: Oracle) -> bool {
    match oracle {
        Oracle::Llvm14And19 => true,
        Oracle::Llvm19 => confirms == Oracle::Llvm19,
        Oracle::KernelDoc => false,
    }
}

#[test]
fn regen_script_confirms_the_table_with_llvm() {
    let [(mc19, _), (mc14, _)] = assemblers();
    if mc19.is_none() && mc14.is_none() {
        return;
    }
    // The script is told which assemblers to use; an empty name skips one.
    let name = |tool: &Option<PathBuf>| {
        tool.as_ref().map(|t| t.as_os_str().to_owned()).unwrap_or_default()
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/regen.sh");
    let out = Command::new("bash")
        .arg(&script)
        .env("LLVM_MC19", name(&mc19))
        .env("LLVM_MC14", name(&mc14))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.code() == Some(0),
        "{} exited {:?}:\n{stdout}\n{}",
        script.display(),
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    for (tool, run) in [(&mc19, "ok   llvm19 "), (&mc14, "ok   llvm14 ")] {
        assert_eq!(tool.is_some(), stdout.contains(run), "{run:?} in:\n{stdout}");
    }
}

/// What `llvm-mc -show-encoding` said about one input line.
#[derive(Debug)]
enum McLine {
    Encoded { echo: String, bytes: Vec<u8> },
    Error(String),
}

/// Assembles `lines` (one instruction each) in one `tool` run; one result per line.
fn llvm_mc(tool: &Path, lines: &[String]) -> Vec<McLine> {
    let input = lines.join("\n") + "\n";
    let out = common::run_with_input(tool, &["-triple", "bpfel", "-show-encoding"], input);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // `<stdin>:LINE:COL: error: MESSAGE`
    let mut errors: BTreeMap<usize, String> = BTreeMap::new();
    for l in stderr.lines() {
        let mut parts = l.splitn(4, ':');
        if let (Some(_), Some(n), Some(_), Some(msg)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        {
            if let (Ok(n), true) = (n.parse::<usize>(), msg.trim_start().starts_with("error")) {
                errors.entry(n).or_insert_with(|| msg.trim().to_owned());
            }
        }
    }
    let mut encoded = stdout.lines().filter_map(|l| {
        let (echo, enc) = l.split_once("# encoding: [")?;
        let bytes = enc
            .trim_end_matches(']')
            .split(',')
            .map(|b| u8::from_str_radix(b.trim_start_matches("0x"), 16).unwrap())
            .collect();
        Some((echo.trim().to_owned(), bytes))
    });
    (1..=lines.len())
        .map(|n| match errors.get(&n) {
            Some(msg) => McLine::Error(msg.clone()),
            None => match encoded.next() {
                Some((echo, bytes)) => McLine::Encoded { echo, bytes },
                None => McLine::Error(format!("no encoding printed; stderr: {stderr}")),
            },
        })
        .collect()
}

/// How LLVM echoes our text: `ld_imm64` constants come back as signed decimal.
fn llvm_echo_of(text: &str) -> String {
    if let Some((lhs, rest)) = text.split_once(" = 0x") {
        if let Some(hex) = rest.strip_suffix(" ll") {
            if let Ok(v) = u64::from_str_radix(hex, 16) {
                return format!("{lhs} = {} ll", v as i64);
            }
        }
    }
    text.to_owned()
}

/// One program for LLVM to read: where it comes from, which LLVM versions
/// must accept it, our one-line text and our bytes.
struct Probe {
    what: String,
    oracle: Oracle,
    text: String,
    slots: Vec<RawInsn>,
}

impl Probe {
    fn of(what: String, oracle: Oracle, prog: &Assembled) -> Probe {
        let text = prog.to_string().trim_end().to_owned();
        assert!(!text.contains('\n'), "{what}: one instruction per probe, got {text:?}");
        Probe { what, oracle, text, slots: prog.insns().to_vec() }
    }
}

/// Feeds every probe's text to LLVM 19's `llvm-mc` (and the LLVM 14-era
/// ones to LLVM 14's), one run per version: LLVM must accept the text,
/// encode it to our bytes and echo it back as we print it. A missing
/// version is a visible skip.
fn llvm_agrees(probes: &[Probe]) {
    for (tool, confirms) in assemblers() {
        let Some(tool) = tool else { continue };
        let batch: Vec<&Probe> = probes.iter().filter(|p| reads(confirms, p.oracle)).collect();
        let lines: Vec<String> = batch.iter().map(|p| p.text.clone()).collect();
        let results = llvm_mc(&tool, &lines);
        let tool = tool.display();
        let mut failures = Vec::new();
        for (p, result) in batch.iter().zip(&results) {
            let (what, text) = (&p.what, &p.text);
            match result {
                McLine::Error(msg) => {
                    failures.push(format!("{what}: {tool} refuses `{text}`: {msg}"))
                }
                McLine::Encoded { echo, bytes } => {
                    let theirs: Vec<RawInsn> = bytes
                        .chunks(8)
                        .map(|c| RawInsn::from_bytes(c.try_into().unwrap_or_default()))
                        .collect();
                    if theirs != p.slots || bytes.len() % 8 != 0 {
                        failures.push(format!(
                            "{what}: {tool} encodes `{text}` as {}, we assemble {}",
                            hex_of(&theirs),
                            hex_of(&p.slots)
                        ));
                    }
                    if *echo != llvm_echo_of(text) {
                        failures.push(format!("{what}: {tool} echoes `{echo}` for `{text}`"));
                    }
                }
            }
        }
        report(&format!("our text through {tool}"), batch.len(), &failures);
        eprintln!("{tool}: {} programs read as our bytes", batch.len());
    }
}

/// Our text for every LLVM-confirmed row, built through the DSL (both the
/// rebuilt rows and the hand-written cases), read by LLVM.
#[test]
fn llvm_reads_our_text_as_our_bytes() {
    let rows = rows();
    let mut probes = Vec::new();
    for row in rows.iter().filter(|r| r.oracle != Oracle::KernelDoc) {
        let (insn, _) = decode(&row.slots);
        let mut b = ProgramBuilder::new();
        rebuild(&mut b, &insn).unwrap();
        probes.push(Probe::of(row.at(), row.oracle, &b.assemble().unwrap()));
    }
    for case in dsl_cases() {
        let row = rows.iter().find(|r| (r.form, r.text) == (case.form, case.text)).unwrap();
        let mut b = ProgramBuilder::new();
        (case.build)(&mut b);
        probes.push(Probe::of(
            format!("DSL case for {}", row.at()),
            row.oracle,
            &b.assemble().unwrap(),
        ));
    }
    let llvm_rows = rows.iter().filter(|r| r.oracle != Oracle::KernelDoc).count();
    assert!(probes.iter().filter(|p| p.oracle != Oracle::KernelDoc).count() > llvm_rows);
    llvm_agrees(&probes);
}

/// Random operands, often at an edge.
trait Operands {
    fn imm(&mut self) -> i32;
    fn off(&mut self) -> i16;
    fn reg(&mut self) -> Reg;
    fn any(&mut self) -> AnyReg;
    fn src(&mut self, like: Src) -> Src;
}

impl Operands for XorShift {
    fn imm(&mut self) -> i32 {
        match self.below(4) {
            0 => [0, 1, -1, i32::MIN, i32::MAX][self.below(5)],
            1 => self.below(64) as i32,
            _ => self.next() as i32,
        }
    }

    fn off(&mut self) -> i16 {
        match self.below(3) {
            0 => [0, 1, -1, i16::MIN, i16::MAX][self.below(5)],
            _ => self.next() as i16,
        }
    }

    fn reg(&mut self) -> Reg {
        Reg::ALL[self.below(10)]
    }

    fn any(&mut self) -> AnyReg {
        AnyReg::from_number(self.below(11) as u8).unwrap()
    }

    fn src(&mut self, like: Src) -> Src {
        match like {
            Src::Imm(_) => Src::Imm(self.imm()),
            Src::Reg(_) => Src::Reg(self.any()),
        }
    }
}

/// `insn` with random operands, the operation unchanged; only operands LLVM
/// can spell (`gotol` within 16 bits, `skb[rN]` without an offset).
fn with_random_operands(insn: &Insn, rng: &mut XorShift) -> Insn {
    let off = |rng: &mut XorShift| Target::Offset(rng.off().into());
    match insn.clone() {
        Insn::Alu { width, op, src, .. } => {
            Insn::Alu { width, op, dst: rng.reg().into(), src: rng.src(src) }
        }
        Insn::MovSx { width, from, .. } => {
            Insn::MovSx { width, from, dst: rng.reg().into(), src: rng.any() }
        }
        Insn::Neg { width, .. } => Insn::Neg { width, dst: rng.reg().into() },
        Insn::Endian { order, bits, .. } => Insn::Endian { order, bits, dst: rng.reg().into() },
        Insn::Jump { width, cond, src, .. } => {
            Insn::Jump { width, cond, dst: rng.any(), src: rng.src(src), target: off(rng) }
        }
        Insn::Ja { .. } => Insn::Ja { target: off(rng) },
        Insn::Gotol { .. } => Insn::Gotol { target: off(rng) },
        Insn::MayGoto { .. } => Insn::MayGoto { target: off(rng) },
        Insn::Call(Call::Helper(_)) => Insn::Call(Call::Helper(HelperId(rng.imm()))),
        Insn::LdImm64 { value: Imm64::Const(_), .. } => Insn::LdImm64 {
            dst: rng.reg().into(),
            value: Imm64::Const(rng.next() >> rng.below(64)),
        },
        Insn::Load { size, .. } => {
            Insn::Load { size, dst: rng.reg().into(), src: rng.any(), off: rng.off() }
        }
        Insn::LoadSx { size, .. } => {
            Insn::LoadSx { size, dst: rng.reg().into(), src: rng.any(), off: rng.off() }
        }
        Insn::Store { size, src, .. } => {
            Insn::Store { size, dst: rng.any(), off: rng.off(), src: rng.src(src) }
        }
        Insn::Atomic { width, op, .. } => {
            Insn::Atomic { width, op, dst: rng.any(), off: rng.off(), src: rng.reg().into() }
        }
        Insn::LdAbs { size, .. } => Insn::LdAbs { size, imm: rng.imm() },
        Insn::LdInd { size, .. } => Insn::LdInd { size, src: rng.any(), imm: 0 },
        other => other,
    }
}

/// Every LLVM-confirmed form with random operands, built through the DSL,
/// read by LLVM: covers operand combinations the table does not list.
#[test]
fn llvm_reads_random_operands_as_our_bytes() {
    let mut rng = XorShift::new(0x5eed_0bf9_u64);
    let mut probes = Vec::new();
    for row in rows().iter().filter(|r| r.oracle != Oracle::KernelDoc) {
        let (insn, _) = decode(&row.slots);
        for _ in 0..4 {
            let insn = with_random_operands(&insn, &mut rng);
            let mut b = ProgramBuilder::new();
            rebuild(&mut b, &insn).unwrap();
            let prog = b.assemble().unwrap();
            let what = format!("{} with random operands {insn:?}", row.form);
            probes.push(Probe::of(what, row.oracle, &prog));
        }
    }
    llvm_agrees(&probes);
}
