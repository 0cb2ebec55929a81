//! The verdict of `bpfkit verify`, as text or as one JSON object.
//!
//! Text: `accepted` or `rejected` on the first line, then the details (see
//! the module above). JSON (`-j`, `-p`): one object, so that standard
//! output is one document whatever the verdict:
//!
//! ```text
//! {"file":"counter.s","accepted":true,"verified_insns":10,
//!  "stats":{"insns_processed":10,"insn_limit":1000000,"max_states_per_insn":0,
//!           "total_states":1,"peak_states":1,"mark_read":0,
//!           "verification_time_usec":188,"stack_depth":[8]},
//!  "log":[...],                                        (with --log-level)
//!  "test_run":{"retval":2} or {"error":"..."}}         (with a test run)
//! {"file":"broken.s","accepted":false,"rejected_by":"verifier","line":2,
//!  "source":"r2 = r3","insn_index":1,"insn":"r2 = r3","message":"R3 !read_ok",
//!  "details":[],"log":[...]}
//! {"file":"x.s","accepted":false,"rejected_by":"kernel","message":"loading ..."}
//! ```
//!
//! The exit status is the same in both (`crate::out::status`); in JSON the
//! failure is not reported again as an error object.

use bpfkit::prog::{VerifierError, VerifierStats};

use super::args::Request;
use super::{source_line, text_line};
use crate::json::JsonWriter;
use crate::out::{CliError, Output, status};
use crate::text::escape_controls;

/// Log lines shown after a rejection in text (without `--log-level`).
const LOG_TAIL: usize = 20;

/// What became of the program.
pub enum Verdict {
    /// The verifier accepted it.
    Accepted(Accepted),
    /// The verifier rejected it.
    Rejected(Box<VerifierError>),
    /// The kernel refused it before verifying: the error.
    Refused(String),
}

/// What an accepted program shows.
pub struct Accepted {
    /// The statistics the log ends with.
    pub stats: Option<VerifierStats>,
    /// `verified_insns` of the program info.
    pub verified_insns: u32,
    /// The whole log, when `--log-level` asked for it.
    pub log: Option<String>,
    /// The test run's outcome, when one was asked for.
    pub test_run: Option<Result<RunOutcome, CliError>>,
}

/// What a test run returned.
pub struct RunOutcome {
    /// The program's return value.
    pub retval: u32,
    /// The size of the packet after the run, when it changed.
    pub data_size_out: Option<u32>,
}

/// Prints the verdict as `output` asks, and fails with its exit status.
pub fn print(
    request: &Request,
    source: &str,
    verdict: &Verdict,
    output: Output,
) -> Result<(), CliError> {
    let file = request.file.as_str();
    if output.json {
        let mut w = output.writer();
        json(&mut w, request, source, verdict);
        output.print(&w.finish());
        return match failure_status(verdict) {
            // The object says it all: no error object after it.
            Some(status) => Err(CliError::quiet(status)),
            None => Ok(()),
        };
    }
    match verdict {
        Verdict::Accepted(a) => {
            output.print(&accepted_text(a));
            match &a.test_run {
                Some(Err(e)) => Err(CliError::new(e.message.clone()).with_status(e.status)),
                _ => Ok(()),
            }
        }
        Verdict::Rejected(e) => {
            output.print(&rejected_text(request, source, e));
            Err(CliError::new(format!("{file}: the verifier rejected the program"))
                .with_status(status::REJECTED))
        }
        Verdict::Refused(e) => {
            output.print(&format!(
                "rejected\nerror: {}\n  (the kernel refused the program before verifying it: \
                 check --type, --attach-type and --flag)\n",
                escape_controls(e)
            ));
            Err(CliError::new(format!("{file}: the kernel refused the program"))
                .with_status(status::REJECTED))
        }
    }
}

