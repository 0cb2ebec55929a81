//! `Array<V>`: `BPF_MAP_TYPE_ARRAY`, indexed by `u32`, every element present;
//! batch reads and writes, and a memory view when created `MMAPABLE`.

use std::marker::PhantomData;

use zerocopy::IntoBytes;

use super::Plain;
use super::batch::{self, BatchLookup};
use super::def::MapDef;
use super::fd::MapFd;
use super::mmap::ArrayView;
use super::spec::{MapSpec, check_def};
use super::{MapFlags, MapType, UpdateMode};
use crate::btf::BtfDescribe;
use crate::error::{Error, Result};

/// An array map of `V`, indexed `0..max_entries`.
#[doc(alias = "BPF_MAP_TYPE_ARRAY")]
#[derive(Clone, Debug)]
pub struct Array<V> {
    map: MapFd,
    _value: PhantomData<V>,
}

impl<V: Plain> Array<V> {
    /// The spec of an array of `max_entries` values of `V`.
    pub fn spec(name: &str, max_entries: u32, flags: MapFlags) -> MapSpec {
        MapSpec::new(MapType::ARRAY, 4, size_of::<V>() as u32, max_entries).name(name).flags(flags)
    }

    /// Creates an array of `max_entries` zeroed values.
    pub fn create(name: &str, max_entries: u32, flags: MapFlags) -> Result<Array<V>> {
        Ok(Array { map: Self::spec(name, max_entries, flags).create()?, _value: PhantomData })
    }

    /// Wraps an open map, checking that it is an array of `V`.
    pub fn from_map(map: MapFd) -> Result<Array<V>> {
        let have = map.def();
        let want = MapDef {
            map_type: MapType::ARRAY,
            key_size: 4,
            value_size: size_of::<V>() as u32,
            ..have
        };
        check_def(&want, have, map.name(), None)?;
        Ok(Array { map, _value: PhantomData })
    }

    /// The value at `index`.
    pub fn get(&self, index: u32) -> Result<V> {
        let mut value = V::new_zeroed();
        if self.map.lookup_bytes(index.as_bytes(), value.as_mut_bytes())? {
            Ok(value)
        } else {
            Err(self.map.index_out_of_range(index))
        }
    }

    /// Sets the value at `index`.
    pub fn set(&self, index: u32, value: &V) -> Result<()> {
        self.update(index, value, UpdateMode::Any)
    }

    /// Sets the value at `index` under `mode` (`NoExist` always fails on an
    /// array: every element exists).
    pub fn update(&self, index: u32, value: &V, mode: UpdateMode) -> Result<()> {
        self.map.check_indices(&[index])?;
        self.map.update_bytes(index.as_bytes(), value.as_bytes(), mode)
    }

    /// The number of elements.
    pub fn len(&self) -> u32 {
        self.map.def().max_entries
    }

    /// Maps the array into memory, for reads and writes without system
    /// calls. The array must have been created with [`MapFlags::MMAPABLE`];
    /// the view is read-only when the map is (see [`ArrayView`]).
    #[doc(alias = "BPF_F_MMAPABLE")]
    pub fn mmap(&self) -> Result<ArrayView<V>> {
        ArrayView::new(&self.map)
    }

    /// A cursor over the elements, many per call (`BPF_MAP_LOOKUP_BATCH`);
    /// the keys it fills are the indices.
    pub fn batch_lookup(&self) -> BatchLookup<'_, u32, V> {
        BatchLookup::new(&self.map, false)
    }

    /// Sets `values[i]` at `indices[i]` for every `i`, many per call
    /// (`BPF_MAP_UPDATE_BATCH`). A write that stops part-way is
    /// [`Error::PartialBatch`](crate::Error::PartialBatch), saying how many
    /// went in (the first ones).
    pub fn update_batch(&self, indices: &[u32], values: &[V]) -> Result<()> {
        self.map.check_indices(indices)?;
        batch::update(&self.map, indices, values)
    }

    /// Every element, in index order, read with batch lookups.
    pub fn read_all(&self) -> Result<Vec<V>> {
        Ok(batch::read_all::<u32, V>(&self.map)?.1)
    }

    /// Whether the array has no elements (never, for a created array).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The underlying map.
    pub fn map(&self) -> &MapFd {
        &self.map
    }
}

