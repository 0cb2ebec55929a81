//! Numbers and bytes on the command line as bpftool reads them, and bytes
//! as bpftool prints them.
//!
//! bpftool reads every byte and every id with C's `strtoul`, so scripts rely
//! on its leniencies: `0x1f` and `017` next to `31`, a leading `+`, leading
//! blanks, an empty word as 0, and a value too large for a byte cut to its
//! low 8 bits (`256` is `00`). [`strtoul`] reproduces that function, so
//! `key 1 0 0 0`, `key hex 01 00 00 00` and `key 0x01 0 0 0` mean here what
//! they mean to bpftool.

use crate::json::JsonWriter;

/// C's `strtoul(word, &end, base)` for base 0 (decimal, `0x` hex or `0`
/// octal) or base 16 (with an optional `0x`), or `None` where bpftool sees
/// trailing garbage (`*end != '\0'`).
///
/// Overflow saturates at `u64::MAX` and a `-` negates modulo 2^64, as glibc
/// does; a word without digits converts nothing, which C accepts only for
/// the empty word (0).
pub fn strtoul(word: &str, base: u32) -> Option<u64> {
    if word.is_empty() {
        return Some(0);
    }
    let s = word.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let (negative, s) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let has_hex_prefix = (s.starts_with("0x") || s.starts_with("0X"))
        && s.as_bytes().get(2).is_some_and(u8::is_ascii_hexdigit);
    let (radix, digits) = match base {
        16 if has_hex_prefix => (16, &s[2..]),
        16 => (16, s),
        _ if has_hex_prefix => (16, &s[2..]),
        _ if s.starts_with('0') => (8, s),
        _ => (10, s),
    };
    let len = digits.bytes().take_while(|b| char::from(*b).is_digit(radix)).count();
    if len == 0 || len != digits.len() {
        // No digits: nothing converted and the end is the word's start;
        // or digits followed by something else.
        return None;
    }
    let mut n: u64 = 0;
    let mut overflow = false;
    for d in digits.chars().filter_map(|c| c.to_digit(radix)) {
        match n.checked_mul(u64::from(radix)).and_then(|n| n.checked_add(u64::from(d))) {
            Some(next) => n = next,
            None => overflow = true,
        }
    }
    Some(match (overflow, negative) {
        (true, _) => u64::MAX,
        (false, true) => n.wrapping_neg(),
        (false, false) => n,
    })
}

/// Whether `word` abbreviates `keyword` the way bpftool's `is_prefix`
/// decides it, where the empty word abbreviates everything.
pub fn abbreviates(word: &str, keyword: &str) -> bool {
    keyword.starts_with(word)
}

/// The words of a command line after the map, consumed front to back.
pub struct Words<'a> {
    words: &'a [String],
    at: usize,
}

impl<'a> Words<'a> {
    /// A cursor over `words`.
    pub fn new(words: &'a [String]) -> Words<'a> {
        Words { words, at: 0 }
    }

    /// The next word, if any, without consuming it.
    pub fn peek(&self) -> Option<&'a str> {
        self.words.get(self.at).map(String::as_str)
    }

    /// Consumes and returns the next word.
    pub fn next(&mut self) -> Option<&'a str> {
        let word = self.peek();
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

    #[test]
    fn strtoul_reads_like_c() {
        let cases: &[(&str, u32, Option<u64>)] = &[
            ("10", 0, Some(10)),
            ("0x1f", 0, Some(31)),
            ("0X1F", 0, Some(31)),
            ("017", 0, Some(15)),
            ("08", 0, None),
            ("0", 0, Some(0)),
            ("", 0, Some(0)),
            (" 7", 0, Some(7)),
            ("+7", 0, Some(7)),
            ("-1", 0, Some(u64::MAX)),
            ("7 ", 0, None),
            (" ", 0, None),
            ("+", 0, None),
            ("x", 0, None),
            ("0x", 0, None),
            ("0xg", 0, None),
            ("1f", 0, None),
            ("1f", 16, Some(31)),
            ("0a", 16, Some(10)),
            ("0x0a", 16, Some(10)),
            ("99999999999999999999999", 0, Some(u64::MAX)),
            ("-99999999999999999999999", 0, Some(u64::MAX)),
        ];
        for (word, base, want) in cases {
            assert_eq!(strtoul(word, *base), *want, "strtoul({word:?}, {base})");
        }
    }

    fn words(s: &[&str]) -> Vec<String> {
        s.iter().map(|w| (*w).to_owned()).collect()
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
