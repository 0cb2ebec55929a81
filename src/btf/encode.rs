//! [`Btf::encode`]: the type list as raw BTF, the bytes `BPF_BTF_LOAD`
//! takes and `bpftool btf dump file` reads.
//!
//! The layout is `/usr/include/linux/btf.h`'s: a 24-byte `struct
//! btf_header`, the type section (each `struct btf_type` followed by its
//! kind's data), then the string section. Everything is native-endian, as
//! the kernel reads it.

use super::list::Btf;
use super::strings::StringTable;
use super::types::{BtfType, Composite, EnumType, FuncLinkage, IntEncoding, VarLinkage};
use super::validate::validate;
use crate::error::BtfError;

/// `BTF_MAGIC`.
pub const BTF_MAGIC: u16 = 0xeb9f;
/// `BTF_VERSION`.
const BTF_VERSION: u8 = 1;
/// `sizeof(struct btf_header)`.
const HEADER_LEN: u32 = 24;
/// `BTF_MAX_TYPE`: the most types one list may hold.
const MAX_TYPES: u64 = 0x000f_ffff;
/// `BTF_MAX_NAME_OFFSET`: the largest name offset.
const MAX_NAME_OFFSET: u64 = 0x00ff_ffff;
/// `BTF_MAX_SIZE` in `kernel/bpf/btf.c`: 16 MiB.
const MAX_SIZE: u64 = 16 * 1024 * 1024;

impl Btf {
    /// The list as raw BTF: header, type section, string section, in this
    /// machine's byte order.
    ///
    /// The list is checked first against the rules of the kernel's BTF
    /// checker, so that what the kernel would answer with a bare `EINVAL`
    /// is a [`BtfError`] naming the type, the member and the rule. A split
    /// list's references to its base are taken on trust.
    ///
    /// ```
    /// use bpfkit::btf::{Btf, BtfType, IntEncoding};
    ///
    /// let mut btf = Btf::new();
    /// btf.add(BtfType::Int {
    ///     name: "int".into(),
    ///     size: 4,
    ///     encoding: IntEncoding::Signed,
    ///     offset: 0,
    ///     bits: 32,
    /// });
    /// let bytes = btf.encode()?;
    /// assert_eq!(bytes[..4], [0x9f, 0xeb, 1, 0][..]); // magic, version, flags
    /// assert_eq!(bytes.len(), 24 + 16 + 5); // header, INT record, "\0int\0"
    /// # Ok::<(), bpfkit::btf::BtfError>(())
    /// ```
    #[doc(alias = "BPF_BTF_LOAD")]
    pub fn encode(&self) -> Result<Vec<u8>, BtfError> {
        self.encode_with(StringTable::new())
    }

    /// [`encode`](Self::encode), with a string table that already holds
    /// strings no type names: a program's `bpf_line_info` records refer to
    /// file names and source lines in its BTF's string table, at the
    /// offsets [`StringTable::add`] gave, which stay what they were.
    pub fn encode_with(&self, strings: StringTable) -> Result<Vec<u8>, BtfError> {
        let mut strings = strings;
        validate(self)?;
        let count = self.len() as u64;
        if count > MAX_TYPES {
            return Err(BtfError::TooLarge { what: "type count", len: count, max: MAX_TYPES });
        }
        // Most records are 12 to 24 bytes; growing the vector was a
        // visible share of a small program's load.
        let mut types = Vec::with_capacity(self.len() * 24);
        for (_, ty) in self.types() {
            encode_type(ty, &mut strings, &mut types);
        }
        // The largest offset is that of the last string added.
        let last = strings.len().saturating_sub(1) as u64;
        if last > MAX_NAME_OFFSET {
            return Err(BtfError::TooLarge {
                what: "string table",
                len: strings.len() as u64,
                max: MAX_NAME_OFFSET,
            });
        }
        let total = u64::from(HEADER_LEN) + types.len() as u64 + strings.len() as u64;
        if total > MAX_SIZE {
            return Err(BtfError::TooLarge { what: "size", len: total, max: MAX_SIZE });
        }
        let type_len = u32::try_from(types.len()).unwrap_or(u32::MAX);
        let str_len = u32::try_from(strings.len()).unwrap_or(u32::MAX);
        let mut out = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
        out.extend_from_slice(&BTF_MAGIC.to_ne_bytes());
        out.push(BTF_VERSION);
        out.push(0); // flags
        for field in [HEADER_LEN, 0, type_len, type_len, str_len] {
            // hdr_len, type_off, type_len, str_off, str_len
            out.extend_from_slice(&field.to_ne_bytes());
        }
        out.extend_from_slice(&types);
        out.extend_from_slice(strings.as_bytes());
        Ok(out)
    }
}

