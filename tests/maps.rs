//! Maps in the kernel: every typed map round-trips data, batches and mmap
//! agree with single-element operations, pinned maps are checked on open.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::Ordering;

use bpfkit::maps::{
    Array, HashMap, MapFd, MapField, MapFlags, MapSpec, MapType, PerCpuArray, PerCpuHashMap,
    UpdateMode, map_ids, possible_cpus,
};
use bpfkit::zerocopy::{FromBytes, FromZeros, Immutable, IntoBytes, KnownLayout};
use bpfkit::{Cmd, Errno, Error};

/// A key a program would build from a packet. The derives go through
/// bpfkit's re-export; `crate = ...` lets them work in a crate that does not
/// depend on zerocopy itself.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[zerocopy(crate = "bpfkit::zerocopy")]
#[repr(C)]
struct FlowKey {
    addr: [u8; 4],
    port: u16,
    proto: u8,
    _pad: u8,
}

/// A value whose size is a multiple of 8: per-CPU copies need no padding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[zerocopy(crate = "bpfkit::zerocopy")]
#[repr(C)]
struct Stats {
    packets: u64,
    bytes: u64,
    last_len: u16,
    flags: u8,
    _pad: [u8; 5],
}

/// A 12-byte value: the kernel pads each per-CPU copy to 16 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[zerocopy(crate = "bpfkit::zerocopy")]
#[repr(C)]
struct Triple {
    a: u32,
    b: u32,
    c: u32,
}

fn key(i: u32) -> FlowKey {
    FlowKey { addr: [10, 0, (i >> 8) as u8, i as u8], port: 1000 + i as u16, proto: 6, _pad: 0 }
}

fn stats(i: u32) -> Stats {
    Stats {
        packets: u64::from(i),
        bytes: u64::from(i) * 1500,
        last_len: i as u16,
        flags: (i % 7) as u8,
        _pad: [0; 5],
    }
}

fn triple(i: u32, cpu: usize) -> Triple {
    Triple { a: i, b: cpu as u32, c: i ^ 0xdead_beef }
}

fn cpus() -> usize {
    possible_cpus().unwrap()
}

fn errno(result: Result<impl std::fmt::Debug, Error>) -> Errno {
    result.unwrap_err().errno().expect("an error from the kernel")
}

// ---- round trips -------------------------------------------------------

#[test]
fn array_round_trips_numbers_and_structs() {
    require_kernel!();
    let numbers = Array::<u64>::create(&common::unique("arr"), 8, MapFlags::empty()).unwrap();
    for i in 0..8 {
        numbers.set(i, &(u64::from(i) * 11)).unwrap();
    }
    for i in 0..8 {
        assert_eq!(numbers.get(i).unwrap(), u64::from(i) * 11);
    }
    assert!(matches!(numbers.get(8), Err(Error::InvalidArgument { .. })));
    assert!(matches!(numbers.set(8, &1), Err(Error::InvalidArgument { .. })));

    let structs = Array::<Stats>::create(&common::unique("arrs"), 4, MapFlags::empty()).unwrap();
    assert_eq!(structs.get(3).unwrap(), Stats::new_zeroed(), "arrays start zeroed");
    for i in 0..4 {
        structs.set(i, &stats(i + 1)).unwrap();
    }
    for i in 0..4 {
        assert_eq!(structs.get(i).unwrap(), stats(i + 1));
    }
}

fn hash_round_trip(map: &HashMap<FlowKey, Stats>) {
    for i in 0..50 {
        map.insert(&key(i), &stats(i), UpdateMode::Any).unwrap();
    }
    for i in 0..50 {
        assert_eq!(map.get(&key(i)).unwrap(), Some(stats(i)));
    }
    assert_eq!(map.get(&key(50)).unwrap(), None);
    let all: BTreeMap<FlowKey, Stats> = map.iter().map(Result::unwrap).collect();
    assert_eq!(all, (0..50).map(|i| (key(i), stats(i))).collect());
    assert!(map.remove(&key(7)).unwrap());
    assert_eq!(map.get(&key(7)).unwrap(), None);
    assert_eq!(map.take(&key(8)).unwrap(), Some(stats(8)));
    assert_eq!(map.take(&key(8)).unwrap(), None);
    assert_eq!(map.iter().count(), 48);
}

#[test]
fn hash_round_trips_struct_keys_and_values() {
    require_kernel!();
    let map = HashMap::create(&common::unique("hash"), 64, MapFlags::empty()).unwrap();
    assert_eq!(map.map().map_type(), MapType::HASH);
    hash_round_trip(&map);
}

