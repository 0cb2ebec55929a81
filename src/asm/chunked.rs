//! `Chunked`: a sequence kept in fixed-size chunks that never move.
//!
//! The builder's slots, its label fixups, the label table and the source
//! map grow one element at a time to a million and more; kept in chunks,
//! none of them leaves a trail of freed copies behind (see [`Chunked`]).

/// Elements per chunk of a [`Chunked`] (and of the source map's chunks).
pub(crate) const CHUNK: usize = 4096;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
