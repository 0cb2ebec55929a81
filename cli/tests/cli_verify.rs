//! `bpfkit verify` against the kernel's verifier: verdicts, statistics,
//! the `.s` line of a rejection, flags, attach types, test runs, and every
//! usage error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;

use bpfkit::asm::{Origin, parse};
use bpfkit::maps::{Array, MapFlags};
use bpfkit::prog::{ProgType, ProgramSpec};
use bpfkit::programs::{XdpAction, packet_counter};
use common::{Run, bpfkit, unique};

const COUNTER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/counter.s");

/// A `.s` file in the temporary directory, removed on drop.
struct Source(PathBuf);

impl Source {
    fn new(text: &str) -> Source {
        let path = std::env::temp_dir().join(format!("{}.s", unique("bpfkit-verify-")));
        std::fs::write(&path, text).unwrap();
        Source(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }

    /// `bpfkit verify FILE ARGS...`
    fn verify(&self, args: &[&str]) -> Run {
        let mut all = vec!["verify", self.path()];
        all.extend_from_slice(args);
        bpfkit(&all)
    }
}

impl Drop for Source {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn lines(run: &Run) -> Vec<&str> {
    run.stdout.lines().collect()
}

/// The number after `key` on a line of the output.
fn number_after(run: &Run, key: &str) -> u32 {
    let at = run.stdout.find(key).unwrap_or_else(|| panic!("no {key:?} in:\n{}", run.stdout));
    let digits: String =
        run.stdout[at + key.len()..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().unwrap()
}

/// Asserts a rejection: exit 1, `rejected` first, the `.s` line shown as
/// `FILE:LINE: text`, and the verifier's message.
fn assert_rejected(src: &Source, run: &Run, line: u32, text: &str, message: &str) {
    assert_eq!(run.status, Some(1), "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    assert_eq!(lines(run).first(), Some(&"rejected"), "{}", run.stdout);
    let at = format!("{}:{line}: {text}\n", src.path());
    assert!(run.stdout.contains(&at), "expected {at:?} in:\n{}", run.stdout);
    assert!(run.stdout.contains(message), "expected {message:?} in:\n{}", run.stdout);
    assert!(run.stdout.contains("verifier log"), "{}", run.stdout);
}

fn assert_usage_error(run: &Run, says: &str) {
    assert_eq!(run.status, Some(2), "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains(says), "expected {says:?} in stderr:\n{}", run.stderr);
    assert!(!run.stdout.starts_with("accepted") && !run.stdout.starts_with("rejected"));
}

#[test]
fn counter_text_assembles_to_the_dsl_counter() {
    require_kernel!();
    let counts = Array::<u64>::create(&unique("cnt"), 1, MapFlags::empty()).unwrap();
    let dsl = packet_counter(&counts, XdpAction::Pass).assemble().unwrap();
    let mut text = parse(&std::fs::read_to_string(COUNTER).unwrap()).unwrap().assemble().unwrap();
    assert_eq!(text.named_maps().map(|(_, name)| name).collect::<Vec<_>>(), ["packet_count"]);
    assert_eq!(text.bind_map("packet_count", &counts), 1);
    assert_eq!(text.as_bytes(), dsl.as_bytes());
    assert_eq!(text.to_string(), dsl.to_string());
}

#[test]
fn counter_is_accepted_with_the_kernels_statistics() {
    require_kernel!();
    let run = bpfkit(&["verify", COUNTER, "--type", "xdp", "--map", "packet_count=array:4:8:1"])
        .success();
    assert_eq!(lines(&run).first(), Some(&"accepted"), "{}", run.stdout);
    assert!(run.stdout.contains(" insns (limit 1000000) max_states_per_insn "), "{}", run.stdout);
    for key in [" total_states ", " peak_states ", " mark_read ", "\nverification time "] {
        assert!(run.stdout.contains(key), "no {key:?} in:\n{}", run.stdout);
    }
    assert!(run.stdout.contains("\nstack depth 8\n"), "{}", run.stdout);

    // The same program loaded through the library: the kernel counts the
    // same instructions, and verify prints what the program info says.
    let counts = Array::<u64>::create(&unique("cnt"), 1, MapFlags::empty()).unwrap();
    let mut insns = parse(&std::fs::read_to_string(COUNTER).unwrap()).unwrap().assemble().unwrap();
    insns.bind_map("packet_count", &counts);
    let prog = ProgramSpec::new(ProgType::XDP, &insns).load().unwrap();
    let verified = prog.info().unwrap().verified_insns;
    assert!(verified > 0);
    assert_eq!(number_after(&run, "processed "), verified);
    assert_eq!(number_after(&run, "verified_insns "), verified);
}

#[test]
fn log_level_prints_the_whole_log_after_the_verdict() {
    require_kernel!();
    let verify = |level: &str| {
        bpfkit(&[
            "verify",
            COUNTER,
            "--type",
            "xdp",
            "--map",
            "packet_count=array:4:8:1",
            "--log-level",
            level,
        ])
        .success()
    };
    // Level 2 keeps every state of every path: each instruction shows up.
    let run = verify("2");
    let out = lines(&run);
    assert_eq!(out[0], "accepted");
    let log = out.iter().position(|l| *l == "verifier log:").expect(&run.stdout);
    let walked = |text: &str| out[log..].iter().any(|l| l.contains(text));
    assert!(walked("(85) call bpf_map_lookup_elem#1"), "{}", run.stdout);
    assert!(walked("(db) lock *(u64 *)(r0 +0) += r1"), "{}", run.stdout);
    assert!(walked("(95) exit"), "{}", run.stdout);
    // Level 1 keeps only a path that fails: of a good program, the footer.
    let run = verify("1");
    let out = lines(&run);
    let log = out.iter().position(|l| *l == "verifier log:").expect(&run.stdout);
    assert!(out[log + 1..].iter().any(|l| l.trim().starts_with("processed ")), "{}", run.stdout);

    // A rejection at a given level shows the whole log, not only its end.
    let src = Source::new(&format!("r0 = 0\n{}r0 += r3\nexit\n", "r0 += 1\n".repeat(30)));
    let run = src.verify(&["--type", "xdp", "--log-level", "1"]);
    assert_eq!(run.status, Some(1), "{run:?}");
    assert!(run.stdout.contains("verifier log:\n"), "{}", run.stdout);
    assert!(run.stdout.contains("  0: (b7) r0 = 0"), "{}", run.stdout);
    let run = src.verify(&["--type", "xdp"]);
    assert!(run.stdout.contains("verifier log (last 20 of "), "{}", run.stdout);
    assert!(!run.stdout.contains("  0: (b7) r0 = 0"), "{}", run.stdout);
}

#[test]
fn uninitialised_register() {
    require_kernel!();
    let src = Source::new("r0 = 2\nr0 += r3   # r3 was never set\nexit\n");
    let run = src.verify(&["--type", "xdp"]);
    assert_rejected(&src, &run, 2, "r0 += r3   # r3 was never set", "R3 !read_ok");
    assert!(run.stdout.contains("instruction 1: r0 += r3\n"), "{}", run.stdout);
}

#[test]
fn out_of_bounds_stack_access() {
    require_kernel!();
    let src = Source::new("r1 = 0\n*(u64 *)(r10 - 520) = r1\nr0 = 2\nexit\n");
    let run = src.verify(&["--type", "xdp"]);
    assert_rejected(
        &src,
        &run,
        2,
        "*(u64 *)(r10 - 520) = r1",
        "invalid write to stack R10 off=-520",
    );
    assert!(run.stdout.contains("instruction 1: "), "{}", run.stdout);
}

#[test]
fn map_value_used_without_a_null_check() {
    require_kernel!();
    // A hash lookup may miss; (an array lookup with a constant in-range key
    // cannot, and the kernel knows it).
    let src = Source::new(
        "*(u32 *)(r10 - 4) = 0\n\
         r2 = r10\n\
         r2 += -4\n\
         r1 = flows ll\n\
         call bpf_map_lookup_elem\n\
         r0 = *(u64 *)(r0 + 0)\n\
         exit\n",
    );
    let run = src.verify(&["--type", "xdp", "--map", "flows=hash:4:8:16"]);
    assert_rejected(
        &src,
        &run,
        6,
        "r0 = *(u64 *)(r0 + 0)",
        "R0 invalid mem access 'map_value_or_null'",
    );
    assert!(run.stdout.contains("instruction 6: r0 = *(u64 *)(r0 + 0)\n"), "{}", run.stdout);
}

#[test]
fn unreachable_instruction() {
    require_kernel!();
    let src = Source::new("r0 = 2\nexit\nr0 = 1\nexit\n");
    let run = src.verify(&["--type", "xdp"]);
    assert_rejected(&src, &run, 3, "r0 = 1", "unreachable insn 2");
}

#[test]
fn jump_out_of_range() {
    require_kernel!();
    let src = Source::new("r0 = 2\ngoto +5\nexit\n");
    let run = src.verify(&["--type", "xdp"]);
    assert_rejected(&src, &run, 2, "goto +5", "jump out of range from insn 1 to 7");
}

#[test]
fn helper_the_program_type_may_not_call() {
    require_kernel!();
    // bpf_override_return is for kprobes only.
    let src = Source::new("r1 = r1\nr2 = 0\ncall bpf_override_return\nr0 = 2\nexit\n");
    let run = src.verify(&["--type", "xdp"]);
    assert_rejected(
        &src,
        &run,
        3,
        "call bpf_override_return",
        "program of this type cannot use helper bpf_override_return#58",
    );
}

#[test]
fn test_run_of_an_xdp_program() {
    require_kernel!();
    let src = Source::new("r0 = 2   # XDP_PASS\nexit\n");
    let run = src.verify(&["--type", "xdp", "--test-run-zeroed", "64"]).success();
    let out = lines(&run);
    assert_eq!(out[0], "accepted");
    assert_eq!(out.last(), Some(&"retval 2"), "{}", run.stdout);
}

#[test]
fn test_run_of_a_socket_filter_with_data() {
    require_kernel!();
    // A socket filter returns how many bytes to keep: here skb->len, all of them.
    let src = Source::new("r0 = *(u32 *)(r1 + 0)   # skb->len\nexit\n");
    let packet: Vec<String> = (0..60u8).map(|b| format!("{b:02x}")).collect();
    let run = src.verify(&["--type", "socket", "--test-run", &packet.join(" ")]).success();
    // The kernel hands a socket filter the packet after the Ethernet header
    // (eth_type_trans pulls its 14 bytes), so skb->len is 60 - 14.
    assert_eq!(lines(&run).last(), Some(&"retval 46"), "{}", run.stdout);
}

#[test]
fn a_program_type_without_test_runs() {
    require_kernel!();
    let src = Source::new("r0 = 0\nexit\n");
    let run = src.verify(&["--type", "kprobe/do_unlinkat", "--test-run-zeroed", "16"]);
    assert_eq!(run.status, Some(2), "{run:?}");
    assert_eq!(lines(&run).first(), Some(&"accepted"));
    assert!(run.stderr.contains("BPF_PROG_TEST_RUN is not supported"), "{}", run.stderr);
    assert!(run.stderr.contains("kprobe programs"), "{}", run.stderr);
}

#[test]
fn program_flags() {
    require_kernel!();
    // A 4-byte load at packet offset 1: fine on x86, misaligned for a CPU
    // that needs alignment, which strict_alignment makes the verifier check.
    let src = Source::new(
        "r2 = *(u32 *)(r1 + 0)      # data\n\
         r3 = *(u32 *)(r1 + 4)      # data_end\n\
         r0 = 2\n\
         r4 = r2\n\
         r4 += 8\n\
         if r4 > r3 goto out\n\
         r0 = *(u32 *)(r2 + 1)\n\
         r0 = 2\n\
         out:\n\
         exit\n",
    );
    let run = src.verify(&["--type", "xdp"]).success();
    assert_eq!(lines(&run)[0], "accepted");
    let run = src.verify(&["--type", "xdp", "--flag", "strict_alignment"]);
    assert_rejected(&src, &run, 7, "r0 = *(u32 *)(r2 + 1)", "misaligned packet access");
    // Accepted flags change nothing the verifier objects to here.
    let run =
        src.verify(&["--type", "xdp", "--flag", "test_state_freq", "--flag", "xdp_has_frags"]);
    assert_eq!(run.status, Some(0), "{run:?}");

    // Only some program types may sleep; the verifier says which.
    let pass = Source::new("r0 = 2\nexit\n");
    let run = pass.verify(&["--type", "xdp", "--flag", "sleepable"]);
    assert_eq!(run.status, Some(1), "{run:?}");
    assert_eq!(lines(&run)[0], "rejected");
    assert!(run.stdout.contains("can be sleepable"), "{}", run.stdout);
    // A sleepable section sets the flag itself.
    let run = pass.verify(&["--type", "uprobe.s"]);
    assert_eq!(run.status, Some(0), "{run:?}");
}

#[test]
fn attach_type_decides_the_return_values_allowed() {
    require_kernel!();
    // cgroup_skb egress programs may return 0-3 (bit 1: congestion
    // notification); ingress ones only 0 or 1. cgroup/skb names no attach
    // type, so the kernel takes 0: ingress.
    let src = Source::new("r0 = 3\nexit\n");
    let run = src.verify(&["--type", "cgroup/skb"]);
    assert_rejected(&src, &run, 2, "exit", "should have been in [0, 1]");
    src.verify(&["--type", "cgroup_skb/egress"]).success();
    src.verify(&["--type", "cgroup/skb", "--attach-type", "cgroup_inet_egress"]).success();
    let run = src.verify(&["--type", "cgroup_skb/egress", "--attach-type", "cgroup_inet_ingress"]);
    assert_eq!(run.status, Some(1), "{run:?}");

    // An attach type the program type does not take: refused before
    // verification, still a verdict.
    let run = src.verify(&["--type", "cgroup/sock", "--attach-type", "xdp"]);
    assert_eq!(run.status, Some(1), "{run:?}");
    assert_eq!(lines(&run)[0], "rejected");
    assert!(run.stdout.contains("EINVAL"), "{}", run.stdout);
}

#[test]
fn usage_errors_exit_2() {
    let src = Source::new("r0 = 2\nexit\n");
    assert_usage_error(&bpfkit(&["verify"]), "verify needs a FILE.s");
    assert_usage_error(&src.verify(&[]), "needs --type SECTION");
    let run = src.verify(&["--type", "xpd"]);
    assert_usage_error(&run, "unknown section 'xpd'");
    for known in ["xdp", "socket", "cgroup_skb/egress", "tracepoint[/...]", "netfilter"] {
        assert!(run.stderr.contains(known), "{known} not listed:\n{}", run.stderr);
    }
    assert_usage_error(
        &src.verify(&["--type", "fentry/do_unlinkat"]),
        "cannot resolve BTF targets",
    );
    assert_usage_error(
        &src.verify(&["--type", "xdp", "--attach-type", "sideways"]),
        "unknown attach type",
    );
    assert_usage_error(&src.verify(&["--type", "xdp", "--flag", "fast"]), "unknown flag 'fast'");
    assert_usage_error(&src.verify(&["--type", "xdp", "--log-level", "0"]), "not a log level");
    assert_usage_error(
        &src.verify(&["--type", "xdp", "--map", "m=tree:4:8:1"]),
        "unknown map type 'tree'",
    );
    assert_usage_error(&src.verify(&["--type", "xdp", "--test-run", "abc"]), "hex digits");
    assert_usage_error(
        &src.verify(&["--type", "xdp", "--test-run", "00", "--test-run-zeroed", "1"]),
        "one of --test-run and --test-run-zeroed",
    );
    assert_usage_error(
        &src.verify(&["--type", "xdp", "--frobnicate"]),
        "unknown option '--frobnicate'",
    );
    // In JSON mode errors go to stdout, as bpftool's do.
    let run = src.verify(&["--type", "xpd", "-j"]);
    assert_eq!(run.status, Some(2), "{run:?}");
    assert!(run.json()["error"].as_str().unwrap().contains("unknown section 'xpd'"), "{run:?}");
    assert_usage_error(
        &bpfkit(&["verify", "/nonexistent/x.s", "--type", "xdp"]),
        "cannot read /nonexistent/x.s",
    );
}

#[test]
fn a_file_that_does_not_assemble() {
    let src = Source::new("r0 = 2\nr12 = 1\nexit\n");
    let run = src.verify(&["--type", "xdp"]);
    assert_usage_error(&run, &format!("{}:2:", src.path()));
    assert!(run.stderr.contains("r11"), "{}", run.stderr);
    let empty = Source::new("# nothing but a comment\n");
    assert_usage_error(&empty.verify(&["--type", "xdp"]), "the program is empty");
}

#[test]
fn maps_the_program_names_must_be_given() {
    require_kernel!();
    let run = bpfkit(&["verify", COUNTER, "--type", "xdp"]);
    assert_usage_error(&run, "no --map gives map 'packet_count'");
    assert!(run.stderr.contains("--map packet_count="), "{}", run.stderr);
    assert!(run.stderr.contains("counter.s:20: r1 = packet_count ll"), "{}", run.stderr);
    let run = bpfkit(&[
        "verify",
        COUNTER,
        "--type",
        "xdp",
        "--map",
        "packet_count=array:4:8:1",
        "--map",
        "other=hash:4:4:1",
    ]);
    assert_usage_error(&run, "--map other: the program does not refer to a map of that name");
    // The kernel refuses a map of an impossible shape: that is the --map's fault.
    let run = bpfkit(&["verify", COUNTER, "--type", "xdp", "--map", "packet_count=array:4:0:1"]);
    assert_usage_error(&run, "--map packet_count:");
}

#[test]
fn origin_of_text_instructions_is_their_line() {
    // What verify relies on to print FILE:LINE: the parser records text origins.
    let prog = parse("r0 = 2\n\n  exit\n").unwrap().assemble().unwrap();
    assert_eq!(prog.location(1), Some(Origin::Text { line: 3, column: 3 }));
}

/// `clang -S -target bpf` output, debug sections and all, verifies as it
/// is, its map named as in the C source; a write to r10 in dead code is
/// the kernel's to judge.
#[test]
fn clang_output_and_dead_writes_to_r10_verify() {
    require_kernel!();
    for file in ["tests/fixtures/counter.s", "tests/fixtures/counter-g.s"] {
        let path = format!("{}/../{file}", env!("CARGO_MANIFEST_DIR"));
        let run = bpfkit(&[
            "verify",
            &path,
            "--type",
            "xdp",
            "--map",
            "packet_count=array:4:8:1",
            "--test-run-zeroed",
            "64",
        ])
        .success();
        assert_eq!(lines(&run).first(), Some(&"accepted"), "{file}: {}", run.stdout);
        assert!(run.stdout.contains("\nretval 2\n"), "{file}: {}", run.stdout);
    }
    let dead = Source::new("r0 = 0\nif r0 == 0 goto +1\nr10 = 1\nexit\n");
    let run = dead.verify(&["--type", "xdp"]).success();
    assert_eq!(lines(&run).first(), Some(&"accepted"), "{}", run.stdout);
    let live = Source::new("r0 = 0\nr10 = 1\nexit\n");
    let run = live.verify(&["--type", "xdp"]);
    assert_rejected(&live, &run, 2, "r10 = 1", "frame pointer is read only");
}