#[test]
fn lru_hash_round_trips_and_evicts_instead_of_failing() {
    require_kernel!();
    let map = HashMap::create_lru(&common::unique("lru"), 64, MapFlags::empty()).unwrap();
    assert_eq!(map.map().map_type(), MapType::LRU_HASH);
    hash_round_trip(&map);

    // A full plain hash refuses a new key; an LRU hash makes room.
    let small = HashMap::<u32, u32>::create_lru(&common::unique("lru"), 8, MapFlags::empty());
    let small = small.unwrap();
    for i in 0..1000 {
        small.insert(&i, &i, UpdateMode::Any).unwrap();
    }
    assert_eq!(small.get(&999).unwrap(), Some(999));
    let full = HashMap::<u32, u32>::create(&common::unique("full"), 8, MapFlags::empty()).unwrap();
    for i in 0..8 {
        full.insert(&i, &i, UpdateMode::Any).unwrap();
    }
    assert_eq!(errno(full.insert(&8, &8, UpdateMode::Any)), Errno::E2BIG);
}

#[test]
fn per_cpu_array_round_trips_one_value_per_possible_cpu() {
    require_kernel!();
    let n = cpus();
    // u64: the kernel's copies are exactly a [u64].
    let wide = PerCpuArray::<u64>::create(&common::unique("pca"), 4, MapFlags::empty()).unwrap();
    assert_eq!(wide.get(0).unwrap(), vec![0; n]);
    for i in 0..4u32 {
        let values: Vec<u64> = (0..n).map(|cpu| u64::from(i) << 32 | cpu as u64).collect();
        wide.set(i, &values).unwrap();
    }
    for i in 0..4u32 {
        let values: Vec<u64> = (0..n).map(|cpu| u64::from(i) << 32 | cpu as u64).collect();
        assert_eq!(wide.get(i).unwrap(), values);
    }

    // u32 and a 12-byte struct: each copy padded to 8 and 16 bytes.
    let narrow = PerCpuArray::<u32>::create(&common::unique("pcn"), 3, MapFlags::empty()).unwrap();
    let values: Vec<u32> = (0..n as u32).map(|cpu| 0xa0a0_0000 | cpu).collect();
    narrow.set(2, &values).unwrap();
    assert_eq!(narrow.get(2).unwrap(), values);
    assert_eq!(narrow.get(1).unwrap(), vec![0; n]);
    let padded = PerCpuArray::<Triple>::create(&common::unique("pct"), 3, MapFlags::empty());
    let padded = padded.unwrap();
    let values: Vec<Triple> = (0..n).map(|cpu| triple(5, cpu)).collect();
    padded.set(1, &values).unwrap();
    assert_eq!(padded.get(1).unwrap(), values);
    // The kernel sees the padded layout: value bytes as one buffer.
    let mut raw = vec![0u8; padded.map().value_buffer_len()];
    assert_eq!(raw.len(), 16 * n);
    assert!(padded.map().lookup_bytes(&1u32.to_ne_bytes(), &mut raw).unwrap());
    for (cpu, chunk) in raw.chunks(16).enumerate() {
        assert_eq!(&chunk[..12], triple(5, cpu).as_bytes());
    }

    // One value per possible CPU, no more, no less.
    for wrong in [0, n - 1, n + 1] {
        let err = wide.set(0, &vec![1; wrong]).unwrap_err();
        assert!(matches!(err, Error::InvalidArgument { what: "per-CPU values", .. }), "{err}");
        assert!(err.to_string().contains(&format!("pass {n} values, got {wrong}")), "{err}");
    }
    assert!(matches!(wide.get(4), Err(Error::InvalidArgument { .. })));

    // get_into reads the same values without allocating, dense or padded.
    let mut out = vec![0u64; n];
    wide.get_into(3, &mut out).unwrap();
    assert_eq!(out, wide.get(3).unwrap());
    let mut out = vec![triple(0, 0); n];
    padded.get_into(1, &mut out).unwrap();
    assert_eq!(out, values);
    let err = wide.get_into(0, &mut vec![0; n + 1]).unwrap_err();
    assert!(err.to_string().contains(&format!("pass {n} values, got {}", n + 1)), "{err}");
    assert!(matches!(wide.get_into(4, &mut vec![0; n]), Err(Error::InvalidArgument { .. })));
}

