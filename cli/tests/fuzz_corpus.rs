//! The `disasm` fuzz property (`fuzz/properties.rs`) prints what
//! `bpfkit disasm --raw` prints, for every seed and regression input of the
//! `disasm` target: the property the fuzzer checks is the command's output.
//! The library's `tests/fuzz_corpus.rs` replays the corpus through the
//! properties themselves.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../fuzz/properties.rs"]
#[allow(dead_code)] // the `parse` property is the library's to replay
mod properties;

use std::path::{Path, PathBuf};

/// The workspace root, where `fuzz/` is.
fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// The files of `dir`, by name, without hidden ones.
fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    files.sort();
    files
}

/// The property's disassembly is what `bpfkit disasm --raw` prints, so the
/// fuzz target checks the command's output.
#[test]
fn the_disasm_property_prints_what_bpfkit_disasm_prints() {
    let fuzz = root().join("fuzz");
    let inputs = [files(&fuzz.join("corpus/disasm")), files(&fuzz.join("regressions/disasm"))];
    let mut compared = 0;
    for file in inputs.iter().flatten() {
        let input = std::fs::read(file).unwrap();
        if input.is_empty() || input.len() % 8 != 0 {
            continue;
        }
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_bpfkit"))
            .arg("disasm")
            .arg("--raw")
            .arg(file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            file.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let want = bpfkit::asm::disassemble(&properties::slots_of(&input));
        assert_eq!(String::from_utf8_lossy(&out.stdout), want, "{}", file.display());
        compared += 1;
    }
    assert!(compared > 0);
}
