//! Rust types that describe themselves as BTF: [`BtfDescribe`], the
//! [`BtfBuilder`] that collects the descriptions, and
//! [`btf_struct!`](crate::btf_struct).
//!
//! # The names
//!
//! Rust's integers are written as the kernel's own headers spell them, so
//! that bpftool prints a bpfkit map like one made from C with
//! `<linux/types.h>`, and the names match vmlinux's: `u32` is `TYPEDEF
//! __u32` of `INT 'unsigned int'`, `i64` is `TYPEDEF __s64` of `INT 'long
//! long int'`, `u128` is `TYPEDEF __u128` of `INT '__int128 unsigned'`,
//! `bool` is `TYPEDEF bool` of `INT '_Bool'` (the base names are GCC's, as
//! pahole writes them into vmlinux); `f32` and `f64` are `FLOAT 'float'`
//! and `FLOAT 'double'`. An array `[T; N]` is an `ARRAY` of
//! `T` indexed by `INT '__ARRAY_SIZE_TYPE__'`, as clang emits it.
//!
//! # Why a builder with a memo
//!
//! A description adds records and returns the id of the one that is the
//! type. Describing `u32` twice must give one record, or a struct of two
//! `u32` fields would carry two identical typedefs. The builder keeps the
//! id each Rust type got, keyed by [`std::any::TypeId`] (which is why
//! [`BtfDescribe`] needs `'static`: map keys and values are plain data), and
//! the id of each shared base record (the C integers, the array index
//! type) by its name. Keying by the Rust type rather than by the BTF name
//! keeps two Rust structs of the same name in different modules apart.

use std::any::type_name;
use std::collections::HashMap;

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use super::list::Btf;
use super::types::{BtfType, Composite, IntEncoding, Member, TypeId};
use super::validate::size_of;
use crate::error::BtfError;

/// A Rust type that can add its own BTF description to a [`BtfBuilder`].
///
/// Implemented for the integers, `bool`, `f32`, `f64`, arrays of describable types,
/// [`BpfSpinLock`], [`BpfTimer`], and every struct declared with
/// [`btf_struct!`](crate::btf_struct).
pub trait BtfDescribe: 'static {
    /// Whether `Self` holds a [`BpfSpinLock`] the kernel finds: it is one,
    /// or it is a [`btf_struct!`](crate::btf_struct) with one among its
    /// fields, or in a struct among its fields (Linux 6.18 finds a lock
    /// one struct down; older kernels only at the top of the value).
    /// Typed maps read it to allow `BPF_F_LOCK` reads and writes
    /// (`get_locked`, `set_locked`) only for such values; it is a constant,
    /// so the check costs nothing at run time.
    const HAS_SPIN_LOCK: bool = false;

    /// Adds the records that describe `Self` (and, through
    /// [`BtfBuilder::describe`], those of the types it uses) and returns
    /// the id of the record that is `Self`. Call it through
    /// [`BtfBuilder::describe`], which adds each type once.
    fn add_btf(b: &mut BtfBuilder) -> Result<TypeId, BtfError>;
}

/// What the memo is keyed by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Key {
    /// A Rust type.
    Rust(std::any::TypeId),
    /// A shared base record, by its BTF name.
    Named(&'static str),
}

/// A [`Btf`] being filled from Rust types, each added once.
///
/// ```
/// use bpfkit::btf::{BtfBuilder, BtfType};
///
/// let mut b = BtfBuilder::new();
/// let first = b.describe::<u32>()?;
/// assert_eq!(b.describe::<u32>()?, first);
/// let btf = b.into_btf();
/// assert_eq!(btf.get(first).and_then(BtfType::name), Some("__u32"));
/// btf.encode()?;
/// # Ok::<(), bpfkit::btf::BtfError>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct BtfBuilder {
    btf: Btf,
    memo: HashMap<Key, TypeId>,
}

impl BtfBuilder {
    /// A builder over an empty standalone list.
    pub fn new() -> BtfBuilder {
        BtfBuilder { btf: Btf::new(), memo: HashMap::new() }
    }

