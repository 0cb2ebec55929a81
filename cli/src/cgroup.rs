//! `bpfkit cgroup { show | list | tree | attach | detach }`: bpftool 7.1's
//! `cgroup` commands, with its output (text byte for byte, JSON key for
//! key), its messages and its exit statuses.
//!
//! `attach` uses `BPF_PROG_ATTACH`, as bpftool does: the program stays on
//! the cgroup after bpfkit exits, until `cgroup detach` removes it.
//! `show` and `tree` list every program on a hook, however it was attached
//! (links included), in attach type order, as bpftool 7.1 does: the types
//! it knows (up to `lsm_cgroup`), so not the `cgroup_unix_*` hooks of later
//! kernels.
//!
//! An `lsm_cgroup` program is named by the kernel function it hooks, as
//! bpftool names it (`attach_btf_name`; see [`AttachBtfNames`] for the
//! order-dependent rules bpftool follows).

use std::fmt::Write as _;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};

use bpfkit::link::{
    Cgroup, CgroupAttachFlags, CgroupQuery, attach_cgroup_untyped, cgroup_query, cgroup2_mount,
    detach_cgroup_untyped,
};
use bpfkit::prog::{AttachType, Program};

use crate::args::{Args, Word, is_prefix, pick};
use crate::attach_btf_name::AttachBtfNames;
use crate::errno::strerror;
use crate::json::JsonWriter;
use crate::names;
use crate::out::{CliError, Output, status};
use crate::select::ProgSelector;
use crate::text;

const USAGE: &str = "\
Usage: bpfkit cgroup { show | list } CGROUP [**effective**]
       bpfkit cgroup tree [CGROUP_ROOT] [**effective**]
       bpfkit cgroup attach CGROUP ATTACH_TYPE PROG [ATTACH_FLAGS]
       bpfkit cgroup detach CGROUP ATTACH_TYPE PROG
       bpfkit cgroup help

       ATTACH_TYPE := { cgroup_inet_ingress | cgroup_inet_egress |
                        cgroup_inet_sock_create | cgroup_sock_ops |
                        cgroup_device | cgroup_inet4_bind |
                        cgroup_inet6_bind | cgroup_inet4_post_bind |
                        cgroup_inet6_post_bind | cgroup_inet4_connect |
                        cgroup_inet6_connect | cgroup_inet4_getpeername |
                        cgroup_inet6_getpeername | cgroup_inet4_getsockname |
                        cgroup_inet6_getsockname | cgroup_udp4_sendmsg |
                        cgroup_udp6_sendmsg | cgroup_udp4_recvmsg |
                        cgroup_udp6_recvmsg | cgroup_sysctl |
                        cgroup_getsockopt | cgroup_setsockopt |
                        cgroup_inet_sock_release }
       ATTACH_FLAGS := { multi | override }
       PROG := { id PROG_ID | pinned FILE | tag PROG_TAG | name PROG_NAME | PROG_ID }
       OPTIONS := { {-j|--json} [{-p|--pretty}] | {-f|--bpffs} }
";

/// The subcommands, in bpftool's order of abbreviation.
const COMMANDS: &[&str] = &["show", "list", "tree", "attach", "detach", "help"];

/// The last attach type bpftool 7.1 queries and parses (its headers end
/// there).
const LAST_ATTACH_TYPE: u32 = AttachType::LSM_CGROUP.0;

/// Runs `bpfkit cgroup ...`.
pub fn run(args: &mut Args, output: Output) -> Result<(), CliError> {
    let Some(word) = args.next() else {
        return Err(CliError::usage("'cgroup' needs at least 1 arguments, 0 found"));
    };
    let rest = args.rest();
    match pick(&word, COMMANDS) {
        Some("show" | "list") => show(&rest, output),
        Some("tree") => tree(&rest, output),
        Some("attach") => attach(&rest, output),
        Some("detach") => detach(&rest, output),
        Some(_) => {
            output.usage(USAGE);
            Ok(())
        }
        None => Err(CliError::usage(format!(
            "unknown command 'cgroup {word}' (see 'bpfkit cgroup help')"
        ))),
    }
}

