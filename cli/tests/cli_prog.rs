//! `bpfkit prog` against bpftool 7.1 on the same programs: JSON equal key
//! for key (load date to the second), text equal line for line, errors of
//! the same shape. Programs on the machine come and go (tests run in
//! parallel), so every comparison is per object.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use bpfkit::asm::{ArgType, FuncDecl, Helper, ProgramBuilder, R0, R1, R2, R3, R4};
use bpfkit::maps::{Array, MapFlags};
use bpfkit::prog::{AttachType, ProgType, Program, ProgramSpec, RunTimeStats, TestRun};
use common::{PinDir, Run, bpfkit, bpftool, counter, id, unique};
use serde_json::Value;

/// A program of `prog_type` that returns `ret`: its tag is a hash of the
/// code, so a `ret` no other test uses gives a tag no other program has.
fn returning(prog_type: ProgType, name: &str, ret: i32, license: &str) -> Program {
    let mut b = ProgramBuilder::new();
    b.mov64(R0, ret).exit();
    let insns = b.assemble().unwrap();
    ProgramSpec::new(prog_type, &insns).name(name).license(license).load().unwrap()
}

/// A return value no other test process uses, for a tag of its own.
fn unique_ret() -> i32 {
    static N: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    (std::process::id() % 1_000_000) as i32 * 100 + n + 1000
}

/// `a` and `b` are the same JSON, except that `loaded_at` may differ by a
/// second and `pids` (which bpfkit leaves out) and keys bpfkit adds are
/// ignored: every key bpftool prints must be there with its value.
fn assert_same_json(bpftool: &Value, bpfkit: &Value, what: &str) {
    match (bpftool, bpfkit) {
        (Value::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len(), "{what}: array lengths\n{bpftool}\n{bpfkit}");
            for (x, y) in a.iter().zip(b) {
                assert_same_json(x, y, what);
            }
        }
        (Value::Object(a), Value::Object(b)) => {
            for (key, x) in a {
                if key == "pids" {
                    continue;
                }
                let y = b.get(key).unwrap_or_else(|| panic!("{what}: no {key} in {bpfkit}"));
                if key == "loaded_at" {
                    let (x, y) = (x.as_i64().unwrap(), y.as_i64().unwrap());
                    assert!((x - y).abs() <= 1, "{what}: loaded_at {x} vs {y}");
                } else {
                    assert_same_json(x, y, &format!("{what}.{key}"));
                }
            }
        }
        _ => assert_eq!(bpftool, bpfkit, "{what}"),
    }
}

/// Text output with the `loaded_at` date cut out, and the dates, which are
/// compared to the second.
fn split_dates(text: &str) -> (String, Vec<String>) {
    let mut dates = Vec::new();
    let lines = text
        .lines()
        .map(|line| match line.strip_prefix("\tloaded_at ") {
            Some(rest) => {
                let (date, uid) = rest.split_once("  ").unwrap();
                dates.push(date.to_owned());
                format!("\tloaded_at DATE  {uid}")
            }
            None => line.to_owned(),
        })
        .filter(|line| !line.starts_with("\tpids "))
        .collect::<Vec<_>>();
    (lines.join("\n"), dates)
}

/// Seconds of a `%FT%T%z` date, for comparing two of them.
fn seconds(date: &str) -> i64 {
    let n = |r: std::ops::Range<usize>| date[r].parse::<i64>().unwrap();
    let days = n(8..10) + 31 * (n(5..7) + 12 * n(0..4));
    ((days * 24 + n(11..13)) * 60 + n(14..16)) * 60 + n(17..19)
}

fn assert_same_text(bpftool: &Run, bpfkit: &Run, what: &str) {
    let (a, da) = split_dates(&bpftool.stdout);
    let (b, db) = split_dates(&bpfkit.stdout);
    assert_eq!(a, b, "{what}");
    assert_eq!(da.len(), db.len(), "{what}");
    for (x, y) in da.iter().zip(&db) {
        assert!((seconds(x) - seconds(y)).abs() <= 1, "{what}: {x} vs {y}");
        assert_eq!(x[19..], y[19..], "{what}: time zone");
    }
}

/// Runs the same arguments through both tools and compares JSON (`-j` and
/// `-p`, parsed) and text. `None` when bpftool is not installed.
fn compare(args: &[&str]) -> Option<()> {
    let what = args.join(" ");
    for flag in ["-j", "-p"] {
        let mut all = vec![flag];
        all.extend_from_slice(args);
        let theirs = bpftool(&all)?.success();
        let ours = bpfkit(&all).success();
        assert_same_json(&theirs.json(), &ours.json(), &format!("{flag} {what}"));
    }
    assert_same_text(&bpftool(args)?.success(), &bpfkit(args).success(), &what);
    Some(())
}

