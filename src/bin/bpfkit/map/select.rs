//! `MAP := { id MAP_ID | pinned FILE | name MAP_NAME }` and bpftool's
//! `PROG` spec for program-array values, with bpftool's errors.
//!
//! A name may match several maps: `show` and `dump` take them all, the
//! commands on one element refuse ("several maps match this handle").
//! Where bpftool silently exits 255 when no map has the name, bpfkit says
//! so, in the same error shape.

use std::path::Path;

use bpfkit::maps::{MapFd, map_ids, pinned_kind};
use bpfkit::pinned::ObjectKind;
use bpfkit::prog::{Program, program_ids};

use super::bytes::{Words, abbreviates, strtoul};
use super::errno;
use crate::out::CliError;

/// The kernel's longest object name (`BPF_OBJ_NAME_LEN - 1`).
const MAX_MAP_NAME: usize = 15;
/// bpftool's longest program name (`MAX_PROG_FULL_NAME - 1`).
const MAX_PROG_NAME: usize = 127;

/// Every map that the `MAP` words at the front of `words` select.
pub fn maps(words: &mut Words<'_>) -> Result<Vec<MapFd>, CliError> {
    let kind = words.next().unwrap_or_default();
    if abbreviates(kind, "id") {
        let id = id(words)?;
        MapFd::from_id(id).map(|m| vec![m]).map_err(|e| by_id_error("get map by id", id, &e))
    } else if abbreviates(kind, "name") {
        let name = words.next().unwrap_or_default();
        if name.len() > MAX_MAP_NAME {
            return Err(CliError::new("can't parse name"));
        }
        let found = maps_named(name)?;
        if found.is_empty() {
            return Err(CliError::new(format!("no map with name {name}")));
        }
        Ok(found)
    } else if abbreviates(kind, "pinned") {
        let path = words.next().unwrap_or_default();
        open_pinned(path, ObjectKind::Map)?;
        MapFd::open_pinned(path).map(|m| vec![m]).map_err(|e| pinned_error(path, &e))
    } else {
        Err(CliError::new(format!("expected 'id', 'name' or 'pinned', got: '{kind}'?")))
    }
}

/// The one map the `MAP` words select.
pub fn map(words: &mut Words<'_>) -> Result<MapFd, CliError> {
    let mut found = maps(words)?;
    match found.len() {
        1 => Ok(found.remove(0)),
        _ => Err(CliError::new("several maps match this handle")),
    }
}

/// The one program the `PROG` words select (a program array's value).
pub fn program(words: &mut Words<'_>) -> Result<Program, CliError> {
    let kind = words.next().unwrap_or_default();
    let (mut found, what) = if abbreviates(kind, "id") {
        let id = id(words)?;
        return Program::from_id(id).map_err(|e| by_id_error("get by id", id, &e));
    } else if abbreviates(kind, "tag") {
        let word = words.next().unwrap_or_default();
        let tag = parse_tag(word).ok_or_else(|| CliError::new("can't parse tag"))?;
        (programs_where(|p| p.tag == tag)?, format!("tag {word}"))
    } else if abbreviates(kind, "name") {
        let name = words.next().unwrap_or_default();
        if name.len() > MAX_PROG_NAME {
            return Err(CliError::new("can't parse name"));
        }
        (programs_where(|p| p.name == name)?, format!("name {name}"))
    } else if abbreviates(kind, "pinned") {
        let path = words.next().unwrap_or_default();
        open_pinned(path, ObjectKind::Program)?;
        return Program::open_pinned(path).map_err(|e| pinned_error(path, &e));
    } else {
        return Err(CliError::new(format!(
            "expected 'id', 'tag', 'name' or 'pinned', got: '{kind}'?"
        )));
    };
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(CliError::new(format!("no program with {what}"))),
        _ => Err(CliError::new("several programs match this handle")),
    }
}

/// An id as bpftool reads one: `strtoul` in any base, cut to 32 bits.
fn id(words: &mut Words<'_>) -> Result<u32, CliError> {
    let word = words.next().unwrap_or_default();
    match strtoul(word, 0) {
        // bpftool stores the number in an unsigned int.
        Some(n) => Ok(n as u32),
        None => Err(CliError::new(format!("can't parse {word} as ID"))),
    }
}

