//! Map read throughput beside a raw-syscall baseline, in the same run.
//!
//! Every group reports elements per second; `raw` calls `bpf(2)` through
//! `libc::syscall` with hand-built attributes, `bpfkit` goes through the
//! typed maps. Every value read is checked against what was written.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr, missing_docs)]

mod common;

use std::hint::black_box;
use std::os::fd::AsRawFd;
use std::sync::atomic::Ordering;

use bpfkit::maps::{Array, HashMap, MapFlags, PerCpuArray, UpdateMode, possible_cpus};
use common::paired;
use criterion::{
    BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main, measurement::WallTime,
};

const ENTRIES: u32 = 100_000;
const CHUNK: usize = 1024;

const MAP_LOOKUP_ELEM: i64 = 1;
const MAP_UPDATE_ELEM: i64 = 2;
const MAP_GET_NEXT_KEY: i64 = 4;
const MAP_LOOKUP_BATCH: i64 = 24;

#[repr(C)]
struct Elem {
    map_fd: u32,
    pad: u32,
    key: u64,
    value: u64,
    flags: u64,
}

#[repr(C)]
#[derive(Default)]
struct Batch {
    in_batch: u64,
    out_batch: u64,
    keys: u64,
    values: u64,
    count: u32,
    map_fd: u32,
    elem_flags: u64,
    flags: u64,
}

fn sys_bpf<T>(cmd: i64, attr: &mut T) -> i64 {
    // SAFETY: `attr` is a live #[repr(C)] attribute; its pointers point at
    // buffers of the sizes the map was created with.
    #[allow(unsafe_code)]
    unsafe {
        libc::syscall(libc::SYS_bpf, cmd, attr as *mut T, size_of::<T>())
    }
}

fn raw_elem(cmd: i64, fd: i32, key: *const u8, value: *mut u8) -> i64 {
    let mut attr =
        Elem { map_fd: fd as u32, pad: 0, key: key as u64, value: value as u64, flags: 0 };
    sys_bpf(cmd, &mut attr)
}

/// The value stored at `key` in every map here.
fn value_of(key: u32) -> u64 {
    u64::from(key) * 3 + 1
}

fn kernel_available() -> bool {
    match Array::<u64>::create("probe", 1, MapFlags::empty()) {
        Ok(_) => true,
        Err(e) => {
            eprintln!("maps benches: skipped, bpf(2) is not usable here ({e}); run as root");
            false
        }
    }
}

fn group<'a>(c: &'a mut Criterion, name: &str, elements: u64) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(elements));
    if elements > 1000 {
        // One iteration reads the whole map: fewer, longer samples.
        g.sample_size(10);
    }
    g
}

fn array_lookup(c: &mut Criterion) {
    let map = Array::<u64>::create("one", 1, MapFlags::empty()).unwrap();
    map.set(0, &value_of(0)).unwrap();
    let fd = map.map().fd().as_raw_fd();
    let mut g = group(c, "array_lookup", 1);
    let key = 0u32;
    let mut value = 0u64;
    paired(
        &mut g,
        "array_lookup",
        || {
            let rc = raw_elem(
                MAP_LOOKUP_ELEM,
                fd,
                (&key as *const u32).cast(),
                (&mut value as *mut u64).cast(),
            );
            assert!(rc == 0 && value == value_of(0));
        },
        || assert_eq!(map.get(black_box(0)).unwrap(), value_of(0)),
    );
    g.finish();
}

fn filled_hash() -> HashMap<u32, u64> {
    let map = HashMap::<u32, u64>::create("bench_hash", ENTRIES, MapFlags::empty()).unwrap();
    let keys: Vec<u32> = (0..ENTRIES).collect();
    let values: Vec<u64> = keys.iter().map(|k| value_of(*k)).collect();
    map.update_batch(&keys, &values).unwrap();
    map
}

