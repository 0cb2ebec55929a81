//! `bpfkit map dump` and `map lookup` on maps with BTF against bpftool 7.1,
//! byte for byte: the text (bpftool's pretty JSON of the elements by their
//! types), `-j` (bytes plus `"formatted"`) and `-p`. Each comparison is
//! about one map this test made, by id.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stderr)]

mod common;

use bpfkit::btf::{
    BpfSpinLock, Btf, BtfObject, BtfType, IntEncoding, TypeId, VarLinkage, VarSecinfo,
};
use bpfkit::btf_struct;
use bpfkit::maps::{Array, HashMap, MapFd, MapFlags, MapSpec, MapType, PerCpuHashMap, UpdateMode};
use common::{bpfkit, bpftool, unique};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

btf_struct! {
    /// A struct inside the value.
    #[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
    struct Inner {
        x: i16,
        y: u8,
        z: i8,
        f: [u8; 4],
    }
}

btf_struct! {
    /// A value of every shape `btf_struct!` makes, with a lock.
    #[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
    struct Value {
        lock: BpfSpinLock,
        a: u32,
        b: u64,
        c: i64,
        arr: [u32; 3],
        pad: [u8; 4],
        inner: Inner,
        big: u128,
        grid: [[u16; 2]; 2],
        tail: [i8; 8],
    }
}

btf_struct! {
    /// A struct key.
    #[derive(Clone, Copy, Debug, Default, PartialEq, FromBytes, IntoBytes, Immutable, KnownLayout)]
    struct Key {
        a: u32,
        b: u16,
        c: [u8; 2],
    }
}

/// Asserts that both tools print the same bytes and exit alike for `args`
/// as given, with `-j` and with `-p`; `false` without bpftool.
fn same(args: &[&str]) -> bool {
    for flag in [None, Some("-j"), Some("-p")] {
        let args: Vec<&str> = flag.into_iter().chain(args.iter().copied()).collect();
        let Some(theirs) = bpftool(&args) else { return false };
        let ours = bpfkit(&args);
        assert_eq!(ours.status, theirs.status, "exit status of {args:?}\n{theirs:?}\n{ours:?}");
        assert_eq!(
            ours.stdout, theirs.stdout,
            "{args:?}\nbpftool:\n{}\nbpfkit:\n{}",
            theirs.stdout, ours.stdout
        );
        assert_eq!(ours.stderr, theirs.stderr, "standard error of {args:?}");
    }
    true
}

fn id(map: &MapFd) -> String {
    map.info().unwrap().id.to_string()
}

/// Dumps map `id` and looks up `key` in it with both tools.
fn compare(id: &str, key: &[&str]) {
    if !same(&["map", "dump", "id", id]) {
        return;
    }
    let mut lookup = vec!["map", "lookup", "id", id, "key"];
    lookup.extend_from_slice(key);
    same(&lookup);
}

#[test]
fn a_struct_value_with_a_lock_nested_structs_and_arrays() {
    require_kernel!();
    let map = Array::<Value>::create_with_btf(&unique("mb"), 3, MapFlags::empty()).unwrap();
    let value = Value {
        a: 7,
        b: u64::MAX,
        c: -5,
        arr: [1, 2, 3],
        pad: [0, 0x41, 0xff, 0x20],
        inner: Inner { x: -2, y: 200, z: -128, f: *b"hi\0x" },
        big: u128::MAX - 1,
        grid: [[1, 2], [3, 4]],
        tail: [-1, 0, 1, 2, 3, 4, 5, 127],
        ..Value::default()
    };
    map.set(1, &value).unwrap();
    map.set(2, &Value { big: 0x1234, ..Value::default() }).unwrap();
    let info = map.map().info().unwrap();
    assert_ne!(info.btf_id, 0);
    assert_ne!(info.btf_value_type_id, 0);
    compare(&id(map.map()), &["1", "0", "0", "0"]);
}

#[test]
fn a_struct_key() {
    require_kernel!();
    let map = HashMap::<Key, u64>::create_with_btf(&unique("mb"), 8, MapFlags::empty()).unwrap();
    map.insert(&Key { a: 1, b: 2, c: [3, 4] }, &99, UpdateMode::Any).unwrap();
    compare(&id(map.map()), &["1", "0", "0", "0", "2", "0", "3", "4"]);
}

#[test]
fn floats_are_bpftools_unsupported_kind_and_per_cpu_values_are_listed() {
    require_kernel!();
    let floats = Array::<f64>::create_with_btf(&unique("mb"), 2, MapFlags::empty()).unwrap();
    floats.set(0, &1.5).unwrap();
    compare(&id(floats.map()), &["0", "0", "0", "0"]);

    let spec = MapSpec::new(MapType::PERCPU_ARRAY, 4, 4, 2).name(&unique("mb"));
    let per_cpu = spec.described::<u32, i32>().unwrap().create().unwrap();
    per_cpu
        .update_bytes(&1u32.to_ne_bytes(), &vec![0xff; per_cpu.value_buffer_len()], UpdateMode::Any)
        .unwrap();
    compare(&id(&per_cpu), &["1", "0", "0", "0"]);

    let keyed =
        PerCpuHashMap::<Key, Inner>::create_with_btf(&unique("mb"), 4, MapFlags::empty()).unwrap();
    let inner = Inner { x: -1, y: 2, z: 3, f: *b"ab\0\0" };
    let cpus = bpfkit::maps::possible_cpus().unwrap();
    keyed.insert(&Key { a: 9, b: 8, c: [7, 6] }, &vec![inner; cpus], UpdateMode::Any).unwrap();
    compare(&id(keyed.map()), &["9", "0", "0", "0", "8", "0", "7", "6"]);
}

