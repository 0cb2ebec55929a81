//! [`Btf`]: a list of types, the unit that is encoded, loaded and read.

use super::types::{BtfType, TypeId};

/// A list of BTF types, numbered from [`first_id`](Btf::first_id) in the
/// order they were added: what the encoder writes and the decoder reads.
///
/// A standalone list (a program's or a map's BTF, or vmlinux) numbers from
/// 1. A split list (a kernel module's) continues its base's numbering.
///
/// ```
/// use bpfkit::btf::{Btf, BtfType, IntEncoding, TypeId};
///
/// let mut btf = Btf::new();
/// let int = btf.add(BtfType::Int {
///     name: "int".into(),
///     size: 4,
///     encoding: IntEncoding::Signed,
///     offset: 0,
///     bits: 32,
/// });
/// let ptr = btf.add(BtfType::Ptr { target: int });
/// assert_eq!((int, ptr), (TypeId(1), TypeId(2)));
/// assert_eq!(btf.get(int).and_then(BtfType::name), Some("int"));
/// assert_eq!(btf.get(TypeId::VOID), None);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Btf {
    first_id: u32,
    types: Vec<BtfType>,
}

/// [`Btf::new`]: a derived default would number the first type 0, the id
/// of `void`.
impl Default for Btf {
    fn default() -> Btf {
        Btf::new()
    }
}

impl Btf {
    /// An empty standalone list: its first type will be id 1.
    pub fn new() -> Btf {
        Btf { first_id: 1, types: Vec::new() }
    }

    /// An empty list split on a base of `base_len` types: its first type
    /// will be id `base_len + 1`.
    pub fn split(base_len: u32) -> Btf {
        Btf { first_id: base_len.saturating_add(1), types: Vec::new() }
    }

    /// The id of this list's first type.
    pub fn first_id(&self) -> TypeId {
        TypeId(self.first_id)
    }

    /// Appends `ty` and returns its id.
    pub fn add(&mut self, ty: BtfType) -> TypeId {
        let id = self.next_id();
        self.types.push(ty);
        id
    }

    /// The id the next added type will get.
    pub fn next_id(&self) -> TypeId {
        let len = u32::try_from(self.types.len()).unwrap_or(u32::MAX);
        TypeId(self.first_id.saturating_add(len))
    }

    /// The type with id `id`, if it is in this list (never for
    /// [`TypeId::VOID`], nor for a base type of a split list).
    pub fn get(&self, id: TypeId) -> Option<&BtfType> {
        let index = id.0.checked_sub(self.first_id)?;
        self.types.get(usize::try_from(index).ok()?)
    }

    /// Every type with its id, in id order.
    pub fn types(&self) -> impl ExactSizeIterator<Item = (TypeId, &BtfType)> {
        let first = self.first_id;
        self.types.iter().enumerate().map(move |(i, ty)| {
            (TypeId(first.saturating_add(u32::try_from(i).unwrap_or(u32::MAX))), ty)
        })
    }

    /// How many types the list holds.
    pub fn len(&self) -> usize {
        self.types.len()
    }

    /// Whether the list holds no type.
    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_split_list_continues_its_base_numbering() {
        let mut btf = Btf::split(100);
        assert_eq!(btf.first_id(), TypeId(101));
        let id = btf.add(BtfType::Ptr { target: TypeId(5) });
        assert_eq!(id, TypeId(101));
        assert_eq!(btf.get(TypeId(100)), None);
        assert_eq!(btf.get(TypeId(101)), Some(&BtfType::Ptr { target: TypeId(5) }));
        let ids: Vec<TypeId> = btf.types().map(|(id, _)| id).collect();
        assert_eq!(ids, [TypeId(101)]);
        assert_eq!((btf.len(), btf.is_empty()), (1, false));
    }

    #[test]
    fn the_default_list_numbers_from_1() {
        assert_eq!(Btf::default().first_id(), TypeId(1));
    }
}
