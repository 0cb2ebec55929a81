//! Why raw BTF bytes could not be read, and where.

use std::fmt;

/// Raw BTF that could not be read: what is wrong, at which byte offset of
/// the input, and in which type record when the fault is inside one.
///
/// It holds plain data only, so the error layer does not depend on `btf`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("bad BTF at byte {offset}{}: {problem}", type_suffix(*type_id))]
pub struct BtfDecodeError {
    /// The byte offset of the fault, from the start of the input.
    pub offset: usize,
    /// The type id of the record the fault is in, when it is in one.
    pub type_id: Option<u32>,
    /// What is wrong.
    pub problem: DecodeProblem,
}

fn type_suffix(type_id: Option<u32>) -> String {
    type_id.map(|id| format!(" (type [{id}])")).unwrap_or_default()
}

/// What is wrong with raw BTF, in a [`BtfDecodeError`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeProblem {
    /// The input ends before something that must be there.
    Truncated {
        /// What was being read (`"header"`, `"type record"`).
        what: &'static str,
        /// How many bytes it needs.
        need: usize,
        /// How many bytes are left.
        have: usize,
    },
    /// The magic is `0x9feb`: BTF of the other byte order.
    ForeignEndian,
    /// The magic is not BTF's `0xeb9f`.
    BadMagic(u16),
    /// A version other than 1.
    BadVersion(u8),
    /// A header length below 24 bytes or past the end of the input.
    BadHeaderLen(u32),
    /// A section (`"type"` or `"string"`) that is not inside the data, or
    /// not 4-byte aligned.
    BadSection {
        /// Which section.
        section: &'static str,
        /// Its offset after the header.
        off: u32,
        /// Its length.
        len: u32,
        /// The bytes there are after the header.
        data_len: usize,
    },
    /// A string section that does not end with a NUL byte, or (for base BTF)
    /// does not start with the empty string.
    StringsNotTerminated,
    /// A string section that is not UTF-8.
    StringsNotUtf8,
    /// A record of a kind number BTF does not define.
    UnknownKind(u32),
    /// A name offset past the string section (or inside a UTF-8 sequence).
    BadStringOffset(u32),
    /// More types than a type id can number.
    TooManyTypes,
    /// A reference to a type id past the last type.
    BadTypeId(u32),
    /// A field with a value BTF does not define (an integer encoding, a
    /// linkage).
    BadField {
        /// Which field.
        what: &'static str,
        /// Its value.
        value: u32,
    },
}

impl fmt::Display for DecodeProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeProblem::Truncated { what, need, have } => {
                write!(f, "{what} needs {need} bytes, {have} left")
            }
            DecodeProblem::ForeignEndian => {
                f.write_str("magic 0x9feb: BTF of the other byte order, which is not supported")
            }
            DecodeProblem::BadMagic(m) => write!(f, "magic {m:#06x} is not BTF's 0xeb9f"),
            DecodeProblem::BadVersion(v) => write!(f, "version {v}, only 1 is known"),
            DecodeProblem::BadHeaderLen(l) => {
                write!(f, "header length {l} (must be at least 24 and inside the input)")
            }
            DecodeProblem::BadSection { section, off, len, data_len } => write!(
                f,
                "{section} section at {off} with length {len} is not inside the {data_len} \
                 bytes after the header (or is not 4-byte aligned)"
            ),
            DecodeProblem::StringsNotTerminated => f.write_str(
                "the string section does not end with NUL (or a base's does not start with one)",
            ),
            DecodeProblem::StringsNotUtf8 => f.write_str("the string section is not UTF-8"),
            DecodeProblem::UnknownKind(k) => write!(f, "unknown kind {k}"),
            DecodeProblem::BadStringOffset(o) => {
                write!(f, "string offset {o} is not the start of a string in the string section")
            }
            DecodeProblem::TooManyTypes => f.write_str("more types than a 32-bit id can number"),
            DecodeProblem::BadTypeId(id) => write!(f, "refers to type [{id}], past the last type"),
            DecodeProblem::BadField { what, value } => write!(f, "{what} {value} is not defined"),
        }
    }
}