include!("fixtures/hand_btf.rs");

#[test]
fn chars_bools_enums_bitfields_unions_by_hand() {
    require_kernel!();
    let (btf, key, value) = hand_written();
    let btf = BtfObject::load(&btf.encode().unwrap()).unwrap();
    let map = MapSpec::new(MapType::ARRAY, 4, 48, 2)
        .name(&unique("mb"))
        .btf(&btf, key, value)
        .create()
        .unwrap();
    let mut v = [0u8; 48];
    v[..6].copy_from_slice(b"hello\0");
    v[8..16].copy_from_slice(b"no\x01nul\0\0");
    v[16] = 1;
    v[20..24].copy_from_slice(&1u32.to_ne_bytes());
    v[24..28].copy_from_slice(&7u32.to_ne_bytes());
    v[28..32].copy_from_slice(&(5u32 | (0x1abc << 3)).to_ne_bytes());
    v[32..36].copy_from_slice(&0x0001_0002u32.to_ne_bytes());
    v[40..48].copy_from_slice(&0xffff_8000_1234_5678u64.to_ne_bytes());
    map.update_bytes(&0u32.to_ne_bytes(), &v, UpdateMode::Any).unwrap();
    compare(&id(&map), &["0", "0", "0", "0"]);
}

/// A global-data map as libbpf makes one for `.data`: the value is a
/// `DATASEC` of `VAR`s.
#[test]
fn a_data_section_of_variables() {
    require_kernel!();
    let mut btf = Btf::new();
    let int = btf.add(BtfType::int("int", 4, IntEncoding::Signed));
    let ch = btf.add(BtfType::int("char", 1, IntEncoding::Signed));
    let banner_ty = btf.add(BtfType::Array { elem: ch, index: int, len: 12 });
    let counter = btf.add(BtfType::Var {
        name: "counter".into(),
        ty: int,
        linkage: VarLinkage::GlobalAllocated,
    });
    let banner = btf.add(BtfType::Var {
        name: "banner".into(),
        ty: banner_ty,
        linkage: VarLinkage::GlobalAllocated,
    });
    let data = btf.add(BtfType::Datasec {
        name: ".data".into(),
        size: 16,
        vars: vec![
            VarSecinfo { ty: counter, offset: 0, size: 4 },
            VarSecinfo { ty: banner, offset: 4, size: 12 },
        ],
    });
    let btf = BtfObject::load(&btf.encode().unwrap()).unwrap();
    let mut v = [0u8; 16];
    v[..4].copy_from_slice(&(-7i32).to_ne_bytes());
    v[4..10].copy_from_slice(b"hello\0");
    // Keyed by int, and keyless (key type 0) as libbpf makes them: bpftool
    // then prints no key.
    for key in [int, TypeId::VOID] {
        let map = MapSpec::new(MapType::ARRAY, 4, 16, 1)
            .name(&unique("mb"))
            .btf(&btf, key, data)
            .create()
            .unwrap();
        map.update_bytes(&0u32.to_ne_bytes(), &v, UpdateMode::Any).unwrap();
        compare(&id(&map), &["0", "0", "0", "0"]);
    }
}

/// Two maps that share a name: each under its header.
#[test]
fn two_maps_with_one_name() {
    require_kernel!();
    let name = unique("mb");
    let first = Array::<Key>::create_with_btf(&name, 1, MapFlags::empty()).unwrap();
    let second = HashMap::<u32, Key>::create_with_btf(&name, 2, MapFlags::empty()).unwrap();
    first.set(0, &Key { a: 1, b: 2, c: [3, 4] }).unwrap();
    second.insert(&9, &Key { a: 5, b: 6, c: [7, 8] }, UpdateMode::Any).unwrap();
    same(&["map", "dump", "name", &name]);
    // Mixed: bpftool 7.1 carries a map's BTF over to the maps without BTF
    // after it (so a dump is by types when the first map has BTF), and
    // prints every map as bytes when the first has none.
    for btf_first in [true, false] {
        let name = unique("mb");
        let make = |btf: bool| {
            if btf {
                Array::<u64>::create_with_btf(&name, 1, MapFlags::empty()).unwrap()
            } else {
                Array::<u64>::create(&name, 1, MapFlags::empty()).unwrap()
            }
        };
        let maps = [make(btf_first), make(!btf_first), make(false)];
        for (i, m) in maps.iter().enumerate() {
            m.set(0, &(i as u64 + 1)).unwrap();
        }
        same(&["map", "dump", "name", &name]);
        same(&["map", "show", "name", &name]);
    }
}