fn per_cpu_hash_round_trip(map: &PerCpuHashMap<FlowKey, Triple>) {
    let n = cpus();
    let values = |i: u32| (0..n).map(|cpu| triple(i, cpu)).collect::<Vec<_>>();
    for i in 0..20 {
        map.insert(&key(i), &values(i), UpdateMode::Any).unwrap();
    }
    for i in 0..20 {
        let got = map.get(&key(i)).unwrap().unwrap();
        assert_eq!(got.len(), n);
        assert_eq!(got, values(i));
    }
    assert_eq!(map.get(&key(20)).unwrap(), None);
    let mut out = vec![triple(0, 0); n];
    assert!(map.get_into(&key(7), &mut out).unwrap());
    assert_eq!(out, values(7));
    assert!(!map.get_into(&key(20), &mut out).unwrap());
    assert_eq!(out, values(7), "a missing key leaves the buffer as it was");
    let all: BTreeMap<FlowKey, Vec<Triple>> = map.iter().map(Result::unwrap).collect();
    assert_eq!(all, (0..20).map(|i| (key(i), values(i))).collect());
    let err = map.insert(&key(1), &values(1)[1..], UpdateMode::Any).unwrap_err();
    assert!(matches!(err, Error::InvalidArgument { what: "per-CPU values", .. }), "{err}");
    assert!(map.remove(&key(3)).unwrap());
    assert!(!map.remove(&key(3)).unwrap());
    assert_eq!(map.keys().count(), 19);
}

#[test]
fn per_cpu_hash_round_trips() {
    require_kernel!();
    let map = PerCpuHashMap::create(&common::unique("pch"), 32, MapFlags::empty()).unwrap();
    assert_eq!(map.map().map_type(), MapType::PERCPU_HASH);
    per_cpu_hash_round_trip(&map);
}

#[test]
fn lru_per_cpu_hash_round_trips() {
    require_kernel!();
    let map = PerCpuHashMap::create_lru(&common::unique("lpch"), 32, MapFlags::empty()).unwrap();
    assert_eq!(map.map().map_type(), MapType::LRU_PERCPU_HASH);
    per_cpu_hash_round_trip(&map);

    let dense =
        PerCpuHashMap::<u32, u64>::create_lru(&common::unique("lpch"), 8, MapFlags::empty());
    let dense = dense.unwrap();
    let values: Vec<u64> = (0..cpus() as u64).map(|c| c * 1000 + 1).collect();
    dense.insert(&42, &values, UpdateMode::NoExist).unwrap();
    assert_eq!(dense.get(&42).unwrap(), Some(values));
}

// ---- update modes and iteration ----------------------------------------

#[test]
fn update_modes_and_deleting_missing_keys() {
    require_kernel!();
    let map = HashMap::<u32, u64>::create(&common::unique("mode"), 16, MapFlags::empty()).unwrap();
    map.insert(&1, &10, UpdateMode::NoExist).unwrap();
    let err = map.insert(&1, &11, UpdateMode::NoExist).unwrap_err();
    assert_eq!(err.errno(), Some(Errno::EEXIST), "{err}");
    assert!(matches!(err, Error::MapOp { .. }));
    assert_eq!(map.get(&1).unwrap(), Some(10), "a refused NoExist changes nothing");

    assert_eq!(errno(map.insert(&2, &20, UpdateMode::Exist)), Errno::ENOENT);
    assert_eq!(map.get(&2).unwrap(), None);
    map.insert(&1, &12, UpdateMode::Exist).unwrap();
    assert_eq!(map.get(&1).unwrap(), Some(12));
    map.insert(&1, &13, UpdateMode::Any).unwrap();
    map.insert(&2, &20, UpdateMode::Any).unwrap();
    assert_eq!((map.get(&1).unwrap(), map.get(&2).unwrap()), (Some(13), Some(20)));

    assert!(map.remove(&2).unwrap());
    assert!(!map.remove(&2).unwrap());
    assert!(!map.remove(&99).unwrap());

    // The same modes on a per-CPU hash and an array.
    let pc = PerCpuHashMap::<u32, u64>::create(&common::unique("mode"), 4, MapFlags::empty());
    let pc = pc.unwrap();
    let v = vec![7; cpus()];
    pc.insert(&1, &v, UpdateMode::NoExist).unwrap();
    assert_eq!(errno(pc.insert(&1, &v, UpdateMode::NoExist)), Errno::EEXIST);
    assert_eq!(errno(pc.insert(&2, &v, UpdateMode::Exist)), Errno::ENOENT);
    let array = Array::<u64>::create(&common::unique("mode"), 2, MapFlags::empty()).unwrap();
    assert_eq!(errno(array.update(0, &1, UpdateMode::NoExist)), Errno::EEXIST);
    array.update(0, &1, UpdateMode::Exist).unwrap();
}

