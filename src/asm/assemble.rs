//! The assembler: labels to offsets, range and limit checks, encoding.
//!
//! Pass one gives every instruction its slot (`LD_IMM64` takes two) and
//! checks the labels; pass two resolves each target to an offset relative to
//! the next slot, checks that it fits its field and encodes. Every failure
//! names the instruction and the Rust line that emitted it.

use std::fmt;
use std::panic::Location;

use thiserror::Error;

use super::encode::{EncodeError, decode, encode};
use super::insn::RawInsn;
use super::ir::{Imm64, Insn, MapRef};
use super::label::{Label, Target};
use super::program::ProgramBuilder;
use crate::maps::MapFd;

/// The most instruction slots the kernel accepts in one program
/// (`BPF_COMPLEXITY_LIMIT_INSNS`, for a privileged loader; unprivileged
/// loaders are limited to 4096).
pub const MAX_INSNS: usize = 1_000_000;

type Loc = &'static Location<'static>;

/// Why a program does not assemble.
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
        created_at: Loc,
        /// The slot index of the jump.
        index: usize,
        /// The jump.
        insn: String,
        /// Where the jump was emitted.
        used_at: Loc,
    },
    /// A label is bound twice.
    #[error("label {label} is bound twice: at {first} and again at {second}")]
    LabelBoundTwice {
        /// The label's name.
        label: String,
        /// The first binding.
        first: Loc,
        /// The second binding.
        second: Loc,
    },
    /// A label of another program is used or bound.
    #[error("label {label} at {at} belongs to another program")]
    ForeignLabel {
        /// The label.
        label: String,
        /// Where it was used.
        at: Loc,
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
        bound_at: Loc,
        /// The slot index of the jump.
        index: usize,
        /// The jump.
        insn: String,
        /// Where the jump was emitted.
        at: Loc,
    },
    /// A jump offset does not fit its field.
    #[error("instruction {index} `{insn}` at {at}: {source}")]
    OffsetOutOfRange {
        /// The slot index of the jump.
        index: usize,
        /// The jump.
        insn: String,
        /// Where it was emitted.
        at: Loc,
        /// The offset and field width.
        source: EncodeError,
    },
    /// An operand combination the ISA does not have.
    #[error("instruction {index} at {at}: {why}")]
    InvalidInsn {
        /// The slot index.
        index: usize,
        /// Where it was emitted.
        at: Loc,
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

/// An assembled program: the instructions the kernel loads, the Rust line of
/// each, and the maps it refers to (kept open for as long as it lives).
///
/// It keeps the encoded slots, not the IR: an instruction asked for is
/// decoded again (a map then shows as its fd, `map_fd(N)`).
#[derive(Clone, Debug)]
pub struct Assembled {
    insns: Vec<RawInsn>,
    /// The first slot of each instruction, increasing.
    starts: Vec<usize>,
    /// The Rust line of each instruction.
    locations: Vec<Loc>,
    maps: Vec<MapFd>,
    /// Maps referred to by name only: (slot, name), by slot.
    named: Vec<(usize, String)>,
}

impl ProgramBuilder {
    /// Resolves labels, checks offsets and the instruction limit, and encodes.
    pub fn assemble(&self) -> Result<Assembled, AsmError> {
        self.assemble_with_limit(MAX_INSNS)
    }

    /// Like [`assemble`](Self::assemble), with another instruction limit
    /// (e.g. 4096 for an unprivileged loader).
    pub fn assemble_with_limit(&self, limit: usize) -> Result<Assembled, AsmError> {
        if self.insns.is_empty() {
            return Err(AsmError::Empty);
        }
        if let Some(&(index, second)) = self.rebinds.first() {
            let state = &self.labels[index as usize];
            return Err(AsmError::LabelBoundTwice {
                label: self.label_name(index),
                first: state.bound_at.unwrap_or(second),
                second,
            });
        }
        if let Some(&(at, label)) = self.foreign.first() {
            return Err(AsmError::ForeignLabel { label: label.to_string(), at });
        }

        let mut starts = Vec::with_capacity(self.insns.len() + 1);
        let mut slots = 0usize;
        for insn in &self.insns {
            starts.push(slots);
            slots += insn.slots();
        }
        starts.push(slots);
        if slots > limit {
            return Err(AsmError::TooLong { slots, limit });
        }

        let mut out = Vec::with_capacity(slots);
        let mut maps: Vec<MapFd> = Vec::new();
        let mut named = Vec::new();
        for (i, insn) in self.insns.iter().enumerate() {
            let at = self.locations[i];
            let index = starts[i];
            // Only an instruction whose target is a label needs a copy to patch.
            let resolved;
            let insn = match insn.target() {
                Some(Target::Label(label)) => {
                    let offset = self.resolve(label, &starts, index, insn, at)?;
                    let mut patched = insn.clone();
                    if let Some(target) = patched.target_mut() {
                        *target = Target::Offset(offset);
                    }
                    resolved = patched;
                    &resolved
                }
                _ => insn,
            };
            encode(insn, &mut out).map_err(|e| match e {
                EncodeError::OffsetOutOfRange { .. } => {
                    AsmError::OffsetOutOfRange { index, insn: insn.to_string(), at, source: e }
                }
                other => AsmError::InvalidInsn { index, at, why: other.to_string() },
            })?;
            if let Insn::LdImm64 {
                value: Imm64::MapFd(map) | Imm64::MapValue { map, .. }, ..
            } = insn
            {
                match map {
                    MapRef::Map(m) if !maps.iter().any(|known| known.raw_fd() == m.raw_fd()) => {
                        maps.push(m.clone())
                    }
                    MapRef::Name(name) => named.push((index, name.clone())),
                    _ => {}
                }
            }
        }
        starts.pop();
        Ok(Assembled { insns: out, starts, locations: self.locations.clone(), maps, named })
    }

    /// The instruction's text with `label` under its name.
    fn insn_text(&self, insn: &Insn, label: Label) -> String {
        insn.to_string().replace(&label.to_string(), &self.label_name(label.index))
    }

    fn label_name(&self, index: u32) -> String {
        match &self.labels[index as usize].name {
            Some(name) => name.clone(),
            None => format!(".L{index}"),
        }
    }

    fn resolve(
        &self,
        label: Label,
        starts: &[usize],
        index: usize,
        insn: &Insn,
        at: Loc,
    ) -> Result<i32, AsmError> {
        let state = &self.labels[label.index as usize];
        let Some(bound) = state.bound_to else {
            return Err(AsmError::UnboundLabel {
                label: self.label_name(label.index),
                created_at: state.created_at,
                index,
                insn: self.insn_text(insn, label),
                used_at: at,
            });
        };
        if bound >= self.insns.len() {
            return Err(AsmError::TargetPastEnd {
                label: self.label_name(label.index),
                bound_at: state.bound_at.unwrap_or(at),
                index,
                insn: self.insn_text(insn, label),
                at,
            });
        }
        // Offsets count slots from the one after the jump's first slot.
        let offset = starts[bound] as i64 - (index as i64 + 1);
        let bits = if insn.offset_is_wide() { 32 } else { 16 };
        let fits =
            if bits == 16 { i16::try_from(offset).is_ok() } else { i32::try_from(offset).is_ok() };
        if !fits {
            return Err(AsmError::OffsetOutOfRange {
                index,
                insn: insn.to_string(),
                at,
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

    /// The Rust line that emitted the instruction at slot `slot` (the kernel's
    /// instruction index; both slots of an `LD_IMM64` map to it).
    pub fn location(&self, slot: usize) -> Option<&'static Location<'static>> {
        self.locations.get(self.owner(slot)?).copied()
    }

    /// The instruction that occupies slot `slot`.
    pub fn insn_at(&self, slot: usize) -> Option<Insn> {
        self.owner(slot).map(|i| self.decode_nth(i))
    }

    /// The index of the instruction occupying `slot`.
    fn owner(&self, slot: usize) -> Option<usize> {
        if slot >= self.insns.len() {
            return None;
        }
        // The last instruction starting at or before `slot`.
        Some(self.starts.partition_point(|&start| start <= slot) - 1)
    }

    /// The `i`th instruction, decoded from its slots.
    fn decode_nth(&self, i: usize) -> Insn {
        let start = self.starts[i];
        let (mut insn, _) = decode(&self.insns[start..]);
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

    /// Each instruction with its first slot and the Rust line that emitted it.
    pub fn listing(&self) -> impl Iterator<Item = (usize, Insn, &'static Location<'static>)> + '_ {
        (0..self.starts.len()).map(|i| (self.starts[i], self.decode_nth(i), self.locations[i]))
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
        for i in 0..self.starts.len() {
            writeln!(f, "{}", self.decode_nth(i))?;
        }
        Ok(())
    }
}
