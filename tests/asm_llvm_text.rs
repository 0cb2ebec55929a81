//! The text assembler on the parts of LLVM's language beyond one
//! instruction per line: writes to r10 (and r11) in every form, LLVM's
//! numbers and constant expressions, numeric labels, commas, sections and
//! directives, and `clang -S` output assembled and run in the kernel.
//! Range refusals name the line, the column and the range; errors come in
//! file order. Each expectation is written out by hand from the kernel's
//! encoding rules or taken from llvm-mc-19 (`tests/llvm_oracle.rs` checks
//! the same ground against LLVM itself where it is installed).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use bpfkit::asm::{RawInsn, parse};
use bpfkit::maps::{Array, MapFlags};
use bpfkit::prog::{ProgType, ProgramSpec, TestRun};

/// The slots `text` assembles to, or its error as `LINE:COLUMN: message`.
fn asm(text: &str) -> Result<Vec<RawInsn>, String> {
    let b = parse(text).map_err(|e| format!("{}:{}: {}", e.line, e.column, e.message))?;
    Ok(b.assemble().map_err(|e| e.to_string())?.insns().to_vec())
}

fn slot(code: u8, dst: u8, src: u8, off: i16, imm: i32) -> RawInsn {
    RawInsn::new(code, dst, src, off, imm)
}

#[track_caller]
fn same(text: &str, want: &[RawInsn]) {
    match asm(text) {
        Ok(got) => assert_eq!(got, want, "{text:?}"),
        Err(e) => panic!("{text:?}: {e}"),
    }
}

#[track_caller]
fn refused(text: &str, at: &str, fragments: &[&str]) {
    match asm(text) {
        Ok(got) => panic!("{text:?} assembled to {got:?}"),
        Err(e) => {
            assert!(e.starts_with(at), "{text:?}: {e} (want it at {at})");
            for f in fragments {
                assert!(e.contains(f), "{text:?}: {e} (want {f:?})");
            }
        }
    }
}

#[test]
fn writes_to_r10_and_r11_assemble_in_every_form() {
    let cases: &[(&str, &[RawInsn])] = &[
        ("r10 = 1", &[slot(0xb7, 10, 0, 0, 1)]),
        ("w10 = 1", &[slot(0xb4, 10, 0, 0, 1)]),
        ("r10 += r1", &[slot(0x0f, 10, 1, 0, 0)]),
        ("w10 -= w10", &[slot(0x1c, 10, 10, 0, 0)]),
        ("r10 s/= 3", &[slot(0x37, 10, 0, 1, 3)]),
        ("r10 = -r10", &[slot(0x87, 10, 0, 0, 0)]),
        ("w10 = -w10", &[slot(0x84, 10, 0, 0, 0)]),
        ("r10 = be16 r10", &[slot(0xdc, 10, 0, 0, 16)]),
        ("r10 = bswap64 r10", &[slot(0xd7, 10, 0, 0, 64)]),
        ("r10 = (s8)r1", &[slot(0xbf, 10, 1, 8, 0)]),
        ("r10 = 1 ll", &[slot(0x18, 10, 0, 0, 1), slot(0, 0, 0, 0, 0)]),
        ("r10 = *(u64 *)(r1 + 8)", &[slot(0x79, 10, 1, 8, 0)]),
        ("w10 = *(u8 *)(r1 + 0)", &[slot(0x71, 10, 1, 0, 0)]),
        ("r10 = *(s16 *)(r1 - 2)", &[slot(0x89, 10, 1, -2, 0)]),
        ("r10 = atomic_fetch_add((u64 *)(r1 + 0), r10)", &[slot(0xdb, 1, 10, 0, 0x01)]),
        ("r10 = xchg_64(r1 + 0, r10)", &[slot(0xdb, 1, 10, 0, 0xe1)]),
        ("r10 = addr_space_cast(r1, 1, 0)", &[slot(0xbf, 10, 1, 1, 0x10000)]),
        ("ld_pseudo r10, 1, 3", &[slot(0x18, 10, 1, 0, 3), slot(0, 0, 0, 0, 0)]),
        ("r11 = 1", &[slot(0xb7, 11, 0, 0, 1)]),
        ("w11 += w1", &[slot(0x0c, 11, 1, 0, 0)]),
        ("r1 = r11", &[slot(0xbf, 1, 11, 0, 0)]),
        ("callx r3", &[slot(0x8d, 3, 0, 0, 0)]),
    ];
    for (text, want) in cases {
        same(text, want);
    }
    // What LLVM refuses, bpfkit refuses.
    refused("r12 = 1", "1:1:", &["expected a register (r0-r11), found 'r12'"]);
    refused("r01 = 1", "1:1:", &["expected an instruction, found 'r01'"]);
    refused("r1 = w01", "1:6:", &["w01"]);
}

