//! The crate's module graph against the layer table in its docs.
//!
//! The table in `src/lib.rs` ("Layers") names each top-level module and the
//! modules it may use. This test reads every path that names the crate's own
//! items (`crate::…`, `super::…`, in `use` lines and in code) from every file
//! of `src/`, resolves it to the file that owns the item, and fails on:
//! - an edge between layers that the table does not allow;
//! - files that use each other, directly or in a longer loop.
//!
//! `BPFKIT_PRINT_LAYERS=1 cargo test --test layers -- --nocapture` prints
//! the graph.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// A file's module path: `src/maps/hash.rs` is `["maps", "hash"]`,
/// `src/maps/mod.rs` is `["maps"]` and `src/lib.rs` is `[]`.
type ModPath = Vec<String>;

struct Crate {
    root: PathBuf,
    /// Every module file by its module path.
    files: BTreeMap<ModPath, PathBuf>,
    /// Each module's re-exports of its children's items: module path, item
    /// name → the module that defines it.
    reexports: BTreeMap<(ModPath, String), ModPath>,
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn module_path(root: &Path, file: &Path) -> ModPath {
    let rel = file.strip_prefix(root).unwrap_or(file);
    let mut parts: Vec<String> =
        rel.iter().map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string()).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
        parts.pop();
    }
    parts
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The text of `source` with comments, strings and character literals
/// blanked out, so that only code is searched.
fn code_only(source: &str) -> String {
    let b = source.as_bytes();
    let mut out = String::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let rest = &b[i..];
        if rest.starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if rest.starts_with(b"/*") {
            let mut depth = 0;
            while i < b.len() {
                if b[i..].starts_with(b"/*") {
                    depth += 1;
                    i += 2;
                } else if b[i..].starts_with(b"*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if rest.starts_with(b"r#\"") || rest.starts_with(b"r\"") || rest.starts_with(b"br\"")
        {
            let start = rest.iter().position(|&c| c == b'"').unwrap_or(0);
            let hashes = rest[..start].iter().filter(|&&c| c == b'#').count();
            let close: Vec<u8> =
                std::iter::once(b'"').chain(std::iter::repeat_n(b'#', hashes)).collect();
            i += start + 1;
            while i < b.len() && !b[i..].starts_with(&close) {
                i += 1;
            }
            i += close.len();
            out.push_str("\"\"");
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if b[i] == b'\'' {
            // A character literal ('x', '\n', '\'', '"'); otherwise a lifetime.
            let len = if rest.get(1) == Some(&b'\\') {
                rest.iter().skip(2).position(|&c| c == b'\'').map(|p| p + 3)
            } else if rest.get(2) == Some(&b'\'') {
                Some(3)
            } else {
                None
            };
            match len {
                Some(n) if n <= 12 => {
                    i += n;
                    out.push_str("' '");
                }
                _ => {
                    out.push('\'');
                    i += 1;
                }
            }
        } else {
            let ch = source[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// A path found in a file.
struct Found {
    path: Vec<String>,
    /// A `pub use` (a re-export).
    public: bool,
    /// The inline modules (`mod tests { … }`) it sits in.
    inline: Vec<String>,
}

/// Every path that starts with `crate`, `super` or `self` in `code`, with
/// `use` trees expanded: `use crate::{a::b, c}` gives `crate::a::b` and
/// `crate::c`.
fn paths(code: &str) -> Vec<Found> {
    let tokens = tokenize(code);
    let mut out = Vec::new();
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0;
    let mut i = 0;
    let here = |inline: &[(String, usize)]| inline.iter().map(|(n, _)| n.clone()).collect();
    while i < tokens.len() {
        let t = tokens[i].as_str();
        if t == "{" {
            depth += 1;
        } else if t == "}" {
            depth -= 1;
            if inline.last().is_some_and(|&(_, d)| d == depth) {
                inline.pop();
            }
        } else if t == "mod" && tokens.get(i + 2).map(String::as_str) == Some("{") {
            inline.push((tokens[i + 1].clone(), depth));
            i += 2;
            continue;
        }
        if t == "use" {
            let public = i > 0 && (tokens[i - 1] == "pub" || tokens[i - 1] == ")");
            let mut j = i + 1;
            let mut trees = Vec::new();
            use_tree(&tokens, &mut j, Vec::new(), &mut trees);
            // Every tree: one that starts with a child module's name is
            // relative to the module (`use fd::MapFd` in `maps/mod.rs`).
            for path in trees {
                out.push(Found { path, public, inline: here(&inline) });
            }
            i = j;
            continue;
        }
        let preceded_by_path = i > 0 && tokens[i - 1] == "::";
        if (t == "crate" || t == "super") && !preceded_by_path {
            let mut p = vec![t.to_string()];
            let mut j = i + 1;
            while j + 1 < tokens.len() && tokens[j] == "::" && tokens[j + 1].chars().all(is_ident) {
                p.push(tokens[j + 1].clone());
                j += 2;
            }
            if p.len() > 1 {
                out.push(Found { path: p, public: false, inline: here(&inline) });
            }
            i = j;
            continue;
        }
        i += 1;
    }
    out
}

fn tokenize(code: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut chars = code.chars().peekable();
    while let Some(c) = chars.next() {
        if is_ident(c) {
            let mut word = c.to_string();
            while let Some(&n) = chars.peek().filter(|&&n| is_ident(n)) {
                word.push(n);
                chars.next();
            }
            tokens.push(word);
        } else if c == ':' && chars.peek() == Some(&':') {
            chars.next();
            tokens.push("::".into());
        } else if !c.is_whitespace() {
            tokens.push(c.to_string());
        }
    }
    tokens
}

/// Parses one use tree at `tokens[*j]` under `prefix`, up to `;`, `,` or `}`.
fn use_tree(tokens: &[String], j: &mut usize, mut prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    while *j < tokens.len() {
        match tokens[*j].as_str() {
            "{" => {
                *j += 1;
                loop {
                    use_tree(tokens, j, prefix.clone(), out);
                    match tokens.get(*j).map(String::as_str) {
                        Some(",") => *j += 1,
                        Some("}") => {
                            *j += 1;
                            break;
                        }
                        _ => break,
                    }
                    if tokens.get(*j).map(String::as_str) == Some("}") {
                        *j += 1;
                        break;
                    }
                }
                return;
            }
            "::" => *j += 1,
            ";" | "," | "}" => {
                if !prefix.is_empty() {
                    out.push(prefix);
                }
                return;
            }
            "as" => {
                *j += 2;
            }
            "*" => *j += 1,
            word => {
                if word == "self" && !prefix.is_empty() {
                    // `use crate::a::{self}` names `crate::a`.
                } else {
                    prefix.push(word.to_string());
                }
                *j += 1;
            }
        }
    }
}

impl Crate {
    fn read() -> Crate {
        let root = src();
        let mut list = Vec::new();
        walk(&root, &mut list);
        let files: BTreeMap<ModPath, PathBuf> =
            list.into_iter().map(|f| (module_path(&root, &f), f)).collect();
        let mut krate = Crate { root, files, reexports: BTreeMap::new() };
        for (module, file) in &krate.files.clone() {
            let code = code_only(&fs::read_to_string(file).unwrap());
            for found in paths(&code) {
                if !found.public || !found.inline.is_empty() {
                    continue;
                }
                let Some(absolute) = krate.absolute(module, &found.path) else { continue };
                let Some(item) = absolute.last() else { continue };
                let owner = krate.owner(&absolute);
                if owner.len() > module.len() && owner.starts_with(module) {
                    krate.reexports.insert((module.clone(), item.clone()), owner);
                }
            }
        }
        krate
    }

    /// `path` (from `crate`, `super` or `self`) as a path from the crate root.
    fn absolute(&self, from: &ModPath, path: &[String]) -> Option<Vec<String>> {
        let mut base = from.clone();
        let mut rest = path;
        match path.first()?.as_str() {
            "crate" => {
                base.clear();
                rest = &path[1..];
            }
            "self" => rest = &path[1..],
            "super" => {
                while rest.first().map(String::as_str) == Some("super") {
                    // `super` in a file's inline `mod tests` is the file.
                    base.pop()?;
                    rest = &rest[1..];
                }
            }
            child => {
                // A child module by name; anything else is another crate.
                let file = self.files.keys().find(|m| {
                    m.len() == from.len() + 1 && m.starts_with(from) && m[from.len()] == child
                });
                file?;
            }
        }
        base.extend(rest.iter().cloned());
        Some(base)
    }

    /// The module file that owns the item at `path` (from the crate root),
    /// following re-exports.
    fn owner(&self, path: &[String]) -> ModPath {
        let mut at: ModPath = Vec::new();
        for seg in path {
            let mut next = at.clone();
            next.push(seg.clone());
            if self.files.contains_key(&next) {
                at = next;
            } else if let Some(owner) = self.reexports.get(&(at.clone(), seg.clone())) {
                return owner.clone();
            } else {
                break;
            }
        }
        at
    }

    /// Every edge: user module → used module (both files).
    fn edges(&self) -> BTreeSet<(ModPath, ModPath)> {
        let mut edges = BTreeSet::new();
        for (module, file) in &self.files {
            let code = code_only(&fs::read_to_string(file).unwrap());
            for found in paths(&code) {
                let mut from = module.clone();
                from.extend(found.inline.iter().cloned());
                let Some(absolute) = self.absolute(&from, &found.path) else { continue };
                let target = self.owner(&absolute);
                // A module's re-export of its own child is its face, not a use.
                if found.public && target.len() > module.len() && target.starts_with(module) {
                    continue;
                }
                if target != *module {
                    edges.insert((module.clone(), target));
                }
            }
        }
        edges
    }

    fn display(&self, module: &ModPath) -> String {
        let file = &self.files[module];
        file.strip_prefix(self.root.parent().unwrap()).unwrap().display().to_string()
    }
}

/// The layer table of the crate docs: layer → the layers it may use.
fn layer_table() -> BTreeMap<String, BTreeSet<String>> {
    let lib = fs::read_to_string(src().join("lib.rs")).unwrap();
    let mut table = BTreeMap::new();
    let mut in_section = false;
    for line in lib.lines() {
        let Some(doc) = line.strip_prefix("//!") else { continue };
        let doc = doc.trim();
        if doc.starts_with('#') {
            in_section = doc.trim_start_matches('#').trim() == "Layers";
            continue;
        }
        if !in_section || !doc.starts_with('|') || doc.starts_with("|-") || doc.contains("---") {
            continue;
        }
        let cells: Vec<&str> = doc.trim_matches('|').split('|').map(str::trim).collect();
        // The first cell names the layer, the last the layers it may use.
        let (Some(layer), Some(uses)) = (cells.first(), cells.last()) else { continue };
        let names = |cell: &str| -> BTreeSet<String> {
            cell.split('`')
                .skip(1)
                .step_by(2)
                .map(|s| s.trim_end_matches(".rs").to_string())
                .collect()
        };
        let Some(layer) = names(layer).into_iter().next() else { continue };
        table.insert(layer, names(uses));
    }
    table
}

fn layer_of(module: &ModPath) -> String {
    module.first().cloned().unwrap_or_else(|| "lib".into())
}

#[test]
fn every_use_between_layers_is_in_the_table() {
    let krate = Crate::read();
    let edges = krate.edges();
    if std::env::var_os("BPFKIT_PRINT_LAYERS").is_some() {
        let lines: Vec<String> = edges
            .iter()
            .map(|(from, to)| format!("{} -> {}", krate.display(from), krate.display(to)))
            .collect();
        println!("{}", lines.join("\n"));
    }
    let table = layer_table();
    assert!(table.len() >= 5, "the Layers table in src/lib.rs was not found: {table:?}");
    let mut wrong = Vec::new();
    for (from, to) in &edges {
        let (a, b) = (layer_of(from), layer_of(to));
        if a == b || a == "lib" {
            continue;
        }
        let Some(allowed) = table.get(&a) else {
            wrong.push(format!("{}: layer `{a}` is not in the table", krate.display(from)));
            continue;
        };
        if !allowed.contains(&b) {
            wrong.push(format!(
                "{} uses {}: `{a}` may not use `{b}`",
                krate.display(from),
                krate.display(to)
            ));
        }
    }
    for layer in krate.files.keys().map(layer_of) {
        if layer != "lib" && !table.contains_key(&layer) {
            wrong.push(format!("layer `{layer}` is not in the table"));
        }
    }
    wrong.dedup();
    assert!(wrong.is_empty(), "edges outside the layer table:\n{}", wrong.join("\n"));
}

/// The loops of `edges`: each strongly connected set of two or more
/// modules (Tarjan's algorithm).
fn loops(edges: &BTreeSet<(ModPath, ModPath)>) -> Vec<Vec<ModPath>> {
    struct Walk<'e> {
        next: BTreeMap<&'e ModPath, Vec<&'e ModPath>>,
        index: BTreeMap<&'e ModPath, usize>,
        low: BTreeMap<&'e ModPath, usize>,
        stack: Vec<&'e ModPath>,
        found: Vec<Vec<ModPath>>,
    }
    impl<'e> Walk<'e> {
        fn visit(&mut self, v: &'e ModPath) {
            let i = self.index.len();
            self.index.insert(v, i);
            self.low.insert(v, i);
            self.stack.push(v);
            for w in self.next.get(v).cloned().unwrap_or_default() {
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.stack.contains(&w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let at = self.stack.iter().rposition(|&m| m == v).unwrap_or(0);
                let set: Vec<ModPath> = self.stack.drain(at..).cloned().collect();
                if set.len() > 1 {
                    self.found.push(set);
                }
            }
        }
    }
    let mut walk = Walk {
        next: BTreeMap::new(),
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for (a, b) in edges {
        walk.next.entry(a).or_default().push(b);
    }
    let starts: Vec<&ModPath> = walk.next.keys().copied().collect();
    for v in starts {
        if !walk.index.contains_key(v) {
            walk.visit(v);
        }
    }
    walk.found
}

#[test]
fn no_file_uses_a_file_that_uses_it_back() {
    let krate = Crate::read();
    let found: Vec<String> = loops(&krate.edges())
        .iter()
        .map(|set| {
            let mut names: Vec<String> = set.iter().map(|m| krate.display(m)).collect();
            names.sort();
            names.join(", ")
        })
        .collect();
    assert!(
        found.is_empty(),
        "files that use each other, directly or in a loop:\n{}",
        found.join("\n")
    );
}

#[test]
fn loops_are_found_whatever_their_length() {
    let m = |s: &str| vec![s.to_string()];
    let edges: BTreeSet<(ModPath, ModPath)> =
        [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("d", "e"), ("e", "d"), ("f", "a")]
            .iter()
            .map(|&(x, y)| (m(x), m(y)))
            .collect();
    let mut got: Vec<Vec<String>> = loops(&edges)
        .into_iter()
        .map(|set| {
            let mut v: Vec<String> = set.into_iter().flatten().collect();
            v.sort();
            v
        })
        .collect();
    got.sort();
    assert_eq!(got, [vec!["a", "b", "c"], vec!["d", "e"]]);
}

#[test]
fn the_reader_finds_paths_in_use_trees_and_code() {
    let code = code_only(
        "use crate::{a::b, c::{d, e as f}};\n// crate::gone\nlet s = \"crate::no\";\n\
         pub use super::g; fn x() { crate::h::i(); let c = '\"'; super::super::j::k }\n\
         mod tests { use super::l; fn t() {} } use crate::m;",
    );
    let got: Vec<(String, bool, String)> = paths(&code)
        .into_iter()
        .map(|f| (f.path.join("::"), f.public, f.inline.join("::")))
        .collect();
    let want = [
        ("crate::a::b", false, ""),
        ("crate::c::d", false, ""),
        ("crate::c::e", false, ""),
        ("super::g", true, ""),
        ("crate::h::i", false, ""),
        ("super::super::j::k", false, ""),
        ("super::l", false, "tests"),
        ("crate::m", false, ""),
    ];
    assert_eq!(got, want.map(|(p, x, m)| (p.to_string(), x, m.to_string())));
}
