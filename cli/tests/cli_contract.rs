//! The `bpfkit` command's contract, command by command: under `-j` and `-p`
//! standard output is one JSON document (a result, `null`, or an error
//! object) and standard error is empty; every exit status is the README's;
//! arguments that are not UTF-8 never abort the process; control
//! characters from the input are escaped in error messages.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStringExt as _;
use std::path::PathBuf;

use bpfkit::link::{XdpLink, XdpMode};
use bpfkit::maps::Array;
use bpfkit::prog::Program;
use bpfkit::prog::kind::Xdp;
use common::{Netns, PinDir, Run, bpfkit, bpfkit_os, counter, id, unique};

/// `net` lists with the `netlink` feature, and says it needs it without.
const NET_OK: i32 = if cfg!(feature = "netlink") { 0 } else { 255 };

const COUNTER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/counter.s");

/// A directory of the test's own files, removed on drop.
struct Files(PathBuf);

impl Files {
    fn new() -> Files {
        let dir = std::env::temp_dir().join(unique("bpfkit-contract-"));
        std::fs::create_dir(&dir).unwrap();
        Files(dir)
    }

    /// Writes `contents` to `name` in the directory; returns the path.
    fn file(&self, name: impl AsRef<OsStr>, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.join(name.as_ref());
        std::fs::write(&path, contents).unwrap();
        path
    }

