//! The BTF type model: one Rust value per `struct btf_type` record and the
//! data that follows it, with names as strings and references as
//! [`TypeId`]s. The encoder writes it and the decoder reads it; neither the
//! string table nor the record layout shows through.

use std::fmt;

/// A type's id: its position in the type section, counted from 1. Id 0 is
/// `void` (no record), as in a function returning nothing or `void *`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TypeId(pub u32);

impl TypeId {
    /// `void`: the id no record has.
    pub const VOID: TypeId = TypeId(0);
}

impl fmt::Display for TypeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}]", self.0)
    }
}

/// The kind of a BTF record (`BTF_KIND_*`), with the kernel's numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Kind {
    /// `BTF_KIND_INT`.
    Int = 1,
    /// `BTF_KIND_PTR`.
    Ptr = 2,
    /// `BTF_KIND_ARRAY`.
    Array = 3,
    /// `BTF_KIND_STRUCT`.
    Struct = 4,
    /// `BTF_KIND_UNION`.
    Union = 5,
    /// `BTF_KIND_ENUM`.
    Enum = 6,
    /// `BTF_KIND_FWD`.
    Fwd = 7,
    /// `BTF_KIND_TYPEDEF`.
    Typedef = 8,
    /// `BTF_KIND_VOLATILE`.
    Volatile = 9,
    /// `BTF_KIND_CONST`.
    Const = 10,
    /// `BTF_KIND_RESTRICT`.
    Restrict = 11,
    /// `BTF_KIND_FUNC`.
    Func = 12,
    /// `BTF_KIND_FUNC_PROTO`.
    FuncProto = 13,
    /// `BTF_KIND_VAR`.
    Var = 14,
    /// `BTF_KIND_DATASEC`.
    Datasec = 15,
    /// `BTF_KIND_FLOAT`.
    Float = 16,
    /// `BTF_KIND_DECL_TAG`.
    DeclTag = 17,
    /// `BTF_KIND_TYPE_TAG`.
    TypeTag = 18,
    /// `BTF_KIND_ENUM64`.
    Enum64 = 19,
}

impl Kind {
    /// Every kind, in number order.
    pub const ALL: [Kind; 19] = [
        Kind::Int,
        Kind::Ptr,
        Kind::Array,
        Kind::Struct,
        Kind::Union,
        Kind::Enum,
        Kind::Fwd,
        Kind::Typedef,
        Kind::Volatile,
        Kind::Const,
        Kind::Restrict,
        Kind::Func,
        Kind::FuncProto,
        Kind::Var,
        Kind::Datasec,
        Kind::Float,
        Kind::DeclTag,
        Kind::TypeTag,
        Kind::Enum64,
    ];

    /// The kind numbered `n` (`BTF_INFO_KIND`), if there is one.
    pub fn from_number(n: u32) -> Option<Kind> {
        Kind::ALL.get(usize::try_from(n).ok()?.checked_sub(1)?).copied()
    }

    /// The kernel's number.
    pub fn number(self) -> u32 {
        self as u32
    }

    /// The upper-case name bpftool prints (`INT`, `FUNC_PROTO`).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Int => "INT",
            Kind::Ptr => "PTR",
            Kind::Array => "ARRAY",
            Kind::Struct => "STRUCT",
            Kind::Union => "UNION",
            Kind::Enum => "ENUM",
            Kind::Fwd => "FWD",
            Kind::Typedef => "TYPEDEF",
            Kind::Volatile => "VOLATILE",
            Kind::Const => "CONST",
            Kind::Restrict => "RESTRICT",
            Kind::Func => "FUNC",
            Kind::FuncProto => "FUNC_PROTO",
            Kind::Var => "VAR",
            Kind::Datasec => "DATASEC",
            Kind::Float => "FLOAT",
            Kind::DeclTag => "DECL_TAG",
            Kind::TypeTag => "TYPE_TAG",
            Kind::Enum64 => "ENUM64",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How an integer's bits are read (`BTF_INT_ENCODING`): at most one of
/// the three is set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum IntEncoding {
    /// Unsigned (no flag).
    #[default]
    Unsigned,
    /// `BTF_INT_SIGNED`.
    Signed,
    /// `BTF_INT_CHAR`.
    Char,
    /// `BTF_INT_BOOL`.
    Bool,
}

/// The linkage of a function (`enum btf_func_linkage`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum FuncLinkage {
    /// `BTF_FUNC_STATIC`: verified with its caller's knowledge of the
    /// arguments.
    #[default]
    Static,
    /// `BTF_FUNC_GLOBAL`: verified once, on its own, against its prototype.
    Global,
    /// `BTF_FUNC_EXTERN`: defined elsewhere.
    Extern,
}

/// The linkage of a variable (`BTF_VAR_*`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum VarLinkage {
    /// `BTF_VAR_STATIC`.
    #[default]
    Static,
    /// `BTF_VAR_GLOBAL_ALLOCATED`.
    GlobalAllocated,
    /// `BTF_VAR_GLOBAL_EXTERN`.
    GlobalExtern,
}

