//! The command line of `bpfkit verify`: options in any order, `--opt=value`
//! or `--opt value`, and every usage error with what to write instead.

use bitflags::Flags;
use bpfkit::maps::{MapFlags, MapType};
use bpfkit::prog::{AttachType, LogLevel, ProgFlags, Section};

use super::usage;
use crate::args::{Args, Word};
use crate::out::CliError;

/// The command line in short, for usage errors (`bpfkit help` has it all).
const SYNOPSIS: &str = "bpfkit verify FILE.s --type SECTION [--attach-type NAME] [--map \
                        NAME=TYPE:KEY_SIZE:VALUE_SIZE:MAX_ENTRIES[:FLAGS]]... [--flag NAME]... \
                        [--log-level N] [--test-run DATA_HEX | --test-run-zeroed LEN]";

/// What the command line asks for.
#[derive(Debug)]
pub struct Request {
    /// The `.s` file, bytes and all.
    pub file: Word,
    pub section: Section,
    pub attach_type: Option<AttachType>,
    pub maps: Vec<MapArg>,
    pub flags: ProgFlags,
    pub log_level: Option<LogLevel>,
    pub test_run: Option<Vec<u8>>,
}

/// One `--map NAME=TYPE:KEY_SIZE:VALUE_SIZE:MAX_ENTRIES[:FLAGS]`.
#[derive(Debug, PartialEq)]
pub struct MapArg {
    pub name: String,
    pub map_type: MapType,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    pub flags: MapFlags,
}

/// Reads the words after `verify`, options in any order, `--opt=value` or
/// `--opt value`.
pub fn parse_args(args: &mut Args) -> Result<Request, CliError> {
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
            _ => (word.as_str().to_owned(), None),
        };
        let mut value = |what: &str| match inline.clone() {
            Some(v) => Ok(v),
            None => args
                .value(what)
                .map(|w| w.as_str().to_owned())
                .map_err(|e| usage(format!("{option}: {}", e.message))),
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
pub fn known_names<S: AsRef<str>>(names: impl Iterator<Item = S>) -> String {
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
    if let Some(bad) = text.chars().find(|c| !c.is_ascii_whitespace() && !c.is_ascii_hexdigit()) {
        return Err(format!("'{bad}' is not a hex digit"));
    }
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if digits.is_empty() {
        return Err("no bytes given".into());
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

#[cfg(test)]
mod tests {
    use super::*;
    use bpfkit::prog::ProgType;

    use crate::out::status;

    fn args(words: &[&str]) -> Args {
        Args::new(words.iter().map(|w| Word::from(*w)).collect())
    }

    fn usage_message(words: &[&str]) -> String {
        let err = parse_args(&mut args(words)).unwrap_err();
        assert_eq!(err.status, status::BAD_INPUT, "{}", err.message);
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
        assert!(parse_hex("0\u{e9}").unwrap_err().contains("'\u{e9}'"));
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
        assert_eq!(r.file.as_str(), "prog.s");
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
}
