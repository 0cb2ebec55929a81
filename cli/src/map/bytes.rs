//! Numbers and bytes on the command line as bpftool reads them, and bytes
//! as bpftool prints them.
//!
//! bpftool reads every byte and every id with C's `strtoul`, so scripts rely
//! on its leniencies: `0x1f` and `017` next to `31`, a leading `+`, leading
//! blanks, an empty word as 0, and a value too large for a byte cut to its
//! low 8 bits (`256` is `00`). [`strtoul`] reproduces that function, so
//! `key 1 0 0 0`, `key hex 01 00 00 00` and `key 0x01 0 0 0` mean here what
//! they mean to bpftool.

use crate::args::Word;
use crate::json::JsonWriter;
use crate::strtoul::strtoul;

/// Whether `word` abbreviates `keyword` the way bpftool's `is_prefix`
/// decides it, where the empty word abbreviates everything.
pub fn abbreviates(word: &str, keyword: &str) -> bool {
    keyword.starts_with(word)
}

/// The words of a command line after the map, consumed front to back.
pub struct Words<'a> {
    words: &'a [Word],
    at: usize,
}

impl<'a> Words<'a> {
    /// A cursor over `words`.
    pub fn new(words: &'a [Word]) -> Words<'a> {
        Words { words, at: 0 }
    }

    /// The next word, if any, without consuming it.
    pub fn peek(&self) -> Option<&'a str> {
        self.words.get(self.at).map(Word::as_str)
    }

    /// Consumes and returns the next word's text.
    pub fn next(&mut self) -> Option<&'a str> {
        self.next_word().map(Word::as_str)
    }

    /// Consumes and returns the next word, bytes and all (a path).
    pub fn next_word(&mut self) -> Option<&'a Word> {
        let word = self.words.get(self.at);
        if word.is_some() {
            self.at += 1;
        }
        word
    }

    /// How many words are left.
    pub fn len(&self) -> usize {
        self.words.len().saturating_sub(self.at)
    }

    /// Whether every word has been consumed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Reads `n` bytes for `name` (`"key"` or `"value"`), after an optional
/// `hex` that makes every byte hexadecimal; the errors are bpftool's.
pub fn parse_bytes(words: &mut Words<'_>, name: &str, n: usize) -> Result<Vec<u8>, String> {
    let base = if words.peek().is_some_and(|w| abbreviates(w, "hex")) {
        words.next();
        16
    } else {
        0
    };
    let mut bytes = Vec::with_capacity(n);
    while bytes.len() < n {
        let Some(word) = words.next() else { break };
        match strtoul(word, base) {
            // bpftool stores the number in an unsigned char.
            Some(v) => bytes.push(v as u8),
            None => return Err(format!("error parsing byte: {word}")),
        }
    }
    if bytes.len() == n {
        Ok(bytes)
    } else {
        Err(format!("{name} expected {n} bytes got {}", bytes.len()))
    }
}

/// Bytes as bpftool's `fprint_hex` lays them out: two hex digits each,
/// separated by a space, a double space after every eighth byte and a new
/// line after every sixteenth.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push_str(match i {
                _ if i % 16 == 0 => "\n",
                _ if i % 8 == 0 => "  ",
                _ => " ",
            });
        }
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Bytes as bpftool writes them in JSON: an array of `"0x.."` strings.
pub fn json_hex(w: &mut JsonWriter, bytes: &[u8]) {
    w.start_array();
    for b in bytes {
        w.string(&format!("0x{b:02x}"));
    }
    w.end_array();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &[&str]) -> Vec<Word> {
        s.iter().map(|w| Word::from(*w)).collect()
    }

    #[test]
    fn bytes_parse_like_bpftool() {
        let all = words(&["1", "0x10", "256", "010", "next"]);
        let mut w = Words::new(&all);
        assert_eq!(parse_bytes(&mut w, "key", 4), Ok(vec![1, 16, 0, 8]));
        assert_eq!(w.peek(), Some("next"));

        let all = words(&["h", "ff", "0x0a"]);
        assert_eq!(parse_bytes(&mut Words::new(&all), "key", 2), Ok(vec![255, 10]));

        let all = words(&["1", "2"]);
        assert_eq!(
            parse_bytes(&mut Words::new(&all), "value", 4),
            Err("value expected 4 bytes got 2".to_owned())
        );
        let all = words(&["1", "zz"]);
        assert_eq!(
            parse_bytes(&mut Words::new(&all), "key", 2),
            Err("error parsing byte: zz".to_owned())
        );
    }

    #[test]
    fn hex_wraps_like_fprint_hex() {
        let bytes: Vec<u8> = (1..=20).collect();
        assert_eq!(hex(&bytes), "01 02 03 04 05 06 07 08  09 0a 0b 0c 0d 0e 0f 10\n11 12 13 14");
        assert_eq!(hex(&[]), "");
    }
}
