//! `bpfkit`: a bpftool-like inspector, a text assembler and disassembler in
//! LLVM's BPF syntax, and a verifier playground, in one static binary.
//!
//! ```text
//! bpfkit [-j|--json] [-p|--pretty] [-f|--bpffs] COMMAND ...
//! ```
//!
//! The global flags may also come after the command, as bpftool allows.

// Until every command is in, some shared pieces are unused.

mod args;
mod asm;
mod disasm;
mod errno;
mod every;
mod json;
mod kallsyms;
mod link;
mod map;
mod names;
mod net;
mod out;
mod pins;
mod prog;
mod select;
mod strtoul;
mod verify;
mod xlated;

use std::process::ExitCode;

use args::{Args, pick};
use out::{CliError, Output};

const USAGE: &str = "\
Usage: bpfkit [-j|--json] [-p|--pretty] [-f|--bpffs] COMMAND ...

Commands (PROG, MAP, LINK: id N, or just N; also pinned PATH, name NAME,
and for programs tag TAG):
  help, -h, --help        this text
  net { show | list } [dev IFNAME]
                          XDP, tc and flow dissector attachments (bpftool net show)
  version, -V, --version  the version of bpfkit
  prog { show | list } [PROG]
                          loaded programs, as bpftool prints them
  prog dump [xlated] PROG a program's translated instructions, disassembled
  map { show | list | dump | lookup | getnext | update | delete } ...
                          maps, as bpftool's 'map' (see 'bpfkit map help')
  link { show | list } [LINK]
                          links, as bpftool prints them
  asm [FILE|-] [--raw OUT]
                          assemble LLVM BPF text; print each slot as hex
  disasm [FILE|-] [--raw] print hex slots (or raw bytes) as LLVM BPF text
  verify FILE.s --type SECTION [--attach-type NAME]
         [--map NAME=TYPE:KEY_SIZE:VALUE_SIZE:MAX_ENTRIES[:FLAGS]]... [--flag NAME]...
         [--log-level N] [--test-run DATA_HEX | --test-run-zeroed LEN]
                          load a text program; print 'accepted' or 'rejected',
                          then the verifier's statistics or its reasons
";

/// The commands, in the order that abbreviations are matched: bpftool's
/// order, so that its abbreviations mean the same here (`p` is `prog`,
/// `v` is `version`); our own commands come after its.
const COMMANDS: &[&str] =
    &["help", "prog", "map", "link", "net", "version", "asm", "disasm", "verify"];

fn main() -> ExitCode {
    let (output, words) = split_flags(std::env::args().skip(1));
    let mut args = Args::new(words);
    match run(&mut args, output) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            output.report(&err);
            ExitCode::from(err.status)
        }
    }
}

/// Takes the global flags out of the command line, wherever they are;
/// everything after `--` is left as it is.
fn split_flags(argv: impl Iterator<Item = String>) -> (Output, Vec<String>) {
    let mut output = Output::default();
    let mut words = Vec::new();
    let mut literal = false;
    for word in argv {
        match word.as_str() {
            _ if literal => words.push(word),
            "--" => literal = true,
            "--json" => output.json = true,
            "--pretty" => {
                output.json = true;
                output.pretty = true;
            }
            "--bpffs" => output.bpffs = true,
            // Short flags, alone or together as getopt takes them (`-jpf`).
            short if is_short_flags(short) => {
                for flag in short.chars().skip(1) {
                    match flag {
                        'j' => output.json = true,
                        'p' => {
                            output.json = true;
                            output.pretty = true;
                        }
                        _ => output.bpffs = true,
                    }
                }
            }
            _ => words.push(word),
        }
    }
    (output, words)
}

/// Whether `word` is one or more of the short global flags: `-j`, `-p`,
/// `-f`, `-jp`, `-pjf`, ...
fn is_short_flags(word: &str) -> bool {
    word.len() > 1
        && word.starts_with('-')
        && word.chars().skip(1).all(|c| matches!(c, 'j' | 'p' | 'f'))
}

fn run(args: &mut Args, output: Output) -> Result<(), CliError> {
    let Some(word) = args.next() else {
        output.print(USAGE);
        return Err(CliError::usage("no command given"));
    };
    // The options every command-line tool answers (bpftool too).
    let word = match word.as_str() {
        "-h" | "--help" => "help".to_owned(),
        "-V" | "--version" => "version".to_owned(),
        _ => word,
    };
    match pick(&word, COMMANDS) {
        Some("help") => {
            output.print(USAGE);
            Ok(())
        }
        Some("net") => net::run(args, output),
        Some("version") => {
            if output.json {
                let mut w = output.writer();
                w.start_object().string_field("version", env!("CARGO_PKG_VERSION")).end_object();
                output.print(&w.finish());
            } else {
                output.print(&format!("bpfkit v{}\n", env!("CARGO_PKG_VERSION")));
            }
            Ok(())
        }
        Some("map") => map::run(args, output),
        Some("prog") => prog::run(args, output),
        Some("link") => link::run(args, output),
        Some("asm") => asm::run(args, output),
        Some("disasm") => disasm::run(args, output),
        Some("verify") => verify::run(args, output),
        _ => Err(CliError::usage(format!("unknown command '{word}' (see 'bpfkit help')"))),
    }
}

#[cfg(test)]
mod tests {
    use super::split_flags;

    #[test]
    fn global_flags_are_taken_from_anywhere() {
        let argv = ["prog", "-j", "show", "--pretty", "id", "3"].map(String::from);
        let (output, words) = split_flags(argv.into_iter());
        assert!(output.json && output.pretty);
        assert_eq!(words, ["prog", "show", "id", "3"]);
        let argv = ["map", "-fj", "show"].map(String::from);
        let (output, words) = split_flags(argv.into_iter());
        assert!(output.json && output.bpffs && !output.pretty);
        assert_eq!(words, ["map", "show"]);
        let argv = ["-jf", "link", "list"].map(String::from);
        let (output, words) = split_flags(argv.into_iter());
        assert!(output.json && output.bpffs && !output.pretty);
        assert_eq!(words, ["link", "list"]);
        let argv = ["asm", "--", "-j"].map(String::from);
        let (output, words) = split_flags(argv.into_iter());
        assert!(!output.json);
        assert_eq!(words, ["asm", "-j"]);
    }
}