#[test]
fn key_iteration_visits_exactly_the_inserted_keys() {
    require_kernel!();
    let map = HashMap::<u32, u32>::create(&common::unique("keys"), 256, MapFlags::empty()).unwrap();
    assert_eq!(map.keys().count(), 0, "an empty map has no keys");
    let inserted: BTreeSet<u32> = (0..200).map(|i| i * 7919 % 100_003).collect();
    for k in &inserted {
        map.insert(k, &(k + 1), UpdateMode::NoExist).unwrap();
    }
    let seen: Vec<u32> = map.keys().map(Result::unwrap).collect();
    assert_eq!(seen.len(), inserted.len(), "no key twice");
    assert_eq!(seen.into_iter().collect::<BTreeSet<_>>(), inserted);

    // Removing keys during the walk neither skips nor repeats any.
    let mut walked = Vec::new();
    for k in map.keys() {
        let k = k.unwrap();
        walked.push(k);
        if k % 2 == 0 {
            assert!(map.remove(&k).unwrap());
        }
    }
    assert_eq!(walked.len(), inserted.len());
    assert_eq!(walked.into_iter().collect::<BTreeSet<_>>(), inserted);
    let left: BTreeSet<u32> = map.keys().map(Result::unwrap).collect();
    assert_eq!(left, inserted.iter().copied().filter(|k| k % 2 == 1).collect());
}

// ---- batches -----------------------------------------------------------

#[test]
fn hash_batch_lookup_agrees_with_single_lookups() {
    require_kernel!();
    let map =
        HashMap::<u32, u64>::create(&common::unique("bh"), 10_000, MapFlags::empty()).unwrap();
    for i in 0..10_000u32 {
        map.insert(&(i * 3), &(u64::from(i) * 1_000_003), UpdateMode::NoExist).unwrap();
    }
    let single: BTreeMap<u32, u64> = map.iter().map(Result::unwrap).collect();
    assert_eq!(single.len(), 10_000);

    let mut cursor = map.batch_lookup();
    assert_eq!(cursor.values_per_key(), 1);
    let (mut keys, mut values) = (vec![0u32; 1024], vec![0u64; 1024]);
    let mut batched = BTreeMap::new();
    let mut chunks = 0;
    while let Some(n) = cursor.next_chunk(&mut keys, &mut values).unwrap() {
        assert!(n <= 1024);
        chunks += 1;
        for (k, v) in keys[..n].iter().zip(&values[..n]) {
            assert!(batched.insert(*k, *v).is_none(), "key {k} came twice");
        }
    }
    assert!(cursor.is_done());
    assert_eq!(cursor.next_chunk(&mut keys, &mut values).unwrap(), None, "stays done");
    assert!(chunks >= 10, "10,000 elements in chunks of at most 1,024 took {chunks}");
    assert_eq!(batched, single);
    assert_eq!(map.read_all().unwrap().into_iter().collect::<BTreeMap<_, _>>(), single);

    // Too few values for the keys is refused before the kernel sees it.
    let err = map.batch_lookup().next_chunk(&mut keys, &mut values[..10]).unwrap_err();
    assert!(matches!(err, Error::InvalidArgument { .. }), "{err}");
}

#[test]
fn hash_batch_chunk_smaller_than_a_bucket_is_a_clear_error() {
    require_kernel!();
    // 2,000 keys in 2,048 buckets: some bucket holds two, which a chunk of
    // one cannot take.
    let map = HashMap::<u32, u32>::create(&common::unique("bsp"), 2000, MapFlags::empty()).unwrap();
    let keys: Vec<u32> = (0..2000).collect();
    map.update_batch(&keys, &keys).unwrap();
    let mut cursor = map.batch_lookup();
    let (mut k, mut v) = ([0u32; 1], [0u32; 1]);
    let mut seen = 0;
    let err = loop {
        match cursor.next_chunk(&mut k, &mut v) {
            Ok(Some(n)) => seen += n,
            Ok(None) => panic!("2,000 keys in 2,048 buckets without a collision"),
            Err(e) => break e,
        }
    };
    assert!(seen < 2000);
    assert!(matches!(err, Error::InvalidArgument { what: "batch size", .. }), "{err}");
    assert!(err.to_string().contains("ENOSPC"), "{err}");
    assert_eq!(map.read_all().unwrap().len(), 2000, "read_all sizes its chunks itself");
}

