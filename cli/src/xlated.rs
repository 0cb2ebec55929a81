//! `bpfkit prog dump xlated PROG` (and our short `prog dump ID`): the
//! kernel's translated instructions, disassembled by bpfkit in LLVM's
//! syntax, laid out as bpftool 7.1 lays out its own dump.
//!
//! bpftool prints each instruction as `% 4d: ` and the kernel verifier's
//! text (`(b7) r0 = 2`); here the text is bpfkit's (`r0 = 2`). Map
//! references show the map's id, as bpftool shows them: `r1 = map[id:5] ll`
//! and `r1 = map[id:5][0]+8 ll` for a value address; helper and kfunc
//! calls name the kernel function (`call bpf_ktime_get_ns`, see
//! [`crate::kallsyms`]). The two forms only a translated program has read as
//! bpftool reads them: a call of a subprogram, whose `off` the kernel made
//! the pc offset and whose `imm` the subprogram's index, is
//! `call pc+5#bpf_prog_<tag>_<function>` (the symbol of the subprogram's
//! JIT-compiled code; `#0x<address>` when kallsyms has none, nothing for an
//! interpreted program), and the address of a subprogram (`BPF_PSEUDO_FUNC`,
//! a callback) is `r2 = subprog[+9] ll`. A program with BTF also gets its
//! functions' prototypes and its source lines, as bpftool prints them
//! (`linum` adds file, line and column): see [`crate::xlated_btf`].

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use bpfkit::asm::{AnyReg, Call, Imm64, Insn, RawInsn, Target, decode};
use bpfkit::prog::Program;

use crate::args::{Args, Word, is_prefix};
use crate::json::JsonWriter;
use crate::kallsyms::CallSymbols;
use crate::out::{CliError, Output};
use crate::prog::{header_plain, write_header_json};
use crate::select::{ProgSelector, bad_arg, looks_numeric};
use crate::text;
use crate::xlated_btf::ProgBtf;

