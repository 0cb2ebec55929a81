//! `HashMap<K, V>`: `BPF_MAP_TYPE_HASH` and `BPF_MAP_TYPE_LRU_HASH`, and the
//! key walk (`BPF_MAP_GET_NEXT_KEY`) that every keyed map shares.
//!
//! The kernel walks a hash map from a given key to the next one; when the
//! given key is gone it answers with the *first* key again, so a naive walk
//! restarts and sees keys twice. The walk here fetches the next key before it
//! hands out the current one, which makes the common "iterate and remove"
//! loop safe (see [`HashMap::keys`]).

use std::marker::PhantomData;

use zerocopy::IntoBytes;

use super::Plain;
use super::array::lock_required;
use super::batch::{self, BatchLookup};
use super::def::MapDef;
use super::fd::MapFd;
use super::spec::{MapSpec, check_def};
use super::{MapFlags, MapType, UpdateMode};
use crate::btf::BtfDescribe;
use crate::error::MapField;
use crate::sys::{self, Cmd};
use crate::{Errno, Error, Result};

/// A hash map from `K` to `V`, or its LRU variant (which evicts the least
/// recently used element instead of failing when full).
///
/// ```no_run
/// use bpfkit::maps::{HashMap, MapFlags, UpdateMode};
///
/// let flows = HashMap::<u32, u64>::create("flows", 1024, MapFlags::empty())?;
/// flows.insert(&7, &100, UpdateMode::Any)?;
/// assert_eq!(flows.get(&7)?, Some(100));
/// for entry in flows.iter() {
///     let (key, value) = entry?;
///     assert_eq!((key, value), (7, 100));
/// }
/// assert!(flows.remove(&7)?);
/// # Ok::<(), bpfkit::Error>(())
/// ```
#[doc(alias = "BPF_MAP_TYPE_HASH")]
#[doc(alias = "BPF_MAP_TYPE_LRU_HASH")]
#[derive(Clone, Debug)]
pub struct HashMap<K, V> {
    map: MapFd,
    _types: PhantomData<(K, V)>,
}

impl<K: Plain, V: Plain> HashMap<K, V> {
    /// The spec of a hash map of up to `max_entries` elements.
    pub fn spec(name: &str, max_entries: u32, flags: MapFlags) -> MapSpec {
        Self::spec_of(MapType::HASH, name, max_entries, flags)
    }

    /// The spec of an LRU hash map of up to `max_entries` elements.
    pub fn lru_spec(name: &str, max_entries: u32, flags: MapFlags) -> MapSpec {
        Self::spec_of(MapType::LRU_HASH, name, max_entries, flags)
    }

    fn spec_of(map_type: MapType, name: &str, max_entries: u32, flags: MapFlags) -> MapSpec {
        MapSpec::new(map_type, size_of::<K>() as u32, size_of::<V>() as u32, max_entries)
            .name(name)
            .flags(flags)
    }

    /// Creates an empty hash map (`BPF_MAP_TYPE_HASH`).
    pub fn create(name: &str, max_entries: u32, flags: MapFlags) -> Result<HashMap<K, V>> {
        Self::from_map(Self::spec(name, max_entries, flags).create()?)
    }

    /// Creates an empty LRU hash map (`BPF_MAP_TYPE_LRU_HASH`).
    pub fn create_lru(name: &str, max_entries: u32, flags: MapFlags) -> Result<HashMap<K, V>> {
        Self::from_map(Self::lru_spec(name, max_entries, flags).create()?)
    }

    /// Wraps an open map, checking that it is a hash or LRU hash map with
    /// keys of `K` and values of `V`.
    pub fn from_map(map: MapFd) -> Result<HashMap<K, V>> {
        check_keyed::<K, V>(&map, &[MapType::HASH, MapType::LRU_HASH], "hash or lru_hash")?;
        Ok(HashMap { map, _types: PhantomData })
    }

    /// The value of `key`, `None` if there is no such key.
    pub fn get(&self, key: &K) -> Result<Option<V>> {
        lookup(&self.map, key)
    }

