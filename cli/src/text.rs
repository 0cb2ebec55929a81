//! Bytes from outside the program (arguments, file names, file contents)
//! turned into text that is safe to show.
//!
//! Arguments and paths are bytes, not UTF-8: a pin path may hold `0xff`.
//! They are kept as bytes for the syscalls, and shown with [`lossless`]:
//! UTF-8 as it is, every other byte as `\xNN`, so that two different paths
//! never print the same (short of a path that spells `\xNN` itself). Error
//! messages then go through [`escape_controls`], so that a newline or an
//! escape sequence in a file name cannot forge lines or drive the terminal.

use std::borrow::Cow;
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::os::unix::ffi::OsStrExt as _;

/// `bytes` as text: valid UTF-8 as it is, each byte that is not part of
/// valid UTF-8 as `\xNN`.
pub fn lossless(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

/// [`lossless`] of an OS string (an argument, a path).
pub fn os(s: impl AsRef<OsStr>) -> String {
    lossless(s.as_ref().as_bytes())
}

/// `text` with every control character escaped: `\n`, `\r`, `\t` by name,
/// the other C0 controls and DEL as `\xNN`, the C1 controls as `\u{NN}`.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() && u32::from(c) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_that_are_not_utf8_become_hex_escapes() {
        assert_eq!(lossless(b"/sys/fs/bpf/x"), "/sys/fs/bpf/x");
        assert_eq!(lossless(b"/sys/fs/bpf/\xff"), "/sys/fs/bpf/\\xff");
        assert_eq!(lossless(b"a\xc3\xa9\xc3b\xfe\xff"), "a\u{e9}\\xc3b\\xfe\\xff");
        assert_eq!(lossless(b""), "");
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape_controls("plain text, \u{e9}"), "plain text, \u{e9}");
        assert_eq!(escape_controls("a\nb\tc\rd"), "a\\nb\\tc\\rd");
        assert_eq!(escape_controls("\x1b[31mred\x7f\0"), "\\x1b[31mred\\x7f\\x00");
        assert_eq!(escape_controls("\u{9b}2J"), "\\u{9b}2J");
        assert_eq!(escape_controls(&os(OsStr::from_bytes(b"x\n\xff"))), "x\\n\\xff");
    }
}
