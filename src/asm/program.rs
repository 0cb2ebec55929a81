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
//!
//! Assembling checks the labels and the instruction limit, copies the slots
//! and patches each fixup with the offset of its target relative to the next
//! slot, once it has checked that the offset fits its field. Failures come in
//! slot order, whether a label's or an instruction's that does not encode,
//! and each names the instruction and its [`Origin`]: the Rust line that
//! emitted it, or its position in assembler text. The builder's state is
//! private to this file; the DSL (`forms.rs`) and the text assembler
//! (`parse`) record through its methods.

use std::sync::atomic::{AtomicU32, Ordering};

use super::assemble::{AsmError, Assembled, MAX_INSNS};
use super::chunked::Chunked;
use super::encode::{EncodeError, decode, encode};
use super::function::{FuncDecl, function_starts};
use super::insn::RawInsn;
use super::ir::{Call, Imm64, Insn};
use super::kfunc_slots::KfuncSlots;
use super::label::{Field, Fixup, Label, Labels, Target};
use super::map_slots::MapSlots;
use super::origin::Origin;
use super::source_map::SourceMap;

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
    id: u32,
    /// The encoded slots; a jump to a label holds 0 until assembled.
    slots: Chunked<RawInsn>,
    /// The origin of each slot.
    lines: SourceMap,
    /// How many instructions were recorded (`LD_IMM64` counts once).
    count: usize,
    /// Slots whose target is a label of this program, by slot.
    fixups: Chunked<Fixup>,
    /// Slots that refer to a live or named map, and the live maps.
    maps: MapSlots,
    /// Slots that call a kernel function by name.
    kfuncs: KfuncSlots,
    /// Instructions that do not encode, kept whole for `assemble` to report:
    /// (first slot, instruction), by slot. Their slots hold zeros.
    rejected: Vec<(usize, Insn)>,
    labels: Labels,
    /// Labels bound twice: (label index, second binding).
    rebinds: Vec<(u32, Origin)>,
    /// Labels of other programs used or bound here, with where that happened.
    foreign: Vec<(Origin, Label)>,
    /// Functions declared at labels: (label, declaration, where).
    functions: Vec<(Label, FuncDecl, Origin)>,
}

