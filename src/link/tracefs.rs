//! Where tracefs is mounted, read from `/proc/mounts` as bpftool and
//! libbpf find it, and what its files say.

use std::path::{Path, PathBuf};

/// The tracefs directory: a `tracefs` mount (`/sys/kernel/tracing` first
/// when there are several), else `tracing/` under a `debugfs` mount (the
/// layout of kernels before 4.1, and of systems that mount only debugfs).
/// `None` when neither is mounted.
pub(super) fn root() -> Option<PathBuf> {
    let mounts = std::fs::read_to_string("/proc/mounts").ok()?;
    root_in(&mounts, |p| p.is_dir())
}

/// [`root`] from the text of `/proc/mounts`; `is_dir` says whether a
/// debugfs mount has its `tracing/` directory.
fn root_in(mounts: &str, is_dir: impl Fn(&Path) -> bool) -> Option<PathBuf> {
    let mut tracefs = Vec::new();
    let mut debugfs = Vec::new();
    for line in mounts.lines() {
        let mut fields = line.split_whitespace();
        let (Some(_), Some(dir), Some(fstype)) = (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        // /proc/mounts writes a space in a path as \040.
        let dir = PathBuf::from(dir.replace("\\040", " "));
        match fstype {
            "tracefs" => tracefs.push(dir),
            "debugfs" => debugfs.push(dir.join("tracing")),
            _ => {}
        }
    }
    let preferred = Path::new("/sys/kernel/tracing");
    if let Some(dir) = tracefs.iter().find(|d| d.as_path() == preferred) {
        return Some(dir.clone());
    }
    tracefs.into_iter().next().or_else(|| debugfs.into_iter().find(|d| is_dir(d)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracefs_is_found_where_it_is_mounted() {
        let both = "proc /proc proc rw 0 0\n\
                    debugfs /sys/kernel/debug debugfs rw 0 0\n\
                    nodev /mnt/my\\040trace tracefs rw 0 0\n\
                    nodev /sys/kernel/tracing tracefs rw 0 0\n";
        assert_eq!(root_in(both, |_| true), Some(PathBuf::from("/sys/kernel/tracing")));
        let other = "nodev /mnt/my\\040trace tracefs rw 0 0\n";
        assert_eq!(root_in(other, |_| true), Some(PathBuf::from("/mnt/my trace")));
        let debug = "debugfs /sys/kernel/debug debugfs rw 0 0\n";
        assert_eq!(root_in(debug, |_| true), Some(PathBuf::from("/sys/kernel/debug/tracing")));
        assert_eq!(root_in(debug, |_| false), None);
        assert_eq!(root_in("sysfs /sys sysfs rw 0 0\n", |_| true), None);
    }
}
