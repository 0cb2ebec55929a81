//! Object commands shared by maps, programs and links: pin, get, ids, info.

use std::ffi::CStr;
use std::mem::size_of;
use std::os::fd::{BorrowedFd, OwnedFd};

use zerocopy::{FromBytes, FromZeros, IntoBytes};

use super::Errno;
use super::attr::{IdAttr, InfoAttr, ObjAttr};
use super::info::{BtfInfoRaw, FuncInfoRaw, LineInfoRaw, LinkInfoRaw, MapInfoRaw, ProgInfoRaw};
use super::ptr::UserPtr;
use super::{Cmd, bpf, bpf_fd, raw};

/// `BPF_OBJ_PIN`: pins `fd` at `path` on a bpf filesystem.
pub(crate) fn pin(fd: BorrowedFd<'_>, path: &CStr) -> Result<(), Errno> {
    let mut attr =
        ObjAttr { pathname: UserPtr::from_cstr(path), bpf_fd: raw(fd), ..Default::default() };
    bpf(Cmd::ObjPin, &mut attr).map(drop)
}

/// `BPF_OBJ_GET`: opens the object pinned at `path`.
pub(crate) fn get(path: &CStr, file_flags: u32) -> Result<OwnedFd, Errno> {
    let mut attr = ObjAttr { pathname: UserPtr::from_cstr(path), file_flags, ..Default::default() };
    bpf_fd(Cmd::ObjGet, &mut attr)
}

/// `BPF_{PROG,MAP,LINK}_GET_NEXT_ID`: the next id after `start`, `None` at the end.
pub(crate) fn next_id(cmd: Cmd, start: u32) -> Result<Option<u32>, Errno> {
    let mut attr = IdAttr { id: start, ..Default::default() };
    match bpf(cmd, &mut attr) {
        Ok(_) => Ok(Some(attr.next_id)),
        Err(Errno::ENOENT) => Ok(None),
        Err(e) => Err(e),
    }
}

/// `BPF_{PROG,MAP,LINK}_GET_FD_BY_ID`.
pub(crate) fn fd_by_id(cmd: Cmd, id: u32) -> Result<OwnedFd, Errno> {
    let mut attr = IdAttr { id, ..Default::default() };
    bpf_fd(cmd, &mut attr)
}

/// `BPF_OBJ_GET_INFO_BY_FD` into a zeroed `T`: the kernel writes no pointer
/// field of a zeroed info struct, so nothing but `T` itself is written.
fn info_zeroed<T: FromBytes + IntoBytes + FromZeros>(fd: BorrowedFd<'_>) -> Result<T, Errno> {
    let mut info = T::new_zeroed();
    info_into(fd, info.as_mut_bytes())?;
    Ok(info)
}

pub(super) fn info_into(fd: BorrowedFd<'_>, bytes: &mut [u8]) -> Result<(), Errno> {
    let mut attr =
        InfoAttr { bpf_fd: raw(fd), info_len: bytes.len() as u32, info: UserPtr::from_mut(bytes) };
    bpf(Cmd::ObjGetInfoByFd, &mut attr).map(drop)
}

/// `struct bpf_map_info` of a map fd.
pub(crate) fn map_info(fd: BorrowedFd<'_>) -> Result<MapInfoRaw, Errno> {
    info_zeroed(fd)
}

/// `struct bpf_link_info` of a link fd.
pub(crate) fn link_info(fd: BorrowedFd<'_>) -> Result<LinkInfoRaw, Errno> {
    info_zeroed(fd)
}

/// `struct bpf_link_info` of a link fd, with a name the link has copied
/// into `name`, NUL-terminated: the type-specific union holds the name's
/// pointer (8-byte aligned) at 32-bit word `at` and its length right
/// after. Raw tracepoints (`tp_name`) and iterators (`target_name`) have
/// them at word 0, perf event links' tracepoints and kprobes at word 2
/// (after `type` and a pad word).
pub(crate) fn link_info_named(
    fd: BorrowedFd<'_>,
    name: &mut [u8],
    at: usize,
) -> Result<LinkInfoRaw, Errno> {
    let mut info = LinkInfoRaw::new_zeroed();
    let ptr = (name.as_mut_ptr() as u64).to_ne_bytes();
    let words = info.data.get_mut(at..at + 3).ok_or(Errno::EINVAL)?;
    words[0] = u32::from_ne_bytes([ptr[0], ptr[1], ptr[2], ptr[3]]);
    words[1] = u32::from_ne_bytes([ptr[4], ptr[5], ptr[6], ptr[7]]);
    words[2] = name.len() as u32;
    // The kernel writes at most `name.len()` bytes through the pointer set
    // above; `name` is exclusively borrowed for this whole function.
    info_into(fd, info.as_mut_bytes())?;
    Ok(info)
}