/// A tag as bpftool's `sscanf("%02hhx" x 8)` reads it.
fn parse_tag(word: &str) -> Option<[u8; 8]> {
    let mut tag = [0u8; 8];
    let digits = word.as_bytes();
    for (i, byte) in tag.iter_mut().enumerate() {
        let pair = std::str::from_utf8(digits.get(i * 2..i * 2 + 2)?).ok()?;
        *byte = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(tag)
}

/// The maps named `name`, in id order. A map that goes away during the
/// walk is skipped.
fn maps_named(name: &str) -> Result<Vec<MapFd>, CliError> {
    let mut found = Vec::new();
    for id in map_ids() {
        let id = id.map_err(|e| CliError::new(e.to_string()))?;
        match MapFd::from_id(id) {
            Ok(map) if map.name() == name => found.push(map),
            Ok(_) => {}
            Err(e) if errno::of(&e) == Some(libc::ENOENT) => {}
            Err(e) => return Err(by_id_error("can't get map by id", id, &e)),
        }
    }
    Ok(found)
}

/// The programs that `pick` chooses by their info, in id order.
fn programs_where(
    pick: impl Fn(&bpfkit::prog::ProgramInfo) -> bool,
) -> Result<Vec<Program>, CliError> {
    let mut found = Vec::new();
    for id in program_ids() {
        let id = id.map_err(|e| CliError::new(e.to_string()))?;
        let prog = match Program::from_id(id) {
            Ok(prog) => prog,
            Err(e) if errno::of(&e) == Some(libc::ENOENT) => continue,
            Err(e) => return Err(by_id_error("can't get prog by id", id, &e)),
        };
        let info = prog.info().map_err(|e| CliError::new(e.to_string()))?;
        if pick(&info) {
            found.push(prog);
        }
    }
    Ok(found)
}

/// `"{what} ({id}): {strerror}"`.
fn by_id_error(what: &str, id: u32, err: &bpfkit::Error) -> CliError {
    match errno::of(err) {
        Some(e) => CliError::new(format!("{what} ({id}): {}", errno::strerror(e))),
        None => CliError::new(err.to_string()),
    }
}

/// Checks that a `want` object is pinned at `path`, with bpftool's errors.
fn open_pinned(path: &str, want: ObjectKind) -> Result<(), CliError> {
    match pinned_kind(path) {
        Ok(Some(kind)) if kind == want => Ok(()),
        Ok(kind) => Err(CliError::new(format!("incorrect object type: {}", kind_name(kind)))),
        Err(e) => Err(pinned_error(path, &e)),
    }
}

fn kind_name(kind: Option<ObjectKind>) -> &'static str {
    match kind {
        Some(ObjectKind::Map) => "map",
        Some(ObjectKind::Program) => "prog",
        Some(ObjectKind::Link) => "link",
        None => "unknown",
    }
}

/// bpftool's "bpf obj get (PATH): ..." and its one hint: a path refused
/// outside bpffs is "directory not in bpf file system". On `EACCES` bpftool
/// 7.1 names the directory rather than the path (its `dirname` call cuts
/// the path it then prints), and so does this.
fn pinned_error(path: &str, err: &bpfkit::Error) -> CliError {
    let Some(e) = errno::of(err) else { return CliError::new(err.to_string()) };
    if e != libc::EACCES {
        return CliError::new(format!("bpf obj get ({path}): {}", errno::strerror(e)));
    }
    let dir = dirname(path);
    let why = if on_bpffs(&dir) {
        errno::strerror(e)
    } else {
        "directory not in bpf file system (bpffs)".to_owned()
    };
    CliError::new(format!("bpf obj get ({dir}): {why}"))
}

/// POSIX `dirname`.
fn dirname(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return if path.is_empty() { ".".into() } else { "/".into() };
    }
    match trimmed.rfind('/') {
        None => ".".into(),
        Some(at) => {
            let dir = trimmed[..at].trim_end_matches('/');
            if dir.is_empty() { "/".into() } else { dir.into() }
        }
    }
}

/// Whether `dir` lies on a bpf filesystem: the deepest mount point that
/// holds it, in `/proc/mounts`, is of type `bpf`.
fn on_bpffs(dir: &str) -> bool {
    let Ok(dir) = Path::new(dir).canonicalize() else { return false };
    let Ok(mounts) = std::fs::read_to_string("/proc/mounts") else { return false };
    mounts
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let (_, point, fstype) = (fields.next()?, fields.next()?, fields.next()?);
            let point = point.replace("\\040", " ");
            dir.starts_with(&point).then(|| (point.len(), fstype == "bpf"))
        })
        .max_by_key(|(len, _)| *len)
        .is_some_and(|(_, bpf)| bpf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dirname_is_posix() {
        assert_eq!(dirname("/tmp/x"), "/tmp");
        assert_eq!(dirname("/tmp/x/"), "/tmp");
        assert_eq!(dirname("/x"), "/");
        assert_eq!(dirname("x"), ".");
        assert_eq!(dirname("/"), "/");
        assert_eq!(dirname(""), ".");
        assert_eq!(dirname("a//b"), "a");
    }

    #[test]
    fn tags_parse_as_hex_pairs() {
        assert_eq!(
            parse_tag("a9d77c10a4897ce4"),
            Some([0xa9, 0xd7, 0x7c, 0x10, 0xa4, 0x89, 0x7c, 0xe4])
        );
        assert_eq!(parse_tag("a9d7"), None);
        assert_eq!(parse_tag("zz"), None);
    }
}
