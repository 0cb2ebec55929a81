//! Per-command views of `union bpf_attr`, written from `linux/bpf.h`.
//!
//! Each struct is the anonymous struct the kernel reads for one command.
//! All are `#[repr(C)]` with explicit padding, zero-initialised through
//! `Default`, and passed to `bpf(2)` with their own size: the kernel zero-fills
//! the rest of its union and rejects non-zero bytes it does not know. Offsets
//! are asserted at compile time against the numbers `offsetof()` gives on the
//! UAPI header; fields newer than the 6.1 header (`log_true_size`,
//! `prog_token_fd`, `fd_array_cnt`, `map_token_fd`) follow the kernel's
//! current header.
#![allow(unsafe_code)]

use std::mem::{offset_of, size_of};

use super::ptr::UserPtr;

/// A struct the kernel reads as `union bpf_attr` for some command, whose
/// pointer fields borrow their buffers for `'a`.
///
/// # Safety
/// Implementors are `#[repr(C)]`, have no implicit padding and match the
/// kernel's layout for the commands they are passed with.
pub(crate) unsafe trait Attr<'a> {}

macro_rules! attr {
    ($name:ident, size $size:literal, { $($field:ident @ $off:literal),* $(,)? }) => {
        // SAFETY: `#[repr(C)]`, explicit padding, offsets asserted below.
        unsafe impl<'a> Attr<'a> for $name<'a> {}
        const _: () = {
            assert!(size_of::<$name<'static>>() == $size);
            $( assert!(offset_of!($name<'static>, $field) == $off); )*
        };
    };
}

/// `BPF_MAP_CREATE`.
#[repr(C)]
#[derive(Default)]
pub(crate) struct MapCreateAttr<'a> {
    pub map_type: u32,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    pub map_flags: u32,
    pub inner_map_fd: u32,
    pub numa_node: u32,
    pub map_name: [u8; 16],
    pub map_ifindex: u32,
    pub btf_fd: u32,
    pub btf_key_type_id: u32,
    pub btf_value_type_id: u32,
    pub btf_vmlinux_value_type_id: u32,
    pub map_extra: u64,
    pub value_type_btf_obj_fd: i32,
    pub map_token_fd: i32,
    pub _lifetime: std::marker::PhantomData<&'a ()>,
}
attr!(MapCreateAttr, size 80, {
    map_type @ 0, inner_map_fd @ 20, numa_node @ 24, map_name @ 28, map_ifindex @ 44,
    btf_fd @ 48, btf_vmlinux_value_type_id @ 60, map_extra @ 64, map_token_fd @ 76,
});

/// `BPF_MAP_{LOOKUP,UPDATE,DELETE}_ELEM`, `BPF_MAP_GET_NEXT_KEY`,
/// `BPF_MAP_LOOKUP_AND_DELETE_ELEM`, `BPF_MAP_FREEZE`.
#[repr(C)]
#[derive(Default)]
pub(crate) struct MapElemAttr<'a> {
    pub map_fd: u32,
    pub _pad: u32,
    pub key: UserPtr<'a>,
    /// `value`, or `next_key` for `BPF_MAP_GET_NEXT_KEY`.
    pub value: UserPtr<'a>,
    pub flags: u64,
}
attr!(MapElemAttr, size 32, { map_fd @ 0, key @ 8, value @ 16, flags @ 24 });

/// `BPF_MAP_*_BATCH`.
#[repr(C)]
#[derive(Default)]
pub(crate) struct MapBatchAttr<'a> {
    pub in_batch: UserPtr<'a>,
    pub out_batch: UserPtr<'a>,
    pub keys: UserPtr<'a>,
    pub values: UserPtr<'a>,
    pub count: u32,
    pub map_fd: u32,
    pub elem_flags: u64,
    pub flags: u64,
}
attr!(MapBatchAttr, size 56, {
    in_batch @ 0, out_batch @ 8, keys @ 16, values @ 24, count @ 32, map_fd @ 36,
    elem_flags @ 40, flags @ 48,
});

/// `BPF_PROG_LOAD`.
#[repr(C)]
#[derive(Default)]
pub(crate) struct ProgLoadAttr<'a> {
    pub prog_type: u32,
    pub insn_cnt: u32,
    pub insns: UserPtr<'a>,
    pub license: UserPtr<'a>,
    pub log_level: u32,
    pub log_size: u32,
    pub log_buf: UserPtr<'a>,
    pub kern_version: u32,
    pub prog_flags: u32,
    pub prog_name: [u8; 16],
    pub prog_ifindex: u32,
    pub expected_attach_type: u32,
    pub prog_btf_fd: u32,
    pub func_info_rec_size: u32,
    pub func_info: UserPtr<'a>,
    pub func_info_cnt: u32,
    pub line_info_rec_size: u32,
    pub line_info: UserPtr<'a>,
    pub line_info_cnt: u32,
    pub attach_btf_id: u32,
    /// `attach_prog_fd` or `attach_btf_obj_fd`.
    pub attach_fd: u32,
    pub core_relo_cnt: u32,
    pub fd_array: UserPtr<'a>,
    pub core_relos: UserPtr<'a>,
    pub core_relo_rec_size: u32,
    /// Written by the kernel (6.4+): the log size the whole log needs.
    pub log_true_size: u32,
    pub prog_token_fd: i32,
    pub fd_array_cnt: u32,
}
attr!(ProgLoadAttr, size 152, {
    prog_type @ 0, insn_cnt @ 4, insns @ 8, license @ 16, log_level @ 24, log_size @ 28,
    log_buf @ 32, kern_version @ 40, prog_flags @ 44, prog_name @ 48, prog_ifindex @ 64,
    expected_attach_type @ 68, prog_btf_fd @ 72, func_info @ 80, line_info_cnt @ 104,
    attach_btf_id @ 108, attach_fd @ 112, core_relo_cnt @ 116, fd_array @ 120,
    core_relos @ 128, core_relo_rec_size @ 136, log_true_size @ 140, prog_token_fd @ 144,
    fd_array_cnt @ 148,
});

