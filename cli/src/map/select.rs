//! `MAP := { id MAP_ID | pinned FILE | name MAP_NAME }` and bpftool's
//! `PROG` spec for program-array values, with bpftool's errors.
//!
//! A name may match several maps: `show` and `dump` take them all, the
//! commands on one element refuse ("several maps match this handle").
//! Where bpftool silently exits 255 when no map has the name, bpfkit says
//! so, in the same error shape.

use std::path::Path;

use bpfkit::maps::{MapFd, map_ids};
use bpfkit::pinned::ObjectKind;
use bpfkit::prog::Program;

use super::bytes::{Words, abbreviates};
use crate::args::Word;
use crate::errno;
use crate::out::CliError;
use crate::select::{ProgSelector, open_pinned_as, parse_id};

/// The kernel's longest object name (`BPF_OBJ_NAME_LEN - 1`).
const MAX_MAP_NAME: usize = 15;

/// Every map that the `MAP` words at the front of `words` select.
pub fn maps(words: &mut Words<'_>) -> Result<Vec<MapFd>, CliError> {
    let kind = words.next().unwrap_or_default();
    if abbreviates(kind, "id") {
        let id = parse_id(words.next().unwrap_or_default())?;
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
        let path = words.next_word().map_or(Path::new(""), Word::path);
        let fd = open_pinned_as(path, ObjectKind::Map)?;
        Ok(vec![MapFd::from_fd(fd)?])
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
    let keyword = words.next().unwrap_or_default();
    let value = words.next_word().cloned().unwrap_or_else(|| Word::from(""));
    let mut found = ProgSelector::from_words(keyword, &value)?.open()?;
    match found.len() {
        1 => Ok(found.remove(0)),
        _ => Err(CliError::new("several programs match this handle")),
    }
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

/// `"{what} ({id}): {strerror}"`.
fn by_id_error(what: &str, id: u32, err: &bpfkit::Error) -> CliError {
    match errno::of(err) {
        Some(e) => CliError::new(format!("{what} ({id}): {}", errno::strerror(e))).with_errno(e),
        None => CliError::new(err.to_string()),
    }
}
