//! Property tests of `decode`/`encode`/`Display` over random instruction
//! words, with a small xorshift generator (no extra crates).
//!
//! Properties, for any input bytes:
//! - `decode_all` then `encode` gives back exactly the input;
//! - `Display` never panics and never prints an empty string; a word that is
//!   no instruction prints as `.8byte` of exactly that word;
//! - an instruction (not `Raw`) re-decoded from its own encoding is equal;
//! - no two different encodings print the same text;
//! - the text parses and assembles back to the input: `asm(disasm(x)) == x`.
//!
//! Uniformly random words are mostly `Raw`, so a second generator picks the
//! opcodes of `tests/golden/insns.tsv` with random registers, offsets and
//! immediates (biased towards the values that select operations), and checks
//! that it reaches every shape of instruction the table has.
//!
//! Set `BPFKIT_SEED=<u64>` to rerun with another seed; failures name the seed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::print_stderr
)]

use std::collections::{BTreeSet, HashMap};

use bpfkit::asm::{Insn, RawInsn, decode, decode_all, encode};

#[path = "common/rng.rs"]
mod rng;
use rng::XorShift;

const WORDS: usize = 200_000;
const TSV: &str = include_str!("golden/insns.tsv");

fn seed() -> u64 {
    rng::seed(0x9e37_79b9_7f4a_7c15)
}

/// A uniformly random word.
fn random_word(rng: &mut XorShift) -> RawInsn {
    RawInsn::from_word(rng.next())
}

/// A random `LD_IMM64` pair: code 0x18, the rest random; the second slot
/// often has its reserved fields zero, as a valid pair does.
fn random_ld_imm64(rng: &mut XorShift) -> [RawInsn; 2] {
    let mut first = random_word(rng);
    first.code = 0x18;
    if rng.chance(2) {
        // A pseudo kind the kernel knows (0..=6) or just past it.
        first = RawInsn::new(0x18, first.dst() % 11, rng.below(8) as u8, 0, first.imm);
    }
    let second =
        if rng.chance(4) { random_word(rng) } else { RawInsn::new(0, 0, 0, 0, rng.next() as i32) };
    [first, second]
}

/// The slots of every row of insns.tsv.
fn golden_rows() -> Vec<Vec<RawInsn>> {
    TSV.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let hex = l.split('\t').nth(1).unwrap();
            hex.split(' ')
                .map(|slot| {
                    let word = u64::from_str_radix(slot, 16).unwrap();
                    RawInsn::from_bytes(word.to_be_bytes())
                })
                .collect()
        })
        .collect()
}

/// A random register number: R0-R10, now and then one of the invalid 11-15.
fn random_reg(rng: &mut XorShift) -> u8 {
    if rng.chance(16) { rng.below(16) as u8 } else { rng.below(11) as u8 }
}

/// An instruction with the opcode of a random table row and random operands:
/// fields the row uses get random values (now and then one that changes the
/// operation: an atomic op, a swap width, a pseudo kind, a signed ALU `off`);
/// fields the row leaves zero mostly stay zero, so most results are valid.
fn biased_slots(rng: &mut XorShift, rows: &[Vec<RawInsn>]) -> Vec<RawInsn> {
    let row = &rows[rng.below(rows.len())];
    let t = row[0];
    let (_, keep_imm, keep_src, keep_off) = shape(t);
    let selects_imm = matches!(t.code, 0xc3 | 0xdb | 0xd4 | 0xdc | 0xd7);
    let selects_src = matches!(t.code, 0x18 | 0x85);
    let field = |rng: &mut XorShift, used: bool, selects: bool| {
        if selects {
            rng.chance(16)
        } else if used {
            true
        } else {
            rng.chance(8)
        }
    };
    let dst = if field(rng, t.dst() != 0, false) { random_reg(rng) } else { t.dst() };
    let src = if field(rng, t.src() != 0, selects_src) {
        random_reg(rng)
    } else if selects_src {
        keep_src
    } else {
        t.src()
    };
    let off = if field(rng, t.off != 0, keep_off != 0) {
        match rng.below(3) {
            0 => rng.pick(&[0, 1, -1, 8, 16, 32, i16::MIN, i16::MAX]),
            _ => rng.next() as i16,
        }
    } else {
        t.off
    };
    let imm = if field(rng, t.imm != 0, selects_imm) {
        match rng.below(3) {
            0 => rng.pick(&[0, 1, -1, 16, 32, 64, 0x41, 0xe1, 0xf1, i32::MIN, i32::MAX]),
            _ => rng.next() as i32,
        }
    } else if selects_imm {
        keep_imm
    } else {
        t.imm
    };
    let mut out = vec![RawInsn::new(t.code, dst, src, off, imm)];
    if let Some(hi) = row.get(1) {
        out.push(if rng.chance(16) {
            random_word(rng)
        } else if field(rng, hi.imm != 0, false) {
            RawInsn::new(0, 0, 0, 0, rng.next() as i32)
        } else {
            *hi
        });
    }
    out
}

