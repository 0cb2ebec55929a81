//! Pinning an object at a path, with bpftool's checks and messages
//! (`do_pin_fd`), and bpftool's complaint about too few arguments.
//!
//! One deliberate difference: where the path's directory is on no bpf
//! filesystem, bpftool mounts one there (over whatever the directory
//! held); bpfkit refuses and says how to mount one.

use std::path::Path;

use bpfkit::pinned::is_on_bpffs;

use crate::errno;
use crate::out::CliError;
use crate::select::dirname;
use crate::text;

/// bpftool's `REQ_ARGS(n)` failure: `'CMD' needs at least N arguments, M
/// found`.
pub fn too_few(command: &str, needed: usize, found: usize) -> CliError {
    CliError::usage(format!("'{command}' needs at least {needed} arguments, {found} found"))
}

/// Checks that `path` can take a pin: its directory exists on a bpf
/// filesystem.
pub fn check_pin_path(path: &Path) -> Result<(), CliError> {
    let dir = dirname(path);
    if is_on_bpffs(dir) {
        return Ok(());
    }
    let shown = text::os(path);
    let dir_shown = text::os(dir);
    if let Err(e) = std::fs::metadata(dir) {
        // bpftool tries to mount a bpffs there first, and says why that failed.
        let why = errno::strerror(e.raw_os_error().unwrap_or(libc::ENOENT));
        return Err(CliError::new(format!(
            "can't mount BPF file system to pin the object ({shown}): mount --make-private \
             {dir_shown} failed: {why}"
        )));
    }
    Err(CliError::new(format!(
        "can't pin the object ({shown}): {dir_shown} is on no BPF file system, and bpfkit does \
         not mount one (mount -t bpf bpf {dir_shown})"
    )))
}

/// Pins with `pin` at `path`, as bpftool's `do_pin_fd`: the directory
/// checked first, then `can't pin the object (PATH): strerror`, exiting
/// with the negated errno.
pub fn pin_at(path: &Path, pin: impl FnOnce(&Path) -> bpfkit::Result<()>) -> Result<(), CliError> {
    check_pin_path(path)?;
    pin(path).map_err(|e| match errno::of(&e) {
        Some(n) => errno::failed(&format!("can't pin the object ({})", text::os(path)), n),
        None => CliError::new(format!("can't pin the object ({}): {e}", text::os(path))),
    })
}
