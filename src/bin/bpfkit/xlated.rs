//! `bpfkit prog dump xlated PROG` (and our short `prog dump ID`): the
//! kernel's translated instructions, disassembled by bpfkit in LLVM's
//! syntax, laid out as bpftool 7.1 lays out its own dump.
//!
//! bpftool prints each instruction as `% 4d: ` and the kernel verifier's
//! text (`(b7) r0 = 2`); here the text is bpfkit's (`r0 = 2`). Map
//! references show the map's id, as bpftool shows them: `r1 = map[id:5] ll`
//! and `r1 = map[id:5][0]+8 ll` for a value address; helper calls name the
//! kernel function (`call bpf_ktime_get_ns`, see [`crate::kallsyms`]).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use bpfkit::asm::{Imm64, Insn, RawInsn, decode};
use bpfkit::prog::Program;

use crate::args::{Args, Word, is_prefix};
use crate::json::JsonWriter;
use crate::kallsyms::CallSymbols;
use crate::out::{CliError, Output};
use crate::prog::{header_plain, write_header_json};
use crate::select::{ProgSelector, bad_arg, looks_numeric};
use crate::text;

/// The opcode of `LD_IMM64`, the one instruction of two slots.
const LD_IMM64: u8 = 0x18;
/// The opcode of `call` (`BPF_JMP | BPF_CALL`).
const CALL: u8 = 0x85;

/// What to print besides each instruction.
#[derive(Clone, Debug, Default)]
struct DumpOptions {
    /// `opcodes`: the instruction's bytes too.
    opcodes: bool,
    /// `file FILE`: write the raw instructions there instead.
    file: Option<PathBuf>,
}

/// Runs `prog dump ...` (the words after `dump`).
pub fn run(args: &mut Args, output: Output) -> Result<(), CliError> {
    let words = args.rest();
    let rest = match words.split_first() {
        // Our short form: `prog dump ID`.
        Some((first, _)) if looks_numeric(first) => &words[..],
        Some((mode, _)) if is_prefix(mode, "jited") => {
            return Err(CliError::new(
                "bpfkit does not disassemble JITed machine code; use 'prog dump xlated'",
            ));
        }
        Some((mode, rest)) if is_prefix(mode, "xlated") => rest,
        Some((mode, _)) => {
            return Err(CliError::new(format!("expected 'xlated' or 'jited', got: {mode}")));
        }
        None => return Err(CliError::usage("expected 'xlated' and a program")),
    };
    let (selector, used) = ProgSelector::take(rest)?;
    let progs = selector.open()?;
    let options = parse_options(&rest[used..], progs.len())?;
    dump(&progs, &options, output)
}

fn parse_options(words: &[Word], matched: usize) -> Result<DumpOptions, CliError> {
    let mut options = DumpOptions::default();
    let mut linum = false;
    let mut words = words.iter();
    while let Some(word) = words.next() {
        if is_prefix(word, "file") {
            let Some(path) = words.next() else {
                return Err(CliError::new("expected file path"));
            };
            if matched > 1 {
                return Err(CliError::new("several programs matched"));
            }
            options.file = Some(path.path().to_owned());
        } else if is_prefix(word, "opcodes") {
            options.opcodes = true;
        } else if is_prefix(word, "visual") {
            return Err(CliError::new("bpfkit does not draw control-flow graphs ('visual')"));
        } else if is_prefix(word, "linum") {
            // Line numbers come from BTF line info, which bpfkit's programs
            // do not carry: nothing to add.
            linum = true;
        } else {
            return Err(bad_arg(word));
        }
    }
    if options.file.is_some() && (options.opcodes || linum) {
        return Err(CliError::new("'file' is not compatible with 'opcodes', 'visual', or 'linum'"));
    }
    Ok(options)
}

fn dump(progs: &[Program], options: &DumpOptions, output: Output) -> Result<(), CliError> {
    let several = progs.len() > 1;
    let mut w = output.writer();
    let mut text = String::new();
    if output.json && several {
        w.start_array();
    }
    for (i, prog) in progs.iter().enumerate() {
        let info = prog.info()?;
        let slots = prog.xlated_insns()?;
        if slots.is_empty() {
            return Err(CliError::new("error retrieving insn dump: kernel.kptr_restrict set?"));
        }
        if output.json && several {
            w.start_object();
            write_header_json(&mut w, &info);
            w.name("insns");
        } else if several {
            text.push_str(&header_plain(&info));
        }
        if let Some(path) = &options.file {
            write_file(path, &slots)?;
            if output.json {
                w.null();
            }
        } else if output.json {
            write_json(&mut w, &slots, options.opcodes);
        } else {
            text.push_str(&plain(&slots, options.opcodes));
        }
        if output.json && several {
            w.end_object();
        } else if several && i + 1 != progs.len() {
            text.push('\n');
        }
    }
    if output.json && several {
        w.end_array();
    }
    if output.json {
        output.print(&w.finish());
    } else {
        output.print(&text);
    }
    Ok(())
}

fn write_file(path: &Path, slots: &[RawInsn]) -> Result<(), CliError> {
    let bytes: Vec<u8> = slots.iter().flat_map(|s| s.to_bytes()).collect();
    std::fs::write(path, bytes).map_err(|e| {
        CliError::new(format!("can't open file {}: {}", text::os(path), strip_os_error(&e)))
    })
}

fn strip_os_error(e: &std::io::Error) -> String {
    let full = e.to_string();
    full.split(" (os error").next().unwrap_or(&full).to_owned()
}

