//! `MapFd`: an open map of any type, shared cheaply, with byte-level access.

use std::fmt;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::sync::Arc;

use super::cpus::possible_cpus;
use super::def::MapDef;
use super::{MapFlags, MapType, UpdateMode};
use crate::object::{ObjectKind, ObjectName, Origin, c_name, expect_kind};
use crate::sys::ProgType;
use crate::sys::{self, Cmd, map::Dims};
use crate::{Errno, Error, Result};

/// `BPF_F_LOCK`: element reads and writes under the value's spin lock.
const F_LOCK: u64 = 4;

/// An open map of any type.
///
/// Cloning shares the one file descriptor (it is closed when the last clone
/// goes), which is how programs that refer to a map keep it open. Typed maps
/// ([`Array`](super::Array), [`HashMap`](super::HashMap), ...) wrap a `MapFd`
/// and check its shape once, when they are made.
#[derive(Clone)]
pub struct MapFd(Arc<Inner>);

struct Inner {
    fd: OwnedFd,
    def: MapDef,
    name: ObjectName,
    dims: Dims,
}

/// What the kernel reports about a map (`struct bpf_map_info`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct MapInfo {
    /// The kernel's id of the map (what `bpftool map show` lists).
    pub id: u32,
    /// The map's name.
    pub name: String,
    /// Type, sizes, capacity and flags.
    pub def: MapDef,
    /// BTF object id, 0 without BTF.
    pub btf_id: u32,
    /// The key's type in that BTF, 0 when not described.
    pub btf_key_type_id: u32,
    /// The value's type in that BTF, 0 when not described.
    pub btf_value_type_id: u32,
    /// The value's type in vmlinux's BTF (a struct_ops map), 0 otherwise.
    pub btf_vmlinux_value_type_id: u32,
    /// Type-specific extra (`map_extra`).
    pub map_extra: u64,
    /// Interface index of an offloaded map, 0 otherwise.
    pub ifindex: u32,
    /// Bytes of memory charged to the map (fdinfo's `memlock`; bpftool's
    /// `bytes_memlock`), 0 where the kernel does not say.
    pub memlock: u64,
    /// Whether the map was frozen (`BPF_MAP_FREEZE`): no more writes from
    /// user space.
    pub frozen: bool,
    /// For a program array, the type of program that owns it (fdinfo's
    /// `owner_prog_type`): the first program loaded with a reference to the
    /// array fixes which programs it may hold. `None` until then, and for
    /// other map types.
    pub owner_prog_type: Option<ProgType>,
    /// For an owned program array, whether its owner was JIT-compiled
    /// (fdinfo's `owner_jited`).
    pub owner_jited: Option<bool>,
    /// Device number of the network namespace of an offloaded map's
    /// interface ([`ifindex`](Self::ifindex)), 0 otherwise.
    pub netns_dev: u64,
    /// Inode number of that network namespace, 0 otherwise.
    pub netns_ino: u64,
}

impl MapFd {
    pub(crate) fn new(fd: OwnedFd, def: MapDef, name: ObjectName) -> Result<MapFd> {
        let value = if def.map_type.is_per_cpu() {
            def.value_size.next_multiple_of(8) as usize * possible_cpus()?
        } else {
            def.value_size as usize
        };
        let dims = Dims { key: def.key_size as usize, value };
        Ok(MapFd(Arc::new(Inner { fd, def, name, dims })))
    }

    /// Wraps an fd that refers to a map, reading its shape from the kernel.
    ///
    /// The fd of a program, a link or anything else is refused with
    /// [`Error::WrongKind`], naming what it is: the kernel would answer
    /// the info query for a program or link with that object's own info.
    pub fn from_fd(fd: OwnedFd) -> Result<MapFd> {
        MapFd::checked(fd, Origin::Fd)
    }

    /// [`from_fd`](Self::from_fd) for an fd that came from `origin`.
    pub(crate) fn checked(fd: OwnedFd, origin: Origin<'_>) -> Result<MapFd> {
        expect_kind(fd.as_fd(), ObjectKind::Map, origin)?;
        let info =
            sys::obj::map_info(fd.as_fd()).map_err(|e| Error::syscall(Cmd::ObjGetInfoByFd, e))?;
        let info = MapInfo::from_raw(&info);
        MapFd::new(fd, info.def, ObjectName::reported(info.name.as_bytes()))
    }

    /// Opens the map with kernel id `id` (`BPF_MAP_GET_FD_BY_ID`).
    pub fn from_id(id: u32) -> Result<MapFd> {
        let fd = crate::object::open_by_id(ObjectKind::Map, id)?;
        MapFd::checked(fd, Origin::Id(id))
    }