#[test]
fn numbers_as_llvm_reads_them() {
    // (spelling, the imm of `r1 = SPELLING`)
    let cases: &[(&str, i32)] = &[
        ("010", 8),
        ("0777", 511),
        ("00", 0),
        ("0b101", 5),
        ("0B11", 3),
        ("0x10ULL", 16),
        ("10L", 10),
        ("10ul", 10),
        ("10uLL", 10),
        ("5ll", 5),
        ("'a'", 97),
        ("'\\n'", 10),
        ("'\\''", 39),
        ("'\\\\'", 92),
        ("'\\0'", 48),
        ("1+2", 3),
        ("2*3+1", 7),
        ("1<<2+1", 5),
        ("1+3&1", 2),
        ("6^3|8", 13),
        ("1 ! 2", -3),
        ("1+(2*3)", 7),
        ("1+~0", 0),
        ("2+!0", 3),
        ("8>>1", 4),
        ("1 == 1", -1),
        ("3 < 2", 0),
        ("1 && 2", 1),
        ("0 || 0", 0),
        ("2 - -1", 3),
        ("7%3", 1),
        ("-7/2", -3),
        ("1 + 'a'", 98),
        ("0xffffffffffffffff", -1),
        ("0xffffffff80000000", i32::MIN),
        ("+5", 5),
    ];
    for (spelling, imm) in cases {
        same(&format!("r1 = {spelling}"), &[slot(0xb7, 1, 0, 0, *imm)]);
    }
    // `5ll` is a 32-bit move of 5; `5 ll` a 64-bit load.
    same("r1 = 5 ll", &[slot(0x18, 1, 0, 0, 5), slot(0, 0, 0, 0, 0)]);
    // A logical shift on 64 bits, as LLVM computes it; LLVM truncates the
    // result into a 32-bit field, bpfkit says it does not fit.
    same("r1 = -8>>1 ll", &[slot(0x18, 1, 0, 0, -4), slot(0, 0, 0, 0, i32::MAX)]);
    refused("r1 = -8>>1", "1:6:", &["9223372036854775804 does not fit in 32 bits"]);
    // Malformed numbers, each with what is wrong.
    refused("r1 = 08", "1:6:", &["invalid octal number '08'"]);
    refused("r1 = 0b2", "1:6:", &["invalid binary number"]);
    refused("r1 = 0x", "1:6:", &["invalid hexadecimal number"]);
    refused("r1 = 10lu", "1:6:", &["invalid decimal number"]);
    refused("r1 = 'ab'", "1:6:", &["character literal"]);
    refused("r1 = 7/0", "1:7:", &["division by zero"]);
    refused("r1 = 1<<64", "1:7:", &["shift by 64"]);
    refused("r1 = -(1)", "1:7:", &["expected a register (r0-r11), found '('"]);
    let deep = format!("r1 = 1+{}1", "(".repeat(1000));
    refused(&deep, "1:", &["nests too deeply"]);
}

#[test]
fn values_a_field_cannot_hold_are_refused_with_the_range() {
    // LLVM wraps or truncates these; bpfkit names the line, column and range.
    refused("exit\nr1 = 2147483648", "2:6:", &["2147483648", "-2147483648 to 2147483647"]);
    refused("r1 = 0x100000000", "1:6:", &["4294967296", "does not fit in 32 bits"]);
    refused("r1 += 4294967295", "1:7:", &["sign-extends", "-2147483648 to 2147483647"]);
    refused("w1 = 4294967296", "1:6:", &["-2147483648 to 4294967295"]);
    refused("if r1 > 2147483648 goto +0", "1:9:", &["does not fit in 32 bits"]);
    refused("*(u64 *)(r1 + 0) = 2147483648", "1:20:", &["sign-extends"]);
    refused("r1 = *(u64 *)(r2 - 32769)", "1:18:", &["-32769", "-32768 to 32767"]);
    refused("goto +32768", "1:6:", &["+32768", "-32768 to 32767"]);
    refused("r1 = -9223372036854775809 ll", "1:6:", &["does not fit in 64 bits"]);
    refused("r1 = 0xffffffffffffffff + 1 ll", "1:6:", &["does not fit in 64 bits"]);
    refused("ld_pseudo r1, 16, 0", "1:15:", &["pseudo kind 16", "0 to 15"]);
    refused("r1 = addr_space_cast(r2, 65536, 0)", "1:26:", &["0 to 65535"]);
    // A value that fits after sign extension is in range, as LLVM encodes it.
    same("if r0 < 0xfffffffffffffffe goto +0", &[slot(0xa5, 0, 0, 0, -2)]);
    same("w1 &= 0xffffffff", &[slot(0x54, 1, 0, 0, -1)]);
    same("*(u32 *)(r1 + 0) = 0xffffffff", &[slot(0x62, 1, 0, 0, -1)]);
    same("r1 &= -2147483648", &[slot(0x57, 1, 0, 0, i32::MIN)]);
    same("ld_pseudo r1, 4, 4294967293", &[slot(0x18, 1, 4, 0, -3), slot(0, 0, 0, 0, 0)]);
    // gotol: the ISA's 32 bits, where LLVM's parser takes only 16.
    same("gotol +100000", &[slot(0x06, 0, 0, 0, 100_000)]);
}

