//! The string table of encoded BTF: every name once, offset 0 the empty
//! string.

use super::fnv::FnvMap;

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
    offsets: FnvMap<String, u32>,
}

impl Default for StringTable {
    fn default() -> StringTable {
        StringTable::new()
    }
}

impl StringTable {
    /// A table holding only the empty string.
    pub fn new() -> StringTable {
        let mut offsets = FnvMap::default();
        offsets.insert(String::new(), 0);
        StringTable { bytes: vec![0], offsets }
    }

    /// The offset of `s`, added at the end if it is not in the table yet.
    /// Offsets past `u32::MAX` saturate; the encoder refuses tables larger
    /// than the kernel's limit (16 MiB) before they get there.
    pub fn add(&mut self, s: &str) -> u32 {
        if let Some(&off) = self.offsets.get(s) {
            return off;
        }
        let off = u32::try_from(self.bytes.len()).unwrap_or(u32::MAX);
        self.bytes.extend_from_slice(s.as_bytes());
        self.bytes.push(0);
        self.offsets.insert(s.to_owned(), off);
        off
    }

    /// The offset of `s`, if the table holds it.
    pub fn offset(&self, s: &str) -> Option<u32> {
        self.offsets.get(s).copied()
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
}
