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

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::maps::pin;
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
    let mounts = std::fs::read_to_string("/proc/mounts").map_err(|e| Error::Io {
        what: "reading /proc/mounts to find the bpf filesystems".into(),
        source: e,
    })?;
    let mut found = Vec::new();
    for root in bpffs_mounts(&mounts) {
        walk(&root, &mut found);
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found.dedup_by(|a, b| a.path == b.path);
    Ok(found)
}

/// Every object pinned on every mounted bpf filesystem, in the order a walk
/// meets them: mounts in `/proc/mounts` order, each directory's entries in
/// the order the filesystem lists them (newest first on bpffs), a
/// subdirectory's contents where it is met. This is the order bpftool's
/// `nftw` walk sees, which decides the order it prints an object's paths
/// in. A filesystem mounted twice is walked twice.
pub fn pinned_objects_in_walk_order() -> Result<Vec<PinnedObject>> {
    let mounts = std::fs::read_to_string("/proc/mounts").map_err(|e| Error::Io {
        what: "reading /proc/mounts to find the bpf filesystems".into(),
        source: e,
    })?;
    let mut found = Vec::new();
    for root in bpffs_mounts(&mounts) {
        walk(&root, &mut found);
    }
    Ok(found)
}

/// Opens the object pinned at `path` (`BPF_OBJ_GET`) and says what it is.
///
/// Fails with [`Error::Pin`] (carrying the kernel's errno) when nothing can
/// be opened there, with [`Error::Io`] when procfs cannot say what it is,
/// and with [`Error::InvalidArgument`] when the file opens but is no
/// program, map or link.
pub fn open_pinned(path: impl AsRef<Path>) -> Result<(PinnedObject, OwnedFd)> {
    let path = path.as_ref();
    let fd = pin::get(path)?;
    ObjectKind::of_fd(&fd)?;
    match identify_fd(path, fd.as_fd()) {
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
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
    bpffs_mounts(&mounts).iter().any(|m| std::fs::metadata(m).is_ok_and(|m| m.dev() == dev))
}

/// The objects pinned under `root` (a directory on a bpf filesystem).
pub fn pinned_objects_under(root: impl AsRef<Path>) -> Vec<PinnedObject> {
    let mut found = Vec::new();
    walk(root.as_ref(), &mut found);
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found
}

/// The mount points of type `bpf` in `/proc/mounts` text.
fn bpffs_mounts(mounts: &str) -> Vec<PathBuf> {
    mounts
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let (_, point, fstype) = (fields.next()?, fields.next()?, fields.next()?);
            (fstype == "bpf").then(|| PathBuf::from(unescape(point)))
        })
        .collect()
}

/// Undoes the octal escapes of `/proc/mounts` (`\040` for a space).
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes.get(i + 1..i + 4).and_then(|d| {
            let d = std::str::from_utf8(d).ok()?;
            u8::from_str_radix(d, 8).ok()
        });
        match (bytes[i], octal) {
            (b'\\', Some(byte)) => {
                out.push(byte);
                i += 4;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn walk(dir: &Path, found: &mut Vec<PinnedObject>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => walk(&path, found),
            Ok(t) if t.is_file() => {
                if let Some(obj) = identify(&path) {
                    found.push(obj);
                }
            }
            _ => {}
        }
    }
}

fn identify(path: &Path) -> Option<PinnedObject> {
    let fd = pin::get(path).ok()?;
    identify_fd(path, fd.as_fd())
}

fn identify_fd(path: &Path, fd: BorrowedFd<'_>) -> Option<PinnedObject> {
    let kind = ObjectKind::of_fd(fd).ok()?;
    if !matches!(kind, ObjectKind::Program | ObjectKind::Map | ObjectKind::Link) {
        return None;
    }
    let id = FdInfo::of(fd).ok()?.number(kind.id_key()?)?;
    Some(PinnedObject { path: path.to_path_buf(), kind, id: u32::try_from(id).ok()? })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_bpffs_mounts_with_escapes() {
        let mounts = "sysfs /sys sysfs rw 0 0\n\
                      bpf /sys/fs/bpf bpf rw,nosuid 0 0\n\
                      bpf /run/my\\040pins bpf rw 0 0\n\
                      tmpfs /tmp tmpfs rw 0 0\n";
        assert_eq!(
            bpffs_mounts(mounts),
            [PathBuf::from("/sys/fs/bpf"), PathBuf::from("/run/my pins")]
        );
    }
}