fn hash_lookup(c: &mut Criterion, map: &HashMap<u32, u64>) {
    let fd = map.map().fd().as_raw_fd();
    let mut g = group(c, "hash_lookup", u64::from(ENTRIES));
    paired(
        &mut g,
        "hash_lookup",
        || {
            let mut value = 0u64;
            for key in 0..ENTRIES {
                let rc = raw_elem(
                    MAP_LOOKUP_ELEM,
                    fd,
                    (&key as *const u32).cast(),
                    (&mut value as *mut u64).cast(),
                );
                assert!(rc == 0 && value == value_of(key));
            }
        },
        || {
            for key in 0..ENTRIES {
                assert_eq!(map.get(&key).unwrap(), Some(value_of(key)));
            }
        },
    );
    g.finish();
}

fn hash_iter(c: &mut Criterion, map: &HashMap<u32, u64>) {
    let fd = map.map().fd().as_raw_fd();
    let mut g = group(c, "hash_iter", u64::from(ENTRIES));
    paired(
        &mut g,
        "hash_iter",
        || {
            let (mut key, mut value) = (0u32, 0u64);
            let mut has_key = false;
            let mut n = 0u32;
            loop {
                let mut next = 0u32;
                let prev: *const u8 =
                    if has_key { (&key as *const u32).cast() } else { std::ptr::null() };
                if raw_elem(MAP_GET_NEXT_KEY, fd, prev, (&mut next as *mut u32).cast()) != 0 {
                    break;
                }
                key = next;
                has_key = true;
                let rc = raw_elem(
                    MAP_LOOKUP_ELEM,
                    fd,
                    (&key as *const u32).cast(),
                    (&mut value as *mut u64).cast(),
                );
                assert!(rc == 0 && value == value_of(key));
                n += 1;
            }
            assert_eq!(n, ENTRIES);
        },
        || {
            let mut n = 0u32;
            for entry in map.iter() {
                let (key, value) = entry.unwrap();
                assert_eq!(value, value_of(key));
                n += 1;
            }
            assert_eq!(n, ENTRIES);
        },
    );
    g.finish();
}

fn hash_batch_lookup(c: &mut Criterion, map: &HashMap<u32, u64>) {
    let fd = map.map().fd().as_raw_fd();
    let mut g = group(c, "hash_batch_lookup", u64::from(ENTRIES));
    let (mut raw_keys, mut raw_values) = (vec![0u32; CHUNK], vec![0u64; CHUNK]);
    let (mut keys, mut values) = (vec![0u32; CHUNK], vec![0u64; CHUNK]);
    paired(
        &mut g,
        "hash_batch_lookup",
        || {
            let (mut token_in, mut token_out) = (0u64, 0u64);
            let mut first = true;
            let mut n = 0usize;
            loop {
                let mut attr = Batch {
                    in_batch: if first { 0 } else { &mut token_in as *mut u64 as u64 },
                    out_batch: &mut token_out as *mut u64 as u64,
                    keys: raw_keys.as_mut_ptr() as u64,
                    values: raw_values.as_mut_ptr() as u64,
                    count: CHUNK as u32,
                    map_fd: fd as u32,
                    ..Default::default()
                };
                let rc = sys_bpf(MAP_LOOKUP_BATCH, &mut attr);
                let got = attr.count as usize;
                for i in 0..got {
                    assert_eq!(raw_values[i], value_of(raw_keys[i]));
                }
                n += got;
                if rc != 0 {
                    assert_eq!(std::io::Error::last_os_error().raw_os_error(), Some(libc::ENOENT));
                    break;
                }
                token_in = token_out;
                first = false;
            }
            assert_eq!(n, ENTRIES as usize);
        },
        || {
            let mut batch = map.batch_lookup();
            let mut n = 0usize;
            while let Some(got) = batch.next_chunk(&mut keys, &mut values).unwrap() {
                for i in 0..got {
                    assert_eq!(values[i], value_of(keys[i]));
                }
                n += got;
            }
            assert_eq!(n, ENTRIES as usize);
        },
    );
    g.finish();
}

