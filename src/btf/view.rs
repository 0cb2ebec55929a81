//! [`BtfView`]: raw BTF read in place.
//!
//! Opening checks the header and walks the type section once, storing the
//! offset of each record (4 bytes a type) and checking that each record's
//! length, found from its kind and `vlen`, fits, and that every name offset
//! starts a string of the string section. Nothing is copied or allocated per
//! type: names are `&str`s into the bytes, and a record is read only when it
//! is asked for. So hostile bytes give a [`BtfDecodeError`] naming the byte
//! and the type, never a panic, and memory stays proportional to the input.
//!
//! Names are found through a hash table of type ids built on the first
//! [`find`](BtfView::find) (one pass, one allocation), so looking up a kfunc
//! in vmlinux's 100k+ types costs a hash and a probe or two.
//!
//! Split BTF (a kernel module's) is read on top of its base: type ids go on
//! from the base's last, and string offsets from the end of the base's
//! string section.

use std::borrow::Cow;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use super::types::{Kind, TypeId};
use crate::error::{BtfDecodeError, DecodeProblem, Error, Result};

/// The header's length (`struct btf_header`).
const HEADER_LEN: usize = 24;
/// A record's fixed part (`struct btf_type`).
pub(super) const RECORD_LEN: usize = 12;
const MAGIC: u16 = 0xeb9f;

/// Where the running kernel publishes its BTF.
const SYSFS_BTF: &str = "/sys/kernel/btf";

/// Raw BTF, checked and indexed but not copied: lookups by id and by name
/// read the bytes in place.
///
/// `'a` is the lifetime of borrowed input; BTF read from a file owns its
/// bytes and is a `BtfView<'static>`.
///
/// ```no_run
/// use bpfkit::btf::{BtfView, Kind};
///
/// let vmlinux = BtfView::vmlinux()?;
/// let id = vmlinux.find(Kind::Func, "bpf_map_lookup_elem").expect("in every kernel");
/// let func = vmlinux.get(id).expect("found by id");
/// assert_eq!(func.name(), Some("bpf_map_lookup_elem"));
/// # Ok::<(), bpfkit::Error>(())
/// ```
#[derive(Debug)]
pub struct BtfView<'a> {
    pub(super) data: Cow<'a, [u8]>,
    /// The type section's bounds in `data`.
    pub(super) types_at: usize,
    /// The string section, checked to be UTF-8 and to end with NUL.
    strings_at: usize,
    strings_len: usize,
    /// Each own record's offset from `types_at`, in id order.
    pub(super) offsets: Vec<u32>,
    /// The id of the first own record.
    pub(super) first_id: u32,
    /// How many of the string offsets belong to the base.
    base_strings: u32,
    /// How many own records have a name (sizes the name table).
    pub(super) named: usize,
    pub(super) base: Option<Arc<BtfView<'a>>>,
    pub(super) names: OnceLock<NameTable>,
}

fn problem(offset: usize, type_id: Option<u32>, problem: DecodeProblem) -> Error {
    Error::BtfDecode(BtfDecodeError { offset, type_id, problem })
}

/// The native-endian `u32` at `at`, or 0 past the end (callers have
/// checked the bounds; this only keeps a bug from becoming a panic).
pub(super) fn u32_at(bytes: &[u8], at: usize) -> u32 {
    bytes
        .get(at..at.saturating_add(4))
        .and_then(|s| <[u8; 4]>::try_from(s).ok())
        .map_or(0, u32::from_ne_bytes)
}

/// How many bytes follow the fixed part of a record of `kind` with `vlen`.
pub(super) fn extra_len(kind: Kind, vlen: usize) -> usize {
    match kind {
        Kind::Int | Kind::Var | Kind::DeclTag => 4,
        Kind::Array => 12,
        Kind::Struct | Kind::Union | Kind::Datasec | Kind::Enum64 => 12 * vlen,
        Kind::Enum | Kind::FuncProto => 8 * vlen,
        Kind::Ptr
        | Kind::Fwd
        | Kind::Typedef
        | Kind::Volatile
        | Kind::Const
        | Kind::Restrict
        | Kind::Func
        | Kind::Float
        | Kind::TypeTag => 0,
    }
}

