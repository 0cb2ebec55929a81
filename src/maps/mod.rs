//! Maps: create, open, pin, and typed access to their elements.
//!
//! [`MapSpec`] describes a map and creates it; [`MapFd`] is any open map,
//! with byte-level access. The typed wrappers check the map's type and sizes
//! once, when they are made, and then move keys and values as Rust values
//! through [`zerocopy`]: any `K` and `V` that are plain bytes
//! (`FromBytes + IntoBytes + Immutable + KnownLayout`) will do.
//!
//! | Type | Kernel map type | Value per key |
//! |------|-----------------|---------------|
//! | [`Array<V>`] | `ARRAY` (`u32` index) | `V`; [`Array::mmap`] when `MMAPABLE`; [`Array::get_locked`] under a spin lock |
//! | [`HashMap<K, V>`] | `HASH`, `LRU_HASH` | `V` |
//! | [`PerCpuArray<V>`] | `PERCPU_ARRAY` (`u32` index) | `Vec<V>`, one per possible CPU |
//! | [`PerCpuHashMap<K, V>`] | `PERCPU_HASH`, `LRU_PERCPU_HASH` | `Vec<V>`, one per possible CPU |
//!
//! Each reads and writes one element per system call, or many with
//! [`BatchLookup`] and `update_batch`; a [`MapSpec`] pins and reopens them,
//! refusing a pinned map of another shape.
//!
//! ```no_run
//! use bpfkit::maps::{Array, MapFlags};
//!
//! let counts = Array::<u64>::create("counts", 4, MapFlags::empty())?;
//! counts.set(2, &40)?;
//! assert_eq!(counts.get(2)?, 40);
//! # Ok::<(), bpfkit::Error>(())
//! ```

//! # Values with BTF, and spin locks
//!
//! A key or value type that describes itself ([`BtfDescribe`](crate::btf::BtfDescribe):
//! the integers, arrays, and structs declared with
//! [`btf_struct!`](crate::btf_struct)) can give the map its BTF at
//! creation: [`Array::create_with_btf`], [`HashMap::create_with_btf`], the
//! per-CPU ones', or [`MapSpec::described`] for any spec. It is asked for, not automatic: it
//! costs a `BPF_BTF_LOAD`, and a plain counter has no use for it. With
//! it, `bpftool map dump` and `bpfkit map dump` print the elements field by
//! field, and a value may hold a [`BpfSpinLock`](crate::btf::BpfSpinLock),
//! which programs take with `spin_lock`/`spin_unlock` and user space reads
//! and writes under with `BPF_F_LOCK` ([`Array::get_locked`],
//! [`Array::set_locked`], [`HashMap::get_locked`],
//! [`HashMap::insert_locked`]), allowed only for values whose type holds a
//! lock
//! ([`BtfDescribe::HAS_SPIN_LOCK`](crate::btf::BtfDescribe::HAS_SPIN_LOCK)).
//! `examples/spin_lock.rs` runs it all.
//!
//! ```no_run
//! use bpfkit::btf::BpfSpinLock;
//! use bpfkit::btf_struct;
//! use bpfkit::maps::{Array, MapFlags};
//! use bpfkit::zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};
//!
//! btf_struct! {
//!     /// Two counters a lock keeps equal.
//!     #[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
//!     pub struct Pair {
//!         pub lock: BpfSpinLock,
//!         pub pad: u32,
//!         pub a: u64,
//!         pub b: u64,
//!     }
//! }
//!
//! let pairs = Array::<Pair>::create_with_btf("pairs", 1, MapFlags::empty())?;
//! pairs.set_locked(0, &Pair { a: 1, b: 1, ..Pair::default() })?;
//! let pair = pairs.get_locked(0)?; // a copy taken under the lock
//! assert_eq!(pair.a, pair.b);
//! assert_ne!(pairs.map().info()?.btf_id, 0);
//! # Ok::<(), bpfkit::Error>(())
//! ```

mod array;
mod batch;
mod cpus;
mod def;
mod fd;
mod global;
mod handle;
mod hash;
mod layout;
mod mmap;
mod per_cpu;
mod perf_buffer;
mod ringbuf;
mod spec;
mod types;
mod user_ringbuf;

pub use crate::error::MapField;
pub use crate::sys::MapType;
pub use array::Array;
pub use batch::BatchLookup;
pub use cpus::possible_cpus;
pub use def::MapDef;
pub use fd::{MapFd, MapInfo, map_ids};
pub use global::{Global, ReadOnlyGlobal};
pub use hash::HashMap;
pub use mmap::ArrayView;
pub use per_cpu::{PerCpuArray, PerCpuHashMap};
pub use perf_buffer::{PerfBuffer, PerfEvent, PerfEventArray};
pub use ringbuf::{EventPoller, RingBuf, RingBufReader};
pub use spec::MapSpec;
pub use types::{MapFlags, UpdateMode};
pub use user_ringbuf::{UserRecord, UserRingBuf, UserRingBufWriter};

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// A type that can be a map key or value: plain bytes, no padding, no pointers.
///
/// Implemented for every type that has zerocopy's four traits; derive them
/// (`#[derive(FromBytes, IntoBytes, Immutable, KnownLayout)]` with
/// `#[repr(C)]`) on your own structs.
pub trait Plain: FromBytes + IntoBytes + Immutable + KnownLayout + Copy {}

impl<T: FromBytes + IntoBytes + Immutable + KnownLayout + Copy> Plain for T {}
