//! `ProgramBuilder`: the DSL. Each call records one instruction and the Rust
//! source line that made it.
//!
//! The builder keeps the program already encoded: one 8-byte slot per
//! instruction (two for `LD_IMM64`) and small side tables for what encoding
//! cannot settle yet — jumps to labels (their field stays 0 until
//! [`assemble`](ProgramBuilder::assemble) patches it), maps, and instructions
//! that do not encode (reported by `assemble`, in slot order). Assembling is
//! then a patch and a copy, and a large program costs about as much memory
//! as its bytecode.

use std::sync::atomic::{AtomicU32, Ordering};

use super::assemble::Chunked;
use super::encode::{EncodeError, encode};
use super::helper::HelperId;
use super::insn::RawInsn;
use super::ir::{Call, Imm64, Insn, MapRef};
use super::label::{Field, Fixup, Label, Labels, Target};
use super::opcode::{AluOp, AtomicOp, ByteOrder, Cond, Size, SwapBits, SxBits, Width};
use super::origin::Origin;
use super::reg::{AnyReg, Reg, Src};
use super::source_map::SourceMap;
use crate::maps::MapFd;

/// Builds a program instruction by instruction.
///
/// Every method records the instruction together with the
/// [`Location`](std::panic::Location) of the Rust line that called it, so that
/// an assembler or verifier error can point at that line. Methods return
/// `&mut Self` and chain. Nothing here can fail: problems a type cannot rule
/// out (an unbound label, an offset that does not fit) are reported by
/// [`assemble`](ProgramBuilder::assemble).
///
/// ```
/// use bpfkit::asm::{ProgramBuilder, R0, R1};
///
/// let mut b = ProgramBuilder::new();
/// let positive = b.label();
/// b.mov64(R0, 0)
///     .jsgt(R1, 0, positive)
///     .exit()
///     .bind(positive)
///     .mov64(R0, 1)
///     .exit();
/// let prog = b.assemble()?;
/// assert_eq!(prog.to_string(), "r0 = 0\nif r1 s> 0 goto +1\nexit\nr0 = 1\nexit\n");
/// # Ok::<(), bpfkit::asm::AsmError>(())
/// ```
#[derive(Debug)]
pub struct ProgramBuilder {
    pub(crate) id: u32,
    /// The encoded slots; a jump to a label holds 0 until assembled.
    pub(crate) slots: Chunked<RawInsn>,
    /// The origin of each slot.
    pub(crate) lines: SourceMap,
    /// How many instructions were recorded (`LD_IMM64` counts once).
    pub(crate) count: usize,
    /// Slots whose target is a label of this program, by slot.
    pub(crate) fixups: Chunked<Fixup>,
    /// Live maps referred to, once each, in order of first use.
    pub(crate) maps: Vec<MapFd>,
    /// Maps referred to by name only: (slot, name), by slot.
    pub(crate) named: Vec<(usize, String)>,
    /// Instructions that do not encode, kept whole for `assemble` to report:
    /// (first slot, instruction), by slot. Their slots hold zeros.
    pub(crate) rejected: Vec<(usize, Insn)>,
    pub(crate) labels: Labels,
    /// Labels bound twice: (label index, second binding).
    pub(crate) rebinds: Vec<(u32, Origin)>,
    /// Labels of other programs used or bound here, with where that happened.
    pub(crate) foreign: Vec<(Origin, Label)>,
}

impl Default for ProgramBuilder {
    fn default() -> Self {
        ProgramBuilder::new()
    }
}

macro_rules! alu {
    ($($op:ident $sym:literal: $n64:ident $n32:ident;)*) => {$(
        #[doc = concat!("`dst ", $sym, " src` in 64 bits (`BPF_ALU64`).")]
        #[track_caller]
        pub fn $n64(&mut self, dst: Reg, src: impl Into<Src>) -> &mut Self {
            self.push(Insn::Alu { width: Width::Bits64, op: AluOp::$op, dst, src: src.into() })
        }
        #[doc = concat!("`dst ", $sym, " src` in 32 bits (`BPF_ALU`); the upper half of `dst` is zeroed.")]
        #[track_caller]
        pub fn $n32(&mut self, dst: Reg, src: impl Into<Src>) -> &mut Self {
            self.push(Insn::Alu { width: Width::Bits32, op: AluOp::$op, dst, src: src.into() })
        }
    )*};
}

