//! The text assembler, `bpfkit::asm::parse`.
//!
//! - every row of `tests/golden/insns.tsv`: its text parses and assembles to
//!   exactly the row's bytes (so every DSL golden test also goes through
//!   the parser);
//! - random programs of every instruction family, raw words and 64-bit
//!   pseudo loads included: `parse(display(p)) == p`, over thousands of
//!   programs from a fixed seed (`BPFKIT_SEED` picks another);
//! - labels, `;`, comments, helper names, maps by name (bound to a real map
//!   and run in the kernel), symbolic and numeric jumps;
//! - a table of bad inputs, each with its line, column and message;
//! - each slot's origin is its line of text, and a verifier rejection names it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::print_stderr
)]

mod common;
#[path = "common/rng.rs"]
mod rng;

use bpfkit::Error;
use bpfkit::asm::{
    Call, HelperId, Imm64, Insn, KfuncName, MapRef, Origin, ProgramBuilder, R0, RawInsn, Target,
    decode, parse,
};
use bpfkit::maps::{Array, MapFlags};
use bpfkit::prog::{ProgType, ProgramSpec, TestRun};
use rng::XorShift;

const TSV: &str = include_str!("golden/insns.tsv");

/// A golden row: its line in insns.tsv, form, slots and text.
struct Row {
    line: usize,
    form: &'static str,
    slots: Vec<RawInsn>,
    text: &'static str,
}

fn rows() -> Vec<Row> {
    let rows: Vec<Row> = TSV
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#') && !l.is_empty())
        .map(|(i, l)| {
            let cols: Vec<&str> = l.split('\t').collect();
            let slots = cols[1]
                .split(' ')
                .map(|s| RawInsn::from_bytes(u64::from_str_radix(s, 16).unwrap().to_be_bytes()))
                .collect();
            Row { line: i + 1, form: cols[0], slots, text: cols[2] }
        })
        .collect();
    assert_eq!(rows.len(), 768);
    rows
}

/// The assembled slots of `source`, or the error as text.
fn assemble(source: &str) -> Result<Vec<RawInsn>, String> {
    let b = parse(source).map_err(|e| e.to_string())?;
    let prog = b.assemble().map_err(|e| e.to_string())?;
    Ok(prog.insns().to_vec())
}

