//! LLVM's BPF assembler syntax for instructions.
//!
//! The spelling is the one `llvm-objdump-19 -d --mattr=+alu32
//! --no-print-imm-hex` prints and `llvm-mc-19` reads back: `r0 = 2`,
//! `if r1 > r2 goto +3`, `lock *(u64 *)(r0 + 0) += r1`, `r1 = -1 ll`,
//! `w1 = *(u32 *)(r2 + 8)` (a narrow load names a `w` register, as it
//! zero-extends), `ld_pseudo\tr1, 1, 3` for a 64-bit pseudo load whose
//! second slot is zero. Where LLVM's text would lose bits this crate has
//! its own: `r1 = map_value(3, 8) ll`, `r1 = btf_id(1234, 5) ll`,
//! `r1 = map_idx_value(0, 8) ll`, `call pc+5` for a local call (objdump
//! prints `call 5`, a helper call), `call kfunc(1234)`,
//! `r0 = *(u8 *)skb[r1 + 5]` (objdump drops the offset), a name for a map or
//! a label, and `.8byte 0x...` for a word that is no instruction.

use std::fmt;

use super::encode::{decode_all, imm64_fields};
use super::insn::RawInsn;
use super::ir::{Call, Imm64, Insn};
use super::label::Target;
use super::map_ref::{MapRef, SharedMap};
use super::opcode::{AtomicOp, ByteOrder, Size, Width};
use super::reg::{AnyReg, Src};

/// A register named for a width: `r3` or `w3`.
struct R(u8, Width);

impl fmt::Display for R {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefix = if self.1 == Width::Bits64 { 'r' } else { 'w' };
        write!(f, "{prefix}{}", self.0)
    }
}

struct Operand(Src, Width);

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Src::Reg(r) => R(r.number(), self.1).fmt(f),
            Src::Imm(v) => write!(f, "{v}"),
        }
    }
}

/// `(r1 + 8)` / `(r10 - 4)`: a base register and a signed offset.
struct Addr(AnyReg, i16);

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (sign, magnitude) =
            if self.1 < 0 { ('-', -i32::from(self.1)) } else { ('+', i32::from(self.1)) };
        write!(f, "{} {sign} {magnitude}", self.0)
    }
}

struct Off(Target);

impl fmt::Display for Off {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Target::Offset(o) => write!(f, "{o:+}"),
            Target::Label(l) => write!(f, "{l}"),
        }
    }
}

/// The register width LLVM (with ALU32) names in a plain load or store of
/// `size`: `w` below 64 bits, since such a load zero-extends.
fn narrow(size: Size) -> Width {
    if size == Size::DW { Width::Bits64 } else { Width::Bits32 }
}

fn ty(size: Size, signed: bool) -> &'static str {
    match (size, signed) {
        (Size::B, false) => "u8",
        (Size::H, false) => "u16",
        (Size::W, false) => "u32",
        (Size::DW, false) => "u64",
        (Size::B, true) => "s8",
        (Size::H, true) => "s16",
        (Size::W, true) => "s32",
        (Size::DW, true) => "s64",
    }
}

/// How a live map shows: by its name, or `map` when it has none.
fn shown(map: &SharedMap) -> &str {
    if map.name().is_empty() { "map" } else { map.name() }
}

