//! Tail calls: a typed program array, a dispatcher that jumps by a packet
//! byte, fall-through, the kernel's depth limit, and a program of the
//! wrong type refused with both types named.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use bpfkit::Error;
use bpfkit::asm::{Assembled, ProgramBuilder, R0, R1, R2, R3, R4, R10, Size};
use bpfkit::maps::{Array, MapFlags};
use bpfkit::prog::kind::Xdp;
use bpfkit::prog::{ProgType, Program, ProgramArray, ProgramSpec, TestRun};
use common::{id, unique};

/// `XDP_PASS`: what the dispatcher returns when no tail call happens.
const FELL_THROUGH: u32 = 2;

fn returning(value: i32) -> Assembled {
    let mut b = ProgramBuilder::new();
    b.mov64(R0, value).exit();
    b.assemble().unwrap()
}

fn xdp(insns: &Assembled, name: &str) -> Program<Xdp> {
    ProgramSpec::typed(Xdp, insns).name(name).load().unwrap()
}

/// Jumps to the slot the packet's first byte names; else `XDP_PASS`.
fn dispatcher(table: &ProgramArray<Xdp>) -> Program<Xdp> {
    let mut b = ProgramBuilder::new();
    let out = b.label();
    b.ldx(Size::W, R2, R1, 0) // data
        .ldx(Size::W, R3, R1, 4) // data_end
        .mov64(R4, R2)
        .add64(R4, 1)
        .jgt(R4, R3, out)
        .ldx(Size::B, R4, R2, 0)
        .tail_call(table, R4)
        .bind(out)
        .mov64(R0, FELL_THROUGH as i32)
        .exit();
    xdp(&b.assemble().unwrap(), "tc_dispatch")
}

fn run(prog: &Program<Xdp>, first_byte: u8) -> u32 {
    let mut packet = [0u8; 64];
    packet[0] = first_byte;
    prog.test_run(TestRun::new(&packet)).unwrap().retval
}

#[test]
fn the_dispatcher_jumps_by_packet_byte_and_empty_slots_fall_through() {
    require_kernel!();
    let table = ProgramArray::<Xdp>::create(&unique("jt"), 4).unwrap();
    let dispatch = dispatcher(&table);
    let (drop_prog, tx_prog) = (xdp(&returning(1), "tc_drop"), xdp(&returning(3), "tc_tx"));
    table.set(0, &drop_prog).unwrap();
    table.set(2, &tx_prog).unwrap();
    assert_eq!(table.get(0).unwrap(), Some(id(&drop_prog)));
    assert_eq!(table.get(1).unwrap(), None);
    assert_eq!(table.get(2).unwrap(), Some(id(&tx_prog)));
    assert_eq!(table.owner_type().unwrap(), Some(ProgType::XDP));

    assert_eq!(run(&dispatch, 0), 1, "slot 0");
    assert_eq!(run(&dispatch, 2), 3, "slot 2");
    assert_eq!(run(&dispatch, 1), FELL_THROUGH, "an empty slot");
    assert_eq!(run(&dispatch, 9), FELL_THROUGH, "past the end");

    // Cleared, slot 2 falls through; set again, it jumps.
    assert!(table.clear(2).unwrap());
    assert!(!table.clear(2).unwrap());
    assert_eq!(run(&dispatch, 2), FELL_THROUGH);
    table.set(2, &drop_prog).unwrap();
    assert_eq!(run(&dispatch, 2), 1);

    // A slot past the end is an error before any syscall.
    let err = table.set(4, &tx_prog).unwrap_err();
    assert!(err.to_string().contains('4'), "{err}");
}

#[test]
fn a_chain_stops_at_the_kernels_limit() {
    require_kernel!();
    // A program that counts its runs and tail-calls itself.
    let table = ProgramArray::<Xdp>::create(&unique("jt"), 1).unwrap();
    let counts = Array::<u64>::create(&unique("depth"), 1, MapFlags::empty()).unwrap();
    let mut b = ProgramBuilder::new();
    let skip = b.label();
    b.mov64(bpfkit::asm::R6, R1) // keep the context
        .st(Size::W, R10, -4, 0)
        .mov64(R2, R10)
        .add64(R2, -4)
        .ld_map_fd(R1, &counts)
        .call(bpfkit::asm::Helper::MapLookupElem)
        .jeq(R0, 0, skip)
        .mov64(R1, 1)
        .atomic_add64(R0, 0, R1)
        .bind(skip)
        .mov64(R1, bpfkit::asm::R6)
        .tail_call(&table, 0)
        .mov64(R0, FELL_THROUGH as i32)
        .exit();
    let looping = xdp(&b.assemble().unwrap(), "tc_loop");
    table.set(0, &looping).unwrap();
    assert_eq!(run(&looping, 0), FELL_THROUGH);
    // The first run and 33 tail calls (MAX_TAIL_CALL_CNT); the 34th call
    // falls through.
    assert_eq!(counts.get(0).unwrap(), 34);
}

#[test]
fn a_program_of_another_type_is_refused_naming_both() {
    require_kernel!();
    let table = ProgramArray::<Xdp>::create(&unique("jt"), 2).unwrap();
    let _dispatch = dispatcher(&table); // ties the table to XDP
    let filter =
        ProgramSpec::new(ProgType::SOCKET_FILTER, &returning(0)).name("tc_sf").load().unwrap();
    // Known only at run time, as a table opened by pin or id would be.
    let untyped = ProgramArray::from_map(table.map().clone()).unwrap();
    let err = untyped.set(0, &filter).unwrap_err();
    let Error::WrongProgType { expected, found, .. } = &err else { panic!("{err:?}") };
    assert_eq!((*expected, *found), (ProgType::XDP, ProgType::SOCKET_FILTER));
    assert!(err.to_string().contains("is a socket_filter program, not xdp"), "{err}");
    assert_eq!(table.get(0).unwrap(), None, "the slot is as it was");
}