/// `BPF_BTF_LOAD`, through `btf_token_fd` (6.9+; `btf_log_true_size` 6.4+).
#[repr(C)]
#[derive(Default)]
pub(crate) struct BtfLoadAttr<'a> {
    pub btf: UserPtr<'a>,
    pub btf_log_buf: UserPtr<'a>,
    pub btf_size: u32,
    pub btf_log_size: u32,
    pub btf_log_level: u32,
    /// Written by the kernel (6.4+): the log size the whole log needs.
    pub btf_log_true_size: u32,
    pub btf_flags: u32,
    pub btf_token_fd: i32,
}
attr!(BtfLoadAttr, size 40, {
    btf @ 0, btf_log_buf @ 8, btf_size @ 16, btf_log_size @ 20, btf_log_level @ 24,
    btf_log_true_size @ 28, btf_flags @ 32, btf_token_fd @ 36,
});

/// `BPF_OBJ_PIN`, `BPF_OBJ_GET`.
#[repr(C)]
#[derive(Default)]
pub(crate) struct ObjAttr<'a> {
    pub pathname: UserPtr<'a>,
    pub bpf_fd: u32,
    pub file_flags: u32,
    pub path_fd: i32,
    pub _pad: u32,
}
attr!(ObjAttr, size 24, { pathname @ 0, bpf_fd @ 8, file_flags @ 12, path_fd @ 16 });

