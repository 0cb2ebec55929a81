//! The assembler: labels to offsets, range and limit checks, and the
//! assembled program.
//!
//! The builder records every instruction already encoded, in its slots
//! (`LD_IMM64` takes two), with each jump to a label left as a [`Fixup`].
//! Assembling checks the labels and the instruction limit, copies the slots
//! and patches each fixup with the offset of its target relative to the next
//! slot, once it has checked that the offset fits its field. Failures come in
//! slot order, whether a label's or an instruction's that does not encode,
//! and each names the instruction and the Rust line that emitted it.
//!
//! The containers here keep a large program small: [`Chunked`] grows
//! without reallocating, and [`SourceMap`] stores a line per slot in about
//! two bytes.

use std::fmt;
use std::panic::Location;
use std::sync::Arc;

use thiserror::Error;

use super::encode::{EncodeError, decode, encode};
use super::insn::RawInsn;
use super::ir::{Imm64, Insn, MapRef};
use super::label::{Field, Fixup, Label, Target};
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
    /// The Rust line of each slot, and where instructions start.
    lines: SourceMap,
    maps: Vec<MapFd>,
    /// Maps referred to by name only: (slot, name), by slot.
    named: Vec<(usize, String)>,
}

/// Elements per chunk of a [`Chunked`] or a [`SourceMap`].
const CHUNK: usize = 4096;

/// A sequence kept in chunks of [`CHUNK`] elements that never move once
/// written. A doubling `Vec` leaves a trail of freed copies behind it, each
/// of them touched; for a large program, that is as many page faults again.
#[derive(Clone, Debug)]
pub(crate) struct Chunked<T> {
    full: Vec<Vec<T>>,
    /// The last chunk, still growing; empty only while the sequence is.
    tail: Vec<T>,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked { full: Vec::new(), tail: Vec::new() }
    }
}

impl<T> Chunked<T> {
    /// An empty sequence with room for `n` elements in its first chunk.
    pub fn with_capacity(n: usize) -> Chunked<T> {
        Chunked { full: Vec::new(), tail: Vec::with_capacity(n.min(CHUNK)) }
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.full.len() * CHUNK + self.tail.len()
    }

    /// Appends `value`.
    #[inline]
    pub fn push(&mut self, value: T) {
        if self.tail.len() >= CHUNK {
            self.seal();
        }
        self.tail.push(value);
    }

    /// Lets `append` push up to two elements onto the end.
    #[inline]
    pub fn append<R>(&mut self, append: impl FnOnce(&mut Vec<T>) -> R) -> R {
        if self.tail.len() >= CHUNK {
            self.seal();
        }
        let result = append(&mut self.tail);
        if self.tail.len() > CHUNK {
            self.spill();
        }
        result
    }

    /// Starts a new chunk.
    #[cold]
    fn seal(&mut self) {
        let full = std::mem::replace(&mut self.tail, Vec::with_capacity(CHUNK + 1));
        self.full.push(full);
    }

    /// Moves what `append` pushed past a full chunk into a new one.
    #[cold]
    fn spill(&mut self) {
        let rest = self.tail.split_off(CHUNK);
        self.seal();
        self.tail.extend(rest);
    }

    /// The element at `index`.
    pub fn get(&self, index: usize) -> Option<&T> {
        match self.full.get(index / CHUNK) {
            Some(chunk) => chunk.get(index % CHUNK),
            None => self.tail.get(index - self.full.len() * CHUNK),
        }
    }

    /// The element at `index`, to change it.
    pub fn get_mut(&mut self, index: usize) -> Option<&mut T> {
        let sealed = self.full.len() * CHUNK;
        match self.full.get_mut(index / CHUNK) {
            Some(chunk) => chunk.get_mut(index % CHUNK),
            None => self.tail.get_mut(index - sealed),
        }
    }

    /// The elements, a chunk at a time.
    pub fn chunks(&self) -> impl Iterator<Item = &[T]> {
        self.full.iter().map(Vec::as_slice).chain(std::iter::once(self.tail.as_slice()))
    }

    /// The elements in order.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.chunks().flatten()
    }

    /// The element whose key is `key`, in a sequence sorted by key.
    pub fn find_by_key<K: Ord>(&self, key: K, by: impl Fn(&T) -> K) -> Option<&T> {
        let k = self.full.partition_point(|chunk| chunk.last().is_some_and(|last| by(last) < key));
        let chunk = self.full.get(k).map_or(self.tail.as_slice(), Vec::as_slice);
        chunk.binary_search_by_key(&key, by).ok().and_then(|i| chunk.get(i))
    }
}

