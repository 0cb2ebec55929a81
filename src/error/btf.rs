//! What is wrong with a BTF type list, found before the kernel sees it.
//!
//! The error layer does not know the BTF model (`btf` sits above it), so
//! these hold plain data: ids as `u32`, kinds by their upper-case names.

use std::fmt;

/// A BTF type list the kernel would reject, or a Rust type that cannot be
/// described as BTF. Each names the type (id, kind, name), the member,
/// parameter or variable at fault, and the rule it breaks.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BtfError {
    /// A type breaks a rule of the kernel's BTF checker.
    #[error(
        "BTF type [{id}] {kind} '{}'{}: {problem}",
        name.as_deref().unwrap_or("(anon)"),
        component.as_ref().map(|c| format!(", {c}")).unwrap_or_default()
    )]
    Invalid {
        /// The type's id.
        id: u32,
        /// Its kind, as bpftool prints it (`STRUCT`).
        kind: &'static str,
        /// Its name; `None` when it has none.
        name: Option<String>,
        /// The member, parameter, enumerator or variable at fault, e.g.
        /// `member 'a'`; `None` when the type itself is.
        component: Option<String>,
        /// The rule broken.
        problem: BtfProblem,
    },

    /// The encoded BTF would be larger than the kernel takes.
    #[error("BTF {what} would be {len}, more than the kernel's limit of {max}")]
    TooLarge {
        /// What overflows: `"type count"`, `"string table"`, `"size"`.
        what: &'static str,
        /// How large it would be.
        len: u64,
        /// The kernel's limit.
        max: u64,
    },

    /// A Rust array is too long for a BTF `ARRAY` (its length is 32 bits).
    #[error("Rust type {rust_type} has {len} elements, more than a BTF ARRAY holds (u32::MAX)")]
    ArrayTooLong {
        /// The Rust type, as `std::any::type_name` spells it.
        rust_type: &'static str,
        /// Its length.
        len: u64,
    },

    /// A Rust type's description has a size other than the Rust type's:
    /// a hand-written [`BtfDescribe`](crate::btf::BtfDescribe) that is
    /// wrong.
    #[error(
        "Rust type {rust_type} is {rust_size} bytes but its BTF description is {}",
        btf_size.map(|n| format!("{n} bytes")).unwrap_or_else(|| "unsized".to_owned())
    )]
    SizeMismatch {
        /// The Rust type.
        rust_type: &'static str,
        /// Its size in Rust.
        rust_size: u64,
        /// The size of the type its description returned; `None` when
        /// that type has no size.
        btf_size: Option<u64>,
    },

    /// A field of a [`btf_struct!`](crate::btf_struct) struct could not be
    /// described.
    #[error("field {field} of {rust_type}: {source}")]
    Field {
        /// The struct.
        rust_type: &'static str,
        /// The field.
        field: &'static str,
        /// Why its type could not be described.
        source: Box<BtfError>,
    },

    /// A Rust type's size does not fit BTF's 32 bits.
    #[error("Rust type {rust_type} is {len} bytes, more than BTF's 32-bit sizes hold")]
    RustTypeTooLarge {
        /// The Rust type.
        rust_type: &'static str,
        /// Its size in bytes.
        len: u64,
    },
}

