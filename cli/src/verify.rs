//! `bpfkit verify`: the verifier playground.
//!
//! ```text
//! bpfkit verify FILE.s --type SECTION [--attach-type NAME]
//!     [--map NAME=TYPE:KEY_SIZE:VALUE_SIZE:MAX_ENTRIES[:FLAGS]]... [--flag NAME]...
//!     [--log-level N] [--test-run DATA_HEX | --test-run-zeroed LEN]
//! ```
//!
//! Assembles a text program, creates the maps it names, loads it as the
//! `SEC()` name says libbpf would, and reports the verdict on the first line
//! (`accepted` or `rejected`) so that scripts can read it. Accepted programs
//! show the verifier's statistics: verify asks for them with a log at the
//! stats level on the one load, which the library's plain load path never
//! does. Rejected ones show the failing instruction, the `.s` line it came
//! from, the verifier's message and the end of its log. With `-j` the
//! verdict is one JSON object ([`report`]).
//!
//! Exit status (`crate::out::status`): 0 accepted (and the test run, if
//! asked, ran); 1 rejected; 2 for a usage error, a file that cannot be read
//! or does not assemble, or a map or test-run data the kernel refuses as
//! given; 3 when the system fails otherwise (no privilege to load, a test
//! run that fails for another reason).

mod args;
mod report;

use std::path::Path;

use bpfkit::asm::{AsmError, Assembled, Origin};
use bpfkit::maps::MapSpec;
use bpfkit::prog::{LogLevel, ProgType, Program, ProgramSpec, TestRun};
use bpfkit::{Errno, Error};

use crate::args::Args;
use crate::out::{CliError, Output, status};
use crate::text;
use args::{Request, parse_args};
use report::{Accepted, RunOutcome, Verdict};

/// Runs `bpfkit verify`.
pub fn run(args: &mut Args, output: Output) -> Result<(), CliError> {
    let request = parse_args(args)?;
    let file = request.file.as_str();
    let bytes = std::fs::read(request.file.path())
        .map_err(|e| usage(format!("cannot read {file}: {e}")))?;
    let source = String::from_utf8(bytes).map_err(|e| {
        usage(format!("{file} is not UTF-8 text (at byte {})", e.utf8_error().valid_up_to()))
    })?;
    let mut insns = assemble(file, &source)?;
    bind_maps(&request, &source, &mut insns)?;
    let verdict = match load(&request, &insns) {
        Ok(prog) => Verdict::Accepted(accepted(&request, &prog)?),
        Err(Error::Verifier(e)) => Verdict::Rejected(e),
        // Refused before the verifier ran (an attach type or flag this
        // program type does not take): a verdict too, but not EPERM,
        // which says nothing about the program.
        Err(e @ Error::ProgLoad { errno, .. }) if errno != Errno::EPERM => {
            Verdict::Refused(e.to_string())
        }
        Err(e) => return Err(CliError::from(e).with_status(status::SYSTEM)),
    };
    report::print(&request, &source, &verdict, output)
}

/// A usage error or an input that cannot be used: exit status 2.
fn usage(message: impl Into<String>) -> CliError {
    CliError::usage(message).with_status(status::BAD_INPUT)
}

/// The status of a kernel refusal: the input's fault when the kernel says
/// the request is invalid or unsupported, else the system's.
fn refusal_status(e: &Error) -> u8 {
    let invalid = matches!(e, Error::Unsupported { .. })
        || matches!(
            e.errno(),
            Some(Errno::EINVAL | Errno::E2BIG | Errno::ENOTSUPP | Errno::EOPNOTSUPP)
        );
    if invalid { status::BAD_INPUT } else { status::SYSTEM }
}

/// Assembles the text, reporting `FILE:LINE:COLUMN: message` when it does not.
fn assemble(file: &str, source: &str) -> Result<Assembled, CliError> {
    let builder = bpfkit::asm::parse(source)
        .map_err(|e| usage(format!("{file}:{}:{}: {}", e.line, e.column, e.message)))?;
    builder.assemble().map_err(|e| match asm_error_origin(&e) {
        Some(Origin::Text { line, column }) => usage(format!("{file}:{line}:{column}: {e}")),
        _ => usage(format!("{file}: {e}")),
    })
}

/// The instruction an assembler error is about.
pub fn asm_error_origin(e: &AsmError) -> Option<Origin> {
    match e {
        AsmError::UnboundLabel { used_at: at, .. }
        | AsmError::LabelBoundTwice { second: at, .. }
        | AsmError::ForeignLabel { at, .. }
        | AsmError::TargetPastEnd { at, .. }
        | AsmError::OffsetOutOfRange { at, .. }
        | AsmError::InvalidInsn { at, .. } => Some(*at),
        _ => None,
    }
}

