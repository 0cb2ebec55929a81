//! The bpf objects pinned on the bpf filesystems, found by walking them.
//!
//! bpftool lists, for each program, map and link, the paths it is pinned
//! at; this module gives the same answer: every bpffs mount in
//! `/proc/mounts` is walked, each file opened with `BPF_OBJ_GET`, told
//! apart by [`ObjectKind::of_fd`] and its id read from its fdinfo
//! (`prog_id`, `map_id` or `link_id`).
//!
//! ```no_run
//! use bpfkit::pinned::{ObjectKind, pinned_objects};
//!
//! for obj in pinned_objects()?.iter().filter(|o| o.kind == ObjectKind::Map) {
//!     println!("map {} at {}", obj.id, obj.path.display());
//! }
//! # Ok::<(), bpfkit::Error>(())
//! ```

use std::fs::FileType;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::sys::fdinfo::FdInfo;

pub use crate::object::ObjectKind;

/// One pinned object: where, what, and its kernel id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PinnedObject {
    /// The pinned path.
    pub path: PathBuf,
    /// Program, map or link.
    pub kind: ObjectKind,
    /// The object's kernel id.
    pub id: u32,
}

/// Every object pinned on every mounted bpf filesystem, in path order.
///
/// Files that cannot be opened (another user's, or removed during the walk)
/// are skipped, as bpftool skips them.
pub fn pinned_objects() -> Result<Vec<PinnedObject>> {
    let mut found = Vec::new();
    for root in bpffs_mounts()? {
        walk(&root, &mut found);
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found.dedup_by(|a, b| a.path == b.path);
    Ok(found)
}

/// The mount points of the bpf filesystems, in `/proc/mounts` order (a
/// filesystem mounted twice is listed twice): where objects can be pinned.
pub fn bpffs_mounts() -> Result<Vec<PathBuf>> {
    crate::object::mounts_of_type("bpf")
}

/// Opens the object pinned at `path` (`BPF_OBJ_GET`) and says what it is.
///
/// Fails with [`Error::Pin`] (carrying the kernel's errno) when nothing can
/// be opened there, with [`Error::Io`] when procfs cannot say what it is,
/// and with [`Error::InvalidArgument`] when the file opens but is no
/// program, map or link.
pub fn open_pinned(path: impl AsRef<Path>) -> Result<(PinnedObject, OwnedFd)> {
    let path = path.as_ref();
    let fd = crate::object::get_pinned(path)?;
    let kind = ObjectKind::of_fd(&fd)?;
    match describe(path, fd.as_fd(), kind) {
        Some(obj) => Ok((obj, fd)),
        None => Err(Error::InvalidArgument {
            what: "pinned object",
            why: format!("{} is not a bpf program, map or link", path.display()),
        }),
    }
}

/// Whether `path` is on a mounted bpf filesystem: whether it lives on the
/// same device as one of the bpffs mount points in `/proc/mounts`.
pub fn is_on_bpffs(path: impl AsRef<Path>) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(dev) = std::fs::metadata(path.as_ref()).map(|m| m.dev()) else { return false };
    let mounts = bpffs_mounts().unwrap_or_default();
    mounts.iter().any(|m| std::fs::metadata(m).is_ok_and(|m| m.dev() == dev))
}

/// The objects pinned under `root` (a directory on a bpf filesystem), in
/// path order.
pub fn pinned_objects_under(root: impl AsRef<Path>) -> Vec<PinnedObject> {
    let mut found = walk_pinned_under(root);
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found
}

/// The objects pinned under `root` in the order a depth-first walk meets
/// them (as `nftw` does): each directory's entries in the order the
/// filesystem lists them (newest first on bpffs), a subdirectory's
/// contents where the subdirectory is met. Files that cannot be opened are
/// skipped. Tools that print pins in the order they found them (bpftool's
/// `-f`) need this order; [`pinned_objects_under`] sorts it by path.
pub fn walk_pinned_under(root: impl AsRef<Path>) -> Vec<PinnedObject> {
    let mut found = Vec::new();
    walk(root.as_ref(), &mut found);
    found
}

/// Walks the tree under `root` as `nftw` does, depth first: each
/// directory's entries in the order the filesystem lists them, a
/// subdirectory's contents where the subdirectory is met.
///
/// Every directory is read to its end and closed before the walk goes
/// into any of its subdirectories, so it holds one directory open at a
/// time however deep the tree (what is left to visit is kept as paths).
/// A walk that keeps a directory open per level runs out of descriptors
/// (`RLIMIT_NOFILE`, 1024 by default) about a thousand levels down, and
/// bpffs puts no limit on depth. What it cannot reach is a pin whose
/// path is longer than `PATH_MAX` (4096 bytes with its NUL): the kernel
/// refuses such a path to every call, `BPF_OBJ_GET` included, so no tool
/// that opens pins by path (bpftool neither) sees it; it is skipped.
fn walk(root: &Path, found: &mut Vec<PinnedObject>) {
    let mut pending = vec![entries(root)];
    while let Some(dir) = pending.last_mut() {
        let Some((path, file_type)) = dir.next() else {
            pending.pop();
            continue;
        };
        if file_type.is_dir() {
            pending.push(entries(&path));
        } else if file_type.is_file() {
            if let Some(obj) = identify(&path) {
                found.push(obj);
            }
        }
    }
}

/// The entries of `dir`, read to the end (the directory is closed on
/// return); none when it cannot be read.
fn entries(dir: &Path) -> std::vec::IntoIter<(PathBuf, FileType)> {
    let Ok(listing) = std::fs::read_dir(dir) else { return Vec::new().into_iter() };
    let all: Vec<(PathBuf, FileType)> =
        listing.flatten().filter_map(|e| Some((e.path(), e.file_type().ok()?))).collect();
    all.into_iter()
}

fn identify(path: &Path) -> Option<PinnedObject> {
    let fd = crate::object::get_pinned(path).ok()?;
    identify_fd(path, fd.as_fd())
}

fn identify_fd(path: &Path, fd: BorrowedFd<'_>) -> Option<PinnedObject> {
    describe(path, fd, ObjectKind::of_fd(fd).ok()?)
}

/// The pinned object at `path`, open as `fd`, of kind `kind`; `None` for a
/// kind that is no program, map or link.
fn describe(path: &Path, fd: BorrowedFd<'_>, kind: ObjectKind) -> Option<PinnedObject> {
    if !matches!(kind, ObjectKind::Program | ObjectKind::Map | ObjectKind::Link) {
        return None;
    }
    let id = FdInfo::of(fd).ok()?.number(kind.id_key()?)?;
    Some(PinnedObject { path: path.to_path_buf(), kind, id: u32::try_from(id).ok()? })
}
