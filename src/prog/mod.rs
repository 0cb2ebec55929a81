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

mod btf;
mod btf_records;
mod debug_info;
mod info;
mod load;
mod program;
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
pub use load::{LogLevel, ProgFlags, ProgramSpec};
pub use program::Program;
pub use run_stats::RunTimeStats;
pub use section::Section;
pub use stats::VerifierStats;
pub use tag::ProgTag;
pub use test_run::{TestRun, TestRunFlags, TestRunResult};
pub use verifier::{ParsedLog, parse_log};
