//! `Array<V>`: `BPF_MAP_TYPE_ARRAY`, indexed by `u32`, every element present.

use std::marker::PhantomData;

use zerocopy::IntoBytes;

use super::Plain;
use super::fd::MapFd;
use super::spec::{MapDef, MapSpec, check_def};
use super::types::{MapFlags, MapType, UpdateMode};
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
            Err(self.out_of_range(index))
        }
    }

    /// Sets the value at `index`.
    pub fn set(&self, index: u32, value: &V) -> Result<()> {
        self.update(index, value, UpdateMode::Any)
    }

    /// Sets the value at `index` under `mode` (`NoExist` always fails on an
    /// array: every element exists).
    pub fn update(&self, index: u32, value: &V, mode: UpdateMode) -> Result<()> {
        if index >= self.map.def().max_entries {
            return Err(self.out_of_range(index));
        }
        self.map.update_bytes(index.as_bytes(), value.as_bytes(), mode)
    }

    /// The number of elements.
    pub fn len(&self) -> u32 {
        self.map.def().max_entries
    }

    /// Whether the array has no elements (never, for a created array).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The underlying map.
    pub fn map(&self) -> &MapFd {
        &self.map
    }

    fn out_of_range(&self, index: u32) -> Error {
        Error::InvalidArgument {
            what: "array index",
            why: format!(
                "{index} is out of range for {:?} of {} elements",
                self.map.name(),
                self.len()
            ),
        }
    }
}

impl<V> AsRef<MapFd> for Array<V> {
    fn as_ref(&self) -> &MapFd {
        &self.map
    }
}
