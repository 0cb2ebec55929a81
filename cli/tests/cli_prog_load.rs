//! `bpfkit prog load | pin | run | attach | detach` and `bpfkit map create |
//! pin` against bpftool 7.1: what bpfkit loads, creates and pins, bpftool
//! lists as expected; `prog run` prints what bpftool's prints on the same
//! program and data (but the duration); a flow dissector attached by bpfkit
//! shows in `bpftool net show` of its namespace and goes on detach; bad
//! command lines fail with bpftool's errors and exit statuses.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;

use common::{
    Netns, PinDir, Run, assert_same, assert_same_both, bpfkit, bpfkit_with_input, bpftool, unique,
};
use serde_json::Value;

const COUNTER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/counter.s");

/// A file in the temporary directory, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(suffix: &str, contents: &[u8]) -> TempFile {
        let path = std::env::temp_dir().join(format!("{}{suffix}", unique("bpfkit-load-")));
        std::fs::write(&path, contents).unwrap();
        TempFile(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn s(path: &std::path::Path) -> &str {
    path.to_str().unwrap()
}

/// `bpftool -j SHOW pinned PATH` (`prog show`, `map show`).
fn shown(what: &str, path: &str) -> Option<Value> {
    Some(bpftool(&["-j", what, "show", "pinned", path])?.success().json())
}

/// A map for the counter, made by bpfkit.
fn counter_map(dir: &PinDir) -> PathBuf {
    let map = dir.path("packet_count");
    let name = unique("pc");
    bpfkit(&[
        "map",
        "create",
        s(&map),
        "type",
        "array",
        "key",
        "4",
        "value",
        "8",
        "entries",
        "1",
        "name",
        &name,
    ])
    .success();
    map
}

/// The counter loaded and pinned at `prog` in `dir`, its map bound to the
/// `packet_count` pinned there: (program pin, map pin).
fn loaded_counter(dir: &PinDir) -> (PathBuf, PathBuf) {
    let map = counter_map(dir);
    let prog = dir.path("prog");
    let load = ["prog", "load", COUNTER, s(&prog), "type", "xdp"];
    bpfkit(&[&load[..], &["map", "name", "packet_count", "pinned", s(&map)]].concat()).success();
    (prog, map)
}

#[test]
fn a_loaded_program_is_listed_by_bpftool_with_its_map() {
    require_kernel!();
    let dir = PinDir::new();
    let map = counter_map(&dir);
    let prog = dir.path("prog");
    let maps = dir.path("maps");
    let run = bpfkit(&[
        "prog",
        "load",
        COUNTER,
        s(&prog),
        "type",
        "xdp",
        "map",
        "name",
        "packet_count",
        "pinned",
        s(&map),
        "pinmaps",
        s(&maps),
    ])
    .success();
    assert_eq!(run.stdout, "");
    let Some(info) = shown("prog", s(&prog)) else { return };
    let map_info = shown("map", s(&map)).unwrap();
    assert_eq!(info["type"], "xdp");
    assert_eq!(info["name"], "counter");
    assert_eq!(info["map_ids"], serde_json::json!([map_info["id"]]));
    // pinmaps pins the map under the text's name.
    assert_eq!(shown("map", s(&maps.join("packet_count"))).unwrap()["id"], map_info["id"]);
    // The program runs as loaded: bpftool runs it and the count goes up.
    let packet = TempFile::new(".bin", &[0u8; 64]);
    bpftool(&["prog", "run", "pinned", s(&prog), "data_in", packet.path()]).unwrap().success();
    let dump = bpftool(&["-j", "map", "dump", "pinned", s(&map)]).unwrap().success().json();
    let one = ["0x01", "0x00", "0x00", "0x00", "0x00", "0x00", "0x00", "0x00"];
    assert_eq!(dump[0]["value"], serde_json::json!(one));
}

#[test]
fn map_idx_counts_the_names_in_order_of_use_and_json_says_null() {
    require_kernel!();
    let dir = PinDir::new();
    let map = counter_map(&dir);
    let prog = dir.path("prog");
    let map_id = shown("map", s(&map)).map(|m| m["id"].to_string());
    let Some(map_id) = map_id else { return };
    let run = bpfkit(&[
        "-j",
        "prog",
        "load",
        COUNTER,
        s(&prog),
        "type",
        "xdp",
        "map",
        "idx",
        "0",
        "id",
        &map_id,
    ])
    .success();
    assert_eq!(run.json(), Value::Null);
    assert_eq!(shown("prog", s(&prog)).unwrap()["map_ids"][0].to_string(), map_id);
}

#[test]
fn bad_load_command_lines_fail_as_bpftools() {
    require_kernel!();
    let dir = PinDir::new();
    let pin = dir.path("prog");
    let pin = s(&pin);
    // Errors met before the object is opened: the file's kind does not matter.
    for args in [
        &["prog", "load"][..],
        &["prog", "load", COUNTER],
        &["prog", "load", COUNTER, pin, "type", "xdp", "type", "xdp"],
        &["prog", "load", COUNTER, pin, "bogus"],
        &["prog", "load", COUNTER, pin, "type"],
        &["prog", "load", COUNTER, pin, "type", "xdp", "map"],
        &["prog", "load", COUNTER, pin, "type", "xdp", "map", "foo", "a", "b", "c"],
        &["prog", "load", COUNTER, pin, "type", "xdp", "map", "idx", "x", "id", "1"],
        &["prog", "load", COUNTER, pin, "type", "xdp", "map", "name", "n", "id", "4294967295"],
        &["prog", "load", COUNTER, pin, "type", "xdp", "pinmaps"],
    ] {
        assert_same_both(args);
    }
    // An unknown type: libbpf's complaint, no error of bpftool's own.
    let args = ["prog", "load", COUNTER, pin, "type", "bogus"];
    let Some(theirs) = bpftool(&args) else { return };
    let ours = bpfkit(&args);
    assert_eq!(ours.status, theirs.status);
    assert_eq!(ours.stderr.lines().next(), theirs.stderr.lines().next());
    assert!(!ours.stderr.contains("Error:"), "{}", ours.stderr);
    // Under -j bpftool prints an empty document; bpfkit one error object
    // with libbpf's words, and nothing on standard error.
    let json_args = [&["-j"], &args[..]].concat();
    let (theirs, ours) = (bpftool(&json_args).unwrap(), bpfkit(&json_args));
    assert_eq!(ours.status, theirs.status);
    let error = "failed to guess program type from ELF section 'bogus/'";
    assert_eq!(ours.json(), serde_json::json!({ "error": error }));
    assert_eq!(ours.stderr, "");
    assert!(!std::path::Path::new(pin).exists());
}

#[test]
fn load_names_what_it_cannot_do() {
    require_kernel!();
    let dir = PinDir::new();
    let pin = dir.path("prog");
    // No map given for a name the text uses: which, where, and how to give it.
    let run = bpfkit(&["prog", "load", COUNTER, s(&pin), "type", "xdp"]);
    assert_eq!(run.status, Some(255));
    assert!(run.stderr.contains("map 'packet_count'"), "{}", run.stderr);
    assert!(run.stderr.contains("counter.s:20: r1 = packet_count ll"), "{}", run.stderr);
    assert!(run.stderr.contains("map name packet_count pinned FILE"), "{}", run.stderr);
    // A name the text does not use: bpftool's words.
    let map = counter_map(&dir);
    let run =
        bpfkit(&["prog", "load", COUNTER, s(&pin), "type", "xdp", "map", "name", "x", "pinned"]);
    assert_eq!(run.status, Some(255));
    let run = bpfkit(&[
        "prog",
        "load",
        COUNTER,
        s(&pin),
        "type",
        "xdp",
        "map",
        "name",
        "nope",
        "pinned",
        s(&map),
    ]);
    assert_eq!(
        (run.status, run.stderr.as_str()),
        (Some(255), "Error: unable to find map 'nope'\n")
    );
    // An ELF object: bpfkit says it reads text.
    let elf = TempFile::new(".o", b"\x7fELF");
    let run = bpfkit(&["prog", "load", elf.path(), s(&pin), "type", "xdp"]);
    assert_eq!(run.status, Some(255));
    assert!(run.stderr.contains("no ELF loader"), "{}", run.stderr);
    assert!(run.stderr.ends_with("Error: failed to open object file\n"), "{}", run.stderr);
    // A rejection: the verifier's reason and the .s line.
    let bad = TempFile::new(".s", b"r0 = 0\nr0 = *(u64 *)(r1 + 4096)\nexit\n");
    let run = bpfkit(&["prog", "load", bad.path(), s(&pin), "type", "xdp"]);
    assert_eq!(run.status, Some(255));
    assert!(run.stderr.contains("invalid bpf_context access"), "{}", run.stderr);
    let line = format!("{}:2: r0 = *(u64 *)(r1 + 4096)\n", bad.path());
    assert!(run.stderr.contains(&line), "{}", run.stderr);
    assert!(run.stderr.ends_with("Error: failed to load object file\n"), "{}", run.stderr);
    // No type: text has no section to guess it from.
    let run = bpfkit(&["prog", "load", bad.path(), s(&pin)]);
    assert!(run.stderr.contains("type TYPE"), "{}", run.stderr);
    assert!(!pin.exists());
}

/// Compares `prog run` output of both tools but the duration.
fn same_run(args: &[&str], input: &[u8]) {
    let Some(bpftool) = common::require_bpftool() else { return };
    let ours = bpfkit_with_input(args, input);
    let theirs = common::spawn(bpftool.to_str().unwrap(), args, Some(input));
    assert_eq!(ours.status, theirs.status, "{args:?}\n{theirs:?}\n{ours:?}");
    assert_eq!(ours.stderr, theirs.stderr, "{args:?}");
    if args.contains(&"-j") && ours.status == Some(0) {
        let (mut a, mut b) = (ours.json(), theirs.json());
        assert!(a["duration"].is_u64() && b["duration"].is_u64());
        a["duration"] = Value::Null;
        b["duration"] = Value::Null;
        assert_eq!(a, b, "{args:?}");
    } else {
        let cut = |t: &str| t.split(", duration").next().unwrap().to_string();
        let dur = |t: &str| t.contains("ns\n") || t.is_empty();
        assert_eq!(cut(&ours.stdout), cut(&theirs.stdout), "{args:?}");
        assert!(dur(&ours.stdout) && dur(&theirs.stdout));
        let avg = |t: &str| t.contains("duration (average): ");
        assert_eq!(avg(&ours.stdout), avg(&theirs.stdout), "{args:?}");
    }
}

#[test]
fn prog_run_prints_what_bpftool_prints() {
    require_kernel!();
    let dir = PinDir::new();
    let (prog, _map) = loaded_counter(&dir);
    let p = s(&prog);
    let data: Vec<u8> = (0u8..50).map(|b| b.wrapping_mul(7)).collect();
    let packet = TempFile::new(".bin", &data);
    let d = packet.path();
    same_run(&["prog", "run", "pinned", p, "data_in", d], b"");
    same_run(&["prog", "run", "pinned", p, "data_in", d, "data_out", "-"], b"");
    same_run(&["-j", "prog", "run", "pinned", p, "data_in", d, "data_out", "-"], b"");
    same_run(&["prog", "run", "pinned", p, "data_in", d, "data_out", "-", "repeat", "5"], b"");
    same_run(&["-j", "prog", "run", "pinned", p, "data_in", "-", "data_out", "-"], &data);
    same_run(&["prog", "run", "pinned", p, "data_in", "-", "repeat", "0x2"], &data);
    // A context in and out (struct xdp_md: data, data_end, data_meta,
    // ingress_ifindex 1 = lo, rx_queue_index, egress_ifindex).
    let md: Vec<u8> = [0u32, 50, 0, 1, 0, 0].iter().flat_map(|w| w.to_ne_bytes()).collect();
    let ctx = TempFile::new(".ctx", &md);
    let c = ctx.path();
    same_run(&["prog", "run", "pinned", p, "data_in", d, "ctx_in", c, "ctx_out", "-"], b"");
    let args = ["-j", "prog", "run", "pinned", p, "data_in", d, "ctx_in", c, "ctx_out", "-"];
    same_run(&[&args[..], &["ctx_size_out", "24", "data_out", "-"]].concat(), b"");
    // A buffer too small for the packet: the kernel's ENOSPC, as bpftool reports it.
    same_run(&["prog", "run", "pinned", p, "data_in", d, "data_size_out", "10"], b"");
    // Errors.
    for args in [
        &["prog", "run"][..],
        &["prog", "run", "pinned", p, "data_in"],
        &["prog", "run", "pinned", p, "data_", d],
        &["prog", "run", "pinned", p, "data_in", d, "bogus", "1"],
        &["prog", "run", "pinned", p, "data_in", d, "repeat", "x"],
        &["prog", "run", "pinned", p, "data_in", d, "data_size_out", "1k"],
        &["prog", "run", "pinned", p, "data_in", "/nonexistent/file"],
        &["prog", "run", "pinned", p, "data_in", "-", "ctx_in", "-"],
        &["prog", "run", "id", "4294967295", "data_in", d],
    ] {
        assert_same_both(args);
    }
    // data_out to a file: the same bytes.
    let (ours, theirs) = (TempFile::new(".out", b""), TempFile::new(".out", b""));
    bpfkit(&["prog", "run", "pinned", p, "data_in", d, "data_out", ours.path()]).success();
    assert_eq!(std::fs::read(&ours.0).unwrap(), data);
    // Without bpftool, its side is skipped (require_bpftool said so).
    if let Some(run) =
        bpftool(&["prog", "run", "pinned", p, "data_in", d, "data_out", theirs.path()])
    {
        run.success();
        assert_eq!(std::fs::read(&ours.0).unwrap(), std::fs::read(&theirs.0).unwrap());
    }
}

#[test]
fn pins_are_silent_and_fail_as_bpftools() {
    require_kernel!();
    let dir = PinDir::new();
    let (prog, map) = loaded_counter(&dir);
    let (prog2, map2) = (dir.path("prog2"), dir.path("map2"));
    assert_eq!(bpfkit(&["prog", "pin", "pinned", s(&prog), s(&prog2)]).success().stdout, "");
    let run = bpfkit(&["-j", "map", "pin", "pinned", s(&map), s(&map2)]).success();
    assert_eq!(run.json(), Value::Null);
    let Some(a) = shown("prog", s(&prog)) else { return };
    assert_eq!(shown("prog", s(&prog2)).unwrap()["id"], a["id"]);
    assert_eq!(shown("map", s(&map2)).unwrap()["id"], shown("map", s(&map)).unwrap()["id"]);
    for args in [
        &["prog", "pin"][..],
        &["prog", "pin", "pinned", s(&prog)],
        &["prog", "pin", "pinned", s(&prog), s(&prog2)],
        &["prog", "pin", "id", "4294967295", s(&prog2)],
        &["prog", "pin", "pinned", s(&map), "x"],
        &["map", "pin"],
        &["map", "pin", "pinned", s(&map)],
        &["map", "pin", "pinned", s(&map), s(&map2)],
        &["map", "pin", "id", "4294967295", s(&map2)],
    ] {
        assert_same_both(args);
    }
    // A directory that is not there: bpftool's words.
    let missing = dir.path("no/such");
    assert_same(&["map", "pin", "pinned", s(&map), s(&missing)]);
}

#[test]
fn map_create_makes_what_bpftools_makes() {
    require_kernel!();
    let dir = PinDir::new();
    let name = unique("mc");
    for (kind, flags) in [("hash", "0"), ("array", "0"), ("hash", "1"), ("lru_hash", "0")] {
        let (ours, theirs) = (dir.path(&format!("ours_{kind}_{flags}")), dir.path("theirs"));
        let args = |path: &str| {
            let mut v: Vec<String> = ["map", "create", path, "type", kind, "key", "4", "value"]
                .iter()
                .map(|s| s.to_string())
                .collect();
            let rest = ["8", "entries", "16", "name", &name, "flags", flags];
            v.extend(rest.iter().map(|s| s.to_string()));
            v
        };
        let ours_args = args(s(&ours));
        let run = bpfkit(&ours_args.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(run.success().stdout, "");
        let theirs_args = args(s(&theirs));
        let Some(run) = bpftool(&theirs_args.iter().map(String::as_str).collect::<Vec<_>>()) else {
            return;
        };
        run.success();
        let (mut a, mut b) = (shown("map", s(&ours)).unwrap(), shown("map", s(&theirs)).unwrap());
        a["id"] = Value::Null;
        b["id"] = Value::Null;
        assert_eq!(a, b, "{kind} flags {flags}");
        std::fs::remove_file(&theirs).unwrap();
    }
    // An array of maps with an inner map.
    let inner = dir.path("inner");
    let outer = dir.path("outer");
    bpfkit(&[
        "map",
        "create",
        s(&inner),
        "type",
        "array",
        "key",
        "4",
        "value",
        "4",
        "entries",
        "1",
        "name",
        "inner",
    ])
    .success();
    bpfkit(&[
        "-j",
        "map",
        "create",
        s(&outer),
        "type",
        "array_of_maps",
        "key",
        "4",
        "value",
        "4",
        "entries",
        "2",
        "name",
        "outer",
        "inner_map",
        "pinned",
        s(&inner),
    ])
    .success();
    assert_eq!(shown("map", s(&outer)).unwrap()["type"], "array_of_maps");
    let p = dir.path("bad");
    let p = s(&p);
    let exists = s(&inner);
    for args in [
        &["map", "create"][..],
        &[
            "map", "create", p, "type", "bogus", "key", "4", "value", "4", "entries", "1", "name",
            "x",
        ],
        &["map", "create", p, "type", "hash", "key", "4", "value", "4", "entries", "1"],
        &["map", "create", p, "type", "hash", "key", "4", "value", "4", "entries", "1", "name"],
        &[
            "map", "create", p, "type", "hash", "key", "x", "value", "4", "entries", "1", "name",
            "x",
        ],
        &["map", "create", p, "type", "hash", "key", "4", "key", "4", "entries", "1", "name", "x"],
        &["map", "create", p, "type", "hash", "type", "array", "value", "4", "name", "x"],
        &[
            "map", "create", p, "type", "hash", "key", "0", "value", "4", "entries", "1", "name",
            "x",
        ],
        &["map", "create", p, "type", "hash", "key", "4", "value", "4", "entries", "1", "nm", "x"],
        &[
            "map", "create", exists, "type", "hash", "key", "4", "value", "4", "entries", "1",
            "name", "x",
        ],
    ] {
        assert_same_both(args);
    }
}

#[test]
fn flow_dissector_attach_shows_in_net_show_and_detach_removes_it() {
    require_kernel!();
    let dir = PinDir::new();
    let src = TempFile::new(".s", b"r0 = 0\nexit\n");
    let prog = dir.path("fd");
    bpfkit(&["prog", "load", src.path(), s(&prog), "type", "flow_dissector"]).success();
    let Some(info) = shown("prog", s(&prog)) else { return };
    assert_eq!(info["type"], "flow_dissector");
    let ns = Netns::new();
    let exec = |tool: &str, args: &[&str]| -> Run {
        let mut all = vec!["netns", "exec", ns.name.as_str(), tool];
        all.extend_from_slice(args);
        common::spawn("ip", &all, None)
    };
    let bpfkit_bin = common::BPFKIT;
    // `ip netns exec` mounts a sysfs of the namespace's over /sys, which
    // hides /sys/fs/bpf: the program goes by id.
    let id = info["id"].to_string();
    let attach = exec(bpfkit_bin, &["-j", "prog", "attach", "id", &id, "flow_dissector"]);
    assert_eq!(attach.success().json(), Value::Null);
    let net = exec("bpftool", &["-j", "net", "show"]).success().stdout;
    assert!(net.contains(&format!("\"flow_dissector\":[\"id\":{}]", info["id"])), "{net}");
    // Attached once already: both tools fail alike.
    let args = ["prog", "attach", "id", &id, "flow_dissector"];
    let (ours, theirs) = (exec(bpfkit_bin, &args), exec("bpftool", &args));
    assert_eq!(ours.status, theirs.status);
    assert!(ours.stderr.ends_with(&theirs.stderr), "{}\n{}", ours.stderr, theirs.stderr);
    exec(bpfkit_bin, &["prog", "detach", "id", &id, "flow_dissector"]).success();
    let net = exec("bpftool", &["-j", "net", "show"]).success().stdout;
    assert!(net.contains("\"flow_dissector\":[]"), "{net}");
    // Detached already: both tools fail alike.
    let args = ["prog", "detach", "id", &id, "flow_dissector"];
    let (ours, theirs) = (exec(bpfkit_bin, &args), exec("bpftool", &args));
    assert_eq!(ours.status, theirs.status);
    assert!(ours.stderr.ends_with(&theirs.stderr), "{}\n{}", ours.stderr, theirs.stderr);
}

#[test]
fn sockmap_attach_and_detach_are_bpftools() {
    require_kernel!();
    let dir = PinDir::new();
    let src = TempFile::new(".s", b"r0 = 1\nexit\n");
    let (prog, map) = (dir.path("verdict"), dir.path("sockmap"));
    bpfkit(&["prog", "load", src.path(), s(&prog), "type", "sk_skb/stream_verdict"]).success();
    bpfkit(&[
        "map",
        "create",
        s(&map),
        "type",
        "sockmap",
        "key",
        "4",
        "value",
        "4",
        "entries",
        "2",
        "name",
        "sm",
    ])
    .success();
    let (p, m) = (s(&prog), s(&map));
    bpfkit(&["prog", "attach", "pinned", p, "stream_verdict", "pinned", m]).success();
    // Attached: bpftool detaches it, and then neither tool can.
    let Some(run) = bpftool(&["prog", "detach", "pinned", p, "stream_verdict", "pinned", m]) else {
        return;
    };
    run.success();
    let args = ["prog", "detach", "pinned", p, "stream_verdict", "pinned", m];
    let (ours, theirs) = (bpfkit(&args), bpftool(&args).unwrap());
    assert_eq!(ours.status, theirs.status);
    assert!(ours.stderr.ends_with(&theirs.stderr), "{}\n{}", ours.stderr, theirs.stderr);
    // And the other way round: bpftool attaches, bpfkit detaches.
    bpftool(&["prog", "attach", "pinned", p, "sk_skb_stream_verdict", "pinned", m])
        .unwrap()
        .success();
    bpfkit(&["-j", "prog", "detach", "pinned", p, "stream_v", "pinned", m]).success();
    for args in [
        &["prog", "attach"][..],
        &["prog", "attach", "pinned", p],
        &["prog", "attach", "pinned", p, "bogus"],
        &["prog", "attach", "pinned", p, "stream_verdict"],
        &["prog", "attach", "pinned", p, "stream_verdict", "pinned"],
        &["prog", "detach", "pinned", p, "flow"],
        &["prog", "attach", "id", "4294967295", "flow_dissector"],
    ] {
        assert_same_both(args);
    }
}

#[test]
fn unsupported_prog_commands_are_named() {
    let run = bpfkit(&["prog", "loadall", "x", "y"]);
    assert_eq!(run.status, Some(255));
    assert!(run.stderr.contains("'prog loadall' is a bpftool command"), "{}", run.stderr);
}
