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
//! from, the verifier's message and the end of its log.
//!
//! Exit status: 0 accepted, 1 rejected, 2 for a usage error, a file that
//! does not assemble, or a map or test run the kernel refuses as asked.

use std::path::Path;

use bitflags::Flags;
use bpfkit::asm::{AsmError, Assembled, Origin};
use bpfkit::maps::{MapFlags, MapSpec, MapType};
use bpfkit::prog::{
    AttachType, LogLevel, ProgFlags, ProgType, Program, ProgramSpec, Section, TestRun,
    VerifierError,
};
use bpfkit::{Errno, Error};

use crate::args::Args;
use crate::out::{CliError, Output};

/// The command line in short, for usage errors (`bpfkit help` has it all).
const SYNOPSIS: &str = "bpfkit verify FILE.s --type SECTION [--attach-type NAME] [--map \
                        NAME=TYPE:KEY_SIZE:VALUE_SIZE:MAX_ENTRIES[:FLAGS]]... [--flag NAME]... \
                        [--log-level N] [--test-run DATA_HEX | --test-run-zeroed LEN]";

/// Exit status of a rejected program.
const REJECTED: u8 = 1;
/// Exit status of a usage error or a file that does not assemble.
const USAGE_ERROR: u8 = 2;
/// Log lines shown after a rejection (without `--log-level`).
const LOG_TAIL: usize = 20;

/// What the command line asks for.
#[derive(Debug)]
struct Request {
    file: String,
    section: Section,
    attach_type: Option<AttachType>,
    maps: Vec<MapArg>,
    flags: ProgFlags,
    log_level: Option<LogLevel>,
    test_run: Option<Vec<u8>>,
}

/// One `--map NAME=TYPE:KEY_SIZE:VALUE_SIZE:MAX_ENTRIES[:FLAGS]`.
#[derive(Debug, PartialEq)]
struct MapArg {
    name: String,
    map_type: MapType,
    key_size: u32,
    value_size: u32,
    max_entries: u32,
    flags: MapFlags,
}

/// Runs `bpfkit verify`.
pub fn run(args: &mut Args, output: Output) -> Result<(), CliError> {
    if output.json {
        return Err(usage("verify prints text only; drop -j/--json"));
    }
    let request = parse_args(args)?;
    let source = std::fs::read_to_string(&request.file)
        .map_err(|e| usage(format!("cannot read {}: {e}", request.file)))?;
    let mut insns = assemble(&request.file, &source)?;
    bind_maps(&request, &source, &mut insns)?;
    let verdict = load(&request, &insns);
    match verdict {
        Ok(prog) => {
            output.print(&accepted(&request, &prog)?);
            if let Some(data) = &request.test_run {
                output.print(&test_run(&prog, data)?);
            }
            Ok(())
        }
        Err(Error::Verifier(e)) => {
            output.print(&rejected(&request, &source, &e));
            Err(CliError::new(format!("{}: the verifier rejected the program", request.file))
                .with_status(REJECTED))
        }
        // Refused before the verifier ran (an attach type or flag this
        // program type does not take): a verdict too, but not EPERM,
        // which says nothing about the program.
        Err(e @ Error::ProgLoad { errno, .. }) if errno != Errno::EPERM => {
            output.print(&format!(
                "rejected\nerror: {e}\n  (the kernel refused the program before verifying it: \
                 check --type, --attach-type and --flag)\n"
            ));
            Err(CliError::new(format!("{}: the kernel refused the program", request.file))
                .with_status(REJECTED))
        }
        Err(e) => Err(e.into()),
    }
}

fn usage(message: impl Into<String>) -> CliError {
    CliError::usage(message).with_status(USAGE_ERROR)
}

