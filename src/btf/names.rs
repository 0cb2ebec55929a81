//! Finding types by name: [`BtfView::find`] and the hash table behind it.
//!
//! The table is built on the first lookup, in one pass over the types and
//! one allocation (two `u32`s a slot, at most half full), and probed with
//! the name's hash; names are compared as bytes only when hashes match.

use super::types::{Kind, TypeId};
use super::view::{BtfView, NameTable};

impl BtfView<'_> {
    /// The lowest id of a type of `kind` named `name`, in the base or in
    /// this view.
    ///
    /// The first call builds the name table (one pass over the types);
    /// later calls hash `name` and probe the table. The kfunc resolver calls
    /// `find(Kind::Func, "bpf_...")` on vmlinux for every load.
    pub fn find(&self, kind: Kind, name: &str) -> Option<TypeId> {
        if let Some(found) = self.base.as_deref().and_then(|b| b.find(kind, name)) {
            return Some(found);
        }
        let want = kind.number();
        let mut lowest = None;
        self.names().probe(self, name.as_bytes(), |index, info| {
            if (info >> 24) & 0x1f == want && lowest.is_none_or(|l| index < l) {
                lowest = Some(index);
            }
        });
        let index = u32::try_from(lowest?).ok()?;
        Some(TypeId(self.first_id.checked_add(index)?))
    }

    /// Every type named `name`, of any kind, in the base and in this view,
    /// in id order.
    pub fn find_all(&self, name: &str) -> Vec<TypeId> {
        let mut found = self.base.as_deref().map(|b| b.find_all(name)).unwrap_or_default();
        let own = found.len();
        let first = self.first_id;
        self.names().probe(self, name.as_bytes(), |index, _| {
            if let Some(id) = u32::try_from(index).ok().and_then(|i| first.checked_add(i)) {
                found.push(TypeId(id));
            }
        });
        if let Some(tail) = found.get_mut(own..) {
            tail.sort_unstable();
        }
        found
    }

    /// Builds the name table now, if no lookup has yet (and the base's), so
    /// that the first [`find`](BtfView::find) is as fast as the later ones.
    pub fn index_names(&self) {
        if let Some(base) = self.base.as_deref() {
            base.index_names();
        }
        self.names();
    }

    fn names(&self) -> &NameTable {
        self.names.get_or_init(|| NameTable::build(self))
    }
}

/// A multiply-rotate hash over 8 bytes at a time (FxHash's step): names
/// are short, and hashing 130k of them is most of building the table.
fn hash(name: &[u8]) -> u32 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let step = |h: u64, word: u64| (h.rotate_left(5) ^ word).wrapping_mul(K);
    let mut chunks = name.chunks_exact(8);
    let mut h = 0;
    for chunk in &mut chunks {
        h = step(h, <[u8; 8]>::try_from(chunk).map_or(0, u64::from_le_bytes));
    }
    let mut last = [0_u8; 8];
    let tail = chunks.remainder();
    if let Some(dst) = last.get_mut(..tail.len()) {
        dst.copy_from_slice(tail);
    }
    h = step(h, u64::from_le_bytes(last) ^ (name.len() as u64) << 56);
    (h >> 32) as u32
}

impl NameTable {
    pub(super) fn build(view: &BtfView<'_>) -> NameTable {
        // At most half full, so probe runs stay short.
        let size = (view.named * 2).next_power_of_two().max(16);
        let mask = size - 1;
        let mut slots = vec![(0_u32, 0_u32); size];
        for index in 0..view.offsets.len() {
            let Some((name_off, _)) = view.head(index) else { continue };
            let Some(name) = view.string_bytes(name_off).filter(|_| name_off != 0) else {
                continue;
            };
            let h = hash(name);
            let mut slot = h as usize & mask;
            while slots.get(slot).is_some_and(|s| s.0 != 0) {
                slot = (slot + 1) & mask;
            }
            if let Some(s) = slots.get_mut(slot) {
                *s = (u32::try_from(index + 1).unwrap_or(u32::MAX), h);
            }
        }
        NameTable { slots }
    }

    /// Calls `each` with the index and `info` word of every own type named
    /// `name`.
    fn probe(&self, view: &BtfView<'_>, name: &[u8], mut each: impl FnMut(usize, u32)) {
        let mask = self.slots.len().wrapping_sub(1);
        let h = hash(name);
        let mut slot = h as usize & mask;
        while let Some(&(entry, slot_hash)) = self.slots.get(slot) {
            if entry == 0 {
                break;
            }
            let index = entry as usize - 1;
            if slot_hash == h {
                if let Some((name_off, info)) = view.head(index) {
                    if view.string_bytes(name_off) == Some(name) {
                        each(index, info);
                    }
                }
            }
            slot = (slot + 1) & mask;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Raw BTF of `count` TYPEDEFs to void, each named `names[i % len]`.
    fn typedefs(names: &[&str], count: usize) -> Vec<u8> {
        let mut strings = vec![0_u8];
        let offs: Vec<u32> = names
            .iter()
            .map(|n| {
                let off = strings.len() as u32;
                strings.extend_from_slice(n.as_bytes());
                strings.push(0);
                off
            })
            .collect();
        let mut types = Vec::new();
        for i in 0..count {
            for w in [offs[i % offs.len()], Kind::Typedef.number() << 24, 0] {
                types.extend_from_slice(&w.to_ne_bytes());
            }
        }
        let mut out = Vec::new();
        let (t, s) = (types.len() as u32, strings.len() as u32);
        for w in [0x0001_eb9f_u32, 24, 0, t, t, s] {
            out.extend_from_slice(&w.to_ne_bytes());
        }
        out.extend_from_slice(&types);
        out.extend_from_slice(&strings);
        out
    }

    #[test]
    fn the_name_table_agrees_with_a_scan() {
        // Names of every length around the 8-byte step, repeated, so that
        // slots collide and runs wrap.
        let names = ["", "a", "abcdefg", "abcdefgh", "abcdefghi", "abcdefgh\u{e9}", "b", "a0"];
        let bytes = typedefs(&names, 100);
        let view = BtfView::parse(&bytes).unwrap_or_else(|e| panic!("{e}"));
        for name in names.iter().chain(&["abcdefgha", "zz"]) {
            // "" is named: its offset is 1, the empty string's NUL.
            let want: Vec<TypeId> =
                view.types().filter(|t| t.name() == Some(name)).map(|t| t.id()).collect();
            assert_eq!(view.find_all(name), want, "{name:?}");
            assert_eq!(view.find(Kind::Typedef, name), want.first().copied(), "{name:?}");
            assert_eq!(view.find(Kind::Struct, name), None);
        }
    }
}
