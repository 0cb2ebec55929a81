//! [`SourceMap`]: the [`Origin`] of every instruction slot, in about two
//! bytes a slot.
//!
//! Origins are kept in chunks of [`CHUNK`] slots. The last one grows as a
//! plain list of Rust locations; a full one is sealed as 2-byte indices into
//! a [`Palette`] of the distinct locations (a long program comes from a few
//! loops, so it has few), which makes the map a quarter of its plain size.
//! Sealed chunks are immutable and shared between a builder and the programs
//! it assembles, so assembling copies at most one chunk, however long the
//! program.
//!
//! A slot read from text stands in the list as [`TEXT`], one location like
//! any other, and its line and column are kept beside, by slot.

use std::sync::Arc;

use super::chunked::{CHUNK, Chunked};
use super::origin::{Loc, Origin, TEXT};

/// The line and column of a slot read from text.
#[derive(Clone, Copy, Debug)]
struct TextPos {
    slot: u32,
    line: u32,
    column: u32,
}

/// The origin of every slot, and which slots continue an `LD_IMM64`.
#[derive(Clone, Debug, Default)]
pub(crate) struct SourceMap {
    full: Vec<Lines>,
    /// The last chunk, still growing.
    tail: Vec<Loc>,
    palette: Palette,
    /// The positions of the slots whose location is [`TEXT`], by slot.
    text: Chunked<TextPos>,
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
    /// The locations themselves, when the palette has no room for them.
    Plain(Arc<[Loc]>),
}

/// The most locations a palette holds: as many as a 2-byte index tells
/// apart (a handful in unit tests, to reach the end).
const PALETTE_LINES: usize = if cfg!(test) { 4 } else { 1 << 16 };

/// The distinct locations of a program's sealed chunks, in order of first use.
#[derive(Clone, Debug, Default)]
struct Palette {
    lines: Vec<Loc>,
    /// Each location and its index, by address (open addressing). At most
    /// half full; empty in an assembled program's copy.
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

    /// Doubles the table (at least 64 entries) and enters every location again.
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
    /// needs no table to add locations.
    pub fn snapshot(&self) -> SourceMap {
        SourceMap {
            full: self.full.clone(),
            tail: self.tail.clone(),
            palette: Palette { lines: self.palette.lines.clone(), table: Vec::new() },
            text: self.text.clone(),
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
    pub fn push(&mut self, at: Origin) {
        let line = match at {
            Origin::Rust(line) => line,
            Origin::Text { line, column } => self.text_slot(line, column),
        };
        if self.tail.len() == CHUNK {
            self.seal();
        }
        self.tail.push(line);
    }

    /// Records the position of the next slot, read from text; returns its stand-in.
    #[cold]
    fn text_slot(&mut self, line: u32, column: u32) -> Loc {
        let slot = u32::try_from(self.len()).unwrap_or(u32::MAX);
        self.text.push(TextPos { slot, line, column });
        TEXT
    }

    /// Adds the second slot of an `LD_IMM64`.
    pub fn push_second(&mut self, at: Origin) {
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

    /// Seals the full tail, as indices if the palette has room for its locations.
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

    /// The location recorded for `slot`.
    fn line(&self, slot: usize) -> Option<Loc> {
        match self.full.get(slot / CHUNK) {
            Some(Lines::Indexed(chunk)) => {
                let index = *chunk.get(slot % CHUNK)?;
                self.palette.lines.get(usize::from(index)).copied()
            }
            Some(Lines::Plain(chunk)) => chunk.get(slot % CHUNK).copied(),
            None => self.tail.get(slot - self.full.len() * CHUNK).copied(),
        }
    }

    /// The origin of slot `slot`.
    pub fn get(&self, slot: usize) -> Option<Origin> {
        let line = self.line(slot)?;
        if !std::ptr::eq(line, TEXT) {
            return Some(Origin::Rust(line));
        }
        let slot = u32::try_from(slot).ok()?;
        let pos = self.text.find_by_key(slot, |pos| pos.slot)?;
        Some(Origin::Text { line: pos.line, column: pos.column })
    }

    /// The origin of slot `slot`, which should exist (else: this file).
    pub fn at(&self, slot: usize) -> Origin {
        self.get(slot).unwrap_or(Origin::Rust(TEXT))
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
    pub fn first_slot(&self, slot: usize) -> usize {
        if self.is_second(slot) { slot - 1 } else { slot }
    }

    /// The first slot of each instruction, increasing.
    pub fn starts(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.len()).filter(|&slot| !self.is_second(slot))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Six distinct lines.
    fn sites() -> [Origin; 6] {
        let a = [Origin::caller(), Origin::caller(), Origin::caller()];
        let b = [Origin::caller(), Origin::caller(), Origin::caller()];
        [a[0], a[1], a[2], b[0], b[1], b[2]]
    }

    /// Checks `map` against the origins and second-slot flags it was given.
    fn check_map(map: &SourceMap, lines: &[Origin], seconds: &[bool]) {
        assert_eq!(map.len(), lines.len());
        for (slot, line) in lines.iter().enumerate() {
            assert!(map.get(slot).is_some_and(|got| got.same(*line)), "slot {slot}");
            assert!(map.at(slot).same(*line), "slot {slot}");
            assert_eq!(map.is_second(slot), seconds[slot], "slot {slot}");
            let first = if seconds[slot] { slot - 1 } else { slot };
            assert_eq!(map.first_slot(slot), first);
        }
        assert_eq!(map.get(lines.len()), None);
        let starts: Vec<usize> = (0..lines.len()).filter(|&slot| !seconds[slot]).collect();
        assert_eq!(map.starts().collect::<Vec<_>>(), starts);
    }

    /// Fills a map with `slots` origins from `sites`, a second slot now and then.
    fn fill(
        map: &mut SourceMap,
        sites: &[Origin],
        slots: usize,
        lines: &mut Vec<Origin>,
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
    fn text_positions_among_rust_lines() {
        // Text, then text and Rust mixed, then text again, across chunks.
        let text: Vec<Origin> = (0..3 * CHUNK as u32)
            .map(|i| Origin::Text { line: i / 2 + 1, column: i % 2 + 1 })
            .collect();
        let (mut lines, mut seconds) = (Vec::new(), Vec::new());
        let mut map = SourceMap::default();
        fill(&mut map, &text[..CHUNK], CHUNK, &mut lines, &mut seconds);
        let mut mixed = text[CHUNK..CHUNK + 2].to_vec();
        mixed.extend(sites()[..2].iter().copied());
        fill(&mut map, &mixed, CHUNK, &mut lines, &mut seconds);
        fill(&mut map, &text[2 * CHUNK..], CHUNK + 1, &mut lines, &mut seconds);
        // Every text slot is one palette entry.
        assert!(map.full.iter().all(|chunk| matches!(chunk, Lines::Indexed(_))));
        assert_eq!(map.palette.lines.len(), 3);
        check_map(&map, &lines, &seconds);
        check_map(&map.snapshot(), &lines, &seconds);
    }
}
