//! The generator of `src/asm/helper/table.rs`, the helper table (`Helper`,
//! `ALL`, `NAMES`), and the test that the checked-in file is its output.
//!
//! The table comes from the kernel's UAPI header `linux/bpf.h`: the helper
//! list of its `___BPF_FUNC_MAPPER` (6.2 on: `FN(name, id, ##ctx)`, the id
//! written out) or `__BPF_FUNC_MAPPER` (before: `FN(name)`, the id is the
//! position; both start with `unspec`, id 0), and each helper's one-line
//! summary and C signature from the comment block after "Start of BPF helper
//! function descriptions". Helpers newer than the header (`NEWER`) are added
//! after its list, so an older header still yields the whole table.
//!
//! Regenerate after changing this generator or on a newer header:
//!
//! ```sh
//! BPFKIT_REGEN_HELPERS=1 cargo test --test helper_table
//! ```
//!
//! (`BPFKIT_BPF_H=path` reads another copy of `bpf.h`.) Without the header
//! the comparison is a visible skip; `BPFKIT_REQUIRE_LLVM=1` makes it a
//! failure: CI sets that variable for the BPF C toolchain (`clang-19`,
//! whose `tests/fixtures/counter.c` includes the same `linux/bpf.h`), and
//! installing clang brings the header (`linux-libc-dev`) with it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

// The skip machinery; its other helpers are not used here.
mod common;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The checked-in output, relative to the crate root.
const TABLE: &str = "src/asm/helper/table.rs";

/// Where the header is unless `BPFKIT_BPF_H` says otherwise.
const HEADER: &str = "/usr/include/linux/bpf.h";

/// A helper the header may predate, with its text from the kernel that added it.
struct Newer {
    name: &'static str,
    id: u32,
    signature: &'static str,
    summary: &'static str,
}

/// Helpers added after Debian 12's 6.1 header, copied from 6.2's `bpf.h`.
/// The helper list is frozen since (new kernel functions are kfuncs).
const NEWER: [Newer; 2] = [
    Newer {
        name: "cgrp_storage_get",
        id: 210,
        signature: "void *bpf_cgrp_storage_get(struct bpf_map *map, struct cgroup *cgroup, void *value, u64 flags)",
        summary: "Get a bpf_local_storage from the *cgroup*.",
    },
    Newer {
        name: "cgrp_storage_delete",
        id: 211,
        signature: "long bpf_cgrp_storage_delete(struct bpf_map *map, struct cgroup *cgroup)",
        summary: "Delete a bpf_local_storage from a *cgroup*.",
    },
];

/// Variant names that are not the C name in upper camel case (`map_lookup_elem`
/// -> `MapLookupElem`, `l3_csum_replace` -> `L3CsumReplace`). None today;
/// an entry here keeps a published name if the mechanical rule ever changes.
const VARIANT_EXCEPTIONS: [(&str, &str); 0] = [];

/// One row of the table.
#[derive(Debug, PartialEq)]
struct Entry {
    /// Without the `bpf_` prefix, as in `FN(...)`.
    name: String,
    id: u32,
    /// The C prototype, when the header documents the helper.
    signature: Option<String>,
    /// The first sentence of its `Description`.
    summary: Option<String>,
}

/// The `(name, id)` list of the helper mapper macro, `unspec` left out.
fn mapper(header: &str) -> Result<Vec<(String, u32)>, String> {
    let start = header
        .find("#define ___BPF_FUNC_MAPPER(")
        .or_else(|| header.find("#define __BPF_FUNC_MAPPER("))
        .ok_or("no #define ___BPF_FUNC_MAPPER or __BPF_FUNC_MAPPER")?;
    let mut list = Vec::new();
    // The macro's lines, up to the first that does not continue it.
    for line in header[start..].lines().skip(1) {
        let item = line.trim().trim_end_matches('\\').trim();
        if let Some(args) = item.strip_prefix("FN(") {
            let args = args.trim_end_matches(',').trim_end_matches(')');
            let mut parts = args.split(',').map(str::trim);
            let name = parts.next().unwrap_or_default().to_owned();
            let position = u32::try_from(list.len()).unwrap();
            let id = match parts.next() {
                // 6.2 on: the id is written out; the table indexes by it, so
                // it must be the position.
                Some(id) => {
                    let id: u32 = id.parse().map_err(|_| format!("FN({args}): bad id"))?;
                    if id != position {
                        return Err(format!("FN({args}): id {id} at position {position}"));
                    }
                    id
                }
                // Before 6.2: enum bpf_func_id numbers them in order.
                None => position,
            };
            list.push((name, id));
        }
        if !line.trim_end().ends_with('\\') {
            break;
        }
    }
    match list.first() {
        Some((name, 0)) if name == "unspec" => Ok(list.split_off(1)),
        _ => Err("the helper list does not start with FN(unspec)".to_owned()),
    }
}

