//! Shared test support: the kernel gate, unique names, RAII guards.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use bpfkit::maps::{MapSpec, MapType};

/// Whether kernel tests can run here. Without privileges they skip, loudly;
/// with `BPFKIT_REQUIRE_KERNEL=1` a skip is a failure.
pub fn kernel_available() -> bool {
    static PROBE: OnceLock<Result<(), String>> = OnceLock::new();
    let probe = PROBE.get_or_init(|| {
        MapSpec::new(MapType::ARRAY, 4, 8, 1)
            .name("probe")
            .create()
            .map(drop)
            .map_err(|e| e.to_string())
    });
    match probe {
        Ok(()) => true,
        Err(why) => {
            if std::env::var_os("BPFKIT_REQUIRE_KERNEL").is_some_and(|v| v != "0" && !v.is_empty())
            {
                panic!("BPFKIT_REQUIRE_KERNEL is set but bpf(2) is not usable here: {why}");
            }
            eprintln!(
                "SKIPPED: bpf(2) is not usable here ({why}); run as root to test in the kernel"
            );
            false
        }
    }
}

/// Returns from the test when the kernel is not usable (see [`kernel_available`]).
#[macro_export]
macro_rules! require_kernel {
    () => {
        if !common::kernel_available() {
            return;
        }
    };
}

/// A name no other test in any process uses: `prefix` + pid + counter.
pub fn unique(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!("{prefix}{}x{}", std::process::id() % 100_000, N.fetch_add(1, Ordering::Relaxed))
}

const BPFFS: &str = "/sys/fs/bpf";
const BPF_FS_MAGIC: i64 = 0xcafe4a11;

fn ensure_bpffs() {
    static MOUNTED: OnceLock<()> = OnceLock::new();
    MOUNTED.get_or_init(|| {
        let is_bpffs = || {
            let mut st: libc::statfs = unsafe_free_statfs_zeroed();
            let path = std::ffi::CString::new(BPFFS).unwrap();
            // SAFETY: valid NUL-terminated path and a valid out pointer.
            #[allow(unsafe_code)]
            let rc = unsafe { libc::statfs(path.as_ptr(), &mut st) };
            rc == 0 && st.f_type as i64 == BPF_FS_MAGIC
        };
        if !is_bpffs() {
            let status =
                std::process::Command::new("mount").args(["-t", "bpf", "bpf", BPFFS]).status();
            assert!(
                status.is_ok_and(|s| s.success()) && is_bpffs(),
                "cannot mount bpffs at {BPFFS}"
            );
        }
    });
}

fn unsafe_free_statfs_zeroed() -> libc::statfs {
    // statfs is plain old data; zero is a valid value for every field.
    #[allow(unsafe_code)]
    // SAFETY: libc::statfs is a C struct of integers; all-zero is valid.
    unsafe {
        std::mem::zeroed()
    }
}

/// A private directory on bpffs, removed with everything in it on drop.
pub struct PinDir(PathBuf);

impl PinDir {
    pub fn new() -> PinDir {
        ensure_bpffs();
        let dir = Path::new(BPFFS).join(unique("bpfkit-test-"));
        std::fs::create_dir(&dir).unwrap();
        PinDir(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for PinDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Open file descriptors of this process.
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}
