//! `-f`/`--bpffs` finds every pin however the bpffs tree is shaped: 1,500
//! directories deep with 64 file descriptors to spare, and a thousand pins
//! wide; what bpftool finds, as a set (the order depends on every pin on
//! the host, which other tests change meanwhile).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use common::{PinDir, bpfkit, bpftool, counter, id, unique, with_fd_limit};

const BPFKIT: &str = env!("CARGO_BIN_EXE_bpfkit");

/// A chain of directories `d/d/d/...` under `top`, removed bottom up on
/// drop without holding a descriptor per level (as `remove_dir_all` would,
/// which a low `RLIMIT_NOFILE` makes fail).
struct Chain {
    top: PathBuf,
    depth: usize,
}

impl Chain {
    fn new(top: &Path, depth: usize) -> Chain {
        let chain = Chain { top: top.to_owned(), depth };
        for level in 1..=depth {
            std::fs::create_dir(chain.level(level)).unwrap();
        }
        chain
    }

    /// The directory `level` levels below the top.
    fn level(&self, level: usize) -> PathBuf {
        (0..level).fold(self.top.clone(), |p, _| p.join("d"))
    }
}

impl Drop for Chain {
    fn drop(&mut self) {
        for level in (1..=self.depth).rev() {
            let dir = self.level(level);
            if let Ok(entries) = std::fs::read_dir(&dir) {
                for entry in entries.flatten().filter(|e| e.path().is_file()) {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// The `pinned` paths of `-j -f KIND show id ID` (bpfkit, or bpftool).
fn pinned(run: common::Run) -> Vec<String> {
    let json = run.success().json();
    let mut paths: Vec<String> = json["pinned"]
        .as_array()
        .unwrap_or_else(|| panic!("no pinned paths: {json}"))
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect();
    paths.sort();
    paths
}

#[test]
fn pins_1500_directories_down_are_found_with_64_fds() {
    require_kernel!();
    let pins = PinDir::new();
    let chain = Chain::new(&pins.path(""), 1500);
    let (prog, counts) = counter(&unique("deep"));
    // A map at the bottom, and the program halfway, and at the top.
    let bottom = chain.level(1500).join("m");
    counts.map().pin(&bottom).unwrap();
    let middle = chain.level(700).join("p");
    prog.pin(&middle).unwrap();
    let top = pins.path("p");
    prog.pin(&top).unwrap();
    assert!(bottom.as_os_str().len() < 4096);
    let map_id = counts.map().info().unwrap().id.to_string();
    let prog_id = id(&prog).to_string();

    let text = with_fd_limit(64, BPFKIT, &["-f", "map", "show", "id", &map_id]).success();
    assert!(text.stdout.contains(&format!("\n\tpinned {}\n", bottom.display())), "{text:?}");
    let json = with_fd_limit(64, BPFKIT, &["-j", "-f", "map", "show", "id", &map_id]);
    assert_eq!(pinned(json), [bottom.to_str().unwrap()]);
    let json = with_fd_limit(64, BPFKIT, &["-j", "-f", "prog", "show", "id", &prog_id]);
    let mut want = vec![top.to_str().unwrap().to_owned(), middle.to_str().unwrap().to_owned()];
    want.sort();
    assert_eq!(pinned(json), want);

    // bpftool's nftw walk finds the same.
    if bpftool(&["version"]).is_some() {
        let theirs = with_fd_limit(64, "bpftool", &["-j", "-f", "map", "show", "id", &map_id]);
        assert_eq!(pinned(theirs), [bottom.to_str().unwrap()]);
        let theirs = with_fd_limit(64, "bpftool", &["-j", "-f", "prog", "show", "id", &prog_id]);
        assert_eq!(pinned(theirs), want);
    }
    drop(chain);
}

#[test]
fn a_thousand_pins_wide_are_all_found() {
    require_kernel!();
    let pins = PinDir::new();
    let (prog, counts) = counter(&unique("wide"));
    let mut map_paths = Vec::new();
    for i in 0..1000 {
        let path = pins.path(&format!("m{i}"));
        counts.map().pin(&path).unwrap();
        map_paths.push(path.to_str().unwrap().to_owned());
    }
    let mut prog_paths = Vec::new();
    for d in 0..40 {
        let dir = pins.path(&format!("dir{d}"));
        std::fs::create_dir(&dir).unwrap();
        for i in 0..5 {
            let path = dir.join(format!("p{i}"));
            prog.pin(&path).unwrap();
            prog_paths.push(path.to_str().unwrap().to_owned());
        }
    }
    map_paths.sort();
    prog_paths.sort();
    let map_id = counts.map().info().unwrap().id.to_string();
    let prog_id = id(&prog).to_string();

    let ours = with_fd_limit(64, BPFKIT, &["-j", "-f", "map", "show", "id", &map_id]);
    assert_eq!(pinned(ours), map_paths);
    assert_eq!(pinned(bpfkit(&["-p", "-f", "prog", "show", "id", &prog_id])), prog_paths);
    let text = bpfkit(&["-f", "map", "show", "id", &map_id]).success().stdout;
    assert_eq!(text.matches("\n\tpinned ").count(), 1000, "{text}");

    if let Some(theirs) = bpftool(&["-j", "-f", "map", "show", "id", &map_id]) {
        assert_eq!(pinned(theirs), map_paths);
        let theirs = bpftool(&["-j", "-f", "prog", "show", "id", &prog_id]).unwrap();
        assert_eq!(pinned(theirs), prog_paths);
    }
}