/// `[effective]`, as bpftool reads what follows the cgroup.
fn effective(words: &[Word]) -> Result<bool, CliError> {
    let mut effective = false;
    for word in words {
        if !is_prefix(word, "effective") {
            return Err(CliError::usage(format!(
                "expected no more arguments, 'effective', got: '{word}'?"
            )));
        }
        if effective {
            return Err(CliError::usage(format!("duplicated argument: {word}")));
        }
        effective = true;
    }
    Ok(effective)
}

/// bpftool's names for attach types on input, besides libbpf's: the
/// short ones its earlier versions printed (matched as prefixes).
fn input_name(t: AttachType) -> Option<&'static str> {
    Some(match t {
        AttachType::CGROUP_INET_INGRESS => "ingress",
        AttachType::CGROUP_INET_EGRESS => "egress",
        AttachType::CGROUP_INET_SOCK_CREATE => "sock_create",
        AttachType::CGROUP_INET_SOCK_RELEASE => "sock_release",
        AttachType::CGROUP_SOCK_OPS => "sock_ops",
        AttachType::CGROUP_DEVICE => "device",
        AttachType::CGROUP_INET4_BIND => "bind4",
        AttachType::CGROUP_INET6_BIND => "bind6",
        AttachType::CGROUP_INET4_CONNECT => "connect4",
        AttachType::CGROUP_INET6_CONNECT => "connect6",
        AttachType::CGROUP_INET4_POST_BIND => "post_bind4",
        AttachType::CGROUP_INET6_POST_BIND => "post_bind6",
        AttachType::CGROUP_INET4_GETPEERNAME => "getpeername4",
        AttachType::CGROUP_INET6_GETPEERNAME => "getpeername6",
        AttachType::CGROUP_INET4_GETSOCKNAME => "getsockname4",
        AttachType::CGROUP_INET6_GETSOCKNAME => "getsockname6",
        AttachType::CGROUP_UDP4_SENDMSG => "sendmsg4",
        AttachType::CGROUP_UDP6_SENDMSG => "sendmsg6",
        AttachType::CGROUP_SYSCTL => "sysctl",
        AttachType::CGROUP_UDP4_RECVMSG => "recvmsg4",
        AttachType::CGROUP_UDP6_RECVMSG => "recvmsg6",
        AttachType::CGROUP_GETSOCKOPT => "getsockopt",
        AttachType::CGROUP_SETSOCKOPT => "setsockopt",
        AttachType::TRACE_RAW_TP => "raw_tp",
        AttachType::TRACE_FENTRY => "fentry",
        AttachType::TRACE_FEXIT => "fexit",
        AttachType::MODIFY_RETURN => "mod_ret",
        AttachType::SK_REUSEPORT_SELECT => "sk_skb_reuseport_select",
        AttachType::SK_REUSEPORT_SELECT_OR_MIGRATE => "sk_skb_reuseport_select_or_migrate",
        other => return names::attach_type(other),
    })
}

/// An attach type as bpftool 7.1 parses it: libbpf's name exactly, else a
/// prefix of the names above, in attach type order.
fn parse_attach_type(word: &str) -> Option<AttachType> {
    let types = || (0..=LAST_ATTACH_TYPE).map(AttachType);
    types()
        .find(|&t| names::attach_type(t) == Some(word))
        .or_else(|| types().find(|&t| input_name(t).is_some_and(|name| is_prefix(word, name))))
}

/// The cgroup at `path`, opened as bpftool opens it: a path that cannot be
/// opened is "can't open cgroup"; a directory that is no cgroup2 one (the
/// kernel would refuse its fd with `EBADF`) is `Ok(None)`.
fn open(path: &Path) -> Result<Option<Cgroup>, CliError> {
    if std::fs::File::open(path).is_err() {
        return Err(CliError::new(format!("can't open cgroup {}", text::os(path))));
    }
    Ok(Cgroup::open(path).ok())
}

