//! The BTF reader: the running kernel's BTF read whole and found by name,
//! split BTF on a base, and hostile bytes refused with an error that names
//! the place, never a panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use bpfkit::Error;
use bpfkit::btf::{Btf, BtfDecodeError, BtfType, BtfView, DecodeProblem, Kind, TypeId};

const VMLINUX: &str = "/sys/kernel/btf/vmlinux";

fn vmlinux_bytes() -> Option<Vec<u8>> {
    if !Path::new(VMLINUX).exists() {
        eprintln!("SKIPPED: {VMLINUX} is absent (a kernel without CONFIG_DEBUG_INFO_BTF)");
        return None;
    }
    Some(std::fs::read(VMLINUX).unwrap())
}

/// Builds raw BTF: a header, `types` as u32 words, `strings`.
fn raw(types: &[u32], strings: &[u8]) -> Vec<u8> {
    let types_len = (types.len() * 4) as u32;
    let mut out = Vec::new();
    for w in [0x0001_eb9f_u32, 24, 0, types_len, types_len, strings.len() as u32] {
        out.extend_from_slice(&w.to_ne_bytes());
    }
    for w in types {
        out.extend_from_slice(&w.to_ne_bytes());
    }
    out.extend_from_slice(strings);
    out
}

fn info(kind: Kind, vlen: u32, kind_flag: bool) -> u32 {
    kind.number() << 24 | vlen | u32::from(kind_flag) << 31
}

fn decode_error(bytes: &[u8]) -> BtfDecodeError {
    match BtfView::parse(bytes) {
        Err(Error::BtfDecode(e)) => e,
        Err(other) => panic!("not a decode error: {other}"),
        Ok(_) => panic!("accepted"),
    }
}

#[test]
fn vmlinux_decodes_whole_with_every_kind() {
    let Some(bytes) = vmlinux_bytes() else { return };
    let view = BtfView::parse(&bytes).unwrap();
    let btf = Btf::from_view(&view).unwrap();
    assert!(btf.len() > 10_000, "{} types", btf.len());
    assert_eq!(btf.len(), view.len());
    let mut kinds = BTreeMap::new();
    for (_, ty) in btf.types() {
        *kinds.entry(ty.kind()).or_insert(0_usize) += 1;
    }
    // Every kind a 6.x kernel built with pahole 1.2x emits.
    for kind in Kind::ALL {
        assert!(kinds.contains_key(&kind), "no {kind} in vmlinux: {kinds:?}");
    }
    // bpftool counts the same types.
    if let Ok(out) =
        std::process::Command::new("bpftool").args(["btf", "dump", "file", VMLINUX]).output()
    {
        let text = String::from_utf8_lossy(&out.stdout);
        let theirs = text.lines().filter(|l| l.starts_with('[')).count();
        assert_eq!(btf.len(), theirs);
    } else {
        eprintln!("SKIPPED: bpftool is not installed; the type count is not compared");
    }
}

