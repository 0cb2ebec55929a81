//! `/proc/self/fdinfo/<fd>`: what the kernel tells about a bpf object only
//! there (`memlock`, `frozen`, a map's or program's owner), as bpftool reads it;
//! and `/proc/self/fd/<fd>`, whose link names the anonymous inode of a bpf
//! object, and so its kind.

use std::os::fd::{AsRawFd, BorrowedFd};
use std::path::PathBuf;

/// What `/proc/self/fd/<fd>` links to: `anon_inode:NAME` for an anonymous
/// inode (every bpf map, program, link and BTF object), else a path.
pub(crate) fn target(fd: BorrowedFd<'_>) -> std::io::Result<PathBuf> {
    std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd()))
}

/// The `key:\tvalue` lines of an fd's fdinfo, in the kernel's order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct FdInfo(Vec<(String, String)>);

impl FdInfo {
    /// Reads the fdinfo of `fd` (of this process).
    pub(crate) fn of(fd: BorrowedFd<'_>) -> std::io::Result<FdInfo> {
        let text = std::fs::read_to_string(format!("/proc/self/fdinfo/{}", fd.as_raw_fd()))?;
        Ok(FdInfo::parse(&text))
    }

    fn parse(text: &str) -> FdInfo {
        FdInfo(
            text.lines()
                .filter_map(|line| line.split_once(':'))
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .collect(),
        )
    }

    /// The value of `key`, as text.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// The value of `key` as a decimal number.
    pub(crate) fn number(&self, key: &str) -> Option<u64> {
        self.get(key)?.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::FdInfo;

    #[test]
    fn parses_the_kernels_layout() {
        let info = FdInfo::parse(
            "pos:\t0\nflags:\t02000002\nmnt_id:\t15\nino:\t1057\nmap_type:\t1\n\
             memlock:\t8498192\nmap_id:\t7\nfrozen:\t0\nprog_tag:\t3b185187f1855c4c\n",
        );
        assert_eq!(info.number("memlock"), Some(8_498_192));
        assert_eq!(info.number("frozen"), Some(0));
        assert_eq!(info.get("prog_tag"), Some("3b185187f1855c4c"));
        assert_eq!(info.get("flags"), Some("02000002"));
        assert_eq!(info.get("missing"), None);
    }

    #[test]
    fn reads_a_real_fd() {
        let file = std::fs::File::open("/proc/self/status").map(std::os::fd::OwnedFd::from);
        let file = file.map_err(|e| e.to_string());
        if let Ok(fd) = &file {
            use std::os::fd::AsFd;
            let info = FdInfo::of(fd.as_fd()).map_err(|e| e.to_string());
            assert_eq!(info.map(|i| i.number("pos")), Ok(Some(0)));
        }
    }
}
