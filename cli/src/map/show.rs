//! `map show|list [MAP]`: one record per map, in bpftool's text and JSON.
//!
//! ```text
//! 7: hash  name flows  flags 0x0
//!         key 4B  value 8B  max_entries 1024  memlock 82368B
//!         pinned /sys/fs/bpf/flows
//!         btf_id 12  frozen
//! ```
//!
//! (The indent of the lines after the first is one tab.)
//!
//! The names of types are those bpftool 7.1 knows (`crate::names`); newer
//! types print as numbers there, and so here. Pinned paths are listed
//! with `-f`/`--bpffs` only, as bpftool lists them.

use std::os::unix::fs::MetadataExt;

use bpfkit::maps::{MapFd, MapInfo, map_ids};
use bpfkit::pinned::ObjectKind;

use crate::errno;
use crate::every::every;
use crate::json::JsonWriter;
use crate::names;
use crate::out::{CliError, Output};
use crate::pins::PinTable;
use crate::text;

/// The paths each map is pinned at, when `-f` asks for them.
pub struct Pins(PinTable);

impl Pins {
    /// Walks the bpf filesystems if `output` asks for pinned paths.
    pub fn find(output: Output) -> Result<Option<Pins>, CliError> {
        Ok(output.bpffs.then(|| Pins(PinTable::build(ObjectKind::Map))))
    }

    /// Whether any map is pinned anywhere: bpftool prints `"pinned": []`
    /// for unpinned maps then, and no `pinned` at all otherwise.
    fn any(&self) -> bool {
        !self.0.is_empty()
    }

    fn of(&self, id: u32) -> impl Iterator<Item = String> + '_ {
        self.0.paths(id).iter().map(text::os)
    }
}

/// Every map, in id order. A map that goes away meanwhile is skipped;
/// errors are bpftool's, inside the listing's JSON array.
pub fn all_maps() -> Result<Vec<MapFd>, CliError> {
    every(map_ids(), "map", "map", MapFd::from_id).collect()
}

/// The info bpftool prints, or its error.
pub fn info(map: &MapFd) -> Result<MapInfo, CliError> {
    map.info().map_err(|e| errno::says("can't get map info", &e))
}

/// The info of each of `maps`, as bpftool 7.1 reads it for a command on
/// several maps (a name they share): a map without BTF that follows one
/// with BTF shows the earlier map's BTF (`btf_id` and the key and value
/// type ids), in `map show` and in `map dump` alike, so this does too.
pub fn infos(maps: &[MapFd]) -> Result<Vec<MapInfo>, CliError> {
    let mut last_btf: Option<(u32, u32, u32)> = None;
    let mut infos = Vec::with_capacity(maps.len());
    for map in maps {
        let mut info = info(map)?;
        if info.btf_id != 0 {
            last_btf = Some((info.btf_id, info.btf_key_type_id, info.btf_value_type_id));
        } else if let Some((id, key, value)) = last_btf {
            (info.btf_id, info.btf_key_type_id, info.btf_value_type_id) = (id, key, value);
        }
        infos.push(info);
    }
    Ok(infos)
}

/// `map show`: the maps, as a JSON array when `listing` (every map, or
/// several that a name selects), else as one object; `every` when they
/// are every map.
pub fn show(maps: &[MapFd], listing: bool, every: bool, output: Output) -> Result<(), CliError> {
    let pins = Pins::find(output)?;
    // bpftool lists every map with fresh info each; only a name's maps
    // carry BTF over (see `infos`).
    let infos =
        if every { maps.iter().map(info).collect::<Result<Vec<_>, _>>()? } else { infos(maps)? };
    if output.json {
        let mut w = output.writer();
        if listing {
            w.start_array();
        }
        for info in &infos {
            record_json(&mut w, info, pins.as_ref());
        }
        if listing {
            w.end_array();
        }
        output.print(&w.finish());
    } else {
        let mut out = String::new();
        for info in &infos {
            record_text(&mut out, info, pins.as_ref());
        }
        output.print(&out);
    }
    Ok(())
}

/// `7: hash  name flows  flags 0x0`, ended by a new line.
pub fn header_text(out: &mut String, info: &MapInfo) {
    out.push_str(&format!("{}: ", info.id));
    match names::map_type(info.def.map_type) {
        Some(name) => out.push_str(&format!("{name}  ")),
        None => out.push_str(&format!("type {}  ", info.def.map_type.0)),
    }
    if !info.name.is_empty() {
        out.push_str(&format!("name {}  ", info.name));
    }
    out.push_str(&format!("flags 0x{:x}", info.def.flags.bits()));
    if let Some(dev) = Device::of(info) {
        out.push_str("  offloaded_to ");
        match &dev.name {
            Some(name) => out.push_str(name),
            None => out.push_str(&format!(
                "ifindex {} ns_dev {} ns_ino {}",
                dev.ifindex, dev.ns_dev, dev.ns_ino
            )),
        }
    }
    out.push('\n');
}

