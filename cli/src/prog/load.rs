//! `bpfkit prog load FILE.s PATH type TYPE [map { idx IDX | name NAME } MAP]...
//! [pinmaps DIR]`: bpftool 7.1's `prog load`, from LLVM BPF text.
//!
//! bpftool loads an ELF object with libbpf; bpfkit has no ELF loader and
//! reads the text `clang -S` writes (or one written by hand), so:
//!
//! - `type TYPE` is required: text has no ELF section to guess it from;
//! - the maps the text names (`r1 = NAME ll`) are never created from
//!   declarations: each is bound to an existing map with `map name NAME
//!   MAP` (`map idx N MAP` counts the names in the order the text first
//!   uses them), and a name left unbound is an error that says how to
//!   give it;
//! - the program is named after the file's stem (bpftool: the function).
//!
//! The command line, its errors and exit statuses are bpftool's; where
//! libbpf would print its own lines on standard error before bpftool's
//! `Error: failed to open object file` (a file that does not assemble) or
//! `Error: failed to load object file` (the verifier's refusal, with the
//! `.s` line), bpfkit prints its own there.

use std::path::{Path, PathBuf};

use bpfkit::asm::Assembled;
use bpfkit::maps::MapFd;
use bpfkit::prog::{ProgramSpec, Section};

use crate::args::{Word, is_prefix};
use crate::map::bytes::Words;
use crate::out::{CliError, Output, note};
use crate::pinning::{check_pin_path, too_few};
use crate::strtoul::strtoul;
use crate::text;
use crate::verify;

/// What the command line asks for.
struct Request {
    file: Word,
    pin: PathBuf,
    type_word: Option<String>,
    section: Option<Section>,
    /// `map` arguments: by name or by index, and the map.
    maps: Vec<(MapRef, MapFd)>,
    pinmaps: Option<PathBuf>,
}

enum MapRef {
    Name(String),
    Idx(u64),
}

/// Runs `bpfkit prog load ...` on the words after `load`.
pub fn run(words: &[Word], output: Output) -> Result<(), CliError> {
    let request = parse(words, output)?;
    let source = read_text(&request.file, output)?;
    let Some(section) = request.section else {
        return Err(CliError::new(
            "no program type given: text has no ELF section to guess it from; add 'type TYPE' \
             (e.g. type xdp)",
        ));
    };
    let file = request.file.as_str();
    let mut insns = assemble(file, &source, output)?;
    if section.needs_btf_target() {
        return Err(CliError::new(format!(
            "type '{}' loads against a BTF-described target (a kernel function, hook or \
             iterator), which bpfkit prog load cannot resolve",
            request.type_word.as_deref().unwrap_or_default()
        )));
    }
    let bound = bind_maps(&request, &source, &mut insns)?;
    let name = verify::program_name(request.file.path());
    let mut spec = ProgramSpec::new(section.prog_type(), &insns)
        .name(&name)
        .flags(section.prog_flags())
        .asm_source(file, &source);
    if let Some(attach) = section.expected_attach_type() {
        spec = spec.expected_attach_type(attach);
    }
    let prog = spec.load().map_err(|e| {
        detail(output, &e.to_string());
        if let bpfkit::Error::Verifier(v) = &e {
            if let Some(line) = verify::text_line(v.location) {
                let text = verify::source_line(&source, line).unwrap_or_default();
                detail(output, &format!("{file}:{line}: {text}"));
            }
        }
        CliError::new("failed to load object file")
    })?;
    check_pin_path(&request.pin)?;
    prog.pin(&request.pin).map_err(|e| {
        detail(output, &e.to_string());
        CliError::new(format!("failed to pin program {}", section.name()))
    })?;
    if let Some(dir) = &request.pinmaps {
        if let Err(e) = pin_maps(dir, &bound, output) {
            let _ = std::fs::remove_file(&request.pin);
            return Err(e);
        }
    }
    output.nothing();
    Ok(())
}

