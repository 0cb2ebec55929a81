//! `bpfkit perf { show | list }`: bpftool 7.1's `perf` command, the
//! programs attached to tracepoints, raw tracepoints, kprobes and uprobes
//! through the perf event (or raw tracepoint link) fds that processes hold.
//!
//! As bpftool does, it first checks that the kernel answers
//! `BPF_TASK_FD_QUERY` (asking about an fd of its own on `/`, which must
//! be refused with `ENOTSUPP`), then walks `/proc` in directory order: each
//! process (`/proc/PID`, digits only, so not `self` nor threads), then the
//! entries of its `fd/` directory, asking the kernel about each one;
//! whatever is not an attachment (or has gone meanwhile) is passed over.
//! bpfkit's own fds are walked like any other process's (it holds no perf
//! event), as bpftool walks its own.
//!
//! Names are printed as UTF-8, a byte that is not being replaced (bpftool
//! prints the bytes).

use std::fmt::Write as _;
use std::io::Write as _;

use bpfkit::link::{TaskFdInfo, TaskFdKind, task_fd_query};

use crate::args::{Args, pick};
use crate::errno::{says, strerror};
use crate::json::JsonWriter;
use crate::out::{CliError, Output};

const USAGE: &str = "\
Usage: bpfkit perf { show | list }
       bpfkit perf help

       OPTIONS := { {-j|--json} [{-p|--pretty}] }
";

/// The subcommands, in bpftool's order of abbreviation.
const COMMANDS: &[&str] = &["show", "list", "help"];

/// What bpftool adds to standard error when the kernel does not answer
/// `BPF_TASK_FD_QUERY` as expected.
const HINT: &str = "HINT: non root or kernel doesn't support TASK_FD_QUERY";

/// Runs `bpfkit perf ...`; without a subcommand, `show`. bpftool reads
/// no arguments after `show`, so neither does bpfkit.
pub fn run(args: &mut Args, output: Output) -> Result<(), CliError> {
    let Some(word) = args.next() else {
        return show(output);
    };
    match pick(&word, COMMANDS) {
        Some("show" | "list") => show(output),
        Some(_) => {
            output.usage(USAGE);
            Ok(())
        }
        None => {
            Err(CliError::usage(format!("unknown command 'perf {word}' (see 'bpfkit perf help')")))
        }
    }
}

/// bpftool's check that the kernel has `BPF_TASK_FD_QUERY` and lets us use
/// it: an fd on `/` is no attachment, so the kernel must say `ENOTSUPP`.
fn check_support(output: Output) -> Result<(), CliError> {
    let dir = std::fs::File::open("/").map_err(|e| {
        let text = e.raw_os_error().map_or_else(|| e.to_string(), strerror);
        CliError::new(format!("perf_query_support: cannot open directory \"/\" ({text})"))
    })?;
    // The fd number, only to name it to the kernel; `dir` keeps it open.
    let fd = std::os::fd::AsRawFd::as_raw_fd(&dir) as u32;
    let err = match task_fd_query(std::process::id(), fd) {
        Ok(_) => return Ok(()),
        Err(err) => err,
    };
    if output.json {
        // bpftool's hint goes to standard error, its error to standard output.
        let _ = writeln!(std::io::stderr().lock(), "{HINT}");
        Err(says("perf_query_support", &err))
    } else {
        let mut err = says("perf_query_support", &err);
        err.message.push('\n');
        err.message.push_str(HINT);
        Err(err)
    }
}

fn show(output: Output) -> Result<(), CliError> {
    check_support(output)?;
    let found = walk();
    if output.json {
        let mut w = output.writer();
        w.start_array();
        for (pid, fd, info) in &found {
            json(&mut w, *pid, *fd, info);
        }
        w.end_array();
        output.print(&w.finish());
    } else {
        let mut text = String::new();
        for (pid, fd, info) in &found {
            plain(&mut text, *pid, *fd, info);
        }
        output.print(&text);
    }
    Ok(())
}

/// A directory entry's number, when its name is all digits.
fn number(name: &std::ffi::OsStr) -> Option<u32> {
    let name = name.to_str()?;
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    name.parse().ok()
}

/// Every `(pid, fd)` of `/proc` that the kernel says is a perf attachment,
/// in directory order. Processes and fds that go away meanwhile, and
/// directories we may not read, are passed over.
fn walk() -> Vec<(u32, u32, TaskFdInfo)> {
    let mut found = Vec::new();
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return found;
    };
    for proc in procs.flatten() {
        let Some(pid) = number(&proc.file_name()) else { continue };
        let Ok(fds) = std::fs::read_dir(proc.path().join("fd")) else { continue };
        for entry in fds.flatten() {
            let Some(fd) = number(&entry.file_name()) else { continue };
            if let Ok(Some(info)) = task_fd_query(pid, fd) {
                found.push((pid, fd, info));
            }
        }
    }
    found
}

