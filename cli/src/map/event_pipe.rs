//! `bpfkit map event_pipe MAP [cpu N index M]`: bpftool 7.1's reader of a
//! `BPF_MAP_TYPE_PERF_EVENT_ARRAY`. A time-stamped ring of 16 pages is
//! opened on each possible CPU (the map's slot `N` for CPU `N`), or on CPU
//! `N` alone in slot `M`, and every sample is printed until SIGINT,
//! SIGHUP or SIGTERM ("Stopping..." on standard error, exit status 0):
//!
//! ```text
//! == @4242.000001234 CPU: 0 index: 0 =====
//! 2a 00 00 00 00 00 00 00
//! ```
//!
//! (the sample's time, the kernel's perf clock in seconds since boot,
//! then its bytes as bpftool's `fprint_hex` lays them out; `lost N events` for samples the kernel
//! dropped). Under `-j` each record is an object (`type`, `cpu`, `index`,
//! and `timestamp` and `data`, the bytes as numbers, or `lost` with `id`
//! and `count`), in one array, closed when stopped.
//!
//! Records are printed, and standard output flushed, as they come, in text
//! and JSON alike, so that a consumer on a pipe (`| jq --stream`) sees each
//! one at once. (bpftool's standard output is buffered: on a pipe, nothing
//! reaches the reader until a few kilobytes have gathered or it stops.)

use std::fmt::Write as _;
use std::io::Write as _;
use std::time::Duration;

use bpfkit::maps::{EventPoller, PerfBuffer, PerfEvent, PerfEventArray};

use super::bytes::{Words, abbreviates, hex};
use super::select;
use crate::errno::strerror;
use crate::json::JsonWriter;
use crate::out::{CliError, Output};
use crate::select::bad_arg;
use crate::stop;
use crate::strtoul::strtoul;

/// bpftool's ring size, in pages.
const PAGES: usize = 16;
/// `PERF_RECORD_LOST`, as bpftool prints a record's `type`.
const RECORD_LOST: u32 = 2;
/// `PERF_RECORD_SAMPLE`.
const RECORD_SAMPLE: u32 = 9;

/// Runs `map event_pipe` on the words after the command.
pub fn event_pipe(words: &mut Words<'_>, output: Output) -> Result<(), CliError> {
    if words.is_empty() {
        // bpftool prints the NULL it was handed.
        return Err(CliError::new("expected 'id', 'name' or 'pinned', got: '(null)'?"));
    }
    let map = select::map(words)?;
    let Ok(array) = PerfEventArray::from_map(map) else {
        return Err(CliError::new("map is not a perf event array"));
    };
    // bpftool keeps both in C ints, -1 for "not given".
    let (mut cpu, mut index, mut all) = (-1i32, -1i32, true);
    while let Some(word) = words.next() {
        let Some(value) = words.next() else { return Err(bad_arg(word)) };
        let what = if abbreviates(word, "cpu") {
            "CPU ID"
        } else if abbreviates(word, "index") {
            "index"
        } else {
            return Err(bad_arg(word));
        };
        let Some(n) = strtoul(value, 0) else {
            return Err(CliError::new(format!("can't parse {value} as {what}")));
        };
        if what == "index" {
            index = n as i32;
        } else {
            cpu = n as i32;
        }
        all = false;
    }
    if !all && (cpu == -1 || index == -1) {
        return Err(CliError::new("cpu and index must be specified together"));
    }
    let opened = if all {
        array.open_buffer_with_time(PAGES)
    } else {
        array.open_ring_with_time(PAGES, cpu as u32, index as u32)
    };
    let buffer = opened.map_err(|e| {
        let errno = e.errno().map_or(libc::EINVAL, |e| e.0);
        CliError::new(format!("failed to create perf buffer: {} ({errno})", strerror(errno)))
    })?;
    pipe(buffer, output)
}