    /// Sets the value of `key` under `mode`: [`UpdateMode::NoExist`] fails
    /// with `EEXIST` if the key is present, [`UpdateMode::Exist`] with
    /// `ENOENT` if it is absent. A full (non-LRU) map fails with `E2BIG`.
    pub fn insert(&self, key: &K, value: &V, mode: UpdateMode) -> Result<()> {
        self.map.update_bytes(key.as_bytes(), value.as_bytes(), mode)
    }

    /// Deletes `key`; `false` if there was no such key.
    pub fn remove(&self, key: &K) -> Result<bool> {
        self.map.delete_bytes(key.as_bytes())
    }

    /// Deletes `key` and returns the value it had, in one step that no
    /// update can slip between (`BPF_MAP_LOOKUP_AND_DELETE_ELEM`, hash maps
    /// since Linux 5.14); `None` if there was no such key.
    #[doc(alias = "BPF_MAP_LOOKUP_AND_DELETE_ELEM")]
    pub fn take(&self, key: &K) -> Result<Option<V>> {
        let mut value = V::new_zeroed();
        let dims = self.map.dims();
        match sys::map::lookup_and_delete(self.map.fd(), dims, key.as_bytes(), value.as_mut_bytes())
        {
            Ok(()) => Ok(Some(value)),
            Err(Errno::ENOENT) => Ok(None),
            Err(e @ (Errno::EINVAL | Errno::ENOTSUPP | Errno::EOPNOTSUPP)) => {
                Err(Error::Unsupported {
                    what: "BPF_MAP_LOOKUP_AND_DELETE_ELEM",
                    object: format!("{} map {:?}", self.map.map_type(), self.map.name()),
                    errno: e,
                })
            }
            Err(e) => Err(self.map.op_error(Cmd::MapLookupAndDeleteElem, e)),
        }
    }

    /// The keys, in the kernel's order (`BPF_MAP_GET_NEXT_KEY`).
    ///
    /// Deleting keys the walk has already yielded, e.g. removing some of
    /// them inside the loop, is safe: the walk fetches the next key before
    /// it yields the current one. When the given key is gone, the kernel
    /// answers with the first key again, so if something else (another
    /// thread, a BPF program) deletes the key the walk is about to yield,
    /// the walk restarts and may yield keys twice; a walk that has yielded
    /// more keys than the map can hold ends with an `EAGAIN` error
    /// ([`Error::MapOp`]) instead of looping. Use
    /// [`batch_lookup`](Self::batch_lookup) for a walk by bucket that never
    /// restarts.
    pub fn keys(&self) -> impl Iterator<Item = Result<K>> {
        keys(&self.map)
    }

    /// The elements, in the kernel's order. A key deleted between the walk
    /// finding it and the lookup of its value is skipped.
    pub fn iter(&self) -> impl Iterator<Item = Result<(K, V)>> {
        elements(&self.map, |key| lookup(&self.map, key))
    }

    /// A cursor over the elements, many per call (`BPF_MAP_LOOKUP_BATCH`).
    pub fn batch_lookup(&self) -> BatchLookup<'_, K, V> {
        BatchLookup::new(&self.map, false)
    }

    /// A cursor that reads and deletes the elements, many per call
    /// (`BPF_MAP_LOOKUP_AND_DELETE_BATCH`): draining a map this way loses no
    /// update made between reading and deleting an element.
    pub fn batch_lookup_and_delete(&self) -> BatchLookup<'_, K, V> {
        BatchLookup::new(&self.map, true)
    }

    /// Sets `values[i]` at `keys[i]` for every `i`, many per call
    /// (`BPF_MAP_UPDATE_BATCH`), creating or replacing: the kernel accepts no
    /// [`UpdateMode`] for batches. When the kernel stops part-way (e.g. the
    /// map is full) the error is [`Error::PartialBatch`](crate::Error::PartialBatch):
    /// the first `written` elements went in, the rest did not.
    pub fn update_batch(&self, keys: &[K], values: &[V]) -> Result<()> {
        batch::update(&self.map, keys, values)
    }

    /// Deletes every key of `keys` that is present (`BPF_MAP_DELETE_BATCH`)
    /// and returns how many were; absent keys are skipped, as with
    /// [`remove`](Self::remove). Any other failure is
    /// [`Error::PartialBatch`](crate::Error::PartialBatch), saying how many
    /// were deleted before it.
    pub fn delete_batch(&self, keys: &[K]) -> Result<usize> {
        batch::delete(&self.map, keys)
    }

    /// Every element, read with batch lookups.
    pub fn read_all(&self) -> Result<Vec<(K, V)>> {
        let (keys, values) = batch::read_all::<K, V>(&self.map)?;
        Ok(keys.into_iter().zip(values).collect())
    }

    /// The underlying map.
    pub fn map(&self) -> &MapFd {
        &self.map
    }
}