/// What a cgroup has at each hook bpftool 7.1 queries, in attach type
/// order; hooks the kernel cannot query on a cgroup (`EINVAL`) are
/// skipped. Another error ends the walk, with bpftool's message.
fn hooks(
    cgroup: Option<&Cgroup>,
    path: &str,
    effective: bool,
) -> Result<Vec<(AttachType, CgroupQuery)>, CliError> {
    let failed = |errno: i32| {
        CliError::new(format!("can't query bpf programs attached to {path}: {}", strerror(errno)))
            .with_errno(errno)
    };
    let Some(cgroup) = cgroup else {
        return Err(failed(libc::EBADF));
    };
    let mut found = Vec::new();
    for t in (0..=LAST_ATTACH_TYPE).map(AttachType) {
        match cgroup_query(cgroup, t, effective) {
            Ok(q) if !q.programs.is_empty() => found.push((t, q)),
            Ok(_) => {}
            Err(e) => match e.errno() {
                Some(errno) if errno.0 == libc::EINVAL => {}
                Some(errno) => return Err(failed(errno.0)),
                None => return Err(CliError::from(e)),
            },
        }
    }
    Ok(found)
}

/// One program on a hook, as bpftool shows it.
struct Shown {
    id: u32,
    attach_type: AttachType,
    /// `None` in effective mode, where bpftool shows no flags.
    flags: Option<String>,
    name: String,
    /// The kernel function an `lsm_cgroup` program hooks, where bpftool
    /// prints a name (see [`AttachBtfNames`]).
    btf_name: Option<String>,
    attach_btf_obj_id: u32,
    attach_btf_id: u32,
}

/// The programs of `hooks`, in order; programs gone meanwhile are skipped,
/// as bpftool skips them.
fn programs(
    hooks: &[(AttachType, CgroupQuery)],
    effective: bool,
    names: &mut AttachBtfNames,
) -> Vec<Shown> {
    let mut shown = Vec::new();
    for (t, q) in hooks {
        let flags = (!effective).then(|| flags_name(q.flags));
        for &id in &q.programs {
            let Ok(info) = Program::from_id(id).and_then(|p| p.info()) else { continue };
            shown.push(Shown {
                id: info.id,
                attach_type: *t,
                flags: flags.clone(),
                name: info.full_name,
                btf_name: names.name(info.attach_btf_obj_id, info.attach_btf_id),
                attach_btf_obj_id: info.attach_btf_obj_id,
                attach_btf_id: info.attach_btf_id,
            });
        }
    }
    shown
}

fn flags_name(flags: CgroupAttachFlags) -> String {
    match flags.bits() {
        0 => String::new(),
        2 => "multi".into(),
        1 => "override".into(),
        other => format!("unknown({other:x})"),
    }
}

fn header(effective: bool) -> String {
    if effective {
        format!("{:<8} {:<15} {:<15}\n", "ID", "AttachType", "Name")
    } else {
        format!("{:<8} {:<15} {:<15} {:<15}\n", "ID", "AttachType", "AttachFlags", "Name")
    }
}

fn line(s: &mut String, p: &Shown, indent: bool) {
    let _ = write!(s, "{}{:<8} ", if indent { "    " } else { "" }, p.id);
    let _ = match names::attach_type(p.attach_type) {
        Some(name) => write!(s, "{name:<15}"),
        None => write!(s, "type {:<10}", p.attach_type.0),
    };
    let _ = match &p.flags {
        Some(flags) => write!(s, " {flags:<15} {:<15}", p.name),
        None => write!(s, " {:<15}", p.name),
    };
    let _ = match &p.btf_name {
        Some(name) => writeln!(s, " {name:<15}"),
        None if p.attach_btf_id != 0 => writeln!(
            s,
            " attach_btf_obj_id={} attach_btf_id={}",
            p.attach_btf_obj_id, p.attach_btf_id
        ),
        None => writeln!(s),
    };
}

