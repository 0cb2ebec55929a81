//! The string table of encoded BTF: every name once, offset 0 the empty
//! string.
//!
//! A program load with BTF builds one of these every time, so the index
//! holds no copies of the strings: its slots point into the table's own
//! bytes (one allocation for the bytes, one for the slots), where a map
//! keyed by `String` cost an allocation per string and was the largest
//! part of a load's user time.

use std::hash::Hasher;

use super::fnv::Fnv;

/// One slot of the index: a string's hash and its offset in the bytes.
#[derive(Clone, Copy, Debug)]
struct Slot {
    hash: u32,
    /// The string's offset; [`EMPTY`] when the slot is free. Offset 0 (the
    /// empty string) is never in the index.
    off: u32,
}

/// A free slot's offset.
const EMPTY: u32 = 0;

/// The index's slots before the first growth: enough for a small
/// program's names and lines without growing.
const FIRST_SLOTS: usize = 32;

/// The bytes reserved at first: a small program's names and lines, so
/// that they are not copied as the table grows.
const FIRST_BYTES: usize = 512;

/// A deduplicated string table, as the BTF string section lays it out:
/// NUL-terminated strings, the first of them the empty string at offset 0,
/// so that a record with no name has name offset 0.
///
/// ```
/// use bpfkit::btf::StringTable;
///
/// let mut strings = StringTable::new();
/// assert_eq!(strings.add(""), 0);
/// let int = strings.add("int");
/// assert_eq!(strings.add("int"), int);
/// assert_eq!(strings.as_bytes(), b"\0int\0");
/// ```
#[derive(Clone, Debug)]
pub struct StringTable {
    bytes: Vec<u8>,
    /// Open addressing with linear probing; a power of two long, at most
    /// half full.
    slots: Vec<Slot>,
    /// The strings in the index (all but the empty one).
    count: usize,
}

impl Default for StringTable {
    fn default() -> StringTable {
        StringTable::new()
    }
}

impl StringTable {
    /// A table holding only the empty string.
    pub fn new() -> StringTable {
        let mut bytes = Vec::with_capacity(FIRST_BYTES);
        bytes.push(0);
        StringTable { bytes, slots: Vec::new(), count: 0 }
    }

    /// The offset of `s`, added at the end if it is not in the table yet.
    /// Offsets past `u32::MAX` saturate; the encoder refuses tables larger
    /// than the kernel's limit (16 MiB) before they get there.
    pub fn add(&mut self, s: &str) -> u32 {
        if s.is_empty() {
            return 0;
        }
        if (self.count + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let hash = hash(s);
        let slot = match self.find(s, hash) {
            Ok(off) => return off,
            Err(slot) => slot,
        };
        let off = u32::try_from(self.bytes.len()).unwrap_or(u32::MAX);
        self.bytes.extend_from_slice(s.as_bytes());
        self.bytes.push(0);
        self.slots[slot] = Slot { hash, off };
        self.count += 1;
        off
    }

    /// The offset of `s`, if the table holds it.
    pub fn offset(&self, s: &str) -> Option<u32> {
        if s.is_empty() {
            return Some(0);
        }
        self.find(s, hash(s)).ok()
    }

    /// `Ok(offset)` of `s`, or `Err(slot)`: the free slot where it belongs
    /// (`Err(0)` when there are no slots yet).
    fn find(&self, s: &str, hash: u32) -> Result<u32, usize> {
        if self.slots.is_empty() {
            return Err(0);
        }
        let mask = self.slots.len() - 1;
        let mut i = hash as usize & mask;
        loop {
            let slot = self.slots[i];
            if slot.off == EMPTY {
                return Err(i);
            }
            if slot.hash == hash && self.holds_at(slot.off, s) {
                return Ok(slot.off);
            }
            i = (i + 1) & mask;
        }
    }

    /// Whether the string at `off` is `s`.
    fn holds_at(&self, off: u32, s: &str) -> bool {
        let start = off as usize;
        let end = start + s.len();
        self.bytes.get(start..end) == Some(s.as_bytes()) && self.bytes.get(end) == Some(&0)
    }

    /// Doubles the index (or makes its first slots), keeping every string.
    fn grow(&mut self) {
        let len = (self.slots.len() * 2).max(FIRST_SLOTS);
        let old = std::mem::replace(&mut self.slots, vec![Slot { hash: 0, off: EMPTY }; len]);
        let mask = len - 1;
        for slot in old.into_iter().filter(|s| s.off != EMPTY) {
            let mut i = slot.hash as usize & mask;
            while self.slots[i].off != EMPTY {
                i = (i + 1) & mask;
            }
            self.slots[i] = slot;
        }
    }

    /// The section's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The section's length in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether the table holds only the empty string (it is never truly
    /// empty).
    pub fn is_empty(&self) -> bool {
        self.bytes.len() == 1
    }
}

/// FNV-1a folded to the slots' 32 bits.
fn hash(s: &str) -> u32 {
    let mut h = Fnv::default();
    h.write(s.as_bytes());
    let h = h.finish();
    (h ^ (h >> 32)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_stored_once_after_the_empty_string() {
        let mut t = StringTable::new();
        assert!(t.is_empty());
        assert_eq!(t.add("a"), 1);
        assert_eq!(t.add("bc"), 3);
        assert_eq!(t.add("a"), 1);
        assert_eq!(t.add(""), 0);
        assert_eq!(t.offset("bc"), Some(3));
        assert_eq!(t.offset("x"), None);
        assert_eq!(t.as_bytes(), b"\0a\0bc\0");
        assert_eq!(t.len(), 6);
    }

    #[test]
    fn growth_keeps_every_offset_and_matches_a_map() {
        // Enough strings to grow the index several times, with prefixes of
        // each other and repeats, checked against a plain map.
        let mut t = StringTable::new();
        let mut reference = std::collections::HashMap::new();
        let mut expected = vec![0u8];
        for round in 0..3 {
            for i in 0..700u32 {
                let s = match i % 3 {
                    0 => format!("s{i}"),
                    1 => format!("s{}", i / 10),
                    _ => "x".repeat(i as usize % 40 + 1),
                };
                let off = t.add(&s);
                let want = *reference.entry(s.clone()).or_insert_with(|| {
                    let off = expected.len() as u32;
                    expected.extend_from_slice(s.as_bytes());
                    expected.push(0);
                    off
                });
                assert_eq!(off, want, "round {round}, {s:?}");
            }
        }
        assert_eq!(t.as_bytes(), &expected[..]);
        for (s, off) in &reference {
            assert_eq!(t.offset(s), Some(*off));
        }
        assert_eq!(t.offset(""), Some(0));
        assert_eq!(t.offset("s"), None);
        assert_eq!(t.offset("s7\0"), None);
    }
}
