#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `bpfkit cgroup` and `bpfkit link detach` against bpftool 7.1, on a fresh
//! cgroup of the test's own (with a child and a grandchild): what bfpkit
//! attaches, bpftool lists and detaches, and the other way round; `show`
//! and `tree` print byte for byte what bpftool prints (text, `-j`, `-p`,
//! `effective`), programs attached through links included; errors, exit
//! statuses, and a failed attach leaving the hook as it was.

mod common;

use std::path::{Path, PathBuf};

use bpfkit::asm::{Assembled, ProgramBuilder, R0};
use bpfkit::link::{
    Cgroup, CgroupHook, Link, attach_cgroup, cgroup_query, cgroup2_mount, detach_cgroup_untyped,
};
use bpfkit::prog::kind::CgroupSysctl;
use bpfkit::prog::{AttachType, ProgType, Program, ProgramSpec};
use common::{PinDir, Run, bpfkit, id, unique};

/// A cgroup of the test's own, `ROOT/child/grand`; whatever is attached
/// there without a link is detached, and the directories removed, on drop.
struct TestCgroup {
    root: PathBuf,
}

impl TestCgroup {
    fn new() -> TestCgroup {
        let root = cgroup2_mount().unwrap().join(unique("bpfkit-clicg-"));
        std::fs::create_dir_all(root.join("child/grand")).unwrap();
        TestCgroup { root }
    }

    fn path(&self, sub: &str) -> String {
        let p = if sub.is_empty() { self.root.clone() } else { self.root.join(sub) };
        p.to_str().unwrap().to_owned()
    }

    fn open(&self, sub: &str) -> Cgroup {
        Cgroup::open(self.path(sub)).unwrap()
    }

    /// The program ids at `attach_type` of the cgroup `sub` itself.
    fn ids(&self, sub: &str, attach_type: AttachType) -> Vec<u32> {
        cgroup_query(&self.open(sub), attach_type, false).unwrap().programs
    }
}

impl Drop for TestCgroup {
    fn drop(&mut self) {
        for sub in ["child/grand", "child", ""] {
            let dir = if sub.is_empty() { self.root.clone() } else { self.root.join(sub) };
            if let Ok(cg) = Cgroup::open(&dir) {
                for t in (0..=AttachType::LSM_CGROUP.0).map(AttachType) {
                    let ids = cgroup_query(&cg, t, false).map(|q| q.programs).unwrap_or_default();
                    for id in ids {
                        if let Ok(prog) = Program::from_id(id) {
                            let _ = detach_cgroup_untyped(&prog, &cg, t);
                        }
                    }
                }
            }
            let _ = std::fs::remove_dir(&dir);
        }
    }
}

fn ret1() -> Assembled {
    let mut b = ProgramBuilder::new();
    b.mov64(R0, 1).exit();
    b.assemble().unwrap()
}

fn load(prog_type: ProgType, expected: Option<AttachType>, name: &str) -> Program {
    let insns = ret1();
    let mut spec = ProgramSpec::new(prog_type, &insns).name(name);
    if let Some(t) = expected {
        spec = spec.expected_attach_type(t);
    }
    spec.load().unwrap()
}

/// Runs bpftool with `args`; `None` (a visible skip) without it.
fn bpftool(args: &[&str]) -> Option<Run> {
    common::bpftool(args)
}

/// Asserts that bpfkit and bpftool answer `args` alike: standard output
/// byte for byte, standard error, exit status.
fn same(args: &[&str]) -> Option<Run> {
    let theirs = bpftool(args)?;
    let ours = bpfkit(args);
    assert_eq!(ours.stdout, theirs.stdout, "stdout of {args:?}\nbpfkit stderr: {}", ours.stderr);
    assert_eq!(ours.stderr, theirs.stderr, "stderr of {args:?}");
    assert_eq!(ours.status, theirs.status, "exit status of {args:?}");
    Some(ours)
}

