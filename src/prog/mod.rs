//! Programs: load with the verifier log on failure, test-run, introspect.
//!
//! ```no_run
//! use bpfkit::asm::{ProgramBuilder, R0};
//! use bpfkit::prog::{ProgType, ProgramSpec, TestRun};
//!
//! let mut b = ProgramBuilder::new();
//! b.mov64(R0, 2).exit(); // XDP_PASS
//! let insns = b.assemble()?;
//! let prog = ProgramSpec::new(ProgType::XDP, &insns).name("pass").load()?;
//! let out = prog.test_run(TestRun::new(&[0u8; 64]))?;
//! assert_eq!(out.retval, 2);
//! # Ok::<(), bpfkit::Error>(())
//! ```
//!
//! # Program BTF
//!
//! The loader writes a program's BTF itself, from the assembled program
//! ([`ProgramSpec::debug_info`]): a `FUNC` for every function (the main
//! program, named after it, and each target of `call_local` or `ld_func`,
//! named and typed by [`ProgramBuilder::function`](crate::asm::ProgramBuilder::function)
//! or else static `func_<slot>`), and line records from the source map, so
//! that the verifier's log, `bpftool prog dump xlated ... linum` and
//! [`Program::line_info`] show the Rust lines. Programs with more than one
//! function get it by default: callbacks (`bpf_loop`, timers,
//! `bpf_for_each_map_elem`) and global functions need it.
//!
//! ```no_run
//! use bpfkit::asm::{ArgType, FuncDecl, ProgramBuilder, R0, R1, R2};
//! use bpfkit::prog::{ProgType, ProgramSpec, TestRun};
//!
//! let mut b = ProgramBuilder::new();
//! let add = b.label();
//! b.mov64(R1, 40).mov64(R2, 2).call_local(add).exit();
//! // Global: verified once, against its prototype.
//! b.function(add, FuncDecl::global("add").param("a", ArgType::U64).param("b", ArgType::U64));
//! b.bind(add).mov64(R0, R1).add64(R0, R2).exit();
//! let insns = b.assemble()?;
//! let prog = ProgramSpec::new(ProgType::SOCKET_FILTER, &insns).name("adder").load()?;
//! assert_eq!(prog.test_run(TestRun::new(&[0u8; 64]))?.retval, 42);
//! assert_eq!(prog.info()?.func_info_count, 2);
//! # Ok::<(), bpfkit::Error>(())
//! ```

mod btf;
mod btf_records;
mod debug_info;
mod info;
pub mod kind;
mod load;
mod program;
mod program_array;
mod run_stats;
mod section;
mod stats;
mod tag;
mod test_run;
mod verifier;

pub use crate::error::VerifierError;
pub use crate::sys::{AttachType, ProgType};
pub use btf_records::{FuncInfo, LineInfo};
pub use info::{ProgramInfo, program_ids};
pub use kind::{ProgKind, Untyped};
pub use load::{LogLevel, ProgFlags, ProgramSpec};
pub use program::Program;
pub use program_array::ProgramArray;
pub use run_stats::RunTimeStats;
pub use section::Section;
pub use stats::VerifierStats;
pub use tag::ProgTag;
pub use test_run::{TestRun, TestRunFlags, TestRunResult};
pub use verifier::{ParsedLog, parse_log};
