//! The property of a map's shape that differs from what the caller expects.

use std::fmt;

/// Which property of a map differs, in a [`MapMismatch`](super::Error::MapMismatch).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MapField {
    /// The map type.
    Type,
    /// The key size.
    KeySize,
    /// The value size.
    ValueSize,
    /// The maximum number of entries.
    MaxEntries,
    /// The creation flags.
    Flags,
}

impl MapField {
    /// The words an error uses: `type`, `key size`, `value size`,
    /// `max entries`, `flags`.
    pub fn as_str(self) -> &'static str {
        match self {
            MapField::Type => "type",
            MapField::KeySize => "key size",
            MapField::ValueSize => "value size",
            MapField::MaxEntries => "max entries",
            MapField::Flags => "flags",
        }
    }
}

impl fmt::Display for MapField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
