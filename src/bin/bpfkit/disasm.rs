//! `bpfkit disasm [FILE|-] [--raw]`: prints instructions in LLVM's BPF
//! syntax, one per line.
//!
//! The input is hex as `bpfkit asm` prints it: 16 hex digits per 8-byte
//! slot, bytes in memory order; a line may hold several slots, bytes may be
//! separated by spaces, and blank lines and `#` comments are skipped. With
//! `--raw` it is the bytes themselves, a multiple of 8 of them. A slot that
//! is no valid instruction prints as `.8byte 0x...`, so the output always
//! assembles back to the input.

use bpfkit::asm::{RawInsn, decode_all};

use crate::args::Args;
use crate::asm::{Command, usage};
use crate::out::{CliError, Output};

/// Runs `bpfkit disasm`.
pub fn run(args: &mut Args, output: Output) -> Result<(), CliError> {
    let command = Command::parse(args, false)?;
    let name = command.input.name().to_owned();
    let slots = if command.raw.is_some() {
        let bytes = command.input.read()?;
        if bytes.len() % 8 != 0 {
            return Err(usage(format!(
                "{name} has {} bytes, which is not a whole number of 8-byte instructions",
                bytes.len()
            )));
        }
        bytes.chunks_exact(8).filter_map(|c| c.try_into().ok()).map(RawInsn::from_bytes).collect()
    } else {
        slots_of_hex(&command.input.read_text()?).map_err(|e| usage(format!("{name}:{e}")))?
    };
    let mut text = String::new();
    for insn in decode_all(&slots) {
        text.push_str(&insn.to_string());
        text.push('\n');
    }
    output.print(&text);
    Ok(())
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
    use super::slots_of_hex;

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
}
