//! Per-CPU maps: one value per possible CPU for every key.
//!
//! The kernel copies a per-CPU element as one value per *possible* CPU
//! ([`possible_cpus`](super::possible_cpus), not the online ones), each
//! padded to a multiple of 8 bytes. The typed maps here hand out and take a
//! `V` per CPU, in CPU order; [`Layout`] converts between that and the
//! kernel's padded buffer. When `V` is a multiple of 8 bytes the two are the
//! same bytes and nothing is copied twice; otherwise a lookup compacts the
//! values in place inside the returned `Vec`, and an update packs them into
//! a buffer kept per thread, so neither allocates more than the result.

use std::cell::Cell;
use std::marker::PhantomData;

use zerocopy::IntoBytes;

use super::Plain;
use super::batch::{self, BatchLookup};
use super::fd::MapFd;
use super::hash::{check_keyed, elements, keys};
use super::layout::Layout;
use super::spec::MapSpec;
use super::{MapFlags, MapType, UpdateMode};
use crate::btf::BtfDescribe;
use crate::error::{Error, Result};

/// A per-CPU array map: `max_entries` elements indexed by `u32`, each one
/// `V` per possible CPU.
///
/// ```no_run
/// use bpfkit::maps::{MapFlags, PerCpuArray, possible_cpus};
///
/// let counts = PerCpuArray::<u64>::create("counts", 4, MapFlags::empty())?;
/// let per_cpu: Vec<u64> = (0..possible_cpus()? as u64).collect();
/// counts.set(1, &per_cpu)?;
/// assert_eq!(counts.get(1)?, per_cpu);
/// # Ok::<(), bpfkit::Error>(())
/// ```
#[doc(alias = "BPF_MAP_TYPE_PERCPU_ARRAY")]
#[derive(Clone, Debug)]
pub struct PerCpuArray<V> {
    map: MapFd,
    _value: PhantomData<V>,
}

impl<V: Plain> PerCpuArray<V> {
    /// The spec of a per-CPU array of `max_entries` elements.
    pub fn spec(name: &str, max_entries: u32, flags: MapFlags) -> MapSpec {
        MapSpec::new(MapType::PERCPU_ARRAY, 4, size_of::<V>() as u32, max_entries)
            .name(name)
            .flags(flags)
    }

    /// Creates a per-CPU array of `max_entries` zeroed elements.
    pub fn create(name: &str, max_entries: u32, flags: MapFlags) -> Result<PerCpuArray<V>> {
        Self::from_map(Self::spec(name, max_entries, flags).create()?)
    }

    /// Wraps an open map, checking that it is a per-CPU array of `V`.
    pub fn from_map(map: MapFd) -> Result<PerCpuArray<V>> {
        check_keyed::<u32, V>(&map, &[MapType::PERCPU_ARRAY], "percpu_array")?;
        Ok(PerCpuArray { map, _value: PhantomData })
    }

    /// The values at `index`, one per possible CPU.
    pub fn get(&self, index: u32) -> Result<Vec<V>> {
        lookup(&self.map, index.as_bytes())?.ok_or_else(|| self.map.index_out_of_range(index))
    }

    /// Like [`get`](Self::get), into `out`, which holds one value per
    /// possible CPU: no allocation, for polling loops.
    pub fn get_into(&self, index: u32, out: &mut [V]) -> Result<()> {
        if lookup_into(&self.map, index.as_bytes(), out)? {
            Ok(())
        } else {
            Err(self.map.index_out_of_range(index))
        }
    }

    /// Sets the values at `index`: `values` holds one per possible CPU.
    pub fn set(&self, index: u32, values: &[V]) -> Result<()> {
        self.map.check_indices(&[index])?;
        update(&self.map, index.as_bytes(), values, UpdateMode::Any)
    }

    /// The number of elements.
    pub fn len(&self) -> u32 {
        self.map.def().max_entries
    }

