//! `Insn` <-> `RawInsn`: one pure function each way.
//!
//! [`encode`] needs every target resolved to an offset (the assembler does
//! that). [`decode`] is total: a slot that encodes no instruction exactly —
//! an unknown opcode, a register above R10, a reserved field that is not zero —
//! decodes to [`Insn::Raw`], so decoding then encoding gives back the same
//! bytes for any input.

use thiserror::Error;

use super::helper::HelperId;
use super::insn::RawInsn;
use super::ir::{Call, Imm64, Insn};
use super::label::Target;
use super::map_ref::MapRef;
use super::opcode::{
    ALU_END, ALU_NEG, AluOp, AtomicOp, ByteOrder, Cond, LD_IMM64, SRC_X, Size, SwapBits, SxBits,
    Width, class, jmp, mode,
};
use super::reg::{AnyReg, Src};

const PSEUDO_MAP_FD: u8 = 1;
const PSEUDO_MAP_VALUE: u8 = 2;
const PSEUDO_BTF_ID: u8 = 3;
pub(crate) const PSEUDO_FUNC: u8 = 4;
const PSEUDO_MAP_IDX: u8 = 5;
const PSEUDO_MAP_IDX_VALUE: u8 = 6;
pub(crate) const PSEUDO_CALL: u8 = 1;
const PSEUDO_KFUNC_CALL: u8 = 2;
/// The `off` of a 64-bit register move that makes it `addr_space_cast`.
const ADDR_SPACE_CAST: i16 = 1;

/// Why an instruction cannot be encoded.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// A target is still a label: assemble the program instead.
    #[error("jump target {0} is not resolved; assemble the program to resolve labels")]
    UnresolvedLabel(super::label::Label),
    /// A resolved offset does not fit the instruction's field.
    #[error("offset {offset} does not fit the {bits}-bit offset field{}", hint(*bits))]
    OffsetOutOfRange {
        /// The offset in slots.
        offset: i64,
        /// The field width.
        bits: u8,
    },
    /// An operand combination the ISA does not have.
    #[error("{0}")]
    Invalid(&'static str),
}

fn hint(bits: u8) -> &'static str {
    if bits == 16 { " (use gotol for a longer unconditional jump)" } else { "" }
}

fn width_class(width: Width, c64: u8, c32: u8) -> u8 {
    match width {
        Width::Bits64 => c64,
        Width::Bits32 => c32,
    }
}

fn src_fields(src: Src) -> (u8, u8, i32) {
    match src {
        Src::Reg(r) => (SRC_X, r.number(), 0),
        Src::Imm(v) => (0, 0, v),
    }
}

fn off16(target: Target) -> Result<i16, EncodeError> {
    match target {
        Target::Label(l) => Err(EncodeError::UnresolvedLabel(l)),
        Target::Offset(o) => i16::try_from(o)
            .map_err(|_| EncodeError::OffsetOutOfRange { offset: o.into(), bits: 16 }),
    }
}

fn off32(target: Target) -> Result<i32, EncodeError> {
    match target {
        Target::Label(l) => Err(EncodeError::UnresolvedLabel(l)),
        Target::Offset(o) => Ok(o),
    }
}

