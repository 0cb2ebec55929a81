//! `bpfkit prog run PROG data_in FILE [data_out FILE [data_size_out L]]
//! [ctx_in FILE [ctx_out FILE [ctx_size_out M]]] [repeat N]`: bpftool 7.1's
//! `prog run` (`BPF_PROG_TEST_RUN`), with its arguments, output (text and
//! JSON), errors and exit statuses. `-` reads standard input or writes
//! standard output (a hex dump in text, an array of bytes in JSON).

use std::io::Read as _;

use bpfkit::prog::{Program, TestRun};

use crate::args::{Word, is_prefix};
use crate::errno;
use crate::out::{CliError, Output};
use crate::pinning::too_few;
use crate::select::ProgSelector;
use crate::strtoul::strtoul;
use crate::text;

/// bpftool's output buffers when no size is given (`SZ_32K`).
const DEFAULT_SIZE: u32 = 32 * 1024;

#[derive(Default)]
struct Request {
    data_in: Option<Word>,
    data_out: Option<Word>,
    data_size_out: u32,
    ctx_in: Option<Word>,
    ctx_out: Option<Word>,
    ctx_size_out: u32,
    repeat: u32,
}

/// Runs `bpfkit prog run ...` on the words after `run`.
pub fn run(words: &[Word], output: Output) -> Result<(), CliError> {
    if words.len() < 4 {
        return Err(too_few("run", 4, words.len()));
    }
    let (selector, used) = ProgSelector::take(words)?;
    let prog = one_program(&selector)?;
    let request = parse(&words[used..])?;
    let data_in = request.data_in.as_ref().map(read_input).transpose()?;
    let ctx_in = request.ctx_in.as_ref().map(read_input).transpose()?;
    let mut data_out =
        data_in.as_ref().map(|_| vec![0u8; size_or_default(request.data_size_out) as usize]);
    let mut ctx_out =
        ctx_in.as_ref().map(|_| vec![0u8; size_or_default(request.ctx_size_out) as usize]);
    let mut run = match &data_in {
        Some(data) => TestRun::new(data),
        None => TestRun::without_data(),
    };
    run = run.repeat(request.repeat);
    if let Some(ctx) = &ctx_in {
        run = run.ctx_in(ctx);
    }
    if let Some(buf) = data_out.as_mut() {
        run = run.data_out(buf);
    }
    if let Some(buf) = ctx_out.as_mut() {
        run = run.ctx_out(buf);
    }
    let result = prog.test_run(run).map_err(|e| match errno::of(&e) {
        Some(n) => errno::failed("failed to run program", n),
        None => CliError::new(format!("failed to run program: {e}")),
    })?;
    let mut w = output.writer();
    let mut text = String::new();
    if output.json {
        w.start_object();
    }
    let mut failures: u8 = 0;
    let outputs = [
        ("data_out", result.data_size_out, data_out.as_deref(), request.data_out.as_ref()),
        ("ctx_out", result.ctx_size_out, ctx_out.as_deref(), request.ctx_out.as_ref()),
    ];
    for (key, size, buf, file) in outputs {
        let (Some(buf), Some(file)) = (buf, file) else { continue };
        if size == 0 {
            continue;
        }
        let bytes = &buf[..(size as usize).min(buf.len())];
        if file.as_str() == "-" {
            if output.json {
                w.name(key).start_array();
                for b in bytes {
                    w.raw(b);
                }
                w.end_array();
            } else {
                text.push_str(&hex_dump(bytes));
            }
        } else if let Err(e) = std::fs::write(file.path(), bytes) {
            // Reported, and the return value still printed, as bpftool does.
            let n = e.raw_os_error().unwrap_or(libc::EIO);
            output.report(&CliError::new(format!(
                "failed to open {}: {}",
                text::os(file.path()),
                errno::strerror(n)
            )));
            failures += 1;
        }
    }
    let nanos = u32::try_from(result.duration.as_nanos()).unwrap_or(u32::MAX);
    if output.json {
        w.raw_field("retval", result.retval).raw_field("duration", nanos).end_object();
        output.print(&w.finish());
    } else {
        let average = if request.repeat > 1 { " (average)" } else { "" };
        text.push_str(&format!("Return value: {}, duration{average}: {nanos}ns\n", result.retval));
        output.print(&text);
    }
    if failures > 0 {
        return Err(CliError::quiet(failures.wrapping_neg()));
    }
    Ok(())
}

fn size_or_default(size: u32) -> u32 {
    if size == 0 { DEFAULT_SIZE } else { size }
}

/// The one program `selector` names.
fn one_program(selector: &ProgSelector) -> Result<Program, CliError> {
    let mut found = selector.open()?;
    match found.len() {
        1 => Ok(found.remove(0)),
        _ => Err(CliError::new("several programs match this handle")),
    }
}

