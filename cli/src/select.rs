//! `PROG` and `LINK` as bpftool reads them (`id N`, `pinned PATH`,
//! `tag TAG`, `name NAME`), with bpftool's error messages, plus our short
//! form: a bare number is an id.

use std::ffi::OsStr;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt as _;
use std::path::{Path, PathBuf};

use bpfkit::Errno;
use bpfkit::link::LinkInfo;
use bpfkit::pinned::{ObjectKind, is_on_bpffs, open_pinned};
use bpfkit::prog::{ProgTag, Program};

use crate::args::{Word, is_prefix};
use crate::errno::{says, strerror};
use crate::out::CliError;
use crate::strtoul::strtoul;
use crate::text;

/// bpftool's limit on a program name given with `name` (`MAX_PROG_FULL_NAME`
/// less the NUL).
const MAX_NAME: usize = 127;

/// Which programs a command is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProgSelector {
    /// `id N`, or just `N`.
    Id(u32),
    /// `pinned PATH`.
    Pinned(PathBuf),
    /// `tag TAG`: every program with that tag.
    Tag(ProgTag),
    /// `name NAME`: every program with that name.
    Name(String),
}

impl ProgSelector {
    /// Parses `KEYWORD VALUE`, the two words of a `PROG`.
    pub fn from_words(keyword: &str, value: &Word) -> Result<ProgSelector, CliError> {
        if is_prefix(keyword, "id") {
            Ok(ProgSelector::Id(parse_id(value)?))
        } else if is_prefix(keyword, "tag") {
            parse_tag(value).map(ProgSelector::Tag).ok_or_else(|| CliError::new("can't parse tag"))
        } else if is_prefix(keyword, "name") {
            if value.len() > MAX_NAME {
                return Err(CliError::new("can't parse name"));
            }
            Ok(ProgSelector::Name(value.as_str().to_owned()))
        } else if is_prefix(keyword, "pinned") {
            Ok(ProgSelector::Pinned(value.path().to_owned()))
        } else {
            Err(CliError::new(format!(
                "expected 'id', 'tag', 'name' or 'pinned', got: '{keyword}'?"
            )))
        }
    }

    /// Takes a `PROG` off the front of `words`: two words, or our short
    /// form, one number. Returns the selector and how many words it took.
    pub fn take(words: &[Word]) -> Result<(ProgSelector, usize), CliError> {
        match words {
            [one, ..] if looks_numeric(one) => Ok((ProgSelector::Id(parse_id(one)?), 1)),
            [keyword, value, ..] => Ok((ProgSelector::from_words(keyword, value)?, 2)),
            [one] => Err(bad_arg(one)),
            [] => Err(CliError::usage("expected a program: id, tag, name or pinned")),
        }
    }

    /// The programs selected, in increasing id order. A name or tag no
    /// program has is an error here (bpftool fails silently).
    pub fn open(&self) -> Result<Vec<Program>, CliError> {
        match self {
            ProgSelector::Id(id) => Program::from_id(*id)
                .map(|p| vec![p])
                .map_err(|e| says(&format!("get by id ({id})"), &e)),
            ProgSelector::Pinned(path) => {
                let fd = open_pinned_as(path, ObjectKind::Program)?;
                Ok(vec![Program::from_fd(fd)?])
            }
            ProgSelector::Tag(tag) => {
                let found = Program::by_tag(*tag)?;
                if found.is_empty() {
                    return Err(CliError::new(format!("no program with tag {tag}")));
                }
                Ok(found)
            }
            ProgSelector::Name(name) => {
                let found = Program::by_name(name)?;
                if found.is_empty() {
                    return Err(CliError::new(format!("no program named '{name}'")));
                }
                Ok(found)
            }
        }
    }
}

/// Which link a command is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkSelector {
    /// `id N`, or just `N`.
    Id(u32),
    /// `pinned PATH`.
    Pinned(PathBuf),
}

impl LinkSelector {
    /// Parses `KEYWORD VALUE`, the two words of a `LINK`.
    pub fn from_words(keyword: &str, value: &Word) -> Result<LinkSelector, CliError> {
        if is_prefix(keyword, "id") {
            Ok(LinkSelector::Id(parse_id(value)?))
        } else if is_prefix(keyword, "pinned") {
            Ok(LinkSelector::Pinned(value.path().to_owned()))
        } else {
            Err(CliError::new(format!("expected 'id' or 'pinned', got: '{keyword}'?")))
        }
    }

    /// The selected link's info.
    pub fn info(&self) -> Result<LinkInfo, CliError> {
        match self {
            LinkSelector::Id(id) => LinkInfo::by_id(*id).map_err(|e| {
                // bpftool prints the id signed and exits with libbpf's
                // negative errno (254 for ENOENT).
                let errno = e.errno().unwrap_or(Errno::EINVAL);
                CliError::new(format!(
                    "failed to get link with ID {}: {}",
                    *id as i32,
                    strerror(errno.0)
                ))
                .with_errno(errno.0)
                .with_status((256 - errno.0.rem_euclid(256)) as u8)
            }),
            LinkSelector::Pinned(path) => {
                let fd = open_pinned_as(path, ObjectKind::Link)?;
                Ok(LinkInfo::of(fd)?)
            }
        }
    }
}

/// bpftool's complaint about a word it did not expect.
pub fn bad_arg(word: &str) -> CliError {
    CliError::usage(format!("what is '{word}'?"))
}

/// Whether `word` is meant as a number (our short form for `id N`).
pub fn looks_numeric(word: &str) -> bool {
    word.chars().next().is_some_and(|c| c.is_ascii_digit())
}