    /// Whether the array has no elements (never, for a created array).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A cursor over the elements, many per call (`BPF_MAP_LOOKUP_BATCH`);
    /// each index takes one value per possible CPU.
    pub fn batch_lookup(&self) -> BatchLookup<'_, u32, V> {
        BatchLookup::new(&self.map, false)
    }

    /// Sets the elements at `indices` (`BPF_MAP_UPDATE_BATCH`): `values`
    /// holds one value per possible CPU for each index, index by index. A
    /// write that stops part-way is
    /// [`Error::PartialBatch`](crate::Error::PartialBatch), saying how many
    /// went in (the first ones).
    pub fn update_batch(&self, indices: &[u32], values: &[V]) -> Result<()> {
        self.map.check_indices(indices)?;
        batch::update(&self.map, indices, values)
    }

    /// Every element, index by index, each one value per possible CPU, read
    /// with batch lookups.
    pub fn read_all(&self) -> Result<Vec<Vec<V>>> {
        let (_, values) = batch::read_all::<u32, V>(&self.map)?;
        Ok(split(values, Layout::of::<V>(&self.map).per_key))
    }

    /// The underlying map.
    pub fn map(&self) -> &MapFd {
        &self.map
    }
}

impl<V: Plain + BtfDescribe> PerCpuArray<V> {
    /// Creates a per-CPU array whose BTF describes its `u32` index and `V`
    /// ([`MapSpec::described`], one `BPF_BTF_LOAD`), so tools print each
    /// CPU's value field by field. (Per-CPU values cannot hold a spin lock.)
    pub fn create_with_btf(
        name: &str,
        max_entries: u32,
        flags: MapFlags,
    ) -> Result<PerCpuArray<V>> {
        Self::from_map(Self::spec(name, max_entries, flags).described::<u32, V>()?.create()?)
    }
}

impl<V> AsRef<MapFd> for PerCpuArray<V> {
    fn as_ref(&self) -> &MapFd {
        &self.map
    }
}

/// A per-CPU hash map from `K` to one `V` per possible CPU, or its LRU
/// variant.
///
/// ```no_run
/// use bpfkit::maps::{MapFlags, PerCpuHashMap, UpdateMode, possible_cpus};
///
/// let bytes = PerCpuHashMap::<u32, u64>::create("bytes", 64, MapFlags::empty())?;
/// bytes.insert(&80, &vec![0; possible_cpus()?], UpdateMode::NoExist)?;
/// let total: u64 = bytes.get(&80)?.unwrap_or_default().iter().sum();
/// # Ok::<(), bpfkit::Error>(())
/// ```
#[doc(alias = "BPF_MAP_TYPE_PERCPU_HASH")]
#[doc(alias = "BPF_MAP_TYPE_LRU_PERCPU_HASH")]
#[derive(Clone, Debug)]
pub struct PerCpuHashMap<K, V> {
    map: MapFd,
    _types: PhantomData<(K, V)>,
}

impl<K: Plain, V: Plain> PerCpuHashMap<K, V> {
    /// The spec of a per-CPU hash map of up to `max_entries` keys.
    pub fn spec(name: &str, max_entries: u32, flags: MapFlags) -> MapSpec {
        Self::spec_of(MapType::PERCPU_HASH, name, max_entries, flags)
    }

    /// The spec of an LRU per-CPU hash map of up to `max_entries` keys.
    pub fn lru_spec(name: &str, max_entries: u32, flags: MapFlags) -> MapSpec {
        Self::spec_of(MapType::LRU_PERCPU_HASH, name, max_entries, flags)
    }

    fn spec_of(map_type: MapType, name: &str, max_entries: u32, flags: MapFlags) -> MapSpec {
        MapSpec::new(map_type, size_of::<K>() as u32, size_of::<V>() as u32, max_entries)
            .name(name)
            .flags(flags)
    }

    /// Creates an empty per-CPU hash map (`BPF_MAP_TYPE_PERCPU_HASH`).
    pub fn create(name: &str, max_entries: u32, flags: MapFlags) -> Result<PerCpuHashMap<K, V>> {
        Self::from_map(Self::spec(name, max_entries, flags).create()?)
    }

    /// Creates an empty LRU per-CPU hash map (`BPF_MAP_TYPE_LRU_PERCPU_HASH`).
    pub fn create_lru(
        name: &str,
        max_entries: u32,
        flags: MapFlags,
    ) -> Result<PerCpuHashMap<K, V>> {
        Self::from_map(Self::lru_spec(name, max_entries, flags).create()?)
    }

