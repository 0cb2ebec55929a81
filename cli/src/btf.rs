//! `bpfkit btf show|list [id N]`, a drop-in for bpftool 7.1's output (text
//! line for line, JSON key for key) except `pids`.
//!
//! Like bpftool, the command walks every program and every map first and
//! groups their ids by the BTF object they refer to (`btf_id`), to print
//! each object's `prog_ids` and `map_ids`. bpftool keeps those groups in
//! libbpf's hash map, whose chains are pushed at the head and reversed
//! again each time the table grows, so the order of the ids in a group is
//! not the order of the walk; [`IdGroups`] lays out the same table to print
//! them in bpftool's order.

use std::fmt::Write as _;

use bpfkit::btf::{BtfInfo, BtfObject, btf_ids};
use bpfkit::maps::{MapFd, map_ids};
use bpfkit::prog::{Program, program_ids};

use crate::args::{Args, Word, is_prefix, pick};
use crate::btf_dump;
use crate::every::every;
use crate::json::JsonWriter;
use crate::out::{CliError, Output};
use crate::select::{bad_arg, parse_id};

const USAGE: &str = "\
Usage: bpfkit btf { show | list } [id BTF_ID]
       bpfkit btf dump BTF_SRC [format raw]
       bpfkit btf help

       BTF_SRC := { id BTF_ID | file FILE }
       OPTIONS := { {-j|--json} [{-p|--pretty}] | {-B|--base-btf} BASE }
";

/// The subcommands, in bpftool's order of abbreviation.
const COMMANDS: &[&str] = &["show", "list", "help", "dump"];

/// Runs `bpfkit btf ...`.
pub fn run(args: &mut Args, output: Output) -> Result<(), CliError> {
    let (base, words) = btf_dump::take_base(args.rest())?;
    let args = &mut Args::new(words);
    let Some(word) = args.next() else {
        return show(&[], output);
    };
    match pick(&word, COMMANDS) {
        Some("show" | "list") => show(&args.rest(), output),
        Some("dump") => btf_dump::dump(args, base.as_ref(), output),
        Some("help") => {
            output.usage(USAGE);
            Ok(())
        }
        _ => Err(CliError::usage(format!("unknown command 'btf {word}' (see 'bpfkit btf help')"))),
    }
}

fn show(words: &[Word], output: Output) -> Result<(), CliError> {
    let one = match words {
        [] => None,
        [keyword, value] => Some(by_id(keyword, value)?),
        [first, ..] => return Err(bad_arg(first)),
    };
    let groups = Groups::build()?;
    let (objects, listing) = match one {
        Some(btf) => (vec![info(&btf)?], false),
        None => (every_btf()?, true),
    };
    if output.json {
        let mut w = output.writer();
        if listing {
            w.start_array();
        }
        for info in &objects {
            write_json(&mut w, info, &groups);
        }
        if listing {
            w.end_array();
        }
        output.print(&w.finish());
    } else {
        let text: String = objects.iter().map(|info| plain(info, &groups)).collect();
        output.print(&text);
    }
    Ok(())
}

/// `id N`, opened, in bpftool's words when it fails.
fn by_id(keyword: &Word, value: &Word) -> Result<BtfObject, CliError> {
    if !is_prefix(keyword, "id") {
        return Err(CliError::new(format!("expected 'id', got: '{keyword}'?")));
    }
    let id = parse_id(value)?;
    BtfObject::from_id(id)
        .map_err(|e| crate::errno::says(&format!("can't get BTF object by id ({id})"), &e))
}

fn info(btf: &BtfObject) -> Result<BtfInfo, CliError> {
    btf.info().map_err(|e| crate::errno::says("can't get BTF object info", &e))
}

/// Every BTF object, in increasing id order; objects gone during the walk
/// are skipped.
fn every_btf() -> Result<Vec<BtfInfo>, CliError> {
    every(btf_ids(), "BTF object", "BTF object", |id| BtfObject::from_id(id)?.info()).collect()
}

/// The programs and the maps that refer to each BTF object.
struct Groups {
    progs: IdGroups,
    maps: IdGroups,
}

impl Groups {
    fn build() -> Result<Groups, CliError> {
        let mut progs = IdGroups::default();
        for info in every(program_ids(), "program", "prog", |id| Program::from_id(id)?.info()) {
            let info = info?;
            progs.append(info.btf_id, info.id);
        }
        let mut maps = IdGroups::default();
        for info in every(map_ids(), "map", "map", |id| MapFd::from_id(id)?.info()) {
            let info = info?;
            maps.append(info.btf_id, info.id);
        }
        Ok(Groups { progs, maps })
    }
}

