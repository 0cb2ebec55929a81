//! Map types, creation flags and update modes, with the kernel's numbers.

use std::fmt;

/// A map type (`enum bpf_map_type`); unknown kernel values are kept.
///
/// ```
/// use bpfkit::maps::MapType;
/// assert_eq!(MapType::HASH.to_string(), "hash");
/// assert_eq!(MapType::from_name("percpu_array"), Some(MapType::PERCPU_ARRAY));
/// assert_eq!(MapType(99).to_string(), "type 99");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MapType(pub u32);

macro_rules! map_types {
    ($($name:ident = $n:literal, $text:literal;)*) => {
        impl MapType {
            $(
                #[doc = concat!("`BPF_MAP_TYPE_", stringify!($name), "`.")]
                pub const $name: MapType = MapType($n);
            )*

            /// The lower-case name bpftool uses (`"hash"`, `"percpu_array"`), if known.
            pub fn name(self) -> Option<&'static str> {
                match self.0 { $($n => Some($text),)* _ => None }
            }

            /// The type named `name` (bpftool's lower-case spelling).
            pub fn from_name(name: &str) -> Option<MapType> {
                match name { $($text => Some(MapType::$name),)* _ => None }
            }
        }
    };
}

map_types! {
    UNSPEC = 0, "unspec";
    HASH = 1, "hash";
    ARRAY = 2, "array";
    PROG_ARRAY = 3, "prog_array";
    PERF_EVENT_ARRAY = 4, "perf_event_array";
    PERCPU_HASH = 5, "percpu_hash";
    PERCPU_ARRAY = 6, "percpu_array";
    STACK_TRACE = 7, "stack_trace";
    CGROUP_ARRAY = 8, "cgroup_array";
    LRU_HASH = 9, "lru_hash";
    LRU_PERCPU_HASH = 10, "lru_percpu_hash";
    LPM_TRIE = 11, "lpm_trie";
    ARRAY_OF_MAPS = 12, "array_of_maps";
    HASH_OF_MAPS = 13, "hash_of_maps";
    DEVMAP = 14, "devmap";
    SOCKMAP = 15, "sockmap";
    CPUMAP = 16, "cpumap";
    XSKMAP = 17, "xskmap";
    SOCKHASH = 18, "sockhash";
    CGROUP_STORAGE = 19, "cgroup_storage";
    REUSEPORT_SOCKARRAY = 20, "reuseport_sockarray";
    PERCPU_CGROUP_STORAGE = 21, "percpu_cgroup_storage";
    QUEUE = 22, "queue";
    STACK = 23, "stack";
    SK_STORAGE = 24, "sk_storage";
    DEVMAP_HASH = 25, "devmap_hash";
    STRUCT_OPS = 26, "struct_ops";
    RINGBUF = 27, "ringbuf";
    INODE_STORAGE = 28, "inode_storage";
    TASK_STORAGE = 29, "task_storage";
    BLOOM_FILTER = 30, "bloom_filter";
    USER_RINGBUF = 31, "user_ringbuf";
    CGRP_STORAGE = 32, "cgrp_storage";
    ARENA = 33, "arena";
}

impl MapType {
    /// Whether values are stored once per possible CPU.
    pub fn is_per_cpu(self) -> bool {
        matches!(
            self,
            MapType::PERCPU_HASH
                | MapType::PERCPU_ARRAY
                | MapType::LRU_PERCPU_HASH
                | MapType::PERCPU_CGROUP_STORAGE
        )
    }
}

impl fmt::Display for MapType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "type {}", self.0),
        }
    }
}

impl fmt::Debug for MapType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "MapType({name})"),
            None => write!(f, "MapType({})", self.0),
        }
    }
}

bitflags::bitflags! {
    /// Map creation flags (`BPF_F_*` for `BPF_MAP_CREATE`). Bits this crate
    /// does not name are kept, so flags read from the kernel round-trip.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct MapFlags: u32 {
        /// `BPF_F_NO_PREALLOC`: allocate hash elements on demand.
        const NO_PREALLOC = 1 << 0;
        /// `BPF_F_NO_COMMON_LRU`: one LRU list per CPU.
        const NO_COMMON_LRU = 1 << 1;
        /// `BPF_F_NUMA_NODE`: place the map on the given NUMA node.
        const NUMA_NODE = 1 << 2;
        /// `BPF_F_RDONLY`: user space may only read.
        const RDONLY = 1 << 3;
        /// `BPF_F_WRONLY`: user space may only write.
        const WRONLY = 1 << 4;
        /// `BPF_F_STACK_BUILD_ID`: stack traces store build ids.
        const STACK_BUILD_ID = 1 << 5;
        /// `BPF_F_ZERO_SEED`: a zero hash seed (for tests).
        const ZERO_SEED = 1 << 6;
        /// `BPF_F_RDONLY_PROG`: programs may only read.
        const RDONLY_PROG = 1 << 7;
        /// `BPF_F_WRONLY_PROG`: programs may only write.
        const WRONLY_PROG = 1 << 8;
        /// `BPF_F_CLONE`: clone local storage with the socket.
        const CLONE = 1 << 9;
        /// `BPF_F_MMAPABLE`: the array can be mapped into user memory.
        const MMAPABLE = 1 << 10;
        /// `BPF_F_PRESERVE_ELEMS`: keep perf event array elements on close.
        const PRESERVE_ELEMS = 1 << 11;
        /// `BPF_F_INNER_MAP`: inner map of a map-in-map with varying max_entries.
        const INNER_MAP = 1 << 12;
        /// `BPF_F_LINK`: a struct_ops map that attaches through a link.
        const LINK = 1 << 13;
        /// `BPF_F_PATH_FD`: pin/get relative to a directory fd.
        const PATH_FD = 1 << 14;
        /// `BPF_F_VTYPE_BTF_OBJ_FD`: value type BTF from a module.
        const VTYPE_BTF_OBJ_FD = 1 << 15;
        /// `BPF_F_TOKEN_FD`: created through a BPF token.
        const TOKEN_FD = 1 << 16;
        /// `BPF_F_SEGV_ON_FAULT`: arena faults raise SIGSEGV.
        const SEGV_ON_FAULT = 1 << 17;
        /// `BPF_F_NO_USER_CONV`: arena pointers are not converted.
        const NO_USER_CONV = 1 << 18;
        const _ = !0;
    }
}

/// How an update treats an existing element (`BPF_ANY`, `BPF_NOEXIST`, `BPF_EXIST`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum UpdateMode {
    /// Create or replace (`BPF_ANY`).
    #[default]
    Any,
    /// Create only; `EEXIST` if the key is present (`BPF_NOEXIST`).
    NoExist,
    /// Replace only; `ENOENT` if the key is absent (`BPF_EXIST`).
    Exist,
}

impl UpdateMode {
    pub(crate) fn flags(self) -> u64 {
        match self {
            UpdateMode::Any => 0,
            UpdateMode::NoExist => 1,
            UpdateMode::Exist => 2,
        }
    }
}