/// `struct bpf_prog_info` of a program fd. The kernel also fills up to
/// `map_ids.len()` map ids and `xlated.len()` bytes of translated
/// instructions; the returned counts say how many exist in all.
pub(crate) fn prog_info(
    fd: BorrowedFd<'_>,
    map_ids: &mut [u32],
    xlated: &mut [u8],
) -> Result<ProgInfoRaw, Errno> {
    let mut info = ProgInfoRaw::new_zeroed();
    if !map_ids.is_empty() {
        info.nr_map_ids = map_ids.len() as u32;
        info.map_ids = map_ids.as_mut_ptr() as u64;
    }
    if !xlated.is_empty() {
        info.xlated_prog_len = xlated.len() as u32;
        info.xlated_prog_insns = xlated.as_mut_ptr() as u64;
    }
    // The kernel writes through the two pointers set above; both buffers are
    // exclusively borrowed for this whole function and their lengths are the
    // ones declared.
    info_into(fd, info.as_mut_bytes())?;
    Ok(info)
}

/// `struct bpf_prog_info` of a program fd, with up to `ksyms.len()`
/// addresses of its JIT-compiled functions (`jited_ksyms`) copied into
/// `ksyms`; `nr_jited_ksyms` says how many there are in all.
pub(crate) fn prog_jited_ksyms(
    fd: BorrowedFd<'_>,
    ksyms: &mut [u64],
) -> Result<ProgInfoRaw, Errno> {
    let mut info = ProgInfoRaw::new_zeroed();
    if !ksyms.is_empty() {
        info.nr_jited_ksyms = ksyms.len() as u32;
        info.jited_ksyms = ksyms.as_mut_ptr() as u64;
    }
    // The kernel writes at most `nr_jited_ksyms` addresses through the
    // pointer set above; `ksyms` is exclusively borrowed for this whole
    // function.
    info_into(fd, info.as_mut_bytes())?;
    Ok(info)
}

/// The first `struct bpf_func_info` record of a program (its main
/// function); `None` when the program has none (no BTF).
pub(crate) fn prog_main_func_info(fd: BorrowedFd<'_>) -> Result<Option<FuncInfoRaw>, Errno> {
    let mut record = FuncInfoRaw::default();
    let mut info = ProgInfoRaw::new_zeroed();
    // The kernel takes only its own record size here.
    info.func_info_rec_size = size_of::<FuncInfoRaw>() as u32;
    info.nr_func_info = 1;
    info.func_info = record.as_mut_bytes().as_mut_ptr() as u64;
    // The kernel writes at most one record (the count asked for) through
    // the pointer above; `record` outlives the call.
    info_into(fd, info.as_mut_bytes())?;
    Ok((info.nr_func_info > 0).then_some(record))
}

/// Up to `funcs.len()` `bpf_func_info` and `lines.len()` `bpf_line_info`
/// records of a program, in translated-instruction offsets; the returned
/// info's `nr_func_info` and `nr_line_info` say how many exist in all.
pub(crate) fn prog_btf_records(
    fd: BorrowedFd<'_>,
    funcs: &mut [FuncInfoRaw],
    lines: &mut [LineInfoRaw],
) -> Result<ProgInfoRaw, Errno> {
    let mut info = ProgInfoRaw::new_zeroed();
    // The kernel takes only its own record sizes here.
    info.func_info_rec_size = size_of::<FuncInfoRaw>() as u32;
    info.line_info_rec_size = size_of::<LineInfoRaw>() as u32;
    if !funcs.is_empty() {
        info.nr_func_info = funcs.len() as u32;
        info.func_info = funcs.as_mut_bytes().as_mut_ptr() as u64;
    }
    if !lines.is_empty() {
        info.nr_line_info = lines.len() as u32;
        info.line_info = lines.as_mut_bytes().as_mut_ptr() as u64;
    }
    // The kernel writes at most the counts asked for, of the record sizes
    // set above, through the two pointers; both buffers are exclusively
    // borrowed for this whole function.
    info_into(fd, info.as_mut_bytes())?;
    Ok(info)
}

/// The raw bytes of the BTF object behind `fd` (`struct bpf_btf_info`),
/// copied into `buf`; returns the object's full size, which may be more
/// than `buf` holds.
pub(crate) fn btf_data(fd: BorrowedFd<'_>, buf: &mut [u8]) -> Result<u32, Errno> {
    let mut info = BtfInfoRaw::new_zeroed();
    if !buf.is_empty() {
        info.btf = buf.as_mut_ptr() as u64;
        info.btf_size = buf.len() as u32;
    }
    // The kernel writes at most `btf_size` bytes through `btf`; `buf` is
    // exclusively borrowed for this whole function.
    info_into(fd, info.as_mut_bytes())?;
    Ok(info.btf_size)
}