    /// The id of `T`'s record, adding its description the first time.
    ///
    /// A description whose size is not `T`'s is an error
    /// ([`BtfError::SizeMismatch`]), so a wrong hand-written
    /// [`BtfDescribe`] cannot reach the kernel.
    pub fn describe<T: BtfDescribe>(&mut self) -> Result<TypeId, BtfError> {
        let key = Key::Rust(std::any::TypeId::of::<T>());
        if let Some(&id) = self.memo.get(&key) {
            return Ok(id);
        }
        let id = T::add_btf(self)?;
        let rust_size = std::mem::size_of::<T>() as u64;
        let btf_size = size_of(&self.btf, id);
        if btf_size != Some(rust_size) {
            return Err(BtfError::SizeMismatch {
                rust_type: type_name::<T>(),
                rust_size,
                btf_size,
            });
        }
        self.memo.insert(key, id);
        Ok(id)
    }

    /// Appends a record, as [`Btf::add`]: for descriptions written by hand.
    pub fn add(&mut self, ty: BtfType) -> TypeId {
        self.btf.add(ty)
    }

    /// The id of the shared record named `name`, adding `ty` the first time.
    fn named(&mut self, name: &'static str, ty: impl FnOnce() -> BtfType) -> TypeId {
        if let Some(&id) = self.memo.get(&Key::Named(name)) {
            return id;
        }
        let id = self.btf.add(ty());
        self.memo.insert(Key::Named(name), id);
        id
    }

    /// The C integer `name` (a base record, added once).
    fn c_int(&mut self, name: &'static str, size: u32, encoding: IntEncoding) -> TypeId {
        self.named(name, || BtfType::Int {
            name: name.to_owned(),
            size,
            encoding,
            offset: 0,
            // size is at most 16: the product fits.
            bits: u8::try_from(size * 8).unwrap_or(u8::MAX),
        })
    }

    /// The list so far.
    pub fn btf(&self) -> &Btf {
        &self.btf
    }

    /// The list.
    pub fn into_btf(self) -> Btf {
        self.btf
    }
}

/// Implements [`BtfDescribe`] for an integer as `TYPEDEF $typedef` of the
/// C integer `$base`.
macro_rules! describe_int {
    ($($rust:ty => $typedef:literal, $base:literal, $encoding:ident;)*) => {$(
        impl BtfDescribe for $rust {
            fn add_btf(b: &mut BtfBuilder) -> Result<TypeId, BtfError> {
                let size = std::mem::size_of::<$rust>() as u32;
                let target = b.c_int($base, size, IntEncoding::$encoding);
                Ok(b.add(BtfType::Typedef { name: $typedef.to_owned(), target }))
            }
        }
    )*};
}

describe_int! {
    u8 => "__u8", "unsigned char", Unsigned;
    i8 => "__s8", "signed char", Signed;
    u16 => "__u16", "short unsigned int", Unsigned;
    i16 => "__s16", "short int", Signed;
    u32 => "__u32", "unsigned int", Unsigned;
    i32 => "__s32", "int", Signed;
    u64 => "__u64", "long long unsigned int", Unsigned;
    i64 => "__s64", "long long int", Signed;
    u128 => "__u128", "__int128 unsigned", Unsigned;
    i128 => "__s128", "__int128", Signed;
    bool => "bool", "_Bool", Bool;
}

/// Implements [`BtfDescribe`] for a float as the C `FLOAT` of that name.
macro_rules! describe_float {
    ($($rust:ty => $name:literal;)*) => {$(
        impl BtfDescribe for $rust {
            fn add_btf(b: &mut BtfBuilder) -> Result<TypeId, BtfError> {
                let size = std::mem::size_of::<$rust>() as u32;
                Ok(b.named($name, || BtfType::Float { name: $name.to_owned(), size }))
            }
        }
    )*};
}

describe_float! {
    f32 => "float";
    f64 => "double";
}

impl<T: BtfDescribe, const N: usize> BtfDescribe for [T; N] {
    fn add_btf(b: &mut BtfBuilder) -> Result<TypeId, BtfError> {
        let rust_type = type_name::<Self>();
        let len =
            u32::try_from(N).map_err(|_| BtfError::ArrayTooLong { rust_type, len: N as u64 })?;
        let size = std::mem::size_of::<Self>() as u64;
        if size > u64::from(u32::MAX) {
            return Err(BtfError::RustTypeTooLarge { rust_type, len: size });
        }
        let elem = b.describe::<T>()?;
        let index = b.c_int("__ARRAY_SIZE_TYPE__", 4, IntEncoding::Unsigned);
        Ok(b.add(BtfType::Array { elem, index, len }))
    }
}