/// The exit status of a verdict that is a failure.
fn failure_status(verdict: &Verdict) -> Option<u8> {
    match verdict {
        Verdict::Accepted(Accepted { test_run: Some(Err(e)), .. }) => Some(e.status),
        Verdict::Accepted(_) => None,
        Verdict::Rejected(_) | Verdict::Refused(_) => Some(status::REJECTED),
    }
}

/// `accepted`, the statistics, `verified_insns`, the log if asked for, and
/// the test run's `retval`.
fn accepted_text(a: &Accepted) -> String {
    let mut out = String::from("accepted\n");
    if let Some(stats) = &a.stats {
        out.push_str(&format!("{stats}\n"));
    }
    out.push_str(&format!("verified_insns {}\n", a.verified_insns));
    if let Some(log) = &a.log {
        out.push_str("verifier log:\n");
        for line in log.lines() {
            out.push_str(&format!("  {line}\n"));
        }
    }
    if let Some(Ok(run)) = &a.test_run {
        out.push_str(&format!("retval {}\n", run.retval));
        if let Some(size) = run.data_size_out {
            out.push_str(&format!("data_size_out {size}\n"));
        }
    }
    out
}

/// `rejected`, where (source line and instruction), why, and the log's end.
/// The file's name and line are the user's: their control characters are
/// escaped.
fn rejected_text(request: &Request, source: &str, e: &VerifierError) -> String {
    let mut out = String::from("rejected\n");
    if let Some(line) = text_line(e.location) {
        let text = source_line(source, line).unwrap_or_default();
        let file = escape_controls(request.file.as_str());
        out.push_str(&format!("{file}:{line}: {}\n", escape_controls(text)));
    }
    match (e.index, &e.insn) {
        (Some(i), Some(insn)) => out.push_str(&format!("instruction {i}: {insn}\n")),
        (Some(i), None) => out.push_str(&format!("instruction {i}\n")),
        _ => {}
    }
    out.push_str(&format!("error: {}\n", e.message));
    for d in &e.details {
        out.push_str(&format!("  {d}\n"));
    }
    let lines = log_lines(&e.log);
    let from = if request.log_level.is_some() { 0 } else { lines.len().saturating_sub(LOG_TAIL) };
    if from > 0 {
        out.push_str(&format!("verifier log (last {} of {} lines):\n", LOG_TAIL, lines.len()));
    } else if !lines.is_empty() {
        out.push_str("verifier log:\n");
    }
    for l in &lines[from..] {
        out.push_str(&format!("  {l}\n"));
    }
    out
}

/// The log's lines that say something.
fn log_lines(log: &str) -> Vec<&str> {
    log.lines().filter(|l| !l.trim().is_empty()).collect()
}

/// The verdict as one JSON object (the module's shapes).
fn json(w: &mut JsonWriter, request: &Request, source: &str, verdict: &Verdict) {
    w.start_object().string_field("file", request.file.as_str());
    match verdict {
        Verdict::Accepted(a) => {
            w.bool_field("accepted", true).raw_field("verified_insns", a.verified_insns);
            if let Some(stats) = &a.stats {
                w.name("stats");
                stats_json(w, stats);
            }
            if let Some(log) = &a.log {
                w.name("log");
                lines_json(w, &log_lines(log));
            }
            match &a.test_run {
                Some(Ok(run)) => {
                    w.name("test_run").start_object().raw_field("retval", run.retval);
                    if let Some(size) = run.data_size_out {
                        w.raw_field("data_size_out", size);
                    }
                    w.end_object();
                }
                Some(Err(e)) => {
                    let message = escape_controls(&e.message);
                    w.name("test_run").start_object().string_field("error", &message).end_object();
                }
                None => {}
            }
        }
        Verdict::Rejected(e) => {
            w.bool_field("accepted", false).string_field("rejected_by", "verifier");
            if let Some(line) = text_line(e.location) {
                w.raw_field("line", line);
                w.string_field("source", source_line(source, line).unwrap_or_default());
            }
            if let Some(i) = e.index {
                w.raw_field("insn_index", i);
            }
            if let Some(insn) = &e.insn {
                w.string_field("insn", insn);
            }
            w.string_field("message", &e.message);
            w.name("details");
            lines_json(w, &e.details.iter().map(String::as_str).collect::<Vec<_>>());
            w.name("log");
            lines_json(w, &log_lines(&e.log));
        }
        Verdict::Refused(message) => {
            w.bool_field("accepted", false).string_field("rejected_by", "kernel");
            w.string_field("message", message);
        }
    }
    w.end_object();
}

