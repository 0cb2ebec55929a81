//! The only place that knows the opcode bit values
//! (`linux/bpf_common.h`, `linux/bpf.h` and the ISA document for v4).
//!
//! The typed enums here are also the public vocabulary of the IR.

/// Instruction classes (low 3 bits).
pub(crate) mod class {
    pub const LD: u8 = 0x00;
    pub const LDX: u8 = 0x01;
    pub const ST: u8 = 0x02;
    pub const STX: u8 = 0x03;
    pub const ALU: u8 = 0x04;
    pub const JMP: u8 = 0x05;
    pub const JMP32: u8 = 0x06;
    pub const ALU64: u8 = 0x07;
}

/// Memory modes (high 3 bits of load/store opcodes).
pub(crate) mod mode {
    pub const IMM: u8 = 0x00;
    pub const ABS: u8 = 0x20;
    pub const IND: u8 = 0x40;
    pub const MEM: u8 = 0x60;
    pub const MEMSX: u8 = 0x80;
    pub const ATOMIC: u8 = 0xc0;
}

/// `BPF_LD | BPF_IMM | BPF_DW`: the first slot of a two-slot `LD_IMM64`.
pub(crate) const LD_IMM64: u8 = class::LD | mode::IMM | Size::DW.bits();

/// Source bit of ALU and JMP opcodes.
pub(crate) const SRC_X: u8 = 0x08;

/// ALU operations that are not in [`AluOp`].
pub(crate) const ALU_NEG: u8 = 0x80;
pub(crate) const ALU_END: u8 = 0xd0;

/// JMP operations that are not conditions.
pub(crate) mod jmp {
    pub const JA: u8 = 0x00;
    pub const CALL: u8 = 0x80;
    pub const EXIT: u8 = 0x90;
    pub const JCOND: u8 = 0xe0;
}

/// `BPF_FETCH`, or-ed into an atomic operation.
pub(crate) const FETCH: i32 = 0x01;

/// Operand width of ALU, jump and atomic instructions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Width {
    /// 32-bit (`BPF_ALU`, `BPF_JMP32`, `BPF_W` atomics): `w` registers.
    Bits32,
    /// 64-bit (`BPF_ALU64`, `BPF_JMP`, `BPF_DW` atomics): `r` registers.
    Bits64,
}

/// Memory access size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Size {
    /// 1 byte (`BPF_B`, `u8`).
    B,
    /// 2 bytes (`BPF_H`, `u16`).
    H,
    /// 4 bytes (`BPF_W`, `u32`).
    W,
    /// 8 bytes (`BPF_DW`, `u64`).
    DW,
}

impl Size {
    pub(crate) const fn bits(self) -> u8 {
        match self {
            Size::W => 0x00,
            Size::H => 0x08,
            Size::B => 0x10,
            Size::DW => 0x18,
        }
    }

    pub(crate) fn from_bits(op: u8) -> Size {
        match op & 0x18 {
            0x00 => Size::W,
            0x08 => Size::H,
            0x10 => Size::B,
            _ => Size::DW,
        }
    }

    /// The access size in bytes.
    pub fn bytes(self) -> usize {
        match self {
            Size::B => 1,
            Size::H => 2,
            Size::W => 4,
            Size::DW => 8,
        }
    }
}

/// Two-operand ALU operations (`dst = dst OP src`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AluOp {
    /// `+=`
    Add,
    /// `-=`
    Sub,
    /// `*=`
    Mul,
    /// `/=` unsigned
    Div,
    /// `s/=` signed (v4)
    SDiv,
    /// `%=` unsigned
    Mod,
    /// `s%=` signed (v4)
    SMod,
    /// `|=`
    Or,
    /// `&=`
    And,
    /// `^=`
    Xor,
    /// `<<=`
    Lsh,
    /// `>>=` logical
    Rsh,
    /// `s>>=` arithmetic
    Arsh,
    /// `=`
    Mov,
}

impl AluOp {
    /// Every operation.
    pub const ALL: [AluOp; 14] = [
        AluOp::Add,
        AluOp::Sub,
        AluOp::Mul,
        AluOp::Div,
        AluOp::SDiv,
        AluOp::Mod,
        AluOp::SMod,
        AluOp::Or,
        AluOp::And,
        AluOp::Xor,
        AluOp::Lsh,
        AluOp::Rsh,
        AluOp::Arsh,
        AluOp::Mov,
    ];

    /// The opcode bits and the `off` field that selects the signed variants.
    pub(crate) fn code(self) -> (u8, i16) {
        match self {
            AluOp::Add => (0x00, 0),
            AluOp::Sub => (0x10, 0),
            AluOp::Mul => (0x20, 0),
            AluOp::Div => (0x30, 0),
            AluOp::SDiv => (0x30, 1),
            AluOp::Or => (0x40, 0),
            AluOp::And => (0x50, 0),
            AluOp::Lsh => (0x60, 0),
            AluOp::Rsh => (0x70, 0),
            AluOp::Mod => (0x90, 0),
            AluOp::SMod => (0x90, 1),
            AluOp::Xor => (0xa0, 0),
            AluOp::Mov => (0xb0, 0),
            AluOp::Arsh => (0xc0, 0),
        }
    }

    pub(crate) fn from_code(op: u8, off: i16) -> Option<AluOp> {
        AluOp::ALL.into_iter().find(|o| o.code() == (op, off))
    }