#[test]
fn hash_batch_update_and_delete_agree_with_single_ops() {
    require_kernel!();
    let map = HashMap::<FlowKey, Stats>::create(&common::unique("bu"), 4096, MapFlags::empty());
    let map = map.unwrap();
    let keys: Vec<FlowKey> = (0..3000).map(key).collect();
    let values: Vec<Stats> = (0..3000).map(stats).collect();
    map.update_batch(&keys, &values).unwrap();
    for (k, v) in keys.iter().zip(&values) {
        assert_eq!(map.get(k).unwrap(), Some(*v));
    }
    // Replacing works too; batches take no update mode.
    map.update_batch(&keys[..10], &values[100..110]).unwrap();
    assert_eq!(map.get(&keys[3]).unwrap(), Some(values[103]));
    map.update_batch(&keys[..10], &values[..10]).unwrap();
    assert_eq!(map.get(&keys[3]).unwrap(), Some(values[3]));
    let err = map.update_batch(&keys[..10], &values[..9]).unwrap_err();
    assert!(matches!(err, Error::InvalidArgument { .. }), "{err}");

    // Delete every third key, plus keys that are not there.
    let mut doomed: Vec<FlowKey> = keys.iter().copied().step_by(3).collect();
    let present = doomed.len();
    doomed.insert(5, key(5000));
    doomed.push(key(5001));
    assert_eq!(map.delete_batch(&doomed).unwrap(), present);
    let left: BTreeSet<FlowKey> = map.keys().map(Result::unwrap).collect();
    let want: BTreeSet<FlowKey> =
        keys.iter().enumerate().filter(|(i, _)| i % 3 != 0).map(|(_, k)| *k).collect();
    assert_eq!(left, want);
    assert_eq!(map.delete_batch(&[]).unwrap(), 0);

    // Lookup-and-delete drains exactly what was there.
    let mut drained = BTreeMap::new();
    let mut cursor = map.batch_lookup_and_delete();
    let (mut k, mut v) = (vec![key(0); 256], vec![stats(0); 256]);
    while let Some(n) = cursor.next_chunk(&mut k, &mut v).unwrap() {
        drained.extend(k[..n].iter().copied().zip(v[..n].iter().copied()));
    }
    assert_eq!(drained.keys().copied().collect::<BTreeSet<_>>(), want);
    for (k, v) in &drained {
        let i = keys.iter().position(|x| x == k).unwrap();
        assert_eq!(*v, values[i]);
    }
    assert_eq!(map.keys().count(), 0);
}

#[test]
fn a_batch_update_that_fills_the_map_says_how_many_went_in() {
    require_kernel!();
    let name = common::unique("full");
    let map = HashMap::<u32, u64>::create(&name, 4, MapFlags::empty()).unwrap();
    let keys: Vec<u32> = (100..108).collect();
    let values: Vec<u64> = keys.iter().map(|k| u64::from(*k) * 10).collect();
    let err = map.update_batch(&keys, &values).unwrap_err();
    // The kernel writes in order and stops at the fifth: E2BIG, count 4.
    match &err {
        Error::PartialBatch { cmd, map: m, written, requested, errno } => {
            assert_eq!(
                (*cmd, *written, *requested, *errno),
                (Cmd::MapUpdateBatch, 4, 8, Errno::E2BIG)
            );
            assert_eq!(m, &name);
        }
        other => panic!("expected a partial batch, got {other:?}"),
    }
    let text = err.to_string();
    assert!(text.contains("stopped after writing 4 of 8 elements"), "{text}");
    assert!(text.contains("the map is full"), "{text}");
    let held: BTreeMap<u32, u64> = map.iter().map(Result::unwrap).collect();
    let want: BTreeMap<u32, u64> =
        keys[..4].iter().copied().zip(values[..4].iter().copied()).collect();
    assert_eq!(held, want, "exactly the first four, with their values");

    // Replacing the four that are there and adding one more: the four
    // replacements go in, the new key does not.
    let err = map.update_batch(&[103, 102, 101, 100, 200], &[1, 2, 3, 4, 5]).unwrap_err();
    assert!(matches!(err, Error::PartialBatch { written: 4, requested: 5, .. }), "{err:?}");
    assert_eq!(map.get(&103).unwrap(), Some(1));
    assert_eq!(map.get(&200).unwrap(), None);
}

