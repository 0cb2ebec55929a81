//! Classic tc over rtnetlink in the kernel (feature `netlink`): a
//! direct-action `bpf` filter on a veth pair in namespaces of the test's
//! own, counting the packets that cross, checked against `tc filter show`
//! and `bpftool net show`.
#![cfg(feature = "netlink")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Command;

use bpfkit::asm::{Helper, ProgramBuilder, R0, R1, R2, R10, Size};
use bpfkit::maps::{Array, MapFlags};
use bpfkit::netlink::{
    BlockingNetlink, TcAction, TcAttachment, TcDirection, TcFilter, TcFilterSpec, TcHandle, TcQdisc,
};
use bpfkit::prog::kind::SchedCls;
use bpfkit::prog::{Program, ProgramSpec};
use bpfkit::{Errno, Error};
use common::{Netns, VETH_A, VETH_B, VethPair, id};

/// `TC_ACT_OK`: let the packet through, and stop there.
const TC_ACT_OK: i32 = 0;
/// `TC_ACT_UNSPEC`: let the packet through, and run the next filter.
const TC_ACT_UNSPEC: i32 = -1;

/// A sched_cls program named `name` that counts packets in its map and
/// returns `TC_ACT_OK`.
fn tc_counter(name: &str) -> (Program<SchedCls>, Array<u64>) {
    tc_counter_returning(name, TC_ACT_OK)
}

/// A sched_cls program named `name` that counts packets in its map and
/// returns `verdict`.
fn tc_counter_returning(name: &str, verdict: i32) -> (Program<SchedCls>, Array<u64>) {
    let counts = Array::<u64>::create(name, 1, MapFlags::empty()).unwrap();
    let mut b = ProgramBuilder::new();
    let done = b.named_label("done");
    b.st(Size::W, R10, -4, 0).mov64(R2, R10).add64(R2, -4).ld_map_fd(R1, &counts);
    b.call(Helper::MapLookupElem)
        .jeq(R0, 0, done)
        .mov64(R1, 1)
        .atomic_add64(R0, 0, R1)
        .bind(done)
        .mov64(R0, verdict)
        .exit();
    let insns = b.assemble().unwrap();
    let prog = ProgramSpec::typed(SchedCls, &insns).name(name).load().unwrap();
    (prog, counts)
}

/// The `tc` command, or a visible skip.
fn have_tc(what: &str) -> bool {
    let found = common::tool("tc").is_some();
    if !found {
        use std::io::Write;
        let test = std::thread::current().name().unwrap_or("?").to_owned();
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED ({test}): the tc command is not installed; {what} is not checked against it"
        );
    }
    found
}