/// Appends native-endian `u32`s.
fn put(out: &mut Vec<u8>, words: &[u32]) {
    for w in words {
        out.extend_from_slice(&w.to_ne_bytes());
    }
}

/// `btf_type.info`: vlen in bits 0-15, kind in 24-28, kind_flag in 31.
/// `vlen` was checked to fit 16 bits.
fn info(ty: &BtfType, vlen: usize, kind_flag: bool) -> u32 {
    let vlen = u32::try_from(vlen).unwrap_or(0) & 0xffff;
    (u32::from(kind_flag) << 31) | (ty.kind().number() << 24) | vlen
}

fn name_off(strings: &mut StringTable, name: Option<&str>) -> u32 {
    strings.add(name.unwrap_or(""))
}

/// Writes one record: its `struct btf_type` and its kind's data.
fn encode_type(ty: &BtfType, strings: &mut StringTable, out: &mut Vec<u8>) {
    let name = name_off(strings, ty.name());
    match ty {
        BtfType::Int { size, encoding, offset, bits, .. } => {
            let enc: u32 = match encoding {
                IntEncoding::Unsigned => 0,
                IntEncoding::Signed => 1,
                IntEncoding::Char => 2,
                IntEncoding::Bool => 4,
            };
            let data = (enc << 24) | (u32::from(*offset) << 16) | u32::from(*bits);
            put(out, &[name, info(ty, 0, false), *size, data]);
        }
        BtfType::Ptr { target }
        | BtfType::Typedef { target, .. }
        | BtfType::Volatile { target }
        | BtfType::Const { target }
        | BtfType::Restrict { target }
        | BtfType::TypeTag { target, .. } => put(out, &[name, info(ty, 0, false), target.0]),
        BtfType::Array { elem, index, len } => {
            put(out, &[name, info(ty, 0, false), 0, elem.0, index.0, *len]);
        }
        BtfType::Struct(Composite { size, members, .. })
        | BtfType::Union(Composite { size, members, .. }) => {
            let bitfields = members.iter().any(|m| m.bitfield_size > 0);
            put(out, &[name, info(ty, members.len(), bitfields), *size]);
            for m in members {
                let offset = if bitfields {
                    (u32::from(m.bitfield_size) << 24) | (m.bit_offset & 0x00ff_ffff)
                } else {
                    m.bit_offset
                };
                let member_name = name_off(strings, m.name.as_deref());
                put(out, &[member_name, m.ty.0, offset]);
            }
        }
        BtfType::Enum(EnumType { size, signed, values, .. }) => {
            put(out, &[name, info(ty, values.len(), *signed), *size]);
            for v in values {
                let value_name = strings.add(&v.name);
                // The low 32 bits: the value itself, checked to fit.
                put(out, &[value_name, v.value as u32]);
            }
        }
        BtfType::Enum64(EnumType { size, signed, values, .. }) => {
            put(out, &[name, info(ty, values.len(), *signed), *size]);
            for v in values {
                let value_name = strings.add(&v.name);
                let bits = v.value as u64;
                put(out, &[value_name, bits as u32, (bits >> 32) as u32]);
            }
        }
        BtfType::Fwd { union, .. } => put(out, &[name, info(ty, 0, *union), 0]),
        BtfType::Func { proto, linkage, .. } => {
            let linkage = match linkage {
                FuncLinkage::Static => 0,
                FuncLinkage::Global => 1,
                FuncLinkage::Extern => 2,
            };
            put(out, &[name, info(ty, linkage, false), proto.0]);
        }
        BtfType::FuncProto { ret, params } => {
            put(out, &[name, info(ty, params.len(), false), ret.0]);
            for p in params {
                let param_name = name_off(strings, p.name.as_deref());
                put(out, &[param_name, p.ty.0]);
            }
        }
        BtfType::Var { ty: var_ty, linkage, .. } => {
            let linkage = match linkage {
                VarLinkage::Static => 0,
                VarLinkage::GlobalAllocated => 1,
                VarLinkage::GlobalExtern => 2,
            };
            put(out, &[name, info(ty, 0, false), var_ty.0, linkage]);
        }
        BtfType::Datasec { size, vars, .. } => {
            put(out, &[name, info(ty, vars.len(), false), *size]);
            for v in vars {
                put(out, &[v.ty.0, v.offset, v.size]);
            }
        }
        BtfType::Float { size, .. } => put(out, &[name, info(ty, 0, false), *size]),
        BtfType::DeclTag { target, component_idx, .. } => {
            put(out, &[name, info(ty, 0, false), target.0, *component_idx as u32]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::btf::{Member, Param, TypeId};

    fn words(bytes: &[u8]) -> Vec<u32> {
        bytes.chunks_exact(4).map(|c| u32::from_ne_bytes([c[0], c[1], c[2], c[3]])).collect()
    }

    #[test]
    fn header_then_records_then_strings() {
        let mut btf = Btf::new();
        let int = btf.add(BtfType::int("int", 4, IntEncoding::Signed));
        btf.add(BtfType::Struct(Composite {
            name: Some("s".into()),
            size: 4,
            members: vec![Member {
                name: Some("b".into()),
                ty: int,
                bit_offset: 3,
                bitfield_size: 5,
            }],
        }));
        let bytes = btf.encode().unwrap();
        let w = words(&bytes[..24]);
        assert_eq!(bytes[..4], [0x9f, 0xeb, 1, 0]);
        assert_eq!(w[1..], [24, 0, 16 + 24, 16 + 24, 9]);
        let t = words(&bytes[24..24 + 40]);
        assert_eq!(t[..4], [1, 1 << 24, 4, (1 << 24) | 32]);
        // kind_flag set, vlen 1; member offset = bitfield_size << 24 | bit offset
        assert_eq!(t[4..], [5, (1 << 31) | (4 << 24) | 1, 4, 7, 1, (5 << 24) | 3]);
        assert_eq!(&bytes[64..], b"\0int\0s\0b\0");
    }

    #[test]
    fn enum64_values_are_split_low_then_high() {
        let mut btf = Btf::new();
        btf.add(BtfType::Enum64(EnumType {
            name: None,
            size: 8,
            signed: true,
            values: vec![crate::btf::Enumerator { name: "A".into(), value: -2 }],
        }));
        let proto = btf.add(BtfType::FuncProto {
            ret: TypeId::VOID,
            params: vec![Param { name: None, ty: TypeId::VOID }],
        });
        btf.add(BtfType::Func { name: "f".into(), proto, linkage: FuncLinkage::Global });
        let bytes = btf.encode().unwrap();
        let t = words(&bytes[24..]);
        assert_eq!(t[..6], [0, (1 << 31) | (19 << 24) | 1, 8, 1, 0xffff_fffe, 0xffff_ffff]);
        assert_eq!(t[6..11], [0, (13 << 24) | 1, 0, 0, 0]);
        assert_eq!(t[11..14], [3, (12 << 24) | 1, 2]);
    }
}
