//! tcx: attach with an order, see each program fire, update, pin, and
//! refusals that leave the hook as it was; on a veth pair in private
//! namespaces.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use bpfkit::Errno;
use bpfkit::link::{
    Anchor, Link, Order, Relative, TcxDirection, attach_tcx, attach_tcx_legacy, detach_tcx_legacy,
    tcx_programs,
};
use bpfkit::maps::Array;
use bpfkit::prog::Program;
use bpfkit::prog::kind::SchedCls;
use common::{PinDir, VETH_A, VETH_B, VethPair, id, wait_link_gone};

/// tcx's "run the next program" verdict.
const TCX_NEXT: i32 = -1;

/// A sched_cls program that counts the packets it sees and returns `verdict`.
fn counter(verdict: i32) -> (Program<SchedCls>, Array<u64>) {
    common::counting(SchedCls, verdict)
}

fn count(counts: &Array<u64>) -> u64 {
    counts.get(0).unwrap()
}

fn order(pair: &VethPair) -> Vec<u32> {
    let on = pair.a.run(|| tcx_programs(VETH_A, TcxDirection::Ingress).unwrap());
    on.programs.iter().map(|p| p.prog_id).collect()
}

#[test]
fn programs_run_in_the_order_asked_and_each_fires() {
    require_kernel!();
    let pair = VethPair::new();
    let ((a, a_counts), (b, b_counts), (c, c_counts)) =
        (counter(TCX_NEXT), counter(TCX_NEXT), counter(TCX_NEXT));
    let ingress = TcxDirection::Ingress;
    let link_a = pair.a.run(|| attach_tcx(&a, VETH_A, ingress, Anchor::Last).unwrap());
    let sent = pair.send(5);
    assert!(sent >= 5, "{sent}");
    assert_eq!(count(&a_counts), sent);

    // B goes first, C right after A's link: B, A, C; all three run.
    let link_b = pair.a.run(|| attach_tcx(&b, VETH_A, ingress, Anchor::First).unwrap());
    let after_a = Anchor::After(Relative::Link(link_a.fd()));
    let link_c = pair.a.run(|| attach_tcx(&c, VETH_A, ingress, after_a).unwrap());
    assert_eq!(order(&pair), [id(&b), id(&a), id(&c)]);
    let before = (count(&a_counts), count(&b_counts), count(&c_counts));
    let sent = pair.send(3);
    assert_eq!(count(&a_counts) - before.0, sent);
    assert_eq!(count(&b_counts) - before.1, sent);
    assert_eq!(count(&c_counts) - before.2, sent);

    // Each link names its hook.
    let info = link_c.info().unwrap();
    assert_eq!(info.prog_id, id(&c));
    assert_eq!(info.link_type, bpfkit::link::LinkType::TCX);
    let ifindex = pair.a.run(|| bpfkit::link::Interface::resolve(VETH_A).unwrap().index().unwrap());
    assert_eq!(
        info.target,
        bpfkit::link::LinkTarget::Tcx {
            ifindex,
            attach_type: bpfkit::prog::AttachType::TCX_INGRESS
        }
    );

    // Dropping B's link takes B off; the others keep their order.
    let b_link_id = link_b.info().unwrap().id;
    drop(link_b);
    wait_link_gone(b_link_id);
    assert_eq!(order(&pair), [id(&a), id(&c)]);

    // A stale revision changes nothing.
    let seen = pair.a.run(|| tcx_programs(VETH_A, ingress).unwrap());
    let (d, _d_counts) = counter(TCX_NEXT);
    let stale = Order { anchor: Anchor::First, expected_revision: Some(seen.revision - 1) };
    let err = pair.a.run(|| attach_tcx(&d, VETH_A, ingress, stale).unwrap_err());
    assert_eq!(err.errno(), Some(Errno::ESTALE), "{err}");
    let text = err.to_string();
    assert!(text.contains("tcx ingress of veth0") && text.contains("revision"), "{text}");
    let current = Order { anchor: Anchor::First, expected_revision: Some(seen.revision) };
    let link_d = pair.a.run(|| attach_tcx(&d, VETH_A, ingress, current).unwrap());
    assert_eq!(order(&pair), [id(&d), id(&a), id(&c)]);

    // The same program twice is refused, and the hook stays as it was.
    let err = pair.a.run(|| attach_tcx(&a, VETH_A, ingress, Anchor::Last).unwrap_err());
    assert_eq!(err.errno(), Some(Errno::EEXIST), "{err}");
    assert_eq!(order(&pair), [id(&d), id(&a), id(&c)]);

    // Update swaps C's program for B in place.
    link_c.update(&b).unwrap();
    assert_eq!(order(&pair), [id(&d), id(&a), id(&b)]);
    let ids = [&link_a, &link_c, &link_d].map(|l| l.info().unwrap().id);
    drop((link_a, link_c, link_d));
    ids.into_iter().for_each(wait_link_gone);
    assert_eq!(order(&pair), Vec::<u32>::new());
}