fn plain(info: &BtfInfo, groups: &Groups) -> String {
    let mut s = format!("{}: ", info.id);
    if info.kernel_btf {
        write!(s, "name [{}]  ", info.name).ok();
    } else if !info.name.is_empty() {
        write!(s, "name {}  ", info.name).ok();
    } else {
        s.push_str("name <anon>  ");
    }
    write!(s, "size {}B", info.size).ok();
    for (label, group) in [("prog_ids", &groups.progs), ("map_ids", &groups.maps)] {
        let ids: Vec<String> = group.ids(info.id).map(|id| id.to_string()).collect();
        if !ids.is_empty() {
            write!(s, "  {label} {}", ids.join(",")).ok();
        }
    }
    s.push('\n');
    s
}

fn write_json(w: &mut JsonWriter, info: &BtfInfo, groups: &Groups) {
    w.start_object().raw_field("id", info.id).raw_field("size", info.size);
    for (label, group) in [("prog_ids", &groups.progs), ("map_ids", &groups.maps)] {
        w.name(label).start_array();
        for id in group.ids(info.id) {
            w.raw(id);
        }
        w.end_array();
    }
    w.bool_field("kernel", info.kernel_btf);
    if !info.name.is_empty() {
        w.string_field("name", &info.name);
    }
    w.end_object();
}

/// Object ids grouped by BTF id, laid out as libbpf's `struct hashmap`
/// lays them out (`hashmap__append` with bpftool's identity hash), so that
/// [`ids`](IdGroups::ids) yields them in the order bpftool prints them.
///
/// The table has 2^`bits` buckets, each a chain that an entry joins at
/// its head; it grows (to at least 4 buckets, doubling after) before an
/// append would fill it past 3/4, moving the entries bucket by bucket,
/// head first, to the heads of their new chains. Objects without BTF
/// (`btf_id` 0) are left out, as bpftool leaves them out.
#[derive(Debug, Default)]
struct IdGroups {
    bits: u32,
    /// Each chain head first: (BTF id, object id).
    buckets: Vec<Vec<(u32, u32)>>,
    len: usize,
}

impl IdGroups {
    /// The bucket of `key` in a table of 2^`bits` buckets: libbpf's
    /// `hash_bits` for a 64-bit `size_t`.
    fn bucket(key: u32, bits: u32) -> usize {
        if bits == 0 {
            return 0;
        }
        (u64::from(key).wrapping_mul(11_400_714_819_323_198_485) >> (64 - bits)) as usize
    }

    fn append(&mut self, btf_id: u32, object_id: u32) {
        if btf_id == 0 {
            return;
        }
        if self.buckets.is_empty() || (self.len + 1) * 4 / 3 > self.buckets.len() {
            self.grow();
        }
        let b = Self::bucket(btf_id, self.bits);
        self.buckets[b].insert(0, (btf_id, object_id));
        self.len += 1;
    }

    fn grow(&mut self) {
        let bits = (self.bits + 1).max(2);
        let mut buckets = vec![Vec::new(); 1 << bits];
        for entry in self.buckets.iter().flatten() {
            let b: &mut Vec<(u32, u32)> = &mut buckets[Self::bucket(entry.0, bits)];
            b.insert(0, *entry);
        }
        self.bits = bits;
        self.buckets = buckets;
    }

    /// The ids of the objects that refer to `btf_id`, in bpftool's order.
    fn ids(&self, btf_id: u32) -> impl Iterator<Item = u32> + '_ {
        let chain = self.buckets.get(Self::bucket(btf_id, self.bits));
        chain.into_iter().flatten().filter(move |(key, _)| *key == btf_id).map(|(_, id)| *id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_group_comes_out_newest_first_until_the_table_grows() {
        let mut groups = IdGroups::default();
        for id in [10, 11, 12] {
            groups.append(5, id);
        }
        // Three entries fit in the first 4 buckets: pushed at the head.
        assert_eq!(groups.ids(5).collect::<Vec<_>>(), [12, 11, 10]);
        // The fourth grows the table to 8 buckets, which reverses the chain
        // before the newest joins at its head.
        groups.append(5, 13);
        assert_eq!(groups.ids(5).collect::<Vec<_>>(), [13, 10, 11, 12]);
        assert_eq!(groups.buckets.len(), 8);
    }

    #[test]
    fn objects_without_btf_and_other_groups_are_left_out() {
        let mut groups = IdGroups::default();
        groups.append(0, 1);
        groups.append(7, 2);
        groups.append(8, 3);
        assert_eq!(groups.len, 2);
        assert_eq!(groups.ids(7).collect::<Vec<_>>(), [2]);
        assert_eq!(groups.ids(8).collect::<Vec<_>>(), [3]);
        assert_eq!(groups.ids(0).count(), 0);
        assert_eq!(IdGroups::default().ids(1).count(), 0);
    }

    #[test]
    fn buckets_are_libbpfs() {
        // hash_bits(h, bits) = (h * 0x9E3779B97F4A7C15) >> (64 - bits).
        assert_eq!(IdGroups::bucket(1, 2), (0x9E37_79B9_7F4A_7C15_u64 >> 62) as usize);
        assert_eq!(IdGroups::bucket(123, 0), 0);
    }
}
