//! `MapSpec`: what a map should be, to create it or to check an existing one.

use std::path::Path;

use super::def::MapDef;
use super::fd::MapFd;
use super::{MapFlags, MapType};
use crate::btf::{BtfBuilder, BtfDescribe, BtfObject, TypeId};
use crate::error::{Error, MapField, Result};
use crate::object::ObjectName;
use crate::sys;

/// A map to create, or to expect when opening a pinned one.
///
/// ```no_run
/// use bpfkit::maps::{MapSpec, MapType};
/// let map = MapSpec::new(MapType::HASH, 4, 8, 1024).name("flows").create()?;
/// assert_eq!(map.def().max_entries, 1024);
/// # Ok::<(), bpfkit::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct MapSpec {
    pub(crate) def: MapDef,
    pub(crate) name: String,
    numa_node: Option<u32>,
    map_extra: u64,
    inner_map: Option<MapFd>,
    btf: Option<(BtfObject, TypeId, TypeId)>,
}

impl MapSpec {
    /// A map of `map_type` with the given key and value sizes and capacity.
    pub fn new(map_type: MapType, key_size: u32, value_size: u32, max_entries: u32) -> MapSpec {
        MapSpec {
            def: MapDef { map_type, key_size, value_size, max_entries, flags: MapFlags::empty() },
            name: String::new(),
            numa_node: None,
            map_extra: 0,
            inner_map: None,
            btf: None,
        }
    }

    /// The map's name: up to 15 ASCII letters, digits, `_` or `.` (checked at creation).
    pub fn name(mut self, name: &str) -> MapSpec {
        self.name = name.to_string();
        self
    }

    /// Creation flags.
    pub fn flags(mut self, flags: MapFlags) -> MapSpec {
        self.def.flags = flags;
        self
    }

    /// Allocate on NUMA node `node` (sets [`MapFlags::NUMA_NODE`]).
    pub fn numa_node(mut self, node: u32) -> MapSpec {
        self.numa_node = Some(node);
        self.def.flags |= MapFlags::NUMA_NODE;
        self
    }

    /// The type-specific `map_extra` (e.g. the number of hash functions of a bloom filter).
    pub fn map_extra(mut self, extra: u64) -> MapSpec {
        self.map_extra = extra;
        self
    }

    /// The template inner map of an array or hash of maps.
    pub fn inner_map(mut self, inner: &MapFd) -> MapSpec {
        self.inner_map = Some(inner.clone());
        self
    }

    /// Describes the key and the value by their types in `btf` (the
    /// `btf_fd`, `btf_key_type_id` and `btf_value_type_id` of
    /// `BPF_MAP_CREATE`): the kernel checks that their sizes are the key's
    /// and the value's, and tools show the map's elements by their types.
    pub fn btf(mut self, btf: &BtfObject, key: TypeId, value: TypeId) -> MapSpec {
        self.btf = Some((btf.clone(), key, value));
        self
    }

    /// Describes the key and the value by their Rust types: builds their
    /// BTF with a [`BtfBuilder`], loads it (one `BPF_BTF_LOAD`, here, not at
    /// [`create`](Self::create)) and sets it as [`btf`](Self::btf) does.
    ///
    /// A map with BTF is what `bpftool map dump` (and `bpfkit map dump`)
    /// prints field by field, and the only kind of map whose value may
    /// hold a [`BpfSpinLock`](crate::btf::BpfSpinLock). An array's key is
    /// its `u32` index: describe it as `u32`.
    ///
    /// ```no_run
    /// use bpfkit::maps::{MapSpec, MapType};
    /// let spec = MapSpec::new(MapType::HASH, 4, 8, 64).name("described").described::<u32, u64>()?;
    /// let map = spec.create()?;
    /// assert_ne!(map.info()?.btf_id, 0);
    /// # Ok::<(), bpfkit::Error>(())
    /// ```
    pub fn described<K: BtfDescribe, V: BtfDescribe>(self) -> Result<MapSpec> {
        let mut b = BtfBuilder::new();
        let key = b.describe::<K>()?;
        let value = b.describe::<V>()?;
        let btf = BtfObject::load(&b.into_btf().encode()?)?;
        Ok(self.btf(&btf, key, value))
    }

