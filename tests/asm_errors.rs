//! Assemble-time errors: each is an `Err` with the exact variant, naming the
//! instruction and the Rust line that emitted it (`#[track_caller]`), never a
//! panic. Lines are captured with `line!()` on the line of the builder call.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bpfkit::asm::{
    AsmError, EncodeError, MAX_INSNS, Origin, ProgramBuilder, R0, R1, R2, R10, Size, SxBits,
};

const FILE: &str = file!();

/// `loc` is a line of this file.
#[track_caller]
fn assert_here(loc: &Origin, line: u32) {
    assert_eq!((loc.file(), loc.line()), (Some(FILE), line), "location {loc}");
}

/// The error's message names `file:line` for every line in `lines`.
#[track_caller]
fn assert_names(err: &AsmError, lines: &[u32]) {
    let msg = err.to_string();
    for line in lines {
        assert!(
            msg.contains(&format!("{FILE}:{line}:")),
            "message does not name line {line}: {msg}"
        );
    }
}

#[test]
fn unbound_label_names_where_it_was_made_and_where_it_is_used() {
    let mut b = ProgramBuilder::new();
    let (nowhere, made) = (b.label(), line!());
    b.ld_imm64(R1, 7).mov64(R0, 0);
    let (_, used) = (b.jeq(R1, 0, nowhere), line!());
    b.exit();
    let err = b.assemble().unwrap_err();
    let AsmError::UnboundLabel { label, created_at, index, insn, used_at } = &err else {
        panic!("want UnboundLabel, got {err:?}");
    };
    assert_eq!(label, ".L0");
    assert_here(created_at, made);
    assert_here(used_at, used);
    assert_eq!(*index, 3, "slot index: the LD_IMM64 before it takes two slots");
    assert_eq!(insn, "if r1 == 0 goto .L0");
    assert_names(&err, &[made, used]);
}

#[test]
fn unbound_named_label_used_by_a_call_and_a_function_load() {
    let mut b = ProgramBuilder::new();
    let (sub, made) = (b.named_label("callback"), line!());
    let (_, used) = (b.ld_func(R2, sub), line!());
    b.call_local(sub).exit();
    let err = b.assemble().unwrap_err();
    let AsmError::UnboundLabel { label, created_at, index: 0, used_at, .. } = &err else {
        panic!("want UnboundLabel at 0, got {err:?}");
    };
    assert_eq!(label, "callback");
    assert_here(created_at, made);
    assert_here(used_at, used);
}

#[test]
fn label_bound_twice_names_both_bindings() {
    let mut b = ProgramBuilder::new();
    let again = b.named_label("again");
    let (_, first) = (b.bind(again), line!());
    b.mov64(R0, 0);
    let (_, second) = (b.bind(again), line!());
    b.ja(again).exit();
    let err = b.assemble().unwrap_err();
    let AsmError::LabelBoundTwice { label, first: at1, second: at2 } = &err else {
        panic!("want LabelBoundTwice, got {err:?}");
    };
    assert_eq!(label, "again");
    assert_here(at1, first);
    assert_here(at2, second);
    assert_names(&err, &[first, second]);

    // `here` binds too.
    let mut b = ProgramBuilder::new();
    let (top, first) = (b.here(), line!());
    b.mov64(R0, 0);
    let (_, second) = (b.bind(top), line!());
    b.exit();
    let err = b.assemble().unwrap_err();
    let AsmError::LabelBoundTwice { first: at1, second: at2, .. } = &err else {
        panic!("want LabelBoundTwice, got {err:?}");
    };
    assert_here(at1, first);
    assert_here(at2, second);
}

#[test]
fn label_of_another_program_is_an_error() {
    let mut other = ProgramBuilder::new();
    let theirs = other.here();
    other.exit();

    // This program has a bound label with the same index, `.L0`: still foreign.
    let mut b = ProgramBuilder::new();
    let ours = b.here();
    assert_eq!(ours.to_string(), theirs.to_string());
    b.mov64(R0, 0);
    let (_, used) = (b.jne(R0, 1, theirs), line!());
    b.ja(ours).exit();
    let err = b.assemble().unwrap_err();
    let AsmError::ForeignLabel { label, at } = &err else {
        panic!("want ForeignLabel, got {err:?}");
    };
    assert_eq!(label, ".L0");
    assert_here(at, used);
    assert_names(&err, &[used]);

    // Binding another program's label is refused too.
    let mut b = ProgramBuilder::new();
    b.mov64(R0, 0).bind(theirs).exit();
    assert!(matches!(b.assemble(), Err(AsmError::ForeignLabel { .. })));
    // The other program is unaffected.
    assert!(other.assemble().is_ok());
}