/// Appends the one or two slots of `insn` to `out`.
pub fn encode(insn: &Insn, out: &mut Vec<RawInsn>) -> Result<(), EncodeError> {
    let one = match *insn {
        Insn::Alu { width, op, dst, src } => {
            let (op_bits, off) = op.code();
            let (x, s, imm) = src_fields(src);
            RawInsn::new(
                width_class(width, class::ALU64, class::ALU) | op_bits | x,
                dst.number(),
                s,
                off,
                imm,
            )
        }
        Insn::MovSx { width, from, dst, src } => {
            if width == Width::Bits32 && from == SxBits::B32 {
                return Err(EncodeError::Invalid(
                    "a 32-bit sign-extending move takes 8 or 16 bits",
                ));
            }
            let code = width_class(width, class::ALU64, class::ALU) | AluOp::Mov.code().0 | SRC_X;
            RawInsn::new(code, dst.number(), src.number(), from as i16, 0)
        }
        Insn::Neg { width, dst } => RawInsn::new(
            width_class(width, class::ALU64, class::ALU) | ALU_NEG,
            dst.number(),
            0,
            0,
            0,
        ),
        Insn::Endian { order, bits, dst } => {
            let code = match order {
                ByteOrder::ToLe => class::ALU | ALU_END,
                ByteOrder::ToBe => class::ALU | ALU_END | SRC_X,
                ByteOrder::Swap => class::ALU64 | ALU_END,
            };
            RawInsn::new(code, dst.number(), 0, 0, bits as i32)
        }
        Insn::Jump { width, cond, dst, src, target } => {
            let (x, s, imm) = src_fields(src);
            let code = width_class(width, class::JMP, class::JMP32) | cond.code() | x;
            RawInsn::new(code, dst.number(), s, off16(target)?, imm)
        }
        Insn::Ja { target } => RawInsn::new(class::JMP | jmp::JA, 0, 0, off16(target)?, 0),
        Insn::Gotol { target } => RawInsn::new(class::JMP32 | jmp::JA, 0, 0, 0, off32(target)?),
        Insn::MayGoto { target } => RawInsn::new(class::JMP | jmp::JCOND, 0, 0, off16(target)?, 0),
        Insn::Call(ref call) => {
            let code = class::JMP | jmp::CALL;
            match call {
                Call::Helper(HelperId(id)) => RawInsn::new(code, 0, 0, 0, *id),
                Call::Local(t) => RawInsn::new(code, 0, PSEUDO_CALL, 0, off32(*t)?),
                Call::Kfunc { btf_id, fd_index } => {
                    RawInsn::new(code, 0, PSEUDO_KFUNC_CALL, *fd_index, *btf_id)
                }
                // Id 0 until the loader finds the name in the kernel's BTF.
                Call::KfuncNamed(_) => RawInsn::new(code, 0, PSEUDO_KFUNC_CALL, 0, 0),
            }
        }
        Insn::Exit => RawInsn::new(class::JMP | jmp::EXIT, 0, 0, 0, 0),
        Insn::CallX { target } => {
            RawInsn::new(class::JMP | jmp::CALL | SRC_X, target.number(), 0, 0, 0)
        }
        Insn::AddrSpaceCast { dst, src, dst_as, src_as } => RawInsn::new(
            class::ALU64 | AluOp::Mov.code().0 | SRC_X,
            dst.number(),
            src.number(),
            ADDR_SPACE_CAST,
            (u32::from(dst_as) << 16 | u32::from(src_as)) as i32,
        ),
        Insn::LdImm64 { dst, ref value } => {
            let (src, lo, hi) = imm64_fields(value)?;
            out.push(RawInsn::new(LD_IMM64, dst.number(), src, 0, lo));
            out.push(RawInsn::new(0, 0, 0, 0, hi));
            return Ok(());
        }
        Insn::Load { size, dst, src, off } => {
            RawInsn::new(class::LDX | mode::MEM | size.bits(), dst.number(), src.number(), off, 0)
        }
        Insn::LoadSx { size, dst, src, off } => {
            if size == Size::DW {
                return Err(EncodeError::Invalid("sign-extending loads are 1, 2 or 4 bytes"));
            }
            RawInsn::new(class::LDX | mode::MEMSX | size.bits(), dst.number(), src.number(), off, 0)
        }
        Insn::Store { size, dst, off, src } => match src {
            Src::Imm(v) => {
                RawInsn::new(class::ST | mode::MEM | size.bits(), dst.number(), 0, off, v)
            }
            Src::Reg(r) => {
                RawInsn::new(class::STX | mode::MEM | size.bits(), dst.number(), r.number(), off, 0)
            }
        },
        Insn::Atomic { width, op, dst, off, src } => {
            let size = width_class(width, Size::DW.bits(), Size::W.bits());
            RawInsn::new(
                class::STX | mode::ATOMIC | size,
                dst.number(),
                src.number(),
                off,
                op.imm(),
            )
        }
        Insn::LdAbs { size: Size::DW, .. } | Insn::LdInd { size: Size::DW, .. } => {
            // The kernel rejects BPF_DW here ("BPF_LD_[ABS|IND] uses reserved
            // fields") and LLVM has no text for it.
            return Err(EncodeError::Invalid("legacy packet loads are 1, 2 or 4 bytes"));
        }
        Insn::LdAbs { size, imm } => {
            RawInsn::new(class::LD | mode::ABS | size.bits(), 0, 0, 0, imm)
        }
        Insn::LdInd { size, src, imm } => {
            RawInsn::new(class::LD | mode::IND | size.bits(), 0, src.number(), 0, imm)
        }
        Insn::Raw(raw) => raw,
    };
    out.push(one);
    Ok(())
}