/// An id as bpftool reads it: C's `strtoul(s, &end, 0)` over the whole
/// word (decimal, `0x` hex or `0` octal), truncated to 32 bits.
pub fn parse_id(word: &str) -> Result<u32, CliError> {
    strtoul(word, 0)
        .map(|v| v as u32)
        .ok_or_else(|| CliError::new(format!("can't parse {word} as ID")))
}

/// A tag as bpftool's `sscanf("%02hhx" x 8)` reads it: eight bytes of one
/// or two hex digits each (white space before each allowed); anything
/// after the eighth byte is ignored.
pub fn parse_tag(word: &str) -> Option<ProgTag> {
    let mut tag = [0u8; 8];
    let mut rest = word;
    for byte in &mut tag {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace());
        let len = rest.chars().take(2).take_while(char::is_ascii_hexdigit).count();
        if len == 0 {
            return None;
        }
        *byte = u8::from_str_radix(&rest[..len], 16).ok()?;
        rest = &rest[len..];
    }
    Some(ProgTag(tag))
}

/// Opens the object pinned at `path`, which must be a `want`, with
/// bpftool's messages for every way that fails.
pub fn open_pinned_as(path: &Path, want: ObjectKind) -> Result<OwnedFd, CliError> {
    match open_pinned(path) {
        Ok((obj, fd)) if obj.kind == want => Ok(fd),
        Ok((obj, _)) => Err(CliError::new(format!("incorrect object type: {}", obj.kind.name()))),
        Err(e) => match e.errno() {
            // bpftool calls dirname() in place before printing, so on EACCES
            // it names the directory.
            Some(Errno::EACCES) => {
                let dir = dirname(path);
                let err = |why: &str| format!("bpf obj get ({}): {why}", text::os(dir));
                Err(if is_on_bpffs(dir) {
                    CliError::new(err(&strerror(libc::EACCES))).with_errno(libc::EACCES)
                } else {
                    CliError::new(err("directory not in bpf file system (bpffs)"))
                })
            }
            Some(errno) => Err(CliError::new(format!(
                "bpf obj get ({}): {}",
                text::os(path),
                strerror(errno.0)
            ))
            .with_errno(errno.0)),
            None => Err(CliError::new("incorrect object type: unknown")),
        },
    }
}

/// POSIX `dirname`: the path without its last component, on bytes.
pub fn dirname(path: &Path) -> &Path {
    fn path_of(b: &[u8]) -> &Path {
        Path::new(OsStr::from_bytes(b))
    }
    fn trim(mut b: &[u8]) -> &[u8] {
        while let [rest @ .., b'/'] = b {
            b = rest;
        }
        b
    }
    let bytes = path.as_os_str().as_bytes();
    let trimmed = trim(bytes);
    if trimmed.is_empty() {
        return path_of(if bytes.is_empty() { b"." } else { b"/" });
    }
    match trimmed.iter().rposition(|&b| b == b'/') {
        None => path_of(b"."),
        Some(at) => {
            let dir = trim(&trimmed[..at]);
            if dir.is_empty() { path_of(b"/") } else { path_of(dir) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_like_strtoul() {
        assert_eq!(parse_id("4294967297").ok(), Some(1));
        assert_eq!(
            parse_id("x").map_err(|e| e.message).err().as_deref(),
            Some("can't parse x as ID")
        );
    }

    #[test]
    fn tags_parse_like_sscanf() {
        let want = ProgTag([0x59, 0xf4, 0xa9, 0x31, 0x74, 0x4d, 0xcd, 0xc6]);
        assert_eq!(parse_tag("59f4a931744dcdc6"), Some(want));
        assert_eq!(parse_tag("59f4a931744dcdc6xx"), Some(want));
        assert_eq!(parse_tag("59f4a931744dcd"), None);
        assert_eq!(parse_tag("59:f4:a9:31:74:4d:cd:c6"), None);
    }

    #[test]
    fn dirname_is_posix() {
        let d = |p: &str| dirname(Path::new(p)).to_str().map(str::to_owned);
        assert_eq!(d("/tmp").as_deref(), Some("/"));
        assert_eq!(d("/sys/fs/bpf/x").as_deref(), Some("/sys/fs/bpf"));
        assert_eq!(d("/sys/fs/bpf/dir/").as_deref(), Some("/sys/fs/bpf"));
        assert_eq!(d("file").as_deref(), Some("."));
        assert_eq!(d("/").as_deref(), Some("/"));
        assert_eq!(d("").as_deref(), Some("."));
        assert_eq!(d("a//b").as_deref(), Some("a"));
        let odd = Path::new(OsStr::from_bytes(b"/sys/fs/\xff/\xfe"));
        assert_eq!(dirname(odd), Path::new(OsStr::from_bytes(b"/sys/fs/\xff")));
    }

    #[test]
    fn selectors_take_bpftool_words() {
        let w = |s: &[&str]| s.iter().map(|s| Word::from(*s)).collect::<Vec<_>>();
        assert_eq!(ProgSelector::take(&w(&["i", "3"])).ok(), Some((ProgSelector::Id(3), 2)));
        assert_eq!(ProgSelector::take(&w(&["7", "opcodes"])).ok(), Some((ProgSelector::Id(7), 1)));
        assert_eq!(
            ProgSelector::take(&w(&["n", "x"])).ok(),
            Some((ProgSelector::Name("x".into()), 2))
        );
        let err = ProgSelector::take(&w(&["bogus", "3"])).err().map(|e| e.message);
        assert_eq!(err.as_deref(), Some("expected 'id', 'tag', 'name' or 'pinned', got: 'bogus'?"));
        let err = LinkSelector::from_words("name", &Word::from("x")).err().map(|e| e.message);
        assert_eq!(err.as_deref(), Some("expected 'id' or 'pinned', got: 'name'?"));
    }
}