#[test]
fn show_matches_bpftool_for_each_type() {
    require_kernel!();
    let (xdp, _counts) = counter(&unique("cx"));
    let xdp = xdp.into_untyped();
    let progs = [
        returning(ProgType::SOCKET_FILTER, &unique("cs"), 0, "GPL"),
        returning(ProgType::SOCKET_FILTER, &unique("cm"), 0, "MIT"),
        returning(ProgType::SCHED_CLS, &unique("cc"), 0, "GPL"),
        returning(ProgType::SCHED_ACT, &unique("ca"), 0, "GPL"),
        returning(ProgType::CGROUP_SKB, &unique("cg"), 1, "GPL"),
    ];
    for prog in std::iter::once(&xdp).chain(&progs) {
        let n = id(prog).to_string();
        if compare(&["prog", "show", "id", &n]).is_none() {
            return;
        }
        // Our short form is the same as `id N`.
        assert_eq!(
            bpfkit(&["-j", "prog", "show", &n]).stdout,
            bpfkit(&["-j", "prog", "show", "id", &n]).stdout
        );
    }
    let shown = bpfkit(&["-j", "prog", "show", "id", &id(&progs[1]).to_string()]).json();
    assert_eq!(shown["gpl_compatible"], false);
    let xdp_json = bpfkit(&["-j", "prog", "show", "id", &id(&xdp).to_string()]).json();
    assert_eq!(xdp_json["type"], "xdp");
    assert_eq!(xdp_json["map_ids"][0], _counts.map().info().unwrap().id);
    assert_eq!(xdp_json["bytes_xlated"], xdp.info().unwrap().xlated_bytes);
}

/// A program type newer than bpftool 7.1 shows as its number, as there.
#[test]
fn a_type_newer_than_bpftool_shows_as_its_number() {
    require_kernel!();
    let mut b = ProgramBuilder::new();
    b.mov64(R0, 1).exit();
    let insns = b.assemble().unwrap();
    let prog = ProgramSpec::new(ProgType::NETFILTER, &insns)
        .expected_attach_type(AttachType::NETFILTER)
        .name(&unique("cf"))
        .load()
        .unwrap();
    let n = id(&prog).to_string();
    compare(&["prog", "show", "id", &n]);
    assert_eq!(bpfkit(&["-j", "prog", "show", "id", &n]).json()["type"], 32);
}

/// While run-time statistics are on, `run_time_ns` and `run_cnt` appear,
/// in JSON and in text, as bpftool prints them.
#[test]
fn run_time_and_count_show_while_stats_are_on() {
    require_kernel!();
    let prog = returning(ProgType::XDP, &unique("cr"), 2, "GPL");
    let n = id(&prog).to_string();
    let before = bpfkit(&["-j", "prog", "show", "id", &n]).success().json();
    assert!(before.get("run_cnt").is_none(), "{before}");
    {
        let _counting = RunTimeStats::enable().unwrap();
        let packet = [0u8; 64];
        let result = prog.test_run(TestRun::new(&packet).repeat(25)).unwrap();
        assert_eq!(result.retval, 2);
    }
    let info = prog.info().unwrap();
    assert_eq!(info.run_count, 25);
    assert!(!info.run_time.is_zero());
    let shown = bpfkit(&["-j", "prog", "show", "id", &n]).success().json();
    assert_eq!(shown["run_cnt"], 25);
    assert_eq!(shown["run_time_ns"].as_u64(), Some(info.run_time.as_nanos() as u64));
    assert!(bpfkit(&["prog", "show", "id", &n]).stdout.contains(" run_cnt 25"));
    compare(&["prog", "show", "id", &n]);
}

