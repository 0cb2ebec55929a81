//! `feature probe`'s first section, "system configuration": the BPF
//! sysctls under `/proc/sys` and the kernel's build configuration, read
//! where bpftool 7.1 reads them, with its wording for each value.

use crate::gunzip::gunzip;
use crate::json::JsonWriter;

/// The sysctls, as bpftool reads them: `-1` for one that cannot be read.
pub struct Sysctls {
    unprivileged_bpf_disabled: i64,
    jit_enable: i64,
    jit_harden: i64,
    jit_kallsyms: i64,
    jit_limit: i64,
}

/// The first line of `path` as a decimal number followed by nothing but
/// its newline, as bpftool's `read_procfs` takes it; `-1` otherwise.
fn read_procfs(path: &str) -> i64 {
    let Ok(text) = std::fs::read_to_string(path) else { return -1 };
    let Some(end) = text.find('\n') else { return -1 };
    let line = text[..end].trim_start_matches([' ', '\t']);
    let digits = line.strip_prefix('+').unwrap_or(line);
    let ok = !digits.is_empty()
        && digits.strip_prefix('-').unwrap_or(digits).bytes().all(|b| b.is_ascii_digit());
    if !ok {
        return -1;
    }
    // bpftool stores strtol's long in an int.
    digits.parse::<i64>().map(|v| i64::from(v as i32)).unwrap_or(-1)
}

impl Sysctls {
    /// Reads them.
    pub fn read() -> Sysctls {
        Sysctls {
            unprivileged_bpf_disabled: read_procfs("/proc/sys/kernel/unprivileged_bpf_disabled"),
            jit_enable: read_procfs("/proc/sys/net/core/bpf_jit_enable"),
            jit_harden: read_procfs("/proc/sys/net/core/bpf_jit_harden"),
            jit_kallsyms: read_procfs("/proc/sys/net/core/bpf_jit_kallsyms"),
            jit_limit: read_procfs("/proc/sys/net/core/bpf_jit_limit"),
        }
    }

    /// bpftool's lines for them.
    pub fn text(&self) -> String {
        let unprivileged = match self.unprivileged_bpf_disabled {
            0 => "bpf() syscall for unprivileged users is enabled".to_string(),
            1 => "bpf() syscall restricted to privileged users (without recovery)".to_string(),
            2 => "bpf() syscall restricted to privileged users (admin can change)".to_string(),
            -1 => "Unable to retrieve required privileges for bpf() syscall".to_string(),
            v => format!("bpf() syscall restriction has unknown value {v}"),
        };
        let enable = match self.jit_enable {
            0 => "JIT compiler is disabled".to_string(),
            1 => "JIT compiler is enabled".to_string(),
            2 => "JIT compiler is enabled with debugging traces in kernel logs".to_string(),
            -1 => "Unable to retrieve JIT-compiler status".to_string(),
            v => format!("JIT-compiler status has unknown value {v}"),
        };
        let harden = match self.jit_harden {
            0 => "JIT compiler hardening is disabled".to_string(),
            1 => "JIT compiler hardening is enabled for unprivileged users".to_string(),
            2 => "JIT compiler hardening is enabled for all users".to_string(),
            -1 => "Unable to retrieve JIT hardening status".to_string(),
            v => format!("JIT hardening status has unknown value {v}"),
        };
        let kallsyms = match self.jit_kallsyms {
            0 => "JIT compiler kallsyms exports are disabled".to_string(),
            1 => "JIT compiler kallsyms exports are enabled for root".to_string(),
            -1 => "Unable to retrieve JIT kallsyms export status".to_string(),
            v => format!("JIT kallsyms exports status has unknown value {v}"),
        };
        let limit = match self.jit_limit {
            -1 => "Unable to retrieve global memory limit for JIT compiler for unprivileged users"
                .to_string(),
            v => {
                format!("Global memory limit for JIT compiler for unprivileged users is {v} bytes")
            }
        };
        [unprivileged, enable, harden, kallsyms, limit].map(|l| l + "\n").concat()
    }

    /// bpftool's JSON members for them.
    pub fn json(&self, w: &mut JsonWriter) {
        w.raw_field("unprivileged_bpf_disabled", self.unprivileged_bpf_disabled)
            .raw_field("bpf_jit_enable", self.jit_enable)
            .raw_field("bpf_jit_harden", self.jit_harden)
            .raw_field("bpf_jit_kallsyms", self.jit_kallsyms)
            .raw_field("bpf_jit_limit", self.jit_limit);
    }
}