impl<V: Plain + BtfDescribe> Array<V> {
    /// [`spec`](Self::spec) with BTF for the key (`u32`) and `V`
    /// ([`MapSpec::described`]): builds and loads it, one `BPF_BTF_LOAD`.
    pub fn spec_with_btf(name: &str, max_entries: u32, flags: MapFlags) -> Result<MapSpec> {
        Self::spec(name, max_entries, flags).described::<u32, V>()
    }

    /// Creates an array whose BTF describes `V`: tools print its elements
    /// field by field, and a `V` that holds a
    /// [`BpfSpinLock`](crate::btf::BpfSpinLock) can be taken by programs
    /// and read and written under it ([`get_locked`](Self::get_locked)).
    ///
    /// Not automatic in [`create`](Self::create): that would need the
    /// compiler to pick by whether `V` describes itself, which stable Rust
    /// cannot, and BTF costs a `BPF_BTF_LOAD` and kernel memory that a
    /// plain counter does not need.
    pub fn create_with_btf(name: &str, max_entries: u32, flags: MapFlags) -> Result<Array<V>> {
        let map = Self::spec_with_btf(name, max_entries, flags)?.create()?;
        Ok(Array { map, _value: PhantomData })
    }

    /// The value at `index`, copied under its spin lock (`BPF_F_LOCK`): a
    /// snapshot no program holding the lock was half-way through
    /// changing. Only for a `V` with a lock ([`BtfDescribe::HAS_SPIN_LOCK`]);
    /// the lock's own bytes read as zero.
    #[doc(alias = "BPF_F_LOCK")]
    pub fn get_locked(&self, index: u32) -> Result<V> {
        lock_required::<V>()?;
        let mut value = V::new_zeroed();
        if self.map.lookup_locked_bytes(index.as_bytes(), value.as_mut_bytes())? {
            Ok(value)
        } else {
            Err(self.map.index_out_of_range(index))
        }
    }

    /// Sets the value at `index` under its spin lock (`BPF_F_LOCK`); the
    /// lock itself is left as it is. Only for a `V` with a lock.
    #[doc(alias = "BPF_F_LOCK")]
    pub fn set_locked(&self, index: u32, value: &V) -> Result<()> {
        lock_required::<V>()?;
        self.map.check_indices(&[index])?;
        self.map.update_locked_bytes(index.as_bytes(), value.as_bytes(), UpdateMode::Any)
    }
}

/// Fails unless `V` holds a spin lock: `BPF_F_LOCK` is for such values only.
pub(crate) fn lock_required<V: BtfDescribe>() -> Result<()> {
    if V::HAS_SPIN_LOCK {
        Ok(())
    } else {
        Err(Error::InvalidArgument {
            what: "BPF_F_LOCK",
            why: format!(
                "{} holds no BpfSpinLock: locked reads and writes are for values declared with \
                 btf_struct! with a BpfSpinLock field",
                std::any::type_name::<V>()
            ),
        })
    }
}

impl<V> AsRef<MapFd> for Array<V> {
    fn as_ref(&self) -> &MapFd {
        &self.map
    }
}

