//! The assembler: labels to offsets, range and limit checks, and the
//! assembled program.
//!
//! The builder records every instruction already encoded, in its slots
//! (`LD_IMM64` takes two), with each jump to a label left as a [`Fixup`].
//! Assembling checks the labels and the instruction limit, copies the slots
//! and patches each fixup with the offset of its target relative to the next
//! slot, once it has checked that the offset fits its field. Failures come in
//! slot order, whether a label's or an instruction's that does not encode,
//! and each names the instruction and its [`Origin`]: the Rust line that
//! emitted it, or its position in assembler text.
//!
//! The containers it reads keep a large program small: the builder's
//! chunks (`chunked.rs`) grow without reallocating, and [`SourceMap`]
//! stores an origin per slot in about two bytes.

use std::fmt;

use thiserror::Error;

use super::encode::{EncodeError, decode, encode};
use super::insn::RawInsn;
use super::ir::{Imm64, Insn, MapRef};
use super::label::{Field, Fixup, Label, Target};
use super::origin::Origin;
use super::program::ProgramBuilder;
use super::source_map::SourceMap;
use crate::maps::MapFd;

/// The most instruction slots the kernel accepts in one program
/// (`BPF_COMPLEXITY_LIMIT_INSNS`, for a privileged loader; unprivileged
/// loaders are limited to 4096).
pub const MAX_INSNS: usize = 1_000_000;

/// Why a program does not assemble. Each error names the instruction and
/// where it came from: the Rust line that emitted it, or its line and column
/// in assembler text.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum AsmError {
    /// The program has no instructions.
    #[error("the program is empty: it needs at least an exit")]
    Empty,
    /// A label is jumped to but never bound.
    #[error(
        "label {label} (made at {created_at}) is never bound, but instruction {index} \
         `{insn}` at {used_at} jumps to it: bind it with `bind` before assembling"
    )]
    UnboundLabel {
        /// The label's name.
        label: String,
        /// Where it was made.
        created_at: Origin,
        /// The slot index of the jump.
        index: usize,
        /// The jump.
        insn: String,
        /// Where the jump was emitted.
        used_at: Origin,
    },
    /// A label is bound twice.
    #[error("label {label} is bound twice: at {first} and again at {second}")]
    LabelBoundTwice {
        /// The label's name.
        label: String,
        /// The first binding.
        first: Origin,
        /// The second binding.
        second: Origin,
    },
    /// A label of another program is used or bound.
    #[error("label {label} at {at} belongs to another program")]
    ForeignLabel {
        /// The label.
        label: String,
        /// Where it was used.
        at: Origin,
    },
    /// A jump targets a label bound after the last instruction.
    #[error(
        "instruction {index} `{insn}` at {at} jumps to {label}, which is bound after the \
         last instruction (at {bound_at}): the target must be an instruction"
    )]
    TargetPastEnd {
        /// The label.
        label: String,
        /// Where it was bound.
        bound_at: Origin,
        /// The slot index of the jump.
        index: usize,
        /// The jump.
        insn: String,
        /// Where the jump was emitted.
        at: Origin,
    },
    /// A jump offset does not fit its field.
    #[error("instruction {index} `{insn}` at {at}: {source}")]
    OffsetOutOfRange {
        /// The slot index of the jump.
        index: usize,
        /// The jump.
        insn: String,
        /// Where it was emitted.
        at: Origin,
        /// The offset and field width.
        source: EncodeError,
    },
    /// An operand combination the ISA does not have.
    #[error("instruction {index} at {at}: {why}")]
    InvalidInsn {
        /// The slot index.
        index: usize,
        /// Where it was emitted.
        at: Origin,
        /// What is wrong.
        why: String,
    },
    /// The program exceeds the kernel's instruction limit.
    #[error("the program has {slots} instruction slots; the kernel accepts at most {limit}")]
    TooLong {
        /// Slots in the program.
        slots: usize,
        /// The limit.
        limit: usize,
    },
}