/// Prints every record until a stop signal.
fn pipe(buffer: PerfBuffer, output: Output) -> Result<(), CliError> {
    // bpftool's perf buffer holds its epoll instance: failing to make one
    // is failing to make the buffer.
    let fail = |e: bpfkit::Error| {
        let errno = e.errno().map_or(libc::EINVAL, |e| e.0);
        CliError::new(format!("failed to create perf buffer: {} ({errno})", strerror(errno)))
    };
    let mut poller = EventPoller::new().map_err(fail)?;
    let source = poller.add_perf(buffer).map_err(fail)?;
    stop::catch_stop_signals();
    let mut json = output.json.then(|| {
        let mut w = output.writer();
        w.start_array();
        output.print(&w.take_written());
        w
    });
    while !stop::stopped() {
        // bpftool's poll timeout: the longest a stop signal waits to be
        // seen, since the wait goes on through a signal.
        if let Err(e) = poller.wait(Some(Duration::from_millis(200))) {
            let errno = e.errno().map_or(libc::EINVAL, |e| e.0);
            return Err(CliError::new(format!(
                "perf buffer polling failed: {} ({errno})",
                strerror(errno)
            )));
        }
        let Some(buffer) = poller.perf_mut(source) else { break };
        let mut text = String::new();
        buffer.drain_events(|event| match &mut json {
            Some(w) => json_record(w, &event),
            None => text_record(&mut text, &event),
        });
        if let Some(w) = &mut json {
            text = w.take_written();
        }
        if !text.is_empty() {
            output.print(&text);
        }
    }
    let _ = writeln!(std::io::stderr().lock(), "Stopping...");
    if let Some(mut w) = json {
        w.end_array();
        output.print(&w.finish());
    }
    Ok(())
}

fn text_record(out: &mut String, event: &PerfEvent<'_>) {
    match *event {
        PerfEvent::Sample { cpu, index, time, data } => {
            let (secs, nanos) = (time / 1_000_000_000, time % 1_000_000_000);
            let _ = writeln!(out, "== @{secs}.{nanos:09} CPU: {cpu} index: {index} =====");
            let _ = writeln!(out, "{}", hex(data));
        }
        PerfEvent::Lost { count, .. } => {
            let _ = writeln!(out, "lost {count} events");
        }
        _ => {}
    }
}

fn json_record(w: &mut JsonWriter, event: &PerfEvent<'_>) {
    match *event {
        PerfEvent::Sample { cpu, index, time, data } => {
            w.start_object()
                .raw_field("type", RECORD_SAMPLE)
                .raw_field("cpu", cpu)
                .raw_field("index", index)
                .raw_field("timestamp", time)
                .name("data")
                .start_array();
            // bpftool's print_data_json: the bytes as numbers, not the
            // "0x.." strings of its map dumps.
            for b in data {
                w.raw(b);
            }
            w.end_array().end_object();
        }
        PerfEvent::Lost { cpu, index, id, count } => {
            w.start_object()
                .raw_field("type", RECORD_LOST)
                .raw_field("cpu", cpu)
                .raw_field("index", index)
                .name("lost")
                .start_object()
                .raw_field("id", id)
                .raw_field("count", count)
                .end_object()
                .end_object();
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_printed_as_bpftool_prints_them() {
        let data = [1u8, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
        let sample = PerfEvent::Sample { cpu: 1, index: 1, time: 12_000_000_345, data: &data };
        let mut text = String::new();
        text_record(&mut text, &sample);
        text_record(&mut text, &PerfEvent::Lost { cpu: 1, index: 1, id: 7, count: 3 });
        assert_eq!(
            text,
            "== @12.000000345 CPU: 1 index: 1 =====\n\
             01 02 03 04 05 06 07 08  09 0a 0b 0c\n\
             lost 3 events\n"
        );
        let mut w = JsonWriter::new(false);
        w.start_array();
        json_record(&mut w, &PerfEvent::Sample { cpu: 0, index: 0, time: 5, data: &data[..2] });
        json_record(&mut w, &PerfEvent::Lost { cpu: 0, index: 0, id: 7, count: 3 });
        w.end_array();
        assert_eq!(
            w.finish().trim_end(),
            r#"[{"type":9,"cpu":0,"index":0,"timestamp":5,"data":[1,2]},{"type":2,"cpu":0,"index":0,"lost":{"id":7,"count":3}}]"#
        );
    }
}