fn name(info: &TaskFdInfo) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(&info.name)
}

/// One attachment as bpftool's text: an unknown kind leaves the line
/// unfinished, as bpftool does.
fn plain(out: &mut String, pid: u32, fd: u32, info: &TaskFdInfo) {
    let _ = write!(out, "pid {pid}  fd {fd}: prog_id {}  ", info.prog_id);
    let (name, offset, addr) = (name(info), info.probe_offset, info.probe_addr);
    let _ = match info.kind {
        TaskFdKind::RawTracepoint => writeln!(out, "raw_tracepoint  {name}"),
        TaskFdKind::Tracepoint => writeln!(out, "tracepoint  {name}"),
        TaskFdKind::Kprobe | TaskFdKind::Kretprobe => {
            let kind = if info.kind == TaskFdKind::Kprobe { "kprobe" } else { "kretprobe" };
            if name.is_empty() {
                writeln!(out, "{kind}  addr {addr}")
            } else {
                writeln!(out, "{kind}  func {name}  offset {offset}")
            }
        }
        TaskFdKind::Uprobe => writeln!(out, "uprobe  filename {name}  offset {offset}"),
        TaskFdKind::Uretprobe => writeln!(out, "uretprobe  filename {name}  offset {offset}"),
        _ => Ok(()),
    };
}

/// One attachment as bpftool's JSON object.
fn json(w: &mut JsonWriter, pid: u32, fd: u32, info: &TaskFdInfo) {
    w.start_object().raw_field("pid", pid).raw_field("fd", fd).raw_field("prog_id", info.prog_id);
    let name = name(info);
    let kind = match info.kind {
        TaskFdKind::RawTracepoint => Some("raw_tracepoint"),
        TaskFdKind::Tracepoint => Some("tracepoint"),
        TaskFdKind::Kprobe => Some("kprobe"),
        TaskFdKind::Kretprobe => Some("kretprobe"),
        TaskFdKind::Uprobe => Some("uprobe"),
        TaskFdKind::Uretprobe => Some("uretprobe"),
        _ => None,
    };
    if let Some(kind) = kind {
        w.string_field("fd_type", kind);
    }
    match info.kind {
        TaskFdKind::RawTracepoint | TaskFdKind::Tracepoint => {
            w.string_field("tracepoint", &name);
        }
        TaskFdKind::Kprobe | TaskFdKind::Kretprobe => {
            if name.is_empty() {
                w.raw_field("addr", info.probe_addr);
            } else {
                w.string_field("func", &name).raw_field("offset", info.probe_offset);
            }
        }
        TaskFdKind::Uprobe | TaskFdKind::Uretprobe => {
            w.string_field("filename", &name).raw_field("offset", info.probe_offset);
        }
        _ => {}
    }
    w.end_object();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(kind: TaskFdKind, name: &str) -> TaskFdInfo {
        TaskFdInfo { prog_id: 9, kind, name: name.into(), probe_offset: 16, probe_addr: 4096 }
    }

    #[test]
    fn lines_are_bpftools() {
        let cases = [
            (
                info(TaskFdKind::Tracepoint, "sys_enter_nanosleep"),
                "tracepoint  sys_enter_nanosleep\n",
            ),
            (info(TaskFdKind::RawTracepoint, "sys_enter"), "raw_tracepoint  sys_enter\n"),
            (info(TaskFdKind::Kprobe, "do_sys_open"), "kprobe  func do_sys_open  offset 16\n"),
            (info(TaskFdKind::Kretprobe, ""), "kretprobe  addr 4096\n"),
            (info(TaskFdKind::Uprobe, "/bin/true"), "uprobe  filename /bin/true  offset 16\n"),
            (info(TaskFdKind::Other(77), "x"), ""),
        ];
        for (info, tail) in cases {
            let mut out = String::new();
            plain(&mut out, 12, 5, &info);
            assert_eq!(out, format!("pid 12  fd 5: prog_id 9  {tail}"));
        }
    }

    #[test]
    fn objects_are_bpftools() {
        let mut w = JsonWriter::new(false);
        json(&mut w, 12, 5, &info(TaskFdKind::Kprobe, ""));
        assert_eq!(
            w.finish().trim_end(),
            r#"{"pid":12,"fd":5,"prog_id":9,"fd_type":"kprobe","addr":4096}"#
        );
    }
}