    /// The map's file descriptor.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.0.fd.as_fd()
    }

    /// An address that identifies this open map while a clone of it lives:
    /// the same for every clone, another for every other `MapFd`.
    pub(crate) fn identity(&self) -> *const () {
        Arc::as_ptr(&self.0).cast()
    }

    /// The name the map was created or found with.
    pub fn name(&self) -> &str {
        self.0.name.as_str()
    }

    /// Type, sizes, capacity and flags.
    pub fn def(&self) -> MapDef {
        self.0.def
    }

    /// The map type.
    pub fn map_type(&self) -> MapType {
        self.0.def.map_type
    }

    pub(crate) fn dims(&self) -> Dims {
        self.0.dims
    }

    /// Bytes of one value as user space reads it: the value size, or for a
    /// per-CPU map the value size rounded up to 8 times the possible CPUs.
    pub fn value_buffer_len(&self) -> usize {
        self.0.dims.value
    }

    /// Asks the kernel for the map's info (id, name, shape, BTF).
    pub fn info(&self) -> Result<MapInfo> {
        let raw =
            sys::obj::map_info(self.fd()).map_err(|e| Error::syscall(Cmd::ObjGetInfoByFd, e))?;
        let mut info = MapInfo::from_raw(&raw);
        // fdinfo is procfs: absent in some sandboxes, where these stay 0.
        if let Ok(fdinfo) = sys::fdinfo::FdInfo::of(self.fd()) {
            info.memlock = fdinfo.number("memlock").unwrap_or(0);
            info.frozen = fdinfo.number("frozen").is_some_and(|f| f != 0);
            if info.def.map_type == MapType::PROG_ARRAY {
                info.owner_prog_type = fdinfo
                    .number("owner_prog_type")
                    .and_then(|t| u32::try_from(t).ok())
                    .map(ProgType);
                info.owner_jited = fdinfo.number("owner_jited").map(|j| j != 0);
            }
        }
        Ok(info)
    }

    /// Fails on the first of `indices` past the end of an array map.
    pub(crate) fn check_indices(&self, indices: &[u32]) -> Result<()> {
        match indices.iter().find(|i| **i >= self.0.def.max_entries) {
            Some(bad) => Err(self.index_out_of_range(*bad)),
            None => Ok(()),
        }
    }

    /// `index` is past the end of this array map.
    #[cold]
    #[inline(never)]
    pub(crate) fn index_out_of_range(&self, index: u32) -> Error {
        Error::InvalidArgument {
            what: "array index",
            why: format!(
                "{index} is out of range for {:?} of {} elements",
                self.0.name, self.0.def.max_entries
            ),
        }
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn op_error(&self, cmd: Cmd, errno: Errno) -> Error {
        Error::MapOp { cmd, map: self.name().to_string(), errno }
    }

    #[inline]
    fn check_len(&self, what: &'static str, got: usize, want: usize) -> Result<()> {
        if got == want { Ok(()) } else { Err(self.len_error(what, got, want)) }
    }

    // Out of line and cold: the formatting would otherwise sit in every
    // element call, which runs next to a syscall of well under a microsecond.
    #[cold]
    #[inline(never)]
    fn len_error(&self, what: &'static str, got: usize, want: usize) -> Error {
        Error::InvalidArgument {
            what,
            why: format!("map {:?} takes {want} bytes, got {got}", self.0.name),
        }
    }

    /// Copies the value of `key` into `value`; `false` if there is no such key.
    /// `key` and `value` must be exactly the map's key and value sizes
    /// ([`value_buffer_len`](Self::value_buffer_len) for per-CPU maps).
    pub fn lookup_bytes(&self, key: &[u8], value: &mut [u8]) -> Result<bool> {
        self.check_len("key", key.len(), self.0.dims.key)?;
        self.check_len("value buffer", value.len(), self.0.dims.value)?;
        match sys::map::lookup(self.fd(), self.0.dims, key, value, 0) {
            Ok(()) => Ok(true),
            Err(Errno::ENOENT) => Ok(false),
            Err(e) => Err(self.op_error(Cmd::MapLookupElem, e)),
        }
    }

    /// [`lookup_bytes`](Self::lookup_bytes) with `BPF_F_LOCK`: the kernel
    /// copies the value while holding the value's `bpf_spin_lock`, so the
    /// copy is one that no locked writer was half-way through. The map
    /// must have BTF and its value a `bpf_spin_lock`; otherwise the kernel
    /// refuses with `EINVAL`, reported as [`Error::InvalidArgument`] saying so.
    #[doc(alias = "BPF_F_LOCK")]
    pub fn lookup_locked_bytes(&self, key: &[u8], value: &mut [u8]) -> Result<bool> {
        self.check_len("key", key.len(), self.0.dims.key)?;
        self.check_len("value buffer", value.len(), self.0.dims.value)?;
        match sys::map::lookup(self.fd(), self.0.dims, key, value, F_LOCK) {
            Ok(()) => Ok(true),
            Err(Errno::ENOENT) => Ok(false),
            Err(Errno::EINVAL) => Err(self.no_lock()),
            Err(e) => Err(self.op_error(Cmd::MapLookupElem, e)),
        }
    }

    /// [`update_bytes`](Self::update_bytes) with `BPF_F_LOCK`: the kernel
    /// writes the value (all but its lock) while holding its
    /// `bpf_spin_lock`. Same requirements as
    /// [`lookup_locked_bytes`](Self::lookup_locked_bytes).
    #[doc(alias = "BPF_F_LOCK")]
    pub fn update_locked_bytes(&self, key: &[u8], value: &[u8], mode: UpdateMode) -> Result<()> {
        self.check_len("key", key.len(), self.0.dims.key)?;
        self.check_len("value", value.len(), self.0.dims.value)?;
        match sys::map::update(self.fd(), self.0.dims, key, value, mode.flags() | F_LOCK) {
            Ok(()) => Ok(()),
            Err(Errno::EINVAL) => Err(self.no_lock()),
            Err(e) => Err(self.op_error(Cmd::MapUpdateElem, e)),
        }
    }

    /// The kernel refused `BPF_F_LOCK` on this map.
    #[cold]
    #[inline(never)]
    pub(crate) fn no_lock(&self) -> Error {
        Error::InvalidArgument {
            what: "BPF_F_LOCK",
            why: format!(
                "map {:?} has no bpf_spin_lock the kernel knows of (EINVAL): create it with BTF \
                 (MapSpec::described, or create_with_btf) and a value declared with btf_struct! \
                 holding a BpfSpinLock",
                self.0.name
            ),
        }
    }

    /// Writes `value` at `key` under `mode`.
    pub fn update_bytes(&self, key: &[u8], value: &[u8], mode: UpdateMode) -> Result<()> {
        self.check_len("key", key.len(), self.0.dims.key)?;
        self.check_len("value", value.len(), self.0.dims.value)?;
        sys::map::update(self.fd(), self.0.dims, key, value, mode.flags())
            .map_err(|e| self.op_error(Cmd::MapUpdateElem, e))
    }

    /// Deletes `key`; `false` if there was no such key.
    pub fn delete_bytes(&self, key: &[u8]) -> Result<bool> {
        self.check_len("key", key.len(), self.0.dims.key)?;
        match sys::map::delete(self.fd(), self.0.dims, key) {
            Ok(()) => Ok(true),
            Err(Errno::ENOENT) => Ok(false),
            Err(e) => Err(self.op_error(Cmd::MapDeleteElem, e)),
        }
    }

    /// Writes the key after `key` (the first key for `None`) into `next`;
    /// `false` when there is none.
    pub fn next_key_bytes(&self, key: Option<&[u8]>, next: &mut [u8]) -> Result<bool> {
        if let Some(key) = key {
            self.check_len("key", key.len(), self.0.dims.key)?;
        }
        self.check_len("next key buffer", next.len(), self.0.dims.key)?;
        match sys::map::next_key(self.fd(), self.0.dims, key, next) {
            Ok(()) => Ok(true),
            Err(Errno::ENOENT) => Ok(false),
            Err(e) => Err(self.op_error(Cmd::MapGetNextKey, e)),
        }
    }

    /// Makes the map read-only for user space (`BPF_MAP_FREEZE`); programs
    /// may still write unless the map was created with `RDONLY_PROG`.
    pub fn freeze(&self) -> Result<()> {
        sys::map::freeze(self.fd()).map_err(|e| self.op_error(Cmd::MapFreeze, e))
    }

    /// Pins the map at `path` on a bpf filesystem.
    pub fn pin(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        crate::object::pin(self.fd(), path.as_ref())
    }

    /// Opens the map pinned at `path`, whatever its shape. A program or link
    /// pinned there is refused with [`Error::WrongKind`].
    pub fn open_pinned(path: impl AsRef<std::path::Path>) -> Result<MapFd> {
        let path = path.as_ref();
        MapFd::checked(crate::object::get_pinned(path)?, Origin::Path(path))
    }
}

