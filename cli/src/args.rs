//! The command line as a cursor of words, read the way bpftool reads it.
//!
//! bpftool's grammar is a sequence of keywords and values (`prog show id
//! 7`, `map update id 3 key 1 0 0 0 value hex 02 00`), which no derive-style
//! parser expresses well; this cursor is all the CLI needs. Like bpftool,
//! a keyword may be abbreviated to any prefix (`p s` is `prog show`).
//!
//! A word is bytes, as the kernel handed it over: a path keeps every byte
//! ([`Word::path`]), while keywords and numbers are read from its text
//! ([`Word::as_str`]), where a byte that is not UTF-8 shows as `\xNN` and
//! so never matches a keyword or parses as a number.

use std::ffi::OsString;
use std::fmt;
use std::ops::Deref;
use std::path::Path;

use crate::out::CliError;
use crate::text;

/// One word of the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    raw: OsString,
    text: String,
}

impl Word {
    /// The word as the command line gave it.
    pub fn new(raw: OsString) -> Word {
        let text = text::os(&raw);
        Word { raw, text }
    }

    /// The word as text: what keywords and numbers are read from, and what
    /// messages show (bytes that are not UTF-8 as `\xNN`).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The word's bytes as a path.
    pub fn path(&self) -> &Path {
        Path::new(&self.raw)
    }

    /// Whether the word is UTF-8 text.
    pub fn is_text(&self) -> bool {
        self.raw.to_str().is_some()
    }
}

impl Deref for Word {
    type Target = str;

    fn deref(&self) -> &str {
        &self.text
    }
}

impl From<&str> for Word {
    fn from(s: &str) -> Word {
        Word::new(OsString::from(s))
    }
}

impl fmt::Display for Word {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The words after the global flags, consumed front to back.
pub struct Args {
    words: Vec<Word>,
    at: usize,
}

impl Args {
    /// A cursor over `words`.
    pub fn new(words: Vec<Word>) -> Args {
        Args { words, at: 0 }
    }

    /// The next word, if any, without consuming it.
    pub fn peek(&self) -> Option<&str> {
        self.words.get(self.at).map(Word::as_str)
    }

    /// Consumes and returns the next word.
    pub fn next(&mut self) -> Option<Word> {
        let word = self.words.get(self.at).cloned();
        if word.is_some() {
            self.at += 1;
        }
        word
    }

    /// Consumes the next word, or fails saying what was expected.
    pub fn value(&mut self, what: &str) -> Result<Word, CliError> {
        self.next().ok_or_else(|| CliError::usage(format!("expected {what}")))
    }

    /// Fails if words are left over.
    pub fn done(&self) -> Result<(), CliError> {
        match self.peek() {
            None => Ok(()),
            Some(extra) => Err(CliError::usage(format!("unexpected argument '{extra}'"))),
        }
    }

    /// The words not yet consumed.
    pub fn rest(&mut self) -> Vec<Word> {
        let rest = self.words[self.at.min(self.words.len())..].to_vec();
        self.at = self.words.len();
        rest
    }
}

/// Whether `word` is a non-empty prefix of `keyword`, as bpftool matches
/// commands.
pub fn is_prefix(word: &str, keyword: &str) -> bool {
    !word.is_empty() && keyword.starts_with(word)
}

/// Picks the command that `word` abbreviates among `commands`, in order, as
/// bpftool does (the first match wins: `s` is `show`).
pub fn pick<'a>(word: &str, commands: &[&'a str]) -> Option<&'a str> {
    commands.iter().copied().find(|c| is_prefix(word, c))
}

#[cfg(test)]
mod tests {
    use std::os::unix::ffi::OsStringExt as _;

    use super::*;

    fn words(s: &[&str]) -> Vec<Word> {
        s.iter().map(|w| Word::from(*w)).collect()
    }

    #[test]
    fn prefixes_match_like_bpftool() {
        assert!(is_prefix("p", "prog"));
        assert!(is_prefix("prog", "prog"));
        assert!(!is_prefix("progs", "prog"));
        assert!(!is_prefix("", "prog"));
        assert_eq!(pick("s", &["show", "list", "dump"]), Some("show"));
        assert_eq!(pick("l", &["show", "list", "dump"]), Some("list"));
        assert_eq!(pick("x", &["show", "list"]), None);
    }

    #[test]
    fn cursor_consumes_in_order() {
        let mut a = Args::new(words(&["id", "7", "extra"]));
        assert_eq!(a.peek(), Some("id"));
        assert_eq!(a.next().as_deref(), Some("id"));
        assert_eq!(a.value("an id").ok(), Some(Word::from("7")));
        assert!(a.done().is_err());
        assert_eq!(a.rest(), words(&["extra"]));
        assert!(a.peek().is_none() && a.done().is_ok());
        assert!(a.value("a map").is_err());
    }

    #[test]
    fn words_keep_their_bytes_and_show_the_rest_escaped() {
        let w = Word::new(OsString::from_vec(b"/sys/fs/bpf/\xffx".to_vec()));
        assert_eq!(w.as_str(), "/sys/fs/bpf/\\xffx");
        assert_eq!(w.path().as_os_str().len(), 14);
        assert!(!w.is_text());
        assert!(pick(&Word::new(OsString::from_vec(vec![b's', 0xff])), &["show"]).is_none());
        assert!(Word::from("show").is_text());
    }
}