/// The rule a BTF type breaks, in [`BtfError::Invalid`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BtfProblem {
    /// It refers to an id that is neither in the list nor below it.
    MissingType {
        /// The id referred to.
        target: u32,
    },
    /// It refers to `void` where the kernel wants a type.
    Void,
    /// It refers to a type of the wrong kind.
    WrongKind {
        /// The id referred to.
        target: u32,
        /// That type's kind.
        found: &'static str,
        /// What the kernel wants there.
        expected: &'static str,
    },
    /// It refers to a type with no size (a `FWD`, `FUNC`, `void`...) where
    /// the kernel needs one.
    Unsized {
        /// The id referred to.
        target: u32,
    },
    /// Its size depends on itself (a struct containing itself).
    Loop,
    /// A name that must be a C identifier is not one.
    NotIdentifier {
        /// The name.
        name: String,
    },
    /// A section name is empty, too long, or has a character that is not
    /// printable ASCII.
    NotSectionName {
        /// The name.
        name: String,
    },
    /// It must have a name and has none.
    Unnamed,
    /// A name holds a NUL byte, which would cut it short in the string
    /// table.
    NulInName {
        /// The name.
        name: String,
    },
    /// An `INT`'s size is not 1, 2, 4, 8 or 16 bytes.
    IntSize {
        /// The size in bytes.
        size: u32,
    },
    /// An `INT`'s used bits do not fit in its size, or exceed 128.
    IntBits {
        /// The first used bit.
        offset: u8,
        /// How many bits are used.
        bits: u8,
        /// The size in bytes.
        size: u32,
    },
    /// An enum's size is not 1, 2, 4 or 8 bytes.
    EnumSize {
        /// The size in bytes.
        size: u32,
    },
    /// An `ENUM` value does not fit 32 bits.
    EnumValue {
        /// The value.
        value: i64,
    },
    /// A `FLOAT`'s size is not 2, 4, 8, 12 or 16 bytes.
    FloatSize {
        /// The size in bytes.
        size: u32,
    },
    /// A member ends past the end of its struct or union.
    MemberPastEnd {
        /// Where it starts, in bits.
        bit_offset: u32,
        /// Its width in bits.
        bits: u64,
        /// The struct's size in bytes.
        size: u32,
    },
    /// An enum member that is not a bitfield ends past its struct when
    /// counted as the kernel counts it: 4 bytes (`sizeof(int)`), whatever
    /// the enum's size.
    EnumMemberPastEnd {
        /// Where it starts, in bits.
        bit_offset: u32,
        /// The struct's size in bytes.
        size: u32,
    },
    /// A struct member starts before the one declared before it.
    MemberOrder {
        /// Where it starts, in bits.
        bit_offset: u32,
        /// Where the previous member starts.
        previous: u32,
    },
    /// A member that is not a bitfield does not start on a byte.
    NotByteAligned {
        /// Where it starts, in bits.
        bit_offset: u32,
    },
    /// A `FLOAT` member that is not aligned to its size (at most 8 bytes).
    Misaligned {
        /// Where it starts, in bits.
        bit_offset: u32,
        /// The alignment it needs, in bytes.
        align: u64,
    },
    /// A bitfield is wider than its integer type, or an enum bitfield
    /// wider than 32 bits (the kernel's limit for enums of any size).
    BitfieldTooWide {
        /// Its width in bits.
        bits: u8,
        /// The width of its type in bits.
        max: u64,
    },
    /// A bitfield spans more than the 128 bits the kernel copies it
    /// through: its offset within its first byte plus its width.
    BitfieldSpan {
        /// Where it starts, in bits.
        bit_offset: u32,
        /// Its width in bits.
        bits: u8,
    },
    /// A member of a struct with bitfields starts past bit 2^24 - 1: with
    /// bitfields, offsets have 24 bits.
    OffsetTooLarge {
        /// Where it starts, in bits.
        bit_offset: u32,
    },
    /// A bitfield's type is not an integer or an enum.
    BitfieldType {
        /// Its type's id.
        target: u32,
    },
    /// More members, parameters, values or variables than `vlen`'s 16 bits.
    TooMany {
        /// How many there are.
        count: usize,
    },
    /// A `TYPE_TAG` comes after a typedef or qualifier in a chain of
    /// them: the kernel wants the tags first (`ptr -> tag -> const -> int`,
    /// not `ptr -> const -> tag -> int`).
    TagAfterModifier {
        /// The misplaced `TYPE_TAG`.
        tag: u32,
    },
    /// A `FUNC` or `VAR` has extern linkage, which the kernel does not load.
    ExternLinkage,
    /// A function's parameter has no name: the kernel requires every
    /// parameter of a `FUNC`'s prototype to have one.
    UnnamedParam,
    /// A `void` parameter (`...`) that is not the last one, or that has a
    /// name.
    MisplacedVararg,
    /// A section's variable starts before the previous one ends.
    VarOverlap {
        /// Where it starts.
        offset: u32,
        /// Where the previous one ends.
        previous_end: u64,
    },
    /// A section's variable ends past the section's size.
    VarPastEnd {
        /// Where it starts.
        offset: u32,
        /// Its size.
        size: u32,
        /// The section's size.
        section_size: u32,
    },
    /// A section's variable is given a size of 0 or less than its type's.
    VarSize {
        /// The size given.
        size: u32,
        /// Its type's size.
        type_size: u64,
    },
    /// A data section with no variables or a size of 0.
    EmptySection,
    /// A `DECL_TAG`'s component index is neither -1 nor a member or
    /// parameter of its target.
    TagComponent {
        /// The index.
        index: i32,
        /// How many members or parameters the target has.
        count: usize,
    },
}

