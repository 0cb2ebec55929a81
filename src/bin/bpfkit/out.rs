//! How the CLI reports: plain text or bpftool's JSON, and errors in the
//! shape bpftool gives them.

use std::fmt;
use std::io::Write as _;

use crate::json::JsonWriter;

/// The global output flags: `-j`/`--json` and `-p`/`--pretty` (which
/// implies JSON, as in bpftool).
#[derive(Clone, Copy, Debug, Default)]
pub struct Output {
    /// JSON instead of text.
    pub json: bool,
    /// JSON laid out for people.
    pub pretty: bool,
    /// `-f`/`--bpffs`: list the paths objects are pinned at, as bpftool does.
    pub bpffs: bool,
}

impl Output {
    /// A JSON writer in this output's layout.
    pub fn writer(&self) -> JsonWriter {
        JsonWriter::new(self.pretty)
    }

    /// Writes `text` to standard output. A closed pipe (`| head`) is not
    /// an error worth reporting.
    pub fn print(&self, text: &str) {
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush());
    }

    /// Reports `err`: a JSON error object on standard output in JSON mode
    /// (bpftool's `{"error": "..."}`), else `Error: ...` on standard error.
    pub fn report(&self, err: &CliError) {
        if self.json {
            let mut w = self.writer();
            w.start_object().string_field("error", &err.message).end_object();
            self.print(&w.finish());
        } else {
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "Error: {}", err.message);
        }
    }
}

/// A failed command: what to tell the user, and the exit status.
#[derive(Debug)]
pub struct CliError {
    /// The message, without the `Error: ` prefix.
    pub message: String,
    /// The process exit status.
    pub status: u8,
}

/// bpftool's exit status for every failure (its `return -1`).
pub const FAILURE: u8 = 255;

impl CliError {
    /// An error with bpftool's exit status.
    pub fn new(message: impl Into<String>) -> CliError {
        CliError { message: message.into(), status: FAILURE }
    }

    /// A command line that does not parse.
    pub fn usage(message: impl Into<String>) -> CliError {
        CliError::new(message)
    }

    /// The same error with another exit status.
    pub fn with_status(mut self, status: u8) -> CliError {
        self.status = status;
        self
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<bpfkit::Error> for CliError {
    fn from(e: bpfkit::Error) -> CliError {
        CliError::new(e.to_string())
    }
}
