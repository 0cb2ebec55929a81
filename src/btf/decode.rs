//! From raw BTF to the owned model: [`Btf::parse`] and friends.
//!
//! Decoding goes through a [`BtfView`], which has already checked every
//! record's length and name offset; this adds the checks of the fields the
//! model gives meaning to (an integer's encoding, a linkage).

use std::sync::Arc;

use super::list::Btf;
use super::record::TypeRecord;
use super::types::{
    BtfType, Composite, EnumType, Enumerator, FuncLinkage, IntEncoding, Kind, Member, Param,
    TypeId, VarLinkage, VarSecinfo,
};
use super::view::{BtfView, RECORD_LEN};
use crate::error::{BtfDecodeError, DecodeProblem, Error, Result};

impl Btf {
    /// Decodes standalone raw BTF (ids from 1).
    ///
    /// ```
    /// use bpfkit::btf::{Btf, BtfType, IntEncoding};
    ///
    /// // A header, one INT record ("int", 4 bytes, signed, 32 bits), strings.
    /// let mut raw = Vec::new();
    /// for word in [0x0001_eb9f_u32, 24, 0, 16, 16, 5] {
    ///     raw.extend_from_slice(&word.to_ne_bytes());
    /// }
    /// for word in [1_u32, 0x0100_0000, 4, 0x0100_0020] {
    ///     raw.extend_from_slice(&word.to_ne_bytes());
    /// }
    /// raw.extend_from_slice(b"\0int\0");
    ///
    /// let btf = Btf::parse(&raw)?;
    /// let (_, int) = btf.types().next().expect("one type");
    /// assert_eq!(
    ///     int,
    ///     &BtfType::Int {
    ///         name: "int".into(),
    ///         size: 4,
    ///         encoding: IntEncoding::Signed,
    ///         offset: 0,
    ///         bits: 32
    ///     }
    /// );
    /// assert!(Btf::parse(&raw[..30]).is_err());
    /// # Ok::<(), bpfkit::Error>(())
    /// ```
    pub fn parse(bytes: &[u8]) -> Result<Btf> {
        Btf::from_view(&BtfView::parse(bytes)?)
    }

    /// Decodes split raw BTF (a module's) on top of `base`: the list holds
    /// the split types only, numbered after the base's.
    pub fn parse_split<'a>(bytes: &'a [u8], base: &Arc<BtfView<'a>>) -> Result<Btf> {
        Btf::from_view(&BtfView::parse_split(bytes, Arc::clone(base))?)
    }

    /// Decodes the own types of `view` (not its base's).
    pub fn from_view(view: &BtfView<'_>) -> Result<Btf> {
        let base_len = view.first_id().0.saturating_sub(1);
        let mut btf = if view.base().is_some() { Btf::split(base_len) } else { Btf::new() };
        for record in view.types() {
            btf.add(record.decode()?);
        }
        Ok(btf)
    }
}