/// Reads the words after `verify`, options in any order, `--opt=value` or
/// `--opt value`.
fn parse_args(args: &mut Args) -> Result<Request, CliError> {
    let mut file = None;
    let mut section = None;
    let mut attach_type = None;
    let mut maps: Vec<MapArg> = Vec::new();
    let mut flags = ProgFlags::empty();
    let mut log_level = None;
    let mut test_run = None;
    while let Some(word) = args.next() {
        let (option, inline) = match word.split_once('=') {
            Some((o, v)) if o.starts_with("--") => (o.to_string(), Some(v.to_string())),
            _ => (word.clone(), None),
        };
        let mut value = |what: &str| match inline.clone() {
            Some(v) => Ok(v),
            None => args.value(what).map_err(|e| usage(format!("{option}: {}", e.message))),
        };
        match option.as_str() {
            "--type" => section = Some(parse_section(&value("a section name, e.g. xdp")?)?),
            "--attach-type" => {
                let name = value("an attach type, e.g. cgroup_inet_egress")?;
                attach_type = Some(AttachType::from_name(&name).ok_or_else(|| {
                    usage(format!(
                        "unknown attach type '{name}'; known: {}",
                        known_names((0..64).filter_map(|n| AttachType(n).name()))
                    ))
                })?);
            }
            "--map" => {
                let map = parse_map(&value("NAME=TYPE:KEY_SIZE:VALUE_SIZE:MAX_ENTRIES")?)
                    .map_err(|e| usage(format!("--map: {e}")))?;
                if maps.iter().any(|m| m.name == map.name) {
                    return Err(usage(format!("--map {} is given twice", map.name)));
                }
                maps.push(map);
            }
            "--flag" => {
                let name = value("a program flag, e.g. strict_alignment")?;
                flags |=
                    parse_flags::<ProgFlags>(&name).map_err(|e| usage(format!("--flag: {e}")))?;
            }
            "--log-level" => {
                let text = value("a log level: 1, 2, with 4 for statistics")?;
                let level =
                    parse_number(&text).filter(|n| (1..=7).contains(n)).ok_or_else(|| {
                        usage(format!(
                            "--log-level: '{text}' is not a log level; use 1 (the path \
                             verified), 2 (every state), adding 4 for statistics (e.g. 5)"
                        ))
                    })?;
                log_level = Some(LogLevel::from_bits_retain(level));
            }
            "--test-run" | "--test-run-zeroed" if test_run.is_some() => {
                return Err(usage("give one of --test-run and --test-run-zeroed, once"));
            }
            "--test-run" => {
                let hex = value("the packet as hex bytes, e.g. 'aa bb cc'")?;
                test_run = Some(parse_hex(&hex).map_err(|e| usage(format!("--test-run: {e}")))?);
            }
            "--test-run-zeroed" => {
                let text = value("a length in bytes")?;
                let len = parse_number(&text)
                    .filter(|n| *n <= u32::MAX >> 1)
                    .ok_or_else(|| usage(format!("--test-run-zeroed: '{text}' is not a length")))?;
                test_run = Some(vec![0; len as usize]);
            }
            o if o.starts_with("--") => {
                return Err(usage(format!("unknown option '{o}' for verify; usage: {SYNOPSIS}")));
            }
            _ if file.is_some() => {
                return Err(usage(format!("unexpected argument '{word}': give one FILE.s")));
            }
            _ => file = Some(word),
        }
    }
    let file = file.ok_or_else(|| usage(format!("verify needs a FILE.s; usage: {SYNOPSIS}")))?;
    let section = section.ok_or_else(|| {
        usage("verify needs --type SECTION, the SEC() name of the program, e.g. --type xdp")
    })?;
    Ok(Request { file, section, attach_type, maps, flags, log_level, test_run })
}

/// The section named `name`, refusing unknown ones and those that need a
/// BTF target.
fn parse_section(name: &str) -> Result<Section, CliError> {
    let Some(section) = Section::parse(name) else {
        let known = known_names(Section::all().iter().map(Section::to_string));
        return Err(usage(format!("unknown section '{name}'; known sections: {known}")));
    };
    if section.needs_btf_target() {
        return Err(usage(format!(
            "section '{name}' loads a {} program against a BTF-described target (a kernel \
             function, hook, iterator or struct_ops member), and verify cannot resolve BTF \
             targets; try a section without one, e.g. kprobe, raw_tp or tp",
            section.prog_type()
        )));
    }
    Ok(section)
}

