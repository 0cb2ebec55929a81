#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `bpfkit map event_pipe` against bpftool 7.1: a program that outputs 16
//! known bytes to a pinned perf event array runs N times while each tool
//! reads the map as a child; SIGINT stops it. Both print N samples of
//! those bytes (padded by the kernel to 20), in the same text and JSON,
//! with the time stamps (and the CPU the test thread ran on) masked; the
//! errors for a map that is no perf event array and bad `cpu`/`index`
//! words are bpftool's.

mod common;

use std::io::Read as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bpfkit::asm::{ProgramBuilder, R0, R1, R2, R6, R10, Size};
use bpfkit::maps::PerfEventArray;
use bpfkit::prog::kind::Xdp;
use bpfkit::prog::{Program, ProgramSpec, TestRun};
use common::{BPFKIT, PinDir, Run, bpfkit, bpftool, require_bpftool, unique};
use serde_json::Value;

/// How many samples each run sends.
const N: usize = 5;

/// The bytes the program sends, then the kernel's padding to 20.
const BYTES: [u8; 20] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 0, 0, 0, 0];

/// Sends bytes 1..=16 (from the stack) to `array` per run.
fn producer(array: &PerfEventArray) -> Program<Xdp> {
    let mut b = ProgramBuilder::new();
    b.mov64(R6, R1)
        .st(Size::W, R10, -16, 0x0403_0201)
        .st(Size::W, R10, -12, 0x0807_0605)
        .st(Size::W, R10, -8, 0x0c0b_0a09)
        .st(Size::W, R10, -4, 0x100f_0e0d)
        .mov64(R1, R6)
        .mov64(R2, R10)
        .add64(R2, -16)
        .perf_event_output(array, R2, 16)
        .mov64(R0, 2)
        .exit();
    ProgramSpec::typed(Xdp, &b.assemble().unwrap()).name("pipe_producer").load().unwrap()
}

/// The CPUs the kernel has online: event_pipe opens a ring on each.
fn online_cpus() -> usize {
    let online = std::fs::read_to_string("/sys/devices/system/cpu/online").unwrap();
    online
        .trim()
        .split(',')
        .map(|r| match r.split_once('-') {
            Some((a, b)) => b.parse::<usize>().unwrap() - a.parse::<usize>().unwrap() + 1,
            None => 1,
        })
        .sum()
}

/// How many perf event fds the process `pid` holds.
fn perf_fds(pid: u32) -> usize {
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/fd")) else { return 0 };
    dir.flatten()
        .filter(|e| {
            std::fs::read_link(e.path()).is_ok_and(|l| l.to_string_lossy().contains("[perf_event]"))
        })
        .count()
}

/// Runs `tool ARGS` as a child until its rings are open, runs `prog` N
/// times, lets the child print, and stops it with SIGINT.
fn pipe(tool: &Path, args: &[&str], prog: &Program<Xdp>) -> Run {
    pipe_streamed(tool, args, prog).0
}

/// [`pipe`], and what the child had written to its standard output (a
/// pipe) before it was stopped.
fn pipe_streamed(tool: &Path, args: &[&str], prog: &Program<Xdp>) -> (Run, String) {
    let mut child: Child = Command::new(tool)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let reader = {
        let seen = seen.clone();
        std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            while let Ok(n @ 1..) = out.read(&mut chunk) {
                seen.lock().unwrap().extend_from_slice(&chunk[..n]);
            }
        })
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while perf_fds(child.id()) < online_cpus() {
        assert!(Instant::now() < deadline, "{args:?}: the rings did not open");
        std::thread::sleep(Duration::from_millis(10));
    }
    // The map's slots are filled just after each ring is opened.
    std::thread::sleep(Duration::from_millis(200));
    for _ in 0..N {
        prog.test_run(TestRun::new(&[0u8; 64])).unwrap();
    }
    std::thread::sleep(Duration::from_millis(500));
    let before_stop = String::from_utf8(seen.lock().unwrap().clone()).unwrap();
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let status = child.wait().unwrap().code();
    reader.join().unwrap();
    let stdout = String::from_utf8(seen.lock().unwrap().clone()).unwrap();
    (Run { status, stdout, stderr }, before_stop)
}