/// `BPF_PROG_TEST_RUN`.
#[repr(C)]
#[derive(Default)]
pub(crate) struct TestRunAttr<'a> {
    pub prog_fd: u32,
    pub retval: u32,
    pub data_size_in: u32,
    pub data_size_out: u32,
    pub data_in: UserPtr<'a>,
    pub data_out: UserPtr<'a>,
    pub repeat: u32,
    pub duration: u32,
    pub ctx_size_in: u32,
    pub ctx_size_out: u32,
    pub ctx_in: UserPtr<'a>,
    pub ctx_out: UserPtr<'a>,
    pub flags: u32,
    pub cpu: u32,
    pub batch_size: u32,
    pub _pad: u32,
}
attr!(TestRunAttr, size 80, {
    prog_fd @ 0, retval @ 4, data_size_in @ 8, data_size_out @ 12, data_in @ 16,
    data_out @ 24, repeat @ 32, duration @ 36, ctx_size_in @ 40, ctx_size_out @ 44,
    ctx_in @ 48, ctx_out @ 56, flags @ 64, cpu @ 68, batch_size @ 72,
});

/// `BPF_*_GET_NEXT_ID`, `BPF_*_GET_FD_BY_ID`.
#[repr(C)]
#[derive(Default)]
pub(crate) struct IdAttr<'a> {
    /// `start_id`, or the object id for `*_GET_FD_BY_ID`.
    pub id: u32,
    pub next_id: u32,
    pub open_flags: u32,
    pub _lifetime: std::marker::PhantomData<&'a ()>,
}
attr!(IdAttr, size 12, { id @ 0, next_id @ 4, open_flags @ 8 });

/// `BPF_OBJ_GET_INFO_BY_FD`.
#[repr(C)]
#[derive(Default)]
pub(crate) struct InfoAttr<'a> {
    pub bpf_fd: u32,
    pub info_len: u32,
    pub info: UserPtr<'a>,
}
attr!(InfoAttr, size 16, { bpf_fd @ 0, info_len @ 4, info @ 8 });

/// `BPF_LINK_CREATE` (the leading fields every attach type shares, plus the
/// 32 bytes of per-type union that follow them).
#[repr(C)]
#[derive(Default)]
pub(crate) struct LinkCreateAttr<'a> {
    pub prog_fd: u32,
    /// `target_fd` or `target_ifindex`.
    pub target: u32,
    pub attach_type: u32,
    pub flags: u32,
    /// The per-type union: `target_btf_id` (u32 at 16); `tcx`, `netkit`
    /// and `cgroup`'s `relative_fd`/`relative_id` (u32 at 16) and
    /// `expected_revision` (u64 at 24); `perf_event.bpf_cookie` (u64 at 16);
    /// `netfilter`'s `pf`, `hooknum`, `priority` and `flags` (u32s at 16 to 28).
    pub word16: u32,
    pub word20: u32,
    pub word24: u64,
    pub _rest: [u64; 3],
    pub _lifetime: std::marker::PhantomData<&'a ()>,
}
attr!(LinkCreateAttr, size 56, { prog_fd @ 0, target @ 4, attach_type @ 8, flags @ 12, word16 @ 16, word20 @ 20, word24 @ 24 });

/// `BPF_PROG_ATTACH` and `BPF_PROG_DETACH` (6.6's layout: the relative
/// program and revision of multi-program hooks).
#[repr(C)]
#[derive(Default)]
pub(crate) struct ProgAttachAttr<'a> {
    /// `target_fd` or `target_ifindex`.
    pub target: u32,
    pub attach_bpf_fd: u32,
    pub attach_type: u32,
    pub attach_flags: u32,
    pub replace_bpf_fd: u32,
    /// `relative_fd` or `relative_id`.
    pub relative: u32,
    pub expected_revision: u64,
    pub _lifetime: std::marker::PhantomData<&'a ()>,
}
attr!(ProgAttachAttr, size 32, {
    target @ 0, attach_bpf_fd @ 4, attach_type @ 8, attach_flags @ 12, replace_bpf_fd @ 16,
    relative @ 20, expected_revision @ 24,
});