#[test]
fn vmlinux_finds_helpers_and_kfuncs_by_name() {
    let Some(bytes) = vmlinux_bytes() else { return };
    let view = BtfView::parse(&bytes).unwrap();
    let id = view.find(Kind::Func, "bpf_map_lookup_elem").expect("FUNC bpf_map_lookup_elem");
    let func = view.get(id).unwrap();
    assert_eq!((func.kind(), func.name()), (Kind::Func, Some("bpf_map_lookup_elem")));
    // A struct, and a name that is both a FWD-less struct and its typedef-less self.
    let task = view.find(Kind::Struct, "task_struct").unwrap();
    assert_eq!(view.get(task).unwrap().name(), Some("task_struct"));
    assert_eq!(view.find(Kind::Func, "task_struct"), None);
    assert_eq!(view.find(Kind::Func, "no_such_function_anywhere"), None);
    // The index agrees with a plain scan for every FUNC.
    let mut scanned: BTreeMap<&str, TypeId> = BTreeMap::new();
    for t in view.types().filter(|t| t.kind() == Kind::Func) {
        scanned.entry(t.name().unwrap()).or_insert(t.id());
    }
    for (name, id) in &scanned {
        assert_eq!(view.find(Kind::Func, name), Some(*id), "{name}");
    }
    let all = view.find_all("task_struct");
    assert!(all.contains(&task));
    assert!(all.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn split_btf_continues_the_base_ids_and_strings() {
    // Base: [1] INT 'int'; strings "\0int\0" (5 bytes).
    let base = raw(&[1, info(Kind::Int, 0, false), 4, 0x0100_0020], b"\0int\0");
    let base = Arc::new(BtfView::parse(&base).unwrap());
    // Split: [2] PTR -> 1, [3] TYPEDEF 'pint' (offset 5 + 0) -> 2,
    // [4] STRUCT 's' with member 'int' (a base string) of type 1.
    let split = raw(
        &[
            0,
            info(Kind::Ptr, 0, false),
            1,
            5,
            info(Kind::Typedef, 0, false),
            2,
            10,
            info(Kind::Struct, 1, false),
            4,
            1,
            1,
            0,
        ],
        b"pint\0s\0",
    );
    let view = BtfView::parse_split(&split, Arc::clone(&base)).unwrap();
    assert_eq!((view.first_id(), view.len(), view.next_id()), (TypeId(2), 3, TypeId(5)));
    assert_eq!(view.get(TypeId(1)).unwrap().name(), Some("int"));
    assert_eq!(view.get(TypeId(3)).unwrap().name(), Some("pint"));
    assert_eq!(view.find(Kind::Int, "int"), Some(TypeId(1)));
    assert_eq!(view.find(Kind::Typedef, "pint"), Some(TypeId(3)));
    let btf = Btf::parse_split(&split, &base).unwrap();
    assert_eq!(btf.first_id(), TypeId(2));
    let BtfType::Struct(s) = btf.get(TypeId(4)).unwrap() else { panic!("a struct") };
    assert_eq!((s.name.as_deref(), s.members[0].name.as_deref()), (Some("s"), Some("int")));
    // A split file read alone: its string offsets point nowhere.
    assert!(matches!(
        decode_error(&split).problem,
        DecodeProblem::StringsNotTerminated | DecodeProblem::BadStringOffset(_)
    ));
}

#[test]
fn module_btf_of_the_running_kernel_is_split_on_vmlinux() {
    let Some(module) = std::fs::read_dir("/sys/kernel/btf")
        .ok()
        .and_then(|d| d.flatten().map(|e| e.file_name()).find(|n| n != "vmlinux"))
    else {
        eprintln!(
            "SKIPPED: no module BTF in /sys/kernel/btf; the split case is tested on synthetic BTF only"
        );
        return;
    };
    let vmlinux = Arc::new(BtfView::vmlinux().unwrap());
    let view = BtfView::module(module.to_str().unwrap(), Arc::clone(&vmlinux)).unwrap();
    assert_eq!(view.first_id(), vmlinux.next_id());
    Btf::from_view(&view).unwrap();
}

#[test]
fn bitfields_enum_signedness_and_linkage_decode() {
    let strings = b"\0s\0a\0b\0e\0m\0f\0";
    let types = [
        // [1] STRUCT 's' kind_flag, 2 members: a (bits 0, width 3), b (bit 3, width 5)
        1,
        info(Kind::Struct, 2, true),
        4,
        3,
        2,
        0x0300_0000,
        5,
        2,
        0x0500_0003,
        // [2] ENUM 'e' signed, 'm' = -1
        7,
        info(Kind::Enum, 1, true),
        4,
        9,
        0xffff_ffff,
        // [3] ENUM64 'e' unsigned, 'm' = 2^40
        7,
        info(Kind::Enum64, 1, false),
        8,
        9,
        0,
        0x100,
        // [4] FUNC 'f' global, proto 5
        11,
        info(Kind::Func, 1, false),
        5,
        // [5] FUNC_PROTO void(void)
        0,
        info(Kind::FuncProto, 0, false),
        0,
    ];
    let btf = Btf::parse(&raw(&types, strings)).unwrap();
    let BtfType::Struct(s) = btf.get(TypeId(1)).unwrap() else { panic!() };
    assert_eq!(
        s.members.iter().map(|m| (m.bit_offset, m.bitfield_size)).collect::<Vec<_>>(),
        [(0, 3), (3, 5)]
    );
    let BtfType::Enum(e) = btf.get(TypeId(2)).unwrap() else { panic!() };
    assert!(e.signed);
    assert_eq!(e.values[0].value, -1);
    let BtfType::Enum64(e) = btf.get(TypeId(3)).unwrap() else { panic!() };
    assert_eq!((e.signed, e.values[0].value), (false, 1 << 40));
    assert!(matches!(
        btf.get(TypeId(4)),
        Some(BtfType::Func { linkage: bpfkit::btf::FuncLinkage::Global, .. })
    ));
}

#[test]
fn hostile_headers_are_refused_with_the_place() {
    let good = raw(&[1, info(Kind::Int, 0, false), 4, 0x0100_0020], b"\0int\0");
    BtfView::parse(&good).unwrap();

    for len in 0..24 {
        let e = decode_error(&good[..len]);
        assert!(
            matches!(e.problem, DecodeProblem::Truncated { .. } | DecodeProblem::BadHeaderLen(_)),
            "{len}: {e}"
        );
    }
    let mut swapped = good.clone();
    swapped.swap(0, 1);
    let e = decode_error(&swapped);
    assert_eq!(e.problem, DecodeProblem::ForeignEndian);
    assert!(e.to_string().contains("other byte order"), "{e}");

    let mut magic = good.clone();
    magic[0] = 0;
    assert!(matches!(decode_error(&magic).problem, DecodeProblem::BadMagic(_)));

    let mut version = good.clone();
    version[2] = 2;
    assert_eq!(decode_error(&version).problem, DecodeProblem::BadVersion(2));

    let mut hdr = good.clone();
    hdr[4..8].copy_from_slice(&1000_u32.to_ne_bytes());
    assert_eq!(decode_error(&hdr).problem, DecodeProblem::BadHeaderLen(1000));

    // The type section past the end, and a string section whose end
    // overflows a u32.
    let mut past = good.clone();
    past[12..16].copy_from_slice(&100_u32.to_ne_bytes());
    let e = decode_error(&past);
    assert!(matches!(e.problem, DecodeProblem::BadSection { section: "type", .. }), "{e}");
    assert_eq!(e.offset, 8);
    let mut huge = good.clone();
    huge[16..20].copy_from_slice(&u32::MAX.to_ne_bytes());
    huge[20..24].copy_from_slice(&u32::MAX.to_ne_bytes());
    assert!(matches!(
        decode_error(&huge).problem,
        DecodeProblem::BadSection { section: "string", .. }
    ));
}

#[test]
fn hostile_records_and_strings_are_refused_with_the_type() {
    // A huge vlen: 65535 members of a struct, in a 16-byte section.
    let e = decode_error(&raw(&[0, info(Kind::Struct, 0xffff, false), 4, 0], b"\0"));
    assert_eq!(
        e.problem,
        DecodeProblem::Truncated { what: "type record", need: 12 + 12 * 0xffff, have: 16 }
    );
    assert_eq!((e.offset, e.type_id), (24, Some(1)));
    assert!(e.to_string().contains("type [1]"), "{e}");

    // A type section that is not a whole number of records: 2 bytes over.
    let mut bytes = raw(&[0, info(Kind::Ptr, 0, false), 0, 0], b"\0");
    bytes[12..16].copy_from_slice(&14_u32.to_ne_bytes());
    bytes[16..20].copy_from_slice(&16_u32.to_ne_bytes());
    let e = decode_error(&bytes);
    assert_eq!(e.problem, DecodeProblem::Truncated { what: "type record", need: 12, have: 2 });
    assert_eq!((e.offset, e.type_id), (36, Some(2)));

    // A reference past the last type: a member of type [7] in 1 type.
    let e = decode_error(&raw(&[0, info(Kind::Struct, 1, false), 4, 0, 7, 0], b"\0"));
    assert_eq!((e.problem, e.offset, e.type_id), (DecodeProblem::BadTypeId(7), 40, Some(1)));
    // ... and a forward one, which is fine.
    BtfView::parse(&raw(
        &[0, info(Kind::Ptr, 0, false), 2, 0, info(Kind::Ptr, 0, false), 0],
        b"\0",
    ))
    .unwrap();

    // An unknown kind.
    let e = decode_error(&raw(&[0, 25 << 24, 0], b"\0"));
    assert_eq!((e.problem, e.type_id), (DecodeProblem::UnknownKind(25), Some(1)));

    // A name past the string table, in a record and in a member.
    let e = decode_error(&raw(&[9, info(Kind::Ptr, 0, false), 0], b"\0"));
    assert_eq!(e.problem, DecodeProblem::BadStringOffset(9));
    let e = decode_error(&raw(&[0, info(Kind::Struct, 1, false), 4, 7, 0, 0], b"\0a\0"));
    assert_eq!((e.problem, e.offset), (DecodeProblem::BadStringOffset(7), 36));

    // Strings that do not end with NUL, or do not start with one, or are
    // not UTF-8.
    let e = decode_error(&raw(&[1, info(Kind::Ptr, 0, false), 0], b"\0abc"));
    assert_eq!(e.problem, DecodeProblem::StringsNotTerminated);
    let e = decode_error(&raw(&[], b"a\0"));
    assert_eq!(e.problem, DecodeProblem::StringsNotTerminated);
    let e = decode_error(&raw(&[], b"\0\xff\0"));
    assert_eq!((e.problem, e.offset), (DecodeProblem::StringsNotUtf8, 25));

    // Fields the model does not define: an integer of two encodings, a
    // function linkage of 7.
    let bytes = raw(&[0, info(Kind::Int, 0, false), 4, 0x0300_0020], b"\0");
    let Err(Error::BtfDecode(e)) = Btf::parse(&bytes) else { panic!("accepted") };
    assert!(matches!(e.problem, DecodeProblem::BadField { what: "integer encoding", value: 3 }));
    let bytes = raw(&[0, info(Kind::Func, 7, false), 0], b"\0");
    assert!(Btf::parse(&bytes).is_err());
}

/// A small xorshift, so the mutations are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn mutated_vmlinux_prefixes_never_panic() {
    let Some(bytes) = vmlinux_bytes() else { return };
    // The header, then the types of vmlinux's first ~4 KB (cut at a record
    // boundary), then its whole string section, so that names resolve.
    let hdr = 24;
    let full = BtfView::parse(&bytes).unwrap();
    let types_len = full.types().map(|t| t.offset() - hdr).find(|&o| o >= 4096).unwrap();
    let str_off = u32::from_ne_bytes(bytes[16..20].try_into().unwrap()) as usize;
    let str_len = u32::from_ne_bytes(bytes[20..24].try_into().unwrap()) as usize;
    let mut sample = bytes[..hdr + types_len].to_vec();
    sample[12..16].copy_from_slice(&(types_len as u32).to_ne_bytes());
    sample[16..20].copy_from_slice(&(types_len as u32).to_ne_bytes());
    sample.extend_from_slice(&bytes[hdr + str_off..hdr + str_off + str_len]);
    // The prefix refers to types after it: point those references at [1].
    let kept = full.types().take_while(|t| t.offset() < hdr + types_len).count() as u32;
    for t in full.types().take(kept as usize) {
        let at = t.offset();
        let vlen = usize::from(t.vlen());
        let fields: Vec<usize> = match t.kind() {
            Kind::Array => vec![at + 12, at + 16],
            Kind::Struct | Kind::Union => (0..vlen).map(|i| at + 16 + 12 * i).collect(),
            Kind::FuncProto => {
                std::iter::once(at + 8).chain((0..vlen).map(|i| at + 16 + 8 * i)).collect()
            }
            Kind::Datasec => (0..vlen).map(|i| at + 12 + 12 * i).collect(),
            Kind::Int | Kind::Enum | Kind::Enum64 | Kind::Fwd | Kind::Float => vec![],
            _ => vec![at + 8],
        };
        for f in fields {
            let id = u32::from_ne_bytes(sample[f..f + 4].try_into().unwrap());
            if id > kept {
                sample[f..f + 4].copy_from_slice(&1_u32.to_ne_bytes());
            }
        }
    }
    assert_eq!(
        BtfView::parse(&sample).unwrap().len(),
        full.types().take_while(|t| t.offset() < hdr + types_len).count()
    );

    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut accepted, mut refused) = (0, 0);
    let span = (hdr + types_len) as u64;
    for _ in 0..3000 {
        // Mutate in place and undo after, not to copy 3 MB of strings each time.
        let mut undo = Vec::new();
        for _ in 0..1 + rng.next() % 4 {
            let at = (rng.next() % span) as usize;
            undo.push((at, sample[at]));
            if rng.next() % 2 == 0 {
                sample[at] = rng.next() as u8;
            } else {
                sample[at] ^= 1 << (rng.next() % 8);
            }
        }
        let len = if rng.next() % 8 == 0 { (rng.next() % span) as usize } else { sample.len() };
        match BtfView::parse(&sample[..len]) {
            Ok(view) => {
                accepted += 1;
                let _ = Btf::from_view(&view);
                for t in view.types() {
                    let _ = (t.name(), t.decode());
                }
                let _ = view.find(Kind::Func, "x");
            }
            Err(Error::BtfDecode(e)) => {
                refused += 1;
                assert!(e.offset <= len, "{e}");
            }
            Err(other) => panic!("{other}"),
        }
        for (at, byte) in undo.into_iter().rev() {
            sample[at] = byte;
        }
    }
    assert!(accepted > 0 && refused > 0, "{accepted} accepted, {refused} refused");
}
