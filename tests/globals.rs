//! Global variables: a section read and written through the mmap from
//! Rust and through `ld_field` (a field by name) and `ld_map_value` (an
//! offset) from a program, and a frozen read-only
//! section whose constants the verifier uses to prune.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::mem::offset_of;

use bpfkit::asm::{ProgramBuilder, R0, R1, R2, Size, ValueMap};
use bpfkit::field;
use bpfkit::maps::{Global, ReadOnlyGlobal};
use bpfkit::prog::kind::SocketFilter;
use bpfkit::prog::{ProgramSpec, TestRun};
use common::unique;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
struct State {
    addend: u64,
    runs: u32,
    last: u32,
}

#[test]
fn a_program_and_rust_share_a_global_through_the_mmap() {
    require_kernel!();
    let mut state = Global::create(&unique("g"), &State { addend: 40, runs: 0, last: 0 }).unwrap();
    // r0 = state.addend + 2; state.runs += 1; state.last = r0.
    let mut b = ProgramBuilder::new();
    // By name, then by offset: the same address.
    b.ld_field(R1, &state, field!(State, addend))
        .ldx(Size::DW, R0, R1, 0)
        .add64(R0, 2)
        .ld_field(R1, &state, field!(State, runs))
        .mov64(R2, 1)
        .atomic_add32(R1, 0, R2)
        .ld_map_value(R1, &state, offset_of!(State, last) as u32)
        .stx(Size::W, R1, 0, R0)
        .exit();
    let insns = b.assemble().unwrap();
    let prog = ProgramSpec::typed(SocketFilter, &insns).name("globals").load().unwrap();
    let run = || prog.test_run(TestRun::new(&[0u8; 64])).unwrap().retval;
    assert_eq!(run(), 42);
    assert_eq!(state.get(), State { addend: 40, runs: 1, last: 42 });

    // Written through the mapping, seen by the next run.
    state.set(&State { addend: 98, ..state.get() }).unwrap();
    assert_eq!(run(), 100);
    assert_eq!(state.get(), State { addend: 98, runs: 2, last: 100 });
}

#[repr(C)]
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, Immutable, KnownLayout)]
struct Settings {
    verbose: u32,
    _pad: u32,
}

/// `if (settings.verbose) { 200 instructions }; return 0`.
fn branchy(settings: &impl ValueMap<Value = Settings>) -> bpfkit::asm::Assembled {
    let mut b = ProgramBuilder::new();
    let done = b.label();
    b.mov64(R0, 0)
        .ld_field(R1, settings, field!(Settings, verbose))
        .ldx(Size::W, R2, R1, 0)
        .jeq(R2, 0, done);
    for _ in 0..100 {
        b.add64(R0, 1).xor64(R0, 3);
    }
    b.bind(done).mov64(R0, 0).exit();
    b.assemble().unwrap()
}

#[test]
fn a_frozen_read_only_flag_prunes_the_branch_it_rules_out() {
    require_kernel!();
    let quiet = Settings { verbose: 0, _pad: 0 };
    let rodata = ReadOnlyGlobal::create(&unique("ro"), &quiet).unwrap();
    assert_eq!(rodata.get().unwrap().verbose, 0);
    let data = Global::create(&unique("rw"), &quiet).unwrap();

    let verified = |insns: &bpfkit::asm::Assembled| {
        let prog = ProgramSpec::typed(SocketFilter, insns).name("rodata").load().unwrap();
        prog.info().unwrap().verified_insns
    };
    let constant = verified(&branchy(&rodata));
    let variable = verified(&branchy(&data));
    // With the flag a known 0, the 200 instructions are never walked.
    assert!(constant + 200 <= variable, "read-only {constant}, writable {variable}");

    // Frozen: user space cannot change it either.
    let err = rodata.map().update_bytes(
        &0u32.to_ne_bytes(),
        &[1, 0, 0, 0, 0, 0, 0, 0],
        bpfkit::maps::UpdateMode::Any,
    );
    assert!(err.is_err());
}
