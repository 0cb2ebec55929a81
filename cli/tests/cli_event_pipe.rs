#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `bpfkit map event_pipe` against bpftool 7.1: a program that outputs 16
//! known bytes to a pinned perf event array runs N times while each tool
//! reads the map as a child; SIGINT stops it. Both print N samples of
//! those bytes (padded by the kernel to 20), in the same text and JSON,
//! with the time stamps (and the CPU the test thread ran on) masked; so
//! do both for one ring on one CPU in another slot (`cpu N index M`), and
//! for a ring filled while the reader is stopped (as many samples, the
//! same `lost N events`, adding up to what was sent); the errors for a
//! map that is no perf event array and bad `cpu`/`index` words are
//! bpftool's.

mod common;

use std::io::Read as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bpfkit::asm::{Helper, ProgramBuilder, R0, R1, R2, R3, R4, R5, R6, R10, Size};
use bpfkit::maps::PerfEventArray;
use bpfkit::prog::kind::Xdp;
use bpfkit::prog::{Program, ProgramSpec, TestRun};
use common::{
    BPFKIT, PinDir, Run, allowed_cpus, bpfkit, bpftool, require_bpftool, stay_on_cpu, unique,
};
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

/// Sends bytes 1..=16 to slot `index` of `array` per run: the kernel
/// takes them only on the CPU whose ring is in that slot.
fn producer_to(array: &PerfEventArray, index: u32) -> Program<Xdp> {
    let mut b = ProgramBuilder::new();
    b.st(Size::W, R10, -16, 0x0403_0201)
        .st(Size::W, R10, -12, 0x0807_0605)
        .st(Size::W, R10, -8, 0x0c0b_0a09)
        .st(Size::W, R10, -4, 0x100f_0e0d)
        .ld_map_fd(R2, array)
        .mov64(R3, index as i32)
        .mov64(R4, R10)
        .add64(R4, -16)
        .mov64(R5, 16)
        .call(Helper::PerfEventOutput)
        .mov64(R0, 2)
        .exit();
    ProgramSpec::typed(Xdp, &b.assemble().unwrap()).name("pipe_slot").load().unwrap()
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
    pipe_with(tool, args, online_cpus(), &|_| {
        for _ in 0..N {
            prog.test_run(TestRun::new(&[0u8; 64])).unwrap();
        }
    })
}

/// Runs `tool ARGS` as a child until it holds `rings` perf rings, calls
/// `produce` with its pid, lets it print, and stops it with SIGINT; the
/// run, and what it had written to its standard output (a pipe) before
/// the stop.
fn pipe_with(tool: &Path, args: &[&str], rings: usize, produce: &dyn Fn(u32)) -> (Run, String) {
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
    while perf_fds(child.id()) < rings {
        assert!(Instant::now() < deadline, "{args:?}: the rings did not open");
        std::thread::sleep(Duration::from_millis(10));
    }
    // The map's slots are filled just after each ring is opened.
    std::thread::sleep(Duration::from_millis(200));
    produce(child.id());
    std::thread::sleep(Duration::from_millis(500));
    let before_stop = String::from_utf8(seen.lock().unwrap().clone()).unwrap();
    signal(child.id(), "-INT");
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let status = child.wait().unwrap().code();
    reader.join().unwrap();
    let stdout = String::from_utf8(seen.lock().unwrap().clone()).unwrap();
    (Run { status, stdout, stderr }, before_stop)
}

/// Sends `sig` (`-INT`, `-STOP`, ...) to `pid`.
fn signal(pid: u32, sig: &str) {
    let status = Command::new("kill").args([sig, &pid.to_string()]).status().unwrap();
    assert!(status.success());
}

/// The text with each sample's time, CPU and index masked; checks that
/// each header is well formed and its index is its CPU.
fn masked_text(run: &Run) -> String {
    masked_text_in(run, None)
}

