//! `bpfkit link` against bpftool 7.1 on an XDP link of the test's own, on
//! a veth in a namespace of its own: JSON key for key (bpfkit adds the XDP
//! `ifindex`), text line for line, errors of the same shape and status.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use bpfkit::link::{LinkType, XdpLink, XdpMode};
use common::{PinDir, VETH_A, VethPair, assert_same_both, bpfkit, bpftool, counter, id, unique};
use serde_json::Value;

/// Every key bpftool prints is in bpfkit's object with the same value.
fn assert_superset(theirs: &Value, ours: &Value, what: &str) {
    for (key, value) in theirs.as_object().unwrap() {
        assert_eq!(ours.get(key), Some(value), "{what}: {key}\n{theirs}\n{ours}");
    }
}

#[test]
fn an_xdp_link_shows_as_in_bpftool() {
    require_kernel!();
    let pair = VethPair::new();
    let pins = PinDir::new();
    let path = pins.path("link");
    let (prog, _counts) = counter(&unique("lk"));
    let link = pair.a.run(|| XdpLink::attach(&prog, VETH_A, XdpMode::Skb).unwrap());
    link.pin(&path).unwrap();
    let info = link.info().unwrap();
    assert_eq!(info.link_type, LinkType::XDP);
    let n = info.id.to_string();
    let path = path.to_str().unwrap();

    // What bpfkit adds: the interface index, as the link's namespace has it.
    let ours = bpfkit(&["-j", "link", "show", "id", &n]).success().json();
    let ifindex = pair.a.run(|| bpfkit::link::Interface::from(VETH_A).index().unwrap());
    assert_eq!(ours["ifindex"], ifindex);
    assert_eq!(ours["prog_id"], id(&prog));
    assert_eq!(ours["type"], "xdp");
    // The short form is `id N`.
    assert_eq!(bpfkit(&["-j", "link", "show", &n]).success().json(), ours);

    let selectors = [vec!["id", n.as_str()], vec!["pinned", path]];
    for selector in &selectors {
        for flags in [&["-j"][..], &["-p"], &["-jf"], &["-f", "-p"]] {
            let mut args = flags.to_vec();
            args.extend(["link", "show"]);
            args.extend(selector);
            let Some(theirs) = bpftool(&args) else { return };
            let ours = bpfkit(&args).success();
            assert_superset(&theirs.success().json(), &ours.json(), &args.join(" "));
        }
        for flags in [&[][..], &["-f"]] {
            let mut args = flags.to_vec();
            args.extend(["link", "show"]);
            args.extend(selector);
            let theirs = bpftool(&args).unwrap().success().stdout;
            assert_eq!(bpfkit(&args).success().stdout, theirs, "{args:?}");
        }
    }
    let text = bpfkit(&["-f", "link", "show", "id", &n]).success().stdout;
    assert_eq!(text, format!("{n}: xdp  prog {}  \n\tpinned {path}\n", id(&prog)));

    // The listing has it too, in both tools.
    let listed = bpfkit(&["-j", "link", "list"]).success().json();
    let mine = listed.as_array().unwrap().iter().find(|l| l["id"] == info.id).unwrap();
    assert_eq!(mine, &ours);
    let theirs = bpftool(&["-j", "link", "list"]).unwrap().success().json();
    let theirs = theirs.as_array().unwrap().iter().find(|l| l["id"] == info.id).unwrap();
    assert_superset(theirs, mine, "link list");
    let text = bpfkit(&["link"]).success().stdout;
    assert!(text.contains(&format!("{n}: xdp  prog {}  \n", id(&prog))), "{text}");
    link.detach().unwrap();
}

/// Both tools fail with the same error object and exit status.
fn assert_same_error(args: &[&str], status: i32) {
    let mut all = vec!["-j"];
    all.extend_from_slice(args);
    let ours = bpfkit(&all);
    assert_eq!(ours.status, Some(status), "{args:?}: {ours:?}");
    let error = ours.json();
    assert_eq!(error.as_object().unwrap().len(), 1, "{error}");
    let text = bpfkit(args);
    assert_eq!(text.status, Some(status));
    assert!(text.stderr.starts_with("Error: "), "{text:?}");
    let Some(theirs) = bpftool(&all) else { return };
    assert_eq!(theirs.status, Some(status), "{args:?}: {theirs:?}");
    assert_eq!(theirs.json(), error, "{args:?}");
    assert_eq!(bpftool(args).unwrap().stderr, text.stderr, "{args:?}");
}

