//! The instruction methods of [`ProgramBuilder`]: one per form of the ISA,
//! each recording its instruction and the Rust line that called it.
//!
//! The builder itself (its slots, labels and source map) is in `program.rs`;
//! this file is only the vocabulary.

use std::os::fd::{AsRawFd, BorrowedFd};

use super::field::{Field, ValueMap};
use super::helper::HelperId;
use super::insn::RawInsn;
use super::ir::{Call, Imm64, Insn, KfuncName};
use super::label::Target;
use super::map_ref::{MapHandle, MapRef};
use super::opcode::{AluOp, AtomicOp, ByteOrder, Cond, Size, SwapBits, SxBits, Width};
use super::program::ProgramBuilder;
use super::reg::{AnyReg, Reg, Src};

macro_rules! alu {
    ($($op:ident $sym:literal: $n64:ident $n32:ident;)*) => {$(
        #[doc = concat!("`dst ", $sym, " src` in 64 bits (`BPF_ALU64`).")]
        #[track_caller]
        pub fn $n64(&mut self, dst: Reg, src: impl Into<Src>) -> &mut Self {
            self.push(Insn::Alu { width: Width::Bits64, op: AluOp::$op, dst: dst.into(), src: src.into() })
        }
        #[doc = concat!("`dst ", $sym, " src` in 32 bits (`BPF_ALU`); the upper half of `dst` is zeroed.")]
        #[track_caller]
        pub fn $n32(&mut self, dst: Reg, src: impl Into<Src>) -> &mut Self {
            self.push(Insn::Alu { width: Width::Bits32, op: AluOp::$op, dst: dst.into(), src: src.into() })
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

impl ProgramBuilder {
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
        self.push(Insn::Alu { width, op, dst: dst.into(), src: src.into() })
    }

    /// `dst = -dst` in 64 bits.
    #[track_caller]
    pub fn neg64(&mut self, dst: Reg) -> &mut Self {
        self.push(Insn::Neg { width: Width::Bits64, dst: dst.into() })
    }

    /// `dst = -dst` in 32 bits.
    #[track_caller]
    pub fn neg32(&mut self, dst: Reg) -> &mut Self {
        self.push(Insn::Neg { width: Width::Bits32, dst: dst.into() })
    }

    /// `dst = (sN)src` in 64 bits: sign-extends the low 8, 16 or 32 bits (v4).
    #[track_caller]
    pub fn movsx64(&mut self, dst: Reg, src: impl Into<AnyReg>, from: SxBits) -> &mut Self {
        self.push(Insn::MovSx { width: Width::Bits64, from, dst: dst.into(), src: src.into() })
    }

    /// `dst = (sN)src` in 32 bits: sign-extends the low 8 or 16 bits (v4).
    /// [`SxBits::B32`] is an assemble-time error here.
    #[track_caller]
    pub fn movsx32(&mut self, dst: Reg, src: impl Into<AnyReg>, from: SxBits) -> &mut Self {
        self.push(Insn::MovSx { width: Width::Bits32, from, dst: dst.into(), src: src.into() })
    }

    /// `dst = leN dst`: convert to little endian (a truncation on little-endian hosts).
    #[track_caller]
    pub fn le(&mut self, bits: SwapBits, dst: Reg) -> &mut Self {
        self.push(Insn::Endian { order: ByteOrder::ToLe, bits, dst: dst.into() })
    }

    /// `dst = beN dst`: convert to big endian (network byte order).
    #[track_caller]
    pub fn be(&mut self, bits: SwapBits, dst: Reg) -> &mut Self {
        self.push(Insn::Endian { order: ByteOrder::ToBe, bits, dst: dst.into() })
    }

    /// `dst = bswapN dst`: unconditional byte swap (v4).
    #[track_caller]
    pub fn bswap(&mut self, bits: SwapBits, dst: Reg) -> &mut Self {
        self.push(Insn::Endian { order: ByteOrder::Swap, bits, dst: dst.into() })
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

    /// `bpf_spin_lock(ptr + offset)`: takes the `bpf_spin_lock` at byte
    /// `offset` of the map value `ptr` points to. Sets `r1` (unless `ptr`
    /// is `r1` and `offset` 0) and, as any call, clobbers `r0` to `r5`.
    ///
    /// The verifier holds the program to the lock's rules: one lock at a
    /// time, no calls but the unlock while it is held, and no exit with it
    /// held.
    #[track_caller]
    pub fn spin_lock(&mut self, ptr: Reg, offset: i32) -> &mut Self {
        self.lock_arg(ptr, offset).call(super::Helper::SpinLock)
    }

    /// `bpf_spin_unlock(ptr + offset)`: releases the lock
    /// [`spin_lock`](Self::spin_lock) took, with the same arguments.
    #[track_caller]
    pub fn spin_unlock(&mut self, ptr: Reg, offset: i32) -> &mut Self {
        self.lock_arg(ptr, offset).call(super::Helper::SpinUnlock)
    }

    /// `r1 = ptr + offset`, the argument of the lock helpers.
    #[track_caller]
    fn lock_arg(&mut self, ptr: Reg, offset: i32) -> &mut Self {
        if ptr != Reg::R1 {
            self.mov64(Reg::R1, ptr);
        }
        if offset != 0 {
            self.add64(Reg::R1, offset);
        }
        self
    }

    /// `bpf_tail_call(r1, table, index)`: jumps into the program in slot
    /// `index` of the program array `table`, never to return; when the
    /// slot is empty (or the chain is 33 calls deep) the program goes on
    /// with the next instruction. `r1` must hold the context, as at entry.
    /// Sets `r2` and `r3`; as any call, clobbers `r0` to `r5`.
    ///
    /// `index` is a register or a constant.
    #[track_caller]
    pub fn tail_call(&mut self, table: &impl MapHandle, index: impl Into<Src>) -> &mut Self {
        let index = index.into();
        // The index first: it may be in r2, which the table's address takes.
        if index != Src::Reg(AnyReg::from(Reg::R3)) {
            self.mov64(Reg::R3, index);
        }
        self.ld_map_fd(Reg::R2, table).call(super::Helper::TailCall)
    }

    /// `r0 = bpf_ringbuf_reserve(ring, size, 0)`: room for a record of
    /// `size` bytes (a constant) in the ring buffer `ring`, or null when it
    /// is full. The program must then [`ringbuf_submit`](Self::ringbuf_submit)
    /// or [`ringbuf_discard`](Self::ringbuf_discard) it on every path.
    /// Sets `r1` to `r3`; as any call, clobbers `r0` to `r5`.
    #[track_caller]
    pub fn ringbuf_reserve(&mut self, ring: &impl MapHandle, size: i32) -> &mut Self {
        self.ld_map_fd(Reg::R1, ring)
            .mov64(Reg::R2, size)
            .mov64(Reg::R3, 0)
            .call(super::Helper::RingbufReserve)
    }

    /// `bpf_ringbuf_submit(record, 0)`: publishes the record `record`
    /// points to (from [`ringbuf_reserve`](Self::ringbuf_reserve)).
    #[track_caller]
    pub fn ringbuf_submit(&mut self, record: Reg) -> &mut Self {
        self.record_arg(record).call(super::Helper::RingbufSubmit)
    }

    /// `bpf_ringbuf_discard(record, 0)`: gives the record's room back
    /// unread; the consumer skips it.
    #[track_caller]
    pub fn ringbuf_discard(&mut self, record: Reg) -> &mut Self {
        self.record_arg(record).call(super::Helper::RingbufDiscard)
    }

    /// `r0 = bpf_ringbuf_output(ring, data, size, 0)`: copies `size` bytes
    /// from `data` (a pointer the program may read, e.g. into its stack)
    /// into a new record; 0, or a negative error when the ring is full.
    #[track_caller]
    pub fn ringbuf_output(
        &mut self,
        ring: &impl MapHandle,
        data: Reg,
        size: impl Into<Src>,
    ) -> &mut Self {
        // r4 is free until it takes the flags.
        self.move_pair((Reg::R2, data), (Reg::R3, size.into()), Reg::R4);
        self.ld_map_fd(Reg::R1, ring).mov64(Reg::R4, 0).call(super::Helper::RingbufOutput)
    }

    /// `bpf_perf_event_output(r1, array, BPF_F_CURRENT_CPU, data, size)`:
    /// copies `size` bytes from `data` into the current CPU's ring of the
    /// perf event array `array`. `r1` must hold the context, as at entry.
    /// Sets `r2` to `r5`; as any call, clobbers `r0` to `r5`.
    #[track_caller]
    pub fn perf_event_output(
        &mut self,
        array: &impl MapHandle,
        data: Reg,
        size: impl Into<Src>,
    ) -> &mut Self {
        // r3 is free until it takes the flags.
        self.move_pair((Reg::R4, data), (Reg::R5, size.into()), Reg::R3);
        // BPF_F_CURRENT_CPU is 0xffffffff: a 32-bit move of -1 zero-extends.
        self.ld_map_fd(Reg::R2, array).mov32(Reg::R3, -1).call(super::Helper::PerfEventOutput)
    }

    /// `a = data; b = size` as if at once: no move overwrites a source
    /// before it is read (`data` may be in `b`, `size` in `a`, or both),
    /// `temp` holding one while they swap.
    #[track_caller]
    fn move_pair(&mut self, (a, data): (Reg, Reg), (b, size): (Reg, Src), temp: Reg) -> &mut Self {
        let reg = |r: Reg| Src::Reg(r.into());
        if data == b && size == reg(a) {
            self.mov64(temp, a).mov64(a, b).mov64(b, temp)
        } else if data == b {
            self.mov64(a, b).mov64(b, size)
        } else {
            if size != reg(b) {
                self.mov64(b, size);
            }
            if data != a {
                self.mov64(a, data);
            }
            self
        }
    }

    /// `r1 = record; r2 = 0`: the arguments of submit and discard.
    #[track_caller]
    fn record_arg(&mut self, record: Reg) -> &mut Self {
        if record != Reg::R1 {
            self.mov64(Reg::R1, record);
        }
        self.mov64(Reg::R2, 0)
    }

    /// `call` a kernel function by name (`BPF_PSEUDO_KFUNC_CALL`), e.g.
    /// `bpf_rcu_read_lock`. The loader finds its BTF id in the running
    /// kernel's BTF: vmlinux's, not yet a loadable module's (whose BTF
    /// would also have to reach the load in an `fd_array`). A name vmlinux
    /// does not have is an error before the load.
    #[track_caller]
    pub fn call_kfunc(&mut self, name: &str) -> &mut Self {
        self.push(Insn::Call(Call::KfuncNamed(KfuncName::new(name))))
    }

    /// `call` a kernel function by BTF id (`BPF_PSEUDO_KFUNC_CALL`);
    /// `fd_index` selects a module's BTF in the program's `fd_array` (0:
    /// vmlinux).
    #[track_caller]
    pub fn call_kfunc_id(&mut self, btf_id: i32, fd_index: i16) -> &mut Self {
        self.push(Insn::Call(Call::Kfunc { btf_id, fd_index }))
    }

    /// `dst = addr_space_cast(src, dst_as, src_as)`: converts a pointer
    /// between address spaces (an arena's user and kernel addresses).
    #[track_caller]
    pub fn addr_space_cast(
        &mut self,
        dst: Reg,
        src: impl Into<AnyReg>,
        dst_as: u16,
        src_as: u16,
    ) -> &mut Self {
        self.push(Insn::AddrSpaceCast { dst: dst.into(), src: src.into(), dst_as, src_as })
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
        self.push(Insn::LdImm64 { dst: dst.into(), value: Imm64::Const(value) })
    }

    /// `dst = map ll`: the address of `map`. The map stays open as long as
    /// the program does, and the loader writes its fd into the instruction.
    #[track_caller]
    pub fn ld_map_fd(&mut self, dst: Reg, map: &impl MapHandle) -> &mut Self {
        self.push(Insn::LdImm64 { dst: dst.into(), value: Imm64::MapFd(MapRef::Map(map.share())) })
    }

    /// `dst = &map[0] + offset`: the address inside the first value of `map`.
    #[track_caller]
    pub fn ld_map_value(&mut self, dst: Reg, map: &impl MapHandle, offset: u32) -> &mut Self {
        let map = MapRef::Map(map.share());
        self.push(Insn::LdImm64 { dst: dst.into(), value: Imm64::MapValue { map, offset } })
    }

    /// `dst = &map[0].field`: the address of a field of the map's first
    /// value, named with [`field!`](crate::field); a field of another type
    /// than the map's value does not compile. `ld_map_value` at the
    /// field's offset, as C's globals compile.
    #[track_caller]
    pub fn ld_field<M: ValueMap>(
        &mut self,
        dst: Reg,
        map: &M,
        field: Field<M::Value>,
    ) -> &mut Self {
        self.ld_map_value(dst, map, field.offset())
    }

    /// `dst = map ll` for a map known by name, bound to a real map at load.
    #[track_caller]
    pub fn ld_map_by_name(&mut self, dst: Reg, name: impl Into<String>) -> &mut Self {
        self.push(Insn::LdImm64 { dst: dst.into(), value: Imm64::MapFd(MapRef::Name(name.into())) })
    }

    /// `dst = ` the address of the kernel variable with BTF id `id`: in
    /// vmlinux's BTF (`module` `None`), or in the module BTF `module` is an
    /// fd of. The fd's number goes into the instruction; it must stay open
    /// until the program loads.
    #[track_caller]
    pub fn ld_btf_id(&mut self, dst: Reg, id: i32, module: Option<BorrowedFd<'_>>) -> &mut Self {
        let btf_fd = module.map_or(0, |fd| fd.as_raw_fd());
        self.push(Insn::LdImm64 { dst: dst.into(), value: Imm64::BtfId { id, btf_fd } })
    }

    /// `dst = ` the address of the local subprogram at `target` (for callbacks).
    #[track_caller]
    pub fn ld_func(&mut self, dst: Reg, target: impl Into<Target>) -> &mut Self {
        self.push(Insn::LdImm64 { dst: dst.into(), value: Imm64::Func(target.into()) })
    }

    /// `dst = ` the map at `fd_array[index]`.
    #[track_caller]
    pub fn ld_map_idx(&mut self, dst: Reg, index: u32) -> &mut Self {
        self.push(Insn::LdImm64 { dst: dst.into(), value: Imm64::MapIdx(index) })
    }

    /// `dst = ` the address inside the value of the map at `fd_array[index]`.
    #[track_caller]
    pub fn ld_map_idx_value(&mut self, dst: Reg, index: u32, offset: u32) -> &mut Self {
        self.push(Insn::LdImm64 { dst: dst.into(), value: Imm64::MapIdxValue { index, offset } })
    }

    // ---- memory ----

    /// `dst = *(uN *)(src + off)`.
    #[track_caller]
    pub fn ldx(&mut self, size: Size, dst: Reg, src: impl Into<AnyReg>, off: i16) -> &mut Self {
        self.push(Insn::Load { size, dst: dst.into(), src: src.into(), off })
    }

    /// `dst = *(sN *)(src + off)`: sign-extending load of 1, 2 or 4 bytes (v4).
    /// [`Size::DW`] is an assemble-time error.
    #[track_caller]
    pub fn ldsx(&mut self, size: Size, dst: Reg, src: impl Into<AnyReg>, off: i16) -> &mut Self {
        self.push(Insn::LoadSx { size, dst: dst.into(), src: src.into(), off })
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
        self.push(Insn::Atomic { width, op, dst: dst.into(), off, src: src.into() })
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every placement of the two sources, the targets among them: run
    /// the moves on a register file and check both values arrive.
    #[test]
    fn move_pair_never_overwrites_a_source_before_reading_it() {
        let (a, b_reg, temp) = (Reg::R2, Reg::R3, Reg::R4);
        let sizes = Reg::ALL[..6].iter().map(|&r| Src::from(r)).chain([Src::Imm(77)]);
        for size in sizes {
            for &data in &Reg::ALL[..6] {
                if Src::from(data) == size || data == temp || size == Src::from(temp) {
                    continue; // one register cannot be both; temp is free
                }
                let mut b = ProgramBuilder::new();
                b.move_pair((a, data), (b_reg, size), temp);
                let mut file: [i64; 11] = std::array::from_fn(|i| 100 + i as i64);
                let want = (
                    file[usize::from(data.number())],
                    match size {
                        Src::Reg(r) => file[usize::from(r.number())],
                        Src::Imm(i) => i64::from(i),
                    },
                );
                let moves =
                    if b.is_empty() { Vec::new() } else { b.assemble().unwrap().insns().to_vec() };
                for raw in moves {
                    let dst = usize::from(raw.dst());
                    file[dst] = match raw.code {
                        0xbf => file[usize::from(raw.src())], // mov64 reg
                        0xb7 => i64::from(raw.imm),           // mov64 imm
                        code => panic!("unexpected opcode {code:#x}"),
                    };
                }
                assert_eq!((file[2], file[3]), want, "data {data}, size {size:?}");
            }
        }
    }

    fn text(b: &ProgramBuilder) -> Vec<String> {
        b.insns().map(|insn| insn.to_string()).collect()
    }

    #[test]
    fn lock_calls_set_r1_only_when_they_must() {
        // LLVM's text names helpers by number: 93 and 94 are the lock's.
        let mut b = ProgramBuilder::new();
        b.spin_lock(Reg::R6, 8).spin_unlock(Reg::R1, 0).spin_lock(Reg::R1, 4);
        assert_eq!(text(&b), ["r1 = r6", "r1 += 8", "call 93", "call 94", "r1 += 4", "call 93",]);
    }

    #[test]
    fn every_instruction_of_a_lock_call_has_the_callers_line() {
        let mut b = ProgramBuilder::new();
        let line = line!() + 1;
        b.spin_lock(Reg::R7, 16);
        let program = b.assemble().unwrap();
        let lines: Vec<_> = program.listing().map(|(_, _, at)| at).collect();
        assert_eq!(lines.len(), 3);
        for at in lines {
            assert!(matches!(at, crate::asm::Origin::Rust(l) if l.line() == line), "{at:?}");
        }
    }
}
