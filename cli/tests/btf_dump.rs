//! `bpfkit btf dump file` against bpftool 7.1, byte for byte: vmlinux in
//! text, JSON and pretty JSON, and a module's split BTF when one is loaded.
//! Compared in memory; a failure shows the first line that differs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stderr)]

mod common;

use std::path::Path;

use common::{bpfkit, bpftool};

const VMLINUX: &str = "/sys/kernel/btf/vmlinux";

/// Panics with the first differing line (and its number) unless equal.
fn assert_same(ours: &str, theirs: &str, what: &str) {
    if ours == theirs {
        return;
    }
    let (n, (a, b)) = ours
        .lines()
        .zip(theirs.lines())
        .enumerate()
        .find(|(_, (a, b))| a != b)
        .unwrap_or((ours.lines().count().min(theirs.lines().count()), ("<end>", "<end>")));
    panic!(
        "{what}: line {} differs ({} bytes vs bpftool's {}):\n  bpfkit:  {}\n  bpftool: {}",
        n + 1,
        ours.len(),
        theirs.len(),
        &a[..a.len().min(300)],
        &b[..b.len().min(300)]
    );
}

/// `btf dump file FILE` with `flags` from both tools, compared.
fn compare(file: &str, flags: &[&str]) {
    let mut args: Vec<&str> = flags.to_vec();
    args.extend(["btf", "dump", "file", file]);
    let Some(theirs) = bpftool(&args) else { return };
    let theirs = theirs.success();
    let ours = bpfkit(&args).success();
    assert_same(&ours.stdout, &theirs.stdout, &args.join(" "));
}

fn vmlinux_present() -> bool {
    if Path::new(VMLINUX).exists() {
        return true;
    }
    // Not bpftool's absence: BPFKIT_REQUIRE_BPFTOOL does not make it fail.
    eprintln!("SKIPPED: the kernel has no BTF ({VMLINUX}); btf dump is not compared");
    false
}

#[test]
fn vmlinux_dumps_as_bpftool_text() {
    if vmlinux_present() {
        compare(VMLINUX, &[]);
    }
}

#[test]
fn vmlinux_dumps_as_bpftool_json() {
    if vmlinux_present() {
        compare(VMLINUX, &["-j"]);
        compare(VMLINUX, &["-p"]);
    }
}

#[test]
fn a_module_dumps_split_on_vmlinux_as_bpftool() {
    let module = std::fs::read_dir("/sys/kernel/btf").ok().and_then(|d| {
        let mut names: Vec<_> =
            d.flatten().map(|e| e.path()).filter(|p| !p.ends_with("vmlinux")).collect();
        names.sort();
        names.into_iter().next()
    });
    let Some(module) = module else {
        // Not bpftool's absence: BPFKIT_REQUIRE_BPFTOOL does not make it fail.
        eprintln!(
            "SKIPPED (a_module_dumps_split_on_vmlinux_as_bpftool): no module BTF in \
             /sys/kernel/btf; split BTF is compared on a synthetic file instead"
        );
        return;
    };
    let module = module.to_str().unwrap();
    compare(module, &[]);
    compare(module, &["-j"]);
}

