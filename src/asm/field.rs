//! Fields of a map value, named in Rust: [`field!`](crate::field) makes a
//! [`Field`] of a `#[repr(C)]` type, and
//! [`ld_field`](super::ProgramBuilder::ld_field) loads its address in a
//! map whose value is that type ([`ValueMap`]): a field of another type,
//! or a map of another value, does not compile.

use std::marker::PhantomData;

use super::map_ref::MapHandle;

/// A map whose value is one Rust type: what [`Field`]s of that type are
/// fields of.
///
/// A field of another type is refused when the program is compiled:
///
/// ```compile_fail,E0308
/// use bpfkit::asm::{ProgramBuilder, R1};
/// use bpfkit::maps::Global;
///
/// #[repr(C)]
/// #[derive(Clone, Copy, zerocopy::FromBytes, zerocopy::IntoBytes, zerocopy::Immutable, zerocopy::KnownLayout)]
/// struct Config { threshold: u64 }
/// #[repr(C)]
/// struct Other { threshold: u64 }
///
/// fn build(config: &Global<Config>) {
///     ProgramBuilder::new().ld_field(R1, config, bpfkit::field!(Other, threshold));
/// }
/// ```
pub trait ValueMap: MapHandle {
    /// The type of the map's value.
    type Value;
}

/// A field of `T`: its offset and size. Made by [`field!`](crate::field),
/// which checks that the field exists and finds both.
pub struct Field<T> {
    offset: u32,
    size: u32,
    value: PhantomData<fn(&T)>,
}

impl<T> Field<T> {
    /// The field at `offset` in `T`, of the type `pick` returns a
    /// reference to. For [`field!`](crate::field), which passes
    /// `offset_of!` and a closure naming the same field; called by hand,
    /// nothing ties the two together.
    #[doc(hidden)]
    pub const fn from_offset_of<F>(offset: usize, pick: fn(&T) -> &F) -> Field<T> {
        let _ = pick;
        // A value type is at most a map value, which the kernel caps far
        // below 4 GiB; a type that large does not fit in a map at all.
        assert!(offset <= u32::MAX as usize && size_of::<F>() <= u32::MAX as usize);
        Field { offset: offset as u32, size: size_of::<F>() as u32, value: PhantomData }
    }

    /// The field's offset in `T`, in bytes.
    pub const fn offset(&self) -> u32 {
        self.offset
    }

    /// The field's size in bytes.
    pub const fn size(&self) -> u32 {
        self.size
    }
}

// Not derived: a derive would ask `T` for the same traits.
impl<T> Clone for Field<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Field<T> {}

impl<T> PartialEq for Field<T> {
    fn eq(&self, other: &Self) -> bool {
        (self.offset, self.size) == (other.offset, other.size)
    }
}

impl<T> Eq for Field<T> {}

impl<T> std::fmt::Debug for Field<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Field")
            .field("type", &std::any::type_name::<T>())
            .field("offset", &self.offset)
            .field("size", &self.size)
            .finish()
    }
}

/// The [`Field`] `name` of the type `T` (nested fields as `a.b`):
/// `field!(Config, threshold)`. A name `T` has no field of does not
/// compile.
///
/// ```
/// use bpfkit::field;
///
/// #[repr(C)]
/// struct Limits { soft: u32, hard: u64 }
/// #[repr(C)]
/// struct Config { flags: u8, limits: Limits }
///
/// assert_eq!((field!(Config, flags).offset(), field!(Config, flags).size()), (0, 1));
/// assert_eq!(field!(Config, limits.hard).offset(), 16);
/// assert_eq!(field!(Config, limits.hard).size(), 8);
/// ```
///
/// ```compile_fail,E0609
/// #[repr(C)]
/// struct Config { flags: u8 }
/// let _ = bpfkit::field!(Config, missing);
/// ```
#[macro_export]
macro_rules! field {
    ($value:ty, $($name:tt).+) => {
        $crate::asm::Field::<$value>::from_offset_of(
            ::core::mem::offset_of!($value, $($name).+),
            |value: &$value| &value.$($name).+,
        )
    };
}

#[cfg(test)]
mod tests {
    #[repr(C)]
    struct Inner {
        a: u16,
        b: [u32; 3],
    }

    #[repr(C)]
    struct Outer {
        x: u8,
        inner: Inner,
        y: u64,
    }

    #[test]
    fn offsets_and_sizes_are_the_compilers() {
        let fields = [
            (field!(Outer, x), 0, 1),
            (field!(Outer, inner), 4, 16),
            (field!(Outer, inner.a), 4, 2),
            (field!(Outer, inner.b), 8, 12),
            (field!(Outer, y), 24, 8),
        ];
        for (field, offset, size) in fields {
            assert_eq!((field.offset(), field.size()), (offset, size), "{field:?}");
        }
        assert_ne!(field!(Outer, x), field!(Outer, y));
    }
}