    /// Wraps an open map, checking that it is a per-CPU (or LRU per-CPU)
    /// hash map with keys of `K` and values of `V`.
    pub fn from_map(map: MapFd) -> Result<PerCpuHashMap<K, V>> {
        check_keyed::<K, V>(
            &map,
            &[MapType::PERCPU_HASH, MapType::LRU_PERCPU_HASH],
            "percpu_hash or lru_percpu_hash",
        )?;
        Ok(PerCpuHashMap { map, _types: PhantomData })
    }

    /// The values of `key`, one per possible CPU; `None` if there is no such key.
    pub fn get(&self, key: &K) -> Result<Option<Vec<V>>> {
        lookup(&self.map, key.as_bytes())
    }

    /// Like [`get`](Self::get), into `out`, which holds one value per
    /// possible CPU: no allocation, for polling loops. `false` if there is
    /// no such key (`out` is then unchanged).
    pub fn get_into(&self, key: &K, out: &mut [V]) -> Result<bool> {
        lookup_into(&self.map, key.as_bytes(), out)
    }

    /// Sets the values of `key` under `mode`: `values` holds one per
    /// possible CPU. See [`HashMap::insert`](super::HashMap::insert) for the modes.
    pub fn insert(&self, key: &K, values: &[V], mode: UpdateMode) -> Result<()> {
        update(&self.map, key.as_bytes(), values, mode)
    }

    /// Deletes `key`; `false` if there was no such key.
    pub fn remove(&self, key: &K) -> Result<bool> {
        self.map.delete_bytes(key.as_bytes())
    }

    /// The keys, in the kernel's order; deleting keys during the walk is
    /// described at [`HashMap::keys`](super::HashMap::keys).
    pub fn keys(&self) -> impl Iterator<Item = Result<K>> {
        keys(&self.map)
    }

    /// The elements, in the kernel's order, each with one value per
    /// possible CPU. A key deleted between the walk finding it and the
    /// lookup of its values is skipped.
    pub fn iter(&self) -> impl Iterator<Item = Result<(K, Vec<V>)>> {
        elements(&self.map, |key| self.get(key))
    }

    /// A cursor over the elements, many per call (`BPF_MAP_LOOKUP_BATCH`);
    /// each key takes one value per possible CPU.
    pub fn batch_lookup(&self) -> BatchLookup<'_, K, V> {
        BatchLookup::new(&self.map, false)
    }

    /// A cursor that reads and deletes the elements, many per call
    /// (`BPF_MAP_LOOKUP_AND_DELETE_BATCH`).
    pub fn batch_lookup_and_delete(&self) -> BatchLookup<'_, K, V> {
        BatchLookup::new(&self.map, true)
    }

    /// Sets the values of `keys` (`BPF_MAP_UPDATE_BATCH`), creating or
    /// replacing: `values` holds one value per possible CPU for each key,
    /// key by key. A write that stops part-way is
    /// [`Error::PartialBatch`](crate::Error::PartialBatch), saying how many
    /// went in (the first ones).
    pub fn update_batch(&self, keys: &[K], values: &[V]) -> Result<()> {
        batch::update(&self.map, keys, values)
    }

    /// Deletes every key of `keys` that is present (`BPF_MAP_DELETE_BATCH`)
    /// and returns how many were.
    pub fn delete_batch(&self, keys: &[K]) -> Result<usize> {
        batch::delete(&self.map, keys)
    }

    /// Every element, each with one value per possible CPU, read with batch
    /// lookups.
    pub fn read_all(&self) -> Result<Vec<(K, Vec<V>)>> {
        let (keys, values) = batch::read_all::<K, V>(&self.map)?;
        let per_key = Layout::of::<V>(&self.map).per_key;
        Ok(keys.into_iter().zip(split(values, per_key)).collect())
    }

    /// The underlying map.
    pub fn map(&self) -> &MapFd {
        &self.map
    }
}

