#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `bpfkit net attach|detach` against bpftool 7.1, in a network namespace
//! of the test's own with a veth pair: what bpfkit attaches, bpftool's
//! `net show` (text and `-j`) and `ip link` see exactly as if bpftool had
//! attached it, and bpftool detaches it (and the other way round); a taken
//! hook, a bad argument, a program of another type: the same message and
//! exit status from both, and the hook as it was. tcx (ahead of 7.1) is
//! checked against the kernel's own listing of the hook.
#![cfg(feature = "netlink")]

mod common;

use bpfkit::asm::{ProgramBuilder, R0};
use bpfkit::link::{TcxDirection, tcx_programs};
use bpfkit::maps::Array;
use bpfkit::prog::kind::Xdp;
use bpfkit::prog::{ProgType, Program, ProgramSpec};
use common::{Netns, Run, counter, id, unique};

/// A namespace with a veth pair `a`–`b` (up), two XDP programs and a tc
/// classifier.
struct Scene {
    ns: Netns,
    a: String,
    b: String,
    xdp1: Program<Xdp>,
    xdp2: Program<Xdp>,
    cls: Program,
    _maps: (Array<u64>, Array<u64>),
}

impl Scene {
    fn new() -> Scene {
        let ns = Netns::new();
        let (a, b) = (unique("nta"), unique("ntb"));
        ns.ip(&["link", "add", &a, "type", "veth", "peer", "name", &b]);
        ns.ip(&["link", "set", &a, "up"]);
        ns.ip(&["link", "set", &b, "up"]);
        let (xdp1, m1) = counter(&unique("x1"));
        let (xdp2, m2) = counter(&unique("x2"));
        let mut builder = ProgramBuilder::new();
        builder.mov64(R0, 0).exit();
        let insns = builder.assemble().unwrap();
        let cls = ProgramSpec::new(ProgType::SCHED_CLS, &insns).name(&unique("cl")).load().unwrap();
        Scene { ns, a, b, xdp1, xdp2, cls, _maps: (m1, m2) }
    }

    fn bpfkit(&self, args: &[&str]) -> Run {
        common::bpfkit_in(&self.ns, args)
    }

    fn bpftool(&self, args: &[&str]) -> Option<Run> {
        common::bpftool_in(&self.ns, args)
    }

    /// What the namespace shows of `dev`: bpftool's `net show` in text and
    /// JSON, and `ip link`'s XDP mode and program.
    fn state(&self, dev: &str) -> (String, String, Option<(u32, u32)>) {
        let text = self.bpftool(&["net", "show", "dev", dev]).unwrap().success().stdout;
        let json = self.bpftool(&["-j", "net", "show", "dev", dev]).unwrap().success().stdout;
        (text, json, self.ns.xdp_attached(dev))
    }

    /// Both tools' answers to `args` alike: standard output, the `Error:`
    /// line (bpftool's libbpf adds its own lines before it), exit status.
    fn same(&self, args: &[&str]) -> Run {
        let theirs = self.bpftool(args).unwrap();
        let ours = self.bpfkit(args);
        assert_eq!(ours.stdout, theirs.stdout, "stdout of {args:?}: {}", ours.stderr);
        // In JSON mode bpfkit keeps standard error empty; bpftool's libbpf
        // still writes the kernel's message there.
        let json = args.contains(&"-j");
        let theirs_errors: Vec<&str> =
            errors(&theirs).into_iter().filter(|l| !json || l.starts_with("Error: ")).collect();
        assert_eq!(errors(&ours), theirs_errors, "errors of {args:?}");
        assert_eq!(ours.status, theirs.status, "exit status of {args:?}");
        ours
    }

    fn clear(&self) {
        for dev in [&self.a, &self.b] {
            for t in ["xdp", "xdpgeneric", "xdpdrv"] {
                self.bpftool(&["net", "detach", t, "dev", dev]).unwrap().success();
            }
        }
    }
}

/// The `Error:` lines, and libbpf's, of a run.
fn errors(run: &Run) -> Vec<&str> {
    run.stderr.lines().filter(|l| l.starts_with("Error: ") || l.starts_with("libbpf: ")).collect()
}

#[test]
fn xdp_attach_is_seen_as_if_bpftool_had_attached_it() {
    require_kernel!();
    if common::require_bpftool().is_none() {
        return;
    }
    let s = Scene::new();
    let (one, two) = (id(&s.xdp1).to_string(), id(&s.xdp2).to_string());
    for (mode, dev) in [("xdp", &s.a), ("xdpgeneric", &s.a), ("xdpdrv", &s.b), ("xdpg", &s.b)] {
        let ours = s.bpfkit(&["net", "attach", mode, "id", &one, "dev", dev]).success();
        assert_eq!(ours.stdout, "");
        let after_ours = s.state(dev);
        assert!(after_ours.2.is_some_and(|(_, prog)| prog == id(&s.xdp1)), "{mode}");
        // bpftool detaches what bpfkit attached, and attaches the same.
        s.bpftool(&["net", "detach", mode, "dev", dev]).unwrap().success();
        assert_eq!(s.ns.xdp_attached(dev), None, "{mode}");
        s.bpftool(&["net", "attach", mode, "id", &one, "dev", dev]).unwrap().success();
        assert_eq!(s.state(dev), after_ours, "{mode}");
        // bpfkit detaches what bpftool attached.
        let run = s.bpfkit(&["-j", "net", "detach", mode, "dev", dev]).success();
        assert_eq!(run.stdout, "null\n");
        assert_eq!(s.ns.xdp_attached(dev), None, "{mode}");
    }

    // A taken hook: the same refusal, and the hook keeps its program.
    s.bpfkit(&["net", "attach", "xdp", "id", &one, "dev", &s.a]).success();
    let before = s.state(&s.a);
    for args in [
        vec!["net", "attach", "xdp", "id", &two, "dev", &s.a],
        vec!["-j", "net", "attach", "xdp", "id", &two, "dev", &s.a],
        vec!["net", "attach", "xdpgeneric", "id", &two, "dev", &s.a],
    ] {
        let run = s.same(&args);
        assert!(run.status.is_some_and(|c| c != 0), "{args:?}");
        assert_eq!(s.state(&s.a), before);
    }
    // overwrite replaces it.
    let run = s.bpfkit(&["-j", "net", "attach", "xdp", "id", &two, "dev", &s.a, "overwrite"]);
    assert_eq!(run.success().stdout, "null\n");
    assert_eq!(s.ns.xdp_attached(&s.a).map(|(_, p)| p), Some(id(&s.xdp2)));
    // Detaching another mode than the program's leaves it, as in bpftool.
    s.bpfkit(&["net", "detach", "xdpgeneric", "dev", &s.a]).success();
    assert_eq!(s.ns.xdp_attached(&s.a).map(|(_, p)| p), Some(id(&s.xdp2)));
    s.clear();
}