/// What selects the form of a word besides its opcode: the atomic operation,
/// the swap width, the pseudo kind, the signed/sign-extending `off`.
fn shape(w: RawInsn) -> (u8, i32, u8, i16) {
    match w.code {
        0xc3 | 0xdb | 0xd4 | 0xdc | 0xd7 => (w.code, w.imm, 0, 0),
        0x18 | 0x85 => (w.code, 0, w.src(), 0),
        c if matches!(c & 0x07, 0x04 | 0x07) && matches!(c & 0xf0, 0x30 | 0x90 | 0xb0) => {
            (w.code, 0, 0, w.off)
        }
        c => (c, 0, 0, 0),
    }
}

#[derive(Default)]
struct Stats {
    insns: usize,
    raw: usize,
    shapes: BTreeSet<(u8, i32, u8, i16)>,
}

/// Checks every property on `slots`; returns the failures (at most a few
/// dozen, the first ones) and what was decoded.
fn check(slots: &[RawInsn], what: &str) -> (Vec<String>, Stats) {
    let seed = seed();
    let mut failures = Vec::new();
    let mut fail = |msg: String| {
        if failures.len() < 40 {
            failures.push(format!("[{what}, BPFKIT_SEED={seed}] {msg}"));
        }
    };
    let mut stats = Stats::default();
    let mut texts: HashMap<String, Vec<RawInsn>> = HashMap::new();

    let insns = decode_all(slots);
    let mut at = 0;
    let mut all = Vec::with_capacity(slots.len());
    for insn in &insns {
        stats.insns += 1;
        let mut own = Vec::new();
        if let Err(e) = encode(insn, &mut own) {
            fail(format!("slot {at}: decoded {insn:?} does not encode: {e}"));
            at += 1;
            continue;
        }
        let input = slots.get(at..at + own.len()).unwrap_or_default();
        if own != input {
            fail(format!("slot {at}: {input:?} decodes to {insn:?}, which encodes to {own:?}"));
        }
        let text = insn.to_string();
        if text.is_empty() {
            fail(format!("slot {at}: {insn:?} prints as an empty string"));
        }
        match insn {
            Insn::Raw(raw) => {
                stats.raw += 1;
                let want = format!(".8byte {:#018x}", raw.to_word());
                if text != want {
                    fail(format!("slot {at}: raw {raw:?} prints as `{text}`, want `{want}`"));
                }
            }
            _ => {
                stats.shapes.insert(shape(own[0]));
                if text.starts_with(".8byte") {
                    fail(format!("slot {at}: {insn:?} prints as `{text}`"));
                }
                let (again, used) = decode(&own);
                if again != *insn || used != own.len() {
                    fail(format!("slot {at}: {insn:?} re-decodes to {again:?} ({used} slots)"));
                }
                let seen = texts.entry(text.clone()).or_insert_with(|| own.clone());
                if *seen != own {
                    fail(format!("`{text}` is printed for both {seen:?} and {own:?}"));
                }
            }
        }
        at += own.len().max(1);
        all.extend(own);
    }
    if at != slots.len() {
        fail(format!("decode_all covered {at} of {} slots", slots.len()));
    }
    if all != slots {
        fail("the program does not re-encode to its bytes".into());
    }
    // The disassembly reads back through the text assembler to the bytes:
    // asm(disasm(x)) == x.
    let text: String = insns.iter().map(|insn| format!("{insn}\n")).collect();
    match bpfkit::asm::parse(&text) {
        _ if slots.is_empty() => {}
        Err(e) => fail(format!("the disassembly does not parse: {e}")),
        Ok(b) => match b.assemble() {
            Err(e) => fail(format!("the disassembly does not assemble: {e}")),
            Ok(prog) if prog.insns() != slots => {
                let at = prog.insns().iter().zip(slots).position(|(a, b)| a != b);
                fail(format!("asm(disasm(x)) differs from x at slot {at:?}"));
            }
            Ok(_) => {}
        },
    }
    (failures, stats)
}

fn assert_ok(failures: &[String]) {
    assert!(failures.is_empty(), "{} failure(s):\n  {}", failures.len(), failures.join("\n  "));
}

#[test]
fn random_words_round_trip() {
    let mut rng = XorShift::new(seed());
    let mut slots = Vec::with_capacity(WORDS + WORDS / 8);
    while slots.len() < WORDS {
        if rng.chance(16) {
            slots.extend(random_ld_imm64(&mut rng));
        } else {
            slots.push(random_word(&mut rng));
        }
    }
    let (failures, stats) = check(&slots, "uniform words");
    assert_ok(&failures);
    eprintln!(
        "uniform: {} slots, {} decoded, {} raw, {} shapes",
        slots.len(),
        stats.insns,
        stats.raw,
        stats.shapes.len()
    );
    // LD_IMM64 pairs with a zero second header are instructions.
    assert!(stats.shapes.iter().any(|s| s.0 == 0x18), "no LD_IMM64 decoded");
}