impl TypeRecord<'_> {
    fn bad(&self, at: usize, what: &'static str, value: u32) -> Error {
        Error::BtfDecode(BtfDecodeError {
            offset: self.offset() + at,
            type_id: Some(self.id().0),
            problem: DecodeProblem::BadField { what, value },
        })
    }

    fn owned_name(&self, off: u32) -> Option<String> {
        self.string_at(off).map(str::to_owned)
    }

    fn named(&self) -> String {
        self.name().unwrap_or_default().to_owned()
    }

    /// Decodes the record into the owned model.
    pub fn decode(&self) -> Result<BtfType> {
        let target = TypeId(self.size_or_type());
        let size = self.size_or_type();
        let vlen = usize::from(self.vlen());
        let entries = |stride: usize| (0..vlen).map(move |i| i * stride);
        Ok(match self.kind() {
            Kind::Int => {
                let word = self.extra_u32(0);
                let encoding = match (word >> 24) & 0x0f {
                    0 => IntEncoding::Unsigned,
                    1 => IntEncoding::Signed,
                    2 => IntEncoding::Char,
                    4 => IntEncoding::Bool,
                    other => return Err(self.bad(RECORD_LEN, "integer encoding", other)),
                };
                BtfType::Int {
                    name: self.named(),
                    size,
                    encoding,
                    offset: ((word >> 16) & 0xff) as u8,
                    bits: (word & 0xff) as u8,
                }
            }
            Kind::Ptr => BtfType::Ptr { target },
            Kind::Array => BtfType::Array {
                elem: TypeId(self.extra_u32(0)),
                index: TypeId(self.extra_u32(4)),
                len: self.extra_u32(8),
            },
            Kind::Struct | Kind::Union => {
                let members = entries(12)
                    .map(|at| {
                        let offset = self.extra_u32(at + 8);
                        let (bit_offset, bitfield_size) = if self.kind_flag() {
                            (offset & 0x00ff_ffff, (offset >> 24) as u8)
                        } else {
                            (offset, 0)
                        };
                        Member {
                            name: self.owned_name(self.extra_u32(at)),
                            ty: TypeId(self.extra_u32(at + 4)),
                            bit_offset,
                            bitfield_size,
                        }
                    })
                    .collect();
                let c = Composite { name: self.name().map(str::to_owned), size, members };
                if self.kind() == Kind::Struct { BtfType::Struct(c) } else { BtfType::Union(c) }
            }
            Kind::Enum | Kind::Enum64 => {
                let signed = self.kind_flag();
                let enum64 = self.kind() == Kind::Enum64;
                let values = entries(if enum64 { 12 } else { 8 })
                    .map(|at| {
                        let lo = self.extra_u32(at + 4);
                        let value = if enum64 {
                            (u64::from(self.extra_u32(at + 8)) << 32 | u64::from(lo)) as i64
                        } else if signed {
                            i64::from(lo as i32)
                        } else {
                            i64::from(lo)
                        };
                        Enumerator {
                            name: self.string_at(self.extra_u32(at)).unwrap_or_default().to_owned(),
                            value,
                        }
                    })
                    .collect();
                let e = EnumType { name: self.name().map(str::to_owned), size, signed, values };
                if enum64 { BtfType::Enum64(e) } else { BtfType::Enum(e) }
            }
            Kind::Fwd => BtfType::Fwd { name: self.named(), union: self.kind_flag() },
            Kind::Typedef => BtfType::Typedef { name: self.named(), target },
            Kind::Volatile => BtfType::Volatile { target },
            Kind::Const => BtfType::Const { target },
            Kind::Restrict => BtfType::Restrict { target },
            Kind::Func => {
                let linkage = match self.vlen() {
                    0 => FuncLinkage::Static,
                    1 => FuncLinkage::Global,
                    2 => FuncLinkage::Extern,
                    other => return Err(self.bad(4, "function linkage", u32::from(other))),
                };
                BtfType::Func { name: self.named(), proto: target, linkage }
            }
            Kind::FuncProto => BtfType::FuncProto {
                ret: target,
                params: entries(8)
                    .map(|at| Param {
                        name: self.owned_name(self.extra_u32(at)),
                        ty: TypeId(self.extra_u32(at + 4)),
                    })
                    .collect(),
            },
            Kind::Var => {
                let linkage = match self.extra_u32(0) {
                    0 => VarLinkage::Static,
                    1 => VarLinkage::GlobalAllocated,
                    2 => VarLinkage::GlobalExtern,
                    other => return Err(self.bad(RECORD_LEN, "variable linkage", other)),
                };
                BtfType::Var { name: self.named(), ty: target, linkage }
            }
            Kind::Datasec => BtfType::Datasec {
                name: self.named(),
                size,
                vars: entries(12)
                    .map(|at| VarSecinfo {
                        ty: TypeId(self.extra_u32(at)),
                        offset: self.extra_u32(at + 4),
                        size: self.extra_u32(at + 8),
                    })
                    .collect(),
            },
            Kind::Float => BtfType::Float { name: self.named(), size },
            Kind::DeclTag => BtfType::DeclTag {
                name: self.named(),
                target,
                component_idx: self.extra_u32(0) as i32,
            },
            Kind::TypeTag => BtfType::TypeTag { name: self.named(), target },
        })
    }
}