/// The stride and name-offset position of the entries that follow a record
/// whose entries have names (members, enumerators, parameters).
fn named_entries(kind: Kind) -> Option<usize> {
    match kind {
        Kind::Struct | Kind::Union | Kind::Enum64 => Some(12),
        Kind::Enum | Kind::FuncProto => Some(8),
        _ => None,
    }
}

/// The type ids a record of `kind` at `pos` of `types` refers to, each with
/// the offset of its field in `types`.
fn references(
    kind: Kind,
    vlen: usize,
    types: &[u8],
    pos: usize,
) -> impl Iterator<Item = (usize, u32)> + '_ {
    let extra = pos + RECORD_LEN;
    let (fixed, first, stride, count): (bool, usize, usize, usize) = match kind {
        Kind::Ptr
        | Kind::Typedef
        | Kind::Volatile
        | Kind::Const
        | Kind::Restrict
        | Kind::Func
        | Kind::Var
        | Kind::DeclTag
        | Kind::TypeTag => (true, 0, 0, 0),
        Kind::Array => (false, 0, 4, 2),
        Kind::Struct | Kind::Union => (false, 4, 12, vlen),
        Kind::FuncProto => (true, 4, 8, vlen),
        Kind::Datasec => (false, 0, 12, vlen),
        Kind::Int | Kind::Enum | Kind::Fwd | Kind::Float | Kind::Enum64 => (false, 0, 0, 0),
    };
    let fixed = fixed.then_some(pos + 8);
    fixed
        .into_iter()
        .chain((0..count).map(move |i| extra + first + i * stride))
        .map(move |field| (field, u32_at(types, field)))
}

impl BtfView<'static> {
    /// The running kernel's BTF, `/sys/kernel/btf/vmlinux` (readable without
    /// privileges).
    pub fn vmlinux() -> Result<BtfView<'static>> {
        BtfView::open(Path::new(SYSFS_BTF).join("vmlinux"))
    }

    /// A loaded module's BTF, `/sys/kernel/btf/<module>`, split on
    /// `vmlinux` (from [`BtfView::vmlinux`]).
    pub fn module(name: &str, vmlinux: Arc<BtfView<'static>>) -> Result<BtfView<'static>> {
        BtfView::open_split(Path::new(SYSFS_BTF).join(name), vmlinux)
    }

    /// Standalone raw BTF read from the file at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<BtfView<'static>> {
        BtfView::from_vec(read(path.as_ref())?)
    }

    /// Split raw BTF read from the file at `path`, on top of `base`.
    pub fn open_split(
        path: impl AsRef<Path>,
        base: Arc<BtfView<'static>>,
    ) -> Result<BtfView<'static>> {
        BtfView::from_vec_split(read(path.as_ref())?, base)
    }

    /// Standalone raw BTF from owned bytes.
    pub fn from_vec(bytes: Vec<u8>) -> Result<BtfView<'static>> {
        BtfView::new(Cow::Owned(bytes), None)
    }

    /// Split raw BTF from owned bytes (a module's BTF object read from the
    /// kernel), on top of `base`.
    pub fn from_vec_split(bytes: Vec<u8>, base: Arc<BtfView<'static>>) -> Result<BtfView<'static>> {
        BtfView::new(Cow::Owned(bytes), Some(base))
    }
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path)
        .map_err(|source| Error::Io { what: format!("reading BTF {}", path.display()), source })
}

impl<'a> BtfView<'a> {
    /// Standalone raw BTF borrowed from `bytes`: ids from 1.
    pub fn parse(bytes: &'a [u8]) -> Result<BtfView<'a>> {
        BtfView::new(Cow::Borrowed(bytes), None)
    }

    /// Split raw BTF borrowed from `bytes`, on top of `base`: its ids go on
    /// after the base's last, its string offsets after the base's strings.
    pub fn parse_split(bytes: &'a [u8], base: Arc<BtfView<'a>>) -> Result<BtfView<'a>> {
        BtfView::new(Cow::Borrowed(bytes), Some(base))
    }