fn hash_update(c: &mut Criterion, map: &HashMap<u32, u64>) {
    let fd = map.map().fd().as_raw_fd();
    let mut g = group(c, "hash_update", u64::from(ENTRIES));
    paired(
        &mut g,
        "hash_update",
        || {
            for key in 0..ENTRIES {
                let mut value = value_of(key);
                let rc = raw_elem(
                    MAP_UPDATE_ELEM,
                    fd,
                    (&key as *const u32).cast(),
                    (&mut value as *mut u64).cast(),
                );
                assert_eq!(rc, 0);
            }
        },
        || {
            for key in 0..ENTRIES {
                map.insert(&key, &value_of(key), UpdateMode::Any).unwrap();
            }
        },
    );
    g.finish();
}

/// A read-only shared mapping made with libc alone, unmapped on drop.
struct RawMapping(*mut libc::c_void, usize);

impl Drop for RawMapping {
    fn drop(&mut self) {
        // SAFETY: exactly the mapping made in `mmap_read`, no longer used.
        #[allow(unsafe_code)]
        unsafe {
            libc::munmap(self.0, self.1)
        };
    }
}

fn mmap_read(c: &mut Criterion) {
    let map = Array::<u64>::create("mmapped", ENTRIES, MapFlags::MMAPABLE).unwrap();
    let indices: Vec<u32> = (0..ENTRIES).collect();
    let values: Vec<u64> = indices.iter().map(|k| value_of(*k)).collect();
    map.update_batch(&indices, &values).unwrap();
    let expected: u64 = values.iter().sum();
    let len = (ENTRIES as usize * 8).next_multiple_of(4096);
    let fd = map.map().fd().as_raw_fd();
    // SAFETY: a fresh shared read-only mapping of the map's whole value area.
    #[allow(unsafe_code)]
    let raw = RawMapping(
        unsafe { libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ, libc::MAP_SHARED, fd, 0) },
        len,
    );
    assert_ne!(raw.0, libc::MAP_FAILED);
    let view = map.mmap().unwrap();
    let cells = view.as_atomic_u64s().unwrap();
    let mut g = group(c, "mmap_read", u64::from(ENTRIES));
    paired(
        &mut g,
        "mmap_read",
        || {
            let p = raw.0.cast::<u64>();
            let mut sum = 0u64;
            for i in 0..ENTRIES as usize {
                // SAFETY: `i < ENTRIES`, inside the mapping; volatile because
                // BPF programs may write it.
                #[allow(unsafe_code)]
                let v = unsafe { p.add(i).read_volatile() };
                sum = sum.wrapping_add(v);
            }
            assert_eq!(sum, expected);
        },
        || {
            let sum = cells.iter().fold(0u64, |s, v| s.wrapping_add(v.load(Ordering::Relaxed)));
            assert_eq!(sum, expected);
        },
    );
    g.finish();
}

fn percpu_array_lookup(c: &mut Criterion) {
    let cpus = possible_cpus().unwrap();
    let map = PerCpuArray::<u64>::create("percpu", 1, MapFlags::empty()).unwrap();
    let per_cpu: Vec<u64> = (0..cpus as u32).map(value_of).collect();
    map.set(0, &per_cpu).unwrap();
    let fd = map.map().fd().as_raw_fd();
    let mut g = group(c, "percpu_array_lookup", 1);
    let key = 0u32;
    let mut values = vec![0u64; cpus];
    let mut into = vec![0u64; cpus];
    paired(
        &mut g,
        "percpu_array_lookup",
        || {
            let rc = raw_elem(
                MAP_LOOKUP_ELEM,
                fd,
                (&key as *const u32).cast(),
                values.as_mut_ptr().cast(),
            );
            assert!(rc == 0 && values == per_cpu);
        },
        || {
            map.get_into(black_box(0), &mut into).unwrap();
            assert_eq!(into, per_cpu);
        },
    );
    g.finish();
}

fn maps(c: &mut Criterion) {
    common::pin_to_one_cpu();
    if !kernel_available() {
        return;
    }
    array_lookup(c);
    percpu_array_lookup(c);
    mmap_read(c);
    let hash = filled_hash();
    hash_lookup(c, &hash);
    hash_iter(c, &hash);
    hash_batch_lookup(c, &hash);
    hash_update(c, &hash);
}

criterion_group!(benches, maps);
criterion_main!(benches);