/// Every listing of the cgroup, in every output mode, as bpftool's.
fn listings_match(cg: &TestCgroup) -> Option<()> {
    let (root, child, grand) = (cg.path(""), cg.path("child"), cg.path("child/grand"));
    for flags in [&[][..], &["-j"], &["-p"]] {
        for cmd in [
            vec!["cgroup", "show", &root],
            vec!["cgroup", "show", &root, "effective"],
            vec!["cgroup", "list", &child],
            vec!["cgroup", "show", &grand, "eff"],
            vec!["cgroup", "tree", &root],
            vec!["cgroup", "tree", &root, "effective"],
            vec!["cgroup", "tree", &grand],
        ] {
            let args: Vec<&str> = flags.iter().copied().chain(cmd).collect();
            same(&args)?;
        }
    }
    Some(())
}

#[test]
fn attach_show_tree_and_detach_match_bpftool() {
    require_kernel!();
    if common::require_bpftool().is_none() {
        return;
    }
    let cg = TestCgroup::new();
    let (root, grand) = (cg.path(""), cg.path("child/grand"));
    let skb1 = load(ProgType::CGROUP_SKB, None, &unique("sk"));
    let skb2 = load(ProgType::CGROUP_SKB, None, &unique("sk"));
    let sock = load(ProgType::CGROUP_SOCK, Some(AttachType::CGROUP_INET_SOCK_CREATE), "sockc");
    let (a, b, s) = (id(&skb1).to_string(), id(&skb2).to_string(), id(&sock).to_string());

    // An empty cgroup: nothing, in every mode.
    listings_match(&cg).unwrap();
    assert_eq!(bpfkit(&["-j", "cgroup", "show", &root]).stdout, "\n");

    let ok = |args: &[&str]| assert_eq!(bpfkit(args).success().stdout, "", "{args:?}");
    ok(&["cgroup", "attach", &root, "ingress", "id", &a, "multi"]);
    let run = bpfkit(&["-j", "cgroup", "attach", &root, "cgroup_inet_ingress", "id", &b, "multi"]);
    assert_eq!(run.success().stdout, "null\n");
    ok(&["cgroup", "attach", &root, "sock_create", "id", &s, "override"]);
    ok(&["cgroup", "attach", &grand, "egress", "id", &a]);
    // A program through a link, as bpftool lists it too.
    let insns = ret1();
    let sysctl = ProgramSpec::typed(CgroupSysctl, &insns).name("sysc").load().unwrap();
    let link = attach_cgroup(&sysctl, &cg.open(""), CgroupHook::SYSCTL).unwrap();

    // The attachments outlive bpfkit's process.
    assert_eq!(cg.ids("", AttachType::CGROUP_INET_INGRESS), [id(&skb1), id(&skb2)]);
    assert_eq!(cg.ids("", AttachType::CGROUP_INET_SOCK_CREATE), [id(&sock)]);
    assert_eq!(cg.ids("child/grand", AttachType::CGROUP_INET_EGRESS), [id(&skb1)]);
    listings_match(&cg).unwrap();

    // What bpfkit attached, bpftool detaches, and the other way round.
    bpftool(&["cgroup", "detach", &root, "ingress", "id", &b]).unwrap().success();
    assert_eq!(cg.ids("", AttachType::CGROUP_INET_INGRESS), [id(&skb1)]);
    bpftool(&["cgroup", "attach", &root, "ingress", "id", &b, "multi"]).unwrap().success();
    let run = bpfkit(&["-j", "cgroup", "detach", &root, "cgroup_inet_ingress", "id", &b]);
    assert_eq!(run.success().stdout, "null\n");
    assert_eq!(cg.ids("", AttachType::CGROUP_INET_INGRESS), [id(&skb1)]);
    listings_match(&cg).unwrap();

    // link detach: the program leaves the hook; the link's fd lives on.
    let link_id = link.info().unwrap().id.to_string();
    let run = bpfkit(&["-j", "link", "detach", "id", &link_id]).success();
    assert_eq!(run.stdout, "null\n");
    assert!(cg.ids("", AttachType::CGROUP_SYSCTL).is_empty());
    // A link detached already: the same refusal from both.
    same(&["link", "detach", "id", &link_id]).unwrap();
    same(&["-j", "link", "detach", "id", &link_id]).unwrap();
    drop(link);
    listings_match(&cg).unwrap();
}