/// Runs `tc ARGS...` in `ns` (from a thread inside it, so pins stay
/// visible), panicking with its stderr on failure; its stdout.
fn tc(ns: &Netns, args: &[&str]) -> String {
    let out = ns.run(|| Command::new("tc").args(args).output().unwrap());
    assert!(
        out.status.success(),
        "tc {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The bpf filters on `veth0`'s ingress hook, dumped in `ns`.
fn ingress_filters(ns: &Netns) -> Vec<TcAttachment> {
    ns.run(|| BlockingNetlink::new().unwrap().tc_bpf_filters(VETH_A, TcHandle::CLSACT_INGRESS))
        .unwrap()
}

/// The qdiscs of `dev` in `ns`.
fn qdiscs(ns: &Netns, dev: &str) -> Vec<TcQdisc> {
    ns.run(|| BlockingNetlink::new().unwrap().tc_qdiscs(Some(dev.into()))).unwrap()
}

fn clsact(qdiscs: &[TcQdisc]) -> bool {
    qdiscs.iter().any(|q| q.kind.as_deref() == Some("clsact"))
}

#[test]
fn an_ingress_filter_counts_every_packet_and_tc_shows_it() {
    require_kernel!();
    let pair = VethPair::new();
    let (prog, counts) = tc_counter("tc_ingress");
    assert!(!clsact(&qdiscs(&pair.a, VETH_A)));
    let spec = TcFilterSpec::new(TcDirection::Ingress).priority(7).handle(3).name("counter:[tc]");
    let filter = pair.a.run(|| {
        let nl = BlockingNetlink::new().unwrap();
        nl.attach_tc(VETH_A, &prog, &spec).unwrap().guard(&nl).keep()
    });
    assert_eq!((filter.direction, filter.priority, filter.handle), (TcDirection::Ingress, 7, 3));
    assert_eq!(filter.parent(), TcHandle::CLSACT_INGRESS);
    assert!(clsact(&qdiscs(&pair.a, VETH_A)));

    let crossed = pair.send(100);
    assert_eq!(crossed, 100, "only the test's datagrams should cross");
    assert_eq!(counts.get(0).unwrap(), crossed);

    let filters = ingress_filters(&pair.a);
    assert_eq!(filters.len(), 1, "{filters:?}");
    let f = &filters[0];
    assert_eq!((f.ifindex, f.priority, f.handle), (filter.ifindex, 7, 3));
    assert_eq!(f.name.as_deref(), Some("counter:[tc]"));
    assert_eq!(f.prog_id, Some(id(&prog)));
    assert!(f.direct_action);

    if have_tc("the filter as tc shows it") {
        let shown = tc(&pair.a, &["filter", "show", "dev", VETH_A, "ingress"]);
        let line = shown.lines().find(|l| l.contains("handle 0x3")).unwrap_or_else(|| {
            panic!("tc filter show does not list handle 0x3:\n{shown}");
        });
        for part in ["pref 7", "bpf", "counter:[tc]", "direct-action", &format!("id {}", id(&prog))]
        {
            assert!(line.contains(part), "no {part:?} in {line:?}");
        }
    }

    // Detached on drop of the guard.
    pair.a.run(|| {
        let nl = BlockingNetlink::new().unwrap();
        drop(filter.guard(&nl));
    });
    assert_eq!(ingress_filters(&pair.a), []);
    // The clsact qdisc stays, as with tc filter del.
    assert!(clsact(&qdiscs(&pair.a, VETH_A)));
    pair.send(10);
    assert_eq!(counts.get(0).unwrap(), crossed);
}

#[test]
fn an_egress_filter_counts_what_the_interface_sends() {
    require_kernel!();
    let pair = VethPair::new();
    let (prog, counts) = tc_counter("tc_egress");
    let spec = TcFilterSpec::new(TcDirection::Egress);
    pair.b.run(|| {
        let nl = BlockingNetlink::new().unwrap();
        let guard = nl.attach_tc(VETH_B, &prog, &spec).unwrap().guard(&nl);
        assert_eq!(guard.filter().parent(), TcHandle::CLSACT_EGRESS);
        let filters = nl.tc_bpf_filters(VETH_B, TcHandle::CLSACT_EGRESS).unwrap();
        assert_eq!(filters.len(), 1, "{filters:?}");
        assert_eq!((filters[0].priority, filters[0].handle), (1, 1));
        // Named after the program by default.
        assert_eq!(filters[0].name.as_deref(), Some("tc_egress"));
        guard.keep();
    });
    let crossed = pair.send(40);
    assert_eq!(counts.get(0).unwrap(), crossed);
    let filter = TcFilterSpec::new(TcDirection::Egress);
    pair.b.run(|| {
        let nl = BlockingNetlink::new().unwrap();
        let ifindex = bpfkit::link::Interface::from(VETH_B).index().unwrap();
        // Rebuilt by hand from where it is, or found in a dump: the same.
        let f = TcFilter {
            ifindex,
            direction: filter.direction,
            priority: filter.priority,
            handle: filter.handle,
        };
        let dumped = nl.tc_bpf_filters(VETH_B, TcHandle::CLSACT_EGRESS).unwrap();
        assert_eq!(dumped[0].tc_filter(), Some(f));
        f.guard(&nl).detach().unwrap();
        assert_eq!(nl.tc_bpf_filters(VETH_B, TcHandle::CLSACT_EGRESS).unwrap(), []);
    });
}

#[test]
fn replace_swaps_the_program() {
    require_kernel!();
    let pair = VethPair::new();
    let (first, first_counts) = tc_counter("tc_first");
    let (second, second_counts) = tc_counter("tc_second");
    let spec = TcFilterSpec::new(TcDirection::Ingress).priority(2).handle(5).name("swap");
    pair.a.run(|| {
        let nl = BlockingNetlink::new().unwrap();
        nl.attach_tc(VETH_A, &first, &spec).unwrap();
    });
    let crossed = pair.send(30);
    assert_eq!(first_counts.get(0).unwrap(), crossed);

    let filter = pair.a.run(|| {
        let nl = BlockingNetlink::new().unwrap();
        nl.replace_tc(VETH_A, &second, &spec).unwrap()
    });
    let filters = ingress_filters(&pair.a);
    assert_eq!(filters.len(), 1, "{filters:?}");
    assert_eq!(filters[0].prog_id, Some(id(&second)));
    assert_eq!((filters[0].priority, filters[0].handle), (2, 5));
    assert!(filters[0].direct_action);

    let more = pair.send(20);
    assert_eq!(second_counts.get(0).unwrap(), more);
    assert_eq!(first_counts.get(0).unwrap(), crossed, "the first program still runs");

    pair.a.run(|| BlockingNetlink::new().unwrap().detach_tc(&filter).unwrap());
    assert_eq!(ingress_filters(&pair.a), []);
}

#[test]
fn detach_removes_only_that_filter() {
    require_kernel!();
    if !have_tc("leaving other filters and qdiscs alone") {
        return;
    }
    let pair = VethPair::new();
    // Another qdisc, the clsact qdisc and another filter, by tc, first.
    tc(&pair.a, &["qdisc", "add", "dev", VETH_A, "root", "handle", "1:", "htb"]);
    tc(&pair.a, &["qdisc", "add", "dev", VETH_A, "clsact"]);
    tc(
        &pair.a,
        &[
            "filter", "add", "dev", VETH_A, "ingress", "pref", "100", "u32", "match", "u32", "0",
            "0",
        ],
    );
    // Each lets the next filter run: within a priority, the newest runs first.
    let (prog, counts) = tc_counter_returning("tc_only", TC_ACT_UNSPEC);
    let (other, other_counts) = tc_counter_returning("tc_other", TC_ACT_UNSPEC);
    let qdiscs_before = qdiscs(&pair.a, VETH_A);
    let filters_before = tc(&pair.a, &["filter", "show", "dev", VETH_A, "ingress"]);
    let (mine, theirs) = pair.a.run(|| {
        let nl = BlockingNetlink::new().unwrap();
        // The clsact qdisc there already is fine.
        let spec = TcFilterSpec::new(TcDirection::Ingress).priority(3).handle(1);
        let mine = nl.attach_tc(VETH_A, &prog, &spec).unwrap();
        // Another handle at the same priority, another filter.
        let theirs = nl.attach_tc(VETH_A, &other, &spec.clone().handle(2)).unwrap();
        (mine, theirs)
    });
    assert_eq!(qdiscs(&pair.a, VETH_A), qdiscs_before, "no qdisc added or removed");
    // The u32 filter's priority is refused, with the kernel's reason.
    let before = tc(&pair.a, &["filter", "show", "dev", VETH_A, "ingress"]);
    let err = pair.a.run(|| {
        let spec = TcFilterSpec::new(TcDirection::Ingress).priority(100).handle(1);
        BlockingNetlink::new().unwrap().attach_tc(VETH_A, &prog, &spec).unwrap_err()
    });
    assert_eq!(err.errno(), Some(Errno::EINVAL), "{err}");
    assert!(matches!(err, Error::Tc { message: Some(_), .. }), "{err}");
    assert!(err.to_string().contains(": the kernel says \""), "{err}");
    assert_eq!(tc(&pair.a, &["filter", "show", "dev", VETH_A, "ingress"]), before);
    let crossed = pair.send(10);
    assert_eq!((counts.get(0).unwrap(), other_counts.get(0).unwrap()), (crossed, crossed));

    pair.a.run(|| BlockingNetlink::new().unwrap().detach_tc(&mine).unwrap());
    let left = ingress_filters(&pair.a);
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!((left[0].priority, left[0].handle), (3, 2));
    assert_eq!(left[0].prog_id, Some(id(&other)));
    let shown = tc(&pair.a, &["filter", "show", "dev", VETH_A, "ingress"]);
    assert!(shown.contains("pref 100 u32"), "{shown}");
    assert_eq!(qdiscs(&pair.a, VETH_A), qdiscs_before);
    let more = pair.send(10);
    assert_eq!(counts.get(0).unwrap(), crossed, "the detached program still runs");
    assert_eq!(other_counts.get(0).unwrap(), crossed + more);

    // Detaching it again: nothing there, and the error says so.
    let err = pair.a.run(|| BlockingNetlink::new().unwrap().detach_tc(&mine).unwrap_err());
    assert_eq!(err.errno(), Some(Errno::ENOENT), "{err}");
    assert!(
        err.to_string().contains("no filter with priority 3 handle 0x1 is on veth0 ingress"),
        "{err}"
    );

    pair.a.run(|| BlockingNetlink::new().unwrap().detach_tc(&theirs).unwrap());
    let after = tc(&pair.a, &["filter", "show", "dev", VETH_A, "ingress"]);
    assert_eq!(after, filters_before);
    assert_eq!(qdiscs(&pair.a, VETH_A), qdiscs_before);
}

#[test]
fn a_taken_priority_and_handle_is_eexist_and_changes_nothing() {
    require_kernel!();
    let pair = VethPair::new();
    let (first, first_counts) = tc_counter("tc_first");
    let (second, second_counts) = tc_counter("tc_second");
    let spec = TcFilterSpec::new(TcDirection::Ingress).priority(4).handle(9);
    let err = pair.a.run(|| {
        let nl = BlockingNetlink::new().unwrap();
        nl.attach_tc(VETH_A, &first, &spec).unwrap();
        nl.attach_tc(VETH_A, &second, &spec).unwrap_err()
    });
    assert_eq!(err.errno(), Some(Errno::EEXIST), "{err}");
    assert!(matches!(err, Error::Tc { action: TcAction::Attach, priority: 4, handle: 9, .. }));
    let text = err.to_string();
    assert!(
        text.contains(
            "a filter with priority 4 handle 0x9 is already on veth0 ingress: use replace"
        ),
        "{text}"
    );
    let before = ingress_filters(&pair.a);
    assert_eq!(before.len(), 1, "{before:?}");
    assert_eq!(before[0].prog_id, Some(id(&first)));
    let crossed = pair.send(10);
    assert_eq!((first_counts.get(0).unwrap(), second_counts.get(0).unwrap()), (crossed, 0));
    assert_eq!(ingress_filters(&pair.a), before);
}

#[test]
fn a_failed_attach_leaves_the_interface_as_it_was() {
    require_kernel!();
    let pair = VethPair::new();
    let (prog, _) = tc_counter("tc_refused");
    let qdiscs_before = qdiscs(&pair.a, VETH_A);
    assert!(!clsact(&qdiscs_before));
    // The kernel refuses a name longer than cls_bpf takes (256 bytes),
    // after the clsact qdisc was added for the filter.
    let spec = TcFilterSpec::new(TcDirection::Ingress).name("n".repeat(300));
    let err = pair.a.run(|| BlockingNetlink::new().unwrap().attach_tc(VETH_A, &prog, &spec));
    let err = err.unwrap_err();
    assert!(matches!(err, Error::Tc { action: TcAction::Attach, .. }), "{err}");
    assert_eq!(err.errno(), Some(Errno::EINVAL), "{err}");
    assert!(err.to_string().contains("a filter name over 256 bytes"), "{err}");
    assert_eq!(qdiscs(&pair.a, VETH_A), qdiscs_before, "the clsact qdisc added is gone again");

    // On a clsact qdisc that was there: it stays, with its filters.
    let good = TcFilterSpec::new(TcDirection::Ingress).priority(1).handle(1);
    let kept =
        pair.a.run(|| BlockingNetlink::new().unwrap().attach_tc(VETH_A, &prog, &good).unwrap());
    let filters_before = ingress_filters(&pair.a);
    let qdiscs_before = qdiscs(&pair.a, VETH_A);
    let bad = spec.priority(2);
    let err = pair.a.run(|| BlockingNetlink::new().unwrap().attach_tc(VETH_A, &prog, &bad));
    assert!(err.is_err());
    assert_eq!(ingress_filters(&pair.a), filters_before);
    assert_eq!(qdiscs(&pair.a, VETH_A), qdiscs_before);
    pair.a.run(|| BlockingNetlink::new().unwrap().detach_tc(&kept).unwrap());
}

#[test]
fn a_missing_interface_is_named() {
    require_kernel!();
    let (prog, _) = tc_counter("tc_missing");
    let nl = BlockingNetlink::new().unwrap();
    let spec = TcFilterSpec::new(TcDirection::Ingress);
    let err = nl.attach_tc("nosuchif0", &prog, &spec).unwrap_err();
    assert!(matches!(err, Error::NoSuchInterface { .. }), "{err}");
    assert!(err.to_string().contains("nosuchif0"), "{err}");
    let err = nl.replace_tc(bpfkit::link::Interface::Index(999_999), &prog, &spec).unwrap_err();
    assert!(err.to_string().contains("999999"), "{err}");
}

#[test]
fn bpftool_lists_it_as_it_lists_a_tc_added_filter() {
    require_kernel!();
    if !have_tc("a filter tc added, to compare with") {
        return;
    }
    let pair = VethPair::new();
    let pins = common::PinDir::new();
    let (ours, _) = tc_counter("tc_ours");
    let (theirs, _) = tc_counter("tc_theirs");
    let pin = pins.path("theirs");
    theirs.pin(&pin).unwrap();
    // tc's filter first, at priority 1; ours at 2, with tc's kind of name.
    tc(&pair.a, &["qdisc", "add", "dev", VETH_A, "clsact"]);
    tc(
        &pair.a,
        &[
            "filter",
            "add",
            "dev",
            VETH_A,
            "ingress",
            "pref",
            "1",
            "handle",
            "1",
            "bpf",
            "da",
            "pinned",
            pin.to_str().unwrap(),
        ],
    );
    let spec = TcFilterSpec::new(TcDirection::Ingress).priority(2).handle(1).name("ours:[tc]");
    pair.a.run(|| BlockingNetlink::new().unwrap().attach_tc(VETH_A, &ours, &spec).unwrap());

    let Some(run) = pair.a.run(|| common::bpftool(&["-j", "net", "show", "dev", VETH_A])) else {
        return;
    };
    let json = run.success().json();
    let tc = json[0]["tc"].as_array().unwrap();
    assert_eq!(tc.len(), 2, "{tc:?}");
    let (theirs_entry, ours_entry) = (&tc[0], &tc[1]);
    assert_eq!(theirs_entry["id"], id(&theirs));
    assert_eq!(ours_entry["id"], id(&ours));
    assert_eq!(ours_entry["name"], "ours:[tc]");
    // The same fields, and the same values but for the name and program.
    let keys = |e: &serde_json::Value| {
        let mut keys: Vec<String> = e.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    assert_eq!(keys(ours_entry), keys(theirs_entry));
    for key in keys(ours_entry) {
        if !["name", "id", "prog_id", "tag"].contains(&key.as_str()) {
            assert_eq!(ours_entry[&key], theirs_entry[&key], "{key}");
        }
    }
    assert_eq!(ours_entry["kind"], "clsact/ingress");
}

#[test]
fn an_ingress_qdisc_takes_ingress_filters_and_egress_says_why_not() {
    require_kernel!();
    if !have_tc("an ingress qdisc tc added") {
        return;
    }
    let pair = VethPair::new();
    tc(&pair.a, &["qdisc", "add", "dev", VETH_A, "ingress"]);
    let qdiscs_before = qdiscs(&pair.a, VETH_A);
    let (prog, counts) = tc_counter("tc_on_ingress");
    let filter = pair.a.run(|| {
        let nl = BlockingNetlink::new().unwrap();
        nl.attach_tc(VETH_A, &prog, &TcFilterSpec::new(TcDirection::Ingress)).unwrap()
    });
    assert_eq!(qdiscs(&pair.a, VETH_A), qdiscs_before, "no clsact next to the ingress qdisc");
    let crossed = pair.send(10);
    assert_eq!(counts.get(0).unwrap(), crossed);
    let err = pair.a.run(|| {
        let nl = BlockingNetlink::new().unwrap();
        nl.attach_tc(VETH_A, &prog, &TcFilterSpec::new(TcDirection::Egress)).unwrap_err()
    });
    assert!(matches!(err, Error::Tc { action: TcAction::AddClsact, .. }), "{err}");
    assert_eq!(err.errno(), Some(Errno::EEXIST), "{err}");
    assert!(err.to_string().contains("egress needs clsact"), "{err}");
    assert_eq!(qdiscs(&pair.a, VETH_A), qdiscs_before);
    pair.a.run(|| BlockingNetlink::new().unwrap().detach_tc(&filter).unwrap());
}

#[test]
fn the_async_client_attaches_replaces_and_detaches() {
    require_kernel!();
    let pair = VethPair::new();
    let (first, first_counts) = tc_counter("tc_async1");
    let (second, second_counts) = tc_counter("tc_async2");
    let spec = TcFilterSpec::new(TcDirection::Ingress).priority(6).handle(6);
    let filter = pair.a.run(|| {
        let rt = tokio::runtime::Builder::new_current_thread().enable_io().build().unwrap();
        rt.block_on(async {
            let nl = bpfkit::netlink::Netlink::new().unwrap();
            let filter = nl.attach_tc(VETH_A, &first, &spec).await.unwrap();
            let err = nl.attach_tc(VETH_A, &second, &spec).await.unwrap_err();
            assert_eq!(err.errno(), Some(Errno::EEXIST), "{err}");
            assert_eq!(nl.replace_tc(VETH_A, &second, &spec).await.unwrap(), filter);
            filter
        })
    });
    let crossed = pair.send(10);
    assert_eq!((first_counts.get(0).unwrap(), second_counts.get(0).unwrap()), (0, crossed));
    pair.a.run(|| {
        let rt = tokio::runtime::Builder::new_current_thread().enable_io().build().unwrap();
        rt.block_on(async {
            let nl = bpfkit::netlink::Netlink::new().unwrap();
            nl.detach_tc(&filter).await.unwrap();
        })
    });
    assert_eq!(ingress_filters(&pair.a), []);
}

/// Drops `CAP_NET_ADMIN` from the calling thread's effective capabilities
/// (capabilities are per thread: the rest of the process keeps it).
#[allow(unsafe_code)]
fn drop_net_admin_from_this_thread() {
    const CAPABILITY_VERSION_3: u32 = 0x2008_0522;
    const CAP_NET_ADMIN: u32 = 12;
    #[repr(C)]
    struct Header {
        version: u32,
        pid: i32,
    }
    #[repr(C)]
    #[derive(Clone, Copy, Default)]
    struct Data {
        effective: u32,
        permitted: u32,
        inheritable: u32,
    }
    let mut header = Header { version: CAPABILITY_VERSION_3, pid: 0 };
    let mut data = [Data::default(); 2];
    // SAFETY: capget(2) writes two Data records for version 3, the size of
    // `data`; both pointers are valid for the call.
    let rc = unsafe { libc::syscall(libc::SYS_capget, &mut header, data.as_mut_ptr()) };
    assert_eq!(rc, 0, "capget: {}", std::io::Error::last_os_error());
    data[0].effective &= !(1 << CAP_NET_ADMIN);
    // SAFETY: as above; capset(2) reads the same two records.
    let rc = unsafe { libc::syscall(libc::SYS_capset, &mut header, data.as_ptr()) };
    assert_eq!(rc, 0, "capset: {}", std::io::Error::last_os_error());
}

#[test]
fn without_cap_net_admin_the_error_names_it() {
    require_kernel!();
    let pair = VethPair::new();
    let (prog, _) = tc_counter("tc_eperm");
    let before = qdiscs(&pair.a, VETH_A);
    let err = pair.a.run(|| {
        drop_net_admin_from_this_thread();
        let nl = BlockingNetlink::new().unwrap();
        nl.attach_tc(VETH_A, &prog, &TcFilterSpec::new(TcDirection::Ingress)).unwrap_err()
    });
    assert_eq!(err.errno(), Some(Errno::EPERM), "{err}");
    assert!(matches!(err, Error::Tc { action: TcAction::AddClsact, .. }), "{err}");
    assert!(err.to_string().contains("needs CAP_NET_ADMIN"), "{err}");
    assert_eq!(qdiscs(&pair.a, VETH_A), before);
    // Nor can such a thread detach a filter: it stays.
    let spec = TcFilterSpec::new(TcDirection::Ingress);
    let filter =
        pair.a.run(|| BlockingNetlink::new().unwrap().attach_tc(VETH_A, &prog, &spec).unwrap());
    let err = pair.a.run(|| {
        drop_net_admin_from_this_thread();
        BlockingNetlink::new().unwrap().detach_tc(&filter).unwrap_err()
    });
    assert_eq!(err.errno(), Some(Errno::EPERM), "{err}");
    assert!(matches!(err, Error::Tc { action: TcAction::Detach, .. }), "{err}");
    assert!(err.to_string().contains("needs CAP_NET_ADMIN"), "{err}");
    assert_eq!(ingress_filters(&pair.a).len(), 1);
}