macro_rules! jumps {
    ($($cond:ident $sym:literal: $n64:ident $n32:ident;)*) => {$(
        #[doc = concat!("`if dst ", $sym, " src goto target`, comparing 64 bits (`BPF_JMP`).")]
        #[track_caller]
        pub fn $n64(&mut self, dst: impl Into<AnyReg>, src: impl Into<Src>, target: impl Into<Target>) -> &mut Self {
            self.jump(Width::Bits64, Cond::$cond, dst, src, target)
        }
        #[doc = concat!("`if dst ", $sym, " src goto target`, comparing the low 32 bits (`BPF_JMP32`).")]
        #[track_caller]
        pub fn $n32(&mut self, dst: impl Into<AnyReg>, src: impl Into<Src>, target: impl Into<Target>) -> &mut Self {
            self.jump(Width::Bits32, Cond::$cond, dst, src, target)
        }
    )*};
}

macro_rules! atomics {
    ($($op:ident: $n64:ident $n32:ident $doc:literal;)*) => {$(
        #[doc = concat!($doc, " on 64 bits at `dst + off`.")]
        #[track_caller]
        pub fn $n64(&mut self, dst: impl Into<AnyReg>, off: i16, src: Reg) -> &mut Self {
            self.atomic(Width::Bits64, AtomicOp::$op, dst, off, src)
        }
        #[doc = concat!($doc, " on 32 bits at `dst + off`.")]
        #[track_caller]
        pub fn $n32(&mut self, dst: impl Into<AnyReg>, off: i16, src: Reg) -> &mut Self {
            self.atomic(Width::Bits32, AtomicOp::$op, dst, off, src)
        }
    )*};
}

static NEXT_PROGRAM: AtomicU32 = AtomicU32::new(1);

/// [`encode`], appending nothing when it fails.
#[inline]
fn encode_onto(insn: &Insn, out: &mut Vec<RawInsn>) -> Result<(), EncodeError> {
    let len = out.len();
    let encoded = encode(insn, out);
    if encoded.is_err() {
        out.truncate(len);
    }
    encoded
}

impl ProgramBuilder {
    /// An empty program.
    pub fn new() -> ProgramBuilder {
        ProgramBuilder {
            id: NEXT_PROGRAM.fetch_add(1, Ordering::Relaxed),
            // Most programs are small: start big enough to skip the first regrowths.
            slots: Chunked::with_capacity(32),
            lines: SourceMap::with_capacity(32),
            count: 0,
            fixups: Chunked::default(),
            maps: Vec::new(),
            named: Vec::new(),
            rejected: Vec::new(),
            labels: Labels::default(),
            rebinds: Vec::new(),
            foreign: Vec::new(),
        }
    }

    /// Appends any instruction.
    #[inline]
    #[track_caller]
    pub fn push(&mut self, insn: Insn) -> &mut Self {
        self.push_at(insn, Origin::caller())
    }

    /// Appends any instruction, recording `at` as its origin (the text
    /// assembler's line and column).
    #[inline]
    pub(crate) fn push_at(&mut self, insn: Insn, at: Origin) -> &mut Self {
        // The DSL methods know the variant: this test folds away in them.
        if insn.target().is_some() || matches!(insn, Insn::LdImm64 { .. }) {
            self.push_linked(insn, at);
        } else {
            self.push_plain(&insn, at);
        }
        self
    }

    /// Appends an instruction of one slot that refers to no label or map.
    fn push_plain(&mut self, insn: &Insn, at: Origin) {
        self.count += 1;
        if self.slots.append(|tail| encode_onto(insn, tail)).is_ok() {
            self.lines.push(at);
        } else {
            self.reject(insn.clone(), at);
        }
    }