fn json(w: &mut JsonWriter, p: &Shown) {
    w.start_object().raw_field("id", p.id);
    match names::attach_type(p.attach_type) {
        Some(name) => w.string_field("attach_type", name),
        None => w.raw_field("attach_type", p.attach_type.0),
    };
    if let Some(flags) = &p.flags {
        w.string_field("attach_flags", flags);
    }
    w.string_field("name", &p.name);
    if let Some(name) = &p.btf_name {
        w.string_field("attach_btf_name", name);
    }
    w.raw_field("attach_btf_obj_id", p.attach_btf_obj_id)
        .raw_field("attach_btf_id", p.attach_btf_id)
        .end_object();
}

/// `cgroup show CGROUP [effective]`.
fn show(words: &[Word], output: Output) -> Result<(), CliError> {
    let Some((path, rest)) = words.split_first() else {
        return Err(CliError::usage("'show' needs at least 1 arguments, 0 found"));
    };
    let effective = effective(rest)?;
    let cgroup = open(path.path())?;
    let found = hooks(cgroup.as_ref(), path, effective)?;
    let shown = programs(&found, effective, &mut AttachBtfNames::new());
    if shown.is_empty() {
        // bpftool prints nothing (in JSON, its writer's closing newline).
        if output.json {
            output.print("\n");
        }
        return Ok(());
    }
    if output.json {
        let mut w = output.writer();
        w.start_array();
        for p in &shown {
            json(&mut w, p);
        }
        w.end_array();
        output.print(&w.finish());
    } else {
        let mut s = header(effective);
        for p in &shown {
            line(&mut s, p, false);
        }
        output.print(&s);
    }
    Ok(())
}

/// `cgroup tree [CGROUP_ROOT [effective]]`.
fn tree(words: &[Word], output: Output) -> Result<(), CliError> {
    let (root, effective) = match words.split_first() {
        None => {
            let root = cgroup2_mount().map_err(|_| CliError::new("cgroup v2 isn't mounted"))?;
            (root, false)
        }
        Some((root, rest)) => (root.path().to_path_buf(), effective(rest)?),
    };
    let mut listing = Listing::new(output, effective);
    let result = walk(&root, &mut listing, effective);
    listing.finish(result)
}

/// The tree's output so far: bpftool writes it as it walks, so that an
/// error ends it where it happened.
struct Listing {
    output: Output,
    text: String,
    json: JsonWriter,
    /// One for the whole walk, as bpftool's state is.
    names: AttachBtfNames,
}

impl Listing {
    fn new(output: Output, effective: bool) -> Listing {
        let mut json = output.writer();
        json.start_array();
        let text = format!("CgroupPath\n{}", header(effective));
        Listing { output, text, json, names: AttachBtfNames::new() }
    }

    fn cgroup(&mut self, path: &str, shown: &[Shown], indent: bool) {
        if self.output.json {
            self.json.start_object().string_field("cgroup", path).name("programs").start_array();
            for p in shown {
                json(&mut self.json, p);
            }
            self.json.end_array().end_object();
        } else {
            self.text.push_str(path);
            self.text.push('\n');
            for p in shown {
                line(&mut self.text, p, indent);
            }
        }
    }

    /// Prints the listing; an error goes where bpftool puts it: after the
    /// text on standard error, or as the last element of the JSON array.
    fn finish(mut self, result: Result<(), CliError>) -> Result<(), CliError> {
        if !self.output.json {
            self.output.print(&self.text);
            return result;
        }
        let failed = result.as_ref().err().map(|e| e.status);
        if let Err(e) = &result {
            self.json.start_object().string_field("error", &text::escape_controls(&e.message));
            self.json.end_object();
        }
        self.json.end_array();
        self.output.print(&self.json.finish());
        match failed {
            Some(status) => Err(CliError::quiet(status)),
            None => Ok(()),
        }
    }
}