    /// The LLVM operator, e.g. `"+="`.
    pub fn operator(self) -> &'static str {
        match self {
            AluOp::Add => "+=",
            AluOp::Sub => "-=",
            AluOp::Mul => "*=",
            AluOp::Div => "/=",
            AluOp::SDiv => "s/=",
            AluOp::Mod => "%=",
            AluOp::SMod => "s%=",
            AluOp::Or => "|=",
            AluOp::And => "&=",
            AluOp::Xor => "^=",
            AluOp::Lsh => "<<=",
            AluOp::Rsh => ">>=",
            AluOp::Arsh => "s>>=",
            AluOp::Mov => "=",
        }
    }
}

/// Jump conditions (`if dst COND src goto target`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cond {
    /// `==`
    Eq,
    /// `>` unsigned
    Gt,
    /// `>=` unsigned
    Ge,
    /// `<` unsigned
    Lt,
    /// `<=` unsigned
    Le,
    /// `&` (jump if `dst & src != 0`)
    Set,
    /// `!=`
    Ne,
    /// `s>`
    SGt,
    /// `s>=`
    SGe,
    /// `s<`
    SLt,
    /// `s<=`
    SLe,
}

impl Cond {
    /// Every condition.
    pub const ALL: [Cond; 11] = [
        Cond::Eq,
        Cond::Gt,
        Cond::Ge,
        Cond::Lt,
        Cond::Le,
        Cond::Set,
        Cond::Ne,
        Cond::SGt,
        Cond::SGe,
        Cond::SLt,
        Cond::SLe,
    ];

    pub(crate) fn code(self) -> u8 {
        match self {
            Cond::Eq => 0x10,
            Cond::Gt => 0x20,
            Cond::Ge => 0x30,
            Cond::Set => 0x40,
            Cond::Ne => 0x50,
            Cond::SGt => 0x60,
            Cond::SGe => 0x70,
            Cond::Lt => 0xa0,
            Cond::Le => 0xb0,
            Cond::SLt => 0xc0,
            Cond::SLe => 0xd0,
        }
    }

    pub(crate) fn from_code(op: u8) -> Option<Cond> {
        Cond::ALL.into_iter().find(|c| c.code() == op)
    }

    /// The LLVM operator, e.g. `"s>="`.
    pub fn operator(self) -> &'static str {
        match self {
            Cond::Eq => "==",
            Cond::Gt => ">",
            Cond::Ge => ">=",
            Cond::Lt => "<",
            Cond::Le => "<=",
            Cond::Set => "&",
            Cond::Ne => "!=",
            Cond::SGt => "s>",
            Cond::SGe => "s>=",
            Cond::SLt => "s<",
            Cond::SLe => "s<=",
        }
    }
}

/// Atomic read-modify-write operations (`BPF_ATOMIC` mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AtomicOp {
    /// `lock *(uN *)(dst + off) += src`
    Add,
    /// `lock ... |= src`
    Or,
    /// `lock ... &= src`
    And,
    /// `lock ... ^= src`
    Xor,
    /// `src = atomic_fetch_add(...)`: adds, and loads the old value into `src`.
    FetchAdd,
    /// `src = atomic_fetch_or(...)`
    FetchOr,
    /// `src = atomic_fetch_and(...)`
    FetchAnd,
    /// `src = atomic_fetch_xor(...)`
    FetchXor,
    /// `src = xchg(...)`: stores `src`, loads the old value into `src`.
    Xchg,
    /// `r0 = cmpxchg(dst + off, r0, src)`: stores `src` if the memory equals
    /// `r0`; the old value is loaded into `r0` either way.
    CmpXchg,
}

impl AtomicOp {
    /// Every operation.
    pub const ALL: [AtomicOp; 10] = [
        AtomicOp::Add,
        AtomicOp::Or,
        AtomicOp::And,
        AtomicOp::Xor,
        AtomicOp::FetchAdd,
        AtomicOp::FetchOr,
        AtomicOp::FetchAnd,
        AtomicOp::FetchXor,
        AtomicOp::Xchg,
        AtomicOp::CmpXchg,
    ];

    /// The `imm` field that selects the operation.
    pub(crate) fn imm(self) -> i32 {
        match self {
            AtomicOp::Add => 0x00,
            AtomicOp::Or => 0x40,
            AtomicOp::And => 0x50,
            AtomicOp::Xor => 0xa0,
            AtomicOp::FetchAdd => FETCH,
            AtomicOp::FetchOr => 0x40 | FETCH,
            AtomicOp::FetchAnd => 0x50 | FETCH,
            AtomicOp::FetchXor => 0xa0 | FETCH,
            AtomicOp::Xchg => 0xe0 | FETCH,
            AtomicOp::CmpXchg => 0xf0 | FETCH,
        }
    }

    pub(crate) fn from_imm(imm: i32) -> Option<AtomicOp> {
        AtomicOp::ALL.into_iter().find(|o| o.imm() == imm)
    }
}

/// Byte-order conversions (`BPF_END`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ByteOrder {
    /// `le16`/`le32`/`le64`: host to little endian (`BPF_ALU | BPF_END | BPF_TO_LE`).
    ToLe,
    /// `be16`/`be32`/`be64`: host to big endian (`BPF_ALU | BPF_END | BPF_TO_BE`).
    ToBe,
    /// `bswap16`/`bswap32`/`bswap64`: unconditional swap (v4, `BPF_ALU64 | BPF_END`).
    Swap,
}

/// The width of a byte-order conversion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SwapBits {
    /// 16 bits.
    B16 = 16,
    /// 32 bits.
    B32 = 32,
    /// 64 bits.
    B64 = 64,
}

/// The source width of a sign-extending move (`movsx`, v4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SxBits {
    /// From 8 bits.
    B8 = 8,
    /// From 16 bits.
    B16 = 16,
    /// From 32 bits (64-bit moves only).
    B32 = 32,
}
