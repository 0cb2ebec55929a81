//! `bpfkit asm [FILE|-] [--raw OUT]`: assembles LLVM BPF text.
//!
//! Prints each 8-byte instruction slot as 16 lowercase hex digits, its
//! bytes in memory order (as `llvm-mc -show-encoding` lists them), one slot
//! per line, so an `LD_IMM64` takes two lines; `--raw OUT` writes the bytes
//! to OUT instead. Maps named in the text (`r1 = NAME ll`) stay fd 0.
//! A text that does not parse is reported as `FILE:LINE:COLUMN: message`,
//! with exit status 2. With `-j` the slots are a JSON array of those hex
//! strings (`["b700000002000000","9500000000000000"]`), and `--raw OUT`
//! prints `null`.

use std::fmt::Write as _;
use std::path::PathBuf;

use bpfkit::asm::{RawInsn, parse};

use crate::args::Args;
use crate::out::{CliError, Output, status};
use crate::text;

/// Where the input comes from: a file, or standard input.
pub struct Input {
    /// The path, or `None` for standard input.
    pub path: Option<PathBuf>,
}

impl Input {
    /// The name to report positions with: the path, or `<stdin>` as llvm-mc says.
    pub fn name(&self) -> String {
        self.path.as_ref().map_or_else(|| "<stdin>".to_owned(), text::os)
    }

    /// All the input's bytes; an input that cannot be read is a bad input.
    pub fn read(&self) -> Result<Vec<u8>, CliError> {
        use std::io::Read as _;
        match &self.path {
            Some(path) => std::fs::read(path)
                .map_err(|e| bad_input(format!("cannot read {}: {e}", self.name()))),
            None => {
                let mut bytes = Vec::new();
                std::io::stdin()
                    .read_to_end(&mut bytes)
                    .map_err(|e| bad_input(format!("cannot read standard input: {e}")))?;
                Ok(bytes)
            }
        }
    }

    /// The input as text.
    pub fn read_text(&self) -> Result<String, CliError> {
        String::from_utf8(self.read()?).map_err(|e| {
            let at = e.utf8_error().valid_up_to();
            bad_input(format!("{} is not UTF-8 text (at byte {at})", self.name()))
        })
    }
}

/// A usage error or an input that cannot be used: exit status 2.
pub fn bad_input(message: impl Into<String>) -> CliError {
    CliError::usage(message).with_status(status::BAD_INPUT)
}

/// The command line of `asm` and `disasm`: an optional input (`-` is
/// standard input) and `--raw` with or without a value.
pub struct Command {
    pub input: Input,
    /// `--raw`, and the file after it when `takes_value`.
    pub raw: Option<Option<PathBuf>>,
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
                        let out =
                            args.next().ok_or_else(|| bad_input("--raw needs a file to write"))?;
                        Some(out.path().to_owned())
                    } else {
                        None
                    };
                    raw = Some(value);
                }
                "-" if path.is_none() => path = Some(None),
                w if path.is_none() && !w.starts_with('-') => {
                    path = Some(Some(word.path().to_owned()));
                }
                _ => return Err(bad_input(format!("unexpected argument '{word}'"))),
            }
        }
        Ok(Command { input: Input { path: path.flatten() }, raw })
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
        .map_err(|e| bad_input(format!("{name}:{}:{}: {}", e.line, e.column, e.message)))?;
    let prog = builder.assemble().map_err(|e| bad_input(format!("{name}: {e}")))?;
    if let Some(Some(out)) = command.raw {
        std::fs::write(&out, prog.as_bytes()).map_err(|e| {
            CliError::new(format!("cannot write {}: {e}", text::os(&out)))
                .with_status(status::SYSTEM)
        })?;
        output.nothing();
    } else if output.json {
        // An array of the slots, each as the text prints it.
        let mut w = output.writer();
        w.start_array();
        for &slot in prog.insns() {
            w.string(&hex(slot));
        }
        w.end_array();
        output.print(&w.finish());
    } else {
        let mut text = String::with_capacity(17 * prog.len());
        for &slot in prog.insns() {
            text.push_str(&hex(slot));
            text.push('\n');
        }
        output.print(&text);
    }
    Ok(())
}
