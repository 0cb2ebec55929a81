//! BTF commands: `BPF_BTF_LOAD`, and the info of a BTF object by fd.

use std::os::fd::{BorrowedFd, OwnedFd};

use zerocopy::{FromZeros, IntoBytes};

use super::Errno;
use super::attr::BtfLoadAttr;
use super::info::BtfInfoRaw;
use super::ptr::UserPtr;
use super::{Cmd, bpf_fd};

/// The largest log buffer the kernel accepts (`UINT_MAX >> 2`).
const LOG_MAX: u32 = u32::MAX >> 2;

/// `BPF_BTF_LOAD` of the raw BTF `data`, with an optional (log buffer,
/// level): the object or the errno, and the log size the kernel says the
/// whole log needs (0 on kernels before 6.4).
pub(crate) fn load(data: &[u8], log: Option<(&mut [u8], u32)>) -> (Result<OwnedFd, Errno>, u32) {
    let Ok(btf_size) = u32::try_from(data.len()) else {
        return (Err(Errno::E2BIG), 0);
    };
    let (btf_log_buf, btf_log_size, btf_log_level) = match log {
        Some((buf, level)) => {
            let size = u32::try_from(buf.len()).unwrap_or(LOG_MAX).min(LOG_MAX);
            (UserPtr::from_mut(buf), size, level)
        }
        None => (UserPtr::NULL, 0, 0),
    };
    let mut attr = BtfLoadAttr {
        btf: UserPtr::from_slice(data),
        btf_log_buf,
        btf_size,
        btf_log_size,
        btf_log_level,
        ..Default::default()
    };
    let res = bpf_fd(Cmd::BtfLoad, &mut attr);
    (res, attr.btf_log_true_size)
}

/// `struct bpf_btf_info` of a BTF object fd, with up to `name.len()` bytes
/// of its name (NUL-terminated when it fits) copied into `name`.
pub(crate) fn info(fd: BorrowedFd<'_>, name: &mut [u8]) -> Result<BtfInfoRaw, Errno> {
    let mut info = BtfInfoRaw::new_zeroed();
    if !name.is_empty() {
        info.name = name.as_mut_ptr() as u64;
        info.name_len = u32::try_from(name.len()).unwrap_or(u32::MAX);
    }
    // The kernel writes at most `name_len` bytes through `name`; the buffer
    // is exclusively borrowed for this whole function.
    super::obj::info_into(fd, info.as_mut_bytes())?;
    Ok(info)
}
