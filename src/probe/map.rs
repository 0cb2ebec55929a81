//! Probes by `BPF_MAP_CREATE`: map types, each created with the smallest
//! attributes its type takes.

use super::cache::Answer;
use crate::btf::{Btf, BtfObject, BtfType, IntEncoding};
use crate::sys::{self, Errno, MapType};

/// `BPF_F_NO_PREALLOC`.
const NO_PREALLOC: u32 = 1;

/// Whether the kernel has map type `map_type`.
pub(super) fn map_type(map_type: MapType) -> Answer {
    let mut args = sys::map::CreateArgs {
        map_type: map_type.0,
        key_size: 4,
        value_size: 4,
        max_entries: 1,
        ..Default::default()
    };
    let mut expect = None;
    let mut inner = None;
    let mut btf = None;
    match map_type {
        MapType::STACK_TRACE => args.value_size = 8,
        MapType::LPM_TRIE => {
            (args.key_size, args.value_size, args.flags) = (8, 8, NO_PREALLOC);
        }
        MapType::CGROUP_STORAGE | MapType::PERCPU_CGROUP_STORAGE => {
            // struct bpf_cgroup_storage_key: u64 cgroup id, u32 attach type,
            // padded to 16.
            (args.key_size, args.value_size, args.max_entries) = (16, 8, 0);
        }
        MapType::QUEUE | MapType::STACK | MapType::BLOOM_FILTER => args.key_size = 0,
        MapType::SK_STORAGE
        | MapType::INODE_STORAGE
        | MapType::TASK_STORAGE
        | MapType::CGRP_STORAGE => {
            (args.value_size, args.max_entries, args.flags) = (8, 0, NO_PREALLOC);
            btf = Some(storage_btf()?);
        }
        MapType::RINGBUF | MapType::USER_RINGBUF => {
            (args.key_size, args.value_size, args.max_entries) =
                (0, 0, sys::mmap::page_size() as u32);
        }
        MapType::ARENA => {
            // One page, placed by the kernel; arenas must be mmapable.
            (args.key_size, args.value_size, args.flags) = (0, 0, 1 << 10);
        }
        MapType::STRUCT_OPS => {
            // A vmlinux value type id that is no struct_ops type: a kernel
            // that has the map type says ENOTSUPP.
            args.vmlinux_value_type_id = 1;
            expect = Some(Errno::ENOTSUPP);
        }
        MapType::ARRAY_OF_MAPS | MapType::HASH_OF_MAPS => {
            let fd = sys::map::create(&sys::map::CreateArgs {
                map_type: MapType::HASH.0,
                key_size: 4,
                value_size: 4,
                max_entries: 1,
                ..Default::default()
            })?;
            inner = Some(fd);
        }
        _ => {}
    }
    args.inner_map = inner.as_ref().map(|fd| std::os::fd::AsFd::as_fd(fd));
    args.btf = btf.as_ref().map(|b: &BtfObject| (b.fd(), 1, 2));
    match (sys::map::create(&args), expect) {
        (Ok(_), _) => Ok(true),
        (Err(Errno::EPERM), _) => Err(Errno::EPERM),
        (Err(errno), Some(expected)) => Ok(errno == expected),
        (Err(Errno::EINVAL | Errno::EOPNOTSUPP | Errno::ENOTSUPP | Errno::E2BIG), None) => {
            Ok(false)
        }
        (Err(errno), None) => Err(errno),
    }
}

/// BTF for a local-storage map: `[1] int` (the key the kernel demands) and
/// `[2] long` (the 8-byte value).
fn storage_btf() -> Result<BtfObject, Errno> {
    let mut btf = Btf::new();
    btf.add(BtfType::int("int", 4, IntEncoding::Signed));
    btf.add(BtfType::int("long", 8, IntEncoding::Signed));
    let raw = btf.encode().map_err(|_| Errno::EINVAL)?;
    BtfObject::load(&raw).map_err(|e| e.errno().unwrap_or(Errno::EINVAL))
}