/// Walks the directories under `root` as glibc's `nftw(FTW_MOUNT)` does
/// for bpftool: parents before children, each directory's entries in
/// `readdir` order, staying on `root`'s filesystem.
fn walk(root: &Path, listing: &mut Listing, effective: bool) -> Result<(), CliError> {
    let root = strip_trailing_slashes(root);
    let shown_root = text::os(&root);
    let meta = std::fs::metadata(&root).map_err(|e| {
        CliError::new(format!(
            "can't iterate over {shown_root}: {}",
            strerror(e.raw_os_error().unwrap_or(libc::EIO))
        ))
    })?;
    if !meta.is_dir() {
        return Ok(());
    }
    visit(&root, meta.dev(), 0, listing, effective)
}

fn visit(
    dir: &Path,
    dev: u64,
    level: usize,
    listing: &mut Listing,
    effective: bool,
) -> Result<(), CliError> {
    let shown_path = text::os(dir);
    // An unreadable directory is nftw's FTW_DNR, which bpftool skips.
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    if std::fs::File::open(dir).is_err() {
        return Err(CliError::new(format!(
            "can't open cgroup {shown_path}: {}",
            strerror(std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO))
        )));
    }
    let cgroup = Cgroup::open(dir).ok();
    let found = hooks(cgroup.as_ref(), &shown_path, effective)?;
    drop(cgroup);
    if !found.is_empty() {
        let shown = programs(&found, effective, &mut listing.names);
        listing.cgroup(&shown_path, &shown, level > 0);
    }
    for entry in entries.flatten() {
        let path = entry.path();
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_dir() && meta.dev() == dev => {
                visit(&path, dev, level + 1, listing, effective)?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// The path without the slashes it ends with (`/` stays `/`), as nftw
/// names the directory it starts from.
fn strip_trailing_slashes(path: &Path) -> PathBuf {
    use std::os::unix::ffi::OsStrExt as _;
    let mut bytes = path.as_os_str().as_bytes();
    while bytes.len() > 1 && bytes.ends_with(b"/") {
        bytes = &bytes[..bytes.len() - 1];
    }
    PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
}

/// The words of `attach` and `detach` up to the program, parsed in
/// bpftool's order: the cgroup opened, the attach type, the program.
struct Target {
    path: PathBuf,
    attach_type: AttachType,
    prog: Program,
    rest: Vec<Word>,
}

fn target(words: &[Word], what: &str) -> Result<Target, CliError> {
    if words.len() < 4 {
        return Err(CliError::usage(format!("too few parameters for cgroup {what}")));
    }
    let path = words[0].path().to_path_buf();
    if std::fs::File::open(&path).is_err() {
        return Err(CliError::new(format!("can't open cgroup {}", words[0])));
    }
    let attach_type =
        parse_attach_type(&words[1]).ok_or_else(|| CliError::usage("invalid attach type"))?;
    let (selector, used) = ProgSelector::take(&words[2..])?;
    let mut progs = selector.open()?;
    if progs.len() > 1 {
        return Err(CliError::new("several programs match this handle"));
    }
    let prog = progs.pop().ok_or_else(|| CliError::new("no program selected"))?;
    Ok(Target { path, attach_type, prog, rest: words[2 + used..].to_vec() })
}

/// `cgroup attach CGROUP ATTACH_TYPE PROG [multi] [override]`.
fn attach(words: &[Word], output: Output) -> Result<(), CliError> {
    let target = target(words, "attach")?;
    let mut flags = CgroupAttachFlags::empty();
    for word in &target.rest {
        if is_prefix(word, "multi") {
            flags |= CgroupAttachFlags::ALLOW_MULTI;
        } else if is_prefix(word, "override") {
            flags |= CgroupAttachFlags::ALLOW_OVERRIDE;
        } else {
            return Err(CliError::usage(format!("unknown option: {word}")));
        }
    }
    let failed = || CliError::new("failed to attach program").with_status(status::FAILURE);
    let cgroup = Cgroup::open(&target.path).map_err(|_| failed())?;
    attach_cgroup_untyped(&target.prog, &cgroup, target.attach_type, flags)
        .map_err(|_| failed())?;
    output.nothing();
    Ok(())
}

/// `cgroup detach CGROUP ATTACH_TYPE PROG`.
fn detach(words: &[Word], output: Output) -> Result<(), CliError> {
    let target = target(words, "detach")?;
    let failed = || CliError::new("failed to detach program");
    let cgroup = Cgroup::open(&target.path).map_err(|_| failed())?;
    detach_cgroup_untyped(&target.prog, &cgroup, target.attach_type).map_err(|_| failed())?;
    output.nothing();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attach_types_parse_as_bpftool_7_1_parses_them() {
        assert_eq!(parse_attach_type("cgroup_inet_ingress"), Some(AttachType::CGROUP_INET_INGRESS));
        assert_eq!(parse_attach_type("ingress"), Some(AttachType::CGROUP_INET_INGRESS));
        assert_eq!(parse_attach_type("ing"), Some(AttachType::CGROUP_INET_INGRESS));
        assert_eq!(parse_attach_type("s"), Some(AttachType::CGROUP_INET_SOCK_CREATE));
        assert_eq!(parse_attach_type("connect6"), Some(AttachType::CGROUP_INET6_CONNECT));
        assert_eq!(parse_attach_type("sysctl"), Some(AttachType::CGROUP_SYSCTL));
        assert_eq!(parse_attach_type("cgroup_sysctl"), Some(AttachType::CGROUP_SYSCTL));
        // libbpf's names match whole only; bpftool's own by prefix.
        assert_eq!(parse_attach_type("cgroup_inet_ing"), None);
        assert_eq!(parse_attach_type("tcx_ingress"), None);
        assert_eq!(parse_attach_type("bogus"), None);
    }

    #[test]
    fn lines_are_padded_as_bpftool_pads_them() {
        let p = Shown {
            id: 7,
            attach_type: AttachType::CGROUP_INET_SOCK_CREATE,
            flags: Some(String::new()),
            name: "sockc".into(),
            btf_name: Some(String::new()),
            attach_btf_obj_id: 0,
            attach_btf_id: 0,
        };
        let mut s = String::new();
        line(&mut s, &p, true);
        assert_eq!(
            s,
            format!("    7        cgroup_inet_sock_create {:15} sockc{:10} {:15}\n", "", "", "")
        );
        // A hooked kernel function by name; ids where bpftool has no name;
        // nothing when there is neither.
        let lsm = |btf_name: Option<&str>, attach_btf_id| Shown {
            id: 8,
            attach_type: AttachType::LSM_CGROUP,
            flags: None,
            name: "lsmc".into(),
            btf_name: btf_name.map(str::to_owned),
            attach_btf_obj_id: 1,
            attach_btf_id,
        };
        let shown = |p: &Shown| {
            let mut s = String::new();
            line(&mut s, p, false);
            s
        };
        let named = shown(&lsm(Some("bpf_lsm_socket_bind"), 9));
        assert_eq!(named, "8        lsm_cgroup      lsmc            bpf_lsm_socket_bind\n");
        let ids = shown(&lsm(None, 9));
        assert_eq!(
            ids,
            "8        lsm_cgroup      lsmc            attach_btf_obj_id=1 attach_btf_id=9\n"
        );
        assert_eq!(shown(&lsm(None, 0)), "8        lsm_cgroup      lsmc           \n");
        assert_eq!(header(true), "ID       AttachType      Name           \n");
        assert_eq!(flags_name(CgroupAttachFlags::from_bits_retain(6)), "unknown(6)");
    }

    #[test]
    fn the_root_loses_its_trailing_slashes() {
        assert_eq!(strip_trailing_slashes(Path::new("/a/b//")), Path::new("/a/b"));
        assert_eq!(strip_trailing_slashes(Path::new("/")), Path::new("/"));
    }
}
