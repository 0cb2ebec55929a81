//! Map types, creation flags and update modes, with the kernel's numbers.

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