impl Default for ProgramBuilder {
    fn default() -> Self {
        ProgramBuilder::new()
    }
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
            maps: MapSlots::default(),
            kfuncs: KfuncSlots::default(),
            rejected: Vec::new(),
            labels: Labels::default(),
            rebinds: Vec::new(),
            foreign: Vec::new(),
            functions: Vec::new(),
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
        if insn.target().is_some()
            || matches!(insn, Insn::LdImm64 { .. } | Insn::Call(Call::KfuncNamed(_)))
        {
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
        match insn {
            Insn::LdImm64 { value: Imm64::MapFd(map) | Imm64::MapValue { map, .. }, .. } => {
                self.maps.record(slot, map);
            }
            Insn::Call(Call::KfuncNamed(name)) => self.kfuncs.record(slot, name),
            _ => {}
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

    /// Declares the function that starts at `label` (a target of
    /// [`call_local`](Self::call_local) or [`ld_func`](Self::ld_func)):
    /// its name, linkage and parameters, which the loader writes into the
    /// program's BTF. Functions not declared are static, named
    /// `func_<slot>`. A label may be declared once; a declaration at a label
    /// that is neither instruction 0 nor a call or address target is an
    /// error when the program is assembled
    /// ([`AsmError::UncalledFunction`]).
    ///
    /// ```
    /// use bpfkit::asm::{ArgType, FuncDecl, ProgramBuilder, R0, R1};
    ///
    /// let mut b = ProgramBuilder::new();
    /// let double = b.label();
    /// b.mov64(R1, 21).call_local(double).exit();
    /// b.function(double, FuncDecl::global("double").param("x", ArgType::U64));
    /// b.bind(double).mov64(R0, R1).add64(R0, R1).exit();
    /// let prog = b.assemble()?;
    /// let names: Vec<_> = prog.functions().iter().map(|f| f.decl.map(|d| d.name.clone())).collect();
    /// assert_eq!(names, [None, Some("double".to_string())]);
    /// # Ok::<(), bpfkit::asm::AsmError>(())
    /// ```
    #[track_caller]
    pub fn function(&mut self, label: Label, decl: FuncDecl) -> &mut Self {
        let at = Origin::caller();
        if label.program != self.id || !self.labels.exists(label.index) {
            self.foreign.push((at, label));
        } else {
            self.functions.push((label, decl, at));
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
}

impl ProgramBuilder {
    /// Resolves labels, checks offsets and the instruction limit, and returns
    /// the slots the kernel loads.
    pub fn assemble(&self) -> Result<Assembled, AsmError> {
        self.assemble_with_limit(MAX_INSNS)
    }

    /// Like [`assemble`](Self::assemble), with another instruction limit
    /// (e.g. 4096 for an unprivileged loader).
    pub fn assemble_with_limit(&self, limit: usize) -> Result<Assembled, AsmError> {
        if self.count == 0 {
            return Err(AsmError::Empty);
        }
        if let Some(&(index, second)) = self.rebinds.first() {
            return Err(AsmError::LabelBoundTwice {
                label: self.labels.name(index),
                first: self.labels.bound_at(index).unwrap_or(second),
                second,
            });
        }
        if let Some(&(at, label)) = self.foreign.first() {
            return Err(AsmError::ForeignLabel { label: label.to_string(), at });
        }
        let slots = self.slots.len();
        // The kernel counts slots in 32 bits, and so do labels and fixups.
        let limit = limit.min(u32::MAX as usize);
        if slots > limit {
            return Err(AsmError::TooLong { slots, limit });
        }

        // Errors come in slot order, whether a label's or an instruction's.
        let mut out = Vec::with_capacity(slots);
        for chunk in self.slots.chunks() {
            out.extend_from_slice(chunk);
        }
        let rejected = self.rejected.first();
        for &fixup in self.fixups.iter() {
            if let Some((slot, insn)) = rejected.filter(|(slot, _)| *slot < fixup.slot()) {
                return Err(self.rejection(*slot, insn));
            }
            let offset = self.resolve(fixup)?;
            if let Some(raw) = out.get_mut(fixup.slot()) {
                match fixup.field() {
                    Field::Off => raw.off = offset as i16,
                    Field::Imm => raw.imm = offset,
                }
            }
        }
        if let Some((slot, insn)) = rejected {
            return Err(self.rejection(*slot, insn));
        }
        let mut functions = Vec::with_capacity(self.functions.len());
        for (label, decl, at) in &self.functions {
            let Some(slot) = self.labels.bound(label.index).filter(|&slot| slot < slots) else {
                return Err(AsmError::UnboundFunction {
                    name: decl.name.clone(),
                    declared_at: *at,
                });
            };
            functions.push((slot, decl.clone(), *at));
        }
        functions.sort_by_key(|(slot, _, _)| *slot);
        self.check_declared(&out, &functions)?;
        Ok(Assembled::new(
            out,
            self.lines.snapshot(),
            self.maps.clone(),
            self.kfuncs.clone(),
            functions,
        ))
    }

    /// Every declaration names a function the kernel will see (one that
    /// starts at instruction 0 or at a call or address target), and no
    /// function is declared twice. `functions` is sorted by slot.
    fn check_declared(
        &self,
        insns: &[RawInsn],
        functions: &[(usize, FuncDecl, Origin)],
    ) -> Result<(), AsmError> {
        if functions.is_empty() {
            return Ok(());
        }
        for pair in functions.windows(2) {
            if let [(slot, first, first_at), (again, second, second_at)] = pair {
                if slot == again {
                    return Err(AsmError::DuplicateFunction {
                        first: first.name.clone(),
                        first_at: *first_at,
                        second: second.name.clone(),
                        second_at: *second_at,
                        slot: *slot,
                    });
                }
            }
        }
        let starts = function_starts(insns, |slot| self.lines.is_second(slot));
        match functions.iter().find(|(slot, _, _)| starts.binary_search(slot).is_err()) {
            Some((slot, decl, at)) => Err(AsmError::UncalledFunction {
                name: decl.name.clone(),
                declared_at: *at,
                slot: *slot,
            }),
            None => Ok(()),
        }
    }

    /// Why `insn`, recorded at `slot`, does not encode.
    fn rejection(&self, slot: usize, insn: &Insn) -> AsmError {
        let at = self.lines.at(slot);
        match encode(insn, &mut Vec::with_capacity(2)) {
            Err(e @ EncodeError::OffsetOutOfRange { .. }) => {
                AsmError::OffsetOutOfRange { index: slot, insn: insn.to_string(), at, source: e }
            }
            Err(other) => AsmError::InvalidInsn { index: slot, at, why: other.to_string() },
            Ok(()) => AsmError::InvalidInsn { index: slot, at, why: "does not encode".into() },
        }
    }

    /// The instruction recorded at `slot` (its first), as it was given:
    /// label targets and maps restored from the side tables.
    fn recorded(&self, slot: usize) -> Insn {
        if let Ok(k) = self.rejected.binary_search_by_key(&slot, |(s, _)| *s) {
            return self.rejected[k].1.clone();
        }
        let mut words = Vec::with_capacity(2);
        words.extend(self.slots.get(slot).copied());
        if self.lines.is_second(slot + 1) {
            words.extend(self.slots.get(slot + 1).copied());
        }
        let (mut insn, _) = decode(&words);
        if let Some(fixup) = self.fixups.find_by_key(slot, |f| f.slot()) {
            if let Some(target) = insn.target_mut() {
                *target = Target::Label(Label { program: self.id, index: fixup.label() });
            }
        }
        self.maps.restore(slot, &mut insn);
        self.kfuncs.restore(slot, &mut insn);
        insn
    }

    /// The text of the instruction at `slot`, which jumps to `label`, with
    /// the label under its name.
    fn insn_text(&self, slot: usize, label: Label) -> String {
        self.recorded(slot).to_string().replace(&label.to_string(), &self.labels.name(label.index))
    }

    /// The offset of `fixup`'s target, checked against its field.
    fn resolve(&self, fixup: Fixup) -> Result<i32, AsmError> {
        let index = fixup.slot();
        let label = Label { program: self.id, index: fixup.label() };
        let used_at = || self.lines.at(index);
        if !self.labels.exists(label.index) {
            return Err(AsmError::ForeignLabel { label: label.to_string(), at: used_at() });
        }
        let Some(bound) = self.labels.bound(label.index) else {
            return Err(AsmError::UnboundLabel {
                label: self.labels.name(label.index),
                created_at: self.labels.created_at(label.index).unwrap_or_else(used_at),
                index,
                insn: self.insn_text(index, label),
                used_at: used_at(),
            });
        };
        if bound >= self.slots.len() {
            return Err(AsmError::TargetPastEnd {
                label: self.labels.name(label.index),
                bound_at: self.labels.bound_at(label.index).unwrap_or_else(used_at),
                index,
                insn: self.insn_text(index, label),
                at: self.lines.at(index),
            });
        }
        // Offsets count slots from the one after the jump's first slot.
        let offset = bound as i64 - (index as i64 + 1);
        let (bits, fits) = match fixup.field() {
            Field::Off => (16, i16::try_from(offset).is_ok()),
            Field::Imm => (32, i32::try_from(offset).is_ok()),
        };
        if !fits {
            return Err(AsmError::OffsetOutOfRange {
                index,
                insn: self.recorded(index).to_string(),
                at: self.lines.at(index),
                source: EncodeError::OffsetOutOfRange { offset, bits },
            });
        }
        Ok(offset as i32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asm::chunked::CHUNK;
    use crate::asm::{AluOp, ArgType, Cond, R0, R1, R2, SxBits, Width};

    #[test]
    fn builder_returns_what_it_was_given_across_chunks() {
        let mut b = ProgramBuilder::new();
        let mut given = Vec::new();
        let top = b.here();
        let ahead = b.named_label("ahead");
        let mut slots = 0;
        for i in 0..2 * CHUNK {
            // An LD_IMM64 across the first chunk boundary, and now and then.
            let insn = if slots == CHUNK - 1 || i % 11 == 0 {
                Insn::LdImm64 { dst: R1.into(), value: Imm64::Const(i as u64) }
            } else if i % 11 == 5 {
                let target = Target::Label(ahead);
                Insn::Jump {
                    width: Width::Bits64,
                    cond: Cond::Eq,
                    dst: R1.into(),
                    src: 0.into(),
                    target,
                }
            } else {
                Insn::Alu {
                    width: Width::Bits32,
                    op: AluOp::Mov,
                    dst: R2.into(),
                    src: (i as i32).into(),
                }
            };
            slots += insn.slots();
            b.push(insn.clone());
            given.push(insn);
        }
        b.add64(R0, 1);
        given.push(Insn::Alu {
            width: Width::Bits64,
            op: AluOp::Add,
            dst: R0.into(),
            src: 1.into(),
        });
        assert!(b.lines.is_second(CHUNK), "an LD_IMM64 across the first chunk boundary");
        b.ld_map_by_name(R1, "counts").gotol(top).bind(ahead).movsx32(R1, R2, SxBits::B32).exit();
        let got: Vec<Insn> = b.insns().collect();
        assert_eq!(got.len(), b.len());
        assert_eq!(got[..given.len()], given[..]);
        let tail: Vec<String> = got[given.len()..].iter().map(ToString::to_string).collect();
        assert_eq!(tail, ["r1 = counts ll", "gotol .L0", "w1 = (s32)w2", "exit"]);
    }

    #[test]
    fn errors_come_in_slot_order() {
        // An instruction that does not encode, before a jump to an unbound label...
        let mut b = ProgramBuilder::new();
        let nowhere = b.label();
        b.ld_imm64(R1, 0).movsx32(R1, R2, SxBits::B32).jeq(R1, 0, nowhere).exit();
        assert!(matches!(b.assemble(), Err(AsmError::InvalidInsn { index: 2, .. })));
        // ...and after one.
        let mut b = ProgramBuilder::new();
        let nowhere = b.label();
        b.ld_imm64(R1, 0).jeq(R1, 0, nowhere).movsx32(R1, R2, SxBits::B32).exit();
        assert!(matches!(b.assemble(), Err(AsmError::UnboundLabel { index: 2, .. })));
        // A numeric offset that does not fit, after a label that does.
        let mut b = ProgramBuilder::new();
        let end = b.label();
        b.ja(end).jeq(R1, 0, 1 << 15).bind(end).exit();
        let Err(AsmError::OffsetOutOfRange { index: 1, insn, .. }) = b.assemble() else {
            panic!("want OffsetOutOfRange at 1");
        };
        assert_eq!(insn, "if r1 == 0 goto +32768");
    }

    // ---- functions: ProgramBuilder::function and Assembled::functions ----

    #[test]
    fn functions_start_at_zero_and_at_every_call_and_address_target() {
        let mut b = ProgramBuilder::new();
        let (a, c) = (b.label(), b.label());
        // Two calls of `a`, an address of `c` (two slots), and a jump,
        // whose target starts no function.
        let skip = b.label();
        b.call_local(a).call_local(a).ld_func(R1, c).ja(skip).bind(skip).exit();
        b.bind(a).mov64(R0, 1).exit();
        b.function(c, FuncDecl::new("c"));
        b.bind(c).mov64(R0, 2).exit();
        let prog = b.assemble().unwrap();
        let functions = prog.functions();
        let starts: Vec<usize> = functions.iter().map(|f| f.start).collect();
        assert_eq!(starts, [0, 6, 8]);
        assert_eq!(functions[2].decl.map(|d| d.name.as_str()), Some("c"));
        assert!(functions[2].declared_at.is_some() && functions[1].decl.is_none());
    }

    #[test]
    fn a_declaration_at_an_unbound_label_is_an_error() {
        let mut b = ProgramBuilder::new();
        let nowhere = b.label();
        b.function(nowhere, FuncDecl::global("f"));
        b.mov64(R0, 0).exit();
        let err = b.assemble().unwrap_err();
        assert!(matches!(err, AsmError::UnboundFunction { ref name, .. } if name == "f"));
        assert!(err.to_string().contains("function f is declared at"), "{err}");
    }

    #[test]
    fn a_declaration_nothing_calls_is_an_error() {
        let mut b = ProgramBuilder::new();
        let unused = b.label();
        b.mov64(R0, 0).exit();
        b.function(unused, FuncDecl::new("unused"));
        b.bind(unused).exit();
        let err = b.assemble().unwrap_err();
        assert!(
            matches!(err, AsmError::UncalledFunction { ref name, slot: 2, .. } if name == "unused"),
            "{err:?}"
        );
        let text = err.to_string();
        assert!(
            text.contains("function unused is declared at") && text.contains(file!()),
            "{text}"
        );

        // A jump target is not a function start either.
        let mut b = ProgramBuilder::new();
        let inside = b.label();
        b.ja(inside).bind(inside).mov64(R0, 0).exit();
        b.function(inside, FuncDecl::new("inside"));
        assert!(matches!(b.assemble(), Err(AsmError::UncalledFunction { slot: 1, .. })));

        // The main program may be declared: it starts at 0.
        let mut b = ProgramBuilder::new();
        let main = b.here();
        b.function(main, FuncDecl::global("main").param("ctx", ArgType::Ctx));
        b.mov64(R0, 0).exit();
        let prog = b.assemble().unwrap();
        assert_eq!(prog.functions()[0].decl.map(|d| d.name.as_str()), Some("main"));
    }

    #[test]
    fn two_declarations_of_one_function_are_an_error() {
        let mut b = ProgramBuilder::new();
        let (f, g) = (b.label(), b.label());
        b.call_local(f).exit();
        b.function(f, FuncDecl::new("f")).function(g, FuncDecl::new("g"));
        b.bind(f).bind(g).mov64(R0, 0).exit();
        let err = b.assemble().unwrap_err();
        assert!(
            matches!(err, AsmError::DuplicateFunction { ref first, ref second, slot: 2, .. }
                if first == "f" && second == "g"),
            "{err:?}"
        );
    }
}