/// `struct bpf_spin_lock`: a lock the kernel finds in a map value by this
/// name, taken with `bpf_spin_lock()`. A map value holds at most one, and
/// only with BTF; user space sees its 4 bytes as opaque.
#[doc(alias = "bpf_spin_lock")]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
pub struct BpfSpinLock {
    val: u32,
}

impl BtfDescribe for BpfSpinLock {
    const HAS_SPIN_LOCK: bool = true;

    fn add_btf(b: &mut BtfBuilder) -> Result<TypeId, BtfError> {
        let val = b.describe::<u32>()?;
        Ok(b.add(BtfType::Struct(Composite {
            name: Some("bpf_spin_lock".into()),
            size: 4,
            members: vec![Member {
                name: Some("val".into()),
                ty: val,
                bit_offset: 0,
                bitfield_size: 0,
            }],
        })))
    }
}

/// `struct bpf_timer`: a timer the kernel finds in a map value by this
/// name, 16 opaque bytes aligned to 8. Described as vmlinux has it:
/// `struct bpf_timer { __u64 __opaque[2]; }`.
#[doc(alias = "bpf_timer")]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C, align(8))]
pub struct BpfTimer {
    opaque: [u64; 2],
}

impl BtfDescribe for BpfTimer {
    fn add_btf(b: &mut BtfBuilder) -> Result<TypeId, BtfError> {
        let opaque = b.describe::<[u64; 2]>()?;
        Ok(b.add(BtfType::Struct(Composite {
            name: Some("bpf_timer".into()),
            size: 16,
            members: vec![Member {
                name: Some("__opaque".into()),
                ty: opaque,
                bit_offset: 0,
                bitfield_size: 0,
            }],
        })))
    }
}

