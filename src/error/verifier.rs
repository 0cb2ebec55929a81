//! A program the verifier rejected, told as the kernel said it and pointed
//! at the line that emitted the failing instruction.

use std::fmt;

use crate::asm::Origin;
use crate::sys::Errno;

/// A program the verifier rejected.
///
/// Its `Display` reads, for example:
///
/// ```text
/// the verifier rejected program "counter": R0 invalid mem access 'map_value_or_null'
///   at instruction 6: r1 = *(u64 *)(r0 + 0)
///   emitted at src/main.rs:21:10
///   verifier log (last lines):
///     ...
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifierError {
    /// The program's name.
    pub program: String,
    /// The kernel's error number (`EACCES` for most rejections, `EINVAL` for
    /// malformed programs, `E2BIG` for too complex ones).
    pub errno: Errno,
    /// The index (slot) of the instruction the verifier stopped at, if the
    /// log names one.
    pub index: Option<usize>,
    /// That instruction, in LLVM syntax.
    pub insn: Option<String>,
    /// Where that instruction came from: the Rust line that emitted it, or
    /// its line and column in assembler text.
    pub location: Option<Origin>,
    /// The kernel's reason: the first line of its message.
    pub message: String,
    /// Any further lines of the message (e.g. `R2 offset is outside of the packet`).
    pub details: Vec<String>,
    /// The whole verifier log.
    pub log: String,
}

/// How many log lines `Display` shows.
const TAIL: usize = 12;

impl fmt::Display for VerifierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the verifier rejected program {:?}: {}", self.program, self.message)?;
        for d in &self.details {
            write!(f, "\n  {d}")?;
        }
        match (self.index, &self.insn) {
            (Some(i), Some(insn)) => write!(f, "\n  at instruction {i}: {insn}")?,
            (Some(i), None) => write!(f, "\n  at instruction {i}")?,
            _ => {}
        }
        if let Some(loc) = self.location {
            write!(f, "\n  emitted at {loc}")?;
        }
        let lines: Vec<&str> = self.log.lines().filter(|l| !l.trim().is_empty()).collect();
        if !lines.is_empty() {
            let from = lines.len().saturating_sub(TAIL);
            let what = if from > 0 { "verifier log (last lines)" } else { "verifier log" };
            write!(f, "\n  {what}:")?;
            for l in &lines[from..] {
                write!(f, "\n    {l}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for VerifierError {}