/// A 64-bit load: LLVM's `r1 = -1 ll` for a constant and `r1 = name ll` for
/// a map by name; `ld_pseudo r1, KIND, IMM`, as llvm-objdump prints every
/// other kind, where that text holds every bit (the second slot's `imm` is
/// zero); this crate's spelling where it would drop the offset or BTF fd.
fn ld_imm64(f: &mut fmt::Formatter<'_>, dst: AnyReg, value: &Imm64) -> fmt::Result {
    match value {
        Imm64::Const(v) => return write!(f, "{dst} = {} ll", *v as i64),
        Imm64::MapFd(MapRef::Name(name)) => return write!(f, "{dst} = {name} ll"),
        Imm64::MapValue { map: MapRef::Name(name), offset } => {
            return write!(f, "{dst} = map_value({name}, {offset}) ll");
        }
        // A live map by its name, as a map by name reads: the fd is the loader's.
        Imm64::MapFd(MapRef::Map(map)) => return write!(f, "{dst} = {} ll", shown(map)),
        Imm64::MapValue { map: MapRef::Map(map), offset } => {
            return write!(f, "{dst} = map_value({}, {offset}) ll", shown(map));
        }
        Imm64::Func(Target::Label(l)) => return write!(f, "{dst} = func({l}) ll"),
        _ => {}
    }
    match (value, imm64_fields(value)) {
        (_, Ok((kind, imm, 0))) => write!(f, "ld_pseudo\t{dst}, {kind}, {}", imm as u32),
        (Imm64::MapValue { map, offset }, _) => {
            write!(f, "{dst} = map_value({}, {offset}) ll", map.fd_number())
        }
        (Imm64::BtfId { id, btf_fd }, _) => write!(f, "{dst} = btf_id({id}, {btf_fd}) ll"),
        (Imm64::MapIdxValue { index, offset }, _) => {
            write!(f, "{dst} = map_idx_value({index}, {offset}) ll")
        }
        // A kind no variant has, as given (it does not encode, and the
        // parser refuses it); every other form has a zero second slot.
        (Imm64::Pseudo { kind, imm }, _) => write!(f, "ld_pseudo\t{dst}, {kind}, {}", *imm as u32),
        (_, fields) => {
            let (kind, imm, _) = fields.unwrap_or_default();
            write!(f, "ld_pseudo\t{dst}, {kind}, {}", imm as u32)
        }
    }
}

