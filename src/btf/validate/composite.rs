//! The rules for the records with parts: struct and union members
//! (`btf_struct_check_meta`, `btf_struct_resolve` and each kind's
//! `check_member`) and enumerators (`btf_enum_check_meta`).

use super::{
    BtfProblem, Checker, Kind, Target, TypeId, identifier, invalid, member_label,
    optional_identifier, vlen,
};
use crate::btf::types::{BtfType, Composite, EnumType};
use crate::error::BtfError;

impl Checker<'_> {
    pub(super) fn composite(
        &self,
        id: TypeId,
        ty: &BtfType,
        c: &Composite,
        is_struct: bool,
    ) -> Result<(), BtfError> {
        let at = |problem| invalid(id, ty, None, problem);
        optional_identifier(c.name.as_deref()).map_err(at)?;
        vlen(c.members.len()).map_err(at)?;
        let mut previous = 0u32;
        let bitfields = c.members.iter().any(|m| m.bitfield_size > 0);
        for (i, m) in c.members.iter().enumerate() {
            let here = |problem| invalid(id, ty, Some(member_label(i, m.name.as_deref())), problem);
            if bitfields && m.bit_offset > 0x00ff_ffff {
                return Err(here(BtfProblem::OffsetTooLarge { bit_offset: m.bit_offset }));
            }
            match &m.name {
                Some(name) => identifier(name).map_err(here)?,
                None => match self.resolve(m.ty).map_err(here)? {
                    Target::Type(BtfType::Struct(_) | BtfType::Union(_)) | Target::Base => {}
                    Target::Type(other) => {
                        return Err(here(BtfProblem::WrongKind {
                            target: m.ty.0,
                            found: other.kind().name(),
                            expected: "a STRUCT or UNION for an anonymous member",
                        }));
                    }
                    Target::Void | Target::Missing => {}
                },
            }
            let type_bytes = self.sized(m.ty).map_err(here)?;
            let resolved = self.resolve(m.ty).map_err(here)?;
            let is_enum = matches!(resolved, Target::Type(BtfType::Enum(_) | BtfType::Enum64(_)));
            let bits = if m.bitfield_size > 0 {
                match resolved {
                    Target::Type(BtfType::Int { .. } | BtfType::Enum(_) | BtfType::Enum64(_))
                    | Target::Base => {}
                    _ => return Err(here(BtfProblem::BitfieldType { target: m.ty.0 })),
                }
                // btf_enum_check_kflag_member: at most sizeof(int) bits;
                // btf_int_check_kflag_member: at most the int's used bits.
                let max = match resolved {
                    _ if is_enum => Some(32),
                    Target::Type(BtfType::Int { bits, .. }) => Some(u64::from(*bits)),
                    _ => None,
                };
                if let Some(max) = max {
                    if u64::from(m.bitfield_size) > max {
                        return Err(here(BtfProblem::BitfieldTooWide {
                            bits: m.bitfield_size,
                            max,
                        }));
                    }
                }
                if (m.bit_offset % 8) + u32::from(m.bitfield_size) > 128 {
                    return Err(here(BtfProblem::BitfieldSpan {
                        bit_offset: m.bit_offset,
                        bits: m.bitfield_size,
                    }));
                }
                Some(u64::from(m.bitfield_size))
            } else {
                if m.bit_offset % 8 != 0 {
                    return Err(here(BtfProblem::NotByteAligned { bit_offset: m.bit_offset }));
                }
                if let Target::Type(BtfType::Float { size, .. }) =
                    self.resolve(m.ty).map_err(here)?
                {
                    // btf_float_check_member: aligned to min(sizeof(void *), size).
                    let align = u64::from(*size).min(8);
                    if u64::from(m.bit_offset) % (align * 8) != 0 {
                        return Err(here(BtfProblem::Misaligned {
                            bit_offset: m.bit_offset,
                            align,
                        }));
                    }
                }
                type_bytes.map(|n| n * 8)
            };
            if is_struct && m.bit_offset < previous {
                return Err(here(BtfProblem::MemberOrder { bit_offset: m.bit_offset, previous }));
            }
            previous = m.bit_offset;
            let bits = bits.unwrap_or(0);
            if u64::from(m.bit_offset) + bits > u64::from(c.size) * 8 {
                return Err(here(BtfProblem::MemberPastEnd {
                    bit_offset: m.bit_offset,
                    bits,
                    size: c.size,
                }));
            }
            // btf_enum_check_member counts an enum member as an int.
            if is_enum
                && m.bitfield_size == 0
                && u64::from(m.bit_offset) + 32 > u64::from(c.size) * 8
            {
                return Err(here(BtfProblem::EnumMemberPastEnd {
                    bit_offset: m.bit_offset,
                    size: c.size,
                }));
            }
        }
        Ok(())
    }

    pub(super) fn enumeration(
        &self,
        id: TypeId,
        ty: &BtfType,
        e: &EnumType,
    ) -> Result<(), BtfError> {
        let at = |problem| invalid(id, ty, None, problem);
        optional_identifier(e.name.as_deref()).map_err(at)?;
        vlen(e.values.len()).map_err(at)?;
        if ![1, 2, 4, 8].contains(&e.size) {
            return Err(at(BtfProblem::EnumSize { size: e.size }));
        }
        let narrow = ty.kind() == Kind::Enum;
        for v in &e.values {
            let here = |problem| invalid(id, ty, Some(format!("value '{}'", v.name)), problem);
            identifier(&v.name).map_err(here)?;
            let fits = if e.signed {
                i32::try_from(v.value).is_ok()
            } else {
                u32::try_from(v.value).is_ok()
            };
            if narrow && !fits {
                return Err(here(BtfProblem::EnumValue { value: v.value }));
            }
        }
        Ok(())
    }
}