/// The text with each sample's time, CPU and index masked; checks that
/// each header is well formed and its index is its CPU.
fn masked_text(run: &Run) -> String {
    let mut out = String::new();
    for line in run.stdout.lines() {
        if let Some(rest) = line.strip_prefix("== @") {
            let (time, rest) = rest.split_once(" CPU: ").unwrap();
            let (secs, nanos) = time.split_once('.').unwrap();
            secs.parse::<u64>().unwrap();
            assert_eq!(nanos.len(), 9, "{line}");
            let (cpu, rest) = rest.split_once(" index: ").unwrap();
            let index = rest.strip_suffix(" =====").unwrap();
            assert_eq!(cpu, index, "{line}");
            out.push_str("== @T CPU: C index: C =====\n");
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The JSON records with their time, CPU and index taken out.
fn masked_json(run: &Run) -> Vec<Value> {
    let json = run.json();
    let mut records = json.as_array().unwrap().clone();
    for record in &mut records {
        let object = record.as_object_mut().unwrap();
        assert!(object.remove("timestamp").unwrap().as_u64().unwrap() > 0);
        let cpu = object.remove("cpu").unwrap();
        assert_eq!(object.remove("index").unwrap(), cpu);
    }
    records
}

#[test]
fn event_pipe_prints_each_sample_as_bpftool_does() {
    require_kernel!();
    let array = PerfEventArray::create(&unique("pipe")).unwrap();
    let prog = producer(&array);
    let dir = PinDir::new();
    let pin = dir.path("events");
    array.map().pin(&pin).unwrap();
    let pin = pin.to_str().unwrap();

    let hex = "01 02 03 04 05 06 07 08  09 0a 0b 0c 0d 0e 0f 10\n00 00 00 00\n";
    let expected = format!("== @T CPU: C index: C =====\n{hex}").repeat(N);
    let (ours, streamed) =
        pipe_streamed(Path::new(BPFKIT), &["map", "event_pipe", "pinned", pin], &prog);
    assert_eq!(ours.status, Some(0), "{}", ours.stderr);
    assert_eq!(ours.stderr, "Stopping...\n");
    assert_eq!(masked_text(&ours), expected);
    // Every record reached the pipe before the stop.
    assert_eq!(streamed, ours.stdout);

    let (ours_json, streamed) =
        pipe_streamed(Path::new(BPFKIT), &["-j", "map", "event_pipe", "pinned", pin], &prog);
    // The array's opening and every record, before the stop closed it.
    assert!(streamed.starts_with('['), "{streamed}");
    assert_eq!(streamed.matches("\"type\":9").count(), N, "{streamed}");
    assert_eq!(format!("{streamed}]\n"), ours_json.stdout);
    let records = masked_json(&ours_json);
    assert_eq!(records.len(), N, "{}", ours_json.stdout);
    let data: Vec<Value> = BYTES.iter().map(|&b| Value::from(b)).collect();
    for record in &records {
        assert_eq!(record["type"], 9);
        assert_eq!(record["data"], Value::Array(data.clone()));
    }

    let Some(bpftool_path) = require_bpftool() else { return };
    let theirs = pipe(&bpftool_path, &["map", "event_pipe", "pinned", pin], &prog);
    assert_eq!(theirs.status, Some(0), "{}", theirs.stderr);
    assert_eq!(masked_text(&theirs), masked_text(&ours));
    assert_eq!(theirs.stderr, ours.stderr);
    for flag in ["-j", "-p"] {
        let theirs = pipe(&bpftool_path, &[flag, "map", "event_pipe", "pinned", pin], &prog);
        assert_eq!(masked_json(&theirs), records, "{flag}");
    }
    let pretty = pipe(Path::new(BPFKIT), &["-p", "map", "event_pipe", "pinned", pin], &prog);
    assert_eq!(masked_json(&pretty), records);
}

#[test]
fn errors_are_bpftools() {
    require_kernel!();
    let array = PerfEventArray::create(&unique("pipe")).unwrap();
    let dir = PinDir::new();
    let pin = dir.path("events");
    array.map().pin(&pin).unwrap();
    let pin = pin.to_str().unwrap();
    let hash = dir.path("hash");
    let hash = hash.to_str().unwrap();
    bpfkit(&[
        "map",
        "create",
        hash,
        "type",
        "hash",
        "key",
        "4",
        "value",
        "4",
        "entries",
        "4",
        "name",
        "pipe_hash",
    ])
    .success();
    let cases: Vec<Vec<&str>> = vec![
        vec!["map", "event_pipe"],
        vec!["map", "event_pipe", "pinned", hash],
        vec!["map", "event_pipe", "pinned", pin, "cpu"],
        vec!["map", "event_pipe", "pinned", pin, "cpu", "1"],
        vec!["map", "event_pipe", "pinned", pin, "index", "0"],
        vec!["map", "event_pipe", "pinned", pin, "cpu", "x", "index", "0"],
        vec!["map", "event_pipe", "pinned", pin, "cpu", "0", "index", "y"],
        vec!["map", "event_pipe", "pinned", pin, "bogus", "1"],
    ];
    for case in &cases {
        for json in [false, true] {
            let mut args = if json { vec!["-j"] } else { vec![] };
            args.extend(case.iter().copied());
            let ours = bpfkit(&args);
            assert_eq!(ours.status, Some(255), "{args:?}");
            if let Some(theirs) = bpftool(&args) {
                assert_eq!(ours.stdout, theirs.stdout, "{args:?}");
                assert_eq!(ours.stderr, theirs.stderr, "{args:?}");
                assert_eq!(ours.status, theirs.status, "{args:?}");
            }
        }
    }
    // A CPU that does not exist, a slot past the map's end: bpftool adds
    // libbpf's line before the same error.
    let cpus = online_cpus().to_string();
    let beyond = (array.map().def().max_entries + 1).to_string();
    for (cpu, index, errno) in
        [("4096", "0", "Invalid argument (22)"), ("0", &beyond[..], "Argument list too long (7)")]
    {
        let ours = bpfkit(&["map", "event_pipe", "pinned", pin, "cpu", cpu, "index", index]);
        assert_eq!(
            ours.stderr,
            format!("Error: failed to create perf buffer: {errno}\n"),
            "{cpus}"
        );
        assert_eq!(ours.status, Some(255));
    }
}