/// A member of a struct or union (`struct btf_member`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Member {
    /// The member's name; `None` for an anonymous struct or union member.
    pub name: Option<String>,
    /// Its type.
    pub ty: TypeId,
    /// Where it starts, in bits from the start of the struct.
    pub bit_offset: u32,
    /// Its width in bits when it is a bitfield, 0 when it is not. A
    /// composite with any bitfield member is written with `kind_flag` set.
    pub bitfield_size: u8,
}

impl Member {
    /// A named member that is no bitfield, at `bit_offset`.
    pub fn new(name: &str, ty: TypeId, bit_offset: u32) -> Member {
        Member { name: Some(name.into()), ty, bit_offset, bitfield_size: 0 }
    }

    /// A named bitfield of `bits` bits at `bit_offset`.
    pub fn bitfield(name: &str, ty: TypeId, bit_offset: u32, bits: u8) -> Member {
        Member { name: Some(name.into()), ty, bit_offset, bitfield_size: bits }
    }
}

/// A struct or union: its name, size and members.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Composite {
    /// Its name; `None` when anonymous.
    pub name: Option<String>,
    /// Its size in bytes.
    pub size: u32,
    /// Its members, in declaration order.
    pub members: Vec<Member>,
}

/// One enumerator of an enum (`struct btf_enum` or `struct btf_enum64`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Enumerator {
    /// Its name.
    pub name: String,
    /// Its value, as a 64-bit pattern: an `ENUM`'s is the 32-bit value,
    /// sign-extended when the enum is signed.
    pub value: i64,
}

/// An enum: `ENUM` for values of up to 4 bytes, `ENUM64` above.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EnumType {
    /// Its name; `None` when anonymous.
    pub name: Option<String>,
    /// Its size in bytes: 1, 2, 4 or 8.
    pub size: u32,
    /// Whether its values are signed (`kind_flag`).
    pub signed: bool,
    /// Its enumerators, in declaration order.
    pub values: Vec<Enumerator>,
}

/// A parameter of a function prototype (`struct btf_param`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Param {
    /// Its name; `None` when unnamed. The verifier names global functions'
    /// arguments by these.
    pub name: Option<String>,
    /// Its type. A last parameter of type `void` with no name marks a
    /// variadic prototype (`...`).
    pub ty: TypeId,
}

/// A variable's place in a data section (`struct btf_var_secinfo`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct VarSecinfo {
    /// The `VAR` record.
    pub ty: TypeId,
    /// Its offset in the section, in bytes.
    pub offset: u32,
    /// Its size in bytes.
    pub size: u32,
}

/// One BTF type: a record of the type section.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum BtfType {
    /// An integer of `size` bytes, of which `bits` bits starting at bit
    /// `offset` are used.
    Int {
        /// Its name, e.g. `unsigned int`.
        name: String,
        /// Its size in bytes: 1, 2, 4, 8 or 16.
        size: u32,
        /// How its bits are read.
        encoding: IntEncoding,
        /// `BTF_INT_OFFSET`: the first bit used (0 for a plain integer).
        offset: u8,
        /// `BTF_INT_BITS`: how many bits are used (`8 * size` for a plain
        /// integer).
        bits: u8,
    },
    /// A pointer to `target`.
    Ptr {
        /// What it points to.
        target: TypeId,
    },
    /// An array of `len` elements of type `elem`, indexed by type `index`.
    Array {
        /// The element type.
        elem: TypeId,
        /// The index type (an integer type; the kernel only checks that it
        /// is one).
        index: TypeId,
        /// The number of elements.
        len: u32,
    },
    /// A struct.
    Struct(Composite),
    /// A union.
    Union(Composite),
    /// An enum of up to 4-byte values (`ENUM`).
    Enum(EnumType),
    /// A forward declaration of a struct (or, with `union`, a union).
    Fwd {
        /// Its name.
        name: String,
        /// Whether it declares a union rather than a struct.
        union: bool,
    },
    /// A typedef: `name` for `target`.
    Typedef {
        /// Its name.
        name: String,
        /// The type it names.
        target: TypeId,
    },
    /// `volatile target`.
    Volatile {
        /// The qualified type.
        target: TypeId,
    },
    /// `const target`.
    Const {
        /// The qualified type.
        target: TypeId,
    },
    /// `restrict target`.
    Restrict {
        /// The qualified type.
        target: TypeId,
    },
    /// A function: a name and linkage for a [`BtfType::FuncProto`].
    Func {
        /// Its name.
        name: String,
        /// Its prototype.
        proto: TypeId,
        /// Its linkage.
        linkage: FuncLinkage,
    },
    /// A function prototype: the return type and the parameters.
    FuncProto {
        /// The return type; [`TypeId::VOID`] for none.
        ret: TypeId,
        /// The parameters, in order.
        params: Vec<Param>,
    },
    /// A variable.
    Var {
        /// Its name.
        name: String,
        /// Its type.
        ty: TypeId,
        /// Its linkage.
        linkage: VarLinkage,
    },
    /// A data section and the variables in it.
    Datasec {
        /// Its name, e.g. `.data`.
        name: String,
        /// Its size in bytes.
        size: u32,
        /// Its variables, by offset.
        vars: Vec<VarSecinfo>,
    },
    /// A floating-point type.
    Float {
        /// Its name, e.g. `double`.
        name: String,
        /// Its size in bytes: 2, 4, 8, 12 or 16.
        size: u32,
    },
    /// A tag on a declaration (`__attribute__((btf_decl_tag("...")))`).
    DeclTag {
        /// The tag's text.
        name: String,
        /// The tagged type, variable or function.
        target: TypeId,
        /// The tagged member or parameter, or -1 for the whole target.
        component_idx: i32,
    },
    /// A tag on a type (`__attribute__((btf_type_tag("...")))`).
    TypeTag {
        /// The tag's text.
        name: String,
        /// The tagged type.
        target: TypeId,
    },
    /// An enum with values of up to 8 bytes (`ENUM64`).
    Enum64(EnumType),
}