    /// Whether the spec carries BTF for its key and value.
    pub fn has_btf(&self) -> bool {
        self.btf.is_some()
    }

    /// The shape this spec asks for.
    pub fn def(&self) -> MapDef {
        self.def
    }

    /// Creates the map (`BPF_MAP_CREATE`).
    pub fn create(&self) -> Result<MapFd> {
        let name = ObjectName::new(&self.name, "map name")?;
        let args = sys::map::CreateArgs {
            map_type: self.def.map_type.0,
            key_size: self.def.key_size,
            value_size: self.def.value_size,
            max_entries: self.def.max_entries,
            flags: self.def.flags.bits(),
            name: name.field(),
            numa_node: self.numa_node.unwrap_or(0),
            map_extra: self.map_extra,
            inner_map: self.inner_map.as_ref().map(MapFd::fd),
            btf: self.btf.as_ref().map(|(btf, key, value)| (btf.fd(), key.0, value.0)),
            vmlinux_value_type_id: 0,
        };
        let fd = sys::map::create(&args).map_err(|errno| {
            let err = Error::MapCreate {
                name: self.name.clone(),
                map_type: self.def.map_type,
                key_size: self.def.key_size,
                value_size: self.def.value_size,
                max_entries: self.def.max_entries,
                errno,
            };
            // A map type the kernel lacks is EINVAL too: say which it is.
            crate::probe::explain_einval(err, &[crate::probe::Feature::MapType(self.def.map_type)])
        })?;
        MapFd::new(fd, self.def, name)
    }

    /// Checks that `map` has this spec's type, key size, value size, capacity
    /// and flags; the error names the first property that differs, both sides.
    pub fn check(&self, map: &MapFd) -> Result<()> {
        check_def(&self.def, map.def(), map.name(), None)
    }

    /// Opens the map pinned at `path` and checks it against this spec.
    pub fn open_pinned(&self, path: impl AsRef<Path>) -> Result<MapFd> {
        let path = path.as_ref();
        let map = MapFd::open_pinned(path)?;
        check_def(&self.def, map.def(), map.name(), Some(path))?;
        Ok(map)
    }

    /// Opens the map pinned at `path` if there is one (checking it against
    /// this spec), or creates it and pins it there.
    pub fn open_or_create_pinned(&self, path: impl AsRef<Path>) -> Result<MapFd> {
        let path = path.as_ref();
        match self.open_pinned(path) {
            Err(Error::Pin { errno, .. }) if errno == crate::Errno::ENOENT => {
                let map = self.create()?;
                map.pin(path)?;
                Ok(map)
            }
            other => other,
        }
    }
}

pub(crate) fn check_def(
    want: &MapDef,
    have: MapDef,
    name: &str,
    path: Option<&Path>,
) -> Result<()> {
    let mismatch = |field: MapField, expected: String, found: String| Error::MapMismatch {
        map: name.to_string(),
        path: path.map(Path::to_path_buf),
        field,
        expected,
        found,
    };
    if want.map_type != have.map_type {
        return Err(mismatch(MapField::Type, want.map_type.to_string(), have.map_type.to_string()));
    }
    if want.key_size != have.key_size {
        return Err(mismatch(
            MapField::KeySize,
            format!("{} B", want.key_size),
            format!("{} B", have.key_size),
        ));
    }
    if want.value_size != have.value_size {
        return Err(mismatch(
            MapField::ValueSize,
            format!("{} B", want.value_size),
            format!("{} B", have.value_size),
        ));
    }
    if want.max_entries != have.max_entries {
        return Err(mismatch(
            MapField::MaxEntries,
            want.max_entries.to_string(),
            have.max_entries.to_string(),
        ));
    }
    // The kernel may report flags it set itself; compare the ones asked for.
    if !have.flags.contains(want.flags) {
        return Err(mismatch(
            MapField::Flags,
            format!("{:?}", want.flags),
            format!("{:?}", have.flags),
        ));
    }
    Ok(())
}
