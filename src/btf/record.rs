//! [`TypeRecord`]: one record of a [`BtfView`], read in place.

use super::types::{Kind, TypeId};
use super::view::{BtfView, RECORD_LEN, extra_len, u32_at};

/// The fixed part of one record, read in place: its id, kind, name and the
/// `size`/`type` word, with the bytes of what follows it.
#[derive(Clone, Copy, Debug)]
pub struct TypeRecord<'v> {
    pub(super) view: &'v BtfView<'v>,
    pub(super) id: TypeId,
    pub(super) kind: Kind,
    pub(super) info: u32,
    pub(super) name_off: u32,
    pub(super) size_or_type: u32,
    /// The record's bytes after the fixed part, exactly as long as its kind
    /// and `vlen` say.
    pub(super) extra: &'v [u8],
    /// The record's offset in the input.
    pub(super) at: usize,
}

impl BtfView<'_> {
    /// The type with id `id`, in this view or its base; `None` for
    /// [`TypeId::VOID`] and ids past the last.
    pub fn get(&self, id: TypeId) -> Option<TypeRecord<'_>> {
        match id.0.checked_sub(self.first_id) {
            None => self.base.as_deref()?.get(id),
            Some(index) => self.own(index as usize),
        }
    }

    /// The own record at `index`.
    fn own(&self, index: usize) -> Option<TypeRecord<'_>> {
        let pos = *self.offsets.get(index)? as usize;
        let at = self.types_at + pos;
        let bytes: &[u8] = &self.data;
        let info = u32_at(bytes, at + 4);
        let kind = Kind::from_number((info >> 24) & 0x1f)?;
        let start = at + RECORD_LEN;
        let extra = bytes.get(start..start + extra_len(kind, (info & 0xffff) as usize))?;
        let index = u32::try_from(index).ok()?;
        Some(TypeRecord {
            view: self,
            id: TypeId(self.first_id + index),
            kind,
            info,
            name_off: u32_at(bytes, at),
            size_or_type: u32_at(bytes, at + 8),
            extra,
            at,
        })
    }

    /// This view's own types, in id order (not its base's).
    pub fn types(&self) -> impl Iterator<Item = TypeRecord<'_>> + '_ {
        // Every index below `len` was indexed, so `own` finds each.
        (0..self.offsets.len()).filter_map(|i| self.own(i))
    }
}

impl<'v> TypeRecord<'v> {
    /// Its id.
    pub fn id(&self) -> TypeId {
        self.id
    }

    /// Its kind.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Its name; `None` when it has none (offset 0).
    pub fn name(&self) -> Option<&'v str> {
        self.string_at(self.name_off)
    }

    /// The string at offset `off` (a member's, an enumerator's or a
    /// parameter's name, from [`extra`](TypeRecord::extra)); `None` for
    /// offset 0, which names nothing.
    pub fn string_at(&self, off: u32) -> Option<&'v str> {
        if off == 0 { None } else { self.view.string(off) }
    }

    /// The view the record is in, to follow the type ids it holds.
    pub fn view(&self) -> &'v BtfView<'v> {
        self.view
    }

    /// The `info` word's `kind_flag` bit.
    pub fn kind_flag(&self) -> bool {
        self.info >> 31 != 0
    }

    /// The `info` word's `vlen`: how many members, enumerators, parameters
    /// or variables follow (for `FUNC`, the linkage).
    pub fn vlen(&self) -> u16 {
        (self.info & 0xffff) as u16
    }

    /// The `size` / `type` word: a size in bytes for `INT`, `STRUCT`,
    /// `UNION`, `ENUM`, `ENUM64`, `DATASEC` and `FLOAT`, a type id for the
    /// others.
    pub fn size_or_type(&self) -> u32 {
        self.size_or_type
    }

    /// The bytes after the fixed part: what its kind and `vlen` say follows.
    pub fn extra(&self) -> &'v [u8] {
        self.extra
    }

    /// The `u32` at byte `at` of [`extra`](TypeRecord::extra) (0 past it).
    pub fn extra_u32(&self, at: usize) -> u32 {
        u32_at(self.extra, at)
    }

    /// The record's byte offset in the input, for errors.
    pub fn offset(&self) -> usize {
        self.at
    }
}