#[test]
fn array_batches_agree_with_single_ops() {
    require_kernel!();
    let array = Array::<u64>::create(&common::unique("ba"), 1000, MapFlags::empty()).unwrap();
    let indices: Vec<u32> = (0..1000).collect();
    let values: Vec<u64> = indices.iter().map(|i| u64::from(*i) * 3 + 1).collect();
    array.update_batch(&indices, &values).unwrap();
    for i in 0..1000 {
        assert_eq!(array.get(i).unwrap(), values[i as usize]);
    }
    assert_eq!(array.read_all().unwrap(), values);

    let mut cursor = array.batch_lookup();
    let (mut k, mut v) = (vec![0u32; 300], vec![0u64; 300]);
    let mut seen = Vec::new();
    while let Some(n) = cursor.next_chunk(&mut k, &mut v).unwrap() {
        for (i, value) in k[..n].iter().zip(&v[..n]) {
            assert_eq!(*value, array.get(*i).unwrap());
            seen.push(*i);
        }
    }
    assert_eq!(seen, indices, "every index once, in order");
    let err = array.update_batch(&[1000], &[0]).unwrap_err();
    assert!(matches!(err, Error::InvalidArgument { what: "array index", .. }), "{err}");
}

#[test]
fn per_cpu_batches_agree_with_single_ops() {
    require_kernel!();
    let n = cpus();

    // Per-CPU array of a padded type.
    let array = PerCpuArray::<u32>::create(&common::unique("bpa"), 100, MapFlags::empty());
    let array = array.unwrap();
    let indices: Vec<u32> = (0..100).collect();
    let flat: Vec<u32> =
        indices.iter().flat_map(|i| (0..n as u32).map(move |cpu| i * 100 + cpu)).collect();
    array.update_batch(&indices, &flat).unwrap();
    for i in 0..100u32 {
        assert_eq!(array.get(i).unwrap(), flat[i as usize * n..(i as usize + 1) * n]);
    }
    let all = array.read_all().unwrap();
    assert_eq!(all.len(), 100);
    assert_eq!(all.concat(), flat);
    let mut cursor = array.batch_lookup();
    assert_eq!(cursor.values_per_key(), n);
    let (mut k, mut v) = (vec![0u32; 7], vec![0u32; 7 * n]);
    let mut got = Vec::new();
    while let Some(count) = cursor.next_chunk(&mut k, &mut v).unwrap() {
        got.extend_from_slice(&v[..count * n]);
    }
    assert_eq!(got, flat);

    // Per-CPU hash of a padded struct.
    let map = PerCpuHashMap::<u32, Triple>::create(&common::unique("bph"), 512, MapFlags::empty());
    let map = map.unwrap();
    let keys: Vec<u32> = (0..400).map(|i| i * 13).collect();
    let flat: Vec<Triple> = keys.iter().flat_map(|k| (0..n).map(|cpu| triple(*k, cpu))).collect();
    map.update_batch(&keys, &flat).unwrap();
    let single: BTreeMap<u32, Vec<Triple>> = map.iter().map(Result::unwrap).collect();
    assert_eq!(single.len(), 400);
    for (k, v) in &single {
        assert_eq!(*v, (0..n).map(|cpu| triple(*k, cpu)).collect::<Vec<_>>());
    }
    let batched: BTreeMap<u32, Vec<Triple>> = map.read_all().unwrap().into_iter().collect();
    assert_eq!(batched, single);
    assert_eq!(map.delete_batch(&keys[..100]).unwrap(), 100);
    assert_eq!(map.keys().count(), 300);
    let mut cursor = map.batch_lookup_and_delete();
    let (mut k, mut v) = (vec![0u32; 64], vec![triple(0, 0); 64 * n]);
    let mut drained = BTreeMap::new();
    while let Some(count) = cursor.next_chunk(&mut k, &mut v).unwrap() {
        for (i, key) in k[..count].iter().enumerate() {
            drained.insert(*key, v[i * n..(i + 1) * n].to_vec());
        }
    }
    let kept: BTreeMap<u32, Vec<Triple>> =
        single.into_iter().filter(|(k, _)| !keys[..100].contains(k)).collect();
    assert_eq!(drained, kept);
    assert_eq!(map.keys().count(), 0);
}

// ---- mmap --------------------------------------------------------------

