//! The command line as a cursor of words, read the way bpftool reads it.
//!
//! bpftool's grammar is a sequence of keywords and values (`prog show id
//! 7`, `map update id 3 key 1 0 0 0 value hex 02 00`), which no derive-style
//! parser expresses well; this cursor is all the CLI needs. Like bpftool,
//! a keyword may be abbreviated to any prefix (`p s` is `prog show`).

use crate::out::CliError;

/// The words after the global flags, consumed front to back.
pub struct Args {
    words: Vec<String>,
    at: usize,
}

impl Args {
    /// A cursor over `words`.
    pub fn new(words: Vec<String>) -> Args {
        Args { words, at: 0 }
    }

    /// The next word, if any, without consuming it.
    pub fn peek(&self) -> Option<&str> {
        self.words.get(self.at).map(String::as_str)
    }

    /// Consumes and returns the next word.
    pub fn next(&mut self) -> Option<String> {
        let word = self.words.get(self.at).cloned();
        if word.is_some() {
            self.at += 1;
        }
        word
    }

    /// Consumes the next word, or fails saying what was expected.
    pub fn value(&mut self, what: &str) -> Result<String, CliError> {
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
    pub fn rest(&mut self) -> Vec<String> {
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
    use super::*;

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
        let mut a = Args::new(["id", "7", "extra"].map(String::from).to_vec());
        assert_eq!(a.peek(), Some("id"));
        assert_eq!(a.next().as_deref(), Some("id"));
        assert_eq!(a.value("an id").ok(), Some("7".to_owned()));
        assert!(a.done().is_err());
        assert_eq!(a.rest(), ["extra"]);
        assert!(a.peek().is_none() && a.done().is_ok());
        assert!(a.value("a map").is_err());
    }
}