/// The build options bpftool 7.1 reports, in its order.
const OPTIONS: &[&str] = &[
    "CONFIG_BPF",
    "CONFIG_BPF_SYSCALL",
    "CONFIG_HAVE_EBPF_JIT",
    "CONFIG_BPF_JIT",
    "CONFIG_BPF_JIT_ALWAYS_ON",
    "CONFIG_DEBUG_INFO_BTF",
    "CONFIG_DEBUG_INFO_BTF_MODULES",
    "CONFIG_CGROUPS",
    "CONFIG_CGROUP_BPF",
    "CONFIG_CGROUP_NET_CLASSID",
    "CONFIG_SOCK_CGROUP_DATA",
    "CONFIG_BPF_EVENTS",
    "CONFIG_KPROBE_EVENTS",
    "CONFIG_UPROBE_EVENTS",
    "CONFIG_TRACING",
    "CONFIG_FTRACE_SYSCALLS",
    "CONFIG_FUNCTION_ERROR_INJECTION",
    "CONFIG_BPF_KPROBE_OVERRIDE",
    "CONFIG_NET",
    "CONFIG_XDP_SOCKETS",
    "CONFIG_LWTUNNEL_BPF",
    "CONFIG_NET_ACT_BPF",
    "CONFIG_NET_CLS_BPF",
    "CONFIG_NET_CLS_ACT",
    "CONFIG_NET_SCH_INGRESS",
    "CONFIG_XFRM",
    "CONFIG_IP_ROUTE_CLASSID",
    "CONFIG_IPV6_SEG6_BPF",
    "CONFIG_BPF_LIRC_MODE2",
    "CONFIG_BPF_STREAM_PARSER",
    "CONFIG_NETFILTER_XT_MATCH_BPF",
    "CONFIG_BPFILTER",
    "CONFIG_BPFILTER_UMH",
    "CONFIG_TEST_BPF",
    "CONFIG_HZ",
];

/// The kernel's build options: each of [`OPTIONS`] with its value, or
/// `None` where it is not set (or the configuration cannot be read; then
/// `note` says why, as bpftool's `p_info` does).
pub struct KernelConfig {
    values: Vec<Option<String>>,
    /// Why the configuration was not read, for standard error.
    pub note: Option<String>,
}

impl KernelConfig {
    /// Reads `/boot/config-RELEASE`, else `/proc/config.gz`, as bpftool
    /// does: the file must have `# Automatically generated file; DO NOT
    /// EDIT.` as its second line.
    pub fn read(release: &str) -> KernelConfig {
        let mut values = vec![None; OPTIONS.len()];
        let file = std::fs::read(format!("/boot/config-{release}"))
            .or_else(|_| std::fs::read("/proc/config.gz"));
        let bytes = match file {
            Ok(b) => b,
            Err(e) => {
                let note = format!("skipping kernel config, can't open file: {}", strerror(&e));
                return KernelConfig { values, note: Some(note) };
            }
        };
        let Some(text) = gunzip(&bytes) else {
            let note = "skipping kernel config, can't read from file: Success".to_string();
            return KernelConfig { values, note: Some(note) };
        };
        let text = String::from_utf8_lossy(&text);
        let mut lines = text.split_inclusive('\n');
        if lines.nth(1) != Some("# Automatically generated file; DO NOT EDIT.\n") {
            let note = "skipping kernel config, can't find correct file".to_string();
            return KernelConfig { values, note: Some(note) };
        }
        for line in lines {
            if !line.starts_with("CONFIG_") {
                continue;
            }
            let Some((name, value)) = line.split_once('=') else { continue };
            // bpftool drops the line's last character, its newline.
            let value = &value[..value.len().saturating_sub(usize::from(line.ends_with('\n')))];
            if value.is_empty() {
                continue;
            }
            if let Some(i) = OPTIONS.iter().position(|o| *o == name)
                && values[i].is_none()
            {
                values[i] = Some(value.to_string());
            }
        }
        KernelConfig { values, note: None }
    }

    /// bpftool's lines: `CONFIG_X is set to y` or `CONFIG_X is not set`.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for (name, value) in OPTIONS.iter().zip(&self.values) {
            match value {
                Some(v) => out.push_str(&format!("{name} is set to {v}\n")),
                None => out.push_str(&format!("{name} is not set\n")),
            }
        }
        out
    }

    /// bpftool's JSON members: the value as a string (bpftool 7.1 means
    /// to write numbers as numbers, but tests for a newline its parser
    /// has already cut off, so never does), `null` when not set.
    pub fn json(&self, w: &mut JsonWriter) {
        for (name, value) in OPTIONS.iter().zip(&self.values) {
            match value.as_deref() {
                None => {
                    w.name(name).null();
                }
                Some(v) => {
                    w.string_field(name, v);
                }
            }
        }
    }
}

/// The C library's text of an I/O error, as bpftool's `strerror`.
fn strerror(e: &std::io::Error) -> String {
    let text = e.to_string();
    // "No such file or directory (os error 2)" -> "No such file or directory"
    text.split(" (os error").next().unwrap_or(&text).to_string()
}