#[test]
fn errors_come_in_the_order_of_the_text() {
    // A range error on line 1 is reported before a bad character on line 2.
    refused("r1 = 4294967296\nr1 = $", "1:6:", &["does not fit"]);
    refused("r1 = $\nr1 = 4294967296", "1:6:", &["unexpected character '$'"]);
    // An unknown label before a syntax error, and a known one after it.
    refused("goto nowhere\nr1 = $", "1:6:", &["unknown label 'nowhere'"]);
    refused("goto later\nr1 = $\nlater: exit", "2:6:", &["unexpected character"]);
    refused("a: exit\nr1 = $\na: exit", "2:6:", &["unexpected character"]);
    refused("a: exit\na: exit\nr1 = $", "2:1:", &["already defined on line 1"]);
}

#[test]
fn numeric_labels_go_back_and_forth() {
    let text = "1: r0 = 1\n   goto 1b\n   goto 1f\n   r0 = 2\n1: if r0 == 0 goto 1b\n   exit";
    same(
        text,
        &[
            slot(0xb7, 0, 0, 0, 1),
            slot(0x05, 0, 0, -2, 0),
            slot(0x05, 0, 0, 1, 0),
            slot(0xb7, 0, 0, 0, 2),
            slot(0x15, 0, 0, -1, 0),
            slot(0x95, 0, 0, 0, 0),
        ],
    );
    // `0b` alone is the label 0, not a binary number; a call can go to one.
    same(
        "0: call 0f\n0: exit\nr0 = 0b101",
        &[slot(0x85, 0, 1, 0, 0), slot(0x95, 0, 0, 0, 0), slot(0xb7, 0, 0, 0, 5)],
    );
    refused("goto 1b\n1: exit", "1:6:", &["'1b' refers back to a label '1:'"]);
    refused("1: exit\ngoto 2f\nexit", "2:6:", &["'2f' refers ahead to a label '2:'"]);
}

#[test]
fn commas_are_passed_over_as_llvm_does() {
    same("r1 = 1,", &[slot(0xb7, 1, 0, 0, 1)]);
    same("if r1 > 1, goto +0", &[slot(0x25, 1, 0, 0, 1)]);
    same("r1 = xchg_64(r2 + 0 r1)", &[slot(0xdb, 2, 1, 0, 0xe1)]);
    // A comma still ends an expression: `2, -1` is two operands.
    same("ld_pseudo r1, 2, -1", &[slot(0x18, 1, 2, 0, -1), slot(0, 0, 0, 0, 0)]);
}

#[test]
fn sections_and_directives() {
    let text = "\
\t.text
\t.file\t\"x.c\"
\t.section\tprog,\"ax\",@progbits
\t.globl\tf\t# -- Begin function f
\t.p2align\t3
\t.type\tf,@function
f:
\tr0 = 1 /* one */
\t.pushsection .rodata
\t.long 1, 2
str:\t.asciz \"a;b#c\"
\t.popsection
\texit
.Lfunc_end0:
\t.size\tf, .Lfunc_end0-f
\t.section\t.maps,\"aw\",@progbits
m:
\t.zero\t32
\t.quad\tm
\t.section\t.text.more
\t.8byte 0x95, 0x95
";
    same(
        text,
        &[
            slot(0xb7, 0, 0, 0, 1),
            slot(0x95, 0, 0, 0, 0),
            slot(0x95, 0, 0, 0, 0),
            slot(0x95, 0, 0, 0, 0),
        ],
    );
    refused(".data\nr0 = 1", "2:1:", &["section '.data'", "holds no code"]);
    refused(".long 1\nexit", "1:1:", &[".long in code section '.text'", ".8byte"]);
    refused(".frobnicate 1", "1:1:", &["unknown directive '.frobnicate'"]);
    refused(".popsection", "1:1:", &[".popsection without a .pushsection"]);
    refused(".section", "1:9:", &["expected a section name"]);
    // A label in a data section is no jump target.
    refused(".data\nd: .long 0\n.text\ngoto d\nexit", "4:6:", &["unknown label 'd'"]);
}

