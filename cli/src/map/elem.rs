//! `[key DATA] [value VALUE] [UPDATE_FLAGS]`: the words after the map, in
//! any order, read as bpftool's `parse_elem` reads them.
//!
//! Which parts a command takes, and the exact complaint when one is missing,
//! repeated or not wanted, follow bpftool: `lookup` on a map without keys
//! says "unnecessary key", a second `key` says "duplicate key", flags on a
//! lookup say "flags specified multiple times". A per-CPU map takes one
//! value and stores it on every CPU; a program array takes a `PROG` and a
//! map of maps a `MAP`, whose file descriptor becomes the value.

use std::io::Write as _;
use std::os::fd::AsRawFd;

use bpfkit::maps::{MapFd, MapType, UpdateMode};
use bpfkit::prog::Program;

use super::bytes::{Words, abbreviates, parse_bytes};
use super::select;
use crate::out::CliError;

/// What a command reads after the map.
#[derive(Clone, Copy, Debug)]
pub struct Grammar {
    /// Read a key (bpftool passes a key buffer).
    pub key: bool,
    /// The key size bpftool names in "duplicate key"/"unnecessary key".
    pub key_size: usize,
    /// Read a value.
    pub value: bool,
    /// The value size bpftool names in "duplicate value"/"unnecessary value".
    pub value_size: usize,
    /// Accept `any`, `exist` or `noexist`.
    pub flags: bool,
}

impl Grammar {
    /// `lookup` (and its key): a key if the map has keys, nothing else.
    pub fn lookup(map: &MapFd) -> Grammar {
        let key_size = map.def().key_size as usize;
        Grammar { key: key_size > 0, key_size, value: false, value_size: 0, flags: false }
    }

    /// `delete` and `getnext ... key`: always a key buffer, even of 0 bytes.
    pub fn key_only(map: &MapFd) -> Grammar {
        let key_size = map.def().key_size as usize;
        Grammar { key: true, key_size, value: false, value_size: 0, flags: false }
    }

    /// `update`: key and value where the map has them, and flags.
    pub fn update(map: &MapFd) -> Grammar {
        let key_size = map.def().key_size as usize;
        let value_size = map.def().value_size as usize;
        Grammar { key: key_size > 0, key_size, value: value_size > 0, value_size, flags: true }
    }
}

/// An element read from the command line, in the buffers the kernel takes.
pub struct Elem {
    /// The key's bytes (empty for a map without keys).
    pub key: Vec<u8>,
    /// The value buffer: for a per-CPU map, the value once per possible CPU.
    pub value: Vec<u8>,
    /// `any`, `exist` or `noexist`.
    pub mode: UpdateMode,
    /// The inner map whose fd is the value, open until the update.
    _inner_map: Option<MapFd>,
    /// The program whose fd is the value, open until the update.
    _program: Option<Program>,
}

/// Reads the parts `grammar` takes from `words`, with bpftool's errors;
/// `warn` lets bpftool's warnings through to standard error (not in JSON).
pub fn parse(
    words: &mut Words<'_>,
    map: &MapFd,
    grammar: Grammar,
    warn: bool,
) -> Result<Elem, CliError> {
    let key_size = map.def().key_size as usize;
    let mut elem = Elem {
        key: vec![0; key_size],
        value: vec![0; map.value_buffer_len()],
        mode: UpdateMode::Any,
        _inner_map: None,
        _program: None,
    };
    let (mut want_key, mut want_value, mut flags) = (grammar.key, grammar.value, grammar.flags);
    while let Some(word) = words.peek() {
        if abbreviates(word, "key") {
            if !want_key {
                return Err(CliError::new(if grammar.key_size > 0 {
                    "duplicate key"
                } else {
                    "unnecessary key"
                }));
            }
            words.next();
            elem.key = parse_bytes(words, "key", key_size).map_err(CliError::new)?;
            want_key = false;
        } else if abbreviates(word, "value") {
            if !want_value {
                return Err(CliError::new(if grammar.value_size > 0 {
                    "duplicate value"
                } else {
                    "unnecessary value"
                }));
            }
            words.next();
            parse_value(words, map, &mut elem, warn)?;
            want_value = false;
        } else if let Some(mode) = update_mode(word) {
            if !flags {
                return Err(CliError::new(format!("flags specified multiple times: {word}")));
            }
            words.next();
            elem.mode = mode;
            flags = false;
        } else {
            return Err(CliError::new(format!("expected key or value, got: {word}")));
        }
    }
    match (want_key, want_value) {
        (true, _) => Err(CliError::new("did not find key")),
        (false, true) => Err(CliError::new("did not find value")),
        (false, false) => Ok(elem),
    }
}

/// `any`, `noexist` or `exist`, tried in bpftool's order (`e` is `exist`).
fn update_mode(word: &str) -> Option<UpdateMode> {
    if abbreviates(word, "any") {
        Some(UpdateMode::Any)
    } else if abbreviates(word, "noexist") {
        Some(UpdateMode::NoExist)
    } else if abbreviates(word, "exist") {
        Some(UpdateMode::Exist)
    } else {
        None
    }
}

fn parse_value(
    words: &mut Words<'_>,
    map: &MapFd,
    elem: &mut Elem,
    warn: bool,
) -> Result<(), CliError> {
    let def = map.def();
    let value_size = def.value_size as usize;
    let holds = match def.map_type {
        MapType::ARRAY_OF_MAPS | MapType::HASH_OF_MAPS => Some("map in map"),
        MapType::PROG_ARRAY => Some("map of progs"),
        _ => None,
    };
    if let Some(what) = holds {
        if value_size != 4 {
            return Err(CliError::new(format!("value smaller than 4B for {what}?")));
        }
        if words.len() < 2 {
            return Err(CliError::new(format!("not enough value arguments for {what}")));
        }
        let fd = if def.map_type == MapType::PROG_ARRAY {
            if warn && words.peek().is_some_and(|w| abbreviates(w, "id")) {
                // bpftool's warning, on standard error as its p_info.
                let _ = writeln!(
                    std::io::stderr(),
                    "Warning: updating program array via MAP_ID, make sure this map is kept open\n         by some process or pinned otherwise update will be lost"
                );
            }
            let prog = select::program(words)?;
            let fd = prog.fd().as_raw_fd();
            elem._program = Some(prog);
            fd
        } else {
            let inner = select::map(words)?;
            let fd = inner.fd().as_raw_fd();
            elem._inner_map = Some(inner);
            fd
        };
        elem.value = (fd as u32).to_ne_bytes().to_vec();
        return Ok(());
    }
    let one = parse_bytes(words, "value", value_size).map_err(CliError::new)?;
    if def.map_type.is_per_cpu() {
        // One value for every CPU, as bpftool's update does.
        let step = value_size.next_multiple_of(8);
        for slot in elem.value.chunks_mut(step.max(1)) {
            slot[..value_size].copy_from_slice(&one);
        }
    } else {
        elem.value = one;
    }
    Ok(())
}
