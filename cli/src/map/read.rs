//! `map dump`, `map lookup` and `map getnext`: reading elements, printed as
//! bpftool prints them: without BTF, keys and values as bytes; with BTF,
//! the text is a pretty JSON document of the elements by their types and
//! the JSON adds them as `"formatted"` (see [`super::formatted`]).
//!
//! A dump walks the keys with `BPF_MAP_GET_NEXT_KEY` and looks each one up.
//! An element whose value cannot be read is listed with the reason and not
//! counted, as bpftool does (a device map's empty slot, a socket map). Map
//! types that have no keys to walk (queue, stack, ring buffers, bloom
//! filters) are an error that says so, where bpftool prints an empty dump.

use std::io::Write as _;

use bpfkit::maps::{MapFd, MapInfo, MapType};

use super::bytes::{Words, hex, json_hex};
use super::elem::{self, Grammar};
use super::entry::{self, Shape};
use super::formatted::Formatter;
use super::select;
use super::show::{header_json, header_text, infos};
use crate::errno;
use crate::json::JsonWriter;
use crate::out::{CliError, Output};

/// Where a dump goes: text, a JSON document, or the text of maps with BTF,
/// which bpftool writes as a pretty JSON document of its own.
enum Sink {
    Text(String),
    Json(JsonWriter),
    BtfText(JsonWriter),
}

impl Sink {
    /// The JSON writer of a JSON dump or of the text of maps with BTF.
    fn writer(&mut self) -> Option<&mut JsonWriter> {
        match self {
            Sink::Json(w) | Sink::BtfText(w) => Some(w),
            Sink::Text(_) => None,
        }
    }
}

/// `map dump`: every element of each map; with several maps (a name that
/// several share), each under its header. As bpftool, the text is by the
/// maps' types only when every map has BTF.
pub fn dump(maps: &[MapFd], output: Output) -> Result<(), CliError> {
    let several = maps.len() > 1;
    let infos = infos(maps)?;
    let mut sink = if output.json {
        Sink::Json(output.writer())
    } else if infos.iter().all(|i| i.btf_id != 0) {
        Sink::BtfText(JsonWriter::new(true))
    } else {
        Sink::Text(String::new())
    };
    if let (Some(w), true) = (sink.writer(), several) {
        w.start_array();
    }
    for (i, (map, info)) in maps.iter().zip(&infos).enumerate() {
        dump_one(map, info, several, &mut sink)?;
        if let (Sink::Text(out), true) = (&mut sink, i + 1 < maps.len()) {
            out.push('\n');
        }
    }
    match sink {
        Sink::Json(mut w) | Sink::BtfText(mut w) => {
            if several {
                w.end_array();
            }
            output.print(&w.finish());
        }
        Sink::Text(out) => output.print(&out),
    }
    Ok(())
}

fn dump_one(map: &MapFd, info: &MapInfo, header: bool, sink: &mut Sink) -> Result<(), CliError> {
    let shape = Shape::of(map);
    let formatter = match sink {
        Sink::Text(_) => None,
        Sink::Json(_) => Formatter::of(info, false),
        Sink::BtfText(_) => Formatter::of(info, true),
    };
    match sink {
        Sink::Json(w) | Sink::BtfText(w) => {
            if header {
                w.start_object();
                header_json(w, info);
                w.name("elements");
            }
            w.start_array();
        }
        Sink::Text(out) => {
            if header {
                header_text(out, info);
            }
            if shape.map_type == MapType::REUSEPORT_SOCKARRAY && shape.value_size != 8 {
                let _ = writeln!(
                    std::io::stderr(),
                    "Warning: cannot read values from reuseport_sockarray map with value_size != 8"
                );
            }
        }
    }
    let mut key = vec![0; shape.key_size];
    let mut value = vec![0; map.value_buffer_len()];
    let mut prev: Option<Vec<u8>> = None;
    let mut found = 0u32;
    loop {
        match map.next_key_bytes(prev.as_deref(), &mut key) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(cannot_walk(info, &e, prev.is_none())),
        }
        let failed = match map.lookup_bytes(&key, &mut value) {
            Ok(true) => None,
            Ok(false) => Some(libc::ENOENT),
            Err(e) => Some(errno::of(&e).unwrap_or(libc::EIO)),
        };
        match (failed, &mut *sink) {
            (None, Sink::BtfText(w)) => match &formatter {
                Some(f) => f.element(w, &key, &shape.values(&value), shape.map_type.is_per_cpu()),
                // BTF without a value type: bpftool prints the bytes amid the document.
                None => {
                    let mut text = String::new();
                    entry::text(&mut text, shape, &key, &value);
                    w.interject(&text);
                }
            },
            (None, Sink::Json(w)) => entry::json(w, shape, &key, &value, formatter.as_ref()),
            (None, Sink::Text(out)) => entry::text(out, shape, &key, &value),
            (Some(e), _) if entry::skipped(shape, e) => {}
            (Some(e), Sink::Json(w)) => entry::error_json(w, &key, e),
            // bpftool prints these as plain text amid the document.
            (Some(e), Sink::BtfText(w)) => {
                let mut text = String::new();
                entry::error_text(&mut text, shape, &key, e);
                w.interject(&text);
            }
            (Some(e), Sink::Text(out)) => entry::error_text(out, shape, &key, e),
        }
        if failed.is_none() {
            found += 1;
        }
        prev = Some(key.clone());
    }
    match sink {
        Sink::Json(w) | Sink::BtfText(w) => {
            w.end_array();
            if header {
                w.end_object();
            }
        }
        Sink::Text(out) => {
            let s = if found == 1 { "" } else { "s" };
            out.push_str(&format!("Found {found} element{s}\n"));
        }
    }
    Ok(())
}