#[test]
fn pinned_programs_show_their_paths_with_bpffs() {
    require_kernel!();
    let pins = PinDir::new();
    let prog = returning(ProgType::SOCKET_FILTER, &unique("cp"), unique_ret(), "GPL");
    let other = returning(ProgType::SOCKET_FILTER, &unique("cq"), unique_ret(), "GPL");
    prog.pin(pins.path("first")).unwrap();
    prog.pin(pins.path("second")).unwrap();
    let path = pins.path("first");
    let path = path.to_str().unwrap();
    let n = id(&prog).to_string();
    if compare(&["prog", "show", "pinned", path]).is_none() {
        return;
    }
    // Other tests pin and unpin programs meanwhile, and how many there are
    // decides the order bpftool lists one program's paths in: compare
    // again when the two runs may have seen different tables.
    let agree = |args: &[&str]| {
        (0..5).any(|_| {
            let theirs = bpftool(args).unwrap().success();
            let ours = bpfkit(args).success();
            if args[0].starts_with('-') && args[0].contains('j') {
                let (mut a, b) = (theirs.json(), ours.json());
                if a["loaded_at"] != b["loaded_at"] {
                    a["loaded_at"] = b["loaded_at"].clone();
                }
                a == b
            } else {
                split_dates(&theirs.stdout).0 == split_dates(&ours.stdout).0
            }
        })
    };
    for args in [
        &["-jf", "prog", "show", "id", &n][..],
        &["-f", "-p", "prog", "show", "id", &n],
        &["-f", "prog", "show", "id", &n],
        &["--bpffs", "-j", "prog", "show", "id", &id(&other).to_string()],
    ] {
        assert!(agree(args), "{args:?}");
    }
    let ours = bpfkit(&["-jf", "prog", "show", "id", &n]).json();
    let mut paths: Vec<&str> =
        ours["pinned"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    paths.sort();
    assert_eq!(paths, [path, pins.path("second").to_str().unwrap()]);
    // An unpinned program has an empty list while others are pinned.
    assert_eq!(
        bpfkit(&["-jf", "prog", "show", "id", &id(&other).to_string()]).json()["pinned"],
        Value::Array(vec![])
    );
    // Without -f there is no `pinned`, as in bpftool 7.1.
    assert!(bpfkit(&["-j", "prog", "show", "id", &n]).json().get("pinned").is_none());
}

#[test]
fn a_name_or_tag_several_programs_share_shows_them_all() {
    require_kernel!();
    let name = unique("cn");
    let ret = unique_ret();
    let a = returning(ProgType::SOCKET_FILTER, &name, ret, "GPL");
    let b = returning(ProgType::SCHED_CLS, &name, ret, "GPL");
    let tag = a.info().unwrap().tag.to_string();
    assert_eq!(tag, b.info().unwrap().tag.to_string());
    if compare(&["prog", "show", "name", &name]).is_none() {
        return;
    }
    compare(&["prog", "show", "tag", &tag]);
    let shown = bpfkit(&["-j", "prog", "show", "name", &name]).json();
    let ids: Vec<u64> =
        shown.as_array().unwrap().iter().map(|p| p["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, [u64::from(id(&a)), u64::from(id(&b))]);
    // One match is a bare object, as in bpftool.
    let single = returning(ProgType::SOCKET_FILTER, &unique("co"), unique_ret(), "GPL");
    let shown = bpfkit(&["-j", "prog", "show", "name", single.name()]).json();
    assert_eq!(shown["id"], id(&single));
    compare(&["prog", "show", "tag", &single.info().unwrap().tag.to_string()]);
}

#[test]
fn prog_list_shows_a_loaded_program() {
    require_kernel!();
    let prog = returning(ProgType::SOCKET_FILTER, &unique("cl"), 0, "GPL");
    let header = format!("{}: socket_filter  name {}  tag ", id(&prog), prog.name());
    let text = bpfkit(&["prog", "list"]).success().stdout;
    assert!(text.lines().any(|l| l.starts_with(&header)), "{header} not in\n{text}");
    let json = bpfkit(&["-j", "prog", "list"]).success().json();
    let ours = json.as_array().unwrap().iter().find(|p| p["id"] == id(&prog)).unwrap();
    assert_eq!(ours["name"], prog.name());
    // Abbreviations, as bpftool takes them.
    let short = bpfkit(&["p", "s", "i", &id(&prog).to_string()]).success().stdout;
    assert!(short.starts_with(&header), "{short}");
}

/// The instructions a text dump lists: (index, text); not the lines it
/// takes from BTF (prototypes, `; source`).
fn dump_lines(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter(|l| l.starts_with(' '))
        .map(|l| {
            let (at, rest) = l.split_once(": ").unwrap();
            (at.to_owned(), rest.to_owned())
        })
        .collect()
}

#[test]
fn dump_xlated_lists_the_kernels_instructions_in_our_syntax() {
    require_kernel!();
    let (prog, counts) = counter(&unique("cd"));
    let map_id = counts.map().info().unwrap().id;
    let n = id(&prog).to_string();
    let ours = bpfkit(&["prog", "dump", "xlated", "id", &n]).success().stdout;
    let lines = dump_lines(&ours);
    assert_eq!(lines[0], ("   0".into(), "*(u32 *)(r10 - 4) = 0".into()));
    assert!(lines.contains(&("   3".into(), format!("r1 = map[id:{map_id}] ll"))), "{ours}");
    assert!(lines.iter().any(|(_, t)| t == "lock *(u64 *)(r0 + 0) += r1"), "{ours}");
    assert_eq!(lines.last().unwrap().1, "exit");
    // The short form is the same dump.
    assert_eq!(bpfkit(&["prog", "dump", &n]).success().stdout, ours);

    let Some(theirs) = bpftool(&["prog", "dump", "xlated", "id", &n]) else { return };
    let theirs = dump_lines(&theirs.success().stdout);
    let indexes = |l: &[(String, String)]| l.iter().map(|(at, _)| at.clone()).collect::<Vec<_>>();
    assert_eq!(indexes(&theirs), indexes(&lines));
    assert!(theirs.iter().any(|(_, t)| t.ends_with(&format!("map[id:{map_id}]"))));

    // JSON: the same shape, the same opcodes; only the text differs.
    for extra in [&[][..], &["opcodes"]] {
        let mut args = vec!["-j", "prog", "dump", "xlated", "id", &n];
        args.extend_from_slice(extra);
        let (a, b) = (bpftool(&args).unwrap().success().json(), bpfkit(&args).success().json());
        let (a, b) = (a.as_array().unwrap(), b.as_array().unwrap());
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
            assert_eq!(keys(x), keys(y));
            assert_eq!(x.get("opcodes"), y.get("opcodes"));
        }
    }
    // Text with opcodes: the byte lines are bpftool's.
    let bytes = |r: Run| {
        r.stdout.lines().filter(|l| l.starts_with("       ")).map(str::to_owned).collect::<Vec<_>>()
    };
    let args = ["prog", "dump", "xlated", "id", &n, "opcodes"];
    assert_eq!(bytes(bpftool(&args).unwrap().success()), bytes(bpfkit(&args).success()));
}

#[test]
fn dump_of_several_programs_has_bpftools_headers() {
    require_kernel!();
    let name = unique("cv");
    let a = returning(ProgType::SOCKET_FILTER, &name, 7, "GPL");
    let b = returning(ProgType::SCHED_CLS, &name, 8, "GPL");
    let ours = bpfkit(&["prog", "dump", "xlated", "name", &name]).success().stdout;
    let want = format!(
        "{}   0: r0 = 7\n   1: exit\n\n{}   0: r0 = 8\n   1: exit\n",
        header(&a),
        header(&b)
    );
    assert_eq!(ours, want);
    let Some(theirs) = bpftool(&["-j", "prog", "dump", "xlated", "name", &name]) else { return };
    let (x, y) = (
        theirs.success().json(),
        bpfkit(&["-j", "prog", "dump", "xlated", "name", &name]).success().json(),
    );
    assert_eq!(x.as_array().unwrap().len(), 2);
    for (x, y) in x.as_array().unwrap().iter().zip(y.as_array().unwrap()) {
        let mut x = x.clone();
        let mut y = y.clone();
        let (xi, yi) = (x["insns"].take(), y["insns"].take());
        assert_eq!(x, y);
        assert_eq!(xi.as_array().unwrap().len(), yi.as_array().unwrap().len());
    }
    assert_eq!(
        bpftool(&["prog", "dump", "xlated", "name", &name])
            .unwrap()
            .stdout
            .lines()
            .filter(|l| !l.starts_with(' '))
            .collect::<Vec<_>>(),
        ours.lines().filter(|l| !l.starts_with(' ')).collect::<Vec<_>>()
    );
}

fn header(prog: &Program) -> String {
    let info = prog.info().unwrap();
    format!("{}: {}  name {}  tag {}  gpl\n", info.id, info.prog_type, info.name, info.tag)
}

/// Both tools fail with status 255; bpfkit prints an error object, and so
/// does bpftool when `same` (it prints nothing for a name or tag nothing has).
fn assert_same_error(args: &[&str], same: bool) {
    let mut all = vec!["-j"];
    all.extend_from_slice(args);
    let ours = bpfkit(&all);
    assert_eq!(ours.status, Some(255), "{args:?}: {ours:?}");
    let error = ours.json();
    assert!(error["error"].as_str().is_some_and(|e| !e.is_empty()), "{error}");
    assert_eq!(error.as_object().unwrap().len(), 1);
    let text = bpfkit(args);
    assert_eq!(text.status, Some(255));
    assert!(text.stdout.is_empty() && text.stderr.starts_with("Error: "), "{text:?}");
    let Some(theirs) = bpftool(&all) else { return };
    assert_eq!(theirs.status, Some(255), "{args:?}: {theirs:?}");
    if same {
        assert_eq!(theirs.json(), error, "{args:?}");
        assert_eq!(bpftool(args).unwrap().stderr, text.stderr, "{args:?}");
    }
}

#[test]
fn errors_have_bpftools_shape_and_status() {
    require_kernel!();
    let pins = PinDir::new();
    let (_, counts) = counter(&unique("ce"));
    counts.map().pin(pins.path("map")).unwrap();
    let missing = pins.path("missing");
    let map = pins.path("map");
    for args in [
        &["prog", "show", "id", "4000000000"][..],
        &["prog", "show", "id", "12abc"],
        &["prog", "show", "pinned", missing.to_str().unwrap()],
        &["prog", "show", "pinned", map.to_str().unwrap()],
        &["prog", "show", "pinned", "/proc/version"],
        &["prog", "show", "bogus", "3"],
        &["prog", "show", "tag", "xyz"],
        &["prog", "show", "id"],
        &["prog", "show", "id", "1", "2"],
        &["prog", "dump", "xlated", "id", "4000000000"],
        &["prog", "dump", "jumbled", "id", "1"],
    ] {
        assert_same_error(args, true);
    }
    assert_same_error(&["prog", "show", "name", &unique("nx")], false);
    assert_same_error(&["prog", "show", "tag", "0011223344556677"], false);
}

#[test]
fn helper_calls_name_the_kernel_function_as_bpftool_does() {
    require_kernel!();
    use bpfkit::asm::Helper;
    let mut b = ProgramBuilder::new();
    b.call(Helper::KtimeGetNs).call(Helper::GetPrandomU32).mov64(R0, 0).exit();
    let insns = b.assemble().unwrap();
    let prog =
        ProgramSpec::new(ProgType::SOCKET_FILTER, &insns).name(&unique("ck")).load().unwrap();
    let n = id(&prog).to_string();
    let ours = dump_lines(&bpfkit(&["prog", "dump", "xlated", "id", &n]).success().stdout);
    assert_eq!(ours[0].1, "call bpf_ktime_get_ns");
    let Some(theirs) = bpftool(&["prog", "dump", "xlated", "id", &n]) else { return };
    // bpftool: `(85) call bpf_ktime_get_ns#269488`.
    let theirs = dump_lines(&theirs.success().stdout);
    for ((at, text), (their_at, their_text)) in ours.iter().zip(&theirs).take(2) {
        assert_eq!(at, their_at);
        let name = their_text.strip_prefix("(85) ").unwrap().split('#').next().unwrap();
        assert_eq!(text, name);
    }
}

/// A one-function XDP object with BTF, as LLVM IR: the function's name is
/// longer than the 15 bytes the kernel keeps.
const LONG_NAME_IR: &str = r#"target triple = "bpf"
@_license = dso_local global [4 x i8] c"GPL\00", section "license", align 1
@llvm.compiler.used = appending global [1 x ptr] [ptr @_license], section "llvm.metadata"
define dso_local i32 @FUNC(ptr %ctx) section "xdp" !dbg !10 {
  ret i32 2, !dbg !15
}
!llvm.dbg.cu = !{!0}
!llvm.module.flags = !{!2, !3}
!0 = distinct !DICompileUnit(language: DW_LANG_C99, file: !1, producer: "bpfkit test", isOptimized: true, runtimeVersion: 0, emissionKind: FullDebug)
!1 = !DIFile(filename: "long.c", directory: "/tmp")
!2 = !{i32 7, !"Dwarf Version", i32 5}
!3 = !{i32 2, !"Debug Info Version", i32 3}
!10 = distinct !DISubprogram(name: "FUNC", scope: !1, file: !1, line: 1, type: !11, scopeLine: 1, flags: DIFlagPrototyped, spFlags: DISPFlagDefinition | DISPFlagOptimized, unit: !0, retainedNodes: !16)
!11 = !DISubroutineType(types: !12)
!12 = !{!13, !14}
!13 = !DIBasicType(name: "int", size: 32, encoding: DW_ATE_signed)
!14 = !DIDerivedType(tag: DW_TAG_pointer_type, baseType: null, size: 64)
!15 = !DILocation(line: 1, column: 1, scope: !10)
!16 = !{!17}
!17 = !DILocalVariable(name: "ctx", arg: 1, scope: !10, file: !1, line: 1, type: !14)
"#;

/// Compiles [`LONG_NAME_IR`] with LLVM 19's `llc` and loads it with bpftool
/// (bpfkit loads no BTF), pinned at `pin`. `None` (a visible skip) when
/// either tool is missing.
fn load_with_btf(function: &str, pin: &std::path::Path) -> Option<()> {
    load_ir(&LONG_NAME_IR.replace("FUNC", function), pin)
}

/// Compiles LLVM IR with LLVM 19's `llc` and loads it with bpftool, pinned
/// at `pin`. `None` (a visible skip) when either tool is missing.
fn load_ir(source: &str, pin: &std::path::Path) -> Option<()> {
    // LLVM 14's llc cannot read opaque pointers (`ptr`).
    let llc = common::require_llvm_tool("llc", 19, "BTF-built programs")?;
    common::require_bpftool()?;
    let dir = std::env::temp_dir().join(unique("bpfkit-btf-"));
    std::fs::create_dir_all(&dir).unwrap();
    let (ir, obj) = (dir.join("prog.ll"), dir.join("prog.o"));
    std::fs::write(&ir, source).unwrap();
    let compiled = std::process::Command::new(llc)
        .args(["-march=bpf", "-filetype=obj", "-o"])
        .arg(&obj)
        .arg(&ir)
        .status()
        .is_ok_and(|s| s.success());
    assert!(compiled, "llc-19 does not compile {}", ir.display());
    let loaded = bpftool(&["prog", "load", obj.to_str().unwrap(), pin.to_str().unwrap()])?;
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(loaded.status, Some(0), "{loaded:?}");
    Some(())
}

#[test]
fn a_long_name_comes_whole_from_btf() {
    require_kernel!();
    let pins = PinDir::new();
    let pin = pins.path("long");
    let function = format!("{}_with_a_long_name", unique("f"));
    if load_with_btf(&function, &pin).is_none() {
        return;
    }
    let prog = Program::open_pinned(&pin).unwrap();
    let info = prog.info().unwrap();
    assert_eq!(info.name, function[..15]);
    assert_eq!(info.full_name, function);
    assert_ne!(info.btf_id, 0);
    let path = pin.to_str().unwrap();
    compare(&["prog", "show", "pinned", path]).unwrap();
    compare(&["prog", "show", "name", &function]).unwrap();
    let shown = bpfkit(&["-j", "prog", "show", "name", &function]).success().json();
    assert_eq!(shown["name"], function.as_str());
    assert_eq!(shown["id"], info.id);
    // As in bpftool, the kernel's cut name no longer matches.
    assert_eq!(bpfkit(&["prog", "show", "name", &function[..15]]).status, Some(255));
}

/// bpftool's text of one translated instruction (after `N: `) in the
/// syntax bpfkit's dump has by design, LLVM's: without the kernel's opcode
/// (`(85) `), `ll` after a 64-bit load, and a helper or kfunc call by name
/// alone (bpftool adds `#` and the call's `imm`). A subprogram call keeps
/// bpftool's `#` and the symbol of its target.
fn in_our_syntax(theirs: &str) -> String {
    let (code, text) = theirs.strip_prefix('(').and_then(|r| r.split_once(") ")).unwrap();
    match code {
        "18" => format!("{text} ll"),
        "85" if !text.starts_with("call pc") => text.split('#').next().unwrap().to_owned(),
        _ => text.to_owned(),
    }
}

/// bpftool's text dump in bpfkit's syntax; the lines bpftool takes from a
/// program's BTF (function prototypes and `; source` lines) stay as they are.
fn text_in_our_syntax(theirs: &str) -> String {
    let mut out = String::new();
    for line in theirs.lines() {
        if line.starts_with("       ") {
            out.push_str(line); // opcodes
        } else if line.starts_with(' ') {
            let (at, text) = line.split_once(": ").unwrap();
            out.push_str(&format!("{at}: {}", in_our_syntax(text)));
        } else {
            assert!(line.ends_with("):") || line.starts_with("; "), "{line}");
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// Compares `bpfkit prog dump xlated PROG` with bpftool's, byte for byte
/// in bpfkit's syntax, in text and in JSON (`-j`, `-p`), plain and with
/// each option both take; returns bpfkit's text dump. bpfkit's alone when
/// bpftool is missing.
fn dump_matches_bpftool(prog: &[&str]) -> String {
    fn with<'a>(flag: Option<&'a str>, prog: &[&'a str], option: Option<&'a str>) -> Vec<&'a str> {
        let mut all: Vec<&str> = flag.into_iter().collect();
        all.extend(["prog", "dump", "xlated"]);
        all.extend_from_slice(prog);
        all.extend(option);
        all
    }
    let args = |flag, option| with(flag, prog, option);
    let ours = bpfkit(&args(None, None)).success().stdout;
    for option in [None, Some("opcodes"), Some("linum")] {
        let Some(theirs) = bpftool(&args(None, option)) else { return ours };
        let mine = bpfkit(&args(None, option)).success().stdout;
        assert_eq!(mine, text_in_our_syntax(&theirs.success().stdout), "{option:?}");
        for flag in ["-j", "-p"] {
            let theirs = bpftool(&args(Some(flag), option)).unwrap().success().json();
            let mine = bpfkit(&args(Some(flag), option)).success().json();
            let (theirs, mine) = (theirs.as_array().unwrap(), mine.as_array().unwrap());
            assert_eq!(theirs.len(), mine.len(), "{flag} {option:?}");
            for (t, m) in theirs.iter().zip(mine) {
                let mut t = t.as_object().unwrap().clone();
                let disasm = in_our_syntax(t["disasm"].as_str().unwrap());
                t.insert("disasm".into(), Value::String(disasm));
                assert_eq!(&Value::Object(t), m, "{flag} {option:?}");
            }
        }
    }
    ours
}

/// `call pc+N#bpf_prog_<16 hex digits>_<function>`, the way bpftool names
/// the target of a subprogram call.
fn is_subprogram_call(text: &str, pc: &str, function: &str) -> bool {
    let Some(symbol) = text.strip_prefix(&format!("call {pc}#bpf_prog_")) else { return false };
    let Some(tag) = symbol.strip_suffix(&format!("_{function}")) else { return false };
    tag.len() == 16 && tag.bytes().all(|b| b.is_ascii_hexdigit())
}

#[test]
fn subprogram_calls_print_as_bpftool_prints_them() {
    require_kernel!();
    // main calls `last`, which calls `middle` back: offsets of both signs.
    let mut b = ProgramBuilder::new();
    let (middle, last) = (b.label(), b.label());
    b.mov64(R1, 1).call_local(last).exit();
    b.bind(middle).mov64(R0, 2).add64(R0, R1).exit();
    b.bind(last).call_local(middle).exit();
    let insns = b.assemble().unwrap();
    let prog = ProgramSpec::new(ProgType::SOCKET_FILTER, &insns)
        .name(&unique("cs"))
        .license("GPL")
        .debug_info(false)
        .load()
        .unwrap();
    let n = id(&prog).to_string();
    let ours = dump_matches_bpftool(&["id", &n]);
    let lines = dump_lines(&ours);
    // Without BTF the kernel names every subprogram `F`.
    assert!(is_subprogram_call(&lines[1].1, "pc+4", "F"), "{ours}");
    assert!(is_subprogram_call(&lines[6].1, "pc-4", "F"), "{ours}");
    assert_eq!(lines[2].1, "exit");
}

#[test]
fn kfunc_calls_name_the_kernel_function_as_bpftool_does() {
    require_kernel!();
    // The BTF ids of two kfuncs every program type may call.
    let Some(vmlinux) = bpftool(&["btf", "dump", "file", "/sys/kernel/btf/vmlinux"]) else {
        return;
    };
    let vmlinux = vmlinux.success().stdout;
    let btf_id = |name: &str| -> i32 {
        let line = vmlinux.lines().find(|l| l.contains(&format!("] FUNC '{name}' "))).unwrap();
        line[1..line.find(']').unwrap()].parse().unwrap()
    };
    let mut b = ProgramBuilder::new();
    b.call_kfunc_id(btf_id("bpf_rcu_read_lock"), 0)
        .call_kfunc_id(btf_id("bpf_rcu_read_unlock"), 0)
        .mov64(R0, 0)
        .exit();
    let insns = b.assemble().unwrap();
    let prog = ProgramSpec::new(ProgType::SOCKET_FILTER, &insns)
        .name(&unique("cf"))
        .license("GPL")
        .load()
        .unwrap();
    let ours = dump_matches_bpftool(&["id", &id(&prog).to_string()]);
    assert_eq!(
        ours,
        "   0: call bpf_rcu_read_lock\n   1: call bpf_rcu_read_unlock\n   2: r0 = 0\n   3: exit\n"
    );
}

/// An XDP program with BTF (a callback must have it) that passes a
/// callback to `bpf_loop` and calls two subprograms. Its flags come from a
/// global function, which the verifier cannot see through, so it keeps the
/// helper call instead of inlining the loop.
const CALLBACK_IR: &str = r#"target triple = "bpf"
@_license = dso_local global [4 x i8] c"GPL\00", section "license", align 1
@llvm.compiler.used = appending global [2 x ptr] [ptr @_license, ptr @FUNC], section "llvm.metadata"
define internal i32 @cb(i32 %i, ptr %ctx) noinline !dbg !20 {
  ret i32 0
}
define internal i64 @sub(i64 %x) noinline !dbg !30 {
  ret i64 %x
}
define dso_local i64 @zero() noinline !dbg !40 {
  ret i64 0
}
define dso_local i32 @FUNC(ptr %ctx) section "xdp" !dbg !10 {
  %f = call i64 @zero(), !dbg !15
  %n = call i64 inttoptr (i64 181 to ptr)(i32 4, ptr @cb, ptr null, i64 %f), !dbg !15
  %r = call i64 @sub(i64 %n), !dbg !15
  %t = trunc i64 %r to i32
  ret i32 %t, !dbg !15
}
!llvm.dbg.cu = !{!0}
!llvm.module.flags = !{!2, !3}
!0 = distinct !DICompileUnit(language: DW_LANG_C99, file: !1, producer: "bpfkit test", isOptimized: true, runtimeVersion: 0, emissionKind: FullDebug)
!1 = !DIFile(filename: "callback.c", directory: "/tmp")
!2 = !{i32 7, !"Dwarf Version", i32 5}
!3 = !{i32 2, !"Debug Info Version", i32 3}
!10 = distinct !DISubprogram(name: "FUNC", scope: !1, file: !1, line: 1, type: !11, scopeLine: 1, flags: DIFlagPrototyped, spFlags: DISPFlagDefinition | DISPFlagOptimized, unit: !0, retainedNodes: !50)
!11 = !DISubroutineType(types: !12)
!12 = !{!13, !14}
!13 = !DIBasicType(name: "int", size: 32, encoding: DW_ATE_signed)
!14 = !DIDerivedType(tag: DW_TAG_pointer_type, baseType: null, size: 64)
!15 = !DILocation(line: 1, column: 1, scope: !10)
!16 = !DIBasicType(name: "long", size: 64, encoding: DW_ATE_signed)
!17 = !DIBasicType(name: "unsigned int", size: 32, encoding: DW_ATE_unsigned)
!20 = distinct !DISubprogram(name: "cb", scope: !1, file: !1, line: 2, type: !21, scopeLine: 2, flags: DIFlagPrototyped, spFlags: DISPFlagLocalToUnit | DISPFlagDefinition | DISPFlagOptimized, unit: !0, retainedNodes: !52)
!21 = !DISubroutineType(types: !22)
!22 = !{!13, !17, !14}
!30 = distinct !DISubprogram(name: "sub", scope: !1, file: !1, line: 3, type: !31, scopeLine: 3, flags: DIFlagPrototyped, spFlags: DISPFlagLocalToUnit | DISPFlagDefinition | DISPFlagOptimized, unit: !0, retainedNodes: !55)
!31 = !DISubroutineType(types: !32)
!32 = !{!16, !16}
!40 = distinct !DISubprogram(name: "zero", scope: !1, file: !1, line: 4, type: !41, scopeLine: 4, flags: DIFlagPrototyped, spFlags: DISPFlagDefinition | DISPFlagOptimized, unit: !0)
!41 = !DISubroutineType(types: !42)
!42 = !{!16}
!50 = !{!51}
!51 = !DILocalVariable(name: "ctx", arg: 1, scope: !10, file: !1, line: 1, type: !14)
!52 = !{!53, !54}
!53 = !DILocalVariable(name: "i", arg: 1, scope: !20, file: !1, line: 2, type: !17)
!54 = !DILocalVariable(name: "ctx", arg: 2, scope: !20, file: !1, line: 2, type: !14)
!55 = !{!56}
!56 = !DILocalVariable(name: "x", arg: 1, scope: !30, file: !1, line: 3, type: !16)
"#;

#[test]
fn a_callback_address_and_named_subprograms_print_as_bpftool_prints_them() {
    require_kernel!();
    let pins = PinDir::new();
    let pin = pins.path("callback");
    let function = unique("cb_");
    if load_ir(&CALLBACK_IR.replace("FUNC", &function), &pin).is_none() {
        return;
    }
    let ours = dump_matches_bpftool(&["pinned", pin.to_str().unwrap()]);
    let lines = dump_lines(&ours);
    // With BTF the kernel names each subprogram after its function.
    assert!(is_subprogram_call(&lines[0].1, "pc+9", "zero"), "{ours}");
    assert_eq!(lines[2], ("   2".into(), "r2 = subprog[+9] ll".into()), "{ours}");
    assert_eq!(lines[5].1, "call bpf_loop");
    assert!(is_subprogram_call(&lines[7].1, "pc+5", "sub"), "{ours}");
}

#[test]
fn generated_btf_prints_prototypes_and_rust_lines_as_bpftool_prints_them() {
    require_kernel!();
    // main calls the global `add_u64` and passes a static callback to
    // bpf_for_each_map_elem.
    let values = Array::<u64>::create(&unique("lines"), 2, MapFlags::empty()).unwrap();
    let mut b = ProgramBuilder::new();
    let (callback, add) = (b.label(), b.label());
    b.ld_map_fd(R1, &values).ld_func(R2, callback).mov64(R3, 0).mov64(R4, 0);
    b.call(Helper::ForEachMapElem);
    b.mov64(R1, R0).mov64(R2, 1).call_local(add).exit();
    b.bind(callback).mov64(R0, 0).exit();
    b.function(add, FuncDecl::global("add_u64").param("a", ArgType::U64).param("b", ArgType::U64));
    b.bind(add).mov64(R0, R1).add64(R0, R2).exit();
    let insns = b.assemble().unwrap();
    let name = unique("lines");
    let prog = ProgramSpec::new(ProgType::SOCKET_FILTER, &insns).name(&name).load().unwrap();
    assert_eq!(prog.test_run(TestRun::new(&[0u8; 64])).unwrap().retval, 3, "2 elements + 1");
    let n = id(&prog).to_string();
    let ours = dump_matches_bpftool(&["id", &n]);
    let protos: Vec<&str> = ours.lines().filter(|l| l.ends_with("):")).collect();
    let main = format!("int {name}(struct __sk_buff * ctx):");
    // An undeclared function is named after its first slot.
    let callback = format!("int func_{}():", insns.functions()[1].start);
    assert_eq!(protos, [&main, &callback, "int add_u64(u64 a, u64 b):"], "{ours}");
    assert!(ours.contains("\n; b.bind(callback).mov64(R0, 0).exit();\n"), "{ours}");
    let linum = bpfkit(&["prog", "dump", "xlated", "id", &n, "linum"]).success().stdout;
    let here = format!(" [file:{} line_num:", file!());
    assert!(linum.lines().filter(|l| l.starts_with("; ")).all(|l| l.contains(&here)), "{linum}");
}