impl<K: Plain + BtfDescribe, V: Plain + BtfDescribe> HashMap<K, V> {
    /// Creates an empty hash map whose BTF describes `K` and `V`
    /// ([`MapSpec::described`], one `BPF_BTF_LOAD`): tools print its
    /// elements field by field, and a `V` holding a
    /// [`BpfSpinLock`](crate::btf::BpfSpinLock) can be read and written
    /// under it ([`get_locked`](Self::get_locked)). See
    /// [`Array::create_with_btf`](super::Array::create_with_btf) for why
    /// this is not automatic.
    pub fn create_with_btf(name: &str, max_entries: u32, flags: MapFlags) -> Result<HashMap<K, V>> {
        Self::from_map(Self::spec(name, max_entries, flags).described::<K, V>()?.create()?)
    }

    /// The value of `key` copied under its spin lock (`BPF_F_LOCK`),
    /// `None` if there is no such key. Only for a `V` with a lock
    /// ([`BtfDescribe::HAS_SPIN_LOCK`]); the lock's bytes read as zero.
    #[doc(alias = "BPF_F_LOCK")]
    pub fn get_locked(&self, key: &K) -> Result<Option<V>> {
        lock_required::<V>()?;
        let mut value = V::new_zeroed();
        if self.map.lookup_locked_bytes(key.as_bytes(), value.as_mut_bytes())? {
            Ok(Some(value))
        } else {
            Ok(None)
        }
    }

    /// Sets the value of `key` under its spin lock (`BPF_F_LOCK`), under
    /// `mode` as [`insert`](Self::insert). Only for a `V` with a lock.
    #[doc(alias = "BPF_F_LOCK")]
    pub fn insert_locked(&self, key: &K, value: &V, mode: UpdateMode) -> Result<()> {
        lock_required::<V>()?;
        self.map.update_locked_bytes(key.as_bytes(), value.as_bytes(), mode)
    }
}

impl<K, V> AsRef<MapFd> for HashMap<K, V> {
    fn as_ref(&self) -> &MapFd {
        &self.map
    }
}

/// Checks that `map` is of one of `types` (named `types_text` in the error)
/// with keys of `K` and values of `V`.
pub(crate) fn check_keyed<K, V>(
    map: &MapFd,
    types: &[MapType],
    types_text: &'static str,
) -> Result<()> {
    let have = map.def();
    if !types.contains(&have.map_type) {
        return Err(Error::MapMismatch {
            map: map.name().to_string(),
            path: None,
            field: MapField::Type,
            expected: types_text.to_string(),
            found: have.map_type.to_string(),
        });
    }
    let want =
        MapDef { key_size: size_of::<K>() as u32, value_size: size_of::<V>() as u32, ..have };
    check_def(&want, have, map.name(), None)
}

fn lookup<K: Plain, V: Plain>(map: &MapFd, key: &K) -> Result<Option<V>> {
    let mut value = V::new_zeroed();
    Ok(map.lookup_bytes(key.as_bytes(), value.as_mut_bytes())?.then_some(value))
}

/// The elements of `map`: each key of the walk with what `value_of` reads
/// for it. A key deleted between the walk finding it and the read
/// (`Ok(None)`) is skipped.
///
/// A plain loop rather than a chain of adapters: an `Error` is 112 bytes,
/// and every adapter moved a `Result` of that size per element.
pub(crate) fn elements<K: Plain, T>(
    map: &MapFd,
    mut value_of: impl FnMut(&K) -> Result<Option<T>>,
) -> impl Iterator<Item = Result<(K, T)>> {
    let mut keys = keys::<K>(map);
    std::iter::from_fn(move || {
        loop {
            let key = match keys.next()? {
                Ok(key) => key,
                Err(e) => return Some(Err(e)),
            };
            match value_of(&key) {
                Ok(Some(value)) => return Some(Ok((key, value))),
                Ok(None) => {}
                Err(e) => return Some(Err(e)),
            }
        }
    })
}