/// The Rust line of every slot, and which slots continue an `LD_IMM64`.
///
/// Lines are kept in chunks of [`CHUNK`] slots. The last one grows as a
/// plain list; a full one is sealed as 2-byte indices into a [`Palette`] of
/// the distinct lines (a long program comes from a few loops, so it has few),
/// which makes the map a quarter of its plain size. Sealed chunks are
/// immutable and shared between a builder and the programs it assembles, so
/// assembling copies at most one chunk of lines, however long the program.
#[derive(Clone, Debug, Default)]
pub(crate) struct SourceMap {
    full: Vec<Lines>,
    /// The last chunk, still growing.
    tail: Vec<Loc>,
    palette: Palette,
    /// Bit `s` is set when slot `s` is the second slot of an `LD_IMM64`:
    /// slots 0 to 63 here, so that small programs allocate nothing for it...
    seconds: u64,
    /// ...and bit `s % 64` of word `s / 64 - 1` for the others; words after
    /// the last set bit are not stored.
    more_seconds: Vec<u64>,
}

/// A sealed chunk of a [`SourceMap`].
#[derive(Clone, Debug)]
enum Lines {
    /// Indices into the palette.
    Indexed(Arc<[u16]>),
    /// The lines themselves, when the palette has no room for them.
    Plain(Arc<[Loc]>),
}

/// The most lines a palette holds: as many as a 2-byte index tells apart
/// (a handful in unit tests, to reach the end).
const PALETTE_LINES: usize = if cfg!(test) { 4 } else { 1 << 16 };

/// The distinct lines of a program's sealed chunks, in order of first use.
#[derive(Clone, Debug, Default)]
struct Palette {
    lines: Vec<Loc>,
    /// Each line and its index, by address (open addressing). At most half
    /// full; empty in an assembled program's copy.
    table: Vec<Option<(Loc, u16)>>,
}

impl Palette {
    /// The index of `at`, added if new; `None` when the palette is full.
    fn intern(&mut self, at: Loc) -> Option<u16> {
        if self.table.len() < 2 * (self.lines.len() + 1) {
            self.rehash();
        }
        let mask = self.table.len() - 1;
        let mut i = Palette::hash(at) & mask;
        loop {
            match self.table[i] {
                Some((line, index)) if std::ptr::eq(line, at) => return Some(index),
                Some(_) => i = (i + 1) & mask,
                None => {
                    if self.lines.len() >= PALETTE_LINES {
                        return None;
                    }
                    let index = u16::try_from(self.lines.len()).ok()?;
                    self.lines.push(at);
                    self.table[i] = Some((at, index));
                    return Some(index);
                }
            }
        }
    }

    /// Doubles the table (at least 64 entries) and enters every line again.
    #[cold]
    fn rehash(&mut self) {
        let size = (4 * (self.lines.len() + 1)).next_power_of_two().max(64);
        let mask = size - 1;
        self.table = vec![None; size];
        for (index, &at) in self.lines.iter().enumerate() {
            let mut i = Palette::hash(at) & mask;
            while self.table[i].is_some() {
                i = (i + 1) & mask;
            }
            self.table[i] = Some((at, index as u16));
        }
    }

    /// Where in the table to start looking for `at`.
    fn hash(at: Loc) -> usize {
        // Fibonacci hashing of the address; its top bits are the best mixed.
        let address = std::ptr::from_ref(at).addr() as u64;
        (address.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40) as usize
    }
}

impl SourceMap {
    pub fn with_capacity(slots: usize) -> SourceMap {
        SourceMap { tail: Vec::with_capacity(slots.min(CHUNK)), ..SourceMap::default() }
    }

    /// A copy for an assembled program: it shares the sealed chunks, and
    /// needs no table to add lines.
    fn snapshot(&self) -> SourceMap {
        SourceMap {
            full: self.full.clone(),
            tail: self.tail.clone(),
            palette: Palette { lines: self.palette.lines.clone(), table: Vec::new() },
            seconds: self.seconds,
            more_seconds: self.more_seconds.clone(),
        }
    }

    /// The number of slots.
    pub fn len(&self) -> usize {
        self.full.len() * CHUNK + self.tail.len()
    }

    /// Adds a slot that starts an instruction.
    #[inline]
    pub fn push(&mut self, at: Loc) {
        if self.tail.len() == CHUNK {
            self.seal();
        }
        self.tail.push(at);
    }

    /// Adds the second slot of an `LD_IMM64`.
    pub fn push_second(&mut self, at: Loc) {
        let slot = self.len();
        let bit = 1 << (slot % 64);
        match (slot / 64).checked_sub(1) {
            None => self.seconds |= bit,
            Some(word) => {
                while self.more_seconds.len() <= word {
                    self.more_seconds.push(0);
                }
                if let Some(bits) = self.more_seconds.get_mut(word) {
                    *bits |= bit;
                }
            }
        }
        self.push(at);
    }

