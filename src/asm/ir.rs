//! The instruction IR: one enum variant per instruction family, operands typed.
//!
//! The IR, not bytes, is what the builder records, the assembler resolves,
//! the encoder turns into [`RawInsn`]s and the disassembler prints. `LD_IMM64`
//! is one node (two slots when encoded).

use super::helper::HelperId;
use super::insn::RawInsn;
use super::label::Target;
use super::map_ref::MapRef;
use super::opcode::{AluOp, AtomicOp, ByteOrder, Cond, Size, SwapBits, SxBits, Width};
use super::reg::{AnyReg, Src};

/// One eBPF instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Insn {
    /// `dst OP= src` in 32 or 64 bits (`BPF_ALU`/`BPF_ALU64`), including `mov`.
    Alu {
        /// 32 or 64 bits.
        width: Width,
        /// The operation.
        op: AluOp,
        /// Destination (and first operand).
        dst: AnyReg,
        /// Second operand.
        src: Src,
    },
    /// `dst = (sN)src`: sign-extending move (v4).
    MovSx {
        /// 32 or 64 bits.
        width: Width,
        /// The width of the source value.
        from: SxBits,
        /// Destination.
        dst: AnyReg,
        /// Source.
        src: AnyReg,
    },
    /// `dst = -dst`.
    Neg {
        /// 32 or 64 bits.
        width: Width,
        /// Destination and operand.
        dst: AnyReg,
    },
    /// `dst = be16 dst`, `le32`, `bswap64`, ...
    Endian {
        /// Conversion kind.
        order: ByteOrder,
        /// Width of the value.
        bits: SwapBits,
        /// Destination and operand.
        dst: AnyReg,
    },
    /// `if dst COND src goto target` (`BPF_JMP`/`BPF_JMP32`).
    Jump {
        /// 64-bit (`JMP`) or 32-bit (`JMP32`) comparison.
        width: Width,
        /// The condition.
        cond: Cond,
        /// First comparand.
        dst: AnyReg,
        /// Second comparand.
        src: Src,
        /// Where to go when the condition holds.
        target: Target,
    },
    /// `goto target`: 16-bit offset (`BPF_JA`).
    Ja {
        /// Where to go.
        target: Target,
    },
    /// `gotol target`: 32-bit offset (`BPF_JMP32 | BPF_JA`, v4).
    Gotol {
        /// Where to go.
        target: Target,
    },
    /// `may_goto target`: a loop exit the verifier may take (`BPF_JCOND`).
    MayGoto {
        /// Where to go when the kernel's budget runs out.
        target: Target,
    },
    /// `call`: a helper, a local subprogram or a kernel function.
    Call(Call),
    /// `exit`: return R0.
    Exit,
    /// `dst = imm64 ll`, in any of its pseudo forms (two slots).
    LdImm64 {
        /// Destination.
        dst: AnyReg,
        /// What is loaded.
        value: Imm64,
    },
    /// `dst = *(uN *)(src + off)` (`BPF_LDX | BPF_MEM`).
    Load {
        /// Access size.
        size: Size,
        /// Destination.
        dst: AnyReg,
        /// Base address register.
        src: AnyReg,
        /// Offset from the base.
        off: i16,
    },
    /// `dst = *(sN *)(src + off)`: sign-extending load (`BPF_MEMSX`, v4; B, H, W).
    LoadSx {
        /// Access size (not `DW`).
        size: Size,
        /// Destination.
        dst: AnyReg,
        /// Base address register.
        src: AnyReg,
        /// Offset from the base.
        off: i16,
    },
    /// `*(uN *)(dst + off) = src`: `BPF_ST` for an immediate, `BPF_STX` for a register.
    Store {
        /// Access size.
        size: Size,
        /// Base address register.
        dst: AnyReg,
        /// Offset from the base.
        off: i16,
        /// Stored value.
        src: Src,
    },
    /// Atomic read-modify-write at `dst + off` (`BPF_STX | BPF_ATOMIC`; 32 or 64 bits).
    Atomic {
        /// 32 (`BPF_W`) or 64 (`BPF_DW`) bits.
        width: Width,
        /// The operation.
        op: AtomicOp,
        /// Base address register.
        dst: AnyReg,
        /// Offset from the base.
        off: i16,
        /// Operand; receives the old value for fetching operations.
        src: AnyReg,
    },
    /// `r0 = *(uN *)skb[imm]`: legacy packet load (`BPF_LD | BPF_ABS`); B, H or W.
    LdAbs {
        /// Access size.
        size: Size,
        /// Packet offset.
        imm: i32,
    },
    /// `r0 = *(uN *)skb[src + imm]`: legacy packet load (`BPF_LD | BPF_IND`); B, H or W.
    LdInd {
        /// Access size.
        size: Size,
        /// Packet offset register.
        src: AnyReg,
        /// Added offset.
        imm: i32,
    },
    /// `dst = addr_space_cast(src, dst_as, src_as)`: a pointer moved between
    /// address spaces (arena programs; `BPF_MOV64_X` with `off` 1).
    AddrSpaceCast {
        /// Destination.
        dst: AnyReg,
        /// The pointer.
        src: AnyReg,
        /// The address space it goes to (the upper half of `imm`).
        dst_as: u16,
        /// The address space it comes from (the lower half of `imm`).
        src_as: u16,
    },
    /// `callx reg`: an indirect call through a register, as LLVM spells
    /// `BPF_CALL | BPF_X` (the register in `dst_reg`). The kernel does not
    /// run it; it is here so that LLVM's output reads back.
    CallX {
        /// The register holding the target.
        target: AnyReg,
    },
    /// An 8-byte word emitted as is: for words no other variant encodes
    /// (printed as `.8byte`), and for feeding the verifier invalid code.
    Raw(RawInsn),
}

