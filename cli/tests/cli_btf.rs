//! `bpfkit btf show|list` against bpftool 7.1, on BTF objects of the test's
//! own with maps that refer to them: text line for line, JSON key for key
//! (bpftool's `pids`, which bpfkit leaves out, aside), errors alike.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use bpfkit::asm::{ProgramBuilder, R0};
use bpfkit::btf::{BtfObject, TypeId};
use bpfkit::maps::{MapFd, MapSpec, MapType};
use bpfkit::prog::{ProgType, ProgramSpec};
use common::btf::{INT, PAIR, pair};
use common::{bpfkit, bpftool};
use serde_json::Value;

/// A BTF object of the test's own with `maps` maps described by it, held
/// by the maps alone: with no fd of it open, bpftool prints no `pids` for
/// it. Returns its id and size, and the maps.
fn btf_with_maps(maps: usize) -> (String, u32, Vec<MapFd>) {
    let btf = BtfObject::load(&pair(PAIR, INT)).unwrap();
    let maps = (0..maps)
        .map(|_| {
            let spec = MapSpec::new(MapType::ARRAY, 4, 8, 1).name("cli_btf");
            spec.btf(&btf, TypeId(1), TypeId(2)).create().unwrap()
        })
        .collect();
    let info = btf.info().unwrap();
    (info.id.to_string(), info.size, maps)
}

/// Text without bpftool's `pids` lines.
fn without_pids(text: &str) -> String {
    text.split_inclusive('\n').filter(|line| !line.starts_with("\tpids ")).collect()
}

/// JSON without bpftool's `pids` keys.
fn strip_pids(mut value: Value) -> Value {
    match &mut value {
        Value::Array(items) => {
            *items = items.drain(..).map(strip_pids).collect();
        }
        Value::Object(map) => {
            map.remove("pids");
        }
        _ => {}
    }
    value
}

/// Runs both tools with `args` until they agree: other tests create and
/// drop objects between the two runs, and every object with BTF decides
/// the order bpftool prints ids in. Returns (bpftool's, bpfkit's) of the
/// last try; `None` without bpftool.
fn both(args: &[&str], json: bool) -> Option<(String, String)> {
    let mut last = None;
    for _ in 0..20 {
        let theirs = bpftool(args)?.success().stdout;
        let ours = bpfkit(args).success().stdout;
        let same = if json {
            strip_pids(serde_json::from_str(&theirs).unwrap())
                == serde_json::from_str::<Value>(&ours).unwrap()
        } else {
            without_pids(&theirs) == ours
        };
        if same {
            return Some((theirs, ours));
        }
        last = Some((theirs, ours));
    }
    last
}

#[test]
fn one_btf_object_shows_as_in_bpftool() {
    require_kernel!();
    // Five maps: enough for libbpf's table to grow and reorder them.
    let (id, size, maps) = btf_with_maps(5);

    let ours = bpfkit(&["btf", "show", "id", &id]).success().stdout;
    assert!(ours.starts_with(&format!("{id}: name <anon>  size {size}B  map_ids ")), "{ours}");
    for map in &maps {
        assert!(ours.contains(&map.info().unwrap().id.to_string()), "{ours}");
    }
    let Some((theirs, ours)) = both(&["btf", "show", "id", &id], false) else { return };
    assert_eq!(ours, without_pids(&theirs));
    for flags in [&["-j"][..], &["-p"]] {
        let mut args = flags.to_vec();
        args.extend(["btf", "show", "id", &id]);
        let (theirs, ours) = both(&args, true).unwrap();
        // No fd of the object is open: no `pids`, so the text is the same.
        assert_eq!(ours, theirs, "{args:?}");
    }
}

