//! `bpfkit feature probe [kernel] [full] [unprivileged]`: what the running
//! kernel supports, in bpftool 7.1's sections, lines and JSON.
//!
//! The answers are the library's (`bpfkit::probe`); this file lists what
//! bpftool 7.1 lists (program types up to `syscall`, map types up to
//! `user_ringbuf`, helpers up to `bpf_user_ringbuf_drain`, without the
//! three that write to the kernel log unless `full` is given) and prints it
//! as bpftool does. One deliberate difference: a helper a program type may
//! not call is left out of the type's list. bpftool 7.1 (libbpf 1.1) looks
//! for the verifier's old wording of that refusal, `unknown func`; kernels
//! since 6.13 or so say `program of this type cannot use helper`, and
//! bpftool 7.1 then lists every helper for every program type.

use bpfkit::Error;
use bpfkit::asm::Helper;
use bpfkit::maps::MapType;
use bpfkit::probe::{self, InsnFeature};
use bpfkit::prog::ProgType;

use crate::args::{Args, is_prefix, pick};
use crate::caps;
use crate::feature_system::{KernelConfig, Sysctls};
use crate::out::{CliError, Output};

const USAGE: &str = "\
Usage: bpfkit feature probe [kernel] [full] [unprivileged]
       bpfkit feature help
";

/// The subcommands, in bpftool's order of abbreviation.
const COMMANDS: &[&str] = &["probe", "help"];

/// The last program type bpftool 7.1 knows.
const LAST_PROG_TYPE: ProgType = ProgType::SYSCALL;
/// The last map type bpftool 7.1 knows.
const LAST_MAP_TYPE: MapType = MapType::USER_RINGBUF;
/// The last helper bpftool 7.1 knows.
const LAST_HELPER: Helper = Helper::UserRingbufDrain;

/// Runs `bpfkit feature ...`.
pub fn run(args: &mut Args, output: Output) -> Result<(), CliError> {
    // With no subcommand, bpftool runs its first one: `probe`.
    let Some(word) = args.next() else {
        return probe(args, output);
    };
    match pick(&word, COMMANDS) {
        Some("probe") => probe(args, output),
        Some("help") => {
            output.usage(USAGE);
            Ok(())
        }
        _ => Err(CliError::usage(format!(
            "unknown command 'feature {word}' (see 'bpfkit feature help')"
        ))),
    }
}

fn probe(args: &mut Args, output: Output) -> Result<(), CliError> {
    let mut kernel = false;
    let mut full = false;
    let mut unprivileged = false;
    while let Some(word) = args.next() {
        let w = word.as_str();
        if is_prefix(w, "kernel") {
            if kernel {
                return Err(CliError::new("component to probe already specified"));
            }
            kernel = true;
        } else if is_prefix(w, "dev") {
            return Err(CliError::new(
                "bpfkit does not probe devices (offload): 'dev' is not supported",
            ));
        } else if is_prefix(w, "full") {
            full = true;
        } else if is_prefix(w, "macros") || is_prefix(w, "prefix") {
            return Err(CliError::new("bpfkit does not write C macros: 'macros' is not supported"));
        } else if is_prefix(w, "unprivileged") {
            unprivileged = true;
        } else {
            return Err(CliError::new(format!(
                "expected no more arguments, 'kernel', 'dev', 'macros' or 'prefix', got: '{w}'?"
            )));
        }
    }
    capabilities(unprivileged)?;
    let report = Report::probe(full);
    if output.json {
        output.print(&report.json(output));
    } else {
        // bpftool prints its note as it reads the configuration, before
        // the text it has kept in its buffered standard output.
        if let Some(note) = &report.config.note {
            output.info(note);
        }
        output.print(&report.text());
    }
    Ok(())
}

/// The capabilities bpftool checks, in its order: bit and name.
const CAPS: [(u32, &str); 4] =
    [(21, "CAP_SYS_ADMIN"), (39, "CAP_BPF"), (12, "CAP_NET_ADMIN"), (38, "CAP_PERFMON")];

/// bpftool's check of the capabilities: for a full probe the effective set
/// must hold all of [`CAPS`]; for an `unprivileged` one, those it holds
/// are dropped from it first, so that the probes see what a user without
/// them would.
fn capabilities(unprivileged: bool) -> Result<(), CliError> {
    let failed = |what: &str, e: std::io::Error| CliError::new(format!("{what}: {e}"));
    let effective =
        caps::effective().map_err(|e| failed("failed to get capabilities for process", e))?;
    let held: u64 =
        CAPS.iter().filter(|(bit, _)| effective & (1 << bit) != 0).map(|(b, _)| 1 << b).sum();
    if unprivileged {
        if held != 0 {
            caps::drop_effective(held).map_err(|e| failed("failed to drop capabilities", e))?;
        }
        return Ok(());
    }
    let missing: String = CAPS
        .iter()
        .filter(|(bit, _)| held & (1 << bit) == 0)
        .map(|(_, name)| format!("{name}, "))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(CliError::new(format!(
            "missing {missing}required for full feature probing; run as root or use 'unprivileged'"
        )))
    }
}

/// Whether the probe said yes; a probe that could not answer is a no, as
/// in bpftool.
fn yes(answer: Result<bool, Error>) -> bool {
    matches!(answer, Ok(true))
}

