//! The running kernel's release, as `uname -r` prints it.

use std::sync::OnceLock;

/// `/proc/sys/kernel/osrelease` (what `uname(2)` reports as the release),
/// read once; `"unknown"` where it cannot be read.
pub(super) fn release() -> &'static str {
    static RELEASE: OnceLock<String> = OnceLock::new();
    RELEASE.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|_| "unknown".to_string())
    })
}

/// The release as `KERNEL_VERSION(major, minor, patch)`, the `kern_version`
/// kernels before 5.0 wanted for kprobe programs (0 when unparsable).
pub(super) fn kernel_version() -> u32 {
    let mut parts = release().split(|c: char| !c.is_ascii_digit()).map(|p| p.parse::<u32>().ok());
    match (parts.next().flatten(), parts.next().flatten(), parts.next().flatten()) {
        (Some(major), Some(minor), patch) => {
            (major << 16) + (minor.min(255) << 8) + patch.unwrap_or(0).min(255)
        }
        _ => 0,
    }
}
