//! bpfkit: eBPF from Rust, with nothing between you and the kernel.
//!
//! A typed instruction assembler ([`asm`]), typed maps ([`maps`]), program
//! loading with verifier errors that point at the Rust line that emitted the
//! failing instruction ([`prog`]), all over raw `bpf(2)`: no libbpf, no ELF,
//! no C toolchain.
//!
//! The packet counter, end to end (needs root):
//!
//! ```no_run
//! use bpfkit::maps::{Array, MapFlags};
//! use bpfkit::prog::{ProgType, ProgramSpec, TestRun};
//! use bpfkit::programs::{XdpAction, packet_counter};
//!
//! let counts = Array::<u64>::create("packet_count", 1, MapFlags::empty())?;
//! let insns = packet_counter(&counts, XdpAction::Pass).assemble()?;
//! let prog = ProgramSpec::new(ProgType::XDP, &insns).name("xdp_counter").load()?;
//! let run = prog.test_run(TestRun::new(&[0u8; 64]).repeat(100))?;
//! assert_eq!(run.retval, XdpAction::Pass as u32);
//! assert_eq!(counts.get(0)?, 100);
//! # Ok::<(), bpfkit::Error>(())
//! ```
//!
//! Without the kernel, the assembler alone:
//!
//! ```
//! use bpfkit::asm::{ProgramBuilder, R0};
//! let mut b = ProgramBuilder::new();
//! b.mov64(R0, 2).exit();
//! let prog = b.assemble()?;
//! assert_eq!(prog.as_bytes()[..8], [0xb7, 0, 0, 0, 2, 0, 0, 0]);
//! assert_eq!(prog.to_string(), "r0 = 2\nexit\n");
//! # Ok::<(), bpfkit::asm::AsmError>(())
//! ```

pub mod asm;
mod error;
pub mod link;
pub mod maps;
#[cfg(feature = "netlink")]
pub mod netlink;
pub mod object;
pub mod pinned;
pub mod prog;
pub mod programs;
mod sys;

pub use error::{Errno, Error, Result};

/// The README's code, compiled with the doctests so it cannot drift.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
pub use sys::Cmd;
pub use zerocopy;
