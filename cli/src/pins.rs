//! The `pinned` paths of `-f`/`--bpffs`, listed in bpftool's order.
//!
//! bpftool walks every bpffs mount with `nftw` and appends each pinned
//! object's path to a libbpf hashmap keyed by id; printing walks that
//! key's bucket chain. Insertion puts an entry at the head of its chain,
//! and each time the table grows every chain is rebuilt back to front, so
//! the order of one object's paths flips with every growth after they went
//! in. [`PinTable`] replays those insertions and growths to print the paths
//! in the same order. The walk's own order is `nftw`'s too
//! ([`walk_pinned_under`]).

use std::collections::HashMap;
use std::path::PathBuf;

use bpfkit::pinned::{ObjectKind, bpffs_mounts, walk_pinned_under};

/// An object's pinned paths, by object id.
pub struct PinTable {
    paths: HashMap<u32, Vec<PathBuf>>,
    entries: usize,
}

impl PinTable {
    /// Every pinned object of `kind`, found by walking the bpf filesystems.
    /// A walk that cannot start (no `/proc/mounts`) finds nothing, as
    /// bpftool's does.
    pub fn build(kind: ObjectKind) -> PinTable {
        let found = bpffs_mounts().unwrap_or_default().into_iter().flat_map(walk_pinned_under);
        PinTable::replay(found.into_iter().filter(|o| o.kind == kind).map(|o| (o.id, o.path)))
    }

    /// The table after appending `(id, path)` pairs in order, as libbpf's
    /// `hashmap__append` does.
    fn replay(pairs: impl Iterator<Item = (u32, PathBuf)>) -> PinTable {
        let mut table = PinTable { paths: HashMap::new(), entries: 0 };
        let mut capacity = 0usize;
        for (id, path) in pairs {
            // libbpf grows when empty or when one more entry would fill
            // more than 3/4, doubling from 4 buckets.
            if capacity == 0 || (table.entries + 1) * 4 / 3 > capacity {
                capacity = (capacity * 2).max(4);
                table.paths.values_mut().for_each(|chain| chain.reverse());
            }
            table.paths.entry(id).or_default().insert(0, path);
            table.entries += 1;
        }
        table
    }

    /// Whether no object of the kind is pinned anywhere (bpftool then
    /// prints no `pinned` key at all).
    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }

    /// The paths `id` is pinned at, in bpftool's order.
    pub fn paths(&self, id: u32) -> &[PathBuf] {
        self.paths.get(&id).map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(pairs: &[(u32, &str)], id: u32) -> Vec<String> {
        let table = PinTable::replay(pairs.iter().map(|&(i, p)| (i, PathBuf::from(p))));
        table.paths(id).iter().map(|p| p.display().to_string()).collect()
    }

    #[test]
    fn replays_libbpf_growth() {
        // Three entries fit in four buckets: each new one goes first.
        assert_eq!(order(&[(1, "a"), (1, "b"), (1, "c")], 1), ["c", "b", "a"]);
        // The fourth grows the table to 8, turning the chain around first.
        let four = [(1, "a"), (1, "b"), (1, "c"), (1, "d")];
        assert_eq!(order(&four, 1), ["d", "a", "b", "c"]);
        // The seventh grows it to 16; other ids' entries count too.
        let seven = [(1, "a"), (2, "x"), (1, "b"), (1, "c"), (2, "y"), (3, "z"), (1, "g")];
        assert_eq!(order(&seven, 1), ["g", "b", "a", "c"]);
        assert_eq!(order(&seven, 2), ["x", "y"]);
        assert!(order(&seven, 9).is_empty());
        assert!(PinTable::replay(std::iter::empty()).is_empty());
        // Two ids interleaved: each insertion still goes first in its chain.
        let five = [(1, "a"), (2, "x"), (1, "b"), (2, "y"), (1, "c")];
        assert_eq!(order(&five, 1), ["c", "a", "b"]);
        assert_eq!(order(&five, 2), ["y", "x"]);
    }
}