/// The `src_reg`, first `imm` and second `imm` of an `LD_IMM64` loading
/// `value` (a map by name has fd 0 until it is bound).
pub(crate) fn imm64_fields(value: &Imm64) -> Result<(u8, i32, i32), EncodeError> {
    Ok(match value {
        Imm64::Const(v) => (0, *v as u32 as i32, (*v >> 32) as u32 as i32),
        Imm64::MapFd(m) => (PSEUDO_MAP_FD, m.fd_number(), 0),
        Imm64::MapValue { map, offset } => (PSEUDO_MAP_VALUE, map.fd_number(), *offset as i32),
        Imm64::BtfId { id, btf_fd } => (PSEUDO_BTF_ID, *id, *btf_fd),
        Imm64::Func(t) => (PSEUDO_FUNC, off32(*t)?, 0),
        Imm64::MapIdx(i) => (PSEUDO_MAP_IDX, *i as i32, 0),
        Imm64::MapIdxValue { index, offset } => {
            (PSEUDO_MAP_IDX_VALUE, *index as i32, *offset as i32)
        }
        Imm64::Pseudo { kind, imm } => {
            if !(PSEUDO_MAP_IDX_VALUE + 1..=15).contains(kind) {
                return Err(EncodeError::Invalid(
                    "an ld_pseudo without a variant of its own has a kind of 7 to 15",
                ));
            }
            (*kind, *imm, 0)
        }
    })
}

/// Decodes the instruction at the start of `slots`; returns it and how many
/// slots it took (1, or 2 for `LD_IMM64`). `slots` must not be empty.
pub fn decode(slots: &[RawInsn]) -> (Insn, usize) {
    let Some(&first) = slots.first() else {
        return (Insn::Raw(RawInsn::default()), 0);
    };
    let (insn, used) = match decode_fields(first, slots.get(1).copied()) {
        Some(pair) => pair,
        None => return (Insn::Raw(first), 1),
    };
    // Exactness: a slot whose unused fields are not zero would lose them in
    // the IR; keep it as raw bytes instead.
    let mut again = Vec::with_capacity(2);
    match encode(&insn, &mut again) {
        Ok(()) if again[..] == slots[..used] => (insn, used),
        _ => (Insn::Raw(first), 1),
    }
}

/// Decodes a whole program; total (see [`decode`]).
pub fn decode_all(slots: &[RawInsn]) -> Vec<Insn> {
    let mut out = Vec::with_capacity(slots.len());
    let mut at = 0;
    while at < slots.len() {
        let (insn, used) = decode(&slots[at..]);
        out.push(insn);
        at += used.max(1);
    }
    out
}

fn any(n: u8) -> Option<AnyReg> {
    AnyReg::from_number(n)
}

fn width_of(c: u8) -> Width {
    if c == class::ALU64 || c == class::JMP { Width::Bits64 } else { Width::Bits32 }
}