/// One instruction per entry: where it starts, its text, its slots.
fn instructions(slots: &[RawInsn]) -> Vec<(usize, String, &[RawInsn])> {
    let calls: Vec<i32> = slots.iter().filter(|s| is_kernel_call(s)).map(|s| s.imm).collect();
    let symbols = if calls.is_empty() { None } else { CallSymbols::load(&calls) };
    let mut out = Vec::new();
    let mut at = 0;
    while at < slots.len() {
        // As bpftool does: LD_IMM64 takes two slots whatever follows.
        let width = if slots[at].code == LD_IMM64 && at + 1 < slots.len() { 2 } else { 1 };
        let (insn, _) = decode(&slots[at..at + width]);
        let named = symbols.as_ref().filter(|_| is_kernel_call(&slots[at]));
        let text = match named.and_then(|s| s.name(slots[at].imm)) {
            Some(function) => format!("call {function}"),
            None => disasm(&insn),
        };
        out.push((at, text, &slots[at..at + width]));
        at += width;
    }
    out
}

/// A call of a helper or kfunc (`src_reg` 0 or 2), whose `imm` the
/// verifier turned into the function's offset from `__bpf_call_base`.
fn is_kernel_call(slot: &RawInsn) -> bool {
    slot.code == CALL && matches!(slot.src(), 0 | 2)
}

/// bpfkit's text for an instruction of a translated program: map
/// references by map id.
fn disasm(insn: &Insn) -> String {
    match insn {
        Insn::LdImm64 { dst, value: Imm64::MapFd(map) } => {
            format!("{dst} = map[id:{}] ll", map.fd_number() as u32)
        }
        Insn::LdImm64 { dst, value: Imm64::MapValue { map, offset } } => {
            format!("{dst} = map[id:{}][0]+{offset} ll", map.fd_number() as u32)
        }
        other => other.to_string(),
    }
}

/// The dump as `bpftool prog dump xlated` prints it.
fn plain(slots: &[RawInsn], opcodes: bool) -> String {
    let mut s = String::new();
    for (at, text, insn_slots) in instructions(slots) {
        // C's "% 4d": a space for the sign, then at least three digits' width.
        writeln!(s, " {at:>3}: {text}").ok();
        if opcodes {
            let hex: Vec<String> = insn_slots
                .iter()
                .flat_map(|slot| slot.to_bytes())
                .map(|b| format!("{b:02x}"))
                .collect();
            writeln!(s, "       {}", hex.join(" ")).ok();
        }
    }
    s
}

/// The dump as `bpftool -j prog dump xlated` prints it: an array of
/// `{"disasm": ...}`, with `"opcodes"` on request.
fn write_json(w: &mut JsonWriter, slots: &[RawInsn], opcodes: bool) {
    w.start_array();
    for (_, text, insn_slots) in instructions(slots) {
        w.start_object().string_field("disasm", &text);
        if opcodes {
            let first = insn_slots[0];
            let bytes: Vec<u8> = insn_slots.iter().flat_map(|slot| slot.to_bytes()).collect();
            w.name("opcodes").start_object();
            w.string_field("code", &format!("0x{:02x}", first.code));
            w.string_field("src_reg", &format!("0x{:x}", first.src()));
            w.string_field("dst_reg", &format!("0x{:x}", first.dst()));
            w.name("off");
            hex_array(w, &bytes[2..4]);
            // The immediate runs on into the second slot of an LD_IMM64.
            w.name("imm");
            hex_array(w, &bytes[4..]);
            w.end_object();
        }
        w.end_object();
    }
    w.end_array();
}

fn hex_array(w: &mut JsonWriter, bytes: &[u8]) {
    w.start_array();
    for b in bytes {
        w.string(&format!("0x{b:02x}"));
    }
    w.end_array();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_references_show_ids_and_numbering_skips_the_second_slot() {
        let slots = [
            RawInsn::new(0x18, 1, 1, 0, 5),
            RawInsn::new(0, 0, 0, 0, 0),
            RawInsn::new(0x18, 2, 2, 0, 6),
            RawInsn::new(0, 0, 0, 0, 312),
            RawInsn::new(0xb7, 0, 0, 0, 2),
            RawInsn::new(0x95, 0, 0, 0, 0),
        ];
        assert_eq!(
            plain(&slots, false),
            "   0: r1 = map[id:5] ll\n   2: r2 = map[id:6][0]+312 ll\n   4: r0 = 2\n   5: exit\n"
        );
        let with_bytes = plain(&slots[4..], true);
        assert_eq!(
            with_bytes,
            "   0: r0 = 2\n       b7 00 00 00 02 00 00 00\n   1: exit\n       95 00 00 00 00 00 00 00\n"
        );
    }

    #[test]
    fn wide_indexes_keep_the_sign_space() {
        let slots = vec![RawInsn::new(0x95, 0, 0, 0, 0); 1001];
        let text = plain(&slots, false);
        assert!(text.contains("\n 999: exit\n 1000: exit\n"), "{}", &text[text.len() - 40..]);
    }

    #[test]
    fn json_opcodes_run_into_the_second_slot() {
        let slots = [RawInsn::new(0x18, 1, 1, 0, 0x0021_3141), RawInsn::new(0, 0, 0, 0, 0)];
        let mut w = JsonWriter::new(false);
        write_json(&mut w, &slots, true);
        assert_eq!(
            w.finish(),
            "[{\"disasm\":\"r1 = map[id:2175297] ll\",\"opcodes\":{\"code\":\"0x18\",\
             \"src_reg\":\"0x1\",\"dst_reg\":\"0x1\",\"off\":[\"0x00\",\"0x00\"],\
             \"imm\":[\"0x41\",\"0x31\",\"0x21\",\"0x00\",\"0x00\",\"0x00\",\"0x00\",\"0x00\",\
             \"0x00\",\"0x00\",\"0x00\",\"0x00\"]}}]\n"
        );
    }
}
