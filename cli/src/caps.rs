//! The process's effective capabilities: `capget(2)` to read them,
//! `capset(2)` to drop some, for `feature probe unprivileged` (what bpftool
//! does through libcap). The two calls are the only `unsafe` here.
#![allow(unsafe_code)]

/// `_LINUX_CAPABILITY_VERSION_3`: 64-bit sets, as two 32-bit halves.
const VERSION_3: u32 = 0x2008_0522;

/// `struct __user_cap_header_struct`.
#[repr(C)]
struct Header {
    version: u32,
    pid: i32,
}

/// `struct __user_cap_data_struct`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct Data {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

fn get() -> std::io::Result<[Data; 2]> {
    let mut header = Header { version: VERSION_3, pid: 0 };
    let mut data = [Data::default(); 2];
    // SAFETY: `header` and `data` are live, exclusively borrowed and laid
    // out as the kernel's structs; version 3 writes exactly two `Data`.
    let ret =
        unsafe { libc::syscall(libc::SYS_capget, &mut header as *mut Header, data.as_mut_ptr()) };
    if ret < 0 { Err(std::io::Error::last_os_error()) } else { Ok(data) }
}

/// The effective set, bit `n` for capability `n`.
pub fn effective() -> std::io::Result<u64> {
    let data = get()?;
    Ok(u64::from(data[0].effective) | (u64::from(data[1].effective) << 32))
}

/// Clears the capabilities of `mask` from the effective set.
pub fn drop_effective(mask: u64) -> std::io::Result<()> {
    let mut data = get()?;
    data[0].effective &= !(mask as u32);
    data[1].effective &= !((mask >> 32) as u32);
    let mut header = Header { version: VERSION_3, pid: 0 };
    // SAFETY: as in `get`; capset only reads `data`.
    let ret = unsafe { libc::syscall(libc::SYS_capset, &mut header as *mut Header, data.as_ptr()) };
    if ret < 0 { Err(std::io::Error::last_os_error()) } else { Ok(()) }
}