/// `a, b, c` from names.
fn known_names<S: AsRef<str>>(names: impl Iterator<Item = S>) -> String {
    names.map(|n| n.as_ref().to_string()).collect::<Vec<_>>().join(", ")
}

/// `NAME=TYPE:KEY_SIZE:VALUE_SIZE:MAX_ENTRIES[:FLAGS]`.
fn parse_map(text: &str) -> Result<MapArg, String> {
    let form = "NAME=TYPE:KEY_SIZE:VALUE_SIZE:MAX_ENTRIES[:FLAGS]";
    let (name, shape) = text
        .split_once('=')
        .filter(|(name, _)| !name.is_empty())
        .ok_or_else(|| format!("'{text}' is not {form} (e.g. counts=array:4:8:1)"))?;
    let parts: Vec<&str> = shape.split(':').collect();
    if !(4..=5).contains(&parts.len()) {
        return Err(format!("'{text}' is not {form} (e.g. {name}=hash:4:8:1024)"));
    }
    let map_type = MapType::from_name(parts[0]).ok_or_else(|| {
        let known =
            known_names((0..64).filter_map(|n| MapType(n).name()).filter(|n| *n != "unspec"));
        format!("unknown map type '{}' in '{text}'; known: {known}", parts[0])
    })?;
    let number = |what: &str, s: &str| {
        parse_number(s).ok_or_else(|| format!("{what} '{s}' in '{text}' is not a number"))
    };
    let flags = match parts.get(4) {
        Some(f) => parse_flags::<MapFlags>(f)?,
        None => MapFlags::empty(),
    };
    Ok(MapArg {
        name: name.to_string(),
        map_type,
        key_size: number("key size", parts[1])?,
        value_size: number("value size", parts[2])?,
        max_entries: number("max entries", parts[3])?,
        flags,
    })
}

/// A decimal or `0x` hexadecimal `u32`.
fn parse_number(text: &str) -> Option<u32> {
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

/// Flags as a number, or as their UAPI names without `BPF_F_`, in any case,
/// joined by `|`: `no_prealloc|rdonly_prog`.
fn parse_flags<F: Flags<Bits = u32>>(text: &str) -> Result<F, String> {
    if let Some(n) = parse_number(text) {
        return Ok(F::from_bits_retain(n));
    }
    let mut flags = F::empty();
    for name in text.split('|').map(str::trim) {
        let flag = F::from_name(&name.to_ascii_uppercase()).ok_or_else(|| {
            let known =
                F::FLAGS.iter().filter(|f| f.is_named()).map(|f| f.name().to_ascii_lowercase());
            format!("unknown flag '{name}'; known: {}", known_names(known))
        })?;
        flags = flags.union(flag);
    }
    Ok(flags)
}

/// Hex bytes, whitespace anywhere: `"aa bb cc"`, `"aabbcc"`.
fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if digits.is_empty() {
        return Err("no bytes given".into());
    }
    if let Some(bad) = digits.iter().find(|b| !b.is_ascii_hexdigit()) {
        return Err(format!("'{}' is not a hex digit", char::from(*bad)));
    }
    if digits.len() % 2 == 1 {
        return Err(format!("{} hex digits is not a whole number of bytes", digits.len()));
    }
    Ok(digits
        .chunks(2)
        .filter_map(|pair| std::str::from_utf8(pair).ok())
        .filter_map(|pair| u8::from_str_radix(pair, 16).ok())
        .collect())
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
fn asm_error_origin(e: &AsmError) -> Option<Origin> {
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
            .map_err(|e| usage(format!("--map {}: {e}", m.name)))?;
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
        return Err(usage(format!(
            "no --map gives map '{name}', which the program uses at\n  {at}\nadd \
             --map {name}=TYPE:KEY_SIZE:VALUE_SIZE:MAX_ENTRIES, e.g. --map {name}=array:4:8:1"
        )));
    }
    Ok(())
}

