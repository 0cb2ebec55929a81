//! The BTF encoder against bpftool, its validation rule by rule, and Rust
//! types described with `btf_struct!`.
//!
//! bpftool (`bpftool btf dump file F`) is the oracle: it reads raw BTF
//! files with libbpf's parser, which checks the layout (header, record
//! sizes, string offsets) but not the kernel's semantic rules; those are
//! the validation tests' job. Without bpftool the oracle tests skip, loudly;
//! with `BPFKIT_REQUIRE_BPFTOOL=1` a skip is a failure.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "common/rng.rs"]
mod rng;

use std::path::PathBuf;
use std::process::Command;

use bpfkit::btf::{
    BpfSpinLock, BpfTimer, Btf, BtfBuilder, BtfError, BtfProblem, BtfType, Composite, EnumType,
    Enumerator, FuncLinkage, IntEncoding, Member, Param, TypeId, VarLinkage, VarSecinfo,
};
use bpfkit::btf_struct;
use rng::XorShift;

/// Writes `bytes` to a private file and returns bpftool's dump of it
/// (plain and JSON), or `None` when bpftool is not here.
fn bpftool_dump(bytes: &[u8]) -> Option<(String, serde_json::Value)> {
    let bpftool = common::require_bpftool()?;
    let dir = std::env::temp_dir().join(common::unique("bpfkit-btf-"));
    std::fs::create_dir_all(&dir).unwrap();
    let file: PathBuf = dir.join("btf.raw");
    std::fs::write(&file, bytes).unwrap();
    let run = |json: bool| {
        let mut cmd = Command::new(&bpftool);
        cmd.args(["btf", "dump", "file"]).arg(&file);
        if json {
            cmd.arg("-j");
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "bpftool refuses the BTF: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let text = run(false);
    let json = serde_json::from_str(&run(true)).expect("bpftool -j prints JSON");
    std::fs::remove_dir_all(&dir).unwrap();
    Some((text, json))
}

fn int_type(name: &str, size: u32, encoding: IntEncoding) -> BtfType {
    BtfType::Int { name: name.into(), size, encoding, offset: 0, bits: (size * 8) as u8 }
}

fn member(name: &str, ty: TypeId, bit_offset: u32) -> Member {
    Member { name: Some(name.into()), ty, bit_offset, bitfield_size: 0 }
}

/// A list with a record of every kind (and the variants of some: kind
/// flags, linkages, bitfields, a vararg prototype, a signed enum).
fn every_kind() -> Btf {
    let mut b = Btf::new();
    let int = b.add(int_type("int", 4, IntEncoding::Signed)); // 1
    let uchar = b.add(int_type("unsigned char", 1, IntEncoding::Unsigned)); // 2
    let ptr = b.add(BtfType::Ptr { target: int }); // 3
    let arr = b.add(BtfType::Array { elem: uchar, index: int, len: 16 }); // 4
    let pair = b.add(BtfType::Struct(Composite {
        name: Some("pair".into()),
        size: 32,
        members: vec![member("a", int, 0), member("p", ptr, 64), member("buf", arr, 128)],
    })); // 5
    let bits = b.add(BtfType::Struct(Composite {
        name: Some("bits".into()),
        size: 4,
        members: vec![
            Member { name: Some("lo".into()), ty: int, bit_offset: 0, bitfield_size: 3 },
            Member { name: Some("hi".into()), ty: int, bit_offset: 3, bitfield_size: 29 },
        ],
    })); // 6
    let u = b.add(BtfType::Union(Composite {
        name: None,
        size: 32,
        members: vec![
            member("i", int, 0),
            Member { name: None, ty: pair, bit_offset: 0, bitfield_size: 0 },
        ],
    })); // 7
    b.add(BtfType::Enum(EnumType {
        name: Some("color".into()),
        size: 4,
        signed: true,
        values: vec![
            Enumerator { name: "RED".into(), value: -1 },
            Enumerator { name: "BLUE".into(), value: 7 },
        ],
    })); // 8
    b.add(BtfType::Fwd { name: "later".into(), union: true }); // 9
    let td = b.add(BtfType::Typedef { name: "pair_t".into(), target: pair }); // 10
    let vol = b.add(BtfType::Volatile { target: int }); // 11
    let cst = b.add(BtfType::Const { target: vol }); // 12
    let cptr = b.add(BtfType::Ptr { target: cst }); // 13
    b.add(BtfType::Restrict { target: cptr }); // 14
    let proto = b.add(BtfType::FuncProto {
        ret: int,
        params: vec![
            Param { name: Some("ctx".into()), ty: ptr },
            Param { name: Some("n".into()), ty: td },
        ],
    }); // 15
    let func = b.add(BtfType::Func { name: "prog".into(), proto, linkage: FuncLinkage::Global }); // 16
    let var = b.add(BtfType::Var {
        name: "counter".into(),
        ty: int,
        linkage: VarLinkage::GlobalAllocated,
    }); // 17
    let var2 = b.add(BtfType::Var { name: "flags".into(), ty: bits, linkage: VarLinkage::Static }); // 18
    b.add(BtfType::Datasec {
        name: ".data".into(),
        size: 12,
        vars: vec![
            VarSecinfo { ty: var, offset: 0, size: 4 },
            VarSecinfo { ty: var2, offset: 8, size: 4 },
        ],
    }); // 19
    b.add(BtfType::Float { name: "double".into(), size: 8 }); // 20
    b.add(BtfType::DeclTag { name: "kfunc".into(), target: func, component_idx: -1 }); // 21
    b.add(BtfType::DeclTag { name: "nonnull".into(), target: func, component_idx: 1 }); // 22
    b.add(BtfType::DeclTag { name: "hot".into(), target: u, component_idx: 0 }); // 23
    let tag = b.add(BtfType::TypeTag { name: "user".into(), target: int }); // 24
    b.add(BtfType::Ptr { target: tag }); // 25
    b.add(BtfType::Enum64(EnumType {
        name: Some("big".into()),
        size: 8,
        signed: false,
        values: vec![Enumerator { name: "HUGE".into(), value: 0x1_0000_0002 }],
    })); // 26
    let vararg = b.add(BtfType::FuncProto {
        ret: TypeId::VOID,
        params: vec![
            Param { name: Some("fmt".into()), ty: cptr },
            Param { name: None, ty: TypeId::VOID },
        ],
    }); // 27
    b.add(BtfType::Func { name: "printk".into(), proto: vararg, linkage: FuncLinkage::Static }); // 28
    b.add(BtfType::Ptr { target: TypeId::VOID }); // 29
    b
}

/// bpftool's dump of [`every_kind`], one row per record (bpftool 7.1).
const EVERY_KIND_DUMP: &[&str] = &[
    "[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED",
    "[2] INT 'unsigned char' size=1 bits_offset=0 nr_bits=8 encoding=(none)",
    "[3] PTR '(anon)' type_id=1",
    "[4] ARRAY '(anon)' type_id=2 index_type_id=1 nr_elems=16",
    "[5] STRUCT 'pair' size=32 vlen=3\n\t'a' type_id=1 bits_offset=0\n\t'p' type_id=3 bits_offset=64\n\t'buf' type_id=4 bits_offset=128",
    "[6] STRUCT 'bits' size=4 vlen=2\n\t'lo' type_id=1 bits_offset=0 bitfield_size=3\n\t'hi' type_id=1 bits_offset=3 bitfield_size=29",
    "[7] UNION '(anon)' size=32 vlen=2\n\t'i' type_id=1 bits_offset=0\n\t'(anon)' type_id=5 bits_offset=0",
    "[8] ENUM 'color' encoding=SIGNED size=4 vlen=2\n\t'RED' val=-1\n\t'BLUE' val=7",
    "[9] FWD 'later' fwd_kind=union",
    "[10] TYPEDEF 'pair_t' type_id=5",
    "[11] VOLATILE '(anon)' type_id=1",
    "[12] CONST '(anon)' type_id=11",
    "[13] PTR '(anon)' type_id=12",
    "[14] RESTRICT '(anon)' type_id=13",
    "[15] FUNC_PROTO '(anon)' ret_type_id=1 vlen=2\n\t'ctx' type_id=3\n\t'n' type_id=10",
    "[16] FUNC 'prog' type_id=15 linkage=global",
    "[17] VAR 'counter' type_id=1, linkage=global",
    "[18] VAR 'flags' type_id=6, linkage=static",
    "[19] DATASEC '.data' size=12 vlen=2\n\ttype_id=17 offset=0 size=4 (VAR 'counter')\n\ttype_id=18 offset=8 size=4 (VAR 'flags')",
    "[20] FLOAT 'double' size=8",
    "[21] DECL_TAG 'kfunc' type_id=16 component_idx=-1",
    "[22] DECL_TAG 'nonnull' type_id=16 component_idx=1",
    "[23] DECL_TAG 'hot' type_id=7 component_idx=0",
    "[24] TYPE_TAG 'user' type_id=1",
    "[25] PTR '(anon)' type_id=24",
    "[26] ENUM64 'big' encoding=UNSIGNED size=8 vlen=1\n\t'HUGE' val=4294967298ULL",
    "[27] FUNC_PROTO '(anon)' ret_type_id=0 vlen=2\n\t'fmt' type_id=13\n\t'(anon)' type_id=0",
    "[28] FUNC 'printk' type_id=27 linkage=static",
    "[29] PTR '(anon)' type_id=0",
];

/// A dump split into its records (a record's member lines start with a tab).
fn records(dump: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in dump.lines().filter(|l| !l.is_empty()) {
        match out.last_mut() {
            Some(last) if line.starts_with('\t') => {
                last.push('\n');
                last.push_str(line);
            }
            _ => out.push(line.to_owned()),
        }
    }
    out
}

#[test]
fn every_kind_dumps_as_bpftool_expects() {
    let btf = every_kind();
    let bytes = btf.encode().unwrap();
    let Some((text, json)) = bpftool_dump(&bytes) else { return };
    let got = records(&text);
    for (i, (got, want)) in got.iter().zip(EVERY_KIND_DUMP).enumerate() {
        assert_eq!(got, want, "record {}", i + 1);
    }
    assert_eq!(got.len(), EVERY_KIND_DUMP.len());
    let types = json["types"].as_array().unwrap();
    assert_eq!(types.len(), btf.len());
    for ((id, ty), j) in btf.types().zip(types) {
        assert_eq!(j["id"], id.0, "{j}");
        assert_eq!(j["kind"], ty.kind().name(), "{j}");
    }
}

#[test]
fn every_kind_is_covered_by_the_golden_list() {
    let btf = every_kind();
    let mut kinds: Vec<_> = btf.types().map(|(_, t)| t.kind()).collect();
    kinds.sort();
    kinds.dedup();
    assert_eq!(kinds, bpfkit::btf::Kind::ALL);
}

// ---- Validation: one test per rule; each error names type, field, rule ----

/// The error `btf` encodes to, checked to name type `id` and `component`.
fn rejects(btf: &Btf, id: u32, component: Option<&str>) -> BtfProblem {
    let err = btf.encode().expect_err("the list is invalid");
    let text = err.to_string();
    assert!(text.contains(&format!("[{id}]")), "{text}");
    if let Some(c) = component {
        assert!(text.contains(c), "{text} does not name {c}");
    }
    match err {
        BtfError::Invalid { id: got, component: got_component, problem, .. } => {
            assert_eq!(got, id, "{text}");
            assert_eq!(got_component.is_some(), component.is_some(), "{text}");
            problem
        }
        other => panic!("not an Invalid: {other}"),
    }
}

fn with_int() -> (Btf, TypeId) {
    let mut b = Btf::new();
    let int = b.add(int_type("int", 4, IntEncoding::Signed));
    (b, int)
}

fn one_member_struct(b: &mut Btf, m: Member, size: u32) -> TypeId {
    b.add(BtfType::Struct(Composite { name: Some("s".into()), size, members: vec![m] }))
}

#[test]
fn a_missing_type_is_named() {
    let (mut b, _) = with_int();
    b.add(BtfType::Ptr { target: TypeId(9) });
    assert_eq!(rejects(&b, 2, None), BtfProblem::MissingType { target: 9 });
    let err = b.encode().unwrap_err().to_string();
    assert!(err.contains("PTR") && err.contains("[9]"), "{err}");
}

#[test]
fn a_member_of_a_missing_type_names_the_member() {
    let (mut b, _) = with_int();
    one_member_struct(&mut b, member("x", TypeId(7), 0), 4);
    assert_eq!(rejects(&b, 2, Some("member 'x'")), BtfProblem::MissingType { target: 7 });
}

#[test]
fn void_is_refused_where_a_type_is_needed() {
    let (mut b, int) = with_int();
    b.add(BtfType::Array { elem: TypeId::VOID, index: int, len: 1 });
    assert_eq!(rejects(&b, 2, None), BtfProblem::Void);
    let (mut b, _) = with_int();
    b.add(BtfType::Var { name: "v".into(), ty: TypeId::VOID, linkage: VarLinkage::Static });
    assert_eq!(rejects(&b, 2, None), BtfProblem::Void);
    let (mut b, _) = with_int();
    one_member_struct(&mut b, member("m", TypeId::VOID, 0), 4);
    assert_eq!(rejects(&b, 2, Some("member 'm'")), BtfProblem::Void);
}

#[test]
fn void_is_allowed_behind_pointers_typedefs_and_qualifiers() {
    let mut b = Btf::new();
    b.add(BtfType::Ptr { target: TypeId::VOID });
    b.add(BtfType::Typedef { name: "v".into(), target: TypeId::VOID });
    b.add(BtfType::Const { target: TypeId::VOID });
    b.encode().unwrap();
}

#[test]
fn a_func_needs_a_func_proto() {
    let (mut b, int) = with_int();
    b.add(BtfType::Func { name: "f".into(), proto: int, linkage: FuncLinkage::Static });
    let p = rejects(&b, 2, None);
    assert_eq!(p, BtfProblem::WrongKind { target: 1, found: "INT", expected: "a FUNC_PROTO" });
}

#[test]
fn an_array_index_must_be_an_int() {
    let (mut b, int) = with_int();
    let ptr = b.add(BtfType::Ptr { target: int });
    b.add(BtfType::Array { elem: int, index: ptr, len: 2 });
    assert!(matches!(rejects(&b, 3, None), BtfProblem::WrongKind { target: 2, found: "PTR", .. }));
}

#[test]
fn a_member_of_a_type_without_size_is_refused() {
    let (mut b, _) = with_int();
    let fwd = b.add(BtfType::Fwd { name: "later".into(), union: false });
    one_member_struct(&mut b, member("f", fwd, 0), 4);
    assert_eq!(rejects(&b, 3, Some("member 'f'")), BtfProblem::Unsized { target: 2 });
}

#[test]
fn a_struct_that_contains_itself_is_a_loop() {
    let mut b = Btf::new();
    b.add(BtfType::Struct(Composite {
        name: Some("me".into()),
        size: 4,
        members: vec![member("me", TypeId(1), 0)],
    }));
    assert_eq!(rejects(&b, 1, None), BtfProblem::Loop);
    let mut b = Btf::new();
    b.add(BtfType::Typedef { name: "a".into(), target: TypeId(2) });
    b.add(BtfType::Typedef { name: "b".into(), target: TypeId(1) });
    assert_eq!(rejects(&b, 1, None), BtfProblem::Loop);
}

#[test]
fn a_loop_through_arrays_typedefs_and_unions_is_found_and_a_pointer_breaks_it() {
    let (mut b, int) = with_int();
    // [2] struct a { [3] b; }  [3] typedef b = [4]  [4] [5][2]  [5] union { [2] a; }
    let looped = |b: &mut Btf, via_pointer: bool| {
        b.add(BtfType::Struct(Composite {
            name: Some("a".into()),
            size: 8,
            members: vec![member("x", int, 0), member("b", TypeId(3), 32)],
        }));
        b.add(BtfType::Typedef { name: "b".into(), target: TypeId(4) });
        b.add(BtfType::Array { elem: TypeId(5), index: int, len: 2 });
        let target = if via_pointer { TypeId(6) } else { TypeId(2) };
        b.add(BtfType::Union(Composite {
            name: None,
            size: 8,
            members: vec![member("a", target, 0)],
        }));
        b.add(BtfType::Ptr { target: TypeId(2) });
    };
    let mut ok = b.clone();
    looped(&mut b, false);
    assert_eq!(rejects(&b, 2, None), BtfProblem::Loop);
    looped(&mut ok, true);
    // no loop; the sizes are then wrong (a holds 2 unions of 8 bytes), which is another rule
    assert!(matches!(
        ok.encode(),
        Err(BtfError::Invalid { problem: BtfProblem::MemberPastEnd { .. }, .. })
    ));
}

#[test]
fn a_list_of_vmlinux_size_validates_quickly() {
    let (mut b, int) = with_int();
    let mut prev = int;
    for i in 0..100_000u32 {
        prev = b.add(BtfType::Struct(Composite {
            name: Some(format!("s{i}")),
            size: 4,
            members: vec![member("m", prev, 0)],
        }));
    }
    let start = std::time::Instant::now();
    b.encode().unwrap();
    assert!(start.elapsed() < std::time::Duration::from_secs(10), "{:?}", start.elapsed());
}

#[test]
fn names_that_must_be_c_identifiers() {
    let bad = |name: &str| BtfProblem::NotIdentifier { name: name.into() };
    let (mut b, _) = with_int();
    b.add(BtfType::Struct(Composite { name: Some("a-b".into()), size: 0, members: vec![] }));
    assert_eq!(rejects(&b, 2, None), bad("a-b"));

    let (mut b, int) = with_int();
    one_member_struct(&mut b, member("1x", int, 0), 4);
    assert_eq!(rejects(&b, 2, Some("member '1x'")), bad("1x"));

    let (mut b, int) = with_int();
    b.add(BtfType::Typedef { name: "my type".into(), target: int });
    assert_eq!(rejects(&b, 2, None), bad("my type"));

    let (mut b, int) = with_int();
    b.add(BtfType::Var { name: "".into(), ty: int, linkage: VarLinkage::Static });
    assert_eq!(rejects(&b, 2, None), bad(""));

    let (mut b, _) = with_int();
    let proto = b.add(BtfType::FuncProto { ret: TypeId::VOID, params: vec![] });
    b.add(BtfType::Func { name: "f.g".into(), proto, linkage: FuncLinkage::Static });
    assert_eq!(rejects(&b, 3, None), bad("f.g"));

    let (mut b, _) = with_int();
    b.add(BtfType::Enum(EnumType {
        name: None,
        size: 4,
        signed: false,
        values: vec![Enumerator { name: "A B".into(), value: 0 }],
    }));
    assert_eq!(rejects(&b, 2, Some("value 'A B'")), bad("A B"));

    let (mut b, _) = with_int();
    b.add(BtfType::Fwd { name: "x".repeat(128), union: false });
    assert_eq!(rejects(&b, 2, None), bad(&"x".repeat(128)));

    let (mut b, int) = with_int();
    let proto = b.add(BtfType::FuncProto {
        ret: TypeId::VOID,
        params: vec![Param { name: Some("a[1]".into()), ty: int }],
    });
    let _ = proto;
    assert_eq!(rejects(&b, 2, Some("parameter #0 'a[1]'")), bad("a[1]"));
}

#[test]
fn anonymous_members_must_be_structs_or_unions() {
    let (mut b, int) = with_int();
    one_member_struct(&mut b, Member { name: None, ty: int, bit_offset: 0, bitfield_size: 0 }, 4);
    assert!(matches!(rejects(&b, 2, Some("member #0 (anon)")), BtfProblem::WrongKind { .. }));
}

#[test]
fn section_names_may_have_dots_but_must_be_printable() {
    let (mut b, int) = with_int();
    let v = b.add(BtfType::Var { name: "v".into(), ty: int, linkage: VarLinkage::Static });
    let sec = |name: &str| BtfType::Datasec {
        name: name.into(),
        size: 4,
        vars: vec![VarSecinfo { ty: v, offset: 0, size: 4 }],
    };
    let mut good = b.clone();
    good.add(sec(".data.rel.ro"));
    good.encode().unwrap();
    b.add(sec("bad\nname"));
    assert_eq!(rejects(&b, 3, None), BtfProblem::NotSectionName { name: "bad\nname".into() });
}

#[test]
fn tags_need_names_and_names_need_no_nul() {
    let (mut b, int) = with_int();
    b.add(BtfType::TypeTag { name: "".into(), target: int });
    assert_eq!(rejects(&b, 2, None), BtfProblem::Unnamed);
    let mut b = Btf::new();
    b.add(int_type("in\0t", 4, IntEncoding::Signed));
    assert_eq!(rejects(&b, 1, None), BtfProblem::NulInName { name: "in\0t".into() });
}

#[test]
fn int_sizes_and_bits() {
    let mut b = Btf::new();
    b.add(BtfType::int("i", 3, IntEncoding::Signed));
    assert_eq!(rejects(&b, 1, None), BtfProblem::IntSize { size: 3 });
    let mut b = Btf::new();
    b.add(BtfType::Int {
        name: "i".into(),
        size: 4,
        encoding: IntEncoding::Signed,
        offset: 4,
        bits: 30,
    });
    assert_eq!(rejects(&b, 1, None), BtfProblem::IntBits { offset: 4, bits: 30, size: 4 });
    let mut b = Btf::new();
    b.add(BtfType::Int {
        name: "i".into(),
        size: 16,
        encoding: IntEncoding::Unsigned,
        offset: 0,
        bits: 129,
    });
    assert!(matches!(rejects(&b, 1, None), BtfProblem::IntBits { bits: 129, .. }));
}

#[test]
fn enum_sizes_and_32_bit_values() {
    let e = |size, signed, value| EnumType {
        name: Some("e".into()),
        size,
        signed,
        values: vec![Enumerator { name: "V".into(), value }],
    };
    let mut b = Btf::new();
    b.add(BtfType::Enum(e(3, false, 0)));
    assert_eq!(rejects(&b, 1, None), BtfProblem::EnumSize { size: 3 });
    let mut b = Btf::new();
    b.add(BtfType::Enum(e(4, false, 1 << 32)));
    assert_eq!(rejects(&b, 1, Some("value 'V'")), BtfProblem::EnumValue { value: 1 << 32 });
    let mut b = Btf::new();
    b.add(BtfType::Enum(e(4, false, -1)));
    assert_eq!(rejects(&b, 1, Some("value 'V'")), BtfProblem::EnumValue { value: -1 });
    let mut ok = Btf::new();
    ok.add(BtfType::Enum(e(4, true, -1)));
    ok.add(BtfType::Enum(e(4, false, u32::MAX.into())));
    ok.add(BtfType::Enum64(e(8, false, 1 << 40)));
    ok.encode().unwrap();
}

#[test]
fn float_sizes() {
    let mut b = Btf::new();
    b.add(BtfType::Float { name: "f".into(), size: 5 });
    assert_eq!(rejects(&b, 1, None), BtfProblem::FloatSize { size: 5 });
}

#[test]
fn a_member_must_end_within_its_struct() {
    let (mut b, int) = with_int();
    one_member_struct(&mut b, member("late", int, 32), 4);
    assert_eq!(
        rejects(&b, 2, Some("member 'late'")),
        BtfProblem::MemberPastEnd { bit_offset: 32, bits: 32, size: 4 }
    );
    let (mut b, int) = with_int();
    one_member_struct(
        &mut b,
        Member { name: Some("bf".into()), ty: int, bit_offset: 30, bitfield_size: 3 },
        4,
    );
    assert!(matches!(rejects(&b, 2, Some("member 'bf'")), BtfProblem::MemberPastEnd { .. }));
}

#[test]
fn struct_members_go_in_offset_order() {
    let (mut b, int) = with_int();
    b.add(BtfType::Struct(Composite {
        name: Some("s".into()),
        size: 8,
        members: vec![member("b", int, 32), member("a", int, 0)],
    }));
    assert_eq!(
        rejects(&b, 2, Some("member 'a'")),
        BtfProblem::MemberOrder { bit_offset: 0, previous: 32 }
    );
}

#[test]
fn members_that_are_not_bitfields_start_on_a_byte() {
    let (mut b, int) = with_int();
    one_member_struct(&mut b, member("odd", int, 4), 8);
    assert_eq!(rejects(&b, 2, Some("member 'odd'")), BtfProblem::NotByteAligned { bit_offset: 4 });
}

#[test]
fn an_enum_member_needs_the_room_of_an_int() {
    let mut b = Btf::new();
    let e = b.add(BtfType::Enum(EnumType {
        name: Some("e".into()),
        size: 1,
        signed: false,
        values: vec![],
    }));
    one_member_struct(&mut b, member("small", e, 8), 4);
    assert_eq!(
        rejects(&b, 2, Some("member 'small'")),
        BtfProblem::EnumMemberPastEnd { bit_offset: 8, size: 4 }
    );
    let mut b = Btf::new();
    let e = b.add(BtfType::Enum64(EnumType {
        name: Some("e".into()),
        size: 8,
        signed: false,
        values: vec![],
    }));
    one_member_struct(
        &mut b,
        Member { name: Some("bf".into()), ty: e, bit_offset: 0, bitfield_size: 33 },
        8,
    );
    assert_eq!(
        rejects(&b, 2, Some("member 'bf'")),
        BtfProblem::BitfieldTooWide { bits: 33, max: 32 }
    );
}

#[test]
fn type_tags_come_before_modifiers() {
    let (mut b, int) = with_int();
    let c = b.add(BtfType::Const { target: int });
    let tag = b.add(BtfType::TypeTag { name: "user".into(), target: c });
    b.add(BtfType::Ptr { target: tag });
    b.encode().unwrap(); // ptr -> tag -> const -> int
    let (mut b, int) = with_int();
    let tag = b.add(BtfType::TypeTag { name: "user".into(), target: int });
    b.add(BtfType::Const { target: tag });
    assert_eq!(rejects(&b, 3, None), BtfProblem::TagAfterModifier { tag: 2 });
}

#[test]
fn float_members_are_aligned_to_their_size() {
    let mut b = Btf::new();
    let f = b.add(BtfType::Float { name: "float".into(), size: 4 });
    let td = b.add(BtfType::Typedef { name: "f32".into(), target: f });
    one_member_struct(&mut b, member("x", td, 16), 8);
    assert_eq!(
        rejects(&b, 3, Some("member 'x'")),
        BtfProblem::Misaligned { bit_offset: 16, align: 4 }
    );
}

#[test]
fn bitfields_must_be_integers_no_wider_than_their_type() {
    let (mut b, int) = with_int();
    one_member_struct(
        &mut b,
        Member { name: Some("w".into()), ty: int, bit_offset: 0, bitfield_size: 33 },
        8,
    );
    assert_eq!(
        rejects(&b, 2, Some("member 'w'")),
        BtfProblem::BitfieldTooWide { bits: 33, max: 32 }
    );
    let (mut b, int) = with_int();
    let ptr = b.add(BtfType::Ptr { target: int });
    one_member_struct(
        &mut b,
        Member { name: Some("p".into()), ty: ptr, bit_offset: 0, bitfield_size: 3 },
        8,
    );
    assert_eq!(rejects(&b, 3, Some("member 'p'")), BtfProblem::BitfieldType { target: 2 });
}

#[test]
fn bitfields_span_at_most_128_bits_and_24_bit_offsets() {
    let mut b = Btf::new();
    let wide = b.add(int_type("__int128", 16, IntEncoding::Signed));
    one_member_struct(
        &mut b,
        Member { name: Some("w".into()), ty: wide, bit_offset: 4, bitfield_size: 126 },
        32,
    );
    assert_eq!(
        rejects(&b, 2, Some("member 'w'")),
        BtfProblem::BitfieldSpan { bit_offset: 4, bits: 126 }
    );
    let mut b = Btf::new();
    let int = b.add(int_type("int", 4, IntEncoding::Signed));
    b.add(BtfType::Struct(Composite {
        name: Some("huge".into()),
        size: 4 << 20,
        members: vec![
            Member { name: Some("bf".into()), ty: int, bit_offset: 0, bitfield_size: 1 },
            member("far", int, 1 << 24),
        ],
    }));
    assert_eq!(
        rejects(&b, 2, Some("member 'far'")),
        BtfProblem::OffsetTooLarge { bit_offset: 1 << 24 }
    );
}

#[test]
fn vlen_fits_16_bits() {
    let (mut b, int) = with_int();
    let members = (0..70_000).map(|i| member(&format!("m{i}"), int, 0)).collect();
    b.add(BtfType::Union(Composite { name: None, size: 4, members }));
    assert_eq!(rejects(&b, 2, None), BtfProblem::TooMany { count: 70_000 });
}

#[test]
fn extern_linkage_is_refused() {
    let (mut b, int) = with_int();
    let proto = b.add(BtfType::FuncProto { ret: int, params: vec![] });
    b.add(BtfType::Func { name: "f".into(), proto, linkage: FuncLinkage::Extern });
    assert_eq!(rejects(&b, 3, None), BtfProblem::ExternLinkage);
    let (mut b, int) = with_int();
    b.add(BtfType::Var { name: "v".into(), ty: int, linkage: VarLinkage::GlobalExtern });
    assert_eq!(rejects(&b, 2, None), BtfProblem::ExternLinkage);
}

#[test]
fn a_funcs_parameters_need_names() {
    for linkage in [FuncLinkage::Global, FuncLinkage::Static] {
        let (mut b, int) = with_int();
        let proto = b.add(BtfType::FuncProto {
            ret: int,
            params: vec![Param { name: Some("a".into()), ty: int }, Param { name: None, ty: int }],
        });
        b.add(BtfType::Func { name: "f".into(), proto, linkage });
        let err = b.encode().unwrap_err().to_string();
        assert!(err.contains("FUNC 'f'"), "{err}");
        assert_eq!(rejects(&b, 3, Some("parameter #1")), BtfProblem::UnnamedParam);
    }
    // A prototype alone (a function pointer's) may leave them unnamed.
    let (mut b, int) = with_int();
    b.add(BtfType::FuncProto { ret: int, params: vec![Param { name: None, ty: int }] });
    b.encode().unwrap();
}

#[test]
fn only_an_unnamed_last_parameter_may_be_void() {
    let (mut b, int) = with_int();
    b.add(BtfType::FuncProto {
        ret: int,
        params: vec![Param { name: None, ty: TypeId::VOID }, Param { name: None, ty: int }],
    });
    assert_eq!(rejects(&b, 2, Some("parameter #0")), BtfProblem::MisplacedVararg);
}

fn section(vars: &[(u32, u32)], size: u32) -> Btf {
    let (mut b, int) = with_int();
    let vars = vars
        .iter()
        .enumerate()
        .map(|(i, &(offset, size))| {
            let ty = b.add(BtfType::Var {
                name: format!("v{i}"),
                ty: int,
                linkage: VarLinkage::GlobalAllocated,
            });
            VarSecinfo { ty, offset, size }
        })
        .collect();
    b.add(BtfType::Datasec { name: ".bss".into(), size, vars });
    b
}

#[test]
fn section_variables_are_sorted_sized_and_inside() {
    section(&[(0, 4), (4, 4)], 8).encode().unwrap();
    let p = rejects(&section(&[(4, 4), (0, 4)], 8), 4, Some("variable #1 [3] 'v1'"));
    assert_eq!(p, BtfProblem::VarOverlap { offset: 0, previous_end: 8 });
    let p = rejects(&section(&[(0, 4), (6, 4)], 8), 4, Some("'v1'"));
    assert_eq!(p, BtfProblem::VarPastEnd { offset: 6, size: 4, section_size: 8 });
    let p = rejects(&section(&[(0, 2)], 8), 3, Some("'v0'"));
    assert_eq!(p, BtfProblem::VarSize { size: 2, type_size: 4 });
    assert_eq!(rejects(&section(&[], 8), 2, None), BtfProblem::EmptySection);
    let (mut b, int) = with_int();
    b.add(BtfType::Datasec {
        name: ".data".into(),
        size: 4,
        vars: vec![VarSecinfo { ty: int, offset: 0, size: 4 }],
    });
    assert!(matches!(
        rejects(&b, 2, Some("variable #0")),
        BtfProblem::WrongKind { found: "INT", .. }
    ));
}

#[test]
fn a_decl_tag_names_an_existing_component() {
    let (mut b, int) = with_int();
    let s = one_member_struct(&mut b, member("a", int, 0), 4);
    b.add(BtfType::DeclTag { name: "t".into(), target: s, component_idx: 1 });
    assert_eq!(rejects(&b, 3, None), BtfProblem::TagComponent { index: 1, count: 1 });
    let (mut b, int) = with_int();
    b.add(BtfType::DeclTag { name: "t".into(), target: int, component_idx: -1 });
    assert!(matches!(rejects(&b, 2, None), BtfProblem::WrongKind { found: "INT", .. }));
}

#[test]
fn a_string_table_past_the_kernels_limit_is_too_large() {
    let mut b = Btf::new();
    b.add(BtfType::Int {
        name: "x".repeat(17 << 20),
        size: 4,
        encoding: IntEncoding::Signed,
        offset: 0,
        bits: 32,
    });
    let err = b.encode().unwrap_err();
    assert!(matches!(err, BtfError::TooLarge { what: "string table", .. }), "{err}");
}

#[test]
fn a_split_lists_references_to_its_base_are_trusted() {
    let mut b = Btf::split(100);
    let ptr = b.add(BtfType::Ptr { target: TypeId(5) });
    one_member_struct(&mut b, member("base", TypeId(7), 0), 8);
    assert_eq!(ptr, TypeId(101));
    b.encode().unwrap();
    b.add(BtfType::Ptr { target: TypeId(200) });
    assert_eq!(rejects(&b, 103, None), BtfProblem::MissingType { target: 200 });
}

// ---- Rust types described: the builder and btf_struct! ----

btf_struct! {
    /// Two counters.
    #[derive(Clone, Copy, Debug, Default, PartialEq)]
    struct Pair {
        a: u64,
        b: u64,
    }
}

btf_struct! {
    /// A value with padding, a nested struct, an array, a lock and a timer.
    #[derive(Clone, Copy, Debug, Default, PartialEq, bpfkit::zerocopy::FromBytes, bpfkit::zerocopy::IntoBytes, bpfkit::zerocopy::Immutable, bpfkit::zerocopy::KnownLayout)]
    struct Value {
        lock: BpfSpinLock,
        flag: u32,
        pair_sum: [u64; 2],
        small: [u8; 6],
        signed: i16,
        timer: BpfTimer,
        wide: u128,
    }
}

btf_struct! {
    struct Outer {
        inner: Pair,
        pairs: [Pair; 3],
        on: bool,
    }
}

/// Members of struct `id` as (name, byte offset).
fn members_of(btf: &Btf, id: TypeId) -> (String, u32, Vec<(String, u32, TypeId)>) {
    let Some(BtfType::Struct(s)) = btf.get(id) else { panic!("[{}] is no struct", id.0) };
    let members =
        s.members.iter().map(|m| (m.name.clone().unwrap(), m.bit_offset / 8, m.ty)).collect();
    (s.name.clone().unwrap(), s.size, members)
}

#[test]
fn a_type_described_twice_is_added_once() {
    let mut b = BtfBuilder::new();
    let u = b.describe::<u32>().unwrap();
    assert_eq!(b.describe::<u32>().unwrap(), u);
    let pair = b.describe::<Pair>().unwrap();
    let len = b.btf().len();
    assert_eq!(b.describe::<Pair>().unwrap(), pair);
    b.describe::<[Pair; 3]>().unwrap();
    b.describe::<[Pair; 3]>().unwrap();
    // the array and its index type: nothing else new
    assert_eq!(b.btf().len(), len + 2);
}

#[test]
fn a_struct_from_the_macro_has_rusts_offsets_and_size() {
    use core::mem::{offset_of, size_of};
    let mut b = BtfBuilder::new();
    let id = b.describe::<Value>().unwrap();
    let btf = b.into_btf();
    let (name, size, members) = members_of(&btf, id);
    assert_eq!((name.as_str(), size as usize), ("Value", size_of::<Value>()));
    let want = [
        ("lock", offset_of!(Value, lock)),
        ("flag", offset_of!(Value, flag)),
        ("pair_sum", offset_of!(Value, pair_sum)),
        ("small", offset_of!(Value, small)),
        ("signed", offset_of!(Value, signed)),
        ("timer", offset_of!(Value, timer)),
        ("wide", offset_of!(Value, wide)),
    ];
    let got: Vec<(&str, usize)> =
        members.iter().map(|(n, o, _)| (n.as_str(), *o as usize)).collect();
    assert_eq!(got, want);
    let lock = members[0].2;
    assert_eq!(members_of(&btf, lock).0, "bpf_spin_lock");
    let (timer, timer_size, _) = members_of(&btf, members[5].2);
    assert_eq!((timer.as_str(), timer_size), ("bpf_timer", 16));
    btf.encode().unwrap();
}

#[test]
fn the_macros_struct_is_a_map_value() {
    fn plain<T: bpfkit::maps::Plain>() {}
    plain::<Value>();
    plain::<BpfSpinLock>();
    plain::<BpfTimer>();
    assert_eq!((size_of::<BpfSpinLock>(), align_of::<BpfSpinLock>()), (4, 4));
    assert_eq!((size_of::<BpfTimer>(), align_of::<BpfTimer>()), (16, 8));
}

/// bpftool's dump of `Outer` as the builder describes it.
const OUTER_DUMP: &[&str] = &[
    "[1] INT 'long long unsigned int' size=8 bits_offset=0 nr_bits=64 encoding=(none)",
    "[2] TYPEDEF '__u64' type_id=1",
    "[3] STRUCT 'Pair' size=16 vlen=2\n\t'a' type_id=2 bits_offset=0\n\t'b' type_id=2 bits_offset=64",
    "[4] INT '__ARRAY_SIZE_TYPE__' size=4 bits_offset=0 nr_bits=32 encoding=(none)",
    "[5] ARRAY '(anon)' type_id=3 index_type_id=4 nr_elems=3",
    "[6] INT '_Bool' size=1 bits_offset=0 nr_bits=8 encoding=BOOL",
    "[7] TYPEDEF 'bool' type_id=6",
    "[8] STRUCT 'Outer' size=72 vlen=3\n\t'inner' type_id=3 bits_offset=0\n\t'pairs' type_id=5 bits_offset=128\n\t'on' type_id=7 bits_offset=512",
];

#[test]
fn nested_structs_and_arrays_dump_as_bpftool_expects() {
    let mut b = BtfBuilder::new();
    b.describe::<Outer>().unwrap();
    let bytes = b.btf().encode().unwrap();
    let Some((text, _)) = bpftool_dump(&bytes) else { return };
    assert_eq!(records(&text), OUTER_DUMP);
}

#[test]
fn every_integer_is_named_as_vmlinux_names_it() {
    let mut b = BtfBuilder::new();
    let ids = [
        b.describe::<u8>().unwrap(),
        b.describe::<i8>().unwrap(),
        b.describe::<u16>().unwrap(),
        b.describe::<i16>().unwrap(),
        b.describe::<u32>().unwrap(),
        b.describe::<i32>().unwrap(),
        b.describe::<u64>().unwrap(),
        b.describe::<i64>().unwrap(),
        b.describe::<u128>().unwrap(),
        b.describe::<i128>().unwrap(),
        b.describe::<bool>().unwrap(),
    ];
    let btf = b.into_btf();
    let names: Vec<(&str, &str)> = ids
        .iter()
        .map(|id| {
            let Some(BtfType::Typedef { name, target }) = btf.get(*id) else { panic!() };
            (name.as_str(), btf.get(*target).and_then(BtfType::name).unwrap())
        })
        .collect();
    assert_eq!(
        names,
        [
            ("__u8", "unsigned char"),
            ("__s8", "signed char"),
            ("__u16", "short unsigned int"),
            ("__s16", "short int"),
            ("__u32", "unsigned int"),
            ("__s32", "int"),
            ("__u64", "long long unsigned int"),
            ("__s64", "long long int"),
            ("__u128", "__int128 unsigned"),
            ("__s128", "__int128"),
            ("bool", "_Bool"),
        ]
    );
    btf.encode().unwrap();
}

// ---- Random valid lists: they encode, and bpftool reads them back ----

/// A random list valid by construction: each record refers only to
/// records before it, sized where a size is needed.
fn random_btf(rng: &mut XorShift) -> Btf {
    let mut b = Btf::new();
    // (id, size) of the records with a size; ints separately for indexes
    // and bitfields; vars and protos for datasecs and funcs.
    let mut sized: Vec<(TypeId, u32)> = Vec::new();
    let mut ints: Vec<(TypeId, u32)> = Vec::new();
    let mut vars: Vec<(TypeId, u32)> = Vec::new();
    let mut protos: Vec<TypeId> = Vec::new();
    let mut tag_targets: Vec<TypeId> = Vec::new();
    // Types that are FLOATs (through typedefs and qualifiers): the kernel
    // wants them aligned to min(8, size) in a struct.
    let mut floats: Vec<TypeId> = Vec::new();
    // Types that are enums (the kernel counts an enum member as 4 bytes)
    // and typedefs or qualifiers (a type tag may not follow them).
    let mut enums: Vec<TypeId> = Vec::new();
    let mut modifiers: Vec<TypeId> = Vec::new();
    let mut tags: Vec<TypeId> = Vec::new();
    let n = 1 + rng.below(30);
    let name = |rng: &mut XorShift, prefix: &str| format!("{prefix}{}", rng.below(1000));
    for _ in 0..n {
        if ints.is_empty() || rng.chance(6) {
            let size = rng.pick(&[1u32, 2, 4, 8, 16]);
            let encoding = rng.pick(&[
                IntEncoding::Unsigned,
                IntEncoding::Signed,
                IntEncoding::Char,
                IntEncoding::Bool,
            ]);
            let id = b.add(BtfType::Int {
                name: name(rng, "int "),
                size,
                encoding,
                offset: 0,
                bits: (size * 8) as u8,
            });
            ints.push((id, size));
            sized.push((id, size));
            continue;
        }
        let any_sized = |rng: &mut XorShift| sized[rng.below(sized.len())];
        match rng.below(15) {
            0 => {
                let target = if rng.chance(4) { TypeId::VOID } else { any_sized(rng).0 };
                let id = b.add(BtfType::Ptr { target });
                sized.push((id, 8));
            }
            1 => {
                let (elem, size) = any_sized(rng);
                let len = rng.below(5) as u32;
                let index = ints[rng.below(ints.len())].0;
                if u64::from(size) * u64::from(len) < 1 << 20 {
                    let id = b.add(BtfType::Array { elem, index, len });
                    sized.push((id, size * len));
                }
            }
            2 | 3 => {
                let union = rng.chance(3);
                let mut members = Vec::new();
                let mut end = 0u32;
                for i in 0..rng.below(6) {
                    let bitfield = !ints.is_empty() && rng.chance(4);
                    if bitfield {
                        let (ty, isize) = ints[rng.below(ints.len())];
                        let at = if union { 0 } else { end };
                        // The kernel copies a bitfield through 128 bits.
                        let max = (isize * 8).min(128 - at % 8);
                        let bits = 1 + rng.below(max as usize) as u8;
                        members.push(Member {
                            name: Some(format!("f{i}")),
                            ty,
                            bit_offset: at,
                            bitfield_size: bits,
                        });
                        end = end.max(at + u32::from(bits));
                    } else {
                        let (ty, size) = any_sized(rng);
                        let align = if floats.contains(&ty) { size.min(8) * 8 } else { 8 };
                        let at = if union { 0 } else { end.div_ceil(align) * align };
                        members.push(member(&format!("m{i}"), ty, at));
                        let room = if enums.contains(&ty) { size.max(4) } else { size };
                        end = end.max(at + room * 8);
                    }
                }
                let size = end.div_ceil(8) + rng.below(4) as u32;
                let c = Composite {
                    name: if rng.chance(3) { None } else { Some(name(rng, "s")) },
                    size,
                    members,
                };
                let id = b.add(if union { BtfType::Union(c) } else { BtfType::Struct(c) });
                sized.push((id, size));
                tag_targets.push(id);
            }
            4 => {
                let wide = rng.chance(2);
                let size = rng.pick(&[1u32, 2, 4, 8]);
                let signed = rng.chance(2);
                let values = (0..rng.below(4))
                    .map(|i| Enumerator {
                        name: format!("E{i}_{}", rng.below(100)),
                        value: if wide {
                            rng.next() as i64
                        } else if signed {
                            i64::from(rng.next() as i32)
                        } else {
                            i64::from(rng.next() as u32)
                        },
                    })
                    .collect();
                let e = EnumType { name: Some(name(rng, "e")), size, signed, values };
                let id = b.add(if wide { BtfType::Enum64(e) } else { BtfType::Enum(e) });
                sized.push((id, size));
                enums.push(id);
            }
            5 => {
                b.add(BtfType::Fwd { name: name(rng, "fwd"), union: rng.chance(2) });
            }
            6 => {
                let (target, size) = any_sized(rng);
                if tags.contains(&target) {
                    continue;
                }
                let id = b.add(BtfType::Typedef { name: name(rng, "t"), target });
                for set in [&mut floats, &mut enums] {
                    if set.contains(&target) {
                        set.push(id);
                    }
                }
                modifiers.push(id);
                sized.push((id, size));
                tag_targets.push(id);
            }
            7 => {
                let (target, size) = any_sized(rng);
                let tag = rng.chance(4) && !modifiers.contains(&target);
                if !tag && tags.contains(&target) {
                    continue;
                }
                let id = match rng.below(3) {
                    _ if tag => b.add(BtfType::TypeTag { name: name(rng, "tag"), target }),
                    0 => b.add(BtfType::Const { target }),
                    1 => b.add(BtfType::Volatile { target }),
                    _ => b.add(BtfType::Restrict { target }),
                };
                for set in [&mut floats, &mut enums] {
                    if set.contains(&target) {
                        set.push(id);
                    }
                }
                if tag {
                    tags.push(id)
                } else {
                    modifiers.push(id)
                }
                sized.push((id, size));
            }
            8 => {
                let ret = if rng.chance(3) { TypeId::VOID } else { any_sized(rng).0 };
                let mut params: Vec<Param> = (0..rng.below(4))
                    .map(|i| Param { name: Some(format!("p{i}")), ty: any_sized(rng).0 })
                    .collect();
                if rng.chance(5) {
                    params.push(Param { name: None, ty: TypeId::VOID });
                }
                protos.push(b.add(BtfType::FuncProto { ret, params }));
            }
            9 if !protos.is_empty() => {
                let proto = protos[rng.below(protos.len())];
                let linkage = if rng.chance(2) { FuncLinkage::Static } else { FuncLinkage::Global };
                let id = b.add(BtfType::Func { name: name(rng, "f"), proto, linkage });
                tag_targets.push(id);
            }
            10 => {
                let (ty, size) = any_sized(rng);
                let linkage =
                    if rng.chance(2) { VarLinkage::Static } else { VarLinkage::GlobalAllocated };
                let id = b.add(BtfType::Var { name: name(rng, "v"), ty, linkage });
                vars.push((id, size));
                tag_targets.push(id);
            }
            11 if !vars.is_empty() => {
                let mut at = 0u32;
                let mut secinfo = Vec::new();
                for &(ty, size) in vars.iter().take(1 + rng.below(vars.len())) {
                    let size = size.max(1);
                    at += rng.below(3) as u32;
                    secinfo.push(VarSecinfo { ty, offset: at, size });
                    at += size;
                }
                b.add(BtfType::Datasec {
                    name: format!(".data.{}", rng.below(9)),
                    size: at + rng.below(3) as u32,
                    vars: secinfo,
                });
            }
            12 => {
                let size = rng.pick(&[2u32, 4, 8, 12, 16]);
                let id = b.add(BtfType::Float { name: name(rng, "float"), size });
                floats.push(id);
                sized.push((id, size));
            }
            13 if !tag_targets.is_empty() => {
                let target = tag_targets[rng.below(tag_targets.len())];
                b.add(BtfType::DeclTag { name: name(rng, "dtag"), target, component_idx: -1 });
            }
            _ => {}
        }
    }
    b
}

#[test]
fn random_valid_lists_encode_and_bpftool_reads_them() {
    let seed = std::env::var("BPFKIT_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0xb7f);
    let mut rng = XorShift::new(seed);
    let bpftool = common::require_bpftool().is_some();
    for case in 0..300 {
        let btf = random_btf(&mut rng);
        let bytes =
            btf.encode().unwrap_or_else(|e| panic!("case {case} (seed {seed}): {e}\n{btf:#?}"));
        if !bpftool {
            continue;
        }
        let (_, json) = bpftool_dump(&bytes).unwrap();
        let types = json["types"].as_array().unwrap();
        assert_eq!(types.len(), btf.len(), "case {case}");
        for ((id, ty), j) in btf.types().zip(types) {
            assert_eq!(j["id"], id.0, "case {case}: {j}");
            assert_eq!(j["kind"], ty.kind().name(), "case {case}: {j}");
            if let Some(name) = ty.name() {
                assert_eq!(j["name"], name, "case {case}: {j}");
            }
        }
    }
}

/// A hand-written description that is wrong: 8 bytes described as 4.
#[derive(Clone, Copy)]
struct Wrong(#[allow(dead_code)] u64);

impl bpfkit::btf::BtfDescribe for Wrong {
    fn add_btf(b: &mut BtfBuilder) -> Result<TypeId, BtfError> {
        b.describe::<u32>()
    }
}

btf_struct! {
    struct HoldsWrong {
        fine: f64,
        wrong: Wrong,
    }
}

#[test]
fn a_wrong_description_is_an_error_naming_the_field() {
    let err = BtfBuilder::new().describe::<HoldsWrong>().unwrap_err();
    let BtfError::Field { rust_type, field, source } = &err else { panic!("{err}") };
    assert_eq!((*rust_type, *field), ("HoldsWrong", "wrong"));
    assert!(
        matches!(**source, BtfError::SizeMismatch { rust_size: 8, btf_size: Some(4), .. }),
        "{source}"
    );
    let text = err.to_string();
    assert!(text.contains("field wrong of HoldsWrong") && text.contains("8 bytes"), "{text}");
}

#[test]
fn floats_are_described_as_c_floats() {
    let mut b = BtfBuilder::new();
    let f = b.describe::<f32>().unwrap();
    let d = b.describe::<f64>().unwrap();
    let btf = b.into_btf();
    assert_eq!(btf.get(f), Some(&BtfType::Float { name: "float".into(), size: 4 }));
    assert_eq!(btf.get(d), Some(&BtfType::Float { name: "double".into(), size: 8 }));
}
