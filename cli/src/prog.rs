//! `bpfkit prog`: `show`/`list` and `dump xlated`, a drop-in for bpftool
//! 7.1's output (text line for line, JSON key for key) except `pids`; and
//! `load` (from LLVM BPF text, [`load`]), `pin`, `run`, `attach`, `detach`.

mod attach;
mod load;
mod run;

use std::fmt::Write as _;

use bpfkit::link::Interface;
use bpfkit::pinned::ObjectKind;
use bpfkit::prog::{Program, ProgramInfo, program_ids};

use crate::args::{Args, Word, pick};
use crate::clock::WallClock;
use crate::errno::listing_failed;
use crate::every::every;
use crate::json::JsonWriter;
use crate::names;
use crate::out::{CliError, Output};
use crate::pins::PinTable;
use crate::select::{ProgSelector, bad_arg, looks_numeric};
use crate::text;
use crate::xlated;

const USAGE: &str = "\
Usage: bpfkit prog { show | list } [PROG]
       bpfkit prog dump xlated PROG [{ file FILE | opcodes | linum }]
       bpfkit prog dump ID
       bpfkit prog pin   PROG FILE
       bpfkit prog load  FILE.s PATH type TYPE [map { idx IDX | name NAME } MAP]\\
                         [pinmaps MAP_DIR]
       bpfkit prog attach PROG ATTACH_TYPE [MAP]
       bpfkit prog detach PROG ATTACH_TYPE [MAP]
       bpfkit prog run PROG \\
                         data_in FILE \\
                         [data_out FILE [data_size_out L]] \\
                         [ctx_in FILE [ctx_out FILE [ctx_size_out M]]] \\
                         [repeat N]
       bpfkit prog help

       MAP := { id MAP_ID | pinned FILE | name MAP_NAME }
       PROG := { id PROG_ID | pinned FILE | tag PROG_TAG | name PROG_NAME | PROG_ID }
       TYPE := a libbpf section name: { xdp | socket | classifier | kprobe | ... }
       ATTACH_TYPE := { sk_msg_verdict | sk_skb_verdict | sk_skb_stream_verdict |
                        sk_skb_stream_parser | flow_dissector }
       OPTIONS := { {-j|--json} [{-p|--pretty}] | {-f|--bpffs} }
";

/// The subcommands, in bpftool's order of abbreviation (`l` is `list`,
/// `lo` is `load`); those bpfkit does not have are refused by name.
const COMMANDS: &[&str] = &[
    "show", "list", "help", "dump", "pin", "load", "loadall", "attach", "detach", "tracelog",
    "run", "profile",
];

/// Runs `bpfkit prog ...`.
pub fn run(args: &mut Args, output: Output) -> Result<(), CliError> {
    let Some(word) = args.next() else {
        return show(&[], output);
    };
    match pick(&word, COMMANDS) {
        Some("show" | "list") => show(&args.rest(), output),
        Some("dump") => xlated::run(args, output),
        Some("pin") => attach::pin(&args.rest(), output),
        Some("load") => load::run(&args.rest(), output),
        Some("attach") => attach::attach(&args.rest(), output, true),
        Some("detach") => attach::attach(&args.rest(), output, false),
        Some("run") => run::run(&args.rest(), output),
        Some(other @ ("loadall" | "tracelog" | "profile")) => Err(CliError::new(format!(
            "'prog {other}' is a bpftool command that bpfkit does not have (see 'bpfkit prog help')"
        ))),
        Some("help") => {
            output.usage(USAGE);
            Ok(())
        }
        _ => {
            Err(CliError::usage(format!("unknown command 'prog {word}' (see 'bpfkit prog help')")))
        }
    }
}

/// `prog show [PROG]`: every program, or the selected ones.
fn show(words: &[Word], output: Output) -> Result<(), CliError> {
    let pins = output.bpffs.then(|| PinTable::build(ObjectKind::Program));
    let selected = match words {
        [] => None,
        [one] if looks_numeric(one) => Some(ProgSelector::take(words)?.0),
        [keyword, value] => Some(ProgSelector::from_words(keyword, value)?),
        [first, ..] => return Err(bad_arg(first)),
    };
    let listing = selected.is_none();
    let infos = match selected {
        // One program open at a time: a host may have more than fds allow.
        None => every_program()?,
        Some(selector) => {
            selector.open()?.iter().map(Program::info).collect::<Result<Vec<_>, _>>()?
        }
    };
    if output.json {
        let mut w = output.writer();
        // bpftool wraps several programs, and any listing, in an array.
        let array = listing || infos.len() > 1;
        if array {
            w.start_array();
        }
        for info in &infos {
            write_json(&mut w, info, pins.as_ref());
        }
        if array {
            w.end_array();
        }
        output.print(&w.finish());
    } else {
        let text: String = infos.iter().map(|info| plain(info, pins.as_ref())).collect();
        output.print(&text);
    }
    Ok(())
}

/// The info of every program, in increasing id order, one program open at
/// a time (a host may have more than fds allow); programs gone during the
/// walk are skipped. Errors are bpftool's, inside the listing's array.
fn every_program() -> Result<Vec<ProgramInfo>, CliError> {
    every(program_ids(), "program", "prog", Program::from_id)
        .map(|prog| prog?.info().map_err(|e| listing_failed("can't get prog info", &e)))
        .collect()
}