/// `"id"`, `"type"`, `"name"` (when it has one) and `"flags"`.
pub fn header_json(w: &mut JsonWriter, info: &MapInfo) {
    w.raw_field("id", info.id);
    match names::map_type(info.def.map_type) {
        Some(name) => w.string_field("type", name),
        None => w.raw_field("type", info.def.map_type.0),
    };
    if !info.name.is_empty() {
        w.string_field("name", &info.name);
    }
    // bpftool prints the flags with "%d".
    w.raw_field("flags", info.def.flags.bits() as i32);
}

fn record_text(out: &mut String, info: &MapInfo, pins: Option<&Pins>) {
    header_text(out, info);
    out.push_str(&format!(
        "\tkey {}B  value {}B  max_entries {}  memlock {}B",
        info.def.key_size, info.def.value_size, info.def.max_entries, info.memlock
    ));
    if info.owner_prog_type.is_some() || info.owner_jited.is_some() {
        out.push_str("\n\t");
        if let Some(t) = info.owner_prog_type {
            match names::prog_type(t) {
                Some(name) => out.push_str(&format!("owner_prog_type {name}  ")),
                None => out.push_str(&format!("owner_prog_type {}  ", t.0)),
            }
        }
        if let Some(jited) = info.owner_jited {
            out.push_str(if jited { "owner jited" } else { "owner not jited" });
        }
    }
    if let Some(pins) = pins {
        for path in pins.of(info.id) {
            out.push_str(&format!("\n\tpinned {path}"));
        }
    }
    if info.btf_id != 0 || info.frozen {
        out.push_str("\n\t");
    }
    if info.btf_id != 0 {
        out.push_str(&format!("btf_id {}", info.btf_id));
    }
    if info.frozen {
        out.push_str(if info.btf_id != 0 { "  frozen" } else { "frozen" });
    }
    out.push('\n');
}

fn record_json(w: &mut JsonWriter, info: &MapInfo, pins: Option<&Pins>) {
    w.start_object();
    header_json(w, info);
    if let Some(dev) = Device::of(info) {
        w.name("dev").start_object();
        w.raw_field("ifindex", dev.ifindex)
            .raw_field("ns_dev", dev.ns_dev)
            .raw_field("ns_inode", dev.ns_ino);
        if let Some(name) = &dev.name {
            w.string_field("ifname", name);
        }
        w.end_object();
    }
    w.raw_field("bytes_key", info.def.key_size)
        .raw_field("bytes_value", info.def.value_size)
        .raw_field("max_entries", info.def.max_entries)
        .raw_field("bytes_memlock", info.memlock);
    if let Some(t) = info.owner_prog_type {
        match names::prog_type(t) {
            Some(name) => w.string_field("owner_prog_type", name),
            None => w.raw_field("owner_prog_type", t.0),
        };
    }
    if let Some(jited) = info.owner_jited {
        w.bool_field("owner_jited", jited);
    }
    w.raw_field("frozen", u8::from(info.frozen));
    if info.btf_id != 0 {
        w.raw_field("btf_id", info.btf_id);
    }
    if let Some(pins) = pins.filter(|p| p.any()) {
        w.name("pinned").start_array();
        for path in pins.of(info.id) {
            w.string(&path);
        }
        w.end_array();
    }
    w.end_object();
}

/// The interface an offloaded map lives on.
struct Device {
    ifindex: u32,
    ns_dev: u64,
    ns_ino: u64,
    /// The interface's name, when it is in this process's namespace.
    name: Option<String>,
}

impl Device {
    fn of(info: &MapInfo) -> Option<Device> {
        if info.ifindex == 0 {
            return None;
        }
        let here = std::fs::metadata("/proc/self/ns/net").ok();
        let same_ns = here.is_some_and(|m| m.dev() == info.netns_dev && m.ino() == info.netns_ino);
        Some(Device {
            ifindex: info.ifindex,
            ns_dev: info.netns_dev,
            ns_ino: info.netns_ino,
            name: if same_ns { interface_name(info.ifindex) } else { None },
        })
    }
}

/// The name of the interface with index `ifindex`, from sysfs.
fn interface_name(ifindex: u32) -> Option<String> {
    std::fs::read_dir("/sys/class/net").ok()?.flatten().find_map(|entry| {
        let index = std::fs::read_to_string(entry.path().join("ifindex")).ok()?;
        (index.trim().parse::<u32>().ok()? == ifindex)
            .then(|| entry.file_name().to_string_lossy().into_owned())
    })
}