/// The keys of `map`, walking one key ahead (see [`HashMap::keys`]).
pub(crate) fn keys<K: Plain>(map: &MapFd) -> impl Iterator<Item = Result<K>> {
    KeyWalk { map, ahead: Ahead::Start, yielded: 0 }
}

/// What the walk has fetched but not yet handed out.
enum Ahead<K> {
    /// Nothing yet: the next fetch asks for the first key.
    Start,
    /// The next key to hand out.
    Key(K),
    /// An error to hand out, after which the walk ends (boxed: the walk
    /// moves this enum at every step, and an `Error` is large).
    Failed(Box<Error>),
    /// The walk is over.
    End,
}

struct KeyWalk<'m, K> {
    map: &'m MapFd,
    ahead: Ahead<K>,
    yielded: u64,
}

impl<K: Plain> KeyWalk<'_, K> {
    fn fetch(&self, after: Option<&K>) -> Ahead<K> {
        let mut next = K::new_zeroed();
        match self.map.next_key_bytes(after.map(IntoBytes::as_bytes), next.as_mut_bytes()) {
            Ok(true) => Ahead::Key(next),
            Ok(false) => Ahead::End,
            Err(e) => Ahead::Failed(Box::new(e)),
        }
    }
}

impl<K: Plain> Iterator for KeyWalk<'_, K> {
    type Item = Result<K>;

    fn next(&mut self) -> Option<Result<K>> {
        if let Ahead::Start = self.ahead {
            self.ahead = self.fetch(None);
        }
        let current = match std::mem::replace(&mut self.ahead, Ahead::End) {
            Ahead::Key(key) => key,
            Ahead::Failed(e) => return Some(Err(*e)),
            Ahead::Start | Ahead::End => return None,
        };
        // Fetch the next key while `current` is still in the map, so the
        // caller may delete `current` without restarting the walk.
        self.ahead = self.fetch(Some(&current));
        self.yielded += 1;
        if self.yielded > u64::from(self.map.def().max_entries) {
            // More keys than the map holds: the kernel restarted the walk
            // because keys it stood on were deleted under it.
            self.ahead = Ahead::End;
            return Some(Err(Error::MapOp {
                cmd: Cmd::MapGetNextKey,
                map: self.map.name().to_string(),
                errno: Errno::EAGAIN,
            }));
        }
        Some(Ok(current))
    }
}

#[cfg(test)]
mod tests {
    use std::os::fd::OwnedFd;

    use super::*;
    use crate::sys::mock::{Hook, with_hook};

    #[test]
    fn a_walk_that_keeps_restarting_ends_with_eagain() {
        let fd: OwnedFd = std::fs::File::open("/dev/null").unwrap().into();
        let def = MapDef {
            map_type: MapType::HASH,
            key_size: 4,
            value_size: 4,
            max_entries: 4,
            flags: MapFlags::empty(),
        };
        let map = MapFd::new(fd, def, crate::object::ObjectName::reported(b"churn")).unwrap();
        // Every key the walk stands on was deleted: the kernel always
        // answers with the first key again.
        let kernel: Hook = Box::new(|cmd, attr| {
            assert_eq!(cmd, Cmd::MapGetNextKey);
            // `value` is the next-key buffer for this command.
            attr.map_elem().value.write(0, &1u32.to_ne_bytes());
            Some(Ok(0))
        });
        let walked: Vec<Result<u32>> = with_hook(kernel, || keys::<u32>(&map).collect());
        assert_eq!(walked.len(), 5);
        assert!(walked[..4].iter().all(|k| matches!(k, Ok(1))));
        let err = walked[4].as_ref().unwrap_err();
        assert!(matches!(err, Error::MapOp { cmd: Cmd::MapGetNextKey, .. }), "{err}");
        assert_eq!(err.errno(), Some(Errno::EAGAIN));
    }
}