/// The target of a `call`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Call {
    /// A kernel helper by id (`src_reg = 0`).
    Helper(HelperId),
    /// A local subprogram (`src_reg = BPF_PSEUDO_CALL`, pc-relative `imm`).
    Local(Target),
    /// A kernel function by BTF id (`src_reg = BPF_PSEUDO_KFUNC_CALL`);
    /// `fd_index` selects a module BTF from the `fd_array` (0: vmlinux).
    Kfunc {
        /// BTF id of the `BTF_KIND_FUNC`.
        btf_id: i32,
        /// Index into the program's `fd_array`.
        fd_index: i16,
    },
    /// A kernel function by name, e.g. `bpf_rcu_read_lock`: the loader
    /// finds its BTF id in the kernel's BTF (vmlinux, then modules), and an
    /// unknown name is an error before the program is loaded. Encoded as
    /// [`Call::Kfunc`] with id 0 until then.
    KfuncNamed(KfuncName),
}

/// The name of a kernel function a [`Call::KfuncNamed`] calls. Cheap to
/// clone: instructions are copied around, names are shared.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KfuncName(std::sync::Arc<str>);

impl KfuncName {
    /// The name `name`.
    pub fn new(name: &str) -> KfuncName {
        KfuncName(name.into())
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for KfuncName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What an `LD_IMM64` loads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Imm64 {
    /// A 64-bit constant (`src_reg = 0`).
    Const(u64),
    /// The address of a map (`BPF_PSEUDO_MAP_FD`).
    MapFd(MapRef),
    /// The address of a map's value plus `offset` (`BPF_PSEUDO_MAP_VALUE`).
    MapValue {
        /// The map (an array of one element, usually).
        map: MapRef,
        /// Byte offset into the value.
        offset: u32,
    },
    /// The address of a kernel variable by BTF id (`BPF_PSEUDO_BTF_ID`);
    /// `btf_fd` names a module's BTF (0: vmlinux).
    BtfId {
        /// BTF id of the `BTF_KIND_VAR`.
        id: i32,
        /// Module BTF fd, or 0.
        btf_fd: i32,
    },
    /// The address of a local subprogram (`BPF_PSEUDO_FUNC`).
    Func(Target),
    /// A map by index into the program's `fd_array` (`BPF_PSEUDO_MAP_IDX`).
    MapIdx(u32),
    /// A map value by `fd_array` index and offset (`BPF_PSEUDO_MAP_IDX_VALUE`).
    MapIdxValue {
        /// Index into `fd_array`.
        index: u32,
        /// Byte offset into the value.
        offset: u32,
    },
    /// A `src_reg` the kernel gives no meaning (7–15) and a 32-bit `imm`,
    /// the second slot zero: what LLVM's `ld_pseudo DST, KIND, IMM` writes.
    /// It exists so that every encodable word reads back; the verifier
    /// refuses it.
    Pseudo {
        /// The `src_reg` field, 7 to 15.
        kind: u8,
        /// The first slot's `imm`.
        imm: i32,
    },
}

impl Insn {
    /// How many 8-byte slots the instruction takes (2 for `LD_IMM64`).
    pub fn slots(&self) -> usize {
        match self {
            Insn::LdImm64 { .. } => 2,
            _ => 1,
        }
    }

    /// The jump or call target, if the instruction has one.
    pub fn target(&self) -> Option<Target> {
        match self {
            Insn::Jump { target, .. }
            | Insn::Ja { target }
            | Insn::Gotol { target }
            | Insn::MayGoto { target }
            | Insn::Call(Call::Local(target))
            | Insn::LdImm64 { value: Imm64::Func(target), .. } => Some(*target),
            _ => None,
        }
    }

    /// The map an `LD_IMM64` of a map (`map_fd`, `map_value`) refers to,
    /// mutable: for a table that keeps the reference beside the encoded
    /// slots to put it back, and for a loader to show the fd it wrote.
    pub fn map_mut(&mut self) -> Option<&mut MapRef> {
        match self {
            Insn::LdImm64 { value: Imm64::MapFd(map) | Imm64::MapValue { map, .. }, .. } => {
                Some(map)
            }
            _ => None,
        }
    }

    /// The kernel function a `call` refers to by name, mutable: for the
    /// table that keeps the name beside the encoded slot to put it back.
    pub(crate) fn kfunc_mut(&mut self) -> Option<&mut Call> {
        match self {
            Insn::Call(call @ (Call::Kfunc { .. } | Call::KfuncNamed(_))) => Some(call),
            _ => None,
        }
    }

    /// The target field, mutable, for the assembler to resolve.
    pub(crate) fn target_mut(&mut self) -> Option<&mut Target> {
        match self {
            Insn::Jump { target, .. }
            | Insn::Ja { target }
            | Insn::Gotol { target }
            | Insn::MayGoto { target }
            | Insn::Call(Call::Local(target))
            | Insn::LdImm64 { value: Imm64::Func(target), .. } => Some(target),
            _ => None,
        }
    }

    /// The largest offset magnitude the instruction's field holds: 16-bit
    /// `off` for jumps, 32-bit `imm` for `gotol`, calls and function pointers.
    pub(crate) fn offset_is_wide(&self) -> bool {
        matches!(self, Insn::Gotol { .. } | Insn::Call(_) | Insn::LdImm64 { .. })
    }
}