#[test]
fn bad_files_and_sources_are_errors() {
    let dir = std::env::temp_dir().join(format!("bpfkit-btf-dump-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.btf");
    std::fs::write(&bad, [0x9f_u8, 0xeb, 1, 0, 24, 0, 0]).unwrap();
    let run = bpfkit(&["btf", "dump", "file", bad.to_str().unwrap()]);
    assert_eq!(run.status, Some(255), "{run:?}");
    assert!(
        run.stderr.contains("failed to load BTF from") && run.stderr.contains("needs 24 bytes"),
        "{}",
        run.stderr
    );
    let run = bpfkit(&["btf", "dump", "nothing", "1"]);
    assert!(run.stderr.contains("unrecognized BTF source specifier"), "{}", run.stderr);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Split BTF on vmlinux with a record of every kind, referring to base
/// types and naming one member by a base string.
fn synthetic_split(vmlinux: &[u8]) -> Vec<u8> {
    let word = |at: usize| u32::from_ne_bytes(vmlinux[at..at + 4].try_into().unwrap());
    let base_strings = word(20);
    let base_types = bpfkit::btf::BtfView::parse(vmlinux).unwrap().len() as u32;
    let id = |n: u32| base_types + n; // the n-th split type, from 1
    let mut strings = b"\0".to_vec();
    let mut name = |s: &str| {
        let off = base_strings + strings.len() as u32;
        strings.extend_from_slice(s.as_bytes());
        strings.push(0);
        off
    };
    let info = |kind: u32, vlen: u32, kflag: bool| kind << 24 | vlen | u32::from(kflag) << 31;
    let types: Vec<u32> = [
        // 1 INT 'myint' signed 32
        vec![name("myint"), info(1, 0, false), 4, 0x0100_0020],
        // 2 PTR -> 1 (a base type)
        vec![0, info(2, 0, false), 1],
        // 3 ARRAY of 1 indexed by split 1
        vec![0, info(3, 0, false), 0, 1, id(1), 3],
        // 4 STRUCT 'mys' with bitfields; the first member named by base string 1
        vec![name("mys"), info(4, 2, true), 8, 1, id(1), 0x0300_0000, name("b"), 1, 0x0000_0020],
        // 5 UNION (anon) with one anonymous member
        vec![0, info(5, 1, false), 8, 0, id(4), 0],
        // 6 ENUM 'mye' signed: -3, 7
        vec![name("mye"), info(6, 2, true), 4, name("NEG"), (-3_i32) as u32, name("POS"), 7],
        // 7 FWD union 'myfwd'
        vec![name("myfwd"), info(7, 0, true), 0],
        // 8 TYPEDEF 'myt' -> 2; 9 VOLATILE, 10 CONST, 11 RESTRICT
        vec![name("myt"), info(8, 0, false), id(2)],
        vec![0, info(9, 0, false), id(1)],
        vec![0, info(10, 0, false), id(9)],
        vec![0, info(11, 0, false), id(2)],
        // 12 FUNC 'myf' global -> 13
        vec![name("myf"), info(12, 1, false), id(13)],
        // 13 FUNC_PROTO int (int a, ...)
        vec![0, info(13, 2, false), id(1), name("a"), id(1), 0, 0],
        // 14 VAR 'myv' global -> 1
        vec![name("myv"), info(14, 0, false), id(1), 1],
        // 15 DATASEC '.data' with myv
        vec![name(".data"), info(15, 1, false), 4, id(14), 0, 4],
        // 16 FLOAT 'myfl'
        vec![name("myfl"), info(16, 0, false), 8],
        // 17 DECL_TAG 'tag' on myf's parameter 0
        vec![name("tag"), info(17, 0, false), id(12), 0],
        // 18 TYPE_TAG 'tt' -> 1
        vec![name("tt"), info(18, 0, false), id(1)],
        // 19 ENUM64 'e64' unsigned 2^40; 20 ENUM64 'se64' signed -2^40
        vec![name("e64"), info(19, 1, false), 8, name("BIG"), 0, 0x100],
        vec![name("se64"), info(19, 1, true), 8, name("SMALL"), 0, 0xffff_ff00],
    ]
    .concat();
    let types_len = types.len() as u32 * 4;
    let mut out = Vec::new();
    for w in [0x0001_eb9f_u32, 24, 0, types_len, types_len, strings.len() as u32] {
        out.extend_from_slice(&w.to_ne_bytes());
    }
    for w in types {
        out.extend_from_slice(&w.to_ne_bytes());
    }
    out.extend_from_slice(&strings);
    out
}

#[test]
fn synthetic_split_btf_dumps_as_bpftool_with_a_base() {
    if !vmlinux_present() {
        return;
    }
    let split = synthetic_split(&std::fs::read(VMLINUX).unwrap());
    let dir = std::env::temp_dir().join(format!("bpfkit-btf-split-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("split.btf");
    std::fs::write(&file, split).unwrap();
    let file = file.to_str().unwrap();
    for flags in [&[][..], &["-j"]] {
        let mut theirs: Vec<&str> = flags.to_vec();
        theirs.extend(["-B", VMLINUX, "btf", "dump", "file", file]);
        let Some(theirs) = bpftool(&theirs) else { break };
        let theirs = theirs.success();
        let mut ours: Vec<&str> = flags.to_vec();
        ours.extend(["btf", "dump", "file", file, "-B", VMLINUX]);
        let ours = bpfkit(&ours).success();
        // Every split type is there, and a member named by a base string.
        assert_eq!(
            theirs
                .stdout
                .matches("\"kind\"")
                .count()
                .max(theirs.stdout.lines().filter(|l| l.starts_with('[')).count()),
            20,
            "{}",
            theirs.stdout
        );
        assert_same(&ours.stdout, &theirs.stdout, &format!("split {flags:?}"));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `btf dump id N` of vmlinux's object and of one loaded from BTF that
/// bpfkit encoded, in text and JSON; and a missing id, reported twice and
/// exiting 254 as bpftool does.
#[test]
fn kernel_objects_dump_by_id_as_bpftool() {
    require_kernel!();
    use bpfkit::btf::{BpfSpinLock, BtfBuilder, BtfObject, btf_ids};

    bpfkit::btf_struct! {
        #[derive(Clone, Copy, Default)]
        pub struct Locked {
            pub lock: BpfSpinLock,
            pub hits: [u32; 3],
            pub total: u64,
        }
    }
    let mut b = BtfBuilder::new();
    b.describe::<Locked>().unwrap();
    let ours = BtfObject::load(&b.into_btf().encode().unwrap()).unwrap();
    let ours_id = ours.info().unwrap().id.to_string();
    let vmlinux = btf_ids()
        .map(Result::unwrap)
        .find(|&id| {
            BtfObject::from_id(id)
                .and_then(|b| b.info())
                .is_ok_and(|i| i.kernel_btf && i.name == "vmlinux")
        })
        .unwrap()
        .to_string();
    for id in [&ours_id, &vmlinux] {
        for flags in [&[][..], &["-j"], &["-p"]] {
            let mut args: Vec<&str> = flags.to_vec();
            args.extend(["btf", "dump", "id", id]);
            let Some(theirs) = bpftool(&args) else { return };
            let theirs = theirs.success();
            assert_same(&bpfkit(&args).success().stdout, &theirs.stdout, &args.join(" "));
        }
    }
    for flags in [&[][..], &["-j"], &["-p"]] {
        let mut args: Vec<&str> = flags.to_vec();
        args.extend(["btf", "dump", "id", "4294967295"]);
        let Some(theirs) = bpftool(&args) else { return };
        let mine = bpfkit(&args);
        assert_eq!(
            (mine.status, &mine.stdout, &mine.stderr),
            (theirs.status, &theirs.stdout, &theirs.stderr),
            "{args:?}"
        );
    }
}