/// The C name's `(signature, summary)` for each documented helper, from the
/// comment block of `union bpf_attr`: a prototype at one space's indent,
/// then `\tDescription` and its text at two tabs.
fn docs(header: &str) -> HashMap<String, (String, Option<String>)> {
    let mut docs = HashMap::new();
    let Some(start) = header.find("Start of BPF helper function descriptions") else {
        return docs;
    };
    let mut current: Option<(String, String)> = None;
    let mut paragraph: Vec<&str> = Vec::new();
    let mut state = Section::Other;
    let mut finish = |current: &mut Option<(String, String)>, paragraph: &mut Vec<&str>| {
        if let Some((name, signature)) = current.take() {
            let summary = first_sentence(&paragraph.join(" "));
            docs.insert(name, (signature, summary));
        }
        paragraph.clear();
    };
    for line in header[start..].lines().skip(1) {
        if line.trim_start().starts_with("*/") {
            break;
        }
        let Some(text) = line.strip_prefix(" *") else { continue };
        let body = text.trim();
        if text.starts_with(' ') && !text[1..].starts_with(char::is_whitespace) {
            // A prototype: `long bpf_map_update_elem(struct bpf_map *map, ...)`.
            let Some(name) = body.split('(').next().and_then(|head| {
                head.rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next()
            }) else {
                continue;
            };
            if name.starts_with("bpf_") {
                finish(&mut current, &mut paragraph);
                current = Some((name.to_owned(), body.to_owned()));
                state = Section::Other;
            }
        } else if body == "Description" {
            state = Section::Description;
        } else if body == "Return" {
            state = Section::Other;
        } else if state == Section::Description {
            if body.is_empty() {
                if !paragraph.is_empty() {
                    state = Section::Other;
                }
            } else {
                paragraph.push(body);
            }
        }
    }
    finish(&mut current, &mut paragraph);
    docs
}

#[derive(Clone, Copy, PartialEq)]
enum Section {
    Description,
    Other,
}

/// The paragraph up to its first full stop, RST escapes removed and the
/// characters rustdoc would read as links or HTML escaped.
fn first_sentence(paragraph: &str) -> Option<String> {
    let mut end = paragraph.len();
    let mut from = 0;
    while let Some(at) = paragraph[from..].find(". ") {
        let at = from + at;
        let before = &paragraph[..at];
        if !(before.ends_with("e.g") || before.ends_with("i.e") || before.ends_with("etc")) {
            end = at + 1;
            break;
        }
        from = at + 2;
    }
    let sentence = paragraph[..end].trim();
    if sentence.is_empty() {
        return None;
    }
    let mut out = String::new();
    let mut chars = sentence.chars();
    while let Some(c) = chars.next() {
        match c {
            // RST: `\ ` joins, `\x` is a literal x.
            '\\' => match chars.next() {
                Some(' ') | None => {}
                Some(x) => escape(&mut out, x),
            },
            c => escape(&mut out, c),
        }
    }
    Some(out)
}

fn escape(out: &mut String, c: char) {
    if matches!(c, '[' | ']' | '<' | '>' | '`') {
        out.push('\\');
    }
    out.push(c);
}

/// `map_lookup_elem` -> `MapLookupElem`.
fn variant(name: &str) -> String {
    if let Some((_, v)) = VARIANT_EXCEPTIONS.iter().find(|(c, _)| *c == name) {
        return (*v).to_owned();
    }
    name.split('_')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        })
        .collect::<Option<String>>()
        .unwrap_or_default()
}

