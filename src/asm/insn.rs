//! `RawInsn`: the kernel's 8-byte `struct bpf_insn`.

use std::fmt;

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use super::opcode::LD_IMM64;

/// One 8-byte instruction slot, laid out as the kernel's `struct bpf_insn`:
/// `code`, the `dst_reg:4`/`src_reg:4` byte, a signed 16-bit `off` and a
/// signed 32-bit `imm`. `LD_IMM64` takes two slots.
///
/// ```
/// use bpfkit::asm::RawInsn;
/// // r0 = 2
/// let insn = RawInsn::new(0xb7, 0, 0, 0, 2);
/// assert_eq!(insn.to_bytes(), [0xb7, 0, 0, 0, 2, 0, 0, 0]);
/// assert_eq!(RawInsn::from_bytes(insn.to_bytes()), insn);
/// ```
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, Default, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct RawInsn {
    /// The opcode.
    pub code: u8,
    regs: u8,
    /// The signed 16-bit offset field.
    pub off: i16,
    /// The signed 32-bit immediate field.
    pub imm: i32,
}

const _: () = assert!(size_of::<RawInsn>() == 8);

impl RawInsn {
    /// An instruction from its fields; register numbers are masked to 4 bits.
    pub const fn new(code: u8, dst: u8, src: u8, off: i16, imm: i32) -> RawInsn {
        RawInsn { code, regs: pack(dst & 0xf, src & 0xf), off, imm }
    }

    /// The destination register field (0–15).
    pub const fn dst(self) -> u8 {
        unpack(self.regs).0
    }

    /// The source register field (0–15).
    pub const fn src(self) -> u8 {
        unpack(self.regs).1
    }

    /// How many slots the instruction that starts with this slot takes: 2
    /// for an `LD_IMM64` (`BPF_LD | BPF_IMM | BPF_DW`), 1 for any other.
    /// For walking raw slots instruction by instruction without knowing
    /// opcodes.
    ///
    /// ```
    /// use bpfkit::asm::{ProgramBuilder, R0, R1};
    ///
    /// let mut b = ProgramBuilder::new();
    /// b.ld_imm64(R1, 7).mov64(R0, 0).exit();
    /// let prog = b.assemble()?;
    /// let widths: Vec<usize> = prog.insns().iter().map(|i| i.slots()).collect();
    /// assert_eq!(widths[0], 2); // the second slot of the LD_IMM64 is widths[1]
    /// assert_eq!(widths[2..], [1, 1]);
    /// # Ok::<(), bpfkit::asm::AsmError>(())
    /// ```
    pub const fn slots(self) -> usize {
        if self.code == LD_IMM64 { 2 } else { 1 }
    }

    /// The instruction in memory order, as the kernel reads it on this host.
    pub fn to_bytes(self) -> [u8; 8] {
        let mut out = [0; 8];
        out.copy_from_slice(self.as_bytes());
        out
    }

    /// The instruction from its bytes in memory order.
    pub fn from_bytes(bytes: [u8; 8]) -> RawInsn {
        zerocopy::transmute!(bytes)
    }

    /// The 64-bit value `.8byte` would emit for this slot: its bytes read in
    /// host order.
    pub fn to_word(self) -> u64 {
        u64::from_ne_bytes(self.to_bytes())
    }

    /// The slot whose bytes are `word` in host order.
    pub fn from_word(word: u64) -> RawInsn {
        RawInsn::from_bytes(word.to_ne_bytes())
    }
}

// The kernel declares `__u8 dst_reg:4; __u8 src_reg:4;`, and C bitfields fill
// from the low bits on little-endian hosts and from the high bits on big-endian.
#[cfg(target_endian = "little")]
const fn pack(dst: u8, src: u8) -> u8 {
    dst | (src << 4)
}
#[cfg(target_endian = "little")]
const fn unpack(regs: u8) -> (u8, u8) {
    (regs & 0xf, regs >> 4)
}
#[cfg(target_endian = "big")]
const fn pack(dst: u8, src: u8) -> u8 {
    (dst << 4) | src
}
#[cfg(target_endian = "big")]
const fn unpack(regs: u8) -> (u8, u8) {
    (regs >> 4, regs & 0xf)
}

impl fmt::Debug for RawInsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "RawInsn {{ code: {:#04x}, dst: {}, src: {}, off: {}, imm: {} }}",
            self.code,
            self.dst(),
            self.src(),
            self.off,
            self.imm
        )
    }
}

/// Views a slice of instructions as the bytes the kernel reads.
pub fn insns_as_bytes(insns: &[RawInsn]) -> &[u8] {
    insns.as_bytes()
}
