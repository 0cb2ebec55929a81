//! Numbers on the command line as bpftool reads them: with C's `strtoul`.
//!
//! bpftool reads every id and every byte with `strtoul`, and scripts rely
//! on its leniencies (`0x1f` and `017` next to `31`, a leading `+`, leading
//! blanks, an empty word as 0), so the same function reads them here.

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
            ("010", 0, Some(8)),
            ("abc", 0, None),
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
}
