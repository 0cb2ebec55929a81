//! Mount points by filesystem type, from `/proc/mounts`: where the bpf
//! filesystems, the cgroup2 hierarchy and tracefs are.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt as _;
use std::path::PathBuf;

use crate::error::{Error, Result};

/// The mount points of filesystems of type `fstype` (`bpf`, `cgroup2`,
/// `tracefs`), in `/proc/mounts` order; a filesystem mounted twice is
/// listed twice.
pub(crate) fn mounts_of_type(fstype: &str) -> Result<Vec<PathBuf>> {
    let mounts = std::fs::read("/proc/mounts").map_err(|e| Error::Io {
        what: format!("reading /proc/mounts to find the {fstype} filesystems"),
        source: e,
    })?;
    Ok(parse_mounts(&mounts, fstype.as_bytes()))
}

/// The mount points of type `fstype` in the text of `/proc/mounts`.
fn parse_mounts(mounts: &[u8], fstype: &[u8]) -> Vec<PathBuf> {
    mounts
        .split(|&b| b == b'\n')
        .filter_map(|line| {
            let mut fields = line.split(|&b| b == b' ').filter(|f| !f.is_empty());
            let (_, point, kind) = (fields.next()?, fields.next()?, fields.next()?);
            (kind == fstype).then(|| PathBuf::from(unescape(point)))
        })
        .collect()
}

/// Undoes the octal escapes of `/proc/mounts` (`\040` for a space, `\012`
/// for a newline); the kernel writes every other byte as it is.
fn unescape(field: &[u8]) -> OsString {
    let mut out = Vec::with_capacity(field.len());
    let mut i = 0;
    while i < field.len() {
        let octal = field.get(i + 1..i + 4).and_then(|d| {
            let d = std::str::from_utf8(d).ok()?;
            u8::from_str_radix(d, 8).ok()
        });
        match (field[i], octal) {
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
    OsString::from_vec(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_bpffs_mounts_with_escapes() {
        let mounts = b"sysfs /sys sysfs rw 0 0\n\
                      bpf /sys/fs/bpf bpf rw,nosuid 0 0\n\
                      bpf /run/my\\040pins bpf rw 0 0\n\
                      tmpfs /tmp tmpfs rw 0 0\n";
        assert_eq!(
            parse_mounts(mounts, b"bpf"),
            [PathBuf::from("/sys/fs/bpf"), PathBuf::from("/run/my pins")]
        );
    }

    #[test]
    fn mount_points_are_bytes() {
        use std::os::unix::ffi::OsStrExt as _;
        let mounts = b"bpf /run/\\012\xffx bpf rw 0 0\n";
        let found = parse_mounts(mounts, b"bpf");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].as_os_str().as_bytes(), b"/run/\n\xffx");
    }
}