/// The ids of every map in the kernel, in increasing order
/// (`BPF_MAP_GET_NEXT_ID`); open one with [`MapFd::from_id`].
pub fn map_ids() -> impl Iterator<Item = Result<u32>> {
    crate::object::ids(ObjectKind::Map)
}

impl MapInfo {
    pub(crate) fn from_raw(raw: &sys::info::MapInfoRaw) -> MapInfo {
        MapInfo {
            id: raw.id,
            name: c_name(&raw.name),
            def: MapDef {
                map_type: MapType(raw.map_type),
                key_size: raw.key_size,
                value_size: raw.value_size,
                max_entries: raw.max_entries,
                flags: MapFlags::from_bits_retain(raw.map_flags),
            },
            btf_id: raw.btf_id,
            btf_key_type_id: raw.btf_key_type_id,
            btf_value_type_id: raw.btf_value_type_id,
            btf_vmlinux_value_type_id: raw.btf_vmlinux_value_type_id,
            map_extra: raw.map_extra,
            ifindex: raw.ifindex,
            memlock: 0,
            frozen: false,
            owner_prog_type: None,
            owner_jited: None,
            netns_dev: raw.netns_dev,
            netns_ino: raw.netns_ino,
        }
    }
}

impl AsRef<MapFd> for MapFd {
    fn as_ref(&self) -> &MapFd {
        self
    }
}

impl AsFd for MapFd {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd()
    }
}

impl fmt::Debug for MapFd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MapFd")
            .field("fd", &self.0.fd.as_raw_fd())
            .field("name", &self.0.name)
            .field("def", &self.0.def)
            .finish()
    }
}
