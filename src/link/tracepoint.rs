//! Tracepoints: a perf event of type `PERF_TYPE_TRACEPOINT` for the
//! tracepoint's tracefs id, and a `bpf_link` of type `perf_event` that hangs
//! the program from it.
//!
//! The link holds a reference to the perf event's file: the returned
//! [`PerfEventLink`] keeps both fds, and dropping it (or removing the
//! link's last pin) removes the perf event with the program.

use std::path::Path;

use super::perf_event::{self, PerfEventLink};
use super::tracefs;
use crate::error::AttachAction;
use crate::prog::Program;
use crate::prog::kind::Tracepoint;
use crate::sys::perf::{self, PerfEventAttr};
use crate::{Errno, Error, Result};

/// Attaches `prog` to the tracepoint `category`/`name` (a directory of
/// tracefs' `events/`, e.g. `syscalls`/`sys_enter_getpid`,
/// `sched`/`sched_switch`): it runs on every CPU each time the
/// tracepoint fires, in whatever task hits it, until the link is dropped
/// (or its last pin removed).
///
/// tracefs is found in `/proc/mounts` (`/sys/kernel/tracing`, or
/// `tracing/` under debugfs); bpfkit does not mount it. A tracepoint that
/// does not exist is an [`Error::Hook`] naming the tracefs path looked up.
/// Needs `CAP_PERFMON` and `CAP_BPF` (or root).
///
/// ```no_run
/// # fn demo(prog: &bpfkit::prog::Program<bpfkit::prog::kind::Tracepoint>) -> bpfkit::Result<()> {
/// use bpfkit::link::attach_tracepoint;
/// let link = attach_tracepoint(prog, "syscalls", "sys_enter_getpid")?;
/// # Ok(()) }
/// ```
#[doc(alias = "PERF_TYPE_TRACEPOINT")]
pub fn attach_tracepoint(
    prog: &Program<Tracepoint>,
    category: &str,
    name: &str,
) -> Result<PerfEventLink<Tracepoint>> {
    attach_tracepoint_with_cookie(prog, category, name, 0)
}

/// [`attach_tracepoint`] with a `bpf_cookie` the program reads with
/// `bpf_get_attach_cookie` (Linux 5.15), to tell apart the places one
/// program is attached to.
pub fn attach_tracepoint_with_cookie(
    prog: &Program<Tracepoint>,
    category: &str,
    name: &str,
    cookie: u64,
) -> Result<PerfEventLink<Tracepoint>> {
    let hook = format!("tracepoint {category}/{name}");
    for (what, part) in [("tracepoint category", category), ("tracepoint name", name)] {
        if part.is_empty() || part.contains('/') || part == "." || part == ".." {
            return Err(Error::InvalidArgument {
                what,
                why: format!("{part:?} is not one directory name of tracefs' events/"),
            });
        }
    }
    let fail = |errno: Errno, advice: String| Error::Hook {
        action: AttachAction::Attach,
        hook: hook.clone(),
        errno,
        advice,
    };
    let Some(root) = tracefs::root() else {
        return Err(fail(
            Errno::ENOENT,
            "tracefs is not mounted (no tracefs, nor debugfs with tracing/, in /proc/mounts): \
             mount it with `mount -t tracefs nodev /sys/kernel/tracing`"
                .to_string(),
        ));
    };
    let id_path = root.join("events").join(category).join(name).join("id");
    let id = read_id(&id_path).map_err(|(errno, advice)| fail(errno, advice))?;
    let mut attr = PerfEventAttr::new(perf::TYPE_TRACEPOINT, id);
    // pid -1, cpu 0: what libbpf opens; a tracepoint's program runs on
    // every CPU whichever CPU its event was opened on.
    let event = perf::perf_event_open(&mut attr, -1, 0)
        .map_err(|errno| fail(errno, perf_event::perf_event_advice(errno, "a tracepoint")))?;
    perf_event::create(prog, event, cookie)
        .map_err(|errno| fail(errno, perf_event::link_advice(errno, "tracepoint")))
}

/// The id in tracefs' `events/<category>/<name>/id`, or why it is not
/// there and what to look at instead.
fn read_id(path: &Path) -> std::result::Result<u64, (Errno, String)> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        let errno = e.raw_os_error().map_or(Errno::EIO, Errno);
        let advice = match errno {
            Errno::ENOENT => {
                let tracepoint = path.parent().unwrap_or(path);
                let category = tracepoint.parent().unwrap_or(tracepoint);
                let events = category.parent().unwrap_or(category);
                if category.is_dir() {
                    format!(
                        "no {}: this kernel has no such tracepoint; list {} for the category's \
                         tracepoints",
                        path.display(),
                        category.display()
                    )
                } else {
                    format!(
                        "no {}: this kernel has no tracepoint category {}; list {} for the \
                         categories",
                        path.display(),
                        category.file_name().unwrap_or_default().to_string_lossy(),
                        events.display()
                    )
                }
            }
            Errno::EACCES | Errno::EPERM => {
                format!("reading {} needs root (tracefs is root's by default)", path.display())
            }
            _ => format!("reading {} failed", path.display()),
        };
        (errno, advice)
    })?;
    text.trim().parse().map_err(|_| {
        (Errno::EINVAL, format!("{} holds {:?}, not a tracepoint id", path.display(), text.trim()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_id_says_what_to_list() {
        let dir = std::env::temp_dir().join(format!("bpfkit-tracefs-{}", std::process::id()));
        let events = dir.join("events");
        std::fs::create_dir_all(events.join("syscalls/sys_enter_getpid")).unwrap();
        std::fs::write(events.join("syscalls/sys_enter_getpid/id"), "309\n").unwrap();
        std::fs::create_dir_all(events.join("odd/junk")).unwrap();
        std::fs::write(events.join("odd/junk/id"), "twelve").unwrap();

        assert_eq!(read_id(&events.join("syscalls/sys_enter_getpid/id")), Ok(309));
        let (errno, advice) = read_id(&events.join("syscalls/sys_enter_nope/id")).unwrap_err();
        assert_eq!(errno, Errno::ENOENT);
        let category = events.join("syscalls");
        assert!(advice.contains(&format!("list {} for the", category.display())), "{advice}");
        let (_, advice) = read_id(&events.join("nope/x/id")).unwrap_err();
        assert!(advice.contains("no tracepoint category nope"), "{advice}");
        assert!(advice.contains(&format!("list {} for the", events.display())), "{advice}");
        let (errno, advice) = read_id(&events.join("odd/junk/id")).unwrap_err();
        assert_eq!(errno, Errno::EINVAL);
        assert!(advice.ends_with("holds \"twelve\", not a tracepoint id"), "{advice}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