    fn path(&self, name: &str) -> String {
        self.0.join(name).to_str().unwrap().to_owned()
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Objects of every kind, pinned, and files of every kind.
struct Scene {
    prog: Program<Xdp>,
    counts: Array<u64>,
    link: Option<XdpLink>,
    pins: PinDir,
    files: Files,
    _ns: Netns,
}

impl Scene {
    fn new() -> Scene {
        let (prog, counts) = counter(&unique("ct"));
        let pins = PinDir::new();
        prog.pin(pins.path("prog")).unwrap();
        counts.map().pin(pins.path("map")).unwrap();
        let ns = Netns::new();
        let link = ns.run(|| XdpLink::attach(&prog, "lo", XdpMode::Skb).unwrap());
        link.pin(pins.path("link")).unwrap();
        let files = Files::new();
        files.file("good.s", "r0 = 2\nexit\n");
        files.file("bad.s", "r0 = 2\nr12 = 1\nexit\n");
        files.file("rejected.s", "r0 = 2\nr0 += r3\nexit\n");
        files.file("good.hex", "b700000002000000\n9500000000000000\n");
        files.file("bad.hex", "b7000000020000\n");
        files.file("good.bin", [0xb7, 0, 0, 0, 2, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);
        files.file("bad.bin", [0u8; 12]);
        Scene { prog, counts, link: Some(link), pins, files, _ns: ns }
    }

    fn pin(&self, name: &str) -> String {
        self.pins.path(name).to_str().unwrap().to_owned()
    }
}

impl Drop for Scene {
    fn drop(&mut self) {
        if let Some(link) = self.link.take() {
            let _ = link.detach();
        }
    }
}

/// Every command and its error paths, with the exit status each must have
/// (the same in text and in JSON).
fn cases(s: &Scene) -> Vec<(Vec<String>, i32)> {
    let prog = id(&s.prog).to_string();
    let map = s.counts.map().info().unwrap().id.to_string();
    let link = s.link.as_ref().unwrap().info().unwrap().id.to_string();
    let tag = s.prog.info().unwrap().tag.to_string();
    let name = s.prog.info().unwrap().name;
    let (pprog, pmap, plink) = (s.pin("prog"), s.pin("map"), s.pin("link"));
    // A pin path whose directory is not there: `map pin` fails every time.
    let nowhere = s.pin("missing/x");
    let f = |n: &str| s.files.path(n);
    let (good_s, bad_s, rejected_s) = (f("good.s"), f("bad.s"), f("rejected.s"));
    let (good_hex, bad_hex, good_bin, bad_bin) =
        (f("good.hex"), f("bad.hex"), f("good.bin"), f("bad.bin"));
    let missing = f("missing.s");
    let out = f("out.bin");
    let dumped = f("xlated.bin");
    let table: Vec<(Vec<&str>, i32)> = vec![
        // bpfkit itself
        (vec!["help"], 0),
        (vec!["-h"], 0),
        (vec!["--help"], 0),
        (vec!["version"], 0),
        (vec!["-V"], 0),
        (vec!["--version"], 0),
        (vec![], 255),
        (vec!["bogus"], 255),
        (vec!["--bogus"], 255),
        // prog
        (vec!["prog"], 0),
        (vec!["prog", "show"], 0),
        (vec!["prog", "list"], 0),
        (vec!["prog", "show", "id", &prog], 0),
        (vec!["prog", "show", &prog], 0),
        (vec!["prog", "show", "name", &name], 0),
        (vec!["prog", "show", "tag", &tag], 0),
        (vec!["prog", "show", "pinned", &pprog], 0),
        (vec!["prog", "dump", "xlated", "id", &prog], 0),
        (vec!["prog", "dump", "xlated", "id", &prog, "opcodes"], 0),
        (vec!["prog", "dump", &prog], 0),
        (vec!["prog", "dump", "xlated", "id", &prog, "file", &dumped], 0),
        (vec!["prog", "help"], 0),
        (vec!["prog", "bogus"], 255),
        (vec!["prog", "show", "id"], 255),
        (vec!["prog", "show", "id", "x"], 255),
        (vec!["prog", "show", "id", "0"], 255),
        (vec!["prog", "show", "bogus", "3"], 255),
        (vec!["prog", "show", "pinned", &pmap], 255),
        (vec!["prog", "show", "name", "no_such_prog_x"], 255),
        (vec!["prog", "dump"], 255),
        (vec!["prog", "dump", "jited", "id", &prog], 255),
        (vec!["prog", "dump", "xlated", "id", &prog, "visual"], 255),
        // map
        (vec!["map"], 0),
        (vec!["map", "show"], 0),
        (vec!["map", "list"], 0),
        (vec!["map", "show", "id", &map], 0),
        (vec!["map", "show", &map], 0),
        (vec!["map", "show", "pinned", &pmap], 0),
        (vec!["map", "dump", "id", &map], 0),
        (vec!["map", "dump", &map], 0),
        (vec!["map", "lookup", "id", &map, "key", "0", "0", "0", "0"], 0),
        (vec!["map", "getnext", "id", &map], 0),
        (
            vec![
                "map", "update", "id", &map, "key", "0", "0", "0", "0", "value", "hex", "7", "0",
                "0", "0", "0", "0", "0", "0",
            ],
            0,
        ),
        (vec!["map", "help"], 0),
        (vec!["map", "bogus"], 255),
        (vec!["map", "show", "id"], 255),
        (vec!["map", "show", "id", "0"], 255),
        (vec!["map", "show", "pinned", &pprog], 255),
        (vec!["map", "dump"], 255),
        (vec!["map", "lookup", "id", &map, "key", "9", "0", "0", "0"], 254),
        (vec!["map", "lookup", "id", &map, "key", "1"], 255),
        (vec!["map", "getnext", "id", &map, "key", "0", "0", "0", "0"], 254),
        (vec!["map", "delete", "id", &map, "key", "0", "0", "0", "0"], 234),
        (vec!["map", "pin", "id", &map, &nowhere], 255),
        // link
        (vec!["link"], 0),
        (vec!["link", "show"], 0),
        (vec!["link", "list"], 0),
        (vec!["link", "show", "id", &link], 0),
        (vec!["link", "show", &link], 0),
        (vec!["link", "show", "pinned", &plink], 0),
        (vec!["link", "help"], 0),
        (vec!["link", "bogus"], 255),
        (vec!["link", "show", "id", "0"], 254),
        (vec!["link", "show", "name", "x"], 255),
        (vec!["link", "show", "pinned", &pmap], 255),
        // net
        (vec!["net"], NET_OK),
        (vec!["net", "show"], NET_OK),
        (vec!["net", "list"], NET_OK),
        (vec!["net", "show", "dev", "lo"], NET_OK),
        (vec!["net", "help"], 0),
        (vec!["net", "bogus"], 255),
        (vec!["net", "show", "dev", "no-such-dev0"], 255),
        (vec!["net", "show", "bogus", "lo"], 255),
        // asm
        (vec!["asm", &good_s], 0),
        (vec!["asm", "--raw", &out, &good_s], 0),
        (vec!["asm"], 2),
        (vec!["asm", "-"], 2),
        (vec!["asm", &bad_s], 2),
        (vec!["asm", &missing], 2),
        (vec!["asm", "--raw"], 2),
        (vec!["asm", "--bogus"], 2),
        (vec!["asm", &good_s, &good_s], 2),
        (vec!["asm", "--raw", "/nonexistent/dir/out.bin", &good_s], 3),
        // disasm
        (vec!["disasm", &good_hex], 0),
        (vec!["disasm", "--raw", &good_bin], 0),
        (vec!["disasm", &bad_hex], 2),
        (vec!["disasm", "--raw", &bad_bin], 2),
        (vec!["disasm", &missing], 2),
        (vec!["disasm", "a", "b"], 2),
        // verify
        (vec!["verify", &good_s, "--type", "xdp"], 0),
        (vec!["verify", &good_s, "--type", "xdp", "--test-run-zeroed", "64"], 0),
        (vec!["verify", &good_s, "--type", "xdp", "--log-level", "1"], 0),
        (vec!["verify", COUNTER, "--type", "xdp", "--map", "packet_count=array:4:8:1"], 0),
        (vec!["verify", &rejected_s, "--type", "xdp"], 1),
        (vec!["verify", &good_s, "--type", "cgroup/sock", "--attach-type", "xdp"], 1),
        (vec!["verify"], 2),
        (vec!["verify", &good_s], 2),
        (vec!["verify", &good_s, "--type", "xdpp"], 2),
        (vec!["verify", &bad_s, "--type", "xdp"], 2),
        (vec!["verify", &missing, "--type", "xdp"], 2),
        (vec!["verify", COUNTER, "--type", "xdp"], 2),
        (vec!["verify", COUNTER, "--type", "xdp", "--map", "packet_count=array:4:0:1"], 2),
        // A test run the kernel refuses: the data, too short for XDP...
        (vec!["verify", &good_s, "--type", "xdp", "--test-run", "00"], 2),
        // ... or the program type, which has no test runs.
        (vec!["verify", &good_s, "--type", "kprobe/x", "--test-run-zeroed", "16"], 2),
    ];
    table
        .into_iter()
        .map(|(args, status)| (args.iter().map(|a| a.to_string()).collect(), status))
        .collect()
}

fn run(flags: &[&str], args: &[String]) -> Run {
    let mut all: Vec<&str> = flags.to_vec();
    all.extend(args.iter().map(String::as_str));
    bpfkit(&all)
}

#[test]
fn every_command_speaks_json_and_exits_as_the_table_says() {
    require_kernel!();
    let scene = Scene::new();
    let mut failures = Vec::new();
    for (args, status) in cases(&scene) {
        for flags in [&["-j"][..], &["-p"], &[]] {
            let run = run(flags, &args);
            let what = format!("bpfkit {} {}", flags.join(" "), args.join(" "));
            if run.status != Some(status) {
                failures
                    .push(format!("{what}: exit status {:?}, not {status}\n{run:?}", run.status));
            }
            if flags.is_empty() {
                continue;
            }
            if let Err(e) = serde_json::from_str::<serde_json::Value>(&run.stdout) {
                failures.push(format!("{what}: not one JSON document ({e}):\n{}", run.stdout));
            }
            if !run.stderr.is_empty() {
                failures.push(format!("{what}: wrote to stderr: {}", run.stderr));
            }
            // A failure's error object says why (but for the quiet ones:
            // a missing key is `null`, as in bpftool, and a verdict is its
            // own object).
            let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap_or_default();
            let verdict =
                args.first().is_some_and(|a| a == "verify") && json.get("accepted").is_some();
            if status != 0 && status != 254 && !verdict && json["error"].as_str().is_none() {
                let in_array = json[0]["error"].as_str().is_some();
                if !in_array {
                    failures.push(format!("{what}: no error object: {}", run.stdout));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn json_shapes_of_asm_disasm_and_verify() {
    require_kernel!();
    let files = Files::new();
    let good = files.file("p.s", "r1 = 5 ll\nr0 = 2\nexit\n");
    let good = good.to_str().unwrap();
    let slots = bpfkit(&["-j", "asm", good]).success().json();
    assert_eq!(
        slots,
        serde_json::json!([
            "1801000005000000",
            "0000000000000000",
            "b700000002000000",
            "9500000000000000"
        ])
    );
    // The slots, one per line, are what disasm reads back.
    let hex: String =
        slots.as_array().unwrap().iter().map(|s| format!("{}\n", s.as_str().unwrap())).collect();
    let hex_file = files.file("p.hex", &hex);
    let insns = bpfkit(&["-j", "disasm", hex_file.to_str().unwrap()]).success().json();
    assert_eq!(insns[0]["slot"], 0);
    assert_eq!(insns[0]["disasm"], "r1 = 5 ll");
    assert_eq!(insns[0]["hex"], serde_json::json!(["1801000005000000", "0000000000000000"]));
    assert_eq!(insns[1]["slot"], 2);
    assert_eq!(insns[2]["disasm"], "exit");
    let text = bpfkit(&["disasm", hex_file.to_str().unwrap()]).success().stdout;
    let from_json: String = insns
        .as_array()
        .unwrap()
        .iter()
        .map(|i| format!("{}\n", i["disasm"].as_str().unwrap()))
        .collect();
    assert_eq!(text, from_json);

    let v = bpfkit(&[
        "-j",
        "verify",
        COUNTER,
        "--type",
        "xdp",
        "--map",
        "packet_count=array:4:8:1",
        "--test-run-zeroed",
        "64",
    ])
    .success()
    .json();
    assert_eq!(v["accepted"], true);
    assert_eq!(v["file"], COUNTER);
    assert_eq!(v["verified_insns"], v["stats"]["insns_processed"]);
    assert_eq!(v["stats"]["stack_depth"], serde_json::json!([8]));
    assert_eq!(v["test_run"]["retval"], 2);

    let bad = files.file("r.s", "r0 = 2\nr0 += r3   # never set\nexit\n");
    let run = bpfkit(&["-p", "verify", bad.to_str().unwrap(), "--type", "xdp"]);
    assert_eq!(run.status, Some(1), "{run:?}");
    let v = run.json();
    assert_eq!(
        (v["accepted"].as_bool(), v["rejected_by"].as_str()),
        (Some(false), Some("verifier"))
    );
    assert_eq!((v["line"].as_u64(), v["insn_index"].as_u64()), (Some(2), Some(1)));
    assert_eq!(v["source"], "r0 += r3   # never set");
    assert_eq!(v["message"], "R3 !read_ok");
    assert!(v["log"].as_array().unwrap().iter().any(|l| l == "R3 !read_ok"), "{v}");

    // A test run that fails after the verdict: still one object, and the
    // status of the failure.
    let run = bpfkit(&["-j", "verify", good, "--type", "kprobe/x", "--test-run-zeroed", "16"]);
    assert_eq!(run.status, Some(2), "{run:?}");
    let v = run.json();
    assert_eq!(v["accepted"], true);
    assert!(v["test_run"]["error"].as_str().unwrap().contains("kprobe"), "{v}");
    // In text, the verdict on stdout and the error on stderr.
    let run = bpfkit(&["verify", good, "--type", "kprobe/x", "--test-run-zeroed", "16"]);
    assert_eq!(run.status, Some(2), "{run:?}");
    assert!(run.stdout.starts_with("accepted\n") && run.stderr.contains("kprobe"), "{run:?}");
}

#[test]
fn help_is_null_and_version_an_object_as_in_bpftool() {
    for args in [
        &["-j", "help"][..],
        &["-j", "-h"],
        &["-p", "--help"],
        &["-j", "prog", "help"],
        &["-j", "map", "help"],
        &["-j", "link", "help"],
        &["-j", "net", "help"],
    ] {
        let run = bpfkit(args).success();
        assert_eq!(run.stdout, "null\n", "{args:?}");
        if let Some(theirs) = common::bpftool(args) {
            assert_eq!(theirs.success().stdout.trim(), "null", "bpftool {args:?}");
        }
    }
    for args in [&["-j", "version"][..], &["-j", "-V"], &["-p", "--version"]] {
        let v = bpfkit(args).success().json();
        assert_eq!(v["version"], env!("CARGO_PKG_VERSION"), "{args:?}");
    }
}

/// `name` with byte 0xff in the middle.
fn with_ff(prefix: &[u8], suffix: &[u8]) -> OsString {
    let mut bytes = prefix.to_vec();
    bytes.push(0xff);
    bytes.extend_from_slice(suffix);
    OsString::from_vec(bytes)
}

/// Runs bpfkit with `args` in text and in JSON; neither may abort, panic
/// or exit other than `status`; the JSON is one document; both say `says`.
#[track_caller]
fn refused(args: &[OsString], status: i32, says: &str) {
    let text = bpfkit_os(args);
    assert_eq!(text.status, Some(status), "{args:?}: {text:?}");
    assert!(text.stderr.contains(says), "{args:?}: expected {says:?} in {:?}", text.stderr);
    let mut json_args = vec![OsString::from("-j")];
    json_args.extend_from_slice(args);
    let json = bpfkit_os(&json_args);
    assert_eq!(json.status, Some(status), "{json_args:?}: {json:?}");
    let error = json.json()["error"].as_str().map(str::to_owned).unwrap_or_default();
    assert!(error.contains(says), "{json_args:?}: expected {says:?} in {error:?}");
}

fn os(words: &[&str]) -> Vec<OsString> {
    words.iter().map(OsString::from).collect()
}

#[test]
fn arguments_that_are_not_utf8_are_errors_not_aborts() {
    require_kernel!();
    let pins = PinDir::new();
    let dir = pins.path("").to_str().unwrap().to_owned();
    let ff_pin = with_ff(dir.as_bytes(), b"");
    let line = |words: &[&str], odd: OsString| {
        let mut all = os(words);
        all.push(odd);
        all
    };
    // Paths: the kernel is asked for them, byte for byte.
    for command in [
        &["map", "show", "pinned"][..],
        &["prog", "show", "pinned"],
        &["link", "show", "pinned"],
        &["map", "dump", "pinned"],
    ] {
        refused(
            &line(command, ff_pin.clone()),
            255,
            &format!("bpf obj get ({dir}\\xff): No such file"),
        );
    }
    // Keywords and numbers: bpftool's errors for an unknown word.
    refused(&line(&["prog", "show"], with_ff(b"", b"")), 255, "what is '\\xff'?");
    refused(&line(&["prog", "show", "id"], with_ff(b"1", b"")), 255, "can't parse 1\\xff as ID");
    refused(&line(&["map", "show", "id"], with_ff(b"", b"")), 255, "can't parse \\xff as ID");
    refused(&line(&["prog"], with_ff(b"sh", b"ow")), 255, "unknown command 'prog sh\\xffow'");
    refused(&line(&[], with_ff(b"", b"")), 255, "unknown command '\\xff'");
    if cfg!(feature = "netlink") {
        let dev = line(&["net", "show", "dev"], with_ff(b"lo", b""));
        refused(&dev, 255, "invalid devname lo\\xff");
    }
    refused(&line(&["map", "show", "name"], with_ff(b"m", b"")), 255, "no map with name m\\xff");
    // bpfkit's own commands: a file name is bytes; a keyword is a usage error.
    let missing = with_ff(b"/nonexistent/x", b".s");
    refused(&line(&["asm"], missing.clone()), 2, "cannot read /nonexistent/x\\xff.s");
    refused(&line(&["disasm"], missing.clone()), 2, "cannot read /nonexistent/x\\xff.s");
    let mut verify = line(&["verify"], missing);
    verify.extend(os(&["--type", "xdp"]));
    refused(&verify, 2, "cannot read /nonexistent/x\\xff.s");
    refused(
        &line(&["verify", COUNTER, "--type"], with_ff(b"xdp", b"")),
        2,
        "unknown section 'xdp\\xff'",
    );
    refused(
        &line(
            &["verify", COUNTER, "--type", "xdp", "--map"],
            with_ff(b"packet_count=array:4:8:", b""),
        ),
        2,
        "--map",
    );

    // Files whose names are not UTF-8 are read and written.
    let files = Files::new();
    let source = files.file(with_ff(b"prog", b".s"), "r0 = 2\nexit\n");
    let hex = bpfkit_os(&[OsStr::new("asm"), source.as_os_str()]).success().stdout;
    assert_eq!(hex, "b700000002000000\n9500000000000000\n");
    let raw = files.0.join(with_ff(b"prog", b".bin"));
    bpfkit_os(&[OsStr::new("asm"), OsStr::new("--raw"), raw.as_os_str(), source.as_os_str()])
        .success();
    let text =
        bpfkit_os(&[OsStr::new("disasm"), OsStr::new("--raw"), raw.as_os_str()]).success().stdout;
    assert_eq!(text, "r0 = 2\nexit\n");
    let v = bpfkit_os(&[
        OsStr::new("-j"),
        OsStr::new("verify"),
        source.as_os_str(),
        OsStr::new("--type"),
        OsStr::new("xdp"),
    ])
    .success()
    .json();
    assert_eq!(v["file"].as_str().unwrap(), format!("{}/prog\\xff.s", files.0.display()));
    assert_eq!(v["accepted"], true);

    // An object pinned at such a path opens, and `-f` lists the path.
    let (_prog, counts) = counter(&unique("ff"));
    let pinned = PathBuf::from(&ff_pin);
    counts.map().pin(&pinned).unwrap();
    let map_id = counts.map().info().unwrap().id.to_string();
    let shown = bpfkit_os(&[
        OsStr::new("-j"),
        OsStr::new("map"),
        OsStr::new("show"),
        OsStr::new("pinned"),
        pinned.as_os_str(),
    ])
    .success()
    .json();
    assert_eq!(shown["id"].to_string(), map_id);
    let listed = bpfkit(&["-jf", "map", "show", "id", &map_id]).success().json();
    assert_eq!(listed["pinned"], serde_json::json!([format!("{dir}\\xff")]));
    let text = bpfkit(&["-f", "map", "show", "id", &map_id]).success().stdout;
    assert!(text.contains(&format!("\tpinned {dir}\\xff\n")), "{text}");
}

/// No raw control character (but the line ends) in what a run wrote, and
/// the error on one line of its own: nothing forged.
#[track_caller]
fn no_raw_controls(run: &Run) {
    for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        let bad = text.chars().find(|c| c.is_control() && *c != '\n');
        assert!(bad.is_none(), "raw {bad:?} on {stream}: {run:?}");
    }
    assert_eq!(run.stderr.lines().filter(|l| l.starts_with("Error: ")).count(), 1, "{run:?}");
    assert!(
        run.stderr.lines().all(|l| l.starts_with("Error: ") || l.starts_with("Hint: ")),
        "{run:?}"
    );
}

#[test]
fn control_characters_from_the_input_are_escaped_in_errors() {
    let files = Files::new();
    let cases: Vec<(Vec<OsString>, &str)> = vec![
        (
            os(&["prog", "show", "pinned", "/sys/fs/bpf/a\nb\x1b[31m"]),
            "bpf obj get (/sys/fs/bpf/a\\nb\\x1b[31m)",
        ),
        (os(&["map", "show", "id", "7\x7f"]), "can't parse 7\\x7f as ID"),
        (os(&["prog", "show", "\x1b]0;title\x07"]), "what is '\\x1b]0;title\\x07'?"),
        (os(&["link", "bo\tgus"]), "unknown command 'link bo\\tgus'"),
        (
            os(&["asm", "/nonexistent/a\nError: forged\r"]),
            "cannot read /nonexistent/a\\nError: forged\\r",
        ),
        (os(&["verify", "x.s", "--type", "xdp\n"]), "unknown section 'xdp\\n'"),
        (os(&["disasm", "--raw", "\u{9b}31m"]), "cannot read \\u{9b}31m"),
    ];
    // The file's contents too: an assembler error quotes the text.
    let source = files.file("c.s", "r0 = 2\ncall \x1b[2Jboom\nexit\n");
    let bad_hex = files.file("c.hex", "b700000002000000\nzz\x1b[2J\n");
    let mut all = cases;
    all.push((vec!["asm".into(), source.into()], "unexpected character '\\x1b'"));
    all.push((vec!["disasm".into(), bad_hex.into()], "'zz\\x1b[2J'"));
    for (args, says) in &all {
        let text = bpfkit_os(args);
        assert_ne!(text.status, Some(0), "{args:?}");
        assert!(text.stderr.contains(says), "{args:?}: expected {says:?} in {:?}", text.stderr);
        no_raw_controls(&text);
        let mut json_args = vec![OsString::from("-j")];
        json_args.extend(args.iter().cloned());
        let json = bpfkit_os(&json_args);
        let error = json.json()["error"].as_str().map(str::to_owned).unwrap_or_default();
        assert!(error.contains(says), "{json_args:?}: expected {says:?} in {error:?}");
        assert!(!error.chars().any(char::is_control), "{error:?}");
    }
    // A rejection names the file and its line in the verdict: escaped too.
    if common::kernel_available() {
        let odd = files.file("a\x1bb.s", "r0 = 2\nr0 += r3 # \x1b[31m\nexit\n");
        let run = bpfkit_os(&[
            OsStr::new("verify"),
            odd.as_os_str(),
            OsStr::new("--type"),
            OsStr::new("xdp"),
        ]);
        assert_eq!(run.status, Some(1), "{run:?}");
        let dir = files.0.display();
        assert!(
            run.stdout.contains(&format!("{dir}/a\\x1bb.s:2: r0 += r3 # \\x1b[31m\n")),
            "{run:?}"
        );
        assert!(!run.stdout.contains('\x1b') && !run.stderr.contains('\x1b'), "{run:?}");
    }
}

#[test]
fn the_exit_status_of_an_unprivileged_load_is_the_systems() {
    require_kernel!();
    let files = Files::new();
    let good = files.file("p.s", "r0 = 2\nexit\n");
    // Readable by nobody, in a directory nobody may enter.
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&files.0, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&good, std::fs::Permissions::from_mode(0o644)).unwrap();
    let run = common::as_nobody(
        env!("CARGO_BIN_EXE_bpfkit"),
        &["verify", good.to_str().unwrap(), "--type", "xdp"],
    );
    assert_eq!(run.status, Some(3), "{run:?}");
    assert!(run.stderr.contains("EPERM"), "{run:?}");
    let run = common::as_nobody(
        env!("CARGO_BIN_EXE_bpfkit"),
        &["-j", "verify", good.to_str().unwrap(), "--type", "xdp"],
    );
    assert_eq!(run.status, Some(3), "{run:?}");
    assert!(run.json()["error"].as_str().unwrap().contains("EPERM"), "{run:?}");
}