/// The error of a walk that failed: bpftool's words, and on the first step
/// why this type of map has no keys to walk.
fn cannot_walk(info: &MapInfo, err: &bpfkit::Error, first: bool) -> CliError {
    let Some(e) = errno::of(err) else { return CliError::new(err.to_string()) };
    let map_type = info.def.map_type;
    let why = match map_type {
        _ if !first => None,
        MapType::QUEUE | MapType::STACK => Some(format!(
            "a {map_type} map has no keys to walk; read the element at its head with 'map lookup'"
        )),
        MapType::RINGBUF | MapType::USER_RINGBUF => Some(format!(
            "a {map_type} map is a stream of records, not keys and values, and cannot be dumped"
        )),
        MapType::BLOOM_FILTER => {
            Some(format!("a {map_type} map keeps only hashes of its values and cannot be dumped"))
        }
        MapType::ARENA => Some(
            "an arena map is memory shared with its programs, not keys and values, \
             and cannot be dumped"
                .to_owned(),
        ),
        _ if matches!(e, libc::EINVAL | libc::EOPNOTSUPP | 524) => Some(format!(
            "the kernel does not walk the keys of a {map_type} map; it cannot be dumped"
        )),
        _ => None,
    };
    let mut err = errno::failed("can't get next key", e);
    if let Some(why) = why {
        err.message = format!("{} ({why})", err.message);
    }
    err
}

/// `map lookup MAP [key DATA]`. A missing key prints bpftool's "Not found"
/// (JSON `null`) and exits 254 as bpftool does.
pub fn lookup(words: &mut Words<'_>, output: Output) -> Result<(), CliError> {
    let map = select::map(words)?;
    let elem = elem::parse(words, &map, Grammar::lookup(&map), !output.json)?;
    let shape = Shape::of(&map);
    let formatter = Formatter::of_map(&map, !output.json);
    let mut value = vec![0; map.value_buffer_len()];
    match map.lookup_bytes(&elem.key, &mut value) {
        Ok(true) => {
            if output.json {
                let mut w = output.writer();
                entry::json(&mut w, shape, &elem.key, &value, formatter.as_ref());
                output.print(&w.finish());
            } else if let Some(f) = &formatter {
                let mut w = JsonWriter::new(true);
                f.element(&mut w, &elem.key, &shape.values(&value), shape.map_type.is_per_cpu());
                output.print(&w.finish());
            } else {
                let mut out = String::new();
                entry::text(&mut out, shape, &elem.key, &value);
                output.print(&out);
            }
            Ok(())
        }
        Ok(false) => {
            if output.json {
                let mut w = output.writer();
                w.null();
                output.print(&w.finish());
            } else {
                output.print(&format!("key:\n{}\n\nNot found\n", hex(&elem.key)));
            }
            Err(CliError::quiet(errno::status(libc::ENOENT)))
        }
        Err(e) => Err(failed("lookup failed", &e)),
    }
}

/// `map getnext MAP [key DATA]`: the key after `key`, or the first key.
pub fn getnext(words: &mut Words<'_>, output: Output) -> Result<(), CliError> {
    let map = select::map(words)?;
    let key = if words.is_empty() {
        None
    } else {
        Some(elem::parse(words, &map, Grammar::key_only(&map), !output.json)?.key)
    };
    let mut next = vec![0; map.def().key_size as usize];
    match map.next_key_bytes(key.as_deref(), &mut next) {
        Ok(true) => {}
        Ok(false) => return Err(errno::failed("can't get next key", libc::ENOENT)),
        Err(e) => return Err(failed("can't get next key", &e)),
    }
    if output.json {
        let mut w = output.writer();
        w.start_object();
        match &key {
            Some(key) => {
                w.name("key");
                json_hex(&mut w, key);
            }
            None => {
                w.name("key").null();
            }
        }
        w.name("next_key");
        json_hex(&mut w, &next);
        w.end_object();
        output.print(&w.finish());
    } else {
        let key = match &key {
            Some(key) => format!("key:\n{}\n", hex(key)),
            None => "key: None\n".to_owned(),
        };
        output.print(&format!("{key}next key:\n{}\n", hex(&next)));
    }
    Ok(())
}

/// `"{what}: {strerror}"` with the call's exit status, for a library error.
pub fn failed(what: &str, err: &bpfkit::Error) -> CliError {
    match errno::of(err) {
        Some(e) => errno::failed(what, e),
        None => CliError::new(format!("{what}: {err}")),
    }
}
