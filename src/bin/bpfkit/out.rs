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
    /// `-f`/`--bpffs`: list the paths objects are pinned at, as bpftool
    /// does only when asked.
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
    /// (bpftool's `{"error": "..."}`), else `Error: ...` on standard error;
    /// nothing for a [`CliError::quiet`] failure.
    pub fn report(&self, err: &CliError) {
        if err.message.is_empty() {
            return;
        }
        if self.json {
            let mut w = self.writer();
            if err.in_listing {
                w.start_array();
            }
            w.start_object().string_field("error", &err.message).end_object();
            if err.in_listing {
                w.end_array();
            }
            self.print(&w.finish());
        } else {
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "Error: {}", err.message);
            if err.message.ends_with(&crate::errno::strerror(libc::EPERM)) {
                // bpftool leaves the reader to guess; one line more on
                // standard error changes nothing a script reads.
                let _ = writeln!(stderr, "{PRIVILEGE_HINT}");
            }
        }
    }
}

/// What bpfkit adds, in text mode, to an error bpftool ends with
/// "Operation not permitted".
pub const PRIVILEGE_HINT: &str =
    "Hint: looking up bpf objects needs CAP_SYS_ADMIN (loading needs CAP_BPF): run bpfkit as root";

/// A failed command: what to tell the user, and the exit status.
#[derive(Debug)]
pub struct CliError {
    /// The message, without the `Error: ` prefix.
    pub message: String,
    /// The process exit status.
    pub status: u8,
    /// Whether the error ends a listing that bpftool had begun as a JSON
    /// array: its error object is then the array's element.
    pub in_listing: bool,
}

/// bpftool's exit status for every failure (its `return -1`).
pub const FAILURE: u8 = 255;

impl CliError {
    /// An error with bpftool's exit status.
    pub fn new(message: impl Into<String>) -> CliError {
        CliError { message: message.into(), status: FAILURE, in_listing: false }
    }

    /// A command line that does not parse.
    pub fn usage(message: impl Into<String>) -> CliError {
        CliError::new(message)
    }

    /// A failure that has already said what it had to (bpftool's `map
    /// lookup` prints "Not found" and exits 254): nothing more is reported.
    pub fn quiet(status: u8) -> CliError {
        CliError { message: String::new(), status, in_listing: false }
    }

    /// The same error, met while listing every object (see `in_listing`).
    pub fn in_listing(mut self) -> CliError {
        self.in_listing = true;
        self
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
