//! Program kinds: typed loading, and the run-time check of a program whose
//! type comes from data.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use bpfkit::Error;
use bpfkit::asm::{ProgramBuilder, R0};
use bpfkit::prog::kind::{CgroupConnect4, ProgKind, SchedCls, SocketFilter, Xdp};
use bpfkit::prog::{AttachType, ProgType, Program, ProgramSpec};

fn returning_one() -> bpfkit::asm::Assembled {
    let mut b = ProgramBuilder::new();
    b.mov64(R0, 1).exit();
    b.assemble().unwrap()
}

#[test]
fn kinds_fix_the_program_type_and_the_expected_attach_type() {
    assert_eq!(Xdp::PROG_TYPE, ProgType::XDP);
    assert_eq!(SchedCls::PROG_TYPE, ProgType::SCHED_CLS);
    assert_eq!(CgroupConnect4::PROG_TYPE, ProgType::CGROUP_SOCK_ADDR);
    assert_eq!(CgroupConnect4::EXPECTED_ATTACH_TYPE, Some(AttachType::CGROUP_INET4_CONNECT));
    assert_eq!(Xdp::EXPECTED_ATTACH_TYPE, None);
}

#[test]
fn a_typed_spec_loads_its_kind_and_an_untyped_program_is_checked() {
    require_kernel!();
    let insns = returning_one();
    let tc: Program<SchedCls> =
        ProgramSpec::typed(SchedCls, &insns).name("kind_tc").load().unwrap();
    assert_eq!(tc.prog_type(), ProgType::SCHED_CLS);

    // A sock_addr program verified for connect4 (the kind's attach type).
    let connect: Program<CgroupConnect4> =
        ProgramSpec::typed(CgroupConnect4, &insns).name("kind_c4").load().unwrap();
    assert_eq!(connect.prog_type(), ProgType::CGROUP_SOCK_ADDR);

    // Untyped, by id: the right kind converts, a wrong one names both types.
    let id = tc.info().unwrap().id;
    let again = Program::from_id(id).unwrap().into_kind(SchedCls).unwrap();
    assert_eq!(again.info().unwrap().id, id);
    let err = Program::from_id(id).unwrap().into_kind(Xdp).unwrap_err();
    let Error::WrongProgType { ref program, expected, found } = err else { panic!("{err:?}") };
    assert_eq!((expected, found), (ProgType::XDP, ProgType::SCHED_CLS));
    assert!(program.contains("kind_tc") && program.contains(&format!("id {id}")), "{program}");
    let text = err.to_string();
    assert!(text.contains("is a sched_cls program, not xdp"), "{text}");

    let filter = ProgramSpec::new(ProgType::SOCKET_FILTER, &insns).name("kind_sf").load().unwrap();
    assert!(filter.into_kind(SocketFilter).is_ok());
}

#[test]
fn a_type_the_kernel_lacks_is_named_not_a_bare_einval() {
    require_kernel!();
    let insns = returning_one();
    let err = ProgramSpec::new(ProgType(999), &insns).name("no_such").load().unwrap_err();
    assert!(matches!(err, Error::NotSupported { .. }), "{err:?}");
    assert!(err.to_string().contains("program type 999"), "{err}");

    let spec = bpfkit::maps::MapSpec::new(bpfkit::maps::MapType(999), 4, 4, 1).name("no_such");
    let err = spec.create().unwrap_err();
    assert!(matches!(err, Error::NotSupported { .. }), "{err:?}");
    assert!(err.to_string().contains("map type 999"), "{err}");
}