    fn new(data: Cow<'a, [u8]>, base: Option<Arc<BtfView<'a>>>) -> Result<BtfView<'a>> {
        let bytes: &[u8] = &data;
        if bytes.len() < 8 {
            let have = bytes.len();
            return Err(problem(
                0,
                None,
                DecodeProblem::Truncated { what: "BTF header", need: HEADER_LEN, have },
            ));
        }
        let magic = u16::from_ne_bytes([bytes[0], bytes[1]]);
        if magic == MAGIC.swap_bytes() {
            return Err(problem(0, None, DecodeProblem::ForeignEndian));
        }
        if magic != MAGIC {
            return Err(problem(0, None, DecodeProblem::BadMagic(magic)));
        }
        if bytes[2] != 1 {
            return Err(problem(2, None, DecodeProblem::BadVersion(bytes[2])));
        }
        let hdr_len = u32_at(bytes, 4);
        let hdr = usize::try_from(hdr_len).unwrap_or(usize::MAX);
        if hdr < HEADER_LEN || hdr > bytes.len() {
            if bytes.len() < HEADER_LEN {
                let have = bytes.len();
                return Err(problem(
                    0,
                    None,
                    DecodeProblem::Truncated { what: "BTF header", need: HEADER_LEN, have },
                ));
            }
            return Err(problem(4, None, DecodeProblem::BadHeaderLen(hdr_len)));
        }
        let data_len = bytes.len() - hdr;
        let section = |at: usize, name: &'static str, align: bool| {
            let (off, len) = (u32_at(bytes, at), u32_at(bytes, at + 4));
            let (o, l) = (off as usize, len as usize);
            match o.checked_add(l) {
                Some(end) if end <= data_len && (!align || o % 4 == 0) => Ok((hdr + o, l)),
                _ => Err(problem(
                    at,
                    None,
                    DecodeProblem::BadSection { section: name, off, len, data_len },
                )),
            }
        };
        let (types_at, types_len) = section(8, "type", true)?;
        let (strings_at, strings_len) = section(16, "string", false)?;
        let strings = &bytes[strings_at..strings_at + strings_len];
        let starts_ok = base.is_some() || strings.first() == Some(&0);
        let ends_ok = strings.last() == Some(&0) || (base.is_some() && strings.is_empty());
        if !starts_ok || !ends_ok {
            return Err(problem(strings_at, None, DecodeProblem::StringsNotTerminated));
        }
        let strs = match std::str::from_utf8(strings) {
            Ok(s) => s,
            Err(e) => {
                return Err(problem(
                    strings_at + e.valid_up_to(),
                    None,
                    DecodeProblem::StringsNotUtf8,
                ));
            }
        };
        let (first_id, base_strings) = match &base {
            Some(b) => (b.next_id().0, b.strings_end()),
            None => (1, 0),
        };
        let mut view = BtfView {
            types_at,
            strings_at,
            strings_len,
            offsets: Vec::new(),
            first_id,
            base_strings,
            named: 0,
            base,
            names: OnceLock::new(),
            data: Cow::Borrowed(&[]),
        };
        let (offsets, named) = view.index(bytes, types_at, types_len, strs)?;
        view.offsets = offsets;
        view.named = named;
        view.data = data;
        Ok(view)
    }

    /// Walks the type section: each record's length, kind and names.
    fn index(
        &self,
        bytes: &[u8],
        types_at: usize,
        types_len: usize,
        strs: &str,
    ) -> Result<(Vec<u32>, usize)> {
        let types = &bytes[types_at..types_at + types_len];
        let mut offsets = Vec::new();
        let mut named = 0;
        let mut pos = 0;
        // The highest type id referred to, and where: checked once the
        // number of types is known, since a record may refer forward.
        let mut highest = (0_u32, 0_usize, 0_u32);
        while pos < types.len() {
            let id = u32::try_from(offsets.len())
                .ok()
                .and_then(|n| self.first_id.checked_add(n))
                .ok_or_else(|| problem(types_at + pos, None, DecodeProblem::TooManyTypes))?;
            let at = types_at + pos;
            let left = types.len() - pos;
            if left < RECORD_LEN {
                return Err(problem(
                    at,
                    Some(id),
                    DecodeProblem::Truncated { what: "type record", need: RECORD_LEN, have: left },
                ));
            }
            let name_off = u32_at(types, pos);
            let info = u32_at(types, pos + 4);
            let kind_number = (info >> 24) & 0x1f;
            let kind = Kind::from_number(kind_number).ok_or_else(|| {
                problem(at + 4, Some(id), DecodeProblem::UnknownKind(kind_number))
            })?;
            let vlen = (info & 0xffff) as usize;
            let need = RECORD_LEN + extra_len(kind, vlen);
            if left < need {
                return Err(problem(
                    at,
                    Some(id),
                    DecodeProblem::Truncated { what: "type record", need, have: left },
                ));
            }
            self.check_name(strs, name_off).map_err(|p| problem(at, Some(id), p))?;
            if let Some(stride) = named_entries(kind) {
                for i in 0..vlen {
                    let entry = pos + RECORD_LEN + i * stride;
                    self.check_name(strs, u32_at(types, entry))
                        .map_err(|p| problem(types_at + entry, Some(id), p))?;
                }
            }
            for (field, referred) in references(kind, vlen, types, pos) {
                if referred > highest.0 {
                    highest = (referred, types_at + field, id);
                }
            }
            if name_off != 0 {
                named += 1;
            }
            // `types_len` is a u32, so every offset in it is one.
            offsets.push(u32::try_from(pos).unwrap_or(u32::MAX));
            pos += need;
        }
        let (referred, at, id) = highest;
        let count = u32::try_from(offsets.len()).unwrap_or(u32::MAX);
        if referred >= self.first_id.saturating_add(count) {
            return Err(problem(at, Some(id), DecodeProblem::BadTypeId(referred)));
        }
        Ok((offsets, named))
    }

    /// Whether `off` starts a string: in the base's strings below
    /// `base_strings`, else in `strs` (which ends with NUL, so every string
    /// in it is terminated).
    fn check_name(&self, strs: &str, off: u32) -> Result<(), DecodeProblem> {
        let ok = match (&self.base, off.checked_sub(self.base_strings)) {
            (Some(base), None) => base.string(off).is_some(),
            (_, Some(own)) => {
                let own = own as usize;
                own < strs.len() && strs.is_char_boundary(own)
            }
            (None, None) => false,
        };
        if ok { Ok(()) } else { Err(DecodeProblem::BadStringOffset(off)) }
    }

    /// The string at offset `off` of the string section (the base's below
    /// its length), without its NUL; `None` if `off` is past the end.
    pub fn string(&self, off: u32) -> Option<&str> {
        std::str::from_utf8(self.string_bytes(off)?).ok()
    }

    /// [`string`](BtfView::string) as bytes, for the name table, which
    /// needs no UTF-8 check.
    pub(super) fn string_bytes(&self, off: u32) -> Option<&[u8]> {
        match off.checked_sub(self.base_strings) {
            None => self.base.as_deref()?.string_bytes(off),
            Some(own) => {
                let start = self.strings_at.checked_add(own as usize)?;
                let bytes = self.data.get(start..self.strings_at + self.strings_len)?;
                bytes.get(..bytes.iter().position(|&b| b == 0)?)
            }
        }
    }

    /// The name offset and `info` word of the own record at `index`.
    pub(super) fn head(&self, index: usize) -> Option<(u32, u32)> {
        let at = self.types_at + *self.offsets.get(index)? as usize;
        Some((u32_at(&self.data, at), u32_at(&self.data, at + 4)))
    }

    /// The offset one past the last string, base's included.
    fn strings_end(&self) -> u32 {
        let own = u32::try_from(self.strings_len).unwrap_or(u32::MAX);
        self.base_strings.saturating_add(own)
    }

    /// The base this view is split on, if it is split.
    pub fn base(&self) -> Option<&BtfView<'a>> {
        self.base.as_deref()
    }

    /// The id of this view's first own type: 1, or the base's next id.
    pub fn first_id(&self) -> TypeId {
        TypeId(self.first_id)
    }

    /// The id one past the last type (base types included): the id a type
    /// added after these would get, and the first id of BTF split on this.
    pub fn next_id(&self) -> TypeId {
        let own = u32::try_from(self.offsets.len()).unwrap_or(u32::MAX);
        TypeId(self.first_id.saturating_add(own))
    }

    /// How many types this view holds, not counting its base's.
    pub fn len(&self) -> usize {
        self.offsets.len()
    }

    /// Whether this view holds no type of its own.
    pub fn is_empty(&self) -> bool {
        self.offsets.is_empty()
    }

    /// The raw bytes this view reads.
    pub fn bytes(&self) -> &[u8] {
        &self.data
    }
}

/// An open-addressing hash table of the named own types: each slot holds a
/// type's index + 1 (0: empty) and its name's hash, so a probe compares
/// names only when the hashes are equal. Built and probed in `names.rs`.
#[derive(Debug)]
pub(super) struct NameTable {
    pub(super) slots: Vec<(u32, u32)>,
}
