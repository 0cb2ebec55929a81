//! Verifier rejections: each names the failing instruction, the kernel's
//! message and the Rust line that emitted the instruction.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use bpfkit::Error;
use bpfkit::asm::{Helper, ProgramBuilder, R0, R1, R2, R3, R10, Size};
use bpfkit::maps::{MapSpec, MapType};
use bpfkit::prog::{LogLevel, ProgType, ProgramSpec, VerifierError};

/// Loads `b` as an XDP program and returns the verifier's rejection.
fn reject(b: &ProgramBuilder) -> VerifierError {
    let insns = b.assemble().unwrap();
    match ProgramSpec::new(ProgType::XDP, &insns).name("bad").load() {
        Err(Error::Verifier(e)) => *e,
        Err(other) => panic!("expected a verifier error, got {other}"),
        Ok(_) => panic!("the verifier accepted a bad program:\n{insns}"),
    }
}

/// Asserts the error points at `index`, emitted on `line` of this file, and
/// that its message contains `needle`.
fn assert_points_at(e: &VerifierError, index: usize, line: u32, needle: &str) {
    assert_eq!(e.index, Some(index), "wrong instruction in:\n{e}");
    let loc = e.location.expect("no Rust location");
    assert_eq!((loc.file(), loc.line()), (Some(file!()), line), "wrong Rust line in:\n{e}");
    let all = std::iter::once(&e.message).chain(&e.details).cloned().collect::<Vec<_>>().join("\n");
    assert!(all.contains(needle), "message {all:?} lacks {needle:?}");
    let shown = e.to_string();
    assert!(shown.contains(&format!("at instruction {index}")), "{shown}");
    assert!(shown.contains(&format!("{}:{}", file!(), line)), "{shown}");
    assert!(shown.contains(&e.message), "{shown}");
    assert!(!e.log.is_empty());
}

#[test]
fn packet_read_without_data_end_check() {
    require_kernel!();
    let mut b = ProgramBuilder::new();
    b.ldx(Size::W, R2, R1, 0); // r2 = ctx->data
    let bad = line!() + 1;
    b.ldx(Size::B, R0, R2, 0); // no check against ctx->data_end
    b.mov64(R0, 2).exit();
    let e = reject(&b);
    assert_points_at(&e, 1, bad, "invalid access to packet");
    assert_eq!(e.insn.as_deref(), Some("w0 = *(u8 *)(r2 + 0)"));
}

#[test]
fn packet_read_with_data_end_check_is_accepted() {
    require_kernel!();
    let mut b = ProgramBuilder::new();
    let out = b.label();
    b.ldx(Size::W, R2, R1, 0) // data
        .ldx(Size::W, R3, R1, 4) // data_end
        .mov64(R1, R2)
        .add64(R1, 1)
        .jgt(R1, R3, out) // data + 1 > data_end: too short
        .ldx(Size::B, R0, R2, 0)
        .bind(out)
        .mov64(R0, 2)
        .exit();
    let insns = b.assemble().unwrap();
    ProgramSpec::new(ProgType::XDP, &insns).name("checked").load().unwrap();
}

#[test]
fn uninitialised_register() {
    require_kernel!();
    let mut b = ProgramBuilder::new();
    b.mov64(R0, 2);
    let bad = line!() + 1;
    b.add64(R0, R3); // R3 was never written
    b.exit();
    let e = reject(&b);
    assert_points_at(&e, 1, bad, "R3 !read_ok");
}

#[test]
fn unchecked_map_lookup_result() {
    require_kernel!();
    // A hash lookup may miss. (An array lookup with a constant key in range
    // cannot, and recent kernels accept its result unchecked.)
    let map = MapSpec::new(MapType::HASH, 4, 8, 1).name("unchecked").create().unwrap();
    let mut b = ProgramBuilder::new();
    b.st(Size::W, R10, -4, 0)
        .mov64(R2, R10)
        .add64(R2, -4)
        .ld_map_fd(R1, &map)
        .call(Helper::MapLookupElem);
    let bad = line!() + 1;
    b.ldx(Size::DW, R1, R0, 0); // r0 may be NULL
    b.mov64(R0, 2).exit();
    let e = reject(&b);
    // st, mov, add, ld_imm64 (2 slots), call: the load is slot 6.
    assert_points_at(&e, 6, bad, "invalid mem access 'map_value_or_null'");
}

