//! Object names as the kernel keeps them: 15 bytes of `[A-Za-z0-9_.]`,
//! NUL-padded in a 16-byte field.

use std::fmt;

use crate::{Error, Result};

/// A kernel object name, held inline as the kernel holds it: at most 15
/// bytes of `[A-Za-z0-9_.]`, NUL-padded to 16. A map or program keeps its
/// name in one of these, so that creating one allocates nothing for it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(crate) struct ObjectName([u8; 16]);

impl ObjectName {
    /// Checks `name` as the kernel will: a clear error for a name it would
    /// refuse (too long, or a character it does not allow).
    pub(crate) fn new(name: &str, what: &'static str) -> Result<ObjectName> {
        if name.len() > 15 {
            return Err(Error::InvalidArgument {
                what,
                why: format!("{name:?} is {} bytes; the kernel keeps at most 15", name.len()),
            });
        }
        if !name.bytes().all(allowed) {
            let bad = name.chars().find(|c| !c.is_ascii() || !allowed(*c as u8)).unwrap_or('?');
            return Err(Error::InvalidArgument {
                what,
                why: format!(
                    "{name:?} contains {bad:?}; the kernel allows letters, digits, '_' and '.'"
                ),
            });
        }
        let mut out = [0u8; 16];
        out[..name.len()].copy_from_slice(name.as_bytes());
        Ok(ObjectName(out))
    }

    /// The name the kernel reported (a NUL-padded field): up to the first
    /// NUL, at most 15 bytes, and only while the bytes are ones the kernel
    /// allows, so that it is always a valid name.
    pub(crate) fn reported(field: &[u8]) -> ObjectName {
        let mut out = [0u8; 16];
        for (to, &b) in out.iter_mut().zip(field.iter().take(15).take_while(|&&b| allowed(b))) {
            *to = b;
        }
        ObjectName(out)
    }

    /// The name.
    pub(crate) fn as_str(&self) -> &str {
        let end = self.0.iter().position(|b| *b == 0).unwrap_or(self.0.len());
        // Only allowed ASCII bytes get in (both constructors check).
        std::str::from_utf8(&self.0[..end]).unwrap_or_default()
    }

    /// The NUL-padded field, as `bpf(2)` takes it.
    pub(crate) fn field(&self) -> [u8; 16] {
        self.0
    }
}

impl fmt::Debug for ObjectName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// A byte the kernel allows in a name (`bpf_obj_name_cpy`).
fn allowed(b: u8) -> bool {
    ALLOWED[usize::from(b)]
}

/// [`allowed`] as a table: a name is checked at every map creation and
/// program load, and a lookup per byte is a third of the comparisons.
const ALLOWED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || c == b'_' || c == b'.';
        b += 1;
    }
    table
};

/// A NUL-padded kernel name as a string.
pub(crate) fn c_name(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_as_the_kernel_checks_them() {
        assert_eq!(ObjectName::new("count.v_2", "map name").unwrap().as_str(), "count.v_2");
        assert_eq!(ObjectName::new("", "map name").unwrap().as_str(), "");
        let fifteen = "a".repeat(15);
        assert_eq!(ObjectName::new(&fifteen, "map name").unwrap().field()[15], 0);
        let long = ObjectName::new(&"a".repeat(16), "map name").unwrap_err().to_string();
        assert!(long.contains("is 16 bytes; the kernel keeps at most 15"), "{long}");
        for (name, bad) in [("a-b", "'-'"), ("é", "'é'"), ("a b", "' '"), ("a\0", "'\\0'")] {
            let err = ObjectName::new(name, "map name").unwrap_err().to_string();
            assert!(err.contains(&format!("contains {bad}")), "{name}: {err}");
        }
    }

    #[test]
    fn the_table_allows_exactly_the_kernels_bytes() {
        let allowed: Vec<u8> = (0..=255u8).filter(|&b| allowed(b)).collect();
        let expected: Vec<u8> = (b'.'..=b'.')
            .chain(b'0'..=b'9')
            .chain(b'A'..=b'Z')
            .chain(b'_'..=b'_')
            .chain(b'a'..=b'z')
            .collect();
        assert_eq!(allowed, expected);
    }

    #[test]
    fn reported_names_stop_where_a_name_must() {
        assert_eq!(ObjectName::reported(b"count\0\0junk").as_str(), "count");
        assert_eq!(ObjectName::reported(&[b'a'; 16]).as_str(), "a".repeat(15));
        assert_eq!(ObjectName::reported(b"ab\xffcd").as_str(), "ab");
        assert_eq!(ObjectName::reported(b"").as_str(), "");
    }
}
