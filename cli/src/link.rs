//! `bpfkit link show|list [LINK]`, a drop-in for bpftool 7.1's output
//! (text line for line, JSON key for key) except `pids`.
//!
//! bpftool 7.1 prints nothing type-specific for XDP links; in JSON bpfkit
//! adds the `ifindex` that later bpftool versions print. (They also print
//! the index's name in the caller's network namespace, which is the wrong
//! interface when the link is in another; bpfkit leaves it out.)

use std::fmt::Write as _;

use bpfkit::link::{Link, LinkInfo, LinkTarget, link_ids};
use bpfkit::pinned::ObjectKind;
use bpfkit::prog::{AttachType, Program};

use crate::args::{Args, Word, pick};
use crate::errno;
use crate::every::every;
use crate::json::JsonWriter;
use crate::names;
use crate::out::{CliError, Output};
use crate::pinning::{pin_at, too_few};
use crate::pins::PinTable;
use crate::select::{LinkSelector, bad_arg, looks_numeric, open_pinned_as, parse_id};
use crate::text;

const USAGE: &str = "\
Usage: bpfkit link { show | list } [LINK]
       bpfkit link pin LINK FILE
       bpfkit link detach LINK
       bpfkit link help

       LINK := { id LINK_ID | pinned FILE | LINK_ID }
       OPTIONS := { {-j|--json} [{-p|--pretty}] | {-f|--bpffs} }
";

/// The subcommands, in bpftool's order of abbreviation.
const COMMANDS: &[&str] = &["show", "list", "help", "pin", "detach"];

/// Runs `bpfkit link ...`.
pub fn run(args: &mut Args, output: Output) -> Result<(), CliError> {
    let Some(word) = args.next() else {
        return show(&[], output);
    };
    match pick(&word, COMMANDS) {
        Some("show" | "list") => show(&args.rest(), output),
        Some("pin") => pin(&args.rest(), output),
        Some("detach") => detach(&args.rest(), output),
        Some("help") => {
            output.usage(USAGE);
            Ok(())
        }
        _ => {
            Err(CliError::usage(format!("unknown command 'link {word}' (see 'bpfkit link help')")))
        }
    }
}

/// `link pin LINK FILE`: a second pin of the link at `FILE`, as bpftool's
/// `do_pin_any`: `LINK` is `id N` or `pinned PATH` only.
fn pin(words: &[Word], output: Output) -> Result<(), CliError> {
    if words.len() < 3 {
        return Err(too_few("pin", 3, words.len()).with_status(errno::status(libc::EINVAL)));
    }
    let link = open_link(&LinkSelector::from_words(&words[0], &words[1])?)?;
    pin_at(words[2].path(), |p| link.pin(p))?;
    output.nothing();
    Ok(())
}

/// `link detach LINK` (`BPF_LINK_DETACH`): the program leaves its hook at
/// once; the link lives on, empty, while fds or pins hold it. bpftool
/// exits with 1 on every failure here.
fn detach(words: &[Word], output: Output) -> Result<(), CliError> {
    const FAILED: u8 = 1;
    let link = match words {
        [one] if looks_numeric(one) => open_link(&LinkSelector::Id(parse_id(one)?)),
        [keyword, value] => LinkSelector::from_words(keyword, value).and_then(|s| open_link(&s)),
        // bpftool's message ends with a newline of its own, left out here.
        _ => Err(CliError::usage("link specifier is invalid or missing")),
    }
    .map_err(|e| e.with_status(FAILED))?;
    link.detach().map_err(|e| {
        let errno = e.errno().map_or(libc::EINVAL, |e| e.0);
        CliError::new(format!("failed link detach: {}", errno::strerror(errno)))
            .with_errno(errno)
            .with_status(FAILED)
    })?;
    output.nothing();
    Ok(())
}

/// Opens the selected link, with bpftool's messages.
fn open_link(selector: &LinkSelector) -> Result<Link, CliError> {
    match selector {
        LinkSelector::Id(id) => Link::from_id(*id).map_err(|e| {
            let errno = e.errno().map_or(libc::EINVAL, |e| e.0);
            CliError::new(format!(
                "failed to get link with ID {}: {}",
                *id as i32,
                errno::strerror(errno)
            ))
            .with_errno(errno)
            .with_status(errno::status(errno))
        }),
        LinkSelector::Pinned(path) => Ok(Link::from_fd(open_pinned_as(path, ObjectKind::Link)?)?),
    }
}

fn show(words: &[Word], output: Output) -> Result<(), CliError> {
    let pins = output.bpffs.then(|| PinTable::build(ObjectKind::Link));
    let (links, listing) = match words {
        [] => (every_link()?, true),
        [one] if looks_numeric(one) => (vec![LinkSelector::Id(parse_id(one)?).info()?], false),
        [keyword, value] => (vec![LinkSelector::from_words(keyword, value)?.info()?], false),
        [first, ..] => return Err(bad_arg(first)),
    };
    let mut rendered = Vec::with_capacity(links.len());
    for link in &links {
        rendered.push(Rendered::new(link)?);
    }
    if output.json {
        let mut w = output.writer();
        if listing {
            w.start_array();
        }
        for r in &rendered {
            r.write_json(&mut w, pins.as_ref());
        }
        if listing {
            w.end_array();
        }
        output.print(&w.finish());
    } else {
        let text: String = rendered.iter().map(|r| r.plain(pins.as_ref())).collect();
        output.print(&text);
    }
    Ok(())
}

