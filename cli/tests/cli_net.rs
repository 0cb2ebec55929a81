//! `bpfkit net show|list` against the kernel and against bpftool 7.1: in a
//! network namespace of the test's own, with XDP programs on a veth pair
//! and tc BPF filters on clsact, both tools are run with `ip netns exec`
//! and must print the same thing, in text, `-j` and `-p`.
#![cfg(feature = "netlink")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stderr)]

mod common;

use std::path::PathBuf;
use std::process::Command;

use bpfkit::asm::{ProgramBuilder, R0};
use bpfkit::link::{Interface, XdpMode};
use bpfkit::maps::Array;
use bpfkit::netlink::{BlockingNetlink, TcHandle, XdpProgram};
use bpfkit::prog::kind::Xdp;
use bpfkit::prog::{ProgType, Program, ProgramSpec};
use common::{Netns, PinDir, Run, counter, id, unique};

/// A namespace with a veth pair `a`–`b`: the counter on `a` in generic
/// mode, another on `b` in driver mode, and (with `tc` installed) a
/// direct-action filter on `a`'s clsact ingress and a plain one on its
/// egress.
struct Scene {
    ns: Netns,
    a: String,
    b: String,
    skb: Program<Xdp>,
    drv: Program<Xdp>,
    /// The sched_cls programs on ingress and egress, when `tc` is installed.
    tc: Option<(Program, Program)>,
    _maps: (Array<u64>, Array<u64>),
    pins: PinDir,
}

impl Scene {
    fn new() -> Scene {
        let ns = Netns::new();
        let (a, b) = (unique("nsa"), unique("nsb"));
        ns.ip(&["link", "add", &a, "type", "veth", "peer", "name", &b]);
        ns.ip(&["link", "set", &a, "up"]);
        ns.ip(&["link", "set", &b, "up"]);
        let (skb, skb_map) = counter(&unique("skb"));
        let (drv, drv_map) = counter(&unique("drv"));
        ns.run(|| {
            let nl = BlockingNetlink::new().unwrap();
            nl.attach_xdp(a.as_str(), &skb, XdpMode::Skb).unwrap();
            nl.attach_xdp(b.as_str(), &drv, XdpMode::Driver).unwrap();
        });
        let pins = PinDir::new();
        let tc = have_tc().then(|| {
            let ingress = sched_cls(&unique("cin"));
            let egress = sched_cls(&unique("cout"));
            ingress.pin(pins.path("ingress")).unwrap();
            egress.pin(pins.path("egress")).unwrap();
            tc(&ns, &["qdisc", "add", "dev", &a, "clsact"]);
            let pinned = |name| pins.path(name).to_string_lossy().into_owned();
            tc(
                &ns,
                &["filter", "add", "dev", &a, "ingress", "bpf", "da", "pinned", &pinned("ingress")],
            );
            tc(&ns, &["filter", "add", "dev", &a, "egress", "bpf", "pinned", &pinned("egress")]);
            (ingress, egress)
        });
        Scene { ns, a, b, skb, drv, tc, _maps: (skb_map, drv_map), pins }
    }

    fn bpfkit(&self, args: &[&str]) -> Run {
        common::bpfkit_in(&self.ns, args)
    }

    fn bpftool(&self, args: &[&str]) -> Option<Run> {
        common::bpftool_in(&self.ns, args)
    }

    fn ifindex(&self, dev: &str) -> u32 {
        self.ns.run(|| Interface::from(dev).index().unwrap())
    }

    fn pin(&self, name: &str) -> PathBuf {
        self.pins.path(name)
    }
}

/// A sched_cls program that returns `TC_ACT_OK`.
fn sched_cls(name: &str) -> Program {
    let mut b = ProgramBuilder::new();
    b.mov64(R0, 0).exit();
    let insns = b.assemble().unwrap();
    ProgramSpec::new(ProgType::SCHED_CLS, &insns).name(name).load().unwrap()
}

fn have_tc() -> bool {
    let found = Command::new("tc").arg("-V").output().is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("SKIPPED (tc part): the tc command is not installed");
    }
    found
}