fn decode_fields(i: RawInsn, next: Option<RawInsn>) -> Option<(Insn, usize)> {
    let c = i.code & 0x07;
    let op = i.code & 0xf0;
    let x = i.code & SRC_X != 0;
    let src = |x: bool| -> Option<Src> {
        if x { Some(Src::Reg(any(i.src())?)) } else { Some(Src::Imm(i.imm)) }
    };
    let insn = match c {
        class::ALU | class::ALU64 => {
            let width = width_of(c);
            match op {
                ALU_NEG => Insn::Neg { width, dst: any(i.dst())? },
                ALU_END => {
                    let order = match (c, x) {
                        (class::ALU, false) => ByteOrder::ToLe,
                        (class::ALU, true) => ByteOrder::ToBe,
                        (_, false) => ByteOrder::Swap,
                        _ => return None,
                    };
                    let bits = match i.imm {
                        16 => SwapBits::B16,
                        32 => SwapBits::B32,
                        64 => SwapBits::B64,
                        _ => return None,
                    };
                    Insn::Endian { order, bits, dst: any(i.dst())? }
                }
                0xb0 if x && c == class::ALU64 && i.off == ADDR_SPACE_CAST => Insn::AddrSpaceCast {
                    dst: any(i.dst())?,
                    src: any(i.src())?,
                    dst_as: (i.imm as u32 >> 16) as u16,
                    src_as: i.imm as u16,
                },
                0xb0 if x && i.off != 0 => {
                    let from = match i.off {
                        8 => SxBits::B8,
                        16 => SxBits::B16,
                        32 => SxBits::B32,
                        _ => return None,
                    };
                    Insn::MovSx { width, from, dst: any(i.dst())?, src: any(i.src())? }
                }
                _ => {
                    let op = AluOp::from_code(op, i.off)?;
                    Insn::Alu { width, op, dst: any(i.dst())?, src: src(x)? }
                }
            }
        }
        class::JMP | class::JMP32 => {
            let target = Target::Offset(i.off.into());
            match (c, op) {
                (class::JMP, jmp::JA) => Insn::Ja { target },
                (class::JMP32, jmp::JA) => Insn::Gotol { target: Target::Offset(i.imm) },
                (class::JMP, jmp::JCOND) => Insn::MayGoto { target },
                (class::JMP, jmp::EXIT) => Insn::Exit,
                (class::JMP, jmp::CALL) if x => Insn::CallX { target: any(i.dst())? },
                (class::JMP, jmp::CALL) => Insn::Call(match i.src() {
                    0 => Call::Helper(HelperId(i.imm)),
                    PSEUDO_CALL => Call::Local(Target::Offset(i.imm)),
                    PSEUDO_KFUNC_CALL => Call::Kfunc { btf_id: i.imm, fd_index: i.off },
                    _ => return None,
                }),
                _ => {
                    let cond = Cond::from_code(op)?;
                    Insn::Jump { width: width_of(c), cond, dst: any(i.dst())?, src: src(x)?, target }
                }
            }
        }
        class::LDX => {
            let size = Size::from_bits(i.code);
            let (dst, src) = (any(i.dst())?, any(i.src())?);
            match i.code & 0xe0 {
                mode::MEM => Insn::Load { size, dst, src, off: i.off },
                mode::MEMSX => Insn::LoadSx { size, dst, src, off: i.off },
                _ => return None,
            }
        }
        class::ST => {
            if i.code & 0xe0 != mode::MEM {
                return None;
            }
            Insn::Store { size: Size::from_bits(i.code), dst: any(i.dst())?, off: i.off, src: Src::Imm(i.imm) }
        }
        class::STX => {
            let size = Size::from_bits(i.code);
            match i.code & 0xe0 {
                mode::MEM => Insn::Store { size, dst: any(i.dst())?, off: i.off, src: Src::Reg(any(i.src())?) },
                mode::ATOMIC => {
                    let width = match size {
                        Size::W => Width::Bits32,
                        Size::DW => Width::Bits64,
                        _ => return None,
                    };
                    let op = AtomicOp::from_imm(i.imm)?;
                    Insn::Atomic { width, op, dst: any(i.dst())?, off: i.off, src: any(i.src())? }
                }
                _ => return None,
            }
        }
        _ /* class::LD */ => {
            if i.code == LD_IMM64 {
                let hi = next?;
                if hi.code != 0 || hi.dst() != 0 || hi.src() != 0 || hi.off != 0 {
                    return None;
                }
                let value = match i.src() {
                    0 => Imm64::Const(u64::from(i.imm as u32) | (u64::from(hi.imm as u32) << 32)),
                    PSEUDO_MAP_FD => Imm64::MapFd(MapRef::Fd(i.imm)),
                    PSEUDO_MAP_VALUE => Imm64::MapValue { map: MapRef::Fd(i.imm), offset: hi.imm as u32 },
                    PSEUDO_BTF_ID => Imm64::BtfId { id: i.imm, btf_fd: hi.imm },
                    PSEUDO_FUNC => Imm64::Func(Target::Offset(i.imm)),
                    PSEUDO_MAP_IDX => Imm64::MapIdx(i.imm as u32),
                    PSEUDO_MAP_IDX_VALUE => Imm64::MapIdxValue { index: i.imm as u32, offset: hi.imm as u32 },
                    kind => Imm64::Pseudo { kind, imm: i.imm },
                };
                return Some((Insn::LdImm64 { dst: any(i.dst())?, value }, 2));
            }
            let size = Size::from_bits(i.code);
            match i.code & 0xe0 {
                mode::ABS => Insn::LdAbs { size, imm: i.imm },
                mode::IND => Insn::LdInd { size, src: any(i.src())?, imm: i.imm },
                _ => return None,
            }
        }
    };
    Some((insn, 1))
}