impl fmt::Display for Insn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Insn::Alu { width, op, dst, src } => {
                write!(f, "{} {} {}", R(dst.number(), *width), op.operator(), Operand(*src, *width))
            }
            Insn::MovSx { width, from, dst, src } => {
                write!(
                    f,
                    "{} = (s{}){}",
                    R(dst.number(), *width),
                    *from as u8,
                    R(src.number(), *width)
                )
            }
            Insn::Neg { width, dst } => {
                let r = R(dst.number(), *width);
                write!(f, "{r} = -{r}")
            }
            Insn::Endian { order, bits, dst } => {
                let name = match order {
                    ByteOrder::ToLe => "le",
                    ByteOrder::ToBe => "be",
                    ByteOrder::Swap => "bswap",
                };
                write!(f, "{dst} = {name}{} {dst}", *bits as u8)
            }
            Insn::Jump { width, cond, dst, src, target } => write!(
                f,
                "if {} {} {} goto {}",
                R(dst.number(), *width),
                cond.operator(),
                Operand(*src, *width),
                Off(*target)
            ),
            Insn::Ja { target } => write!(f, "goto {}", Off(*target)),
            Insn::Gotol { target } => write!(f, "gotol {}", Off(*target)),
            Insn::MayGoto { target } => write!(f, "may_goto {}", Off(*target)),
            Insn::Call(Call::Helper(id)) => write!(f, "call {}", id.0),
            Insn::Call(Call::Local(Target::Offset(o))) => write!(f, "call pc{o:+}"),
            Insn::Call(Call::Local(Target::Label(l))) => write!(f, "call {l}"),
            Insn::Call(Call::Kfunc { btf_id, fd_index: 0 }) => write!(f, "call kfunc({btf_id})"),
            Insn::Call(Call::Kfunc { btf_id, fd_index }) => {
                write!(f, "call kfunc({btf_id}, {fd_index})")
            }
            Insn::Call(Call::KfuncNamed(name)) => write!(f, "call kfunc({name})"),
            Insn::Exit => f.write_str("exit"),
            Insn::CallX { target } => write!(f, "callx {target}"),
            Insn::AddrSpaceCast { dst, src, dst_as, src_as } => {
                write!(f, "{dst} = addr_space_cast({src}, {dst_as}, {src_as})")
            }
            Insn::LdImm64 { dst, value } => ld_imm64(f, *dst, value),
            Insn::Load { size, dst, src, off } => {
                let dst = R(dst.number(), narrow(*size));
                write!(f, "{dst} = *({} *)({})", ty(*size, false), Addr(*src, *off))
            }
            Insn::LoadSx { size, dst, src, off } => {
                write!(f, "{dst} = *({} *)({})", ty(*size, true), Addr(*src, *off))
            }
            Insn::Store { size, dst, off, src } => {
                write!(
                    f,
                    "*({} *)({}) = {}",
                    ty(*size, false),
                    Addr(*dst, *off),
                    Operand(*src, narrow(*size))
                )
            }
            Insn::Atomic { width, op, dst, off, src } => {
                let size = if *width == Width::Bits64 { Size::DW } else { Size::W };
                let s = R(src.number(), *width);
                let (t, addr) = (ty(size, false), Addr(*dst, *off));
                let bits = if *width == Width::Bits64 { "64" } else { "32_32" };
                match op {
                    AtomicOp::Add => write!(f, "lock *({t} *)({addr}) += {s}"),
                    AtomicOp::Or => write!(f, "lock *({t} *)({addr}) |= {s}"),
                    AtomicOp::And => write!(f, "lock *({t} *)({addr}) &= {s}"),
                    AtomicOp::Xor => write!(f, "lock *({t} *)({addr}) ^= {s}"),
                    AtomicOp::FetchAdd => write!(f, "{s} = atomic_fetch_add(({t} *)({addr}), {s})"),
                    AtomicOp::FetchOr => write!(f, "{s} = atomic_fetch_or(({t} *)({addr}), {s})"),
                    AtomicOp::FetchAnd => write!(f, "{s} = atomic_fetch_and(({t} *)({addr}), {s})"),
                    AtomicOp::FetchXor => write!(f, "{s} = atomic_fetch_xor(({t} *)({addr}), {s})"),
                    AtomicOp::Xchg => write!(
                        f,
                        "{s} = xchg{}({addr}, {s})",
                        if bits == "64" { "_64" } else { "32_32" }
                    ),
                    AtomicOp::CmpXchg => {
                        let r0 = R(0, *width);
                        write!(
                            f,
                            "{r0} = cmpxchg{}({addr}, {r0}, {s})",
                            if bits == "64" { "_64" } else { "32_32" }
                        )
                    }
                }
            }
            Insn::LdAbs { size, imm } => write!(f, "r0 = *({} *)skb[{imm}]", ty(*size, false)),
            Insn::LdInd { size, src, imm: 0 } => {
                write!(f, "r0 = *({} *)skb[{src}]", ty(*size, false))
            }
            Insn::LdInd { size, src, imm } => {
                let (sign, magnitude) =
                    if *imm < 0 { ('-', -i64::from(*imm)) } else { ('+', i64::from(*imm)) };
                write!(f, "r0 = *({} *)skb[{src} {sign} {magnitude}]", ty(*size, false))
            }
            Insn::Raw(raw) => write!(f, ".8byte {:#018x}", raw.to_word()),
        }
    }
}

/// The text of `slots`, one instruction a line, as `llvm-objdump-19 -d
/// --mattr=+alu32 --no-print-imm-hex` prints them (`.8byte 0x...` for a slot
/// that is no instruction, or has bits its instruction does not use), such
/// that [`parse`](super::parse) reads it back to exactly `slots`.
///
/// ```
/// use bpfkit::asm::{RawInsn, disassemble, parse};
///
/// let slots = [RawInsn::new(0xb7, 0, 0, 0, 2), RawInsn::new(0xff, 0, 0, 0, 0)];
/// let text = disassemble(&slots);
/// assert_eq!(text, "r0 = 2\n.8byte 0x00000000000000ff\n");
/// assert_eq!(parse(&text)?.assemble()?.insns(), slots);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn disassemble(slots: &[RawInsn]) -> String {
    decode_all(slots).iter().map(|insn| format!("{insn}\n")).collect()
}