/// `clang -O2 -target bpf -S` output, with and without debug information,
/// assembles to the counter (the map load by name), loads and counts.
#[test]
fn clang_output_assembles_and_counts_in_the_kernel() {
    let plain = include_str!("fixtures/counter.s");
    let debug = include_str!("fixtures/counter-g.s");
    let want = [
        slot(0xb7, 1, 0, 0, 0),
        slot(0x63, 10, 1, -4, 0),
        slot(0xbf, 2, 10, 0, 0),
        slot(0x07, 2, 0, 0, -4),
        slot(0x18, 1, 1, 0, 0),
        slot(0, 0, 0, 0, 0),
        slot(0x85, 0, 0, 0, 1),
        slot(0x15, 0, 0, 2, 0),
        slot(0xb7, 1, 0, 0, 1),
        slot(0xdb, 0, 1, 0, 0),
        slot(0xb7, 0, 0, 0, 2),
        slot(0x95, 0, 0, 0, 0),
    ];
    same(plain, &want);
    same(debug, &want);
    if !common::kernel_available() {
        return;
    }
    for text in [plain, debug] {
        let mut insns = parse(text).unwrap().assemble().unwrap();
        let counts = Array::<u64>::create(&common::unique("clang"), 1, MapFlags::empty()).unwrap();
        assert_eq!(insns.bind_map("packet_count", &counts), 1);
        let prog = ProgramSpec::new(ProgType::XDP, &insns).name("clang_counter").load().unwrap();
        let run = prog.test_run(TestRun::new(&[0u8; 64]).repeat(3)).unwrap();
        assert_eq!(run.retval, 2);
        assert_eq!(counts.get(0).unwrap(), 3);
    }
}

/// With clang-19 here, the fixture's C compiles now to text that assembles
/// to the same program (a visible skip without it).
#[test]
fn clang_output_of_today_assembles() {
    let dir = std::env::temp_dir().join(format!("bpfkit-clang-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("counter.s");
    let source = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/counter.c");
    let arch_include = format!("/usr/include/{}-linux-gnu", std::env::consts::ARCH);
    let Some(clang) = common::require_llvm_tool("clang", 19, "today's clang output") else {
        let _ = std::fs::remove_dir_all(&dir);
        return;
    };
    let status = std::process::Command::new(clang)
        .args(["-O2", "-g", "-target", "bpf", "-S", "-I", &arch_include, "-o"])
        .arg(&out)
        .arg(source)
        .status()
        .unwrap();
    assert!(status.success(), "clang-19 failed on {source}");
    let text = std::fs::read_to_string(&out).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let want = asm(include_str!("fixtures/counter.s")).unwrap();
    assert_eq!(asm(&text).unwrap(), want);
}

/// A write to r10 in code the verifier proves dead assembles, and the
/// kernel, not the assembler, decides: it accepts the program, and refuses
/// one that reaches the write.
#[test]
fn the_kernel_judges_a_write_to_r10() {
    if !common::kernel_available() {
        return;
    }
    let dead = "r0 = 0\nif r0 == 0 goto +1\nr10 = 1\nexit";
    let insns = parse(dead).unwrap().assemble().unwrap();
    let prog = ProgramSpec::new(ProgType::XDP, &insns).name("dead_r10").load().unwrap();
    assert_eq!(prog.test_run(TestRun::new(&[0u8; 64])).unwrap().retval, 0);
    let live = "r0 = 0\nr10 = 1\nexit";
    let insns = parse(live).unwrap().assemble().unwrap();
    let err = ProgramSpec::new(ProgType::XDP, &insns).name("live_r10").load().unwrap_err();
    let text = err.to_string();
    assert!(text.contains("frame pointer is read only"), "{text}");
    assert!(text.contains("line 2"), "{text}");
}

/// Two `.8byte` words that happen to spell an `LD_IMM64` stay two words:
/// the listing decodes each instruction from its own slots.
#[test]
fn raw_words_that_spell_a_wide_load_stay_raw() {
    let b = parse(".8byte 0x18\n.8byte 0\nexit").unwrap();
    let prog = b.assemble().unwrap();
    assert_eq!(prog.to_string(), ".8byte 0x0000000000000018\n.8byte 0x0000000000000000\nexit\n");
    let again = parse(&prog.to_string()).unwrap().assemble().unwrap();
    assert_eq!(again.insns(), prog.insns());
}