#[test]
fn net_attach_errors_match_bpftool() {
    require_kernel!();
    if common::require_bpftool().is_none() {
        return;
    }
    let s = Scene::new();
    let one = id(&s.xdp1).to_string();
    let cls = id(&s.cls).to_string();
    let before = s.state(&s.a);
    let cases: Vec<Vec<&str>> = vec![
        vec!["net", "attach", "xdp", "id", &cls, "dev", &s.a],
        vec!["net", "attach", "xdpoffload", "id", &one, "dev", &s.a],
        vec!["net", "attach", "xdp", "id", &one, "dev", "bpfkit-nodev"],
        vec!["net", "attach", "bogus", "id", &one, "dev", &s.a],
        vec!["net", "attach", "xdp", "id", &one],
        vec!["net", "attach", "xdp", "id", &one, "dev", &s.a, "bogus"],
        vec!["net", "attach", "xdp", "id", &one, "nodev", &s.a],
        vec!["net", "attach", "xdp", "id", "4294967295", "dev", &s.a],
        vec!["net", "attach", "xdp", "tag", "zz", "dev", &s.a],
        vec!["net", "detach", "xdp"],
        vec!["net", "detach", "xdp", "dev", "bpfkit-nodev"],
        vec!["net", "detach", "bogus", "dev", &s.a],
        vec!["net", "detach", "xdpdrv", "dev", &s.a],
    ];
    for case in &cases {
        for flags in [&[][..], &["-j"]] {
            let args: Vec<&str> = flags.iter().copied().chain(case.iter().copied()).collect();
            s.same(&args);
        }
    }
    assert_eq!(s.state(&s.a), before);
    assert_eq!(s.state(&s.b).2, None);
}

#[test]
fn tcx_attach_persists_and_detaches_as_bpftool_7_3_does() {
    require_kernel!();
    let s = Scene::new();
    let cls = id(&s.cls).to_string();
    let one = id(&s.xdp1).to_string();
    let on = |dir| s.ns.run(|| tcx_programs(s.a.as_str(), dir).unwrap().programs);
    let run = s.bpfkit(&["-j", "net", "attach", "tcx_ingress", "id", &cls, "dev", &s.a]);
    assert_eq!(run.success().stdout, "null\n");
    s.bpfkit(&["net", "attach", "tcx_e", "id", &cls, "dev", &s.a, "overwrite"]).success();
    for dir in [TcxDirection::Ingress, TcxDirection::Egress] {
        let progs = on(dir);
        assert_eq!(progs.len(), 1, "{dir:?}");
        // Attached without a link: it outlives bpfkit's process.
        assert_eq!((progs[0].prog_id, progs[0].link_id), (id(&s.cls), None));
    }
    // The same program twice: EEXIST, exit status 239.
    let run = s.bpfkit(&["net", "attach", "tcx_ingress", "id", &cls, "dev", &s.a]);
    assert_eq!(run.status, Some(239));
    assert_eq!(errors(&run), ["Error: interface tcx_ingress attach failed: File exists"]);
    // An XDP program: EINVAL, 234, nothing attached.
    let run = s.bpfkit(&["-j", "net", "attach", "tcx_egress", "id", &one, "dev", &s.a]);
    assert_eq!(run.status, Some(234));
    assert_eq!(run.json()["error"], "interface tcx_egress attach failed: Invalid argument");
    assert_eq!(on(TcxDirection::Egress).len(), 1);

    s.bpfkit(&["net", "detach", "tcx_ingress", "dev", &s.a]).success();
    assert!(on(TcxDirection::Ingress).is_empty());
    assert_eq!(on(TcxDirection::Egress).len(), 1);
    let run = s.bpfkit(&["-j", "net", "detach", "tcx_egress", "dev", &s.a]);
    assert_eq!(run.success().stdout, "null\n");
    assert!(on(TcxDirection::Egress).is_empty());
    // Nothing left to detach: ENOENT, 254.
    let run = s.bpfkit(&["net", "detach", "tcx_egress", "dev", &s.a]);
    assert_eq!(run.status, Some(254));
    assert_eq!(
        errors(&run),
        ["Error: interface tcx_egress detach failed: No such file or directory"]
    );
}