#[test]
fn every_golden_row_parses_to_its_bytes() {
    let mut failures = Vec::new();
    for row in rows() {
        match assemble(row.text) {
            Ok(slots) if slots == row.slots => {}
            Ok(slots) => failures.push(format!(
                "insns.tsv:{} {} `{}`: {slots:?}, want {:?}",
                row.line, row.form, row.text, row.slots
            )),
            Err(e) => {
                failures.push(format!("insns.tsv:{} {} `{}`: {e}", row.line, row.form, row.text))
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn the_whole_table_parses_as_one_program() {
    let rows = rows();
    let text: Vec<&str> = rows.iter().map(|r| r.text).collect();
    let want: Vec<RawInsn> = rows.iter().flat_map(|r| r.slots.clone()).collect();
    assert_eq!(assemble(&text.join("\n")).unwrap(), want);
    // The same, several to a line.
    assert_eq!(assemble(&text.join(" ; ")).unwrap(), want);
}

// ---------------------------------------------------------------------------
// parse(display(p)) == p
// ---------------------------------------------------------------------------

/// Operands for the random programs: 32-bit values, often an edge.
trait Operands {
    fn i32(&mut self) -> i32;
}

impl Operands for XorShift {
    fn i32(&mut self) -> i32 {
        if self.chance(3) {
            self.pick(&[0, 1, -1, 8, i32::MIN, i32::MAX, 0x7fff, -0x8000])
        } else {
            self.next() as i32
        }
    }
}

fn seed() -> u64 {
    rng::seed(0x5eed_7e87_0f00)
}

/// Map names, some of them words the grammar also knows.
const NAMES: [&str; 8] = ["counts", "map_1", "exit", "func", "le16", "skb", "map_fd", "_x.y"];

/// A random instruction: the opcode of a golden row with random operands
/// (most decode to that form, some to `Raw`), a uniformly random word, or
/// a 64-bit load or call of a random pseudo kind.
fn random_insn(rng: &mut XorShift, rows: &[Row]) -> Insn {
    match rng.below(16) {
        0 => Insn::Raw(RawInsn::from_word(rng.next())),
        1 => {
            let dst = rng.pick(&bpfkit::asm::Reg::ALL);
            let value = match rng.below(9) {
                0 => Imm64::Const(rng.next()),
                1 => Imm64::MapFd(MapRef::Fd(rng.i32())),
                2 => Imm64::MapValue { map: MapRef::Fd(rng.i32()), offset: rng.i32() as u32 },
                3 => Imm64::MapFd(MapRef::Name(rng.pick(&NAMES).to_owned())),
                4 => Imm64::MapValue {
                    map: MapRef::Name(rng.pick(&NAMES).to_owned()),
                    offset: rng.i32() as u32,
                },
                5 => {
                    let any = rng.i32();
                    Imm64::BtfId { id: rng.i32(), btf_fd: rng.pick(&[0, 0, 3, any]) }
                }
                6 => Imm64::Func(Target::Offset(rng.i32())),
                7 => Imm64::MapIdx(rng.i32() as u32),
                _ => Imm64::MapIdxValue { index: rng.i32() as u32, offset: rng.i32() as u32 },
            };
            Insn::LdImm64 { dst: dst.into(), value }
        }
        2 => Insn::Call(match rng.below(3) {
            0 => Call::Helper(HelperId(rng.i32())),
            1 => Call::Local(Target::Offset(rng.i32())),
            _ => {
                let any = rng.i32() as i16;
                Call::Kfunc { btf_id: rng.i32(), fd_index: rng.pick(&[0, 1, -1, any]) }
            }
        }),
        _ => {
            let row = &rows[rng.below(rows.len())];
            let mut slots = row.slots.clone();
            let t = slots[0];
            // Fields the row uses get random values; fields it leaves zero
            // and fields that select the operation mostly stay as they are.
            let selects_imm = matches!(t.code, 0xc3 | 0xdb | 0xd4 | 0xdc | 0xd7);
            let selects_src = matches!(t.code, 0x18 | 0x85);
            let selects_off =
                matches!(t.code & 7, 4 | 7) && matches!(t.code & 0xf0, 0x30 | 0x90 | 0xb0);
            let change = |rng: &mut XorShift, used: bool, selects: bool| {
                if selects { rng.chance(16) } else { used || rng.chance(16) }
            };
            let reg = |rng: &mut XorShift| {
                if rng.chance(20) { rng.below(16) as u8 } else { rng.below(11) as u8 }
            };
            let dst = if change(rng, t.dst() != 0, false) { reg(rng) } else { t.dst() };
            let src = if change(rng, t.src() != 0, selects_src) { reg(rng) } else { t.src() };
            let off = if change(rng, t.off != 0, selects_off) { rng.i32() as i16 } else { t.off };
            let imm = if change(rng, t.imm != 0, selects_imm) { rng.i32() } else { t.imm };
            slots[0] = RawInsn::new(t.code, dst, src, off, imm);
            if slots.len() == 2 && rng.chance(2) {
                slots[1].imm = rng.i32();
            }
            decode(&slots).0
        }
    }
}

#[test]
fn display_then_parse_gives_back_the_program() {
    let rows = rows();
    let seed = seed();
    let mut rng = XorShift::new(seed);
    let (mut programs, mut insns, mut raw) = (0, 0, 0);
    let mut kinds = std::collections::HashSet::new();
    for _ in 0..3000 {
        let mut b = ProgramBuilder::new();
        for _ in 0..1 + rng.below(40) {
            b.push(random_insn(&mut rng, &rows));
        }
        let given: Vec<Insn> = b.insns().collect();
        let lines: Vec<String> = given.iter().map(ToString::to_string).collect();
        let text = lines.join("\n");
        let parsed = parse(&text).unwrap_or_else(|e| {
            let line = lines.get(e.line as usize - 1).map_or("", String::as_str);
            panic!("BPFKIT_SEED={seed}: {e}\n  the line: {line}\n  the program:\n{text}")
        });
        let got: Vec<Insn> = parsed.insns().collect();
        for (i, (want, got)) in given.iter().zip(&got).enumerate() {
            assert_eq!(got, want, "BPFKIT_SEED={seed}: line {} `{}`", i + 1, lines[i]);
        }
        assert_eq!(got.len(), given.len(), "BPFKIT_SEED={seed}:\n{text}");
        assert_eq!(parsed.assemble().unwrap().insns(), b.assemble().unwrap().insns());
        programs += 1;
        insns += given.len();
        for insn in &given {
            raw += usize::from(matches!(insn, Insn::Raw(_)));
            kinds.insert(std::mem::discriminant(insn));
        }
    }
    eprintln!("{programs} programs, {insns} instructions, {raw} raw");
    // Every variant of Insn was generated.
    assert_eq!(kinds.len(), 18, "instruction kinds reached: {}", kinds.len());
    assert!(raw * 4 < insns, "{raw} of {insns} are raw");
}

// ---------------------------------------------------------------------------
// Labels, separators, comments, helpers, maps
// ---------------------------------------------------------------------------

/// The packet counter of the crate docs, in text: labels, comments, `;`,
/// a helper by name and a map by name.
const COUNTER: &str = "\
# The XDP packet counter.
    *(u32 *)(r10 - 4) = 0          // u32 key = 0
    r2 = r10; r2 += -4             # r2 = &key
    r1 = packet_count ll
    call bpf_map_lookup_elem
    if r0 == 0 goto done
    r1 = 1
    lock *(u64 *)(r0 + 0) += r1
done:
    r0 = 2                         # XDP_PASS
    exit
";

/// The same program in the DSL.
fn counter_in_the_dsl() -> ProgramBuilder {
    bpfkit::programs::packet_counter_by_name("packet_count", bpfkit::programs::XdpAction::Pass)
}

#[test]
fn labels_comments_separators_helpers_and_maps() {
    let prog = parse(COUNTER).unwrap().assemble().unwrap();
    let dsl = counter_in_the_dsl().assemble().unwrap();
    assert_eq!(prog.insns(), dsl.insns());
    assert_eq!(prog.named_maps().collect::<Vec<_>>(), [(3, "packet_count")]);
    assert_eq!(prog.to_string(), dsl.to_string());
    // Numeric targets give the same bytes as the label.
    let numeric = COUNTER.replace("goto done", "goto +2");
    assert_eq!(assemble(&numeric).unwrap(), prog.insns());
    // A helper by number, or by name without the prefix.
    for call in ["call 1", "call map_lookup_elem"] {
        let text = COUNTER.replace("call bpf_map_lookup_elem", call);
        assert_eq!(assemble(&text).unwrap(), prog.insns(), "{call}");
    }
}

#[test]
fn symbolic_and_numeric_targets_give_the_same_bytes() {
    let symbolic = "
        top: r0 = 0
        if w1 s< w2 goto out ; if r1 == 5 goto out
        may_goto top
        gotol out
        call sub
        r3 = func(sub) ll
        goto top
        out: exit
        sub: r0 = 1
        exit";
    let numeric = "
        r0 = 0
        if w1 s< w2 goto +7 ; if r1 == 5 goto +6
        may_goto -4
        gotol +4
        call pc+4
        r3 = func(+3) ll
        goto -9
        exit
        r0 = 1
        exit";
    assert_eq!(assemble(symbolic).unwrap(), assemble(numeric).unwrap());
    // The builder keeps the labels; its listing shows their offsets.
    let listing = parse(symbolic).unwrap().assemble().unwrap().to_string();
    assert_eq!(
        listing,
        numeric
            .lines()
            .skip(1)
            .map(|l| format!("{}\n", l.trim().replace(" ; ", "\n")))
            // LLVM's spelling of a function address, which Display prints.
            .map(|l| l.replace("r3 = func(+3) ll", "ld_pseudo\tr3, 4, 3"))
            .collect::<String>()
    );
    // `call name` is a label first, a helper only when no label has the name.
    let shadowed = "call bpf_ktime_get_ns\nexit\nbpf_ktime_get_ns: exit";
    assert_eq!(assemble(shadowed).unwrap(), assemble("call pc+1\nexit\nexit").unwrap());
    assert_eq!(assemble("call bpf_ktime_get_ns\nexit").unwrap(), assemble("call 5\nexit").unwrap());
}

#[test]
fn labels_may_share_a_line_and_a_slot() {
    let text = "a: b: goto c\nc: d:\n  exit";
    assert_eq!(assemble(text).unwrap(), assemble("goto +0\nexit").unwrap());
    let text = "start:\n\n  // nothing here\n  goto start";
    assert_eq!(assemble(text).unwrap(), assemble("goto -1").unwrap());
}

#[test]
fn a_map_by_name_is_bound_and_counts_in_the_kernel() {
    require_kernel!();
    let mut insns = parse(COUNTER).unwrap().assemble().unwrap();
    let err = ProgramSpec::new(ProgType::XDP, &insns).load().unwrap_err();
    assert!(err.to_string().contains("bind_map"), "{err}");
    let counts = Array::<u64>::create(&common::unique("parsed"), 1, MapFlags::empty()).unwrap();
    assert_eq!(insns.bind_map("packet_count", &counts), 1);
    let prog = ProgramSpec::new(ProgType::XDP, &insns).name("parsed_counter").load().unwrap();
    let run = prog.test_run(TestRun::new(&[0u8; 64]).repeat(5)).unwrap();
    assert_eq!(run.retval, 2);
    assert_eq!(counts.get(0).unwrap(), 5);
}

// ---------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------

#[test]
fn bad_input_names_line_column_and_what_was_expected() {
    // (text, line, column, a fragment of the message)
    let cases: &[(&str, u32, u32, &str)] = &[
        ("r12 = 1", 1, 1, "expected a register (r0-r11), found 'r12'"),
        ("r1 = *(u32 *)(r2 + 40000)", 1, 18, "offset 40000 does not fit in 16 bits"),
        ("r1 = *(u32 *)(r2 - 32769)", 1, 18, "offset -32769 does not fit in 16 bits"),
        ("goto done\nexit", 1, 6, "unknown label 'done'"),
        ("foo: exit\n\nfoo: exit", 3, 1, "label 'foo' is already defined on line 1"),
        ("goto end\nend:", 1, 6, "label 'end' is at the end of the program"),
        ("r1 = 4294967296", 1, 6, "immediate 4294967296 does not fit in 32 bits"),
        ("r1 += -2147483649", 1, 7, "immediate -2147483649 does not fit in 32 bits"),
        ("r1 = 18446744073709551616 ll", 1, 6, "does not fit in 64 bits"),
        ("r1 += w2", 1, 7, "expected a register (r0-r11), found 'w2'"),
        ("w1 += r2", 1, 7, "expected a register (w0-w11), found 'r2'"),
        ("if r1 > w2 goto +1", 1, 9, "expected a register (r0-r11), found 'w2'"),
        ("if r1 > 0 goto +32768", 1, 16, "offset +32768 does not fit in 16 bits"),
        ("goto -32769", 1, 6, "offset -32769 does not fit in 16 bits (-32768 to 32767) (gotol"),
        ("gotol +2147483648", 1, 7, "offset +2147483648 does not fit in 32 bits"),
        ("r1 = -r2", 1, 7, "r1 = -r1"),
        ("r1 = be16 r2", 1, 11, "r1 = be16 r1"),
        ("w1 = be16 w1", 1, 11, "expected a register (r0-r11), found 'w1'"),
        ("r0 = *(u64 *)skb[1]", 1, 8, "packet loads take u8, u16 or u32"),
        ("r1 = *(u8 *)skb[1]", 1, 1, "packet loads write r0, not r1"),
        ("r1 = *(s64 *)(r2 + 0)", 1, 8, "sign-extending loads take s8, s16 or s32"),
        ("w1 = *(u64 *)(r2 + 0)", 1, 1, "writes a 64-bit register: r1, not w1"),
        ("*(s32 *)(r1 + 0) = 1", 1, 3, "stores take an unsigned type"),
        ("*(u64 *)(r1 + 0) = w1", 1, 20, "expected a register (r0-r11), found 'w1'"),
        ("lock *(u8 *)(r1 + 0) += r2", 1, 8, "atomic operations take u32 or u64"),
        ("lock *(u32 *)(r1 + 0) -= w2", 1, 23, "expected an atomic operation"),
        ("r2 = atomic_fetch_add((u64 *)(r1 + 0), r3)", 1, 40, "the operand must be r2"),
        ("w2 = xchg_64(r1 + 0, w2)", 1, 1, "a 64-bit atomic operation names r2, not w2"),
        ("r1 = cmpxchg_64(r1 + 0, r0, r2)", 1, 1, "cmpxchg_64 writes r0, not r1"),
        ("r0 = cmpxchg_64(r1 + 0, r1, r2)", 1, 25, "cmpxchg_64 compares with r0"),
        ("w1 = (s32)w2", 1, 7, "a 32-bit sign-extending move takes s8 or s16"),
        ("r1 = 5 ll junk", 1, 11, "expected the end of the instruction, found 'junk'"),
        ("r1 = counts", 1, 6, "a map by name is written `r1 = counts ll`"),
        ("r1 = map_fd(3)", 1, 15, "expected 'll', found end of line"),
        ("call nowhere", 1, 6, "unknown label or helper 'nowhere'"),
        ("call kfunc(1, 40000)", 1, 15, "fd_array index 40000 does not fit in 16 bits"),
        ("r1 = func(nowhere) ll", 1, 11, "unknown label 'nowhere'"),
        ("r1 = 0x", 1, 6, "invalid hexadecimal number '0x'"),
        ("r1 = $", 1, 6, "unexpected character '$'"),
        ("  exit exit", 1, 8, "expected the end of the instruction, found 'exit'"),
        ("r1 = 1 ;; nop", 1, 11, "expected an instruction, found 'nop'"),
        ("r1 = 1 ; r2 =", 1, 14, "found end of line"),
        ("r1: exit", 1, 1, "a label cannot be named 'r1'"),
        ("é = 1", 1, 1, "unexpected character 'é'"),
        ("# é\n\u{3b1}: r1 = 2 +", 2, 1, "unexpected character"),
        ("r1 = 1 # fine\nr2 = 2 // fine\n\tr3 == 3", 3, 5, "expected '=' or an operation"),
    ];
    let mut failures = Vec::new();
    for &(text, line, column, fragment) in cases {
        match parse(text) {
            Ok(_) => failures.push(format!("{text:?}: parsed")),
            Err(e) if (e.line, e.column) != (line, column) || !e.message.contains(fragment) => {
                failures.push(format!(
                    "{text:?}: got {e}, want line {line}, column {column}: ...{fragment}..."
                ))
            }
            Err(e) => {
                assert_eq!(e.to_string(), format!("line {line}, column {column}: {}", e.message))
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let e: Box<dyn std::error::Error> = Box::new(parse("r12 = 1").unwrap_err());
    assert_eq!(e.to_string(), "line 1, column 1: expected a register (r0-r11), found 'r12'");
}

// ---------------------------------------------------------------------------
// Origins
// ---------------------------------------------------------------------------

#[test]
fn each_slot_remembers_its_line_and_column() {
    let text = "# header\n  r0 = 0\n\nr1 = 0x100000000 ll ; exit\nnext:\n\tr2 = r1";
    let prog = parse(text).unwrap().assemble().unwrap();
    let at = |line, column| Some(Origin::Text { line, column });
    let want = [at(2, 3), at(4, 1), at(4, 1), at(4, 23), at(6, 2)];
    let got: Vec<Option<Origin>> = (0..prog.len()).map(|slot| prog.location(slot)).collect();
    assert_eq!(got, want);
    assert_eq!(prog.location(prog.len()), None);
    let listing: Vec<(usize, String, String)> =
        prog.listing().map(|(slot, insn, at)| (slot, insn.to_string(), at.to_string())).collect();
    assert_eq!(listing[1], (1, "r1 = 4294967296 ll".to_owned(), "line 4, column 1".to_owned()));
    assert_eq!(listing[3], (4, "r2 = r1".to_owned(), "line 6, column 2".to_owned()));
    // The DSL can go on where the text stopped, with Rust origins.
    let mut b = parse(text).unwrap();
    b.exit();
    let prog = b.assemble().unwrap();
    assert_eq!(prog.location(5).and_then(|at| at.file()), Some(file!()));
    assert_eq!(prog.location(4), at(6, 2));
}

#[test]
fn origins_of_a_long_text_program() {
    // More slots than a source map chunk holds, a label every few lines.
    let mut text = String::new();
    for i in 0..5000 {
        text.push_str(&format!("l{i}: r1 = {i}\n    if r1 > 7 goto l{i}\n    r2 = {i} ll\n"));
    }
    text.push_str("exit\n");
    let prog = parse(&text).unwrap().assemble().unwrap();
    assert_eq!(prog.len(), 4 * 5000 + 1);
    for (slot, line, column) in
        [(0, 1, 5), (1, 2, 5), (2, 3, 5), (3, 3, 5), (4 * 4999 + 3, 3 * 4999 + 3, 5)]
    {
        assert_eq!(prog.location(slot), Some(Origin::Text { line, column }), "slot {slot}");
    }
    assert_eq!(prog.location(4 * 5000), Some(Origin::Text { line: 3 * 5000 + 1, column: 1 }));
    assert_eq!(prog.insn_at(1).unwrap().to_string(), "if r1 > 7 goto -2");
}

#[test]
fn a_verifier_rejection_names_the_line_of_text() {
    require_kernel!();
    let text = "\
        r0 = 2          # line 1
        # line 2: nothing
        r0 += r3        # line 3: R3 was never written
        exit";
    let insns = parse(text).unwrap().assemble().unwrap();
    let e = match ProgramSpec::new(ProgType::XDP, &insns).name("parsed_bad").load() {
        Err(Error::Verifier(e)) => *e,
        other => panic!("expected a verifier error, got {other:?}"),
    };
    assert_eq!(e.index, Some(1));
    assert_eq!(e.location, Some(Origin::Text { line: 3, column: 9 }));
    assert!(e.message.contains("R3 !read_ok"), "{e}");
    let shown = e.to_string();
    assert!(shown.contains("line 3, column 9"), "{shown}");
    assert!(shown.contains("r0 += r3"), "{shown}");
}

#[test]
fn a_kfunc_called_by_name_keeps_its_name_and_encodes_id_0() {
    let mut b = ProgramBuilder::new();
    b.mov64(R0, 0).call_kfunc("bpf_rcu_read_lock").call_kfunc_id(77, 1).exit();
    let shown: Vec<String> = b.insns().map(|i| i.to_string()).collect();
    assert_eq!(shown, ["r0 = 0", "call kfunc(bpf_rcu_read_lock)", "call kfunc(77, 1)", "exit"]);
    let program = b.assemble().unwrap();
    let raw = program.insns()[1];
    assert_eq!((raw.code, raw.src(), raw.off, raw.imm), (0x85, 2, 0, 0));
    let calls: Vec<(usize, &str)> =
        program.kfunc_calls().map(|(slot, name)| (slot, name.as_str())).collect();
    assert_eq!(calls, [(1, "bpf_rcu_read_lock")]);
    let named = Insn::Call(Call::KfuncNamed(KfuncName::new("bpf_rcu_read_lock")));
    assert_eq!(program.insn_at(1), Some(named));
    assert_eq!(program.insn_at(2), Some(Insn::Call(Call::Kfunc { btf_id: 77, fd_index: 1 })));
}

#[test]
fn text_names_a_kfunc_as_it_prints_it() {
    let text = "call kfunc(bpf_rcu_read_unlock)\ncall kfunc(5)\nexit\n";
    let b = bpfkit::asm::parse(text).unwrap();
    let shown: Vec<String> = b.insns().map(|i| i.to_string()).collect();
    assert_eq!(shown, ["call kfunc(bpf_rcu_read_unlock)", "call kfunc(5)", "exit"]);
    let program = b.assemble().unwrap();
    assert_eq!(program.kfunc_calls().count(), 1);
}
