//! How the CLI reports: plain text or bpftool's JSON, and errors in the
//! shape bpftool gives them.

use std::fmt;
use std::io::Write as _;

use crate::json::JsonWriter;
use crate::text::escape_controls;

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

    /// What a command that succeeds without anything to show prints: in
    /// JSON mode, bpftool's `null`, so that standard output is always one
    /// JSON document; nothing in text mode.
    pub fn nothing(&self) {
        if self.json {
            let mut w = self.writer();
            w.null();
            self.print(&w.finish());
        }
    }

    /// bpftool's `p_info`: a note on standard error in text mode, nothing
    /// under JSON.
    pub fn info(&self, text: &str) {
        if !self.json {
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "{}", escape_controls(text));
        }
    }

    /// Prints `usage` as text, or in JSON mode bpftool's answer to `help`:
    /// `null`.
    pub fn usage(&self, usage: &str) {
        if self.json {
            self.nothing();
        } else {
            self.print(usage);
        }
    }

    /// Reports `err`: a JSON error object on standard output in JSON mode
    /// (bpftool's `{"error": "..."}`), else `Error: ...` on standard error;
    /// nothing for a [`CliError::quiet`] failure. Control characters in the
    /// message (from a file name or an argument) are escaped in both.
    pub fn report(&self, err: &CliError) {
        if err.message.is_empty() {
            return;
        }
        let message = escape_controls(&err.message);
        let earlier = err.earlier.as_deref().map(escape_controls);
        if self.json {
            let mut w = self.writer();
            if err.in_listing {
                w.start_array();
            }
            if let Some(earlier) = &earlier {
                w.start_object().string_field("error", earlier).end_object();
            }
            w.start_object().string_field("error", &message).end_object();
            if err.in_listing {
                w.end_array();
            }
            self.print(&w.finish());
        } else {
            let mut stderr = std::io::stderr().lock();
            if let Some(earlier) = &earlier {
                let _ = writeln!(stderr, "Error: {earlier}");
            }
            let _ = writeln!(stderr, "Error: {message}");
            if err.errno == Some(libc::EPERM) {
                // bpftool leaves the reader to guess; one line more on
                // standard error changes nothing a script reads.
                let _ = writeln!(stderr, "{PRIVILEGE_HINT}");
            }
        }
    }
}

/// Writes the lines of `text` (control characters escaped) to standard
/// error in text mode: the lines libbpf prints before bpftool's own error,
/// and bpfkit's in their place. Under `-j` standard error stays empty (the
/// error object is bpftool's).
pub fn note(output: Output, text: &str) {
    if output.json {
        return;
    }
    let mut stderr = std::io::stderr().lock();
    for line in text.lines() {
        let _ = writeln!(stderr, "{}", escape_controls(line));
    }
}

/// What bpfkit adds, in text mode, to an error of `EPERM` (bpftool's ends
/// with "Operation not permitted").
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
    /// The kernel's errno, when the message is bpftool's `what: strerror`
    /// of it: what the report decides on (never the message's text).
    pub errno: Option<i32>,
    /// An error bpftool reported before this one, on the way to it (its
    /// `btf dump id` reports the failed lookup twice, in two wordings).
    pub earlier: Option<String>,
}

/// The exit statuses, as the README's table lists them.
///
/// bpftool's commands (`prog`, `map`, `link`, `net`) exit as bpftool does:
/// 0, [`FAILURE`] for a usage error or a failure, or a libbpf call's
/// negated errno (`crate::errno::status`). bpfkit's own (`asm`, `disasm`,
/// `verify`) tell the input's fault from the system's:
pub mod status {
    /// `verify`: the program was rejected, by the verifier or before it.
    pub const REJECTED: u8 = 1;
    /// `asm`, `disasm`, `verify`: a usage error, or an input that cannot be
    /// used: a file that cannot be read, is not text, does not assemble,
    /// is not hex; a `--map` or test-run data the kernel refuses as given.
    pub const BAD_INPUT: u8 = 2;
    /// `asm`, `disasm`, `verify`: the system failed, not the input: no
    /// privilege to load, an output file that cannot be written, a test
    /// run or a kernel call failing otherwise.
    pub const SYSTEM: u8 = 3;
    /// bpftool's exit status for every failure (its `return -1`).
    pub const FAILURE: u8 = 255;
}

use status::FAILURE;

impl CliError {
    /// An error with bpftool's exit status.
    pub fn new(message: impl Into<String>) -> CliError {
        CliError {
            message: message.into(),
            status: FAILURE,
            in_listing: false,
            errno: None,
            earlier: None,
        }
    }

    /// A command line that does not parse.
    pub fn usage(message: impl Into<String>) -> CliError {
        CliError::new(message)
    }

    /// A failure that has already said what it had to (bpftool's `map
    /// lookup` prints "Not found" and exits 254): nothing more is reported.
    pub fn quiet(status: u8) -> CliError {
        CliError { message: String::new(), status, in_listing: false, errno: None, earlier: None }
    }

    /// The same error, met while listing every object (see `in_listing`).
    pub fn in_listing(mut self) -> CliError {
        self.in_listing = true;
        self
    }

    /// The same error, reported after `earlier` (see `earlier`).
    pub fn after(mut self, earlier: &CliError) -> CliError {
        self.earlier = Some(earlier.message.clone());
        self
    }

    /// The same error, caused by the kernel's `errno` (see `errno`).
    pub fn with_errno(mut self, errno: i32) -> CliError {
        self.errno = Some(errno);
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