/// The program name the kernel shows: the file's stem, cut to what it keeps.
fn program_name(file: &str) -> String {
    let stem = Path::new(file).file_stem().and_then(|s| s.to_str()).unwrap_or("");
    stem.chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '.' { c } else { '_' })
        .take(15)
        .collect()
}

/// Loads once, with a log at the stats level (plus `--log-level`) kept on success.
fn load(request: &Request, insns: &Assembled) -> bpfkit::Result<Program> {
    let name = program_name(&request.file);
    let mut spec = ProgramSpec::new(request.section.prog_type(), insns)
        .name(&name)
        .flags(request.section.prog_flags() | request.flags)
        .log_on_success(LogLevel::STATS | request.log_level.unwrap_or(LogLevel::empty()));
    if let Some(attach) = request.attach_type.or(request.section.expected_attach_type()) {
        spec = spec.expected_attach_type(attach);
    }
    spec.load()
}

/// `accepted`, the statistics, `verified_insns`, and the log if asked for.
fn accepted(request: &Request, prog: &Program) -> Result<String, CliError> {
    let mut out = String::from("accepted\n");
    if let Some(stats) = prog.verifier_stats() {
        out.push_str(&format!("{stats}\n"));
    }
    let info = prog.info()?;
    out.push_str(&format!("verified_insns {}\n", info.verified_insns));
    if request.log_level.is_some() {
        out.push_str("verifier log:\n");
        for line in prog.verifier_log().unwrap_or_default().lines() {
            out.push_str(&format!("  {line}\n"));
        }
    }
    Ok(out)
}