/// [`ld_field`](crate::asm::ProgramBuilder::ld_field) reaches a field of
/// element 0.
impl<V: 'static> crate::asm::ValueMap for Array<V> {
    type Value = V;
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::os::fd::{IntoRawFd, OwnedFd};
    use std::rc::Rc;

    use super::*;
    use crate::btf::BpfSpinLock;
    use crate::sys::Cmd;
    use crate::sys::mock::with_hook;
    use crate::{Errno, Error};

    fn dev_null() -> OwnedFd {
        std::fs::File::open("/dev/null").unwrap().into()
    }

    /// An array of bare locks over a file that is not a map: the hook
    /// stands in for the kernel.
    fn locks() -> Array<BpfSpinLock> {
        let def = MapDef {
            map_type: MapType::ARRAY,
            key_size: 4,
            value_size: 4,
            max_entries: 2,
            flags: MapFlags::empty(),
        };
        Array::from_map(
            MapFd::new(dev_null(), def, crate::object::ObjectName::reported(b"locks")).unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn locked_calls_pass_bpf_f_lock_and_explain_einval() {
        let flags = Rc::new(RefCell::new(Vec::new()));
        let seen = flags.clone();
        let hook = Box::new(move |cmd: Cmd, attr: crate::sys::mock::AttrMut<'_, '_>| {
            seen.borrow_mut().push((cmd, attr.map_elem().flags));
            Some(if cmd == Cmd::MapLookupElem { Err(Errno::EINVAL) } else { Ok(0) })
        });
        let map = locks();
        let (set, get) =
            with_hook(hook, || (map.set_locked(1, &BpfSpinLock::default()), map.get_locked(1)));
        set.unwrap();
        let Err(Error::InvalidArgument { what: "BPF_F_LOCK", why }) = get else {
            panic!("{get:?}")
        };
        assert!(why.contains("create_with_btf"), "{why}");
        assert_eq!(*flags.borrow(), [(Cmd::MapUpdateElem, 4), (Cmd::MapLookupElem, 4)]);
    }

    #[test]
    fn a_value_without_a_lock_is_refused_before_any_system_call() {
        let def = MapDef {
            map_type: MapType::ARRAY,
            key_size: 4,
            value_size: 8,
            max_entries: 1,
            flags: MapFlags::empty(),
        };
        let map = Array::<u64>::from_map(
            MapFd::new(dev_null(), def, crate::object::ObjectName::reported(b"n")).unwrap(),
        )
        .unwrap();
        let hook = Box::new(|cmd: Cmd, _: crate::sys::mock::AttrMut<'_, '_>| -> Option<_> {
            panic!("no system call expected, got {cmd:?}")
        });
        let err = with_hook(hook, || map.get_locked(0)).unwrap_err();
        assert!(err.to_string().contains("holds no BpfSpinLock"), "{err}");
    }

    #[test]
    fn creation_with_btf_is_one_btf_load_and_the_types_ids() {
        let cmds = Rc::new(RefCell::new(Vec::new()));
        let seen = cmds.clone();
        let hook = Box::new(move |cmd: Cmd, attr: crate::sys::mock::AttrMut<'_, '_>| {
            match cmd {
                Cmd::BtfLoad => seen.borrow_mut().push((cmd, 0, 0, 0)),
                Cmd::MapCreate => {
                    let a = attr.map_create();
                    let has_fd = u32::from(a.btf_fd != 0);
                    seen.borrow_mut().push((cmd, has_fd, a.btf_key_type_id, a.btf_value_type_id));
                }
                _ => return None,
            }
            Some(Ok(dev_null().into_raw_fd().into()))
        });
        with_hook(hook, || {
            Array::<BpfSpinLock>::create_with_btf("with", 1, MapFlags::empty()).unwrap();
            Array::<BpfSpinLock>::create("without", 1, MapFlags::empty()).unwrap();
        });
        // u32 is [1] INT, [2] TYPEDEF __u32; the lock [3] STRUCT bpf_spin_lock.
        assert_eq!(
            *cmds.borrow(),
            [(Cmd::BtfLoad, 0, 0, 0), (Cmd::MapCreate, 1, 2, 3), (Cmd::MapCreate, 0, 0, 0)]
        );
    }
}