#[test]
fn label_bound_after_the_last_instruction() {
    let mut b = ProgramBuilder::new();
    let end = b.named_label("end");
    b.mov64(R0, 0);
    let (_, jump) = (b.jsgt(R1, R2, end), line!());
    b.exit();
    let (_, bound) = (b.bind(end), line!());
    let err = b.assemble().unwrap_err();
    let AsmError::TargetPastEnd { label, bound_at, index, insn, at } = &err else {
        panic!("want TargetPastEnd, got {err:?}");
    };
    assert_eq!(label, "end");
    assert_eq!(*index, 1);
    assert_eq!(insn, "if r1 s> r2 goto end");
    assert_here(bound_at, bound);
    assert_here(at, jump);
    assert_names(&err, &[bound, jump]);
}

/// `n` filler instructions.
fn pad(b: &mut ProgramBuilder, n: usize) {
    for _ in 0..n {
        b.mov64(R0, 0);
    }
}

#[test]
fn conditional_jump_over_40000_instructions_does_not_fit() {
    let mut b = ProgramBuilder::new();
    let far = b.label();
    b.ld_imm64(R1, 1).mov64(R2, 0);
    let (_, jump) = (b.jeq(R1, R2, far), line!());
    pad(&mut b, 40_000);
    b.bind(far).exit();
    let err = b.assemble().unwrap_err();
    let AsmError::OffsetOutOfRange { index, insn, at, source } = &err else {
        panic!("want OffsetOutOfRange, got {err:?}");
    };
    assert_eq!(*index, 3);
    assert_eq!(insn, "if r1 == r2 goto .L0");
    assert_here(at, jump);
    assert_eq!(*source, EncodeError::OffsetOutOfRange { offset: 40_000, bits: 16 });
    assert_names(&err, &[jump]);

    // Backwards, and the unconditional 16-bit `goto` (which suggests gotol).
    let mut b = ProgramBuilder::new();
    let top = b.here();
    pad(&mut b, 40_000);
    let (_, jump) = (b.ja(top), line!());
    b.exit();
    let err = b.assemble().unwrap_err();
    let AsmError::OffsetOutOfRange { index: 40_000, at, source, .. } = &err else {
        panic!("want OffsetOutOfRange at 40000, got {err:?}");
    };
    assert_here(at, jump);
    assert_eq!(*source, EncodeError::OffsetOutOfRange { offset: -40_001, bits: 16 });
    assert!(err.to_string().contains("gotol"), "{err}");
}

#[test]
fn gotol_and_calls_over_40000_instructions_assemble() {
    let mut b = ProgramBuilder::new();
    let far = b.label();
    let sub = b.label();
    b.ld_imm64(R1, 1).mov64(R2, 0).gotol(far).call_local(sub);
    pad(&mut b, 40_000);
    b.bind(far).exit().bind(sub).exit();
    let prog = b.assemble().unwrap();
    assert_eq!(prog.len(), 40_007);
    assert_eq!(prog.insns()[3].imm, 40_001, "gotol skips the call and the padding");
    assert_eq!(prog.insn_at(3).unwrap().to_string(), "gotol +40001");
    assert_eq!(prog.insns()[4].imm, 40_001, "call pc+40001");
    assert_eq!(prog.insn_at(4).unwrap().to_string(), "call pc+40001");

    // Just inside the 16-bit field: 32,767 forward and 32,768 back.
    let mut b = ProgramBuilder::new();
    let out = b.label();
    b.jeq(R1, 0, out);
    let top = b.here();
    pad(&mut b, 32_767);
    b.bind(out).jne(R1, 0, top).exit();
    let prog = b.assemble().unwrap();
    assert_eq!(prog.insns()[0].off, i16::MAX);
    assert_eq!(prog.insns()[32_768].off, i16::MIN);
}