impl BtfType {
    /// A plain integer of `size` bytes using all its bits (`offset` 0,
    /// `bits` 8 × `size`), e.g. `BtfType::int("int", 4, IntEncoding::Signed)`.
    pub fn int(name: &str, size: u8, encoding: IntEncoding) -> BtfType {
        BtfType::Int {
            name: name.into(),
            size: size.into(),
            encoding,
            offset: 0,
            bits: size.saturating_mul(8),
        }
    }

    /// The record's kind.
    pub fn kind(&self) -> Kind {
        match self {
            BtfType::Int { .. } => Kind::Int,
            BtfType::Ptr { .. } => Kind::Ptr,
            BtfType::Array { .. } => Kind::Array,
            BtfType::Struct(_) => Kind::Struct,
            BtfType::Union(_) => Kind::Union,
            BtfType::Enum(_) => Kind::Enum,
            BtfType::Fwd { .. } => Kind::Fwd,
            BtfType::Typedef { .. } => Kind::Typedef,
            BtfType::Volatile { .. } => Kind::Volatile,
            BtfType::Const { .. } => Kind::Const,
            BtfType::Restrict { .. } => Kind::Restrict,
            BtfType::Func { .. } => Kind::Func,
            BtfType::FuncProto { .. } => Kind::FuncProto,
            BtfType::Var { .. } => Kind::Var,
            BtfType::Datasec { .. } => Kind::Datasec,
            BtfType::Float { .. } => Kind::Float,
            BtfType::DeclTag { .. } => Kind::DeclTag,
            BtfType::TypeTag { .. } => Kind::TypeTag,
            BtfType::Enum64(_) => Kind::Enum64,
        }
    }

    /// The type's name; `None` for kinds without one (pointers,
    /// qualifiers, prototypes, arrays) and for anonymous ones.
    pub fn name(&self) -> Option<&str> {
        match self {
            BtfType::Int { name, .. }
            | BtfType::Fwd { name, .. }
            | BtfType::Typedef { name, .. }
            | BtfType::Func { name, .. }
            | BtfType::Var { name, .. }
            | BtfType::Datasec { name, .. }
            | BtfType::Float { name, .. }
            | BtfType::DeclTag { name, .. }
            | BtfType::TypeTag { name, .. } => Some(name),
            BtfType::Struct(c) | BtfType::Union(c) => c.name.as_deref(),
            BtfType::Enum(e) | BtfType::Enum64(e) => e.name.as_deref(),
            BtfType::Ptr { .. }
            | BtfType::Array { .. }
            | BtfType::Volatile { .. }
            | BtfType::Const { .. }
            | BtfType::Restrict { .. }
            | BtfType::FuncProto { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_have_the_kernels_numbers_and_names() {
        for (i, kind) in Kind::ALL.iter().enumerate() {
            assert_eq!(kind.number() as usize, i + 1);
            assert_eq!(Kind::from_number(kind.number()), Some(*kind));
        }
        assert_eq!(Kind::from_number(0), None);
        assert_eq!(Kind::from_number(20), None);
        assert_eq!(Kind::FuncProto.to_string(), "FUNC_PROTO");
        assert_eq!(Kind::Enum64.number(), 19);
    }

    #[test]
    fn names_and_kinds_of_records() {
        let s = BtfType::Struct(Composite { name: None, size: 4, members: vec![] });
        assert_eq!((s.kind(), s.name()), (Kind::Struct, None));
        let f =
            BtfType::Func { name: "prog".into(), proto: TypeId(2), linkage: FuncLinkage::Global };
        assert_eq!((f.kind(), f.name()), (Kind::Func, Some("prog")));
        assert_eq!(TypeId(3).to_string(), "[3]");
    }
}
