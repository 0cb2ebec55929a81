//! Map commands: create, element access, iteration, batches, freeze.
//!
//! Every buffer is checked against the map's [`Dims`] before the call, so the
//! kernel never reads or writes past a slice even if a caller passes a short
//! one: the kernel trusts the sizes it was given at creation, not our slices.

use std::os::fd::{BorrowedFd, OwnedFd};

use super::Errno;
use super::attr::{MapBatchAttr, MapCreateAttr, MapElemAttr};
use super::ptr::UserPtr;
use super::{Cmd, bpf, bpf_fd, raw};

/// The byte sizes the kernel copies for one key and one value of a map.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Dims {
    /// Bytes of one key.
    pub key: usize,
    /// Bytes the kernel copies for one value: for per-CPU maps, the value
    /// size rounded up to 8 times the number of possible CPUs.
    pub value: usize,
}

impl Dims {
    fn check_key(&self, key: &[u8]) -> Result<(), Errno> {
        if key.len() < self.key { Err(Errno::EINVAL) } else { Ok(()) }
    }
    fn check_value(&self, value: &[u8]) -> Result<(), Errno> {
        if value.len() < self.value { Err(Errno::EINVAL) } else { Ok(()) }
    }
}

/// The arguments of `BPF_MAP_CREATE`.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct CreateArgs<'a> {
    pub map_type: u32,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    pub flags: u32,
    pub name: [u8; 16],
    pub numa_node: u32,
    pub map_extra: u64,
    pub inner_map: Option<BorrowedFd<'a>>,
    /// The BTF object and the ids of the key's and the value's types in it.
    pub btf: Option<(BorrowedFd<'a>, u32, u32)>,
    /// `btf_vmlinux_value_type_id`: a struct_ops map's value type in vmlinux.
    pub vmlinux_value_type_id: u32,
}

/// `BPF_MAP_CREATE`.
pub(crate) fn create(args: &CreateArgs<'_>) -> Result<OwnedFd, Errno> {
    let mut attr = MapCreateAttr {
        map_type: args.map_type,
        key_size: args.key_size,
        value_size: args.value_size,
        max_entries: args.max_entries,
        map_flags: args.flags,
        inner_map_fd: args.inner_map.map_or(0, raw),
        numa_node: args.numa_node,
        map_name: args.name,
        map_extra: args.map_extra,
        btf_fd: args.btf.map_or(0, |(fd, _, _)| raw(fd)),
        btf_key_type_id: args.btf.map_or(0, |(_, key, _)| key),
        btf_value_type_id: args.btf.map_or(0, |(_, _, value)| value),
        btf_vmlinux_value_type_id: args.vmlinux_value_type_id,
        ..Default::default()
    };
    bpf_fd(Cmd::MapCreate, &mut attr)
}

/// The key pointer for an element command: NULL for maps without keys
/// (queue, stack, bloom filter), whose key pointer the kernel requires to be
/// NULL (`EINVAL` otherwise), else the key's bytes.
fn key_ptr(dims: Dims, key: &[u8]) -> UserPtr<'_> {
    if dims.key == 0 { UserPtr::NULL } else { UserPtr::from_slice(key) }
}

/// `BPF_MAP_LOOKUP_ELEM`: copies the value of `key` into `value`.
pub(crate) fn lookup(
    fd: BorrowedFd<'_>,
    dims: Dims,
    key: &[u8],
    value: &mut [u8],
    flags: u64,
) -> Result<(), Errno> {
    dims.check_key(key)?;
    dims.check_value(value)?;
    let mut attr = MapElemAttr {
        map_fd: raw(fd),
        key: key_ptr(dims, key),
        value: UserPtr::from_mut(value),
        flags,
        ..Default::default()
    };
    bpf(Cmd::MapLookupElem, &mut attr).map(drop)
}

/// `BPF_MAP_LOOKUP_AND_DELETE_ELEM`: pops `key` (or the head of a queue/stack
/// map when `key` is empty and the map has no keys).
pub(crate) fn lookup_and_delete(
    fd: BorrowedFd<'_>,
    dims: Dims,
    key: &[u8],
    value: &mut [u8],
) -> Result<(), Errno> {
    dims.check_key(key)?;
    dims.check_value(value)?;
    let mut attr = MapElemAttr {
        map_fd: raw(fd),
        key: key_ptr(dims, key),
        value: UserPtr::from_mut(value),
        ..Default::default()
    };
    bpf(Cmd::MapLookupAndDeleteElem, &mut attr).map(drop)
}

