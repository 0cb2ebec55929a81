//! The one thing program introspection needs from BTF: the name of a
//! program's main function.
//!
//! The kernel keeps 15 bytes of a program's name; a loader that gives the
//! program BTF also records its functions, whose names are whole. bpftool
//! shows that name when the short one fills all 15 bytes, and so does
//! [`ProgramInfo::full_name`](super::ProgramInfo::full_name).

use std::os::fd::BorrowedFd;

use crate::sys::{self, Cmd};

/// `BTF_KIND_FUNC`.
const KIND_FUNC: u32 = 12;
/// BTF's magic number, in host order as the kernel hands BTF back.
const MAGIC: u16 = 0xeb9f;

/// The name of the main function of the program behind `fd`, whose BTF
/// object is `btf_id`; `None` when it has none or it cannot be read.
pub(crate) fn main_function_name(fd: BorrowedFd<'_>, btf_id: u32) -> Option<String> {
    let record = sys::obj::prog_main_func_info(fd).ok()??;
    let btf = sys::obj::fd_by_id(Cmd::BtfGetFdById, btf_id).ok()?;
    let data = crate::btf::data_of(std::os::fd::AsFd::as_fd(&btf)).ok()?;
    func_name(&data, record.type_id)
}

/// The name of type `type_id` in the raw BTF `data`, if it is a function.
pub(crate) fn func_name(data: &[u8], type_id: u32) -> Option<String> {
    let u16_at = |at: usize| Some(u16::from_ne_bytes(data.get(at..at + 2)?.try_into().ok()?));
    let u32_at = |at: usize| Some(u32::from_ne_bytes(data.get(at..at + 4)?.try_into().ok()?));
    if u16_at(0)? != MAGIC {
        return None;
    }
    let hdr_len = u32_at(4)? as usize;
    let (type_off, type_len) = (u32_at(8)? as usize, u32_at(12)? as usize);
    let (str_off, str_len) = (u32_at(16)? as usize, u32_at(20)? as usize);
    let types = hdr_len.checked_add(type_off)?;
    let types_end = types.checked_add(type_len)?.min(data.len());
    // Type ids count from 1; walk the variable-length records to `type_id`.
    let mut at = types;
    for id in 1.. {
        if at + 12 > types_end {
            return None;
        }
        let (name_off, info) = (u32_at(at)? as usize, u32_at(at + 4)?);
        let kind = (info >> 24) & 0x1f;
        if id == type_id {
            if kind != KIND_FUNC {
                return None;
            }
            let strings = hdr_len.checked_add(str_off)?;
            let start = strings.checked_add(name_off)?;
            let end = strings.checked_add(str_len)?.min(data.len());
            let bytes = data.get(start..end)?;
            let name = &bytes[..bytes.iter().position(|&b| b == 0)?];
            return (!name.is_empty()).then(|| String::from_utf8_lossy(name).into_owned());
        }
        at += 12 + trailing_bytes(kind, info & 0xffff)?;
    }
    None
}

/// How many bytes follow the 12-byte `struct btf_type` for `kind` with
/// `vlen` members (`Documentation/bpf/btf.rst`).
fn trailing_bytes(kind: u32, vlen: u32) -> Option<usize> {
    let vlen = vlen as usize;
    Some(match kind {
        // INT, VAR, DECL_TAG: one u32.
        1 | 14 | 17 => 4,
        // PTR, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FLOAT, TYPE_TAG.
        2 | 7..=12 | 16 | 18 => 0,
        // ARRAY: struct btf_array.
        3 => 12,
        // STRUCT, UNION: btf_member; DATASEC: btf_var_secinfo; ENUM64: btf_enum64.
        4 | 5 | 15 | 19 => 12 * vlen,
        // ENUM: btf_enum; FUNC_PROTO: btf_param.
        6 | 13 => 8 * vlen,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// BTF with `int`, a prototype `int (void *ctx)`, a pointer and the
    /// function `a_long_function_name_for_btf`, as llc emits for it.
    fn sample() -> Vec<u8> {
        let strings = b"\0int\0ctx\0a_long_function_name_for_btf\0";
        let mut types: Vec<u32> = Vec::new();
        types.extend([0, 13 << 24 | 1, 2, 5, 3]); // [1] FUNC_PROTO int(ctx: [3])
        types.extend([1, 1 << 24, 4, 0x0100_0020]); // [2] INT int
        types.extend([0, 2 << 24, 0]); // [3] PTR void
        types.extend([9, 12 << 24 | 1, 1]); // [4] FUNC, global
        let type_bytes: Vec<u8> = types.iter().flat_map(|w| w.to_ne_bytes()).collect();
        let mut data = Vec::new();
        data.extend(MAGIC.to_ne_bytes());
        data.extend([1, 0]);
        for word in [24, 0, type_bytes.len() as u32, type_bytes.len() as u32, strings.len() as u32]
        {
            data.extend(word.to_ne_bytes());
        }
        data.extend(type_bytes);
        data.extend(strings);
        data
    }

    #[test]
    fn finds_the_function_past_records_of_every_size() {
        let data = sample();
        assert_eq!(func_name(&data, 4).as_deref(), Some("a_long_function_name_for_btf"));
        assert_eq!(func_name(&data, 2), None, "an INT is no function");
        assert_eq!(func_name(&data, 5), None, "past the last type");
        assert_eq!(func_name(&data, 0), None);
    }

    #[test]
    fn bad_data_is_no_name() {
        let data = sample();
        assert_eq!(func_name(&data[..40], 4), None);
        assert_eq!(func_name(&[0u8; 24], 1), None);
        assert_eq!(func_name(&[], 1), None);
    }
}