#[test]
fn numeric_offsets_that_do_not_fit_are_errors() {
    let mut b = ProgramBuilder::new();
    b.mov64(R0, 0);
    let (_, jump) = (b.jlt(R1, 5, 40_000), line!());
    b.exit();
    let err = b.assemble().unwrap_err();
    let AsmError::OffsetOutOfRange { index: 1, at, source, .. } = &err else {
        panic!("want OffsetOutOfRange at 1, got {err:?}");
    };
    assert_here(at, jump);
    assert_eq!(*source, EncodeError::OffsetOutOfRange { offset: 40_000, bits: 16 });

    let mut b = ProgramBuilder::new();
    let (_, jump) = (b.may_goto(-32_769), line!());
    b.exit();
    let err = b.assemble().unwrap_err();
    let AsmError::OffsetOutOfRange { index: 0, at, .. } = &err else {
        panic!("want OffsetOutOfRange at 0, got {err:?}");
    };
    assert_here(at, jump);
}

#[test]
fn instruction_limit() {
    // 999,998 moves and one LD_IMM64: exactly the kernel's 1,000,000 slots.
    let mut b = ProgramBuilder::new();
    pad(&mut b, MAX_INSNS - 2);
    b.ld_imm64(R1, u64::MAX);
    assert_eq!(MAX_INSNS, 1_000_000);
    let prog = b.assemble().unwrap();
    assert_eq!(prog.len(), MAX_INSNS);
    // One more slot is too many.
    b.exit();
    assert_eq!(b.assemble().unwrap_err(), AsmError::TooLong { slots: 1_000_001, limit: MAX_INSNS });
    assert!(b.assemble().unwrap_err().to_string().contains("1000001"));

    // A smaller limit (an unprivileged loader's 4096), with an LD_IMM64 across it.
    let mut b = ProgramBuilder::new();
    pad(&mut b, 4095);
    b.exit();
    assert_eq!(b.assemble_with_limit(4096).unwrap().len(), 4096);
    let mut b = ProgramBuilder::new();
    pad(&mut b, 4095);
    b.ld_imm64(R1, 0);
    assert_eq!(
        b.assemble_with_limit(4096).unwrap_err(),
        AsmError::TooLong { slots: 4097, limit: 4096 }
    );
    assert_eq!(b.assemble_with_limit(4097).unwrap().len(), 4097);
}

#[test]
fn empty_program() {
    assert_eq!(ProgramBuilder::new().assemble().unwrap_err(), AsmError::Empty);
    // Labels alone are no instructions.
    let mut b = ProgramBuilder::new();
    let l = b.label();
    b.bind(l);
    assert_eq!(b.assemble().unwrap_err(), AsmError::Empty);
    assert_eq!(ProgramBuilder::new().assemble_with_limit(0).unwrap_err(), AsmError::Empty);
}

#[test]
fn invalid_operand_combinations_name_the_line() {
    let mut b = ProgramBuilder::new();
    b.ld_imm64(R1, 0);
    let (_, bad) = (b.movsx32(R1, R2, SxBits::B32), line!());
    b.exit();
    let err = b.assemble().unwrap_err();
    let AsmError::InvalidInsn { index, at, why } = &err else {
        panic!("want InvalidInsn, got {err:?}");
    };
    assert_eq!(*index, 2);
    assert_here(at, bad);
    assert!(why.contains("8 or 16"), "{why}");
    assert_names(&err, &[bad]);
    // 64-bit movsx from 32 bits is fine.
    let mut b = ProgramBuilder::new();
    b.movsx64(R1, R2, SxBits::B32).exit();
    assert!(b.assemble().is_ok());

    let mut b = ProgramBuilder::new();
    b.mov64(R0, 0);
    let (_, bad) = (b.ldsx(Size::DW, R1, R10, -8), line!());
    b.exit();
    let err = b.assemble().unwrap_err();
    let AsmError::InvalidInsn { index: 1, at, why } = &err else {
        panic!("want InvalidInsn at 1, got {err:?}");
    };
    assert_here(at, bad);
    assert!(why.contains("1, 2 or 4"), "{why}");

    // Legacy packet loads have no 8-byte form either (the kernel reserves it).
    let mut b = ProgramBuilder::new();
    let (_, bad) = (b.ld_abs(Size::DW, 0), line!());
    b.exit();
    let err = b.assemble().unwrap_err();
    let AsmError::InvalidInsn { index: 0, at, .. } = &err else {
        panic!("want InvalidInsn at 0, got {err:?}");
    };
    assert_here(at, bad);
    let mut b = ProgramBuilder::new();
    b.ld_abs(Size::B, 0);
    let (_, bad) = (b.ld_ind(Size::DW, R1, 0), line!());
    b.exit();
    let AsmError::InvalidInsn { index: 1, at, .. } = b.assemble().unwrap_err() else {
        panic!("want InvalidInsn at 1");
    };
    assert_here(&at, bad);
}