/// `BPF_MAP_UPDATE_ELEM`.
pub(crate) fn update(
    fd: BorrowedFd<'_>,
    dims: Dims,
    key: &[u8],
    value: &[u8],
    flags: u64,
) -> Result<(), Errno> {
    dims.check_key(key)?;
    dims.check_value(value)?;
    let mut attr = MapElemAttr {
        map_fd: raw(fd),
        key: key_ptr(dims, key),
        value: UserPtr::from_slice(value),
        flags,
        ..Default::default()
    };
    bpf(Cmd::MapUpdateElem, &mut attr).map(drop)
}

/// `BPF_MAP_DELETE_ELEM`.
pub(crate) fn delete(fd: BorrowedFd<'_>, dims: Dims, key: &[u8]) -> Result<(), Errno> {
    dims.check_key(key)?;
    let mut attr = MapElemAttr { map_fd: raw(fd), key: key_ptr(dims, key), ..Default::default() };
    bpf(Cmd::MapDeleteElem, &mut attr).map(drop)
}

/// `BPF_MAP_GET_NEXT_KEY`: the key after `key`, or the first key for `None`.
pub(crate) fn next_key(
    fd: BorrowedFd<'_>,
    dims: Dims,
    key: Option<&[u8]>,
    next: &mut [u8],
) -> Result<(), Errno> {
    if let Some(key) = key {
        dims.check_key(key)?;
    }
    if next.len() < dims.key {
        return Err(Errno::EINVAL);
    }
    let mut attr = MapElemAttr {
        map_fd: raw(fd),
        key: UserPtr::from_opt(key),
        value: UserPtr::from_mut(next),
        ..Default::default()
    };
    bpf(Cmd::MapGetNextKey, &mut attr).map(drop)
}

/// `BPF_MAP_FREEZE`: makes the map read-only for user space.
pub(crate) fn freeze(fd: BorrowedFd<'_>) -> Result<(), Errno> {
    let mut attr = MapElemAttr { map_fd: raw(fd), ..Default::default() };
    bpf(Cmd::MapFreeze, &mut attr).map(drop)
}

/// The buffers of one batch call. `keys` and `values` hold `count` elements.
pub(crate) struct Batch<'a> {
    /// The resume token from the previous call, `None` to start.
    pub in_batch: Option<&'a [u8]>,
    /// Where the kernel writes the token to resume from.
    pub out_batch: Option<&'a mut [u8]>,
    pub keys: &'a mut [u8],
    pub values: &'a mut [u8],
    pub elem_flags: u64,
}

/// `BPF_MAP_LOOKUP_BATCH` or `BPF_MAP_LOOKUP_AND_DELETE_BATCH`: returns how
/// many elements were copied and the kernel's verdict (`ENOENT` means the end
/// of the map was reached, and the count is still valid).
pub(crate) fn lookup_batch(
    fd: BorrowedFd<'_>,
    dims: Dims,
    and_delete: bool,
    batch: Batch<'_>,
    count: u32,
) -> (u32, Result<(), Errno>) {
    let token = token_len(dims);
    let short_token = batch.in_batch.is_some_and(|t| t.len() < token)
        || batch.out_batch.as_ref().is_some_and(|t| t.len() < token);
    if short_token {
        return (0, Err(Errno::EINVAL));
    }
    if let Err(e) = check_batch(dims, batch.keys, batch.values, count) {
        return (0, Err(e));
    }
    let mut attr = MapBatchAttr {
        in_batch: UserPtr::from_opt(batch.in_batch),
        out_batch: UserPtr::from_opt_mut(batch.out_batch),
        keys: UserPtr::from_mut(batch.keys),
        values: UserPtr::from_mut(batch.values),
        count,
        map_fd: raw(fd),
        elem_flags: batch.elem_flags,
        flags: 0,
    };
    let cmd = if and_delete { Cmd::MapLookupAndDeleteBatch } else { Cmd::MapLookupBatch };
    let res = bpf(cmd, &mut attr).map(drop);
    (attr.count, res)
}

/// `BPF_MAP_UPDATE_BATCH`: returns how many elements were written.
pub(crate) fn update_batch(
    fd: BorrowedFd<'_>,
    dims: Dims,
    keys: &[u8],
    values: &[u8],
    count: u32,
    elem_flags: u64,
) -> (u32, Result<(), Errno>) {
    if let Err(e) = check_batch(dims, keys, values, count) {
        return (0, Err(e));
    }
    let mut attr = MapBatchAttr {
        keys: UserPtr::from_slice(keys),
        values: UserPtr::from_slice(values),
        count,
        map_fd: raw(fd),
        elem_flags,
        ..Default::default()
    };
    let res = bpf(Cmd::MapUpdateBatch, &mut attr).map(drop);
    (done_count(attr.count, count, &res), res)
}

