//! `bpfkit disasm [FILE|-] [--raw]`: prints instructions in LLVM's BPF
//! syntax, one per line.
//!
//! The input is hex as `bpfkit asm` prints it: 16 hex digits per 8-byte
//! slot, bytes in memory order; a line may hold several slots, bytes may be
//! separated by spaces, and blank lines and `#` comments are skipped. With
//! `--raw` it is the bytes themselves, a multiple of 8 of them. A slot that
//! is no valid instruction prints as `.8byte 0x...`, so the output always
//! assembles back to the input.
//!
//! With `-j`, an array with an object per instruction: the slot it starts
//! at, its text, and its slots in `asm`'s hex (two for an `LD_IMM64`):
//! `[{"slot":0,"disasm":"r0 = 2","hex":["b700000002000000"]}]`.

use bpfkit::asm::{RawInsn, decode};

use crate::args::Args;
use crate::asm::{Command, bad_input, hex};
use crate::out::{CliError, Output};

/// Runs `bpfkit disasm`.
pub fn run(args: &mut Args, output: Output) -> Result<(), CliError> {
    let command = Command::parse(args, false)?;
    let name = command.input.name();
    let slots = if command.raw.is_some() {
        let bytes = command.input.read()?;
        if bytes.len() % 8 != 0 {
            return Err(bad_input(format!(
                "{name} has {} bytes, which is not a whole number of 8-byte instructions",
                bytes.len()
            )));
        }
        bytes.chunks_exact(8).filter_map(|c| c.try_into().ok()).map(RawInsn::from_bytes).collect()
    } else {
        slots_of_hex(&command.input.read_text()?).map_err(|e| bad_input(format!("{name}:{e}")))?
    };
    let insns = instructions(&slots);
    if output.json {
        let mut w = output.writer();
        w.start_array();
        for (at, text, width) in &insns {
            w.start_object().raw_field("slot", at).string_field("disasm", text);
            w.name("hex").start_array();
            for &slot in &slots[*at..at + width] {
                w.string(&hex(slot));
            }
            w.end_array().end_object();
        }
        w.end_array();
        output.print(&w.finish());
    } else {
        let mut text = String::new();
        for (_, insn, _) in &insns {
            text.push_str(insn);
            text.push('\n');
        }
        output.print(&text);
    }
    Ok(())
}

/// Each instruction: the slot it starts at, its text, and how many slots
/// it takes (two for `LD_IMM64`).
fn instructions(slots: &[RawInsn]) -> Vec<(usize, String, usize)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < slots.len() {
        let (insn, used) = decode(&slots[at..]);
        let width = used.clamp(1, slots.len() - at);
        out.push((at, insn.to_string(), width));
        at += width;
    }
    out
}

/// The slots of hex text; an error names the line (`LINE: message`).
fn slots_of_hex(text: &str) -> Result<Vec<RawInsn>, String> {
    let mut slots = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let content = line.split('#').next().unwrap_or_default();
        let digits: String = content.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.is_empty() {
            continue;
        }
        let bad = |why: &str| format!("{}: {why}: '{}'", index + 1, content.trim());
        if !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(bad("expected hex digits"));
        }
        if digits.len() % 16 != 0 {
            return Err(bad("expected 16 hex digits per 8-byte instruction slot"));
        }
        for word in digits.as_bytes().chunks(16) {
            let mut bytes = [0u8; 8];
            for (byte, pair) in bytes.iter_mut().zip(word.chunks(2)) {
                let pair = std::str::from_utf8(pair).map_err(|_| bad("expected hex digits"))?;
                *byte = u8::from_str_radix(pair, 16).map_err(|_| bad("expected hex digits"))?;
            }
            slots.push(RawInsn::from_bytes(bytes));
        }
    }
    Ok(slots)
}

#[cfg(test)]
mod tests {
    use bpfkit::asm::RawInsn;

    use super::{instructions, slots_of_hex};

    #[test]
    fn hex_lines_with_spaces_comments_and_blanks() {
        let text = "# r0 = 2\nb700000002000000\n\n18 01 00 00 05 00 00 00  0000000000000000 # ld\n";
        let slots = slots_of_hex(text).unwrap_or_default();
        assert_eq!(slots.len(), 3);
        assert_eq!(slots[0].to_bytes(), [0xb7, 0, 0, 0, 2, 0, 0, 0]);
        assert_eq!(slots[1].code, 0x18);
        assert_eq!(
            slots_of_hex("b7000000\n"),
            Err("1: expected 16 hex digits per 8-byte instruction slot: 'b7000000'".into())
        );
        assert_eq!(
            slots_of_hex("\n\nzz00000002000000").map_err(|e| e.starts_with("3: ")),
            Err(true)
        );
    }

    #[test]
    fn instructions_know_their_slots() {
        let slots = [
            RawInsn::new(0x18, 1, 0, 0, 5),
            RawInsn::new(0, 0, 0, 0, 0),
            RawInsn::new(0xb7, 0, 0, 0, 2),
            RawInsn::new(0x95, 0, 0, 0, 0),
            // An LD_IMM64 without its second slot: one raw slot.
            RawInsn::new(0x18, 1, 0, 0, 5),
        ];
        let found = instructions(&slots);
        let starts: Vec<(usize, usize)> = found.iter().map(|(at, _, w)| (*at, *w)).collect();
        assert_eq!(starts, [(0, 2), (2, 1), (3, 1), (4, 1)]);
        assert_eq!(found[1].1, "r0 = 2");
    }
}