/// The members bpftool puts first, in `show` and in a dump of several
/// programs: id, type, name, tag, licence, run statistics.
pub fn write_header_json(w: &mut JsonWriter, info: &ProgramInfo) {
    w.raw_field("id", info.id);
    match names::prog_type(info.prog_type) {
        Some(name) => w.string_field("type", name),
        None => w.raw_field("type", info.prog_type.0),
    };
    if !info.name.is_empty() {
        w.string_field("name", &info.full_name);
    }
    w.string_field("tag", &info.tag.to_string()).bool_field("gpl_compatible", info.gpl_compatible);
    if !info.run_time.is_zero() {
        w.raw_field("run_time_ns", info.run_time.as_nanos()).raw_field("run_cnt", info.run_count);
    }
    if info.recursion_misses != 0 {
        w.raw_field("recursion_misses", info.recursion_misses);
    }
}

/// One program as `bpftool -j prog show` prints it.
fn write_json(w: &mut JsonWriter, info: &ProgramInfo, pins: Option<&PinTable>) {
    w.start_object();
    write_header_json(w, info);
    if info.ifindex != 0 {
        w.name("dev").start_object();
        w.raw_field("ifindex", info.ifindex)
            .raw_field("ns_dev", info.netns_dev)
            .raw_field("ns_inode", info.netns_ino);
        if let Some(name) = offload_device(info) {
            w.string_field("ifname", &name);
        }
        w.end_object();
    }
    if let Some(at) = info.loaded_at().and_then(WallClock::local) {
        w.raw_field("loaded_at", at.unix_secs).raw_field("uid", info.created_by_uid);
    }
    w.raw_field("bytes_xlated", info.xlated_bytes);
    w.bool_field("jited", info.jited_bytes != 0);
    if info.jited_bytes != 0 {
        w.raw_field("bytes_jited", info.jited_bytes);
    }
    if info.memlock != 0 {
        w.raw_field("bytes_memlock", info.memlock);
    }
    if !info.map_ids.is_empty() {
        w.name("map_ids").start_array();
        for id in &info.map_ids {
            w.raw(id);
        }
        w.end_array();
    }
    if info.btf_id != 0 {
        w.raw_field("btf_id", info.btf_id);
    }
    if let Some(pins) = pins.filter(|p| !p.is_empty()) {
        w.name("pinned").start_array();
        for path in pins.paths(info.id) {
            w.string(&text::os(path));
        }
        w.end_array();
    }
    w.end_object();
}

/// The first line of a program in text: `ID: TYPE  name NAME  tag TAG  gpl`.
pub fn header_plain(info: &ProgramInfo) -> String {
    let mut s = format!("{}: ", info.id);
    match names::prog_type(info.prog_type) {
        Some(name) => write!(s, "{name}  "),
        None => write!(s, "type {}  ", info.prog_type.0),
    }
    .ok();
    if !info.name.is_empty() {
        write!(s, "name {}  ", info.full_name).ok();
    }
    write!(s, "tag {}", info.tag).ok();
    if info.ifindex != 0 {
        match offload_device(info) {
            Some(name) => write!(s, "  offloaded_to {name}"),
            None => write!(
                s,
                "  offloaded_to ifindex {} ns_dev {} ns_ino {}",
                info.ifindex, info.netns_dev, info.netns_ino
            ),
        }
        .ok();
    }
    if info.gpl_compatible {
        s.push_str("  gpl");
    }
    if !info.run_time.is_zero() {
        write!(s, " run_time_ns {} run_cnt {}", info.run_time.as_nanos(), info.run_count).ok();
    }
    if info.recursion_misses != 0 {
        write!(s, " recursion_misses {}", info.recursion_misses).ok();
    }
    s.push('\n');
    s
}

/// One program as `bpftool prog show` prints it.
fn plain(info: &ProgramInfo, pins: Option<&PinTable>) -> String {
    let mut s = header_plain(info);
    if let Some(at) = info.loaded_at().and_then(WallClock::local) {
        writeln!(s, "\tloaded_at {at}  uid {}", info.created_by_uid).ok();
    }
    write!(s, "\txlated {}B", info.xlated_bytes).ok();
    if info.jited_bytes != 0 {
        write!(s, "  jited {}B", info.jited_bytes).ok();
    } else {
        s.push_str("  not jited");
    }
    if info.memlock != 0 {
        write!(s, "  memlock {}B", info.memlock).ok();
    }
    if !info.map_ids.is_empty() {
        let ids: Vec<String> = info.map_ids.iter().map(u32::to_string).collect();
        write!(s, "  map_ids {}", ids.join(",")).ok();
    }
    for path in pins.map_or(&[][..], |p| p.paths(info.id)) {
        write!(s, "\n\tpinned {}", text::os(path)).ok();
    }
    if info.btf_id != 0 {
        write!(s, "\n\tbtf_id {}", info.btf_id).ok();
    }
    s.push('\n');
    s
}

/// The name of the device a program is offloaded to, when that device is
/// in this process's network namespace (where its index means something).
fn offload_device(info: &ProgramInfo) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let ns = std::fs::metadata("/proc/self/ns/net").ok()?;
    if ns.dev() != info.netns_dev || ns.ino() != info.netns_ino {
        return None;
    }
    Interface::Index(info.ifindex).name().ok()
}