/// `BPF_RAW_TRACEPOINT_OPEN`.
#[repr(C)]
#[derive(Default)]
pub(crate) struct RawTracepointAttr<'a> {
    /// The tracepoint's name (a C string), or null for a program that
    /// names its target by BTF.
    pub name: UserPtr<'a>,
    pub prog_fd: u32,
    pub _pad: u32,
}
attr!(RawTracepointAttr, size 16, { name @ 0, prog_fd @ 8 });

/// `BPF_LINK_UPDATE`.
#[repr(C)]
#[derive(Default)]
pub(crate) struct LinkUpdateAttr<'a> {
    pub link_fd: u32,
    pub new_prog_fd: u32,
    pub flags: u32,
    pub old_prog_fd: u32,
    pub _lifetime: std::marker::PhantomData<&'a ()>,
}
attr!(LinkUpdateAttr, size 16, { link_fd @ 0, new_prog_fd @ 4, flags @ 8, old_prog_fd @ 12 });

/// `BPF_LINK_DETACH`.
#[repr(C)]
#[derive(Default)]
pub(crate) struct LinkDetachAttr<'a> {
    pub link_fd: u32,
    pub _lifetime: std::marker::PhantomData<&'a ()>,
}
attr!(LinkDetachAttr, size 4, { link_fd @ 0 });

/// `BPF_ENABLE_STATS`.
#[repr(C)]
#[derive(Default)]
pub(crate) struct EnableStatsAttr<'a> {
    /// `enum bpf_stats_type`.
    pub stats_type: u32,
    pub _lifetime: std::marker::PhantomData<&'a ()>,
}
attr!(EnableStatsAttr, size 4, { stats_type @ 0 });

/// `BPF_PROG_QUERY`. Through `revision` (6.6+): the kernel writes some
/// output fields (e.g. `revision` for tcx) whatever size it is given, so the
/// struct covers them all.
#[repr(C)]
#[derive(Default)]
pub(crate) struct ProgQueryAttr<'a> {
    /// `target_fd` or `target_ifindex`.
    pub target: u32,
    pub attach_type: u32,
    pub query_flags: u32,
    /// Written by the kernel.
    pub attach_flags: u32,
    pub prog_ids: UserPtr<'a>,
    /// `prog_cnt` (`count`): the capacity of `prog_ids` in, the number
    /// attached out.
    pub prog_cnt: u32,
    pub _pad: u32,
    pub prog_attach_flags: UserPtr<'a>,
    pub link_ids: UserPtr<'a>,
    pub link_attach_flags: UserPtr<'a>,
    /// Written by the kernel for multi-program attach points (6.6+).
    pub revision: u64,
}
attr!(ProgQueryAttr, size 64, {
    target @ 0, attach_type @ 4, query_flags @ 8, attach_flags @ 12, prog_ids @ 16,
    prog_cnt @ 24, prog_attach_flags @ 32, link_ids @ 40, link_attach_flags @ 48, revision @ 56,
});

/// `BPF_TASK_FD_QUERY`: what a file descriptor of some process is attached
/// to, when it is a perf event or a raw tracepoint with a program.
#[repr(C)]
#[derive(Default)]
pub(crate) struct TaskFdQueryAttr<'a> {
    pub pid: u32,
    pub fd: u32,
    pub flags: u32,
    /// The capacity of `buf` in; the length of the name out (without its
    /// NUL).
    pub buf_len: u32,
    pub buf: UserPtr<'a>,
    /// Written by the kernel, as the four fields after it.
    pub prog_id: u32,
    pub fd_type: u32,
    pub probe_offset: u64,
    pub probe_addr: u64,
}
attr!(TaskFdQueryAttr, size 48, {
    pid @ 0, fd @ 4, flags @ 8, buf_len @ 12, buf @ 16, prog_id @ 24, fd_type @ 28,
    probe_offset @ 32, probe_addr @ 40,
});
