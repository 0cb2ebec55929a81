//! Tail calls: an XDP dispatcher jumps to the program its packet's first
//! byte names, through a program array; an empty slot falls through.
//! Everything runs in `BPF_PROG_TEST_RUN`: no interface is touched.
//!
//! ```text
//! cargo run --example tail_calls          # as root
//! ```
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

use bpfkit::asm::{ProgramBuilder, R0, R1, R2, R3, R4, Size};
use bpfkit::prog::kind::Xdp;
use bpfkit::prog::{Program, ProgramArray, ProgramSpec, TestRun};

/// What each verdict is called.
fn verdict(v: u32) -> &'static str {
    match v {
        0 => "XDP_ABORTED",
        1 => "XDP_DROP",
        2 => "XDP_PASS",
        3 => "XDP_TX",
        _ => "?",
    }
}

/// A program that returns `verdict`.
fn leaf(verdict: i32, name: &str) -> bpfkit::Result<Program<Xdp>> {
    let mut b = ProgramBuilder::new();
    b.mov64(R0, verdict).exit();
    ProgramSpec::typed(Xdp, &b.assemble()?).name(name).load()
}

/// `tail_call(ctx, table, packet[0])`, falling through to `XDP_PASS`.
fn dispatcher(table: &ProgramArray<Xdp>) -> bpfkit::Result<Program<Xdp>> {
    let mut b = ProgramBuilder::new();
    let pass = b.label();
    b.ldx(Size::W, R2, R1, 0) // data
        .ldx(Size::W, R3, R1, 4) // data_end
        .mov64(R4, R2)
        .add64(R4, 1)
        .jgt(R4, R3, pass) // an empty packet
        .ldx(Size::B, R4, R2, 0) // the slot: the first byte
        .tail_call(table, R4) // does not return when the slot holds a program
        .bind(pass)
        .mov64(R0, 2)
        .exit();
    ProgramSpec::typed(Xdp, &b.assemble()?).name("dispatcher").load()
}

fn run() -> bpfkit::Result<()> {
    let table = ProgramArray::<Xdp>::create("jump_table", 4)?;
    let dispatch = dispatcher(&table)?;
    let (drop, tx) = (leaf(1, "drop_all")?, leaf(3, "bounce")?);
    table.set(0, &drop)?;
    table.set(1, &tx)?;
    println!(
        "slot 0: drop_all (id {}), slot 1: bounce (id {}), slots 2-3 empty",
        drop.info()?.id,
        tx.info()?.id
    );
    for slot in [0u8, 1, 2, 3] {
        let mut packet = [0u8; 64];
        packet[0] = slot;
        let out = dispatch.test_run(TestRun::new(&packet))?;
        println!("packet[0] = {slot}: {}", verdict(out.retval));
    }
    table.clear(1)?;
    let out = dispatch.test_run(TestRun::new(&[1u8; 64]))?;
    println!("slot 1 cleared, packet[0] = 1: {}", verdict(out.retval));
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tail_calls: {e}");
            ExitCode::FAILURE
        }
    }
}