#[test]
fn every_slot_maps_to_the_line_that_emitted_it() {
    let mut b = ProgramBuilder::new();
    let out = b.label();
    let (_, mov) = (b.mov64(R0, 0), line!());
    let (_, ld) = (b.ld_imm64(R1, 0x1_0000_0000), line!());
    let (_, jump) = (b.jeq(R1, 0, out), line!());
    let (_, map) = (b.ld_map_idx_value(R2, 0, 8), line!());
    let (_, st) = (b.st(Size::W, R10, -4, 0), line!());
    b.bind(out);
    let (_, exit) = (b.exit(), line!());
    let lines = [mov, ld, jump, map, st, exit];
    let prog = b.assemble().unwrap();
    // Slots: mov, ld_imm64 x2, jeq, ld_imm64 x2, st, exit.
    let want = [lines[0], lines[1], lines[1], lines[2], lines[3], lines[3], lines[4], lines[5]];
    assert_eq!(prog.len(), want.len());
    for (slot, line) in want.iter().enumerate() {
        let loc = prog.location(slot).unwrap_or_else(|| panic!("no location for slot {slot}"));
        assert_here(&loc, *line);
    }
    assert_eq!(prog.location(want.len()), None);
    // The listing agrees: first slot and line of each instruction.
    let listing: Vec<(usize, u32)> = prog.listing().map(|(s, _, l)| (s, l.line())).collect();
    let firsts = [0, 1, 3, 4, 6, 7];
    assert_eq!(listing, firsts.iter().zip(&lines).map(|(s, l)| (*s, *l)).collect::<Vec<_>>());
    // Both slots of an LD_IMM64 are that instruction.
    assert_eq!(prog.insn_at(1), prog.insn_at(2));
    assert_eq!(prog.insn_at(2).unwrap().to_string(), "r1 = 4294967296 ll");
    assert_eq!(prog.insn_at(3).unwrap().to_string(), "if r1 == 0 goto +3");
}

/// A caller's `#[track_caller]` helper passes its own caller's line through.
#[track_caller]
fn emit_exit(b: &mut ProgramBuilder) {
    b.exit();
}

#[test]
fn track_caller_helpers_report_their_callers_line() {
    let mut b = ProgramBuilder::new();
    b.mov64(R0, 0);
    let (_, line) = (emit_exit(&mut b), line!());
    let prog = b.assemble().unwrap();
    assert_here(&prog.location(1).unwrap(), line);
}

#[test]
fn a_100000_instruction_program_assembles() {
    let mut b = ProgramBuilder::new();
    let (top, done) = (b.here(), b.label());
    let (_, first) = (b.gotol(done), line!());
    for i in 0..25_000 {
        let skip = b.label();
        b.jeq(R1, 0, skip).ld_imm64(R2, i).add64(R1, -1).bind(skip).mov64(R0, 0);
    }
    let (_, back) = (b.gotol(top), line!());
    b.bind(done).exit();
    assert_eq!(b.len(), 100_003);
    let prog = b.assemble().unwrap();
    assert_eq!(prog.len(), 125_003);
    assert_eq!(prog.insn_at(0).unwrap().to_string(), "gotol +125001");
    assert_eq!(prog.insn_at(125_001).unwrap().to_string(), "gotol -125002");
    assert_here(&prog.location(0).unwrap(), first);
    assert_here(&prog.location(125_001).unwrap(), back);
    for block in 0..25_000 {
        let slot = 1 + 5 * block;
        assert_eq!(prog.insns()[slot].off, 3, "jump in block {block}");
        assert_eq!(prog.insns()[slot + 1].imm as u64, block as u64, "constant in block {block}");
    }
}