/// The header's helpers, then the `NEWER` ones it predates.
fn helpers(header: &str) -> Result<Vec<Entry>, String> {
    let mut docs = docs(header);
    let mut entries: Vec<Entry> = mapper(header)?
        .into_iter()
        .map(|(name, id)| {
            let (signature, summary) = docs.remove(&format!("bpf_{name}")).unzip();
            Entry { name, id, signature, summary: summary.flatten() }
        })
        .collect();
    for newer in &NEWER {
        match entries.get(newer.id as usize - 1) {
            Some(known) if known.name == newer.name => {}
            Some(known) => {
                return Err(format!(
                    "id {} is {} in the header, not {}",
                    newer.id, known.name, newer.name
                ));
            }
            None if newer.id as usize == entries.len() + 1 => entries.push(Entry {
                name: newer.name.to_owned(),
                id: newer.id,
                signature: Some(newer.signature.to_owned()),
                summary: Some(newer.summary.to_owned()),
            }),
            None => {
                return Err(format!(
                    "{} (id {}) does not follow the header's list",
                    newer.name, newer.id
                ));
            }
        }
    }
    Ok(entries)
}

/// The text of `src/asm/helper/table.rs`.
fn render(entries: &[Entry]) -> String {
    let n = entries.len();
    let mut out = String::new();
    out.push_str(
        "// @generated by tests/helper_table.rs from linux/bpf.h; do not edit.\n\
         // Regenerate: BPFKIT_REGEN_HELPERS=1 cargo test --test helper_table\n\
         \n\
         //! The helper table: `enum bpf_func_id` of `linux/bpf.h` as [`Helper`],\n\
         //! with every helper in id order ([`ALL`]) and its C name ([`NAMES`]).\n\
         \n\
         /// A helper function the kernel offers BPF programs, with its kernel id.\n\
         ///\n\
         /// ```\n\
         /// use bpfkit::asm::Helper;\n\
         /// assert_eq!(Helper::MapLookupElem.id(), 1);\n\
         /// assert_eq!(Helper::MapLookupElem.name(), \"bpf_map_lookup_elem\");\n\
         /// assert_eq!(Helper::from_name(\"bpf_ktime_get_ns\"), Some(Helper::KtimeGetNs));\n\
         /// ```\n\
         #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]\n\
         #[repr(u32)]\n\
         #[non_exhaustive]\n\
         pub enum Helper {\n",
    );
    for e in entries {
        let c_name = format!("bpf_{}", e.name);
        match (&e.summary, &e.signature) {
            (Some(summary), Some(signature)) => {
                let _ = writeln!(
                    out,
                    "    /// {summary}\n    ///\n    /// `{signature}`, id {}.",
                    e.id
                );
            }
            _ => {
                let _ = writeln!(out, "    /// `{c_name}` (id {}).", e.id);
            }
        }
        let _ = writeln!(out, "    #[doc(alias = \"BPF_FUNC_{}\")]", e.name);
        let _ = writeln!(out, "    {} = {},", variant(&e.name), e.id);
    }
    out.push_str("}\n\n/// Every helper in id order (index `i` holds id `i + 1`).\n");
    let _ = writeln!(out, "pub(super) const ALL: [Helper; {n}] = [");
    for e in entries {
        let _ = writeln!(out, "    Helper::{},", variant(&e.name));
    }
    out.push_str("];\n\n/// The C names, in id order.\n");
    let _ = writeln!(out, "pub(super) const NAMES: [&str; {n}] = [");
    for e in entries {
        let _ = writeln!(out, "    \"bpf_{}\",", e.name);
    }
    out.push_str("];\n");
    out
}

/// The line that names what the table was generated from: a hash (FNV-1a)
/// of the generated text, which the header alone decides.
const FROM: &str = "// Generated text fingerprint: ";

