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

use super::chunked::Chunked;
use super::encode::{EncodeError, encode};
use super::insn::RawInsn;
use super::ir::{Imm64, Insn, MapRef};
use super::label::{Field, Fixup, Label, Labels, Target};
use super::origin::Origin;
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
}