/// What to print besides each instruction.
#[derive(Clone, Debug, Default)]
struct DumpOptions {
    /// `opcodes`: the instruction's bytes too.
    opcodes: bool,
    /// `file FILE`: write the raw instructions there instead.
    file: Option<PathBuf>,
    /// `linum`: each source line's file, line and column too.
    linum: bool,
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
            options.linum = true;
        } else {
            return Err(bad_arg(word));
        }
    }
    if options.file.is_some() && (options.opcodes || options.linum) {
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
        } else {
            // Where the subprograms' code is, to name local calls' targets.
            let ksyms = prog.jited_ksyms()?;
            let btf = ProgBtf::of(prog, info.btf_id)?;
            if output.json {
                write_json(&mut w, &slots, &ksyms, options, btf.as_ref());
            } else {
                text.push_str(&plain(&slots, &ksyms, options, btf.as_ref()));
            }
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

/// An instruction of a translated program, with the two forms only the
/// kernel writes (after `jit_subprogs`), which the decoder keeps as raw
/// bytes.
enum Xlated {
    /// An instruction the decoder reads.
    Insn(Insn),
    /// A call of a subprogram (`BPF_PSEUDO_CALL`): the kernel moved the pc
    /// offset into `off` and put the subprogram's index into `imm`.
    LocalCall {
        /// The offset to the subprogram, from the next instruction.
        pc: i16,
        /// The subprogram's index in the program's `jited_ksyms`.
        index: i32,
    },
    /// The address of a subprogram (`LD_IMM64` with `BPF_PSEUDO_FUNC`, e.g. a
    /// `bpf_loop` callback): the second slot's `imm` holds its index.
    SubprogAddr {
        /// The register loaded.
        dst: AnyReg,
        /// The offset to the subprogram, from the next instruction.
        pc: i32,
    },
}

impl Xlated {
    /// The instruction whose slots are `slots` (two for an `LD_IMM64`).
    fn read(slots: &[RawInsn]) -> Xlated {
        // The kernel's forms, put back into the ones the decoder knows:
        // pc offset in `imm`, nothing in the second slot's `imm`.
        match *slots {
            [first] => {
                let call = RawInsn::new(first.code, first.dst(), first.src(), 0, first.off.into());
                if let (Insn::Call(Call::Local(_)), _) = decode(&[call]) {
                    return Xlated::LocalCall { pc: first.off, index: first.imm };
                }
            }
            [first, second] => {
                let second = RawInsn::new(second.code, second.dst(), second.src(), second.off, 0);
                if let (Insn::LdImm64 { dst, value: Imm64::Func(Target::Offset(pc)) }, 2) =
                    decode(&[first, second])
                {
                    return Xlated::SubprogAddr { dst, pc };
                }
            }
            _ => {}
        }
        Xlated::Insn(decode(slots).0)
    }

    /// The `imm` of a helper or kfunc call, which the verifier turned into
    /// the function's offset from `__bpf_call_base`.
    fn kernel_call(&self) -> Option<i32> {
        match self {
            Xlated::Insn(Insn::Call(Call::Helper(id))) => Some(id.0),
            Xlated::Insn(Insn::Call(Call::Kfunc { btf_id, .. })) => Some(*btf_id),
            _ => None,
        }
    }

    /// The instruction's text; `ksyms` are the program's `jited_ksyms`.
    fn text(&self, symbols: Option<&CallSymbols>, ksyms: &[u64]) -> String {
        match self {
            Xlated::LocalCall { pc, index } => {
                format!("call pc{pc:+}{}", local_call_target(*index, symbols, ksyms))
            }
            Xlated::SubprogAddr { dst, pc } => format!("{dst} = subprog[{pc:+}] ll"),
            Xlated::Insn(insn) => match self.kernel_call().and_then(|imm| symbols?.name(imm)) {
                Some(function) => format!("call {function}"),
                None => disasm(insn),
            },
        }
    }
}

/// What bpftool's `print_call_pcrel` prints after `call pc+N`: nothing for
/// a program without JIT-compiled functions, else `#` and the symbol of the
/// subprogram's code (`bpf_prog_<tag>_<function>`), or its address when
/// kallsyms has no name for it.
fn local_call_target(index: i32, symbols: Option<&CallSymbols>, ksyms: &[u64]) -> String {
    if ksyms.is_empty() {
        return String::new();
    }
    // As bpftool: the subprogram's entry in `jited_ksyms`, or else
    // `__bpf_call_base` plus the index.
    let address = match usize::try_from(index).ok().and_then(|i| ksyms.get(i)) {
        Some(&address) => address,
        None => symbols.map_or(0, CallSymbols::base).wrapping_add_signed(i64::from(index)),
    };
    match symbols.and_then(|s| s.name_at(address)) {
        Some(name) => format!("#{name}"),
        None => format!("#0x{address:x}"),
    }
}

/// One instruction per entry: where it starts, its text, its slots.
/// `ksyms` are the program's `jited_ksyms`.
fn instructions<'a>(slots: &'a [RawInsn], ksyms: &[u64]) -> Vec<(usize, String, &'a [RawInsn])> {
    let mut read = Vec::new();
    let mut at = 0;
    while at < slots.len() {
        // As bpftool does: LD_IMM64 takes two slots by its opcode alone,
        // whatever its other fields and whatever follows.
        let width = if at + 1 < slots.len() { slots[at].slots() } else { 1 };
        read.push((at, Xlated::read(&slots[at..at + width]), &slots[at..at + width]));
        at += width;
    }
    let calls: Vec<i32> = read.iter().filter_map(|(_, insn, _)| insn.kernel_call()).collect();
    // Subprogram calls are named only by the symbols of JIT-compiled code.
    let named_locals = !ksyms.is_empty()
        && read.iter().any(|(_, insn, _)| matches!(insn, Xlated::LocalCall { .. }));
    let symbols =
        if calls.is_empty() && !named_locals { None } else { CallSymbols::load(&calls, ksyms) };
    read.into_iter()
        .map(|(at, insn, slots)| (at, insn.text(symbols.as_ref(), ksyms), slots))
        .collect()
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
fn plain(slots: &[RawInsn], ksyms: &[u64], options: &DumpOptions, btf: Option<&ProgBtf>) -> String {
    let mut s = String::new();
    let mut notes = btf.map(ProgBtf::cursor);
    for (at, text, insn_slots) in instructions(slots, ksyms) {
        if let Some(cursor) = &mut notes {
            cursor.at(at).plain(options.linum, &mut s);
        }
        // C's "% 4d": a space for the sign, then at least three digits' width.
        writeln!(s, " {at:>3}: {text}").ok();
        if options.opcodes {
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
fn write_json(
    w: &mut JsonWriter,
    slots: &[RawInsn],
    ksyms: &[u64],
    options: &DumpOptions,
    btf: Option<&ProgBtf>,
) {
    w.start_array();
    let mut notes = btf.map(ProgBtf::cursor);
    for (at, text, insn_slots) in instructions(slots, ksyms) {
        w.start_object();
        if let Some(cursor) = &mut notes {
            cursor.at(at).json(options.linum, w);
        }
        w.string_field("disasm", &text);
        if options.opcodes {
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

    const OPCODES: DumpOptions = DumpOptions { opcodes: true, file: None, linum: false };

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
            plain(&slots, &[], &DumpOptions::default(), None),
            "   0: r1 = map[id:5] ll\n   2: r2 = map[id:6][0]+312 ll\n   4: r0 = 2\n   5: exit\n"
        );
        let with_bytes = plain(&slots[4..], &[], &OPCODES, None);
        assert_eq!(
            with_bytes,
            "   0: r0 = 2\n       b7 00 00 00 02 00 00 00\n   1: exit\n       95 00 00 00 00 00 00 00\n"
        );
    }

    /// A main program calling subprogram 1 (at 3) and loading the address
    /// of subprogram 2 (at 6), which calls subprogram 1 back, as the kernel
    /// hands them back: pc offset in `off`, index in `imm`.
    fn with_subprograms() -> Vec<RawInsn> {
        vec![
            RawInsn::new(0x85, 0, 1, 1, 1),
            RawInsn::new(0x18, 2, 4, 0, 3),
            RawInsn::new(0, 0, 0, 0, 2),
            RawInsn::new(0x95, 0, 0, 0, 0),
            RawInsn::new(0xb7, 0, 0, 0, 0),
            RawInsn::new(0x95, 0, 0, 0, 0),
            RawInsn::new(0x85, 0, 1, -4, 1),
            RawInsn::new(0x95, 0, 0, 0, 0),
        ]
    }

    #[test]
    fn subprogram_calls_and_addresses_read_as_bpftool_reads_them() {
        // Interpreted: no JIT-compiled functions, no target.
        assert_eq!(
            plain(&with_subprograms(), &[], &DumpOptions::default(), None),
            "   0: call pc+1\n   1: r2 = subprog[+3] ll\n   3: exit\n   4: r0 = 0\n   5: exit\n\
             \x20  6: call pc-4\n   7: exit\n"
        );
        // JIT-compiled at addresses kallsyms does not name: the address.
        let ksyms = [0x10, 0xffff_ffff_c0de_0011, 0x12];
        let text = plain(&with_subprograms(), &ksyms, &DumpOptions::default(), None);
        assert!(text.starts_with("   0: call pc+1#0xffffffffc0de0011\n"), "{text}");
        assert!(text.contains("\n   6: call pc-4#0xffffffffc0de0011\n"), "{text}");
    }

    #[test]
    fn a_subprogram_call_is_never_read_as_an_ordinary_one() {
        // `off` 0 and `imm` 1 would read as `call pc+1`; in a translated
        // program it is subprogram 1, at pc+0.
        let slots = [RawInsn::new(0x85, 0, 1, 0, 1)];
        assert_eq!(plain(&slots, &[], &DumpOptions::default(), None), "   0: call pc+0\n");
        // A helper call's `imm` is no pc offset.
        let mut w = JsonWriter::new(false);
        write_json(
            &mut w,
            &[RawInsn::new(0x85, 0, 0, 0, 0x7fff_fff0)],
            &[],
            &DumpOptions::default(),
            None,
        );
        assert!(!w.finish().contains("pc"));
    }

    /// The first slot of `text`, assembled.
    fn first_slot(text: &str) -> RawInsn {
        bpfkit::asm::parse(text).unwrap().assemble().unwrap().insns()[0]
    }

    #[test]
    fn only_ld_imm64_takes_two_slots_whatever_its_fields() {
        let ld = first_slot("r1 = 5 ll").code;
        let wide: Vec<u8> =
            (0..=u8::MAX).filter(|&code| RawInsn::new(code, 0, 0, 0, 0).slots() == 2).collect();
        assert_eq!(wide, [ld]);
        // Fields no LD_IMM64 has (`off`, a `src` of no pseudo kind) do not
        // make it one slot, nor does a second slot that does not decode.
        let odd = [RawInsn::new(ld, 11, 15, 7, 1), RawInsn::new(u8::MAX, 1, 1, 1, 1)];
        assert_eq!(odd[0].slots(), 2);
        assert_eq!(plain(&odd, &[], &DumpOptions::default(), None).lines().count(), 1);
        assert_eq!(first_slot("call 1").slots(), 1);
    }

    #[test]
    fn wide_indexes_keep_the_sign_space() {
        let slots = vec![RawInsn::new(0x95, 0, 0, 0, 0); 1001];
        let text = plain(&slots, &[], &DumpOptions::default(), None);
        assert!(text.contains("\n 999: exit\n 1000: exit\n"), "{}", &text[text.len() - 40..]);
    }

    #[test]
    fn json_opcodes_run_into_the_second_slot() {
        let slots = [RawInsn::new(0x18, 1, 1, 0, 0x0021_3141), RawInsn::new(0, 0, 0, 0, 0)];
        let mut w = JsonWriter::new(false);
        write_json(&mut w, &slots, &[], &OPCODES, None);
        assert_eq!(
            w.finish(),
            "[{\"disasm\":\"r1 = map[id:2175297] ll\",\"opcodes\":{\"code\":\"0x18\",\
             \"src_reg\":\"0x1\",\"dst_reg\":\"0x1\",\"off\":[\"0x00\",\"0x00\"],\
             \"imm\":[\"0x41\",\"0x31\",\"0x21\",\"0x00\",\"0x00\",\"0x00\",\"0x00\",\"0x00\",\
             \"0x00\",\"0x00\",\"0x00\",\"0x00\"]}}]\n"
        );
    }
}
