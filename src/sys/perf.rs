//! `perf_event_open(2)`: the perf events that tracepoint and kprobe
//! programs hang from.
//!
//! [`PerfEventAttr`] is `struct perf_event_attr` of
//! `/usr/include/linux/perf_event.h` (`PERF_ATTR_SIZE_VER7`, 128 bytes),
//! zero-initialised through `Default` and passed with its own size: a kernel
//! that knows a longer struct zero-fills the rest, an older one refuses
//! non-zero bytes past what it knows with `E2BIG`. Offsets are asserted at
//! compile time below, as `attr.rs` does for `union bpf_attr`.
#![allow(unsafe_code)]

use std::ffi::CStr;
use std::marker::PhantomData;
use std::mem::{offset_of, size_of};
use std::os::fd::OwnedFd;

use super::Errno;

/// `PERF_TYPE_TRACEPOINT`: `config` is a tracepoint's id from tracefs.
pub(crate) const TYPE_TRACEPOINT: u32 = 2;

/// `PERF_FLAG_FD_CLOEXEC`.
const FLAG_FD_CLOEXEC: libc::c_ulong = 1 << 3;

/// `struct perf_event_attr`, the fields a bpf attachment sets; the bit
/// field word (`disabled`, `inherit`, ...) stays 0: enabled at once, no
/// inheritance.
#[repr(C)]
#[derive(Default)]
pub(crate) struct PerfEventAttr<'a> {
    pub type_: u32,
    pub size: u32,
    pub config: u64,
    pub sample_period: u64,
    pub sample_type: u64,
    pub read_format: u64,
    pub flags: u64,
    pub wakeup_events: u32,
    pub bp_type: u32,
    /// `config1`, or `kprobe_func` for the kprobe PMU: a pointer to the
    /// symbol's name.
    pub config1: u64,
    /// `config2`, or `probe_offset` for the kprobe PMU.
    pub config2: u64,
    pub branch_sample_type: u64,
    pub sample_regs_user: u64,
    pub sample_stack_user: u32,
    pub clockid: i32,
    pub sample_regs_intr: u64,
    pub aux_watermark: u32,
    pub sample_max_stack: u16,
    pub _reserved_2: u16,
    pub aux_sample_size: u32,
    pub _reserved_3: u32,
    pub sig_data: u64,
    /// `config1` may point at a string that must outlive the call.
    pub _lifetime: PhantomData<&'a CStr>,
}

const _: () = {
    assert!(size_of::<PerfEventAttr<'static>>() == 128);
    assert!(offset_of!(PerfEventAttr<'static>, config) == 8);
    assert!(offset_of!(PerfEventAttr<'static>, sample_period) == 16);
    assert!(offset_of!(PerfEventAttr<'static>, flags) == 40);
    assert!(offset_of!(PerfEventAttr<'static>, wakeup_events) == 48);
    assert!(offset_of!(PerfEventAttr<'static>, bp_type) == 52);
    assert!(offset_of!(PerfEventAttr<'static>, config1) == 56);
    assert!(offset_of!(PerfEventAttr<'static>, config2) == 64);
    assert!(offset_of!(PerfEventAttr<'static>, branch_sample_type) == 72);
    assert!(offset_of!(PerfEventAttr<'static>, sample_stack_user) == 88);
    assert!(offset_of!(PerfEventAttr<'static>, clockid) == 92);
    assert!(offset_of!(PerfEventAttr<'static>, aux_watermark) == 104);
    assert!(offset_of!(PerfEventAttr<'static>, sample_max_stack) == 108);
    assert!(offset_of!(PerfEventAttr<'static>, aux_sample_size) == 112);
    assert!(offset_of!(PerfEventAttr<'static>, sig_data) == 120);
};

impl<'a> PerfEventAttr<'a> {
    /// An event of PMU `type_` with `config`, sampling every event (what
    /// libbpf sets for the events it attaches programs to).
    pub(crate) fn new(type_: u32, config: u64) -> PerfEventAttr<'a> {
        PerfEventAttr {
            type_,
            size: size_of::<PerfEventAttr<'static>>() as u32,
            config,
            sample_period: 1,
            wakeup_events: 1,
            ..Default::default()
        }
    }

    /// Sets `kprobe_func` (`config1`) to `symbol` and `probe_offset`
    /// (`config2`) to `offset`, for the kprobe PMU.
    pub(crate) fn kprobe(mut self, symbol: &'a CStr, offset: u64) -> PerfEventAttr<'a> {
        self.config1 = symbol.as_ptr() as u64;
        self.config2 = offset;
        self
    }
}

/// `perf_event_open(attr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC)` (man 2
/// perf_event_open): `pid` -1 and `cpu` N watch every task on CPU N; a
/// tracepoint's or kprobe's bpf program runs wherever the event fires,
/// whatever CPU the event was opened on.
pub(crate) fn perf_event_open(
    attr: &mut PerfEventAttr<'_>,
    pid: i32,
    cpu: i32,
) -> Result<OwnedFd, Errno> {
    // SAFETY: `attr` is a live, exclusively borrowed `#[repr(C)]` struct
    // whose `size` field is its own size (layout asserted above); the
    // string `config1` may point at is borrowed for `'a`, so alive for
    // the call. The kernel reads `attr` and may write its `size` back.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_perf_event_open,
            attr as *mut PerfEventAttr<'_> as *mut libc::c_void,
            pid as libc::c_long,
            cpu as libc::c_long,
            -1 as libc::c_long,
            FLAG_FD_CLOEXEC,
        )
    };
    if ret < 0 {
        return Err(Errno::last());
    }
    super::fd::owned_fd(ret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tracepoint_event_samples_every_hit_and_says_its_size() {
        let attr = PerfEventAttr::new(TYPE_TRACEPOINT, 309);
        assert_eq!((attr.type_, attr.size, attr.config), (2, 128, 309));
        assert_eq!((attr.sample_period, attr.wakeup_events, attr.flags), (1, 1, 0));
        let symbol = c"do_sys_open";
        let attr = PerfEventAttr::new(6, 0).kprobe(symbol, 4);
        assert_eq!((attr.config1, attr.config2), (symbol.as_ptr() as u64, 4));
    }
}