/// Reads the words after `load` as bpftool's `load_with_options` does.
fn parse(words: &[Word], output: Output) -> Result<Request, CliError> {
    if words.len() < 2 {
        return Err(too_few("load", 2, words.len()));
    }
    let mut request = Request {
        file: words[0].clone(),
        pin: words[1].path().to_path_buf(),
        type_word: None,
        section: None,
        maps: Vec::new(),
        pinmaps: None,
    };
    let mut rest = Words::new(&words[2..]);
    while let Some(word) = rest.next() {
        if is_prefix(word, "type") {
            if request.type_word.is_some() {
                return Err(CliError::new("program type already specified"));
            }
            let Some(name) = rest.next() else { return Err(too_few(word, 1, 0)) };
            request.section = Some(parse_type(name, output)?);
            request.type_word = Some(name.to_string());
        } else if is_prefix(word, "map") {
            if rest.len() < 4 {
                return Err(too_few(word, 4, rest.len()));
            }
            let how = rest.next().unwrap_or_default();
            let value = rest.next().unwrap_or_default();
            let by = if is_prefix(how, "idx") {
                MapRef::Idx(
                    strtoul(value, 0)
                        .ok_or_else(|| CliError::new(format!("can't parse {value} as IDX")))?,
                )
            } else if is_prefix(how, "name") {
                MapRef::Name(value.to_string())
            } else {
                return Err(CliError::new(format!("expected 'idx' or 'name', got: '{how}'?")));
            };
            let map = crate::map::select::map(&mut rest)?;
            request.maps.push((by, map));
        } else if is_prefix(word, "pinmaps") {
            let Some(dir) = rest.next_word() else { return Err(too_few(word, 1, 0)) };
            request.pinmaps = Some(dir.path().to_path_buf());
        } else if is_prefix(word, "dev") {
            return Err(CliError::new(
                "bpfkit prog load does not offload programs to a device ('dev')",
            ));
        } else {
            return Err(CliError::new(format!(
                "expected no more arguments, 'type', 'map' or 'dev', got: '{word}'?"
            )));
        }
    }
    Ok(request)
}

/// `type TYPE` as libbpf reads it, `TYPE/` if `TYPE` alone is no section
/// name. An unknown one is reported as libbpf does, on standard error, and
/// bpftool exits without an error of its own.
fn parse_type(name: &str, output: Output) -> Result<Section, CliError> {
    if let Some(section) = Section::parse(name).or_else(|| Section::parse(&format!("{name}/"))) {
        return Ok(section);
    }
    let known: Vec<String> = Section::all()
        .iter()
        .map(|s| format!("{}{}", s.name(), if s.takes_extras() { "+" } else { "" }))
        .collect();
    let guess = format!("failed to guess program type from ELF section '{name}/'");
    if output.json {
        // bpftool prints libbpf's lines and an empty document; bpfkit keeps
        // to one JSON document on standard output.
        return Err(CliError::new(guess));
    }
    note(output, &format!("libbpf: {guess}"));
    note(output, &format!("libbpf: supported section(type) names are: {}", known.join(" ")));
    Err(CliError::quiet(crate::out::status::FAILURE))
}

/// A line before bpftool's error, where libbpf would print its own.
fn detail(output: Output, message: &str) {
    note(output, message);
}

/// The text of `file`: not an ELF object, readable, UTF-8.
fn read_text(file: &Word, output: Output) -> Result<String, CliError> {
    let open_failed = |why: String| {
        detail(output, &format!("bpfkit: {file}: {why}"));
        CliError::new("failed to open object file")
    };
    let elf = || {
        open_failed(
            "an ELF object: bpfkit has no ELF loader; it loads LLVM BPF assembly text (clang -S \
             -target bpf writes it): give the .s file"
                .to_string(),
        )
    };
    if file.as_str().ends_with(".o") {
        return Err(elf());
    }
    let bytes = std::fs::read(file.path())
        .map_err(|e| open_failed(crate::errno::strerror(e.raw_os_error().unwrap_or(libc::EIO))))?;
    if bytes.starts_with(b"\x7fELF") {
        return Err(elf());
    }
    String::from_utf8(bytes).map_err(|e| {
        open_failed(format!("not UTF-8 text (at byte {})", e.utf8_error().valid_up_to()))
    })
}