    /// Seals the full tail, as indices if the palette has room for its lines.
    #[cold]
    fn seal(&mut self) {
        let mut indices = vec![0; self.tail.len()];
        let mut complete = true;
        for (index, &at) in indices.iter_mut().zip(&self.tail) {
            match self.palette.intern(at) {
                Some(i) => *index = i,
                None => {
                    complete = false;
                    break;
                }
            }
        }
        let chunk = if complete {
            Lines::Indexed(indices.into())
        } else {
            Lines::Plain(self.tail.as_slice().into())
        };
        self.full.push(chunk);
        self.tail.clear();
    }

    /// The line of slot `slot`.
    pub fn get(&self, slot: usize) -> Option<Loc> {
        match self.full.get(slot / CHUNK) {
            Some(Lines::Indexed(chunk)) => {
                let index = *chunk.get(slot % CHUNK)?;
                self.palette.lines.get(usize::from(index)).copied()
            }
            Some(Lines::Plain(chunk)) => chunk.get(slot % CHUNK).copied(),
            None => self.tail.get(slot - self.full.len() * CHUNK).copied(),
        }
    }

    /// The line of slot `slot`, which must exist.
    fn at(&self, slot: usize) -> Loc {
        match self.full.get(slot / CHUNK) {
            Some(Lines::Indexed(chunk)) => self.palette.lines[usize::from(chunk[slot % CHUNK])],
            Some(Lines::Plain(chunk)) => chunk[slot % CHUNK],
            None => self.tail[slot - self.full.len() * CHUNK],
        }
    }

    /// Whether `slot` is the second slot of an `LD_IMM64`.
    pub fn is_second(&self, slot: usize) -> bool {
        let word = match (slot / 64).checked_sub(1) {
            None => self.seconds,
            Some(word) => self.more_seconds.get(word).copied().unwrap_or(0),
        };
        word >> (slot % 64) & 1 != 0
    }

    /// The first slot of the instruction occupying `slot`.
    fn first_slot(&self, slot: usize) -> usize {
        if self.is_second(slot) { slot - 1 } else { slot }
    }