impl fmt::Display for BtfProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BtfProblem::MissingType { target } => {
                write!(f, "refers to type [{target}], which is not in the list")
            }
            BtfProblem::Void => f.write_str("refers to void, which is not allowed here"),
            BtfProblem::WrongKind { target, found, expected } => {
                write!(f, "refers to [{target}], a {found}, where the kernel wants {expected}")
            }
            BtfProblem::Unsized { target } => {
                write!(f, "refers to [{target}], which has no size, where one is needed")
            }
            BtfProblem::Loop => f.write_str("its size depends on itself"),
            BtfProblem::NotIdentifier { name } => write!(
                f,
                "name {name:?} is not a C identifier (letters, digits and '_', not starting \
                 with a digit, under 128 bytes)"
            ),
            BtfProblem::NotSectionName { name } => {
                write!(f, "section name {name:?} must be 1 to 127 printable ASCII characters")
            }
            BtfProblem::Unnamed => f.write_str("needs a name"),
            BtfProblem::NulInName { name } => write!(f, "name {name:?} holds a NUL byte"),
            BtfProblem::IntSize { size } => {
                write!(f, "INT size {size} is not 1, 2, 4, 8 or 16 bytes")
            }
            BtfProblem::IntBits { offset, bits, size } => write!(
                f,
                "bits {offset}..{} do not fit in {size} bytes (or exceed 128)",
                u32::from(*offset) + u32::from(*bits)
            ),
            BtfProblem::EnumSize { size } => write!(f, "enum size {size} is not 1, 2, 4 or 8"),
            BtfProblem::EnumValue { value } => {
                write!(f, "value {value} does not fit an ENUM's 32 bits (use ENUM64)")
            }
            BtfProblem::FloatSize { size } => {
                write!(f, "FLOAT size {size} is not 2, 4, 8, 12 or 16 bytes")
            }
            BtfProblem::MemberPastEnd { bit_offset, bits, size } => write!(
                f,
                "bits {bit_offset}..{} end past the type's {size} bytes",
                u64::from(*bit_offset) + bits
            ),
            BtfProblem::EnumMemberPastEnd { bit_offset, size } => write!(
                f,
                "bits {bit_offset}..{} end past the type's {size} bytes: the kernel counts an \
                 enum member as 4 bytes (sizeof(int)) whatever the enum's size",
                u64::from(*bit_offset) + 32
            ),
            BtfProblem::MemberOrder { bit_offset, previous } => write!(
                f,
                "starts at bit {bit_offset}, before the previous member (bit {previous}): \
                 struct members go in offset order"
            ),
            BtfProblem::NotByteAligned { bit_offset } => {
                write!(f, "starts at bit {bit_offset}, not on a byte, and is not a bitfield")
            }
            BtfProblem::Misaligned { bit_offset, align } => write!(
                f,
                "starts at bit {bit_offset}, which is not aligned to the {align} bytes the \
                 kernel wants of a FLOAT member"
            ),
            BtfProblem::BitfieldTooWide { bits, max } => {
                write!(f, "bitfield of {bits} bits is wider than its {max}-bit type")
            }
            BtfProblem::BitfieldSpan { bit_offset, bits } => write!(
                f,
                "bitfield of {bits} bits at bit {bit_offset} spans more than 128 bits from \
                 its first byte"
            ),
            BtfProblem::OffsetTooLarge { bit_offset } => write!(
                f,
                "starts at bit {bit_offset}, past the 24-bit offsets of a struct with bitfields"
            ),
            BtfProblem::BitfieldType { target } => {
                write!(f, "is a bitfield of [{target}], which is not an integer or an enum")
            }
            BtfProblem::TooMany { count } => {
                write!(f, "has {count} entries, more than BTF's 65535")
            }
            BtfProblem::TagAfterModifier { tag } => write!(
                f,
                "reaches TYPE_TAG [{tag}] after a typedef or qualifier: the kernel wants type \
                 tags before modifiers in a chain"
            ),
            BtfProblem::ExternLinkage => {
                f.write_str("has extern linkage, which the kernel refuses to load")
            }
            BtfProblem::UnnamedParam => f.write_str(
                "has no name: every parameter of a FUNC's prototype needs one (the verifier \
                 names arguments by them)",
            ),
            BtfProblem::MisplacedVararg => {
                f.write_str("is void (`...`), which only an unnamed last parameter may be")
            }
            BtfProblem::VarOverlap { offset, previous_end } => write!(
                f,
                "starts at {offset}, before the previous variable ends ({previous_end}): \
                 variables go in offset order without overlapping"
            ),
            BtfProblem::VarPastEnd { offset, size, section_size } => write!(
                f,
                "bytes {offset}..{} end past the section's {section_size} bytes",
                u64::from(*offset) + u64::from(*size)
            ),
            BtfProblem::VarSize { size, type_size } => {
                write!(f, "size {size} is 0 or less than its type's {type_size} bytes")
            }
            BtfProblem::EmptySection => f.write_str("has no variables or a size of 0"),
            BtfProblem::TagComponent { index, count } => write!(
                f,
                "component index {index} is neither -1 nor one of the target's {count} \
                 members or parameters"
            ),
        }
    }
}