#[test]
fn mmap_view_and_syscalls_see_the_same_elements() {
    require_kernel!();
    // u32 elements sit 8 bytes apart in the mapping.
    let array = Array::<u32>::create(&common::unique("mm"), 1000, MapFlags::MMAPABLE).unwrap();
    let mut view = array.mmap().unwrap();
    assert!(view.is_writable());
    assert_eq!(view.len(), 1000);
    for i in 0..1000 {
        view.set(i, &(i * 5 + 1)).unwrap();
    }
    for i in 0..1000 {
        assert_eq!(array.get(i).unwrap(), i * 5 + 1);
    }
    for i in (0..1000).step_by(3) {
        array.set(i, &(i + 77)).unwrap();
    }
    for i in 0..1000 {
        let want = if i % 3 == 0 { i + 77 } else { i * 5 + 1 };
        assert_eq!(view.get(i), Some(want));
    }
    assert_eq!(view.get(1000), None);
    assert!(matches!(view.set(1000, &0), Err(Error::InvalidArgument { .. })));
    assert_eq!(
        array.read_all().unwrap(),
        (0..1000).map(|i| view.get(i).unwrap()).collect::<Vec<_>>()
    );

    // The view keeps the map open after the typed handle is gone.
    drop(array);
    assert_eq!(view.get(3), Some(80));
    assert_eq!(Array::<u32>::from_map(view.map().clone()).unwrap().get(4).unwrap(), 21);
}

#[test]
fn mmap_counters_as_atomics() {
    require_kernel!();
    let array = Array::<u64>::create(&common::unique("mma"), 100_000, MapFlags::MMAPABLE).unwrap();
    let view = array.mmap().unwrap();
    let cells = view.as_atomic_u64s().unwrap();
    assert_eq!(cells.len(), 100_000);
    for (i, cell) in cells.iter().enumerate() {
        cell.store(i as u64, Ordering::Relaxed);
    }
    cells[12_345].fetch_add(1_000_000, Ordering::Relaxed);
    let sum: u64 = cells.iter().map(|c| c.load(Ordering::Relaxed)).sum();
    assert_eq!(sum, (0..100_000u64).sum::<u64>() + 1_000_000);
    assert_eq!(array.get(12_345).unwrap(), 1_012_345);
    assert_eq!(array.get(99_999).unwrap(), 99_999);
    array.set(7, &700).unwrap();
    assert_eq!(cells[7].load(Ordering::Relaxed), 700);
}

#[test]
fn mmap_needs_mmapable_and_respects_read_only_maps() {
    require_kernel!();
    let plain = Array::<u64>::create(&common::unique("mmn"), 4, MapFlags::empty()).unwrap();
    let err = plain.mmap().unwrap_err();
    assert!(matches!(err, Error::InvalidArgument { what: "mmap", .. }), "{err}");
    assert!(err.to_string().contains("MMAPABLE") && err.to_string().contains(plain.map().name()));

    // Read-only for programs: the view is read-only too.
    let flags = MapFlags::MMAPABLE | MapFlags::RDONLY_PROG;
    let ro = Array::<u64>::create(&common::unique("mmr"), 4, flags).unwrap();
    ro.set(1, &11).unwrap();
    let mut view = ro.mmap().unwrap();
    assert!(!view.is_writable());
    assert_eq!(view.get(1), Some(11));
    assert!(matches!(view.set(1, &2), Err(Error::InvalidArgument { .. })));
    assert!(view.as_atomic_u64s().is_err());

    // A writable view keeps the map from being frozen; once it is gone the
    // map freezes, and a new view is read-only.
    let array = Array::<u64>::create(&common::unique("mmf"), 4, MapFlags::MMAPABLE).unwrap();
    array.set(2, &22).unwrap();
    let view = array.mmap().unwrap();
    assert_eq!(errno(array.map().freeze()), Errno::EBUSY);
    drop(view);
    array.map().freeze().unwrap();
    let view = array.mmap().unwrap();
    assert!(!view.is_writable());
    assert_eq!(view.get(2), Some(22));
}

// ---- pinning and shapes ------------------------------------------------