    /// The first slot of each instruction, increasing.
    pub fn starts(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.len()).filter(|&slot| !self.is_second(slot))
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
            let first = self.labels.get(index).and_then(|state| state.bound);
            return Err(AsmError::LabelBoundTwice {
                label: self.labels.name(index),
                first: first.map_or(second, |(_, at)| at),
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
        let Some(state) = self.labels.get(label.index) else {
            return Err(AsmError::ForeignLabel {
                label: label.to_string(),
                at: self.lines.at(index),
            });
        };
        let Some((bound, bound_at)) = state.bound else {
            return Err(AsmError::UnboundLabel {
                label: self.labels.name(label.index),
                created_at: state.created_at,
                index,
                insn: self.insn_text(index, label),
                used_at: self.lines.at(index),
            });
        };
        if bound >= self.slots.len() {
            return Err(AsmError::TargetPastEnd {
                label: self.labels.name(label.index),
                bound_at,
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

    /// The Rust line that emitted the instruction at slot `slot` (the kernel's
    /// instruction index; both slots of an `LD_IMM64` map to it).
    pub fn location(&self, slot: usize) -> Option<&'static Location<'static>> {
        self.lines.get(slot)
    }

    /// The instruction that occupies slot `slot`.
    pub fn insn_at(&self, slot: usize) -> Option<Insn> {
        (slot < self.insns.len()).then(|| self.decode_at(self.lines.first_slot(slot)))
    }

    /// The instruction starting at slot `start`, decoded from its slots.
    fn decode_at(&self, start: usize) -> Insn {
        let (mut insn, _) = decode(self.insns.get(start..).unwrap_or_default());
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
    use crate::asm::{AluOp, Cond, R0, R1, R2, SxBits, Width};

    /// Six distinct lines.
    fn sites() -> [Loc; 6] {
        let a = [Location::caller(), Location::caller(), Location::caller()];
        let b = [Location::caller(), Location::caller(), Location::caller()];
        [a[0], a[1], a[2], b[0], b[1], b[2]]
    }

    #[test]
    fn chunked_agrees_with_a_vec() {
        let mut chunked = Chunked::with_capacity(32);
        let mut naive = Vec::new();
        let mut straddled = 0;
        for i in 0..10_000u32 {
            // Even keys, one or two at a time; a pair whenever one would
            // straddle a chunk boundary.
            let two = i % 5 == 0 || naive.len() % CHUNK == CHUNK - 1;
            straddled += usize::from(two && naive.len() % CHUNK == CHUNK - 1);
            let key = 4 * i;
            chunked.append(|tail| {
                tail.push(key);
                if two {
                    tail.push(key + 2);
                }
            });
            naive.push(key);
            if two {
                naive.push(key + 2);
            }
        }
        assert!(straddled >= 2, "pairs across a boundary: {straddled}");
        assert_eq!(chunked.len(), naive.len());
        assert!(chunked.iter().eq(naive.iter()));
        let sizes: Vec<usize> = chunked.chunks().map(<[u32]>::len).collect();
        assert!(sizes[..sizes.len() - 1].iter().all(|&size| size == CHUNK), "{sizes:?}");
        for (i, key) in naive.iter().enumerate() {
            assert_eq!(chunked.get(i), Some(key));
            assert_eq!(chunked.find_by_key(*key, |k| *k), Some(key));
            assert_eq!(chunked.find_by_key(key + 1, |k| *k), None);
        }
        assert_eq!(chunked.get(naive.len()), None);
        for i in (0..naive.len()).step_by(97) {
            if let Some(key) = chunked.get_mut(i) {
                *key += 1;
            }
            naive[i] += 1;
        }
        assert!(chunked.iter().eq(naive.iter()));
    }

    /// Checks `map` against the lines and second-slot flags it was given.
    fn check_map(map: &SourceMap, lines: &[Loc], seconds: &[bool]) {
        assert_eq!(map.len(), lines.len());
        for (slot, line) in lines.iter().enumerate() {
            assert!(map.get(slot).is_some_and(|got| std::ptr::eq(got, *line)), "slot {slot}");
            assert!(std::ptr::eq(map.at(slot), *line), "slot {slot}");
            assert_eq!(map.is_second(slot), seconds[slot], "slot {slot}");
            let first = if seconds[slot] { slot - 1 } else { slot };
            assert_eq!(map.first_slot(slot), first);
        }
        assert_eq!(map.get(lines.len()), None);
        let starts: Vec<usize> = (0..lines.len()).filter(|&slot| !seconds[slot]).collect();
        assert_eq!(map.starts().collect::<Vec<_>>(), starts);
    }

    /// Fills a map with `slots` lines from `sites`, a second slot now and then.
    fn fill(
        map: &mut SourceMap,
        sites: &[Loc],
        slots: usize,
        lines: &mut Vec<Loc>,
        seconds: &mut Vec<bool>,
    ) {
        for i in 0..slots {
            let at = sites[i % sites.len()];
            let second = i % 7 == 3;
            if second {
                map.push_second(at);
            } else {
                map.push(at);
            }
            lines.push(at);
            seconds.push(second);
        }
    }

    #[test]
    fn source_map_agrees_with_plain_lines() {
        let sites = sites();
        let (mut lines, mut seconds) = (Vec::new(), Vec::new());
        let mut map = SourceMap::with_capacity(32);
        fill(&mut map, &sites[..3], 3 * CHUNK + 100, &mut lines, &mut seconds);
        assert!(map.full.iter().all(|chunk| matches!(chunk, Lines::Indexed(_))));
        assert_eq!(map.palette.lines.len(), 3);
        check_map(&map, &lines, &seconds);
        check_map(&map.snapshot(), &lines, &seconds);
    }

    #[test]
    fn a_full_palette_keeps_plain_lines() {
        let sites = sites();
        let (mut lines, mut seconds) = (Vec::new(), Vec::new());
        let mut map = SourceMap::default();
        // Two lines; then six, more than a test palette holds; then two again.
        fill(&mut map, &sites[..2], CHUNK, &mut lines, &mut seconds);
        fill(&mut map, &sites, CHUNK, &mut lines, &mut seconds);
        fill(&mut map, &sites[..2], CHUNK + 1, &mut lines, &mut seconds);
        let kinds: Vec<bool> =
            map.full.iter().map(|chunk| matches!(chunk, Lines::Indexed(_))).collect();
        assert_eq!(kinds, [true, false, true]);
        assert_eq!(map.palette.lines.len(), PALETTE_LINES);
        check_map(&map, &lines, &seconds);
        check_map(&map.snapshot(), &lines, &seconds);
    }

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
                Insn::LdImm64 { dst: R1, value: Imm64::Const(i as u64) }
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
                Insn::Alu { width: Width::Bits32, op: AluOp::Mov, dst: R2, src: (i as i32).into() }
            };
            slots += insn.slots();
            b.push(insn.clone());
            given.push(insn);
        }
        b.add64(R0, 1);
        given.push(Insn::Alu { width: Width::Bits64, op: AluOp::Add, dst: R0, src: 1.into() });
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