    /// Appends an instruction with a target or a 64-bit immediate: records
    /// its label and map in the side tables.
    fn push_linked(&mut self, mut insn: Insn, at: Origin) {
        self.count += 1;
        let slot = self.slots.len();
        if let Some(Target::Label(label)) = insn.target() {
            let field = if insn.offset_is_wide() { Field::Imm } else { Field::Off };
            if label.program != self.id {
                self.foreign.push((at, label));
            } else if let Some(fixup) = Fixup::new(slot, label.index, field) {
                self.fixups.push(fixup);
                if let Some(target) = insn.target_mut() {
                    *target = Target::Offset(0);
                }
            }
            // Otherwise the label stays, and the instruction is rejected below.
        }
        if self.slots.append(|tail| encode_onto(&insn, tail)).is_err() {
            return self.reject(insn, at);
        }
        self.record(at, self.slots.len() - slot);
        if let Insn::LdImm64 { value: Imm64::MapFd(map) | Imm64::MapValue { map, .. }, .. } = insn {
            match map {
                MapRef::Map(m) if !self.maps.iter().any(|known| known.raw_fd() == m.raw_fd()) => {
                    self.maps.push(m)
                }
                MapRef::Name(name) => self.named.push((slot, name)),
                _ => {}
            }
        }
    }

    /// Keeps an instruction that does not encode, with zeros in its slots,
    /// for [`assemble`](Self::assemble) to report in turn.
    #[cold]
    fn reject(&mut self, insn: Insn, at: Origin) {
        let slot = self.slots.len();
        for _ in 0..insn.slots() {
            self.slots.push(RawInsn::default());
        }
        self.record(at, insn.slots());
        self.rejected.push((slot, insn));
    }

    /// Records the origin of an instruction of `slots` slots.
    fn record(&mut self, at: Origin, slots: usize) {
        self.lines.push(at);
        if slots == 2 {
            self.lines.push_second(at);
        }
    }