/// Every link, in increasing id order; links gone during the walk are
/// skipped.
fn every_link() -> Result<Vec<LinkInfo>, CliError> {
    every(link_ids(), "link", "link", LinkInfo::by_id).collect()
}

/// A link with what its display needs besides its info.
struct Rendered<'a> {
    info: &'a LinkInfo,
    /// A tracing link's program type, which bpftool shows.
    prog_type: Option<bpfkit::prog::ProgType>,
}

impl<'a> Rendered<'a> {
    fn new(info: &'a LinkInfo) -> Result<Rendered<'a>, CliError> {
        let prog_type = match info.target {
            LinkTarget::Tracing { .. } => Some(Program::from_id(info.prog_id)?.prog_type()),
            _ => None,
        };
        Ok(Rendered { info, prog_type })
    }

    fn write_json(&self, w: &mut JsonWriter, pins: Option<&PinTable>) {
        let info = self.info;
        w.start_object().raw_field("id", info.id);
        match names::link_type(info.link_type) {
            Some(name) => w.string_field("type", name),
            None => w.raw_field("type", info.link_type.0),
        };
        w.raw_field("prog_id", info.prog_id);
        match &info.target {
            LinkTarget::RawTracepoint { tp_name } => {
                w.string_field("tp_name", tp_name);
            }
            LinkTarget::Tracing { attach_type, .. } => {
                if let Some(t) = self.prog_type {
                    match names::prog_type(t) {
                        Some(name) => w.string_field("prog_type", name),
                        None => w.raw_field("prog_type", t.0),
                    };
                }
                attach_type_json(w, *attach_type);
            }
            LinkTarget::Cgroup { cgroup_id, attach_type } => {
                w.raw_field("cgroup_id", cgroup_id);
                attach_type_json(w, *attach_type);
            }
            LinkTarget::Iter { target_name, map_id } => {
                w.string_field("target_name", target_name);
                if let Some(id) = map_id {
                    w.raw_field("map_id", id);
                }
            }
            LinkTarget::Netns { netns_ino, attach_type } => {
                w.raw_field("netns_ino", netns_ino);
                attach_type_json(w, *attach_type);
            }
            LinkTarget::Xdp { ifindex } => {
                w.raw_field("ifindex", ifindex);
            }
            _ => {}
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

    fn plain(&self, pins: Option<&PinTable>) -> String {
        let info = self.info;
        let mut s = format!("{}: ", info.id);
        match names::link_type(info.link_type) {
            Some(name) => write!(s, "{name}  "),
            None => write!(s, "type {}  ", info.link_type.0),
        }
        .ok();
        write!(s, "prog {}  ", info.prog_id).ok();
        match &info.target {
            LinkTarget::RawTracepoint { tp_name } => {
                write!(s, "\n\ttp '{tp_name}'  ").ok();
            }
            LinkTarget::Tracing { attach_type, .. } => {
                if let Some(t) = self.prog_type {
                    match names::prog_type(t) {
                        Some(name) => write!(s, "\n\tprog_type {name}  "),
                        None => write!(s, "\n\tprog_type {}  ", t.0),
                    }
                    .ok();
                }
                s.push_str(&attach_type_plain(*attach_type));
            }
            LinkTarget::Cgroup { cgroup_id, attach_type } => {
                write!(s, "\n\tcgroup_id {cgroup_id}  ").ok();
                s.push_str(&attach_type_plain(*attach_type));
            }
            LinkTarget::Iter { target_name, map_id } => {
                write!(s, "target_name {target_name}  ").ok();
                if let Some(id) = map_id {
                    write!(s, "map_id {id}  ").ok();
                }
            }
            LinkTarget::Netns { netns_ino, attach_type } => {
                write!(s, "\n\tnetns_ino {netns_ino}  ").ok();
                s.push_str(&attach_type_plain(*attach_type));
            }
            _ => {}
        }
        for path in pins.map_or(&[][..], |p| p.paths(info.id)) {
            write!(s, "\n\tpinned {}", text::os(path)).ok();
        }
        s.push('\n');
        s
    }
}

fn attach_type_json(w: &mut JsonWriter, t: AttachType) {
    match names::attach_type(t) {
        Some(name) => w.string_field("attach_type", name),
        None => w.raw_field("attach_type", t.0),
    };
}

fn attach_type_plain(t: AttachType) -> String {
    match names::attach_type(t) {
        Some(name) => format!("attach_type {name}  "),
        None => format!("attach_type {}  ", t.0),
    }
}
