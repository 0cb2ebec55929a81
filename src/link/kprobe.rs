//! kprobes: a perf event of the `kprobe` PMU
//! (`/sys/bus/event_source/devices/kprobe`, Linux 4.17) on a kernel
//! symbol, and a `perf_event` `bpf_link` on it, as for tracepoints.
//!
//! bpfkit's tests run on a kernel built without `CONFIG_KPROBES`: there,
//! only the "not available" answer is tested. The attach itself follows
//! the kernel's documented interface (`perf_event_open(2)`: `type` from the
//! PMU's `type` file, `config1` the symbol's name, `config2` the offset)
//! but has not run against a kernel with kprobes.

use std::ffi::CString;
use std::path::Path;

use super::perf_event::{self, PerfEventLink};
use super::tracefs;
use crate::error::AttachAction;
use crate::prog::Program;
use crate::prog::kind::Kprobe;
use crate::sys::perf::{self, PerfEventAttr};
use crate::{Errno, Error, Result};

/// The kprobe PMU's directory in sysfs.
const KPROBE_PMU: &str = "/sys/bus/event_source/devices/kprobe";

/// Attaches `prog` at the entry of the kernel function `symbol`, through
/// the `kprobe` PMU and a `perf_event` link (like
/// [`attach_tracepoint`](super::attach_tracepoint)).
///
/// On a kernel built without `CONFIG_KPROBES` (no kprobe PMU in sysfs,
/// no `kprobe_events` in tracefs) this is an [`Error::Hook`] with
/// `EOPNOTSUPP` saying kprobes are not available; a tracepoint, a raw
/// tracepoint or fentry is the way to trace there. A kernel with only the
/// legacy `kprobe_events` interface (before 4.17) gets `EOPNOTSUPP` too:
/// bpfkit does not write probes into tracefs.
///
/// Untested against a kernel with kprobes (see the module docs).
#[doc(alias = "perf_kprobe")]
pub fn attach_kprobe(prog: &Program<Kprobe>, symbol: &str) -> Result<PerfEventLink<Kprobe>> {
    let fail = |errno: Errno, advice: String| Error::Hook {
        action: AttachAction::Attach,
        hook: format!("kprobe {symbol}"),
        errno,
        advice,
    };
    let pmu_type = Path::new(KPROBE_PMU).join("type");
    let Ok(text) = std::fs::read_to_string(&pmu_type) else {
        let legacy = tracefs::root().map(|r| r.join("kprobe_events")).filter(|p| p.exists());
        return Err(fail(Errno::EOPNOTSUPP, unavailable(legacy.as_deref())));
    };
    let Ok(pmu) = text.trim().parse::<u32>() else {
        return Err(fail(
            Errno::EINVAL,
            format!("{} holds {text:?}, not a PMU type", pmu_type.display()),
        ));
    };
    let c_symbol = CString::new(symbol).map_err(|_| Error::InvalidArgument {
        what: "kprobe symbol",
        why: format!("{symbol:?} holds a NUL byte"),
    })?;
    let mut attr = PerfEventAttr::new(pmu, 0).kprobe(&c_symbol, 0);
    let event = perf::perf_event_open(&mut attr, -1, 0).map_err(|errno| {
        let advice = match errno {
            Errno::ENOENT | Errno::EINVAL => format!(
                "the kernel cannot probe {symbol:?}: no such symbol, or it is inlined or on the \
                 kprobe blacklist; check /proc/kallsyms"
            ),
            _ => perf_event::perf_event_advice(errno, "a kprobe"),
        };
        fail(errno, advice)
    })?;
    perf_event::create(prog, event, 0)
        .map_err(|errno| fail(errno, perf_event::link_advice(errno, "kprobe")))
}

/// Why there is no kprobe here: `legacy` is tracefs' `kprobe_events`
/// when only that exists.
fn unavailable(legacy: Option<&Path>) -> String {
    match legacy {
        Some(events) => format!(
            "this kernel has no kprobe PMU (no {KPROBE_PMU}), only the legacy {}, which bpfkit \
             does not drive; trace with a tracepoint or raw tracepoint instead",
            events.display()
        ),
        None => format!(
            "kprobes are not available in this kernel (CONFIG_KPROBES off): no {KPROBE_PMU} and \
             no kprobe_events in tracefs; trace with a tracepoint, a raw tracepoint or fentry \
             instead"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_kprobes_says_which_interface_is_missing() {
        let none = unavailable(None);
        assert!(none.starts_with("kprobes are not available in this kernel (CONFIG_KPROBES off)"));
        assert!(none.contains(KPROBE_PMU), "{none}");
        let legacy = unavailable(Some(Path::new("/sys/kernel/tracing/kprobe_events")));
        assert!(legacy.contains("only the legacy /sys/kernel/tracing/kprobe_events"), "{legacy}");
    }
}