    /// The instructions recorded so far, decoded from their slots. Labels
    /// and maps show as they were given; an [`Insn::Raw`] word that encodes
    /// an instruction shows as that instruction.
    pub fn insns(&self) -> impl Iterator<Item = Insn> + '_ {
        self.lines.starts().map(|slot| self.recorded(slot))
    }

    /// The number of instructions recorded so far (`LD_IMM64` counts once).
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether nothing has been recorded.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    // ---- labels ----

    /// A new, unbound label.
    #[must_use = "a label does nothing until it is bound and jumped to"]
    #[track_caller]
    pub fn label(&mut self) -> Label {
        self.new_label(None)
    }

    /// A new, unbound label with a name for listings and errors.
    #[must_use = "a label does nothing until it is bound and jumped to"]
    #[track_caller]
    pub fn named_label(&mut self, name: impl Into<String>) -> Label {
        self.new_label(Some(name.into()))
    }

    #[track_caller]
    fn new_label(&mut self, name: Option<String>) -> Label {
        self.new_label_at(name, Origin::caller())
    }

    /// A new, unbound label made at `at` (the text assembler's position).
    pub(crate) fn new_label_at(&mut self, name: Option<String>, at: Origin) -> Label {
        let index = self.labels.add(at, name);
        Label { program: self.id, index }
    }

    /// Binds `label` to the next instruction. Binding a label twice is an
    /// error that [`assemble`](Self::assemble) reports.
    #[track_caller]
    pub fn bind(&mut self, label: Label) -> &mut Self {
        self.bind_at(label, Origin::caller())
    }

    /// Binds `label` to the next instruction, recording `at` as where.
    pub(crate) fn bind_at(&mut self, label: Label, at: Origin) -> &mut Self {
        let next = self.slots.len();
        if label.program != self.id || !self.labels.exists(label.index) {
            self.foreign.push((at, label));
        } else if self.labels.bound(label.index).is_some() {
            self.rebinds.push((label.index, at));
        } else {
            self.labels.bind(label.index, next, at);
        }
        self
    }

    /// A new label bound to the next instruction (a backward-jump target).
    #[track_caller]
    pub fn here(&mut self) -> Label {
        let label = self.label();
        self.bind(label);
        label
    }

    // ---- ALU ----

    alu! {
        Add "+=": add64 add32;
        Sub "-=": sub64 sub32;
        Mul "*=": mul64 mul32;
        Div "/=" : div64 div32;
        SDiv "s/=": sdiv64 sdiv32;
        Mod "%=": mod64 mod32;
        SMod "s%=": smod64 smod32;
        Or "|=": or64 or32;
        And "&=": and64 and32;
        Xor "^=": xor64 xor32;
        Lsh "<<=": lsh64 lsh32;
        Rsh ">>=": rsh64 rsh32;
        Arsh "s>>=": arsh64 arsh32;
        Mov "=": mov64 mov32;
    }

    /// Any two-operand ALU instruction.
    #[track_caller]
    pub fn alu(&mut self, width: Width, op: AluOp, dst: Reg, src: impl Into<Src>) -> &mut Self {
        self.push(Insn::Alu { width, op, dst, src: src.into() })
    }

    /// `dst = -dst` in 64 bits.
    #[track_caller]
    pub fn neg64(&mut self, dst: Reg) -> &mut Self {
        self.push(Insn::Neg { width: Width::Bits64, dst })
    }

    /// `dst = -dst` in 32 bits.
    #[track_caller]
    pub fn neg32(&mut self, dst: Reg) -> &mut Self {
        self.push(Insn::Neg { width: Width::Bits32, dst })
    }

    /// `dst = (sN)src` in 64 bits: sign-extends the low 8, 16 or 32 bits (v4).
    #[track_caller]
    pub fn movsx64(&mut self, dst: Reg, src: impl Into<AnyReg>, from: SxBits) -> &mut Self {
        self.push(Insn::MovSx { width: Width::Bits64, from, dst, src: src.into() })
    }

    /// `dst = (sN)src` in 32 bits: sign-extends the low 8 or 16 bits (v4).
    /// [`SxBits::B32`] is an assemble-time error here.
    #[track_caller]
    pub fn movsx32(&mut self, dst: Reg, src: impl Into<AnyReg>, from: SxBits) -> &mut Self {
        self.push(Insn::MovSx { width: Width::Bits32, from, dst, src: src.into() })
    }

    /// `dst = leN dst`: convert to little endian (a truncation on little-endian hosts).
    #[track_caller]
    pub fn le(&mut self, bits: SwapBits, dst: Reg) -> &mut Self {
        self.push(Insn::Endian { order: ByteOrder::ToLe, bits, dst })
    }

    /// `dst = beN dst`: convert to big endian (network byte order).
    #[track_caller]
    pub fn be(&mut self, bits: SwapBits, dst: Reg) -> &mut Self {
        self.push(Insn::Endian { order: ByteOrder::ToBe, bits, dst })
    }

    /// `dst = bswapN dst`: unconditional byte swap (v4).
    #[track_caller]
    pub fn bswap(&mut self, bits: SwapBits, dst: Reg) -> &mut Self {
        self.push(Insn::Endian { order: ByteOrder::Swap, bits, dst })
    }

    // ---- jumps and calls ----

    jumps! {
        Eq "==": jeq jeq32;
        Gt ">": jgt jgt32;
        Ge ">=": jge jge32;
        Lt "<": jlt jlt32;
        Le "<=": jle jle32;
        Set "&": jset jset32;
        Ne "!=": jne jne32;
        SGt "s>": jsgt jsgt32;
        SGe "s>=": jsge jsge32;
        SLt "s<": jslt jslt32;
        SLe "s<=": jsle jsle32;
    }

    /// Any conditional jump.
    #[track_caller]
    pub fn jump(
        &mut self,
        width: Width,
        cond: Cond,
        dst: impl Into<AnyReg>,
        src: impl Into<Src>,
        target: impl Into<Target>,
    ) -> &mut Self {
        self.push(Insn::Jump {
            width,
            cond,
            dst: dst.into(),
            src: src.into(),
            target: target.into(),
        })
    }

    /// `goto target` (16-bit offset).
    #[track_caller]
    pub fn ja(&mut self, target: impl Into<Target>) -> &mut Self {
        self.push(Insn::Ja { target: target.into() })
    }

    /// `gotol target` (32-bit offset, v4).
    #[track_caller]
    pub fn gotol(&mut self, target: impl Into<Target>) -> &mut Self {
        self.push(Insn::Gotol { target: target.into() })
    }

    /// `may_goto target`: leaves a loop when the kernel's iteration budget runs out.
    #[track_caller]
    pub fn may_goto(&mut self, target: impl Into<Target>) -> &mut Self {
        self.push(Insn::MayGoto { target: target.into() })
    }

    /// `call helper`: a kernel helper, by [`Helper`](super::Helper) or raw [`HelperId`].
    #[track_caller]
    pub fn call(&mut self, helper: impl Into<HelperId>) -> &mut Self {
        self.push(Insn::Call(Call::Helper(helper.into())))
    }

    /// `call` a local subprogram starting at `target` (`BPF_PSEUDO_CALL`).
    #[track_caller]
    pub fn call_local(&mut self, target: impl Into<Target>) -> &mut Self {
        self.push(Insn::Call(Call::Local(target.into())))
    }

    /// `call` a kernel function by BTF id (`BPF_PSEUDO_KFUNC_CALL`).
    #[track_caller]
    pub fn call_kfunc(&mut self, btf_id: i32, fd_index: i16) -> &mut Self {
        self.push(Insn::Call(Call::Kfunc { btf_id, fd_index }))
    }

    /// `exit`: return R0.
    #[track_caller]
    pub fn exit(&mut self) -> &mut Self {
        self.push(Insn::Exit)
    }

    // ---- 64-bit immediates ----

    /// `dst = value ll`: a 64-bit constant.
    #[track_caller]
    pub fn ld_imm64(&mut self, dst: Reg, value: u64) -> &mut Self {
        self.push(Insn::LdImm64 { dst, value: Imm64::Const(value) })
    }

    /// `dst = map ll`: the address of `map`. The map stays open as long as
    /// the program does, and its fd goes into the instruction.
    #[track_caller]
    pub fn ld_map_fd(&mut self, dst: Reg, map: &impl AsRef<MapFd>) -> &mut Self {
        self.push(Insn::LdImm64 { dst, value: Imm64::MapFd(MapRef::Map(map.as_ref().clone())) })
    }

    /// `dst = &map[0] + offset`: the address inside the first value of `map`.
    #[track_caller]
    pub fn ld_map_value(&mut self, dst: Reg, map: &impl AsRef<MapFd>, offset: u32) -> &mut Self {
        let map = MapRef::Map(map.as_ref().clone());
        self.push(Insn::LdImm64 { dst, value: Imm64::MapValue { map, offset } })
    }

    /// `dst = map ll` for a map known by name, bound to a real map at load.
    #[track_caller]
    pub fn ld_map_by_name(&mut self, dst: Reg, name: impl Into<String>) -> &mut Self {
        self.push(Insn::LdImm64 { dst, value: Imm64::MapFd(MapRef::Name(name.into())) })
    }

    /// `dst = ` the address of the kernel variable with BTF id `id`.
    #[track_caller]
    pub fn ld_btf_id(&mut self, dst: Reg, id: i32, btf_fd: i32) -> &mut Self {
        self.push(Insn::LdImm64 { dst, value: Imm64::BtfId { id, btf_fd } })
    }

    /// `dst = ` the address of the local subprogram at `target` (for callbacks).
    #[track_caller]
    pub fn ld_func(&mut self, dst: Reg, target: impl Into<Target>) -> &mut Self {
        self.push(Insn::LdImm64 { dst, value: Imm64::Func(target.into()) })
    }

    /// `dst = ` the map at `fd_array[index]`.
    #[track_caller]
    pub fn ld_map_idx(&mut self, dst: Reg, index: u32) -> &mut Self {
        self.push(Insn::LdImm64 { dst, value: Imm64::MapIdx(index) })
    }

    /// `dst = ` the address inside the value of the map at `fd_array[index]`.
    #[track_caller]
    pub fn ld_map_idx_value(&mut self, dst: Reg, index: u32, offset: u32) -> &mut Self {
        self.push(Insn::LdImm64 { dst, value: Imm64::MapIdxValue { index, offset } })
    }

    // ---- memory ----

    /// `dst = *(uN *)(src + off)`.
    #[track_caller]
    pub fn ldx(&mut self, size: Size, dst: Reg, src: impl Into<AnyReg>, off: i16) -> &mut Self {
        self.push(Insn::Load { size, dst, src: src.into(), off })
    }

    /// `dst = *(sN *)(src + off)`: sign-extending load of 1, 2 or 4 bytes (v4).
    /// [`Size::DW`] is an assemble-time error.
    #[track_caller]
    pub fn ldsx(&mut self, size: Size, dst: Reg, src: impl Into<AnyReg>, off: i16) -> &mut Self {
        self.push(Insn::LoadSx { size, dst, src: src.into(), off })
    }

    /// `*(uN *)(dst + off) = imm` (`BPF_ST`).
    #[track_caller]
    pub fn st(&mut self, size: Size, dst: impl Into<AnyReg>, off: i16, imm: i32) -> &mut Self {
        self.push(Insn::Store { size, dst: dst.into(), off, src: Src::Imm(imm) })
    }

    /// `*(uN *)(dst + off) = src` (`BPF_STX`).
    #[track_caller]
    pub fn stx(
        &mut self,
        size: Size,
        dst: impl Into<AnyReg>,
        off: i16,
        src: impl Into<AnyReg>,
    ) -> &mut Self {
        self.push(Insn::Store { size, dst: dst.into(), off, src: Src::Reg(src.into()) })
    }

    /// Any atomic read-modify-write at `dst + off`.
    #[track_caller]
    pub fn atomic(
        &mut self,
        width: Width,
        op: AtomicOp,
        dst: impl Into<AnyReg>,
        off: i16,
        src: Reg,
    ) -> &mut Self {
        self.push(Insn::Atomic { width, op, dst: dst.into(), off, src })
    }

    atomics! {
        Add: atomic_add64 atomic_add32 "`lock *(dst + off) += src`";
        Or: atomic_or64 atomic_or32 "`lock *(dst + off) |= src`";
        And: atomic_and64 atomic_and32 "`lock *(dst + off) &= src`";
        Xor: atomic_xor64 atomic_xor32 "`lock *(dst + off) ^= src`";
        FetchAdd: atomic_fetch_add64 atomic_fetch_add32 "`src = atomic_fetch_add(dst + off, src)`";
        FetchOr: atomic_fetch_or64 atomic_fetch_or32 "`src = atomic_fetch_or(dst + off, src)`";
        FetchAnd: atomic_fetch_and64 atomic_fetch_and32 "`src = atomic_fetch_and(dst + off, src)`";
        FetchXor: atomic_fetch_xor64 atomic_fetch_xor32 "`src = atomic_fetch_xor(dst + off, src)`";
        Xchg: atomic_xchg64 atomic_xchg32 "`src = xchg(dst + off, src)`";
        CmpXchg: atomic_cmpxchg64 atomic_cmpxchg32 "`r0 = cmpxchg(dst + off, r0, src)`";
    }

    /// `r0 = *(uN *)skb[imm]`: legacy packet load (socket filters); 1, 2 or
    /// 4 bytes ([`Size::DW`] is an assemble-time error).
    #[track_caller]
    pub fn ld_abs(&mut self, size: Size, imm: i32) -> &mut Self {
        self.push(Insn::LdAbs { size, imm })
    }

    /// `r0 = *(uN *)skb[src + imm]`: legacy packet load (socket filters); 1,
    /// 2 or 4 bytes ([`Size::DW`] is an assemble-time error).
    #[track_caller]
    pub fn ld_ind(&mut self, size: Size, src: impl Into<AnyReg>, imm: i32) -> &mut Self {
        self.push(Insn::LdInd { size, src: src.into(), imm })
    }

    /// Emits an 8-byte word as is.
    #[track_caller]
    pub fn raw(&mut self, insn: RawInsn) -> &mut Self {
        self.push(Insn::Raw(insn))
    }
}
