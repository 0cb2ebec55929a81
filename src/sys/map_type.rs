//! Map types (`enum bpf_map_type`), with the kernel's numbers and names.

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
                // A search through `name` rather than a `match` on strings,
                // which compiles to kilobytes of comparisons, or a table of
                // names, which a static binary pays for twice (the pointers
                // and their relocations).
                const VALUES: &[u32] = &[$($n,)*];
                VALUES.iter().map(|&n| MapType(n)).find(|value| value.name() == Some(name))
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
