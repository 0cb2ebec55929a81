//! The properties the fuzz targets check, one function per target. The
//! targets (`fuzz_targets/*.rs`, nightly and cargo-fuzz) and
//! `tests/fuzz_corpus.rs` (stable, every `cargo test`) both include this
//! file, so the corpus is checked the same way with or without a fuzzer.
//!
//! Each returns `Err` with what broke; a panic inside bpfkit is a failure
//! too (the fuzzer reports it as a crash, the replay test catches it).

use bpfkit::asm::{RawInsn, disassemble, parse};

/// `parse(text)` and assemble; if both succeed, the program's `Display`
/// must parse and assemble again to the same slots, the same maps by
/// name, and print the same text (display is a fixed point).
///
/// Text that does not parse or assemble is no violation: the property is
/// that what we print reads back.
pub fn parse_round_trip(text: &str) -> Result<(), String> {
    let Ok(builder) = parse(text) else { return Ok(()) };
    let Ok(first) = builder.assemble() else { return Ok(()) };
    let printed = first.to_string();
    let second = parse(&printed)
        .map_err(|e| format!("the display of the program does not parse: {e}\n{printed}"))?
        .assemble()
        .map_err(|e| format!("the display of the program does not assemble: {e}\n{printed}"))?;
    same_slots(first.insns(), second.insns(), &printed)?;
    let names = |p: &bpfkit::asm::Assembled| {
        p.named_maps().map(|(slot, name)| (slot, name.to_owned())).collect::<Vec<_>>()
    };
    if names(&first) != names(&second) {
        return Err(format!(
            "maps by name {:?} read back as {:?}\n{printed}",
            names(&first),
            names(&second)
        ));
    }
    let reprinted = second.to_string();
    if reprinted != printed {
        return Err(format!("printed\n{printed}read back and printed again\n{reprinted}"));
    }
    Ok(())
}

/// The slots of `bytes`, 8 at a time; a partial last slot is dropped.
pub fn slots_of(bytes: &[u8]) -> Vec<RawInsn> {
    bytes.chunks_exact(8).filter_map(|c| c.try_into().ok()).map(RawInsn::from_bytes).collect()
}

/// `asm(disasm(x)) == x`: the slots of `bytes`, disassembled, must parse
/// and assemble to exactly those slots.
pub fn disasm_round_trip(bytes: &[u8]) -> Result<(), String> {
    let slots = slots_of(bytes);
    if slots.is_empty() {
        return Ok(());
    }
    let text = disassemble(&slots);
    let again = parse(&text)
        .map_err(|e| format!("the disassembly does not parse: {e}\n{text}"))?
        .assemble()
        .map_err(|e| format!("the disassembly does not assemble: {e}\n{text}"))?;
    same_slots(&slots, again.insns(), &text)
}

/// `Err` naming the first slot where `want` and `got` differ.
fn same_slots(want: &[RawInsn], got: &[RawInsn], text: &str) -> Result<(), String> {
    if want == got {
        return Ok(());
    }
    let at = want.iter().zip(got).take_while(|(w, g)| w == g).count();
    let word =
        |s: Option<&RawInsn>| s.map_or("none".to_owned(), |s| format!("{:016x}", s.to_word()));
    Err(format!(
        "{} slots read back as {}; slot {at}: {} became {}\n{text}",
        want.len(),
        got.len(),
        word(want.get(at)),
        word(got.get(at))
    ))
}