/// `rejected`, where (source line and instruction), why, and the log's end.
fn rejected(request: &Request, source: &str, e: &VerifierError) -> String {
    let mut out = String::from("rejected\n");
    if let Some(line) = text_line(e.location) {
        let text = source_line(source, line).unwrap_or_default();
        out.push_str(&format!("{}:{line}: {text}\n", request.file));
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
    let lines: Vec<&str> = e.log.lines().filter(|l| !l.trim().is_empty()).collect();
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

/// The `.s` line an instruction came from.
fn text_line(origin: Option<Origin>) -> Option<u32> {
    match origin? {
        Origin::Text { line, .. } => Some(line),
        Origin::Rust(_) => None,
    }
}

/// Line `line` (1-based) of `source`, trimmed.
fn source_line(source: &str, line: u32) -> Option<&str> {
    source.lines().nth((line as usize).checked_sub(1)?).map(str::trim)
}

/// Runs the program once on `data` and reports `retval N`.
///
/// Program types that take only a context (`syscall`, `raw_tracepoint`)
/// get the bytes as their context; the others as the packet.
fn test_run(prog: &Program, data: &[u8]) -> Result<String, CliError> {
    let ctx_only = matches!(
        prog.prog_type(),
        ProgType::SYSCALL | ProgType::RAW_TRACEPOINT | ProgType::RAW_TRACEPOINT_WRITABLE
    );
    let run = if ctx_only { TestRun::without_data().ctx_in(data) } else { TestRun::new(data) };
    let result = prog.test_run(run).map_err(|e| {
        let refused = matches!(e, Error::Unsupported { .. }) || e.errno() == Some(Errno::EINVAL);
        let err = CliError::new(format!("test run: {e}"));
        if refused { err.with_status(USAGE_ERROR) } else { err }
    })?;
    let mut out = format!("retval {}\n", result.retval);
    if !ctx_only && result.data_size_out as usize != data.len() {
        out.push_str(&format!("data_size_out {}\n", result.data_size_out));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Args {
        Args::new(words.iter().map(|w| w.to_string()).collect())
    }

    fn usage_message(words: &[&str]) -> String {
        let err = parse_args(&mut args(words)).unwrap_err();
        assert_eq!(err.status, USAGE_ERROR, "{}", err.message);
        err.message
    }

    #[test]
    fn map_specs() {
        let m = parse_map("packet_count=array:4:8:1").unwrap();
        assert_eq!(m.name, "packet_count");
        assert_eq!(m.map_type, MapType::ARRAY);
        assert_eq!((m.key_size, m.value_size, m.max_entries), (4, 8, 1));
        assert_eq!(m.flags, MapFlags::empty());
        let m = parse_map("flows=hash:0x10:8:1024:no_prealloc|rdonly_prog").unwrap();
        assert_eq!((m.map_type, m.key_size), (MapType::HASH, 16));
        assert_eq!(m.flags, MapFlags::NO_PREALLOC | MapFlags::RDONLY_PROG);
        let m = parse_map("x=percpu_hash:4:4:2:0x401").unwrap();
        assert_eq!(m.flags, MapFlags::NO_PREALLOC | MapFlags::MMAPABLE);
        assert_eq!(parse_map("rb=ringbuf:0:0:4096").unwrap().map_type, MapType::RINGBUF);
        assert_eq!(parse_map("xs=xskmap:4:4:8").unwrap().map_type, MapType::XSKMAP);

        for (bad, says) in [
            ("array:4:8:1", "NAME=TYPE"),
            ("=array:4:8:1", "NAME=TYPE"),
            ("m=array:4:8", "NAME=TYPE"),
            ("m=array:4:8:1:0:9", "NAME=TYPE"),
            ("m=arry:4:8:1", "unknown map type 'arry'"),
            ("m=array:four:8:1", "key size 'four'"),
            ("m=array:4:8:-1", "max entries '-1'"),
            ("m=hash:4:8:1:no_prealloc|bogus", "unknown flag 'bogus'"),
        ] {
            let e = parse_map(bad).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
        // The list of known types and flags comes with the error.
        assert!(parse_map("m=arry:4:8:1").unwrap_err().contains("percpu_array"));
        assert!(parse_map("m=hash:4:8:1:x").unwrap_err().contains("no_prealloc"));
    }

    #[test]
    fn program_flags_by_name_or_number() {
        assert_eq!(parse_flags::<ProgFlags>("strict_alignment"), Ok(ProgFlags::STRICT_ALIGNMENT));
        assert_eq!(parse_flags::<ProgFlags>("ANY_ALIGNMENT"), Ok(ProgFlags::ANY_ALIGNMENT));
        assert_eq!(
            parse_flags::<ProgFlags>("test_rnd_hi32|test_state_freq"),
            Ok(ProgFlags::TEST_RND_HI32 | ProgFlags::TEST_STATE_FREQ)
        );
        assert_eq!(parse_flags::<ProgFlags>("test_reg_invariants").map(|f| f.bits()), Ok(1 << 7));
        assert_eq!(parse_flags::<ProgFlags>("xdp_has_frags").map(|f| f.bits()), Ok(1 << 5));
        assert_eq!(parse_flags::<ProgFlags>("0x10"), Ok(ProgFlags::SLEEPABLE));
        let e = parse_flags::<ProgFlags>("sleepy").unwrap_err();
        assert!(e.contains("unknown flag 'sleepy'") && e.contains("sleepable"), "{e}");
        // The unnamed "keep unknown bits" entry is not offered as a name.
        assert!(!e.contains(", ,") && !e.ends_with(", "), "{e}");
    }

    #[test]
    fn hex_data() {
        assert_eq!(parse_hex("de ad BE ef"), Ok(vec![0xde, 0xad, 0xbe, 0xef]));
        assert_eq!(parse_hex("00\n01\t02"), Ok(vec![0, 1, 2]));
        assert!(parse_hex("abc").unwrap_err().contains("3 hex digits"));
        assert!(parse_hex("zz").unwrap_err().contains("'z'"));
        assert!(parse_hex("  ").is_err());
    }

    #[test]
    fn a_full_command_line() {
        let r = parse_args(&mut args(&[
            "prog.s",
            "--type",
            "cgroup/skb",
            "--attach-type=cgroup_inet_egress",
            "--map",
            "a=array:4:8:1",
            "--map=b=hash:4:4:16",
            "--flag",
            "strict_alignment",
            "--flag",
            "any_alignment",
            "--log-level",
            "5",
            "--test-run",
            "aa bb",
        ]))
        .unwrap();
        assert_eq!(r.file, "prog.s");
        assert_eq!(r.section.prog_type(), ProgType::CGROUP_SKB);
        assert_eq!(r.attach_type, Some(AttachType::CGROUP_INET_EGRESS));
        assert_eq!(r.maps.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(r.flags, ProgFlags::STRICT_ALIGNMENT | ProgFlags::ANY_ALIGNMENT);
        assert_eq!(r.log_level, Some(LogLevel::VERBOSE | LogLevel::STATS));
        assert_eq!(r.test_run, Some(vec![0xaa, 0xbb]));
        let r = parse_args(&mut args(&["--test-run-zeroed", "64", "--type", "xdp", "x.s"]));
        assert_eq!(r.unwrap().test_run, Some(vec![0; 64]));
    }

    #[test]
    fn usage_errors_say_what_to_do() {
        assert!(usage_message(&["--type", "xdp"]).contains("needs a FILE.s"));
        assert!(usage_message(&["p.s"]).contains("needs --type SECTION"));
        let m = usage_message(&["p.s", "--type", "xdpp"]);
        assert!(m.contains("unknown section 'xdpp'") && m.contains("cgroup_skb/egress"), "{m}");
        assert!(m.contains("kprobe[/...]"), "{m}");
        let m = usage_message(&["p.s", "--type", "fentry/tcp_connect"]);
        assert!(m.contains("cannot resolve BTF targets"), "{m}");
        assert!(usage_message(&["p.s", "--type", "lsm/file_open"]).contains("BTF"));
        assert!(usage_message(&["p.s", "--type", "struct_ops/x"]).contains("BTF"));
        assert!(usage_message(&["p.s", "--type"]).contains("--type: expected a section"));
        let m = usage_message(&["p.s", "--type", "xdp", "--attach-type", "egress"]);
        assert!(m.contains("unknown attach type 'egress'") && m.contains("tcx_egress"), "{m}");
        assert!(usage_message(&["p.s", "--type", "xdp", "--map", "m"]).contains("NAME=TYPE"));
        let m = usage_message(&[
            "p.s",
            "--type",
            "xdp",
            "--map",
            "m=array:4:8:1",
            "--map",
            "m=hash:4:8:1",
        ]);
        assert!(m.contains("given twice"), "{m}");
        assert!(
            usage_message(&["p.s", "--type", "xdp", "--flag", "fast"]).contains("unknown flag")
        );
        assert!(usage_message(&["p.s", "--type", "xdp", "--log-level", "9"]).contains("log level"));
        assert!(usage_message(&["p.s", "--type", "xdp", "--log-level", "x"]).contains("log level"));
        let m =
            usage_message(&["p.s", "--type", "xdp", "--test-run", "00", "--test-run-zeroed", "4"]);
        assert!(m.contains("one of --test-run"), "{m}");
        assert!(usage_message(&["p.s", "--type", "xdp", "--test-run", "0"]).contains("hex digits"));
        assert!(
            usage_message(&["p.s", "--type", "xdp", "--test-run-zeroed", "-1"]).contains("length")
        );
        assert!(
            usage_message(&["p.s", "q.s", "--type", "xdp"]).contains("unexpected argument 'q.s'")
        );
        assert!(usage_message(&["p.s", "--type", "xdp", "--verbose"]).contains("unknown option"));
    }

    #[test]
    fn names_and_lines() {
        assert_eq!(program_name("examples/counter.s"), "counter");
        assert_eq!(program_name("/tmp/a-very-long-file-name.s"), "a_very_long_fil");
        assert_eq!(source_line("a\n  b  \nc", 2), Some("b"));
        assert_eq!(source_line("a", 0), None);
        assert_eq!(source_line("a", 2), None);
    }
}