/// Creates each `--map` and binds it to the program's references by name
/// (the program keeps them open).
fn bind_maps(request: &Request, source: &str, insns: &mut Assembled) -> Result<(), CliError> {
    for m in &request.maps {
        // The kernel keeps 15 bytes of [A-Za-z0-9_.]; longer names still
        // bind by the program's spelling, the map just goes unnamed.
        let kernel_name = if m.name.len() <= 15
            && m.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        {
            m.name.as_str()
        } else {
            ""
        };
        let map = MapSpec::new(m.map_type, m.key_size, m.value_size, m.max_entries)
            .name(kernel_name)
            .flags(m.flags)
            .create()
            .map_err(|e| {
                CliError::new(format!("--map {}: {e}", m.name)).with_status(refusal_status(&e))
            })?;
        if insns.bind_map(&m.name, &map) == 0 {
            return Err(usage(format!(
                "--map {}: the program does not refer to a map of that name",
                m.name
            )));
        }
    }
    if let Some((slot, name)) = insns.named_maps().next() {
        let at = match text_line(insns.location(slot)) {
            Some(line) => format!(
                "{}:{line}: {}",
                request.file,
                source_line(source, line).unwrap_or_default()
            ),
            None => format!("instruction {slot}"),
        };
        // One line: error messages show control characters escaped.
        return Err(usage(format!(
            "no --map gives map '{name}', which the program uses at {at}; add \
             --map {name}=TYPE:KEY_SIZE:VALUE_SIZE:MAX_ENTRIES, e.g. --map {name}=array:4:8:1"
        )));
    }
    Ok(())
}

/// The program name the kernel shows: the file's stem, cut to what it keeps.
pub fn program_name(file: &Path) -> String {
    let stem = file.file_stem().map(text::os).unwrap_or_default();
    stem.chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '.' { c } else { '_' })
        .take(15)
        .collect()
}

/// Loads once, with a log at the stats level (plus `--log-level`) kept on success.
fn load(request: &Request, insns: &Assembled) -> bpfkit::Result<Program> {
    let name = program_name(request.file.path());
    let mut spec = ProgramSpec::new(request.section.prog_type(), insns)
        .name(&name)
        .flags(request.section.prog_flags() | request.flags)
        .log_on_success(LogLevel::STATS | request.log_level.unwrap_or(LogLevel::empty()));
    if let Some(attach) = request.attach_type.or(request.section.expected_attach_type()) {
        spec = spec.expected_attach_type(attach);
    }
    spec.load()
}

/// What an accepted program shows: statistics, `verified_insns`, the log if
/// asked for, and the test run's outcome.
fn accepted(request: &Request, prog: &Program) -> Result<Accepted, CliError> {
    let info = prog.info().map_err(|e| CliError::from(e).with_status(status::SYSTEM))?;
    Ok(Accepted {
        stats: prog.verifier_stats(),
        verified_insns: info.verified_insns,
        log: request.log_level.map(|_| prog.verifier_log().unwrap_or_default().to_owned()),
        test_run: request.test_run.as_deref().map(|data| test_run(prog, data)),
    })
}

/// The `.s` line an instruction came from.
pub fn text_line(origin: Option<Origin>) -> Option<u32> {
    match origin? {
        Origin::Text { line, .. } => Some(line),
        Origin::Rust(_) => None,
    }
}

/// Line `line` (1-based) of `source`, trimmed.
pub fn source_line(source: &str, line: u32) -> Option<&str> {
    source.lines().nth((line as usize).checked_sub(1)?).map(str::trim)
}

/// Runs the program once on `data`.
///
/// Program types that take only a context (`syscall`, `raw_tracepoint`)
/// get the bytes as their context; the others as the packet.
fn test_run(prog: &Program, data: &[u8]) -> Result<RunOutcome, CliError> {
    let ctx_only = matches!(
        prog.prog_type(),
        ProgType::SYSCALL | ProgType::RAW_TRACEPOINT | ProgType::RAW_TRACEPOINT_WRITABLE
    );
    let run = if ctx_only { TestRun::without_data().ctx_in(data) } else { TestRun::new(data) };
    let result = prog
        .test_run(run)
        .map_err(|e| CliError::new(format!("test run: {e}")).with_status(refusal_status(&e)))?;
    Ok(RunOutcome {
        retval: result.retval,
        data_size_out: (!ctx_only && result.data_size_out as usize != data.len())
            .then_some(result.data_size_out),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_lines() {
        assert_eq!(program_name(Path::new("examples/counter.s")), "counter");
        assert_eq!(program_name(Path::new("/tmp/a-very-long-file-name.s")), "a_very_long_fil");
        assert_eq!(source_line("a\n  b  \nc", 2), Some("b"));
        assert_eq!(source_line("a", 0), None);
        assert_eq!(source_line("a", 2), None);
    }

    #[test]
    fn refusals_are_the_inputs_fault_only_when_invalid() {
        let load = |errno| Error::ProgLoad { name: String::new(), errno };
        assert_eq!(refusal_status(&load(Errno::EINVAL)), status::BAD_INPUT);
        assert_eq!(refusal_status(&load(Errno::ENOTSUPP)), status::BAD_INPUT);
        assert_eq!(refusal_status(&load(Errno::EPERM)), status::SYSTEM);
        assert_eq!(refusal_status(&load(Errno::ENOMEM)), status::SYSTEM);
    }
}