/// The statistics as an object; those the log did not have are left out.
fn stats_json(w: &mut JsonWriter, stats: &VerifierStats) {
    w.start_object()
        .raw_field("insns_processed", stats.insns_processed)
        .raw_field("insn_limit", stats.insn_limit);
    for (key, value) in stats.counters() {
        w.raw_field(key, value);
    }
    if let Some(time) = stats.verification_time {
        w.raw_field("verification_time_usec", time.as_micros());
    }
    if !stats.stack_depth.is_empty() {
        w.name("stack_depth").start_array();
        for depth in &stats.stack_depth {
            w.raw(depth);
        }
        w.end_array();
    }
    w.end_object();
}

fn lines_json(w: &mut JsonWriter, lines: &[&str]) {
    w.start_array();
    for line in lines {
        w.string(line);
    }
    w.end_array();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::{Args, Word};

    fn request(file: &str) -> Request {
        let words = [file, "--type", "xdp"].map(Word::from).to_vec();
        super::super::args::parse_args(&mut Args::new(words)).unwrap()
    }

    fn json_of(verdict: &Verdict, file: &str, source: &str) -> serde_json::Value {
        let mut w = JsonWriter::new(false);
        json(&mut w, &request(file), source, verdict);
        serde_json::from_str(&w.finish()).unwrap()
    }

    #[test]
    fn accepted_json_has_the_statistics_and_the_run() {
        let log = "processed 10 insns (limit 1000000) max_states_per_insn 0 total_states 1 \
                   peak_states 1 mark_read 0\nverification time 188 usec\nstack depth 8+16\n";
        let verdict = Verdict::Accepted(Accepted {
            stats: VerifierStats::parse(log),
            verified_insns: 10,
            log: None,
            test_run: Some(Ok(RunOutcome { retval: 2, data_size_out: None })),
        });
        let v = json_of(&verdict, "a\nb.s", "");
        assert_eq!(v["file"], "a\nb.s");
        assert_eq!(v["accepted"], true);
        assert_eq!(v["stats"]["insns_processed"], 10);
        assert_eq!(v["stats"]["verification_time_usec"], 188);
        assert_eq!(v["stats"]["stack_depth"], serde_json::json!([8, 16]));
        assert_eq!(v["test_run"]["retval"], 2);
        assert!(v.get("log").is_none());
        assert_eq!(failure_status(&verdict), None);
    }

    #[test]
    fn a_failed_run_and_a_refusal_are_still_one_object() {
        let err = CliError::new("test run: no\x1b").with_status(status::SYSTEM);
        let verdict = Verdict::Accepted(Accepted {
            stats: None,
            verified_insns: 2,
            log: Some("one\n\ntwo\n".into()),
            test_run: Some(Err(err)),
        });
        let v = json_of(&verdict, "p.s", "");
        assert_eq!(v["test_run"]["error"], "test run: no\\x1b");
        assert_eq!(v["log"], serde_json::json!(["one", "two"]));
        assert_eq!(failure_status(&verdict), Some(status::SYSTEM));
        let verdict = Verdict::Refused("loading program failed: EINVAL".into());
        let v = json_of(&verdict, "p.s", "");
        assert_eq!(
            (v["accepted"].clone(), v["rejected_by"].clone()),
            (false.into(), "kernel".into())
        );
        assert_eq!(failure_status(&verdict), Some(status::REJECTED));
    }
}