#[test]
fn programs_and_maps_show_as_in_bpftool() {
    require_kernel!();
    let btf = BtfObject::load(&common::btf::func()).unwrap();
    let mut b = ProgramBuilder::new();
    b.mov64(R0, 2).exit();
    let insns = b.assemble().unwrap();
    let spec = ProgramSpec::new(ProgType::XDP, &insns).name("cli_btf_prog");
    let progs: Vec<_> = (0..3).map(|_| spec.clone().btf(&btf, TypeId(3)).load().unwrap()).collect();
    let map = MapSpec::new(MapType::ARRAY, 4, 4, 1).name("cli_btf_func");
    let maps: Vec<_> =
        (0..2).map(|_| map.clone().btf(&btf, TypeId(1), TypeId(1)).create().unwrap()).collect();
    let id = btf.info().unwrap().id.to_string();
    drop(btf); // held by the programs and maps alone: no `pids`

    let ours = bpfkit(&["btf", "show", "id", &id]).success().stdout;
    assert!(ours.contains("  prog_ids "), "{ours}");
    assert!(ours.contains("  map_ids "), "{ours}");
    let ours = bpfkit(&["-j", "btf", "show", "id", &id]).success().json();
    assert_eq!(ours["prog_ids"].as_array().unwrap().len(), progs.len(), "{ours}");
    assert_eq!(ours["map_ids"].as_array().unwrap().len(), maps.len(), "{ours}");
    for args in [&["btf", "show", "id", &id][..], &["-j", "btf", "show", "id", &id]] {
        let Some((theirs, ours)) = both(args, args[0] == "-j") else { return };
        assert_eq!(ours, theirs, "{args:?}");
    }
}

#[test]
fn the_listing_is_bpftools() {
    require_kernel!();
    let _one = btf_with_maps(1);
    let _other = btf_with_maps(3);
    for args in [&["btf", "show"][..], &["btf", "list"], &["btf"]] {
        let Some((theirs, ours)) = both(args, false) else { return };
        assert_eq!(ours, without_pids(&theirs), "{args:?}");
    }
    let (theirs, ours) = both(&["-j", "btf", "list"], true).unwrap();
    let theirs = strip_pids(serde_json::from_str(&theirs).unwrap());
    assert_eq!(serde_json::from_str::<Value>(&ours).unwrap(), theirs);
    let vmlinux = theirs.as_array().unwrap().iter().find(|b| b["name"] == "vmlinux");
    assert!(vmlinux.is_some_and(|b| b["kernel"] == true), "{theirs}");
}

#[test]
fn errors_are_bpftools() {
    require_kernel!();
    let cases: &[&[&str]] = &[
        &["btf", "show", "id", "4000000000"],
        &["btf", "show", "foo", "1"],
        &["btf", "show", "1"],
        &["btf", "show", "id", "x"],
        &["btf", "show", "id", "1", "extra"],
    ];
    for args in cases {
        let Some(theirs) = bpftool(args) else { return };
        let ours = bpfkit(args);
        assert_eq!(ours.status, theirs.status, "{args:?}: {ours:?}");
        assert_eq!(ours.stderr, theirs.stderr, "{args:?}");
        let mut json = vec!["-j"];
        json.extend_from_slice(args);
        let (theirs, ours) = (bpftool(&json).unwrap(), bpfkit(&json));
        assert_eq!(ours.stdout, theirs.stdout, "{json:?}");
    }
}

#[test]
fn help_lists_the_command() {
    let usage = bpfkit(&["help"]).success().stdout;
    assert!(usage.contains("btf { show | list } [id BTF_ID]"), "{usage}");
    // `b` is bpftool's `batch`, not `btf`; `bt` is `btf`.
    assert_eq!(bpfkit(&["b"]).status, Some(255));
    assert_eq!(bpfkit(&["bt", "help"]).success().stdout, bpfkit(&["btf", "help"]).stdout);
    let usage = bpfkit(&["btf", "help"]).success().stdout;
    assert!(usage.starts_with("Usage: bpfkit btf { show | list } [id BTF_ID]\n"), "{usage}");
}