#[test]
fn link_detach_by_pin_matches_bpftool() {
    require_kernel!();
    if common::require_bpftool().is_none() {
        return;
    }
    let cg = TestCgroup::new();
    let pins = PinDir::new();
    let insns = ret1();
    let sysctl = ProgramSpec::typed(CgroupSysctl, &insns).name("sysc").load().unwrap();
    let link = attach_cgroup(&sysctl, &cg.open("child"), CgroupHook::SYSCTL).unwrap();
    link.pin(pins.path("link")).unwrap();
    sysctl.pin(pins.path("prog")).unwrap();
    drop(link);
    let pin = pins.path("link").to_str().unwrap().to_owned();
    assert_eq!(cg.ids("child", AttachType::CGROUP_SYSCTL), [id(&sysctl)]);
    bpfkit(&["link", "detach", "pinned", &pin]).success();
    assert!(cg.ids("child", AttachType::CGROUP_SYSCTL).is_empty());
    // The pin still holds the (empty) link; bpftool sees it the same.
    let open = Link::open_pinned(&pin).unwrap();
    same(&["link", "detach", "pinned", &pin]).unwrap();
    drop(open);
    let prog_pin = pins.path("prog").to_str().unwrap().to_owned();
    for args in [
        vec!["link", "detach", "pinned", prog_pin.as_str()],
        vec!["-j", "link", "detach", "pinned", "/sys/fs/bpf/bpfkit-no-such-pin"],
        vec!["link", "detach", "id", "4294967295"],
        vec!["link", "detach", "name", "x"],
        vec!["-p", "link", "detach", "id", "0"],
    ] {
        same(&args).unwrap();
    }
}

#[test]
fn errors_match_bpftool_and_leave_the_hook_as_it_was() {
    require_kernel!();
    if common::require_bpftool().is_none() {
        return;
    }
    let cg = TestCgroup::new();
    let root = cg.path("");
    let skb = load(ProgType::CGROUP_SKB, None, &unique("sk"));
    let xdp = load(ProgType::XDP, None, &unique("xd"));
    let (a, x) = (id(&skb).to_string(), id(&xdp).to_string());
    bpfkit(&["cgroup", "attach", &root, "egress", "id", &a]).success();
    let before = bpftool(&["-j", "cgroup", "show", &root]).unwrap().stdout;
    let not_a_cgroup = std::env::temp_dir();
    let not_a_cgroup = not_a_cgroup.to_str().unwrap();
    let missing = Path::new(&root).join("missing");
    let missing = missing.to_str().unwrap();
    let cases: Vec<Vec<&str>> = vec![
        // The hook is taken (attached without multi): refused.
        vec!["cgroup", "attach", &root, "egress", "id", &a, "multi"],
        // A program of another type.
        vec!["cgroup", "attach", &root, "egress", "id", &x],
        vec!["cgroup", "attach", &root, "xdp", "id", &x],
        vec!["cgroup", "attach", &root, "egress", "id", &a, "bogus"],
        vec!["cgroup", "attach", &root, "bogus", "id", &a],
        vec!["cgroup", "attach", &root, "egress", "id", "4294967295"],
        vec!["cgroup", "attach", missing, "egress", "id", &a],
        vec!["cgroup", "attach", not_a_cgroup, "egress", "id", &a],
        vec!["cgroup", "attach", &root, "egress"],
        vec!["cgroup", "detach", &root, "ingress", "id", &a],
        vec!["cgroup", "detach", &root, "ingress"],
        vec!["cgroup", "show"],
        vec!["cgroup", "show", missing],
        vec!["cgroup", "show", not_a_cgroup],
        vec!["cgroup", "show", &root, "bogus"],
        vec!["cgroup", "show", &root, "effective", "effective"],
        vec!["cgroup", "tree", missing],
        vec!["cgroup", "tree", not_a_cgroup],
        vec!["cgroup", "tree", &root, "bogus"],
    ];
    same(&["-j", "cgroup", "help"]).unwrap();
    for case in &cases {
        for flags in [&[][..], &["-j"]] {
            let args: Vec<&str> = flags.iter().copied().chain(case.iter().copied()).collect();
            same(&args).unwrap();
        }
    }
    assert_eq!(bpftool(&["-j", "cgroup", "show", &root]).unwrap().stdout, before);
    assert_eq!(cg.ids("", AttachType::CGROUP_INET_EGRESS), [id(&skb)]);
}