/// Assembles the text; `FILE:LINE:COLUMN: message` when it does not.
fn assemble(file: &str, source: &str, output: Output) -> Result<Assembled, CliError> {
    let failed = |at: String| {
        detail(output, &format!("bpfkit: {at}"));
        CliError::new("failed to open object file")
    };
    let builder = bpfkit::asm::parse(source)
        .map_err(|e| failed(format!("{file}:{}:{}: {}", e.line, e.column, e.message)))?;
    builder.assemble().map_err(|e| match verify::asm_error_origin(&e) {
        Some(bpfkit::asm::Origin::Text { line, column }) => {
            failed(format!("{file}:{line}:{column}: {e}"))
        }
        _ => failed(format!("{file}: {e}")),
    })
}

/// The map names of the text, in the order it first uses them: what
/// `map idx N` counts.
fn map_names(insns: &Assembled) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (_, name) in insns.named_maps() {
        if !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
    names
}

/// Binds the `map` arguments by name; every name the text uses must be
/// bound. Returns the maps by the text's names, for `pinmaps`.
fn bind_maps<'m>(
    request: &'m Request,
    source: &str,
    insns: &mut Assembled,
) -> Result<Vec<(String, &'m MapFd)>, CliError> {
    let names = map_names(insns);
    let mut bound: Vec<(String, &MapFd)> = Vec::new();
    // bpftool resolves the names first, then the indexes in order.
    let mut by_index: Vec<(usize, &MapFd)> = Vec::new();
    for (by, map) in &request.maps {
        if let MapRef::Name(name) = by {
            let Some(idx) = names.iter().position(|n| n == name) else {
                return Err(CliError::new(format!("unable to find map '{name}'")));
            };
            by_index.push((idx, map));
        }
    }
    for (by, map) in &request.maps {
        if let MapRef::Idx(idx) = by {
            by_index.push((usize::try_from(*idx).unwrap_or(usize::MAX), map));
        }
    }
    by_index.sort_by_key(|(idx, _)| *idx);
    for pair in by_index.windows(2) {
        if pair[0].0 == pair[1].0 {
            return Err(CliError::new(format!(
                "replacement for map idx {} specified more than once",
                pair[0].0
            )));
        }
    }
    for (idx, map) in by_index {
        let Some(name) = names.get(idx) else {
            return Err(CliError::new(format!("map idx '{idx}' not used")));
        };
        insns.bind_map(name, map);
        bound.push((name.clone(), map));
    }
    if let Some((slot, name)) = insns.named_maps().next() {
        let at = match verify::text_line(insns.location(slot)) {
            Some(line) => format!(
                "{}:{line}: {}",
                request.file,
                verify::source_line(source, line).unwrap_or_default()
            ),
            None => format!("instruction {slot}"),
        };
        return Err(CliError::new(format!(
            "map '{name}', which the program uses at {at}, is not given: bpfkit creates no maps \
             from text; add 'map name {name} id MAP_ID' or 'map name {name} pinned FILE' (make \
             one with 'bpfkit map create FILE type TYPE key KEY_SIZE value VALUE_SIZE entries \
             MAX_ENTRIES name {name}')"
        )));
    }
    Ok(bound)
}

/// `pinmaps DIR`: each map at `DIR/NAME`, the directory made if need be.
fn pin_maps(dir: &Path, maps: &[(String, &MapFd)], output: Output) -> Result<(), CliError> {
    if !dir.exists() {
        check_pin_path(dir)?;
        std::fs::create_dir(dir).map_err(|e| {
            CliError::new(format!("failed to create directory {}: {e}", text::os(dir)))
        })?;
    }
    for (name, map) in maps {
        let path = dir.join(name);
        if let Err(e) = crate::pinning::pin_at(&path, |p| map.pin(p)) {
            detail(output, &e.message);
            return Err(CliError::new("failed to pin all maps"));
        }
    }
    Ok(())
}