#[test]
fn egress_fires_and_a_pinned_link_outlives_its_handle() {
    require_kernel!();
    let pair = VethPair::new();
    let (prog, counts) = counter(0);
    let pins = PinDir::new();
    let path = pins.path("tcx_egress");
    let link =
        pair.b.run(|| attach_tcx(&prog, VETH_B, TcxDirection::Egress, Anchor::Last).unwrap());
    link.pin(&path).unwrap();
    drop(link);
    let sent = pair.send(4);
    assert!(sent >= 4);
    assert_eq!(count(&counts), sent, "the pin keeps the program attached");

    // Opened from the pin, the link detaches at once.
    let pinned = Link::open_pinned(&path).unwrap();
    assert_eq!(pinned.info().unwrap().prog_id, id(&prog));
    pinned.detach().unwrap();
    let on = pair.b.run(|| tcx_programs(VETH_B, TcxDirection::Egress).unwrap());
    assert!(on.programs.is_empty());
    let before = count(&counts);
    pair.send(2);
    assert_eq!(count(&counts), before);
}

#[test]
fn a_missing_interface_is_named() {
    require_kernel!();
    let (prog, _) = counter(0);
    let err = attach_tcx(&prog, "nosuchif0", TcxDirection::Ingress, Anchor::Last).unwrap_err();
    assert!(err.to_string().contains("nosuchif0"), "{err}");
}

#[test]
fn legacy_attach_fires_without_a_link_and_the_last_one_detaches() {
    require_kernel!();
    let pair = VethPair::new();
    let ((a, a_counts), (b, _)) = (counter(TCX_NEXT), counter(TCX_NEXT));
    let ingress = TcxDirection::Ingress;
    pair.a.run(|| attach_tcx_legacy(&a, VETH_A, ingress).unwrap());
    pair.a.run(|| attach_tcx_legacy(&b, VETH_A, ingress).unwrap());
    let on = pair.a.run(|| tcx_programs(VETH_A, ingress).unwrap());
    let held: Vec<_> = on.programs.iter().map(|p| (p.prog_id, p.link_id)).collect();
    assert_eq!(held, [(id(&a), None), (id(&b), None)]);
    let sent = pair.send(4);
    assert!(sent >= 4, "{sent}");
    assert_eq!(count(&a_counts), sent);
    // The same program twice: refused, the hook as it was.
    let err = pair.a.run(|| attach_tcx_legacy(&a, VETH_A, ingress).unwrap_err());
    assert_eq!(err.errno(), Some(Errno::EEXIST), "{err}");
    assert_eq!(order(&pair), [id(&a), id(&b)]);
    // Without a program named, the kernel detaches the last one.
    pair.a.run(|| detach_tcx_legacy(None, VETH_A, ingress).unwrap());
    assert_eq!(order(&pair), [id(&a)]);
    pair.a.run(|| detach_tcx_legacy(Some(&a), VETH_A, ingress).unwrap());
    assert!(order(&pair).is_empty());
    let err = pair.a.run(|| detach_tcx_legacy(None, VETH_A, ingress).unwrap_err());
    assert_eq!(err.errno(), Some(Errno::ENOENT), "{err}");
}