#[test]
fn unreachable_instruction() {
    require_kernel!();
    let mut b = ProgramBuilder::new();
    b.mov64(R0, 2).exit();
    let bad = line!() + 1;
    b.mov64(R0, 1); // nothing jumps here
    b.exit();
    let e = reject(&b);
    assert_points_at(&e, 2, bad, "unreachable insn 2");
}

#[test]
fn infinite_loop() {
    require_kernel!();
    let mut b = ProgramBuilder::new();
    let out = b.label();
    b.mov64(R0, 2);
    let top = b.here();
    let bad = line!() + 1;
    b.jeq(R0, 3, out); // r0 is 2: the exit is never taken
    b.ja(top).bind(out).exit();
    let e = reject(&b);
    assert_points_at(&e, 1, bad, "infinite loop detected at insn 1");
}

#[test]
fn stack_access_beyond_512_bytes() {
    require_kernel!();
    let mut b = ProgramBuilder::new();
    b.mov64(R1, 0);
    let bad = line!() + 1;
    b.stx(Size::DW, R10, -520, R1); // the stack is 512 bytes
    b.mov64(R0, 2).exit();
    let e = reject(&b);
    assert_points_at(&e, 1, bad, "invalid write to stack R10 off=-520 size=8");
}

#[test]
fn missing_exit() {
    require_kernel!();
    let mut b = ProgramBuilder::new();
    let bad = line!() + 1;
    b.mov64(R0, 2); // falls off the end
    let e = reject(&b);
    assert_points_at(&e, 0, bad, "last insn is not an exit or jmp");
}

#[test]
fn log_on_success_has_statistics() {
    require_kernel!();
    let mut b = ProgramBuilder::new();
    b.mov64(R0, 2).exit();
    let insns = b.assemble().unwrap();
    let prog = ProgramSpec::new(ProgType::XDP, &insns)
        .name("stats")
        .log_on_success(LogLevel::STATS)
        .load()
        .unwrap();
    let log = prog.verifier_log().unwrap();
    assert!(log.contains("processed 2 insns"), "{log}");
}

#[test]
fn small_log_buffer_grows_to_the_whole_log() {
    require_kernel!();
    // A long straight run before the failure makes a log far over 128 bytes.
    let mut b = ProgramBuilder::new();
    b.mov64(R0, 0);
    for _ in 0..200 {
        b.add64(R0, 1);
    }
    let bad = line!() + 1;
    b.add64(R0, R3);
    b.exit();
    let insns = b.assemble().unwrap();
    let err =
        ProgramSpec::new(ProgType::XDP, &insns).name("big_log").log_size(128).load().unwrap_err();
    let Error::Verifier(e) = err else { panic!("{err}") };
    assert_points_at(&e, 201, bad, "R3 !read_ok");
    assert!(e.log.len() > 4096, "log was not grown: {} bytes", e.log.len());
    assert!(e.log.contains("0: (b7) r0 = 0"), "the start of the log is missing");
}

#[test]
fn statistics_only_logging_still_names_the_failing_line() {
    require_kernel!();
    let mut b = ProgramBuilder::new();
    b.mov64(R0, 2);
    let bad = line!() + 1;
    b.add64(R0, R3);
    b.exit();
    let insns = b.assemble().unwrap();
    let err = ProgramSpec::new(ProgType::XDP, &insns)
        .name("stats_fail")
        .log_on_success(LogLevel::STATS)
        .load()
        .unwrap_err();
    let Error::Verifier(e) = err else { panic!("{err}") };
    assert_points_at(&e, 1, bad, "R3 !read_ok");
}

#[test]
fn malformed_program_reports_the_kernels_errno() {
    require_kernel!();
    use bpfkit::Errno;
    use bpfkit::asm::RawInsn;
    let mut b = ProgramBuilder::new();
    b.mov64(R0, 2);
    let bad = line!() + 1;
    b.raw(RawInsn::new(0xff, 0, 0, 0, 0)); // no such opcode
    b.exit();
    let e = reject(&b);
    assert_eq!(e.errno, Errno::EINVAL);
    assert_eq!(Error::Verifier(Box::new(e.clone())).errno(), Some(Errno::EINVAL));
    assert_points_at(&e, 1, bad, "unknown opcode ff");
}