/// A program type's helpers, as bpftool reports them.
enum Helpers {
    /// The helpers the type may call (none: bpftool's "Could not
    /// determine which helpers are available").
    Listed(Vec<&'static str>),
    /// The kernel lacks the program type.
    TypeNotSupported,
}

/// Everything `feature probe kernel` prints.
struct Report {
    sysctls: Sysctls,
    config: KernelConfig,
    syscall: bool,
    prog_types: Vec<(&'static str, bool)>,
    map_types: Vec<(&'static str, bool)>,
    helpers: Vec<(&'static str, Helpers)>,
    misc: Vec<(&'static str, &'static str, bool)>,
}

impl Report {
    fn probe(full: bool) -> Report {
        let sysctls = Sysctls::read();
        let config = KernelConfig::read(probe::kernel_release());
        let syscall = probe::bpf_syscall();
        let prog_types: Vec<ProgType> = (1..=LAST_PROG_TYPE.0).map(ProgType).collect();
        let named = |t: ProgType| t.name().unwrap_or("unknown");
        let prog_answers: Vec<(&'static str, bool)> =
            prog_types.iter().map(|&t| (named(t), yes(probe::prog_type(t)))).collect();
        let map_types = (1..=LAST_MAP_TYPE.0)
            .map(MapType)
            .map(|t| (t.name().unwrap_or("unknown"), yes(probe::map_type(t))))
            .collect();
        let helper_ids: Vec<Helper> = Helper::all()
            .iter()
            .copied()
            .filter(|h| h.id() <= LAST_HELPER.id())
            .filter(|h| {
                full || !matches!(
                    h,
                    Helper::TracePrintk | Helper::ProbeWriteUser | Helper::TraceVprintk
                )
            })
            .collect();
        let helpers = prog_types
            .iter()
            .zip(&prog_answers)
            .map(|(&t, &(name, supported))| {
                let list = if supported {
                    Helpers::Listed(
                        helper_ids
                            .iter()
                            .filter(|&&h| yes(probe::helper(t, h)))
                            .map(|h| h.name())
                            .collect(),
                    )
                } else {
                    Helpers::TypeNotSupported
                };
                (name, list)
            })
            .collect();
        let misc = [
            ("have_large_insn_limit", "Large program size limit", InsnFeature::LargeProgram),
            ("have_bounded_loops", "Bounded loop support", InsnFeature::BoundedLoops),
            ("have_v2_isa_extension", "ISA extension v2", InsnFeature::IsaV2),
            ("have_v3_isa_extension", "ISA extension v3", InsnFeature::IsaV3),
        ]
        .into_iter()
        .map(|(key, text, what)| (key, text, yes(probe::insns(what))))
        .collect();
        Report { sysctls, config, syscall, prog_types: prog_answers, map_types, helpers, misc }
    }

    fn text(&self) -> String {
        let available = |yes: bool| if yes { "available" } else { "NOT available" };
        let mut out = String::from("Scanning system configuration...\n");
        out += &self.sysctls.text();
        out += &self.config.text();
        out += "\nScanning system call availability...\n";
        out += &format!("bpf() syscall is {}\n\n", available(self.syscall));
        if !self.syscall {
            return out;
        }
        out += "Scanning eBPF program types...\n";
        for (name, yes) in &self.prog_types {
            out += &format!("eBPF program_type {name} is {}\n", available(*yes));
        }
        out += "\nScanning eBPF map types...\n";
        for (name, yes) in &self.map_types {
            out += &format!("eBPF map_type {name} is {}\n", available(*yes));
        }
        out += "\nScanning eBPF helper functions...\n";
        for (name, helpers) in &self.helpers {
            out += &format!("eBPF helpers supported for program type {name}:");
            match helpers {
                Helpers::Listed(list) => {
                    for h in list {
                        out += &format!("\n\t- {h}");
                    }
                    out += "\n";
                    if list.is_empty() {
                        out += "\tCould not determine which helpers are available\n";
                    }
                }
                Helpers::TypeNotSupported => out += "\n\tProgram type not supported\n",
            }
        }
        out += "\nScanning miscellaneous eBPF features...\n";
        for (_, text, yes) in &self.misc {
            out += &format!("{text} is {}\n", available(*yes));
        }
        out += "\n";
        out
    }

    fn json(&self, output: Output) -> String {
        let mut w = output.writer();
        w.start_object();
        w.name("system_config").start_object();
        self.sysctls.json(&mut w);
        self.config.json(&mut w);
        w.end_object();
        w.name("syscall_config").start_object().bool_field("have_bpf_syscall", self.syscall);
        w.end_object();
        if self.syscall {
            w.name("program_types").start_object();
            for (name, yes) in &self.prog_types {
                w.bool_field(&format!("have_{name}_prog_type"), *yes);
            }
            w.end_object().name("map_types").start_object();
            for (name, yes) in &self.map_types {
                w.bool_field(&format!("have_{name}_map_type"), *yes);
            }
            w.end_object().name("helpers").start_object();
            for (name, helpers) in &self.helpers {
                w.name(&format!("{name}_available_helpers")).start_array();
                if let Helpers::Listed(list) = helpers {
                    for h in list {
                        w.string(h);
                    }
                }
                w.end_array();
            }
            w.end_object().name("misc").start_object();
            for (key, _, yes) in &self.misc {
                w.bool_field(key, *yes);
            }
            w.end_object();
        }
        w.end_object();
        w.finish()
    }
}