/// An assembled program: the instructions the kernel loads, the origin of
/// each (a Rust line or a line of text), and the maps it refers to (kept open for as long as it lives).
///
/// It keeps the encoded slots, not the IR: an instruction asked for is
/// decoded again (a map then shows as its fd, `map_fd(N)`).
#[derive(Clone, Debug)]
pub struct Assembled {
    insns: Vec<RawInsn>,
    /// The origin of each slot, and where instructions start.
    lines: SourceMap,
    maps: Vec<MapFd>,
    /// Maps referred to by name only: (slot, name), by slot.
    named: Vec<(usize, String)>,
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
        Ok(Assembled {
            insns: out,
            lines: self.lines.snapshot(),
            maps: self.maps.clone(),
            named: self.named.clone(),
        })
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
    pub(crate) fn recorded(&self, slot: usize) -> Insn {
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
        if let Insn::LdImm64 { value: Imm64::MapFd(map) | Imm64::MapValue { map, .. }, .. } =
            &mut insn
        {
            if let Ok(k) = self.named.binary_search_by_key(&slot, |(s, _)| *s) {
                *map = MapRef::Name(self.named[k].1.clone());
            } else if let Some(m) = self.maps.iter().find(|m| m.raw_fd() == map.fd_number()) {
                *map = MapRef::Map(m.clone());
            }
        }
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

impl Assembled {
    /// The instruction slots, as the kernel loads them.
    pub fn insns(&self) -> &[RawInsn] {
        &self.insns
    }

    /// The instructions as bytes in memory order.
    pub fn as_bytes(&self) -> &[u8] {
        super::insn::insns_as_bytes(&self.insns)
    }

    /// The number of slots (what the kernel calls instructions).
    pub fn len(&self) -> usize {
        self.insns.len()
    }

    /// Whether the program has no instructions (never true once assembled).
    pub fn is_empty(&self) -> bool {
        self.insns.is_empty()
    }

    /// Where the instruction at slot `slot` came from (the kernel's
    /// instruction index; both slots of an `LD_IMM64` map to it): the Rust
    /// line that emitted it, or its line and column in assembler text.
    pub fn location(&self, slot: usize) -> Option<Origin> {
        self.lines.get(slot)
    }

    /// The instruction that occupies slot `slot`.
    pub fn insn_at(&self, slot: usize) -> Option<Insn> {
        (slot < self.insns.len()).then(|| self.decode_at(self.lines.first_slot(slot)))
    }

    /// The instruction starting at slot `start`, decoded from its own slots
    /// only: two raw words that happen to spell an `LD_IMM64` stay two.
    fn decode_at(&self, start: usize) -> Insn {
        let wide = start + 1 < self.insns.len() && self.lines.first_slot(start + 1) == start;
        let end = if wide { start + 2 } else { start + 1 };
        let (mut insn, _) = decode(self.insns.get(start..end).unwrap_or_default());
        if let Ok(k) = self.named.binary_search_by_key(&start, |(slot, _)| *slot) {
            if let Insn::LdImm64 {
                value: Imm64::MapFd(map) | Imm64::MapValue { map, .. }, ..
            } = &mut insn
            {
                *map = MapRef::Name(self.named[k].1.clone());
            }
        }
        insn
    }

    /// Each instruction with its first slot and where it came from.
    pub fn listing(&self) -> impl Iterator<Item = (usize, Insn, Origin)> + '_ {
        self.lines.starts().map(|start| (start, self.decode_at(start), self.lines.at(start)))
    }

    /// The maps the program refers to, kept open while it lives.
    pub fn maps(&self) -> &[MapFd] {
        &self.maps
    }

    /// Binds every reference to the map named `name` (made with
    /// [`ProgramBuilder::ld_map_by_name`], or `r1 = NAME ll` in text) to
    /// `map`: its fd goes into those instructions, and the program keeps the
    /// map open. Returns how many instructions referred to `name`.
    pub fn bind_map(&mut self, name: &str, map: &impl AsRef<MapFd>) -> usize {
        let map = map.as_ref();
        let mut bound = 0;
        self.named.retain(|(slot, n)| {
            if n != name {
                return true;
            }
            self.insns[*slot].imm = map.raw_fd();
            bound += 1;
            false
        });
        if bound > 0 && !self.maps.iter().any(|m| m.raw_fd() == map.raw_fd()) {
            self.maps.push(map.clone());
        }
        bound
    }

    /// Names of maps the program refers to by name only, with their slots;
    /// such a program needs them bound ([`bind_map`](Self::bind_map)) before it loads.
    pub fn named_maps(&self) -> impl Iterator<Item = (usize, &str)> {
        self.named.iter().map(|(slot, name)| (*slot, name.as_str()))
    }
}

impl fmt::Display for Assembled {
    /// One instruction per line, in LLVM's BPF assembler syntax.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for start in self.lines.starts() {
            writeln!(f, "{}", self.decode_at(start))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asm::chunked::CHUNK;
    use crate::asm::{AluOp, Cond, R0, R1, R2, SxBits, Width};

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
}
