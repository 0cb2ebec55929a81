//! `bpfkit asm [FILE|-] [--raw OUT]`: assembles LLVM BPF text.
//!
//! Prints each 8-byte instruction slot as 16 lowercase hex digits, its
//! bytes in memory order (as `llvm-mc -show-encoding` lists them), one slot
//! per line, so an `LD_IMM64` takes two lines; `--raw OUT` writes the bytes
//! to OUT instead. Maps named in the text (`r1 = NAME ll`) stay fd 0.
//! A text that does not parse is reported as `FILE:LINE:COLUMN: message`,
//! with exit status 2.

use std::fmt::Write as _;

use bpfkit::asm::{RawInsn, parse};

use crate::args::Args;
use crate::out::{CliError, Output};

/// Exit status for input that does not assemble and for usage errors.
pub const BAD_INPUT: u8 = 2;

/// Where the input comes from: a file, or standard input.
pub struct Input {
    /// The path, or `None` for standard input.
    pub path: Option<String>,
}

impl Input {
    /// The name to report positions with: the path, or `<stdin>` as llvm-mc says.
    pub fn name(&self) -> &str {
        self.path.as_deref().unwrap_or("<stdin>")
    }

    /// All the input's bytes.
    pub fn read(&self) -> Result<Vec<u8>, CliError> {
        use std::io::Read as _;
        match &self.path {
            Some(path) => {
                std::fs::read(path).map_err(|e| CliError::new(format!("cannot read {path}: {e}")))
            }
            None => {
                let mut bytes = Vec::new();
                std::io::stdin()
                    .read_to_end(&mut bytes)
                    .map_err(|e| CliError::new(format!("cannot read standard input: {e}")))?;
                Ok(bytes)
            }
        }
    }

    /// The input as text.
    pub fn read_text(&self) -> Result<String, CliError> {
        String::from_utf8(self.read()?).map_err(|e| {
            let at = e.utf8_error().valid_up_to();
            usage(format!("{} is not UTF-8 text (at byte {at})", self.name()))
        })
    }
}

/// A usage or input error: exit status 2.
pub fn usage(message: impl Into<String>) -> CliError {
    CliError::usage(message).with_status(BAD_INPUT)
}

/// The command line of `asm` and `disasm`: an optional input (`-` is
/// standard input) and `--raw` with or without a value.
pub struct Command {
    pub input: Input,
    /// `--raw`, and the word after it when `takes_value`.
    pub raw: Option<Option<String>>,
}

impl Command {
    /// Reads the words left; `--raw` takes a value when `raw_takes_value`.
    pub fn parse(args: &mut Args, raw_takes_value: bool) -> Result<Command, CliError> {
        let mut path = None;
        let mut raw = None;
        while let Some(word) = args.next() {
            match word.as_str() {
                "--raw" if raw.is_none() => {
                    let value = if raw_takes_value {
                        Some(args.next().ok_or_else(|| usage("--raw needs a file to write"))?)
                    } else {
                        None
                    };
                    raw = Some(value);
                }
                _ if path.is_none() && (word == "-" || !word.starts_with('-')) => {
                    path = Some(word);
                }
                _ => return Err(usage(format!("unexpected argument '{word}'"))),
            }
        }
        let path = path.filter(|p| p != "-");
        Ok(Command { input: Input { path }, raw })
    }
}

/// The 16 hex digits of a slot's bytes in memory order.
pub fn hex(slot: RawInsn) -> String {
    slot.to_bytes().iter().fold(String::with_capacity(16), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Runs `bpfkit asm`.
pub fn run(args: &mut Args, output: Output) -> Result<(), CliError> {
    let command = Command::parse(args, true)?;
    let source = command.input.read_text()?;
    let name = command.input.name();
    let builder = parse(&source)
        .map_err(|e| usage(format!("{name}:{}:{}: {}", e.line, e.column, e.message)))?;
    let prog = builder.assemble().map_err(|e| usage(format!("{name}: {e}")))?;
    match command.raw {
        Some(Some(out)) => std::fs::write(&out, prog.as_bytes())
            .map_err(|e| CliError::new(format!("cannot write {out}: {e}"))),
        _ => {
            let mut text = String::with_capacity(17 * prog.len());
            for &slot in prog.insns() {
                text.push_str(&hex(slot));
                text.push('\n');
            }
            output.print(&text);
            Ok(())
        }
    }
}