/// `BPF_MAP_DELETE_BATCH`: returns how many elements were deleted.
pub(crate) fn delete_batch(
    fd: BorrowedFd<'_>,
    dims: Dims,
    keys: &[u8],
    count: u32,
) -> (u32, Result<(), Errno>) {
    if keys.len() < dims.key * count as usize {
        return (0, Err(Errno::EINVAL));
    }
    let mut attr = MapBatchAttr {
        keys: UserPtr::from_slice(keys),
        count,
        map_fd: raw(fd),
        ..Default::default()
    };
    let res = bpf(Cmd::MapDeleteBatch, &mut attr).map(drop);
    (done_count(attr.count, count, &res), res)
}

/// How many elements a batch write or delete got through, from the `count`
/// the kernel left in the attribute. The kernel writes it back only once
/// it has started on the elements; a command it refuses before that
/// (`ENOTSUPP` for the map type, `EINVAL` for the flags, `EPERM` for a
/// read-only fd) leaves the caller's count there, though nothing was done.
/// A count as large as the request with an error is that case: a batch the
/// kernel got all the way through does not fail.
fn done_count(reported: u32, requested: u32, res: &Result<(), Errno>) -> u32 {
    match res {
        Err(_) if reported >= requested => 0,
        _ => reported.min(requested),
    }
}

fn check_batch(dims: Dims, keys: &[u8], values: &[u8], count: u32) -> Result<(), Errno> {
    let n = count as usize;
    if keys.len() < dims.key * n || values.len() < dims.value * n {
        Err(Errno::EINVAL)
    } else {
        Ok(())
    }
}

/// Bytes of the batch resume token: hash maps use a `u32` bucket index, the
/// generic implementation (arrays) a key.
pub(crate) fn token_len(dims: Dims) -> usize {
    dims.key.max(8)
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::os::fd::AsFd;
    use std::rc::Rc;

    use super::*;
    use crate::sys::mock::{Hook, with_hook};

    /// What the fake kernel read from one `MapBatchAttr`, by field name.
    #[derive(Debug, Default, PartialEq)]
    struct Seen {
        map_fd: u32,
        count: u32,
        elem_flags: u64,
        flags: u64,
        keys: u64,
        values: u64,
        in_batch: u64,
    }

    #[test]
    fn a_batch_update_passes_the_count_and_flags_it_was_given() {
        let file = std::fs::File::open("/dev/null").unwrap();
        let dims = Dims { key: 4, value: 8 };
        let keys: Vec<u8> = [1u32, 2, 3].iter().flat_map(|k| k.to_ne_bytes()).collect();
        let values = [0u8; 24];
        let seen = Rc::new(RefCell::new(Vec::new()));
        let log = seen.clone();
        let kernel: Hook = Box::new(move |cmd, attr| {
            assert_eq!(cmd, Cmd::MapUpdateBatch);
            let attr = attr.map_batch();
            log.borrow_mut().push(Seen {
                map_fd: attr.map_fd,
                count: attr.count,
                elem_flags: attr.elem_flags,
                flags: attr.flags,
                keys: attr.keys.addr(),
                values: attr.values.addr(),
                in_batch: attr.in_batch.addr(),
            });
            // The kernel only reads an update's buffers: the mock cannot
            // write into them either.
            assert_eq!(attr.keys.write(0, &[0xff; 4]), 0);
            attr.count = 2;
            Some(Err(Errno::E2BIG))
        });
        const BPF_F_LOCK: u64 = 4;
        let (count, res) =
            with_hook(kernel, || update_batch(file.as_fd(), dims, &keys, &values, 3, BPF_F_LOCK));
        assert_eq!((count, res), (2, Err(Errno::E2BIG)));
        let expected = Seen {
            map_fd: raw(file.as_fd()),
            count: 3,
            elem_flags: BPF_F_LOCK,
            flags: 0,
            keys: keys.as_ptr() as u64,
            values: values.as_ptr() as u64,
            in_batch: 0,
        };
        assert_eq!(*seen.borrow(), vec![expected]);
        assert_eq!(keys[..4], 1u32.to_ne_bytes());
    }

    #[test]
    fn a_lookup_fills_the_value_buffer_up_to_its_length() {
        let file = std::fs::File::open("/dev/null").unwrap();
        let dims = Dims { key: 4, value: 4 };
        let kernel: Hook = Box::new(|cmd, attr| {
            assert_eq!(cmd, Cmd::MapLookupElem);
            let attr = attr.map_elem();
            assert_eq!(attr.flags, 0);
            // Six bytes offered, four fit; past the end, nothing.
            assert_eq!(attr.value.write(0, &[1, 2, 3, 4, 5, 6]), 4);
            assert_eq!(attr.value.write(4, &[9]), 0);
            Some(Ok(0))
        });
        let mut value = [0u8; 4];
        with_hook(kernel, || lookup(file.as_fd(), dims, &7u32.to_ne_bytes(), &mut value, 0))
            .unwrap();
        assert_eq!(value, [1, 2, 3, 4]);
    }
}