/// Runs `tc ARGS...` in the namespace. Not through `ip netns exec`, which
/// mounts a fresh /sys and so hides the pins: a thread that entered the
/// namespace spawns it, and the child inherits that namespace only.
fn tc(ns: &Netns, args: &[&str]) {
    let out = ns.run(|| Command::new("tc").args(args).output().unwrap());
    assert!(
        out.status.success(),
        "tc {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Asserts that bpfkit and bpftool printed the same, exited the same and
/// (for JSON) parse to the same value.
fn same_as_bpftool(scene: &Scene, args: &[&str]) -> Option<Run> {
    let ours = scene.bpfkit(args);
    let theirs = scene.bpftool(args)?;
    assert_eq!(ours.status, theirs.status, "exit status of {args:?}: {ours:?} vs {theirs:?}");
    if args.contains(&"-j") || args.contains(&"-p") {
        assert_eq!(ours.json(), theirs.json(), "JSON of {args:?}");
    }
    let lines = |s: &str| s.lines().map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(lines(&ours.stdout), lines(&theirs.stdout), "stdout of {args:?}");
    assert_eq!(ours.stdout, theirs.stdout, "stdout bytes of {args:?}");
    assert_eq!(ours.stderr, theirs.stderr, "stderr of {args:?}");
    Some(ours)
}

#[test]
fn net_show_is_bpftool_net_show() {
    require_kernel!();
    let scene = Scene::new();
    for args in [
        &["net", "show"][..],
        &["-j", "net", "show"],
        &["-p", "net", "show"],
        &["net", "list"],
        &["-j", "net", "list"],
        &["net"],
        &["net", "s"],
    ] {
        same_as_bpftool(&scene, args);
    }

    // What both print, checked on its own so that the test means something
    // without bpftool too.
    let json = scene.bpfkit(&["-j", "net", "show"]).success().json();
    let xdp = json[0]["xdp"].as_array().unwrap();
    let find = |dev: &str| xdp.iter().find(|e| e["devname"] == dev).unwrap().clone();
    let a = find(&scene.a);
    assert_eq!(a["ifindex"], scene.ifindex(&scene.a));
    assert_eq!(a["mode"], "generic");
    assert_eq!(a["id"], id(&scene.skb));
    let b = find(&scene.b);
    assert_eq!(b["mode"], "driver");
    assert_eq!(b["id"], id(&scene.drv));
    let tc = json[0]["tc"].as_array().unwrap();
    match &scene.tc {
        Some((ingress, egress)) => {
            assert_eq!(tc.len(), 2, "{tc:?}");
            assert_eq!(tc[0]["devname"], scene.a.as_str());
            assert_eq!(tc[0]["kind"], "clsact/ingress");
            assert_eq!(tc[0]["name"], "ingress:[*fsobj]");
            assert_eq!(tc[0]["id"], id(ingress));
            assert_eq!(tc[1]["kind"], "clsact/egress");
            assert_eq!(tc[1]["id"], id(egress));
        }
        None => assert!(tc.is_empty()),
    }
    assert_eq!(json[0]["flow_dissector"], serde_json::json!([]));
}

#[test]
fn dev_shows_one_device_like_bpftool() {
    require_kernel!();
    let scene = Scene::new();
    for dev in [scene.a.as_str(), scene.b.as_str(), "lo"] {
        same_as_bpftool(&scene, &["net", "show", "dev", dev]);
        same_as_bpftool(&scene, &["-j", "net", "show", "dev", dev]);
        same_as_bpftool(&scene, &["-p", "net", "list", "d", dev]);
    }
    let text = scene.bpfkit(&["net", "show", "dev", &scene.b]).success().stdout;
    let ifindex = scene.ifindex(&scene.b);
    let want = format!(
        "xdp:\n{}({ifindex}) driver id {}\n\ntc:\n\nflow_dissector:\n\n",
        scene.b,
        id(&scene.drv)
    );
    assert_eq!(text, want);
}

#[test]
fn an_unknown_dev_is_bpftools_error() {
    require_kernel!();
    let scene = Scene::new();
    let missing = unique("nodev");
    for args in [
        &["net", "show", "dev", missing.as_str()][..],
        &["-j", "net", "show", "dev", &missing],
        &["-p", "net", "show", "dev", &missing],
    ] {
        same_as_bpftool(&scene, args);
    }
    let run = scene.bpfkit(&["-j", "net", "show", "dev", &missing]);
    assert_eq!(run.status, Some(255));
    assert_eq!(run.json(), serde_json::json!({ "error": format!("invalid devname {missing}") }));
    let run = scene.bpfkit(&["net", "show", "dev", &missing]);
    assert_eq!(run.status, Some(255));
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr, format!("Error: invalid devname {missing}\n"));
}

#[test]
fn net_list_shows_the_attachment_made_on_the_tests_own_veth() {
    require_kernel!();
    let scene = Scene::new();
    let text = scene.bpfkit(&["net", "list"]).success().stdout;
    let line = format!("{}({}) generic id {}", scene.a, scene.ifindex(&scene.a), id(&scene.skb));
    assert!(text.lines().any(|l| l == line), "no line {line:?} in:\n{text}");
    let json = scene.bpfkit(&["-j", "net", "list"]).success().json();
    let entry = json[0]["xdp"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["devname"] == scene.a.as_str())
        .unwrap_or_else(|| panic!("{} not listed: {json}", scene.a))
        .clone();
    assert_eq!(entry["mode"], "generic");
    assert_eq!(entry["id"], id(&scene.skb));
}

#[test]
fn the_library_sees_what_the_cli_prints_and_more() {
    require_kernel!();
    let scene = Scene::new();
    let nl = || BlockingNetlink::new().unwrap();
    let devices = scene.ns.run(|| nl().devices(None).unwrap());
    let device = |name: &str| devices.iter().find(|d| d.name.as_deref() == Some(name)).unwrap();
    let a = device(&scene.a).xdp.clone().unwrap();
    assert!(!a.multi);
    assert_eq!(a.programs, [XdpProgram { mode: XdpMode::Skb, id: id(&scene.skb) }]);
    let b = device(&scene.b).xdp.clone().unwrap();
    assert_eq!(b.programs, [XdpProgram { mode: XdpMode::Driver, id: id(&scene.drv) }]);
    assert_eq!(device("lo").xdp, None);
    assert_eq!(scene.ns.run(bpfkit::netlink::flow_dissector_id).unwrap(), None);
    if let Some((ingress, egress)) = &scene.tc {
        let a_index = scene.ifindex(&scene.a);
        let filters = |parent| scene.ns.run(|| nl().tc_bpf_filters(a_index, parent).unwrap());
        let [i] = &filters(TcHandle::CLSACT_INGRESS)[..] else { panic!("one filter on ingress") };
        let [e] = &filters(TcHandle::CLSACT_EGRESS)[..] else { panic!("one filter on egress") };
        assert_eq!(
            (i.ifindex, i.parent, i.prog_id, i.direct_action),
            (a_index, TcHandle::CLSACT_INGRESS, Some(id(ingress)), true)
        );
        assert_eq!(
            (e.parent, e.prog_id, e.direct_action),
            (TcHandle::CLSACT_EGRESS, Some(id(egress)), false)
        );
        assert_eq!(i.tag, Some(ingress.info().unwrap().tag));
        assert!(filters(TcHandle::ROOT).is_empty());
        // The clsact qdisc that holds them, on `a` only.
        let qdiscs = scene.ns.run(|| nl().tc_qdiscs(Some(scene.a.as_str().into())).unwrap());
        assert!(qdiscs.iter().all(|q| q.ifindex == a_index), "{qdiscs:?}");
        let clsact = qdiscs.iter().find(|q| q.kind.as_deref() == Some("clsact")).unwrap();
        assert_eq!((clsact.handle, clsact.parent), (TcHandle::new(0xffff, 0), TcHandle::INGRESS));
        let all = scene.ns.run(|| nl().tc_qdiscs(None).unwrap());
        assert!(all.len() > qdiscs.len(), "{all:?}");
    }

    // One device only.
    let only_b = scene.ns.run(|| nl().devices(Some(scene.b.as_str().into())).unwrap());
    assert_eq!(only_b.len(), 1);
    assert_eq!(only_b[0].name.as_deref(), Some(scene.b.as_str()));
    assert!(scene.ns.run(|| nl().tc_classes(Some(scene.b.as_str().into())).unwrap()).is_empty());
    let err = scene.ns.run(|| nl().devices(Some("nosuchdev0".into())).unwrap_err());
    assert!(matches!(err, bpfkit::Error::NoSuchInterface { .. }), "{err}");
    let err = scene.ns.run(|| nl().tc_bpf_filters("nosuchdev0", TcHandle::ROOT).unwrap_err());
    assert!(matches!(err, bpfkit::Error::NoSuchInterface { .. }), "{err}");
}

#[test]
fn the_flow_dissector_is_listed_like_bpftool() {
    require_kernel!();
    let scene = Scene::new();
    let Some(_) = common::bpftool(&["version"]) else { return };
    // bpfkit has no flow dissector attach of its own; bpftool attaches it.
    let mut b = ProgramBuilder::new();
    b.mov64(R0, 0).exit();
    let insns = b.assemble().unwrap();
    let prog =
        ProgramSpec::new(ProgType::FLOW_DISSECTOR, &insns).name(&unique("fd")).load().unwrap();
    prog.pin(scene.pin("fd")).unwrap();
    let pinned = scene.pin("fd").to_string_lossy().into_owned();
    let out = scene.ns.run(|| {
        Command::new("bpftool")
            .args(["prog", "attach", "pinned", &pinned, "flow_dissector"])
            .output()
            .unwrap()
    });
    assert!(out.status.success(), "bpftool prog attach: {}", String::from_utf8_lossy(&out.stderr));

    // The text is bpftool's, byte for byte.
    for args in [&["net", "show"][..], &["net", "show", "dev", "lo"]] {
        let ours = scene.bpfkit(args);
        let theirs = scene.bpftool(args).unwrap();
        assert_eq!(
            (ours.status, &ours.stdout, &ours.stderr),
            (theirs.status, &theirs.stdout, &theirs.stderr)
        );
    }
    // bpftool's JSON here is no JSON: it writes `"id":N` as a member inside
    // the array. bpfkit writes the element as an object, and is otherwise
    // the same, byte for byte.
    for args in [&["-j", "net", "show"][..], &["-p", "net", "show", "dev", "lo"]] {
        let ours = scene.bpfkit(args).success();
        let theirs = scene.bpftool(args).unwrap();
        let parsed = ours.json();
        assert_eq!(parsed[0]["flow_dissector"][0]["id"], id(&prog), "{}", ours.stdout);
        if args[0] == "-j" {
            let member = format!("\"id\":{}", id(&prog));
            let fixed = theirs.stdout.replace(&format!("[{member}]"), &format!("[{{{member}}}]"));
            assert_eq!(ours.stdout, fixed, "bpftool: {}", theirs.stdout);
        }
    }
    let text = scene.bpfkit(&["net", "show"]).success().stdout;
    assert!(text.ends_with(&format!("flow_dissector:\nid {}\n", id(&prog))), "{text}");
    let found = scene.ns.run(|| bpfkit::netlink::flow_dissector_id().unwrap());
    assert_eq!(found, Some(id(&prog)));
}

/// Runs `tc ARGS...` in the namespace; false (and a note) if tc refuses,
/// e.g. for a qdisc this kernel was built without.
fn try_tc(ns: &Netns, args: &[&str]) -> bool {
    let out = ns.run(|| Command::new("tc").args(args).output().unwrap());
    if !out.status.success() {
        eprintln!("SKIPPED: tc {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
    }
    out.status.success()
}

#[test]
fn classes_and_other_qdiscs_are_listed_like_bpftool() {
    require_kernel!();
    let scene = Scene::new();
    if scene.tc.is_none()
        || !try_tc(&scene.ns, &["qdisc", "add", "dev", &scene.b, "root", "handle", "1:", "htb"])
    {
        return;
    }
    let b = scene.b.as_str();
    let prog = sched_cls(&unique("cls"));
    prog.pin(scene.pin("cls")).unwrap();
    let pinned = scene.pin("cls").to_string_lossy().into_owned();
    tc(
        &scene.ns,
        &["class", "add", "dev", b, "parent", "1:", "classid", "1:10", "htb", "rate", "1mbit"],
    );
    tc(&scene.ns, &["filter", "add", "dev", b, "parent", "1:", "bpf", "da", "pinned", &pinned]);
    tc(
        &scene.ns,
        &["filter", "add", "dev", b, "parent", "1:10", "bpf", "pinned", &pinned, "classid", "1:10"],
    );
    tc(&scene.ns, &["qdisc", "add", "dev", b, "ingress"]);
    tc(&scene.ns, &["filter", "add", "dev", b, "ingress", "bpf", "da", "pinned", &pinned]);
    for args in [&["net", "show"][..], &["-j", "net", "show"], &["-p", "net", "show", "dev", b]] {
        same_as_bpftool(&scene, args);
    }
    // The class's filter, the qdisc's, and the ingress qdisc's, which
    // bpftool (so bpfkit) finds again under root and both clsact hooks.
    let json = scene.bpfkit(&["-j", "net", "show", "dev", b]).success().json();
    let kinds: Vec<&str> =
        json[0]["tc"].as_array().unwrap().iter().map(|f| f["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["htb", "htb", "ingress", "root", "clsact/ingress", "clsact/egress"]);

    // The library's view: the class, and its filter under the class alone.
    let nl = || BlockingNetlink::new().unwrap();
    let classes = scene.ns.run(|| nl().tc_classes(Some(b.into())).unwrap());
    let class = classes.iter().find(|c| c.handle == TcHandle::new(1, 0x10)).unwrap();
    // A top-level class: htb reports its parent as the root, not as `1:`.
    assert_eq!((class.kind.as_deref(), class.parent), (Some("htb"), TcHandle::ROOT));
    let under_class = scene.ns.run(|| nl().tc_bpf_filters(b, TcHandle::new(1, 0x10)).unwrap());
    assert_eq!(under_class.len(), 1, "{under_class:?}");
    assert_eq!(under_class[0].prog_id, Some(id(&prog)));
    assert!(!under_class[0].direct_action);
    let every = scene.ns.run(|| nl().tc_classes(None).unwrap());
    assert!(every.iter().any(|c| c.handle == class.handle && c.ifindex == class.ifindex));
}