impl<K: Plain + BtfDescribe, V: Plain + BtfDescribe> PerCpuHashMap<K, V> {
    /// Creates an empty per-CPU hash map whose BTF describes `K` and `V`
    /// ([`MapSpec::described`], one `BPF_BTF_LOAD`).
    pub fn create_with_btf(
        name: &str,
        max_entries: u32,
        flags: MapFlags,
    ) -> Result<PerCpuHashMap<K, V>> {
        Self::from_map(Self::spec(name, max_entries, flags).described::<K, V>()?.create()?)
    }
}

impl<K, V> AsRef<MapFd> for PerCpuHashMap<K, V> {
    fn as_ref(&self) -> &MapFd {
        &self.map
    }
}

/// The values of `key` in `map`, one per CPU, `None` if there is no such key.
///
/// One allocation, the returned `Vec`: the kernel writes its padded values
/// into the `Vec`'s own bytes, which are then compacted in place.
fn lookup<V: Plain>(map: &MapFd, key: &[u8]) -> Result<Option<Vec<V>>> {
    let layout = Layout::of::<V>(map);
    let total = map.dims().value;
    let slots = layout.values_in(total);
    let mut values = vec![V::new_zeroed(); slots];
    let bytes = values.as_mut_bytes();
    let Some(buf) = bytes.get_mut(..total) else {
        return Err(layout_error(map));
    };
    if !map.lookup_bytes(key, buf)? {
        return Ok(None);
    }
    if !layout.is_dense() {
        layout.compact(bytes);
        values.truncate(layout.per_key);
        values.shrink_to_fit();
    }
    Ok(Some(values))
}

thread_local! {
    /// The padded value buffer of per-CPU reads and updates, reused on each
    /// thread.
    static PACKED: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// The values of `key` in `map` into `out`; `false` if there is no such key.
fn lookup_into<V: Plain>(map: &MapFd, key: &[u8], out: &mut [V]) -> Result<bool> {
    let layout = Layout::of::<V>(map);
    check_count(map, layout, out.len())?;
    if layout.is_dense() {
        return map.lookup_bytes(key, out.as_mut_bytes());
    }
    let mut buf = PACKED.take();
    buf.resize(map.dims().value, 0);
    let found = map.lookup_bytes(key, &mut buf);
    if let Ok(true) = found {
        layout.unpack(&buf, out);
    }
    PACKED.set(buf);
    found
}

/// `got` values were passed where `map` holds one per possible CPU.
#[inline]
fn check_count(map: &MapFd, layout: Layout, got: usize) -> Result<()> {
    if got == layout.per_key { Ok(()) } else { Err(count_error(map, layout, got)) }
}

/// Out of line and cold, as [`MapFd`]'s length checks are.
#[cold]
#[inline(never)]
fn count_error(map: &MapFd, layout: Layout, got: usize) -> Error {
    Error::InvalidArgument {
        what: "per-CPU values",
        why: format!(
            "map {:?} holds one value per possible CPU: pass {} values, got {got}",
            map.name(),
            layout.per_key,
        ),
    }
}

/// Writes one value per CPU at `key`.
fn update<V: Plain>(map: &MapFd, key: &[u8], values: &[V], mode: UpdateMode) -> Result<()> {
    let layout = Layout::of::<V>(map);
    check_count(map, layout, values.len())?;
    if layout.is_dense() {
        return map.update_bytes(key, values.as_bytes(), mode);
    }
    let mut buf = PACKED.take();
    buf.resize(map.dims().value, 0);
    layout.pack_into(values, &mut buf);
    let res = map.update_bytes(key, &buf, mode);
    PACKED.set(buf);
    res
}

/// `values` split into `Vec`s of `per_key` values.
fn split<V: Plain>(values: Vec<V>, per_key: usize) -> Vec<Vec<V>> {
    values.chunks(per_key.max(1)).map(<[V]>::to_vec).collect()
}

fn layout_error(map: &MapFd) -> Error {
    Error::InvalidArgument {
        what: "per-CPU map",
        why: format!(
            "map {:?} copies {} bytes per element, which is not one padded value per CPU",
            map.name(),
            map.dims().value
        ),
    }
}
