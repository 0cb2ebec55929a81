//! `bpfkit`: a bpftool-like inspector, a text assembler and disassembler in
//! LLVM's BPF syntax, and a verifier playground, in one static binary.
//!
//! ```text
//! bpfkit [-j|--json] [-p|--pretty] [-f|--bpffs] COMMAND ...
//! ```
//!
//! The global flags may also come after the command, as bpftool allows.

mod args;
mod asm;
mod attach_btf_name;
mod btf;
mod btf_dump;
mod caps;
mod cgroup;
mod clock;
mod disasm;
mod errno;
mod every;
mod feature;
mod feature_system;
mod gunzip;
mod json;
mod kallsyms;
mod link;
mod map;
mod names;
mod net;
mod out;
mod perf;
mod pinning;
mod pins;
mod prog;
mod select;
mod stop;
mod strtoul;
mod text;
mod verify;
mod xlated;
mod xlated_btf;

use std::process::ExitCode;

use std::ffi::OsString;

use args::{Args, Word, pick};
use out::{CliError, Output};

const USAGE: &str = "\
Usage: bpfkit [-j|--json] [-p|--pretty] [-f|--bpffs] COMMAND ...

Commands (PROG, MAP, LINK: id N, or just N; also pinned PATH, name NAME,
and for programs tag TAG):
  help, -h, --help        this text
  net { show | list } [dev IFNAME]
                          XDP, tc and flow dissector attachments (bpftool net show)
  net attach { xdp | xdpgeneric | xdpdrv | tcx_ingress | tcx_egress } PROG
             dev IFNAME [overwrite]
  net detach ATTACH_TYPE dev IFNAME
                          attach or detach a program at an interface
  cgroup { show | list } CGROUP [effective] | tree [ROOT] [effective]
                          the programs on cgroups (bpftool cgroup show/tree)
  cgroup { attach | detach } CGROUP ATTACH_TYPE PROG [multi|override]
                          attach or detach a cgroup program (BPF_PROG_ATTACH)
  perf [{ show | list }]  programs on tracepoints and probes through the perf
                          event fds processes hold (bpftool perf show)
  version, -V, --version  the version of bpfkit
  prog { show | list } [PROG]
                          loaded programs, as bpftool prints them
  prog dump [xlated] PROG a program's translated instructions, disassembled
  prog { load | pin | run | attach | detach } ...
                          load a .s file and pin it, pin, test-run, attach
                          (see 'bpfkit prog help')
  map { show | list | dump | lookup | getnext | update | delete | pin | create } ...
                          maps, as bpftool's 'map' (see 'bpfkit map help')
  map event_pipe MAP [cpu N index M]
                          print a perf event array's samples until Ctrl-C
  link { show | list } [LINK]
                          links, as bpftool prints them
  link detach LINK        detach a link's program (BPF_LINK_DETACH)
  btf { show | list } [id BTF_ID]
                          BTF objects, as bpftool prints them
  btf dump file FILE [format raw]
                          a BTF file's types, as bpftool's raw dump prints them
  feature probe [kernel] [full] [unprivileged]
                          what the running kernel supports (bpftool feature probe)
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
/// `v` is `version`); our own commands come after its. `batch` is
/// bpftool's and not bpfkit's: it stays in the list so that `b` is no
/// abbreviation of `btf` here either (it is an unknown command).
const COMMANDS: &[&str] = &[
    "help", "batch", "prog", "map", "link", "cgroup", "perf", "net", "feature", "btf", "version",
    "asm", "disasm", "verify",
];

fn main() -> ExitCode {
    // Arguments are bytes (a pin path may be no UTF-8): `args_os`, never
    // `args`, which aborts on them.
    let (output, words) = split_flags(std::env::args_os().skip(1));
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
fn split_flags(argv: impl Iterator<Item = OsString>) -> (Output, Vec<Word>) {
    let mut output = Output::default();
    let mut words = Vec::new();
    let mut literal = false;
    for raw in argv {
        let word = Word::new(raw);
        // A word that is not UTF-8 is no flag; its text (with `\xNN`)
        // matches none.
        match word.as_str() {
            _ if literal || !word.is_text() => words.push(word),
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
        if !output.json {
            output.print(USAGE);
        }
        return Err(CliError::usage("no command given (see 'bpfkit help')"));
    };
    // The options every command-line tool answers (bpftool too).
    let command = match word.as_str() {
        "-h" | "--help" => "help",
        "-V" | "--version" => "version",
        other => other,
    };
    match pick(command, COMMANDS) {
        Some("help") => {
            output.usage(USAGE);
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
        Some("cgroup") => cgroup::run(args, output),
        Some("perf") => perf::run(args, output),
        Some("btf") => btf::run(args, output),
        Some("feature") => feature::run(args, output),
        Some("asm") => asm::run(args, output),
        Some("disasm") => disasm::run(args, output),
        Some("verify") => verify::run(args, output),
        _ => Err(CliError::usage(format!("unknown command '{word}' (see 'bpfkit help')"))),
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;

    use super::split_flags;

    #[test]
    fn global_flags_are_taken_from_anywhere() {
        let split = |argv: &[&str]| {
            let (output, words) = split_flags(argv.iter().map(OsString::from));
            (output, words.iter().map(|w| w.as_str().to_owned()).collect::<Vec<_>>())
        };
        let (output, words) = split(&["prog", "-j", "show", "--pretty", "id", "3"]);
        assert!(output.json && output.pretty);
        assert_eq!(words, ["prog", "show", "id", "3"]);
        let (output, words) = split(&["map", "-fj", "show"]);
        assert!(output.json && output.bpffs && !output.pretty);
        assert_eq!(words, ["map", "show"]);
        let (output, words) = split(&["-jf", "link", "list"]);
        assert!(output.json && output.bpffs && !output.pretty);
        assert_eq!(words, ["link", "list"]);
        let (output, words) = split(&["asm", "--", "-j"]);
        assert!(!output.json);
        assert_eq!(words, ["asm", "-j"]);
    }

    #[test]
    fn words_that_are_not_utf8_are_kept_as_bytes() {
        use std::os::unix::ffi::OsStringExt as _;
        // `-j` then the bytes `-`, `j`, 0xff: a word, not flags.
        let argv = [OsString::from("-j"), OsString::from_vec(vec![b'-', b'j', 0xff])];
        let (output, words) = split_flags(argv.into_iter());
        assert!(output.json);
        assert_eq!(words.len(), 1);
        assert_eq!(words[0].as_str(), "-j\\xff");
        assert_eq!(words[0].path().as_os_str().len(), 3);
    }
}