/// The options after `PROG`, as bpftool's `do_run` reads them.
fn parse(words: &[Word]) -> Result<Request, CliError> {
    let mut request = Request { repeat: 1, ..Request::default() };
    let mut at = 0;
    while let Some(word) = words.get(at) {
        let word = word.as_str();
        ambiguous(word, &["data_in", "data_out", "data_size_out"])?;
        ambiguous(word, &["ctx_in", "ctx_out", "ctx_size_out"])?;
        let value = words.get(at + 1).ok_or_else(|| too_few(word, 1, 0))?;
        let number = |what: &str| {
            strtoul(value, 0)
                .map(|n| n as u32)
                .ok_or_else(|| CliError::new(format!("can't parse {value} as {what}")))
        };
        if is_prefix(word, "data_in") {
            request.data_in = Some(value.clone());
            single_stdin(&request)?;
        } else if is_prefix(word, "data_out") {
            request.data_out = Some(value.clone());
        } else if is_prefix(word, "data_size_out") {
            request.data_size_out = number("output data size")?;
        } else if is_prefix(word, "ctx_in") {
            request.ctx_in = Some(value.clone());
            single_stdin(&request)?;
        } else if is_prefix(word, "ctx_out") {
            request.ctx_out = Some(value.clone());
        } else if is_prefix(word, "ctx_size_out") {
            request.ctx_size_out = number("output context size")?;
        } else if is_prefix(word, "repeat") {
            request.repeat = number("repeat number")?;
        } else {
            return Err(CliError::new(format!(
                "expected no more arguments, 'data_in', 'data_out', 'data_size_out', 'ctx_in', \
                 'ctx_out', 'ctx_size_out' or 'repeat', got: '{word}'?"
            )));
        }
        at += 2;
    }
    Ok(request)
}

/// bpftool's `detect_common_prefix`: a word that abbreviates two keywords.
fn ambiguous(word: &str, keywords: &[&str]) -> Result<(), CliError> {
    let matching: Vec<&str> = keywords.iter().copied().filter(|k| is_prefix(word, k)).collect();
    if matching.len() >= 2 {
        return Err(CliError::new(format!(
            "ambiguous prefix: '{word}' could be '{}'",
            matching.join("' or '")
        )));
    }
    Ok(())
}

fn single_stdin(request: &Request) -> Result<(), CliError> {
    let stdin = |w: &Option<Word>| w.as_ref().is_some_and(|w| w.as_str() == "-");
    if stdin(&request.data_in) && stdin(&request.ctx_in) {
        return Err(CliError::new("cannot use standard input for both data_in and ctx_in"));
    }
    Ok(())
}

/// The bytes of `file`, or of standard input for `-`.
fn read_input(file: &Word) -> Result<Vec<u8>, CliError> {
    let mut bytes = Vec::new();
    let read = if file.as_str() == "-" {
        std::io::stdin().lock().read_to_end(&mut bytes).map(drop)
    } else {
        std::fs::File::open(file.path()).and_then(|mut f| f.read_to_end(&mut bytes)).map(drop)
    };
    read.map_err(|e| {
        CliError::new(format!(
            "failed to open {}: {}",
            text::os(file.path()),
            errno::strerror(e.raw_os_error().unwrap_or(libc::EIO))
        ))
    })?;
    Ok(bytes)
}

/// bpftool's `hex_print`: offset, sixteen bytes in pairs, then the
/// printable ones.
fn hex_dump(data: &[u8]) -> String {
    let mut s = String::new();
    for (row, chunk) in data.chunks(16).enumerate() {
        s.push_str(&format!("{:07x}\t", row * 16));
        for j in 0..16 {
            let sep = if j % 2 == 1 { " " } else { "" };
            match chunk.get(j) {
                Some(b) => s.push_str(&format!("{b:02x}{sep}")),
                None => s.push_str(&format!("  {sep}")),
            }
        }
        s.push_str("| ");
        for (j, &b) in chunk.iter().enumerate() {
            s.push(if (b' '..=b'~').contains(&b) { b as char } else { '.' });
            if j == 7 {
                s.push(' ');
            }
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_dump_is_bpftools() {
        let data: Vec<u8> = (0x40..0x52).collect();
        assert_eq!(
            hex_dump(&data),
            "0000000\t4041 4243 4445 4647 4849 4a4b 4c4d 4e4f | @ABCDEFG HIJKLMNO\n\
             0000010\t5051                                    | PQ\n"
        );
    }

    #[test]
    fn ambiguous_prefixes_are_named() {
        let err = ambiguous("data_", &["data_in", "data_out", "data_size_out"]).err();
        assert_eq!(
            err.map(|e| e.message).as_deref(),
            Some("ambiguous prefix: 'data_' could be 'data_in' or 'data_out' or 'data_size_out'")
        );
        assert!(ambiguous("data_i", &["data_in", "data_out"]).is_ok());
    }
}