/// Declares a `#[repr(C)]` struct and implements [`BtfDescribe`] for it:
/// a `STRUCT` named like the Rust struct, one member per field, named like
/// the field, at the field's [`offset_of!`](core::mem::offset_of), and the
/// struct's [`size_of`](core::mem::size_of).
///
/// Attributes on the struct and its fields are kept, so derives (zerocopy's,
/// to use it as a map value) go inside. Every field's type must implement
/// [`BtfDescribe`], or the code does not compile; so must the layout: a
/// constant check fails the build if fields overlap, end past the struct,
/// or the struct is too large for BTF. Generic structs are not supported.
/// Do not add `#[repr(C)]` yourself: the macro does, and zerocopy's
/// derives refuse two.
///
/// A field whose type has no description does not compile:
///
/// ```compile_fail
/// bpfkit::btf_struct! {
///     struct Named { name: String }
/// }
/// ```
///
/// ```
/// use bpfkit::btf::{BpfSpinLock, BtfBuilder, BtfType};
/// use bpfkit::btf_struct;
///
/// btf_struct! {
///     #[derive(Clone, Copy, Debug, Default)]
///     pub struct Counter {
///         pub lock: BpfSpinLock,
///         pub packets: u64,
///     }
/// }
///
/// let mut b = BtfBuilder::new();
/// let id = b.describe::<Counter>()?;
/// let BtfType::Struct(s) = b.btf().get(id).unwrap() else { unreachable!() };
/// assert_eq!(s.name.as_deref(), Some("Counter"));
/// assert_eq!(s.size, 16);
/// assert_eq!(s.members[1].bit_offset, 64);
/// # Ok::<(), bpfkit::btf::BtfError>(())
/// ```
#[macro_export]
macro_rules! btf_struct {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $( $(#[$fmeta:meta])* $fvis:vis $field:ident : $fty:ty ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[repr(C)]
        $vis struct $name {
            $( $(#[$fmeta])* $fvis $field : $fty ),+
        }

        const _: () = {
            let offsets = [$( ::core::mem::offset_of!($name, $field) ),+];
            let sizes = [$( ::core::mem::size_of::<$fty>() ),+];
            let mut end = 0usize;
            let mut i = 0;
            while i < offsets.len() {
                ::core::assert!(offsets[i] >= end, "btf_struct!: a field overlaps the one before it");
                end = offsets[i] + sizes[i];
                i += 1;
            }
            ::core::assert!(
                end <= ::core::mem::size_of::<$name>(),
                "btf_struct!: a field ends past the struct"
            );
            ::core::assert!(
                ::core::mem::size_of::<$name>() <= (u32::MAX / 8) as usize,
                "btf_struct!: the struct is too large for BTF's bit offsets"
            );
        };

        impl $crate::btf::BtfDescribe for $name {
            const HAS_SPIN_LOCK: bool =
                false $(|| <$fty as $crate::btf::BtfDescribe>::HAS_SPIN_LOCK)+;

            fn add_btf(
                b: &mut $crate::btf::BtfBuilder,
            ) -> ::core::result::Result<$crate::btf::TypeId, $crate::btf::BtfError> {
                let members = ::std::vec![$(
                    $crate::btf::Member {
                        name: ::core::option::Option::Some(
                            ::std::string::String::from(::core::stringify!($field)),
                        ),
                        ty: b.describe::<$fty>().map_err(|e| $crate::btf::BtfError::Field {
                            rust_type: ::core::stringify!($name),
                            field: ::core::stringify!($field),
                            source: ::std::boxed::Box::new(e),
                        })?,
                        // Checked above to fit: size_of::<Self>() * 8 <= u32::MAX.
                        bit_offset: (::core::mem::offset_of!($name, $field) * 8) as u32,
                        bitfield_size: 0,
                    }
                ),+];
                ::core::result::Result::Ok(b.add($crate::btf::BtfType::Struct(
                    $crate::btf::Composite {
                        name: ::core::option::Option::Some(
                            ::std::string::String::from(::core::stringify!($name)),
                        ),
                        size: ::core::mem::size_of::<$name>() as u32,
                        members,
                    },
                )))
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_typedefs_of_the_kernels_c_integers() {
        let mut b = BtfBuilder::new();
        let u = b.describe::<u32>().unwrap();
        let i = b.describe::<i32>().unwrap();
        assert_eq!(b.describe::<u32>().unwrap(), u);
        let btf = b.into_btf();
        let BtfType::Typedef { name, target } = btf.get(u).unwrap() else { panic!() };
        assert_eq!(name, "__u32");
        assert_eq!(btf.get(*target).and_then(BtfType::name), Some("unsigned int"));
        assert_eq!(btf.get(i).and_then(BtfType::name), Some("__s32"));
        assert_eq!(btf.len(), 4);
    }

    #[test]
    fn spin_locks_are_found_in_fields_and_nested_structs() {
        btf_struct! {
            struct Locked { lock: BpfSpinLock, n: u32 }
        }
        btf_struct! {
            struct Outer { n: u64, inner: Locked }
        }
        btf_struct! {
            struct Plain { n: u64, timer: BpfTimer }
        }
        const FOUND: [bool; 5] = [
            Locked::HAS_SPIN_LOCK,
            Outer::HAS_SPIN_LOCK,
            Plain::HAS_SPIN_LOCK,
            u32::HAS_SPIN_LOCK,
            <[BpfSpinLock; 2]>::HAS_SPIN_LOCK,
        ];
        assert_eq!(FOUND, [true, true, false, false, false]);
    }

    #[test]
    fn the_default_builder_numbers_from_1() {
        let mut b = BtfBuilder::default();
        assert_eq!(b.describe::<u8>().unwrap(), TypeId(2)); // INT [1], TYPEDEF [2]
    }

    #[test]
    fn a_wrong_hand_written_description_is_a_size_mismatch() {
        struct Wrong(#[allow(dead_code)] u64);
        impl BtfDescribe for Wrong {
            fn add_btf(b: &mut BtfBuilder) -> Result<TypeId, BtfError> {
                b.describe::<u32>()
            }
        }
        let err = BtfBuilder::new().describe::<Wrong>().unwrap_err();
        assert!(matches!(err, BtfError::SizeMismatch { rust_size: 8, btf_size: Some(4), .. }));
        assert!(err.to_string().contains("Wrong"), "{err}");
    }
}
