//! `bpfkit feature probe kernel` against bpftool 7.1 on this machine: every
//! section byte for byte, text and JSON, but for the helper lists, where
//! bpfkit leaves out what the kernel refuses and bpftool 7.1 cannot tell
//! (it looks for the verifier's wording before 6.13, `unknown func`); each
//! helper bpftool lists and bpfkit leaves out is checked against the
//! kernel's own refusal. One full scan per tool and format.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use bpfkit::Error;
use bpfkit::asm::{Helper, ProgramBuilder};
use bpfkit::prog::{ProgType, ProgramSpec};
use common::{bpfkit, bpftool};
use serde_json::Value;

/// A helper section: each program type with its lines (helpers, or the
/// line that says why there are none).
type HelperLists = Vec<(String, Vec<String>)>;

/// The text's sections, each ending at its blank line, by title.
fn sections(text: &str) -> Vec<(String, String)> {
    text.split_inclusive("\n\n")
        .map(|s| (s.lines().next().unwrap_or("").to_string(), s.to_string()))
        .collect()
}

fn helper_lists(section: &str) -> HelperLists {
    let mut out: HelperLists = Vec::new();
    for line in section.lines().skip(1) {
        if let Some(t) = line.strip_prefix("eBPF helpers supported for program type ") {
            out.push((t.trim_end_matches(':').to_string(), Vec::new()));
        } else if !line.is_empty() {
            out.last_mut().unwrap().1.push(line.trim_start_matches("\t- ").to_string());
        }
    }
    out
}

/// Whether the kernel itself refuses a call of `helper` from `prog_type`,
/// found with the loader and its verifier log rather than the probe.
fn kernel_refuses(prog_type: ProgType, helper: &str) -> bool {
    let mut b = ProgramBuilder::new();
    b.call(Helper::from_name(helper).unwrap()).exit();
    let insns = b.assemble().unwrap();
    match ProgramSpec::new(prog_type, &insns).load() {
        Err(Error::Verifier(e)) => {
            e.log.contains("program of this type cannot use helper")
                || e.log.contains("unknown func")
        }
        _ => false,
    }
}

/// The types whose programs load with no attach type or flag, where
/// [`kernel_refuses`] can check bpftool's extra helpers.
const PLAIN_TYPES: &[&str] =
    &["socket_filter", "kprobe", "sched_cls", "sched_act", "tracepoint", "xdp", "cgroup_skb"];

/// bpftool's lists against ours: the same program types and lines in the
/// same order, ours a subsequence of bpftool's; returns what ours leaves
/// out, by type.
fn extra_in_bpftool(theirs: &HelperLists, ours: &HelperLists) -> Vec<(String, Vec<String>)> {
    assert_eq!(
        theirs.iter().map(|t| &t.0).collect::<Vec<_>>(),
        ours.iter().map(|t| &t.0).collect::<Vec<_>>()
    );
    let mut extra = Vec::new();
    for ((name, their), (_, our)) in theirs.iter().zip(ours) {
        let mut left = Vec::new();
        let mut it = our.iter().peekable();
        for h in their {
            if it.peek() == Some(&h) {
                it.next();
            } else {
                left.push(h.clone());
            }
        }
        assert!(
            it.next().is_none(),
            "{name}: ours lists helpers bpftool does not, or in another order"
        );
        if our.iter().all(|h| !h.starts_with("bpf_"))
            || their.iter().all(|h| !h.starts_with("bpf_"))
        {
            assert_eq!(our, their, "{name}");
        }
        extra.push((name.clone(), left));
    }
    extra
}

fn check_extra(extra: &[(String, Vec<String>)]) {
    for (name, helpers) in extra {
        if !PLAIN_TYPES.contains(&name.as_str()) {
            continue;
        }
        let t = ProgType::from_name(name).unwrap();
        for h in helpers {
            assert!(kernel_refuses(t, h), "{name}: bpfkit leaves out {h}, which the kernel takes");
        }
    }
}

#[test]
fn feature_probe_kernel_is_bpftools() {
    require_kernel!();
    let Some(theirs) = bpftool(&["feature", "probe", "kernel"]) else { return };
    let theirs = theirs.success();
    let ours = bpfkit(&["feature", "probe", "kernel"]).success();
    let (t, o) = (sections(&theirs.stdout), sections(&ours.stdout));
    assert_eq!(
        t.iter().map(|s| &s.0).collect::<Vec<_>>(),
        o.iter().map(|s| &s.0).collect::<Vec<_>>()
    );
    let mut extra = Vec::new();
    for ((title, their), (_, our)) in t.iter().zip(&o) {
        if title == "Scanning eBPF helper functions..." {
            extra = extra_in_bpftool(&helper_lists(their), &helper_lists(our));
        } else {
            assert_eq!(our, their, "section {title}");
        }
    }
    assert!(!extra.is_empty());
    check_extra(&extra);
}

#[test]
fn feature_probe_kernel_json_is_bpftools() {
    require_kernel!();
    let Some(theirs) = bpftool(&["-j", "feature", "probe", "kernel"]) else { return };
    let (theirs, ours) =
        (theirs.success().json(), bpfkit(&["-j", "feature", "probe"]).success().json());
    let (t, o) = (theirs.as_object().unwrap(), ours.as_object().unwrap());
    assert_eq!(t.keys().collect::<Vec<_>>(), o.keys().collect::<Vec<_>>());
    for (key, value) in t {
        if key != "helpers" {
            assert_eq!(&o[key], value, "{key}");
        }
    }
    let lists = |v: &Value| -> HelperLists {
        v.as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| {
                let name = k.trim_end_matches("_available_helpers").to_string();
                let list = v.as_array().unwrap().iter().map(|h| h.as_str().unwrap().to_string());
                (name, list.collect())
            })
            .collect()
    };
    let extra = extra_in_bpftool(&lists(&theirs["helpers"]), &lists(&ours["helpers"]));
    check_extra(&extra);
}

#[test]
fn arguments_and_errors_are_bpftools() {
    let help = bpfkit(&["feature", "help"]).success();
    assert!(help.stdout.contains("feature probe [kernel] [full]"));
    assert_eq!(bpfkit(&["-j", "feature", "help"]).success().stdout, "null\n");
    for args in [&["feature", "probe", "bogus"][..], &["feature", "probe", "kernel", "kernel"]] {
        let ours = bpfkit(args);
        assert_eq!(ours.status, Some(255), "{ours:?}");
        let Some(theirs) = bpftool(args) else { return };
        assert_eq!(ours.stderr, theirs.stderr);
        let json: Vec<&str> = std::iter::once("-j").chain(args.iter().copied()).collect();
        assert_eq!(bpfkit(&json).stdout, bpftool(&json).unwrap().stdout);
    }
}

#[test]
fn unprivileged_probe_is_bpftools() {
    require_kernel!();
    for args in [
        &["feature", "probe", "kernel", "unprivileged"][..],
        &["-j", "feature", "probe", "unprivileged"],
    ] {
        let Some(theirs) = bpftool(args) else { return };
        let ours = bpfkit(args).success();
        assert_eq!(ours.stdout, theirs.success().stdout, "{args:?}");
    }
}