#[test]
fn pinned_maps_open_only_with_the_expected_shape() {
    require_kernel!();
    let dir = common::PinDir::new();
    let path = dir.path("flows");
    let spec = HashMap::<u32, u64>::spec(&common::unique("pin"), 16, MapFlags::empty());
    let map = HashMap::<u32, u64>::from_map(spec.create().unwrap()).unwrap();
    map.insert(&5, &50, UpdateMode::Any).unwrap();
    map.map().pin(&path).unwrap();

    let opened = HashMap::<u32, u64>::from_map(spec.open_pinned(&path).unwrap()).unwrap();
    assert_eq!(opened.get(&5).unwrap(), Some(50));
    opened.insert(&6, &60, UpdateMode::NoExist).unwrap();
    assert_eq!(map.get(&6).unwrap(), Some(60), "the same map");
    assert_eq!(opened.map().info().unwrap().id, map.map().info().unwrap().id);

    let cases = [
        (MapSpec::new(MapType::ARRAY, 4, 8, 16), MapField::Type, "array", "hash"),
        (MapSpec::new(MapType::HASH, 8, 8, 16), MapField::KeySize, "8 B", "4 B"),
        (MapSpec::new(MapType::HASH, 4, 12, 16), MapField::ValueSize, "12 B", "8 B"),
        (MapSpec::new(MapType::HASH, 4, 8, 32), MapField::MaxEntries, "32", "16"),
    ];
    for (spec, want_field, want_expected, want_found) in cases {
        let err = spec.open_pinned(&path).unwrap_err();
        let text = err.to_string();
        match err {
            Error::MapMismatch { field, expected, found, path: at, map: name } => {
                assert_eq!(
                    (field, expected.as_str(), found.as_str()),
                    (want_field, want_expected, want_found)
                );
                assert_eq!(at.as_deref(), Some(path.as_path()));
                assert_eq!(name, map.map().name());
            }
            other => panic!("expected a mismatch on {want_field}, got {other}"),
        }
        assert!(
            text.contains(want_field.as_str())
                && text.contains(want_expected)
                && text.contains(want_found),
            "{text}"
        );
        assert!(text.contains(&path.display().to_string()), "{text}");
    }

    let missing = dir.path("nothing-here");
    match spec.open_pinned(&missing).unwrap_err() {
        Error::Pin { errno, path: at, .. } => {
            assert_eq!(errno, Errno::ENOENT);
            assert_eq!(at, missing);
        }
        other => panic!("expected a pin error, got {other}"),
    }
    assert!(MapFd::open_pinned(&missing).is_err());
}

#[test]
fn typed_maps_refuse_maps_of_another_shape() {
    require_kernel!();
    let array = Array::<u64>::create(&common::unique("shp"), 4, MapFlags::empty()).unwrap();
    let hash = HashMap::<u32, u64>::create(&common::unique("shp"), 4, MapFlags::empty()).unwrap();

    let err = HashMap::<u32, u64>::from_map(array.map().clone()).unwrap_err();
    assert!(
        matches!(&err, Error::MapMismatch { field: MapField::Type, found, .. } if found == "array"),
        "{err}"
    );
    let err = HashMap::<u32, u32>::from_map(hash.map().clone()).unwrap_err();
    assert!(
        matches!(&err, Error::MapMismatch { field: MapField::ValueSize, expected, found, .. }
        if expected == "4 B" && found == "8 B"),
        "{err}"
    );
    let err = HashMap::<u64, u64>::from_map(hash.map().clone()).unwrap_err();
    assert!(matches!(err, Error::MapMismatch { field: MapField::KeySize, .. }), "{err}");
    assert!(Array::<u64>::from_map(hash.map().clone()).is_err());
    assert!(PerCpuArray::<u64>::from_map(array.map().clone()).is_err());
    assert!(PerCpuHashMap::<u32, u64>::from_map(hash.map().clone()).is_err());
    // An LRU hash is a hash as far as HashMap is concerned.
    let lru =
        HashMap::<u32, u64>::create_lru(&common::unique("shp"), 4, MapFlags::empty()).unwrap();
    assert!(HashMap::<u32, u64>::from_map(lru.map().clone()).is_ok());
}

// ---- errors and ids ----------------------------------------------------

#[test]
fn bad_names_and_impossible_sizes_are_clear_errors() {
    require_kernel!();
    for name in ["bad-name", "sixteen_chars_xx", "space here"] {
        let err = HashMap::<u32, u32>::create(name, 4, MapFlags::empty()).unwrap_err();
        assert!(matches!(err, Error::InvalidArgument { what: "map name", .. }), "{name}: {err}");
        assert!(err.to_string().contains(name), "{err}");
    }

    let name = common::unique("huge");
    let err = Array::<[u8; 1 << 20]>::create(&name, u32::MAX, MapFlags::empty()).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::MapCreate { .. }), "{text}");
    assert!(
        text.contains(&name) && text.contains("1048576") && text.contains("4294967295"),
        "{text}"
    );
}

#[test]
fn map_ids_list_our_maps() {
    require_kernel!();
    let map = HashMap::<u32, u32>::create(&common::unique("ids"), 4, MapFlags::empty()).unwrap();
    let id = map.map().info().unwrap().id;
    let ids: Vec<u32> = map_ids().map(Result::unwrap).collect();
    assert!(ids.contains(&id), "{id} not in {ids:?}");
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(MapFd::from_id(id).unwrap().name(), map.map().name());
}