#[test]
fn random_ld_imm64_pairs_round_trip() {
    let mut rng = XorShift::new(seed() ^ 0x18);
    let mut failures = Vec::new();
    let mut decoded_pairs = 0;
    for _ in 0..WORDS / 2 {
        let pair = random_ld_imm64(&mut rng);
        let (insn, used) = decode(&pair);
        if used == 2 {
            decoded_pairs += 1;
            assert!(matches!(insn, Insn::LdImm64 { .. }), "{pair:?} -> {insn:?}");
        }
        let (f, _) = check(&pair, "ld_imm64 pair");
        failures.extend(f);
        if failures.len() > 40 {
            break;
        }
    }
    assert_ok(&failures);
    assert!(decoded_pairs > WORDS / 20, "only {decoded_pairs} pairs decoded as LD_IMM64");
}

#[test]
fn table_opcodes_with_random_operands_round_trip() {
    let rows = golden_rows();
    assert_eq!(rows.len(), 768);
    let mut rng = XorShift::new(seed() ^ 0xb1a5);
    let mut slots = Vec::with_capacity(WORDS + 2);
    while slots.len() < WORDS {
        slots.extend(biased_slots(&mut rng, &rows));
    }
    let (failures, stats) = check(&slots, "table opcodes");
    assert_ok(&failures);
    eprintln!(
        "biased: {} slots, {} decoded, {} raw, {} shapes",
        slots.len(),
        stats.insns,
        stats.raw,
        stats.shapes.len()
    );
    // The generator reaches the valid space, not just Raw ...
    assert!(stats.raw * 2 < stats.insns, "{} of {} are raw", stats.raw, stats.insns);
    // ... and every shape of instruction in the table.
    let golden: BTreeSet<_> = rows.iter().map(|r| shape(r[0])).collect();
    let missed: Vec<_> = golden.difference(&stats.shapes).collect();
    assert!(missed.is_empty(), "table shapes the generator never decoded: {missed:x?}");
}

/// Edge cases the random generators are unlikely to produce on their own.
#[test]
fn edge_cases_round_trip() {
    let ld = RawInsn::new(0x18, 1, 0, 0, 5);
    let zero = RawInsn::new(0, 0, 0, 0, 0);
    // (what, slots, whether every slot is reserved and must decode to Raw)
    let cases: Vec<(&str, Vec<RawInsn>, bool)> = vec![
        ("empty", vec![], true),
        ("lone LD_IMM64 at the end", vec![ld], true),
        ("LD_IMM64 then a non-zero second header", vec![ld, RawInsn::new(0x95, 0, 0, 0, 0)], false),
        ("LD_IMM64 twice in a row", vec![ld, ld, zero], false),
        ("all zero", vec![zero; 3], true),
        ("all ones", vec![RawInsn::from_word(u64::MAX); 3], true),
        ("registers 12-15", (12..16).map(|r| RawInsn::new(0xbf, r, 1, 0, 0)).collect(), true),
        (
            "source registers 12-15",
            (12..16).map(|r| RawInsn::new(0xbf, 1, r, 0, 0)).collect(),
            true,
        ),
        // R11 is no register a program may use, but LLVM names it: r11 = r1.
        (
            "register 11, as LLVM names it",
            vec![RawInsn::new(0xbf, 11, 1, 0, 0), RawInsn::new(0xbf, 1, 11, 0, 0)],
            false,
        ),
        ("movsx32 from 32 bits", vec![RawInsn::new(0xbc, 1, 2, 32, 0)], true),
        ("ldsx dw", vec![RawInsn::new(0x99, 1, 2, 0, 0)], true),
        (
            "ld_abs dw, ld_ind dw",
            vec![RawInsn::new(0x38, 0, 0, 0, 5), RawInsn::new(0x58, 0, 1, 0, 0)],
            true,
        ),
        ("neg with src", vec![RawInsn::new(0x87, 1, 2, 0, 0)], true),
        ("mov imm with off", vec![RawInsn::new(0xb7, 1, 0, 8, 0)], true),
        ("unknown atomic op", vec![RawInsn::new(0xdb, 1, 2, 0, 0x02)], true),
        ("byte atomic", vec![RawInsn::new(0xd3, 1, 2, 0, 0)], true),
        ("be on alu64", vec![RawInsn::new(0xdf, 1, 0, 0, 16)], true),
        ("swap width 8", vec![RawInsn::new(0xd4, 1, 0, 0, 8)], true),
        (
            "jmp32 call/exit/jcond",
            [0x86, 0x96, 0xe6].map(|c| RawInsn::new(c, 0, 0, 0, 0)).to_vec(),
            true,
        ),
        ("call with src 3", vec![RawInsn::new(0x85, 0, 3, 0, 1)], true),
        ("exit with imm", vec![RawInsn::new(0x95, 0, 0, 0, 1)], true),
    ];
    let mut failures = Vec::new();
    for (what, slots, all_raw) in &cases {
        failures.extend(check(slots, what).0);
        let insns = decode_all(slots);
        if *all_raw && !insns.iter().all(|i| matches!(i, Insn::Raw(_))) {
            failures.push(format!("{what}: reserved words decode to {insns:?}"));
        }
    }
    assert_ok(&failures);
    assert_eq!(decode_all(&[ld]), [Insn::Raw(ld)]);
    assert_eq!(decode(&[]).1, 0);
}