/// [`masked_text`]; with `slot`, each header's CPU and index must be
/// those and are kept.
fn masked_text_in(run: &Run, slot: Option<(u32, u32)>) -> String {
    let mut out = String::new();
    for line in run.stdout.lines() {
        if let Some(rest) = line.strip_prefix("== @") {
            let (time, rest) = rest.split_once(" CPU: ").unwrap();
            let (secs, nanos) = time.split_once('.').unwrap();
            secs.parse::<u64>().unwrap();
            assert_eq!(nanos.len(), 9, "{line}");
            let (cpu, rest) = rest.split_once(" index: ").unwrap();
            let index = rest.strip_suffix(" =====").unwrap();
            match slot {
                Some(slot) => {
                    assert_eq!((cpu.parse().unwrap(), index.parse().unwrap()), slot, "{line}");
                    out.push_str(&format!("== @T CPU: {cpu} index: {index} =====\n"));
                }
                None => {
                    assert_eq!(cpu, index, "{line}");
                    out.push_str("== @T CPU: C index: C =====\n");
                }
            }
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The JSON records with their time, CPU and index taken out.
fn masked_json(run: &Run) -> Vec<Value> {
    masked_json_in(run, None)
}

/// [`masked_json`]; with `slot`, each record's CPU and index must be those
/// and are kept.
fn masked_json_in(run: &Run, slot: Option<(u32, u32)>) -> Vec<Value> {
    let json = run.json();
    let mut records = json.as_array().unwrap().clone();
    for record in &mut records {
        let object = record.as_object_mut().unwrap();
        if let Some(time) = object.remove("timestamp") {
            assert!(time.as_u64().unwrap() > 0);
        }
        match slot {
            Some((cpu, index)) => {
                assert_eq!((&object["cpu"], &object["index"]), (&cpu.into(), &index.into()));
            }
            None => {
                let cpu = object.remove("cpu").unwrap();
                assert_eq!(object.remove("index").unwrap(), cpu);
            }
        }
    }
    records
}

/// A fresh perf event array pinned as `events` in a directory of its own,
/// which goes when dropped.
fn pinned_array() -> (PerfEventArray, PinDir) {
    let array = PerfEventArray::create(&unique("pipe")).unwrap();
    let dir = PinDir::new();
    array.map().pin(dir.path("events")).unwrap();
    (array, dir)
}

#[test]
fn event_pipe_prints_each_sample_as_bpftool_does() {
    require_kernel!();
    let (array, dir) = pinned_array();
    let prog = producer(&array);
    let pin = &dir.path("events").to_string_lossy().into_owned();

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
fn one_ring_in_one_slot_is_read_as_bpftool_reads_it() {
    require_kernel!();
    let (array, dir) = pinned_array();
    let pin = &dir.path("events").to_string_lossy().into_owned();
    let slots = array.map().def().max_entries;
    // The last CPU, in the next slot round: slot and CPU differ when
    // there are two.
    let cpu = *allowed_cpus().last().unwrap() as u32;
    let index = (cpu + 1) % slots;
    let prog = producer_to(&array, index);
    // The kernel refuses a sample from another CPU than the ring's.
    stay_on_cpu(cpu as usize);
    let produce = |_| {
        for _ in 0..N {
            prog.test_run(TestRun::new(&[0u8; 64])).unwrap();
        }
    };
    let (cpu_word, index_word) = (cpu.to_string(), index.to_string());
    let args = ["map", "event_pipe", "pinned", pin, "cpu", &cpu_word, "index", &index_word];
    let json_args = [&["-j"], &args[..]].concat();
    let slot = Some((cpu, index));

    let (ours, streamed) = pipe_with(Path::new(BPFKIT), &args, 1, &produce);
    assert_eq!(ours.status, Some(0), "{}", ours.stderr);
    assert_eq!(ours.stderr, "Stopping...\n");
    let hex = "01 02 03 04 05 06 07 08  09 0a 0b 0c 0d 0e 0f 10\n00 00 00 00\n";
    let expected = format!("== @T CPU: {cpu} index: {index} =====\n{hex}").repeat(N);
    assert_eq!(masked_text_in(&ours, slot), expected);
    assert_eq!(streamed, ours.stdout);
    let (ours_json, _) = pipe_with(Path::new(BPFKIT), &json_args, 1, &produce);
    let records = masked_json_in(&ours_json, slot);
    assert_eq!(records.len(), N, "{}", ours_json.stdout);

    let Some(bpftool_path) = require_bpftool() else { return };
    let (theirs, _) = pipe_with(&bpftool_path, &args, 1, &produce);
    assert_eq!(theirs.status, Some(0), "{}", theirs.stderr);
    assert_eq!(masked_text_in(&theirs, slot), masked_text_in(&ours, slot));
    assert_eq!(theirs.stderr, ours.stderr);
    let (theirs_json, _) = pipe_with(&bpftool_path, &json_args, 1, &produce);
    assert_eq!(masked_json_in(&theirs_json, slot), records);
}

/// How many samples the test runs send while the reader is stopped: more
/// than bpftool's 16-page ring holds (40 bytes each, with their header,
/// time and size).
const BURST: u32 = 4000;

/// A tool's text run told apart: the samples, each well formed, and the
/// `lost N events` lines, each checked to be bpftool's shape. The kernel
/// skips a sample's padding without writing it, so once the ring has
/// wrapped those 4 bytes are whatever was there before, and are not
/// compared.
fn received_and_lost_text(run: &Run) -> (u64, Vec<u64>) {
    let text = masked_text(run);
    let (mut received, mut lost) = (0, Vec::new());
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line == "== @T CPU: C index: C =====" {
            assert_eq!(lines.next(), Some("01 02 03 04 05 06 07 08  09 0a 0b 0c 0d 0e 0f 10"));
            let padding = lines.next().unwrap();
            assert!(
                padding.len() == 11
                    && padding.split(' ').all(|b| u8::from_str_radix(b, 16).is_ok()),
                "{padding:?}"
            );
            received += 1;
        } else {
            let n = line.strip_prefix("lost ").and_then(|l| l.strip_suffix(" events"));
            lost.push(n.unwrap_or_else(|| panic!("{line:?}")).parse().unwrap());
        }
    }
    (received, lost)
}

/// A tool's JSON run told apart: the samples, and the counts of the lost
/// records; the records with the lost ones' perf event ids (which differ
/// run to run) and the samples' padding (see [`received_and_lost_text`])
/// taken out.
fn received_and_lost_json(run: &Run) -> (u64, Vec<u64>, Vec<Value>) {
    let mut records = masked_json(run);
    let (mut received, mut lost) = (0, Vec::new());
    for record in &mut records {
        match record["type"].as_u64().unwrap() {
            9 => {
                let data = record["data"].as_array_mut().unwrap();
                assert_eq!(data.len(), BYTES.len());
                data.truncate(16);
                received += 1;
            }
            2 => {
                let object = record["lost"].as_object_mut().unwrap();
                assert!(object.remove("id").unwrap().as_u64().is_some());
                lost.push(object["count"].as_u64().unwrap());
            }
            other => panic!("record type {other}"),
        }
    }
    (received, lost, records)
}

#[test]
fn lost_samples_are_reported_as_bpftool_reports_them() {
    require_kernel!();
    let (array, dir) = pinned_array();
    let prog = producer(&array);
    let pin = &dir.path("events").to_string_lossy().into_owned();
    // Every sample on one ring, which fills while the reader is stopped.
    stay_on_cpu(*allowed_cpus().last().unwrap());
    let produce = |pid| {
        signal(pid, "-STOP");
        prog.test_run(TestRun::new(&[0u8; 64]).repeat(BURST)).unwrap();
        signal(pid, "-CONT");
        // The kernel reports the loss before the first sample it can
        // write once the reader has made room.
        std::thread::sleep(Duration::from_millis(300));
        prog.test_run(TestRun::new(&[0u8; 64])).unwrap();
    };
    let produced = u64::from(BURST) + 1;
    let args = ["map", "event_pipe", "pinned", pin];
    let json_args = ["-j", "map", "event_pipe", "pinned", pin];

    let (ours, _) = pipe_with(Path::new(BPFKIT), &args, online_cpus(), &produce);
    assert_eq!(ours.status, Some(0), "{}", ours.stderr);
    let (received, lost) = received_and_lost_text(&ours);
    assert!(!lost.is_empty(), "no loss reported");
    assert_eq!(received + lost.iter().sum::<u64>(), produced);
    let (ours_json, _) = pipe_with(Path::new(BPFKIT), &json_args, online_cpus(), &produce);
    let (received_json, lost_json, records) = received_and_lost_json(&ours_json);
    assert!(!lost_json.is_empty(), "no loss reported");
    assert_eq!(received_json + lost_json.iter().sum::<u64>(), produced);

    let Some(bpftool_path) = require_bpftool() else { return };
    let (theirs, _) = pipe_with(&bpftool_path, &args, online_cpus(), &produce);
    assert_eq!(theirs.status, Some(0), "{}", theirs.stderr);
    assert_eq!(theirs.stderr, ours.stderr);
    let (their_received, their_lost) = received_and_lost_text(&theirs);
    assert_eq!(their_received + their_lost.iter().sum::<u64>(), produced);
    // The ring is as big and starts as empty for both: as many fit.
    assert_eq!((their_received, their_lost), (received, lost));
    let (theirs_json, _) = pipe_with(&bpftool_path, &json_args, online_cpus(), &produce);
    let (their_received, their_lost, their_records) = received_and_lost_json(&theirs_json);
    assert_eq!(their_received + their_lost.iter().sum::<u64>(), produced);
    assert_eq!(their_records, records);
}

#[test]
fn errors_are_bpftools() {
    require_kernel!();
    let (array, dir) = pinned_array();
    let pin = &dir.path("events").to_string_lossy().into_owned();
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