#[test]
fn link_errors_have_bpftools_shape_and_status() {
    require_kernel!();
    let pins = PinDir::new();
    let (prog, _) = counter(&unique("le"));
    prog.pin(pins.path("prog")).unwrap();
    let not_a_link = pins.path("prog");
    let missing = pins.path("missing");
    // bpftool exits with libbpf's -ENOENT for an unknown link id.
    assert_same_error(&["link", "show", "id", "4000000000"], 254);
    for args in [
        &["link", "show", "pinned", missing.to_str().unwrap()][..],
        &["link", "show", "pinned", not_a_link.to_str().unwrap()],
        &["link", "show", "name", "x"],
        &["link", "show", "id", "x1"],
        &["link", "show", "id"],
    ] {
        assert_same_error(args, 255);
    }
}

#[test]
fn link_pin_is_silent_and_fails_as_bpftools() {
    require_kernel!();
    let pair = VethPair::new();
    let pins = PinDir::new();
    let (prog, _counts) = counter(&unique("lp"));
    let link = pair.a.run(|| XdpLink::attach(&prog, VETH_A, XdpMode::Skb).unwrap());
    let first = pins.path("first");
    link.pin(&first).unwrap();
    let n = link.info().unwrap().id.to_string();
    let (by_id, by_pin) = (pins.path("by_id"), pins.path("by_pin"));
    let s = |p: &std::path::Path| p.to_str().unwrap().to_string();
    assert_eq!(bpfkit(&["link", "pin", "id", &n, &s(&by_id)]).success().stdout, "");
    assert_eq!(
        bpfkit(&["-j", "link", "pin", "pinned", &s(&first), &s(&by_pin)]).success().json(),
        Value::Null
    );
    // Both new pins hold the same link, whichever tool reads them.
    for path in [&by_id, &by_pin] {
        let shown = bpfkit(&["-j", "link", "show", "pinned", &s(path)]).success().json();
        assert_eq!(shown["id"].to_string(), n);
        if let Some(theirs) = bpftool(&["-j", "link", "show", "pinned", &s(path)]) {
            assert_eq!(theirs.success().json()["id"].to_string(), n);
        }
    }
    let (prog_pin, missing) = (pins.path("prog"), pins.path("no/such"));
    prog.pin(&prog_pin).unwrap();
    let spare = pins.path("spare");
    for args in [
        vec!["link", "pin"],
        vec!["link", "pin", "id", &n],
        vec!["link", "pin", "id", "4294967295", &s(&spare)],
        vec!["link", "pin", "id", "x1", &s(&spare)],
        vec!["link", "pin", "name", "x", &s(&spare)],
        vec!["link", "pin", "pinned", &s(&prog_pin), &s(&spare)],
        vec!["link", "pin", "pinned", &s(&first), &s(&by_id)],
        vec!["link", "pin", "pinned", &s(&first), &s(&missing)],
    ] {
        assert_same_both(&args);
    }
    assert!(!spare.exists());
    link.detach().unwrap();
}

/// Links of types bpftool 7.1 prints without their own fields (netfilter,
/// sockmap): the same line, and the same JSON keys.
#[test]
fn netfilter_and_sockmap_links_show_as_in_bpftool() {
    require_kernel!();
    use bpfkit::link::{
        NetfilterFamily, NetfilterHook, NetfilterHookPoint, SockMapHook, attach_netfilter,
        attach_sock_map_link,
    };
    use bpfkit::maps::{MapSpec, MapType};
    use bpfkit::prog::kind::Netfilter;
    use bpfkit::prog::{AttachType, ProgType, ProgramSpec};
    let ns = common::Netns::new();
    let (nf, _) = common::counting(Netfilter, 1);
    let hook = NetfilterHook::new(NetfilterFamily::Ipv6, NetfilterHookPoint::LocalIn).priority(-7);
    let nf_link = ns.run(|| attach_netfilter(&nf, &hook).unwrap());

    let mut b = bpfkit::asm::ProgramBuilder::new();
    b.mov64(bpfkit::asm::R0, 1).exit();
    let insns = b.assemble().unwrap();
    let verdict = ProgramSpec::new(ProgType::SK_MSG, &insns)
        .expected_attach_type(AttachType::SK_MSG_VERDICT)
        .name("verdict")
        .load()
        .unwrap();
    let sockmap = MapSpec::new(MapType::SOCKMAP, 4, 4, 1).name(&unique("sm")).create().unwrap();
    let sm_link = attach_sock_map_link(&verdict, &sockmap, SockMapHook::MsgVerdict).unwrap();

    for link in [nf_link.info().unwrap(), sm_link.info().unwrap()] {
        let n = link.id.to_string();
        let Some(theirs) = bpftool(&["link", "show", "id", &n]) else { return };
        assert_eq!(bpfkit(&["link", "show", "id", &n]).success().stdout, theirs.success().stdout);
        let theirs = bpftool(&["-j", "link", "show", "id", &n]).unwrap().success().json();
        let ours = bpfkit(&["-j", "link", "show", "id", &n]).success().json();
        assert_superset(&theirs, &ours, &n);
    }
}
