//! Registers: ten writable ones and the read-only frame pointer.
//!
//! The builder's types carry the kernel's rule that R10 is never written:
//! every destination parameter of [`ProgramBuilder`](super::ProgramBuilder)
//! takes a [`Reg`] (R0–R9), and R10 exists only as [`R10`] of type
//! [`FramePointer`], which converts into the [`AnyReg`] that read positions
//! (sources, bases, comparands) accept.
//!
//! The IR ([`Insn`](super::Insn)) holds [`AnyReg`] everywhere, writes
//! included: it describes any instruction that can be encoded, and the
//! kernel accepts a program that writes R10 in code it proves dead. Text
//! (`r10 = 1`) and bytes reach that IR; only the DSL refuses it.

use std::fmt;

/// A writable register, R0 to R9.
///
/// R0 holds return values, R1–R5 the arguments of calls (clobbered by them),
/// R6–R9 survive calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Reg {
    /// Return value of calls and of the program.
    R0 = 0,
    /// First argument; the context pointer on entry.
    R1 = 1,
    /// Second argument.
    R2 = 2,
    /// Third argument.
    R3 = 3,
    /// Fourth argument.
    R4 = 4,
    /// Fifth argument.
    R5 = 5,
    /// Callee-saved.
    R6 = 6,
    /// Callee-saved.
    R7 = 7,
    /// Callee-saved.
    R8 = 8,
    /// Callee-saved.
    R9 = 9,
}

impl Reg {
    /// Every writable register, R0 to R9.
    pub const ALL: [Reg; 10] =
        [Reg::R0, Reg::R1, Reg::R2, Reg::R3, Reg::R4, Reg::R5, Reg::R6, Reg::R7, Reg::R8, Reg::R9];

    /// The register's number (0–9).
    pub fn number(self) -> u8 {
        self as u8
    }

    /// The writable register numbered `n`, if `n` is 0–9.
    pub fn from_number(n: u8) -> Option<Reg> {
        Reg::ALL.get(usize::from(n)).copied()
    }
}

/// The read-only frame pointer R10: the top of the program's 512-byte stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FramePointer;

/// The frame pointer, usable wherever a register is only read.
pub const R10: FramePointer = FramePointer;

/// Any register, R0 to R11: what the builder takes in positions that are
/// only read (R0 to R10), and what the IR holds in every position.
///
/// R11 is the kernel's internal auxiliary register (`BPF_REG_AX`): no
/// program may name it and the verifier refuses one that does, but LLVM's
/// assembler and disassembler know it, so text and bytes that name it read
/// back exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AnyReg(u8);

impl AnyReg {
    /// R10, the frame pointer.
    pub const FP: AnyReg = AnyReg(10);

    /// The register's number (0–11).
    pub fn number(self) -> u8 {
        self.0
    }

    /// The register numbered `n`, if `n` is 0–11.
    pub fn from_number(n: u8) -> Option<AnyReg> {
        (n <= 11).then_some(AnyReg(n))
    }

    /// The register as a writable one, unless it is R10.
    pub fn writable(self) -> Option<Reg> {
        Reg::from_number(self.0)
    }
}

impl From<Reg> for AnyReg {
    fn from(r: Reg) -> AnyReg {
        AnyReg(r as u8)
    }
}

impl From<FramePointer> for AnyReg {
    fn from(_: FramePointer) -> AnyReg {
        AnyReg::FP
    }
}

impl fmt::Display for Reg {
    /// The 64-bit name, `r0`..`r9`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "r{}", *self as u8)
    }
}

impl fmt::Display for AnyReg {
    /// The 64-bit name, `r0`..`r10`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "r{}", self.0)
    }
}

/// A source operand: a register or a 32-bit immediate.
///
/// Integers and registers convert into it, so builder calls read like the
/// assembly they emit: `b.add64(R1, 4)`, `b.add64(R1, R2)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Src {
    /// A register (`BPF_X`).
    Reg(AnyReg),
    /// A sign-extended 32-bit immediate (`BPF_K`).
    Imm(i32),
}

impl From<i32> for Src {
    fn from(v: i32) -> Src {
        Src::Imm(v)
    }
}

impl From<Reg> for Src {
    fn from(r: Reg) -> Src {
        Src::Reg(r.into())
    }
}

impl From<FramePointer> for Src {
    fn from(_: FramePointer) -> Src {
        Src::Reg(AnyReg::FP)
    }
}

impl From<AnyReg> for Src {
    fn from(r: AnyReg) -> Src {
        Src::Reg(r)
    }
}