fn fnv1a(text: &str) -> u64 {
    text.bytes()
        .fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// `render`'s text with its fingerprint as its third line.
fn with_fingerprint(body: &str) -> String {
    let (head, rest) = body.split_at(body.find("\n\n").map_or(0, |at| at + 1));
    format!("{head}{FROM}{:016x}\n{rest}", fnv1a(body))
}

/// The fingerprint a checked-in table carries, and its text without it.
fn fingerprint_of(file: &str) -> Option<(u64, String)> {
    let line = file.lines().find(|l| l.starts_with(FROM))?;
    let hash = u64::from_str_radix(line.strip_prefix(FROM)?, 16).ok()?;
    Some((hash, file.replacen(&format!("{line}\n"), "", 1)))
}

fn header_path() -> PathBuf {
    std::env::var_os("BPFKIT_BPF_H").map_or_else(|| PathBuf::from(HEADER), PathBuf::from)
}

#[test]
fn checked_in_table_is_generated_from_bpf_h() {
    let header_path = header_path();
    let Ok(header) = std::fs::read_to_string(&header_path) else {
        common::skip(
            common::Require::Llvm,
            &format!("{} is not readable (Debian: linux-libc-dev)", header_path.display()),
            &format!("{TABLE} is not compared with its generator"),
        );
        return;
    };
    let entries = helpers(&header).unwrap_or_else(|e| panic!("{}: {e}", header_path.display()));
    let body = render(&entries);
    let generated = with_fingerprint(&body);
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(TABLE);
    let regen = std::env::var_os("BPFKIT_REGEN_HELPERS").is_some_and(|v| !v.is_empty() && v != "0");
    if regen {
        std::fs::write(&file, &generated).unwrap();
        return;
    }
    let checked_in = std::fs::read_to_string(&file).unwrap_or_default();
    // Another kernel's bpf.h (another distribution, a newer linux-libc-dev)
    // generates another table: that is no hand edit, and the README's test
    // command must pass there. Say so, and compare only on the header the
    // table came from (CI's), where any difference is a hand edit.
    if fingerprint_of(&checked_in).is_some_and(|(from, _)| from != fnv1a(&body)) {
        common::skip(
            common::Require::Llvm,
            &format!(
                "{} is another bpf.h than {TABLE} was generated from ({} helpers here)",
                header_path.display(),
                entries.len()
            ),
            "regenerate the table to follow it (BPFKIT_REGEN_HELPERS=1 cargo test --test helper_table)",
        );
        return;
    }
    if checked_in != generated {
        let line = checked_in
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| checked_in.lines().count().min(generated.lines().count()));
        panic!(
            "{TABLE} is not what tests/helper_table.rs generates from {} ({} helpers): \
             first difference at line {}:\n  checked in: {:?}\n  generated:  {:?}\n\
             Do not edit it by hand; regenerate it with\n  \
             BPFKIT_REGEN_HELPERS=1 cargo test --test helper_table\nand review the diff.",
            header_path.display(),
            entries.len(),
            line + 1,
            checked_in.lines().nth(line).unwrap_or("<end of file>"),
            generated.lines().nth(line).unwrap_or("<end of file>"),
        );
    }
}

/// Both forms of the mapper macro and the description block, on a made-up
/// header that stops before `NEWER`'s first helper.
#[test]
fn parses_both_mapper_forms() {
    let old = "/*\n * Start of BPF helper function descriptions:\n *\n \
               * void *bpf_map_lookup_elem(struct bpf_map *map, const void *key)\n \
               * \tDescription\n * \t\tPerform a lookup in *map* for an entry, e.g. one\n \
               * \t\tassociated to *key*. More.\n * \tReturn\n * \t\tA value.\n */\n\
               #define __BPF_FUNC_MAPPER(FN)\t\\\n\tFN(unspec),\t\\\n\tFN(map_lookup_elem),\t\\\n\t/* */\n";
    let new = "#define ___BPF_FUNC_MAPPER(FN, ctx...)\t\\\n\tFN(unspec, 0, ##ctx)\t\\\n\
               \tFN(map_lookup_elem, 1, ##ctx)\t\\\n\t/* */\n#define __BPF_FUNC_MAPPER(FN) ___BPF_FUNC_MAPPER(FN)\n";
    assert_eq!(mapper(old).unwrap(), [("map_lookup_elem".to_owned(), 1)]);
    assert_eq!(mapper(new).unwrap(), mapper(old).unwrap());
    let skipped = "#define ___BPF_FUNC_MAPPER(FN, ctx...)\t\\\n\tFN(unspec, 0, ##ctx)\t\\\n\
                   \tFN(map_lookup_elem, 2, ##ctx)\n";
    assert!(mapper(skipped).is_err());
    let (signature, summary) = docs(old).remove("bpf_map_lookup_elem").unwrap();
    assert_eq!(signature, "void *bpf_map_lookup_elem(struct bpf_map *map, const void *key)");
    assert_eq!(
        summary.as_deref(),
        Some("Perform a lookup in *map* for an entry, e.g. one associated to *key*.")
    );
    // A header that ends before id 209 leaves a gap before NEWER's id 210.
    assert!(helpers(old).is_err());
}

#[test]
fn variant_names() {
    assert_eq!(variant("map_lookup_elem"), "MapLookupElem");
    assert_eq!(variant("l3_csum_replace"), "L3CsumReplace");
    assert_eq!(variant("get_prandom_u32"), "GetPrandomU32");
    assert_eq!(
        first_sentence("a `b` [c] <d>\\ (x). Rest").as_deref(),
        Some("a \\`b\\` \\[c\\] \\<d\\>(x).")
    );
}
