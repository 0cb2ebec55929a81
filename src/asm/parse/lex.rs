//! Assembler text to tokens, one at a time.
//!
//! The lexer walks the text once and never copies it: a token is a slice of
//! the source with its line and column, so the parser's memory follows the
//! program it builds, not the length of a line. A statement ends at a newline
//! or `;`; `#` and `//` comment to the end of the line, `/* */` anywhere
//! (across lines too), as in LLVM's assembler.
//!
//! Numbers are LLVM's: decimal, `0x` hex, `0b` binary, octal after a leading
//! `0` (`010` is 8; `08` is an error), a character (`'a'`, `'\n'`), each with
//! an optional C suffix (`u`, `l`, `ll`, `ul`, `ull`, any case). A decimal
//! followed by `f` or `b` is a reference to a numeric label (`1f`, `2b`).
//! Operators are the longest that match (`s>>=` before `s>` before `>>`);
//! an `s` glued to a comparison or an assignment is part of it (`s<=`,
//! `s/=`), as LLVM spells the signed operations.

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// A name: a register, a keyword, a label, a helper, a map, a directive.
    Ident,
    /// An unsigned number or a character; its value.
    Number(u64),
    /// `1f` or `1b`: the next or the last numeric label `1:`.
    LocalRef {
        /// The label's number.
        number: u64,
        /// `f` (the next definition) rather than `b` (the last one).
        forward: bool,
    },
    /// A string in double quotes (directives only).
    Str,
    /// An operator, a bracket or another punctuation character.
    Punct,
    /// The end of a statement: a newline, `;`, or the end of the text.
    End,
    /// Text no token can start with, or a malformed number or string: what
    /// is wrong (the token's text shows where).
    Bad(&'static str),
}

/// A token and where it starts.
#[derive(Clone, Copy, Debug)]
pub(super) struct Token<'a> {
    pub kind: Kind,
    /// The token as written (empty for the end of a statement).
    pub text: &'a str,
    /// Its 1-based line.
    pub line: u32,
    /// Its 1-based character column.
    pub column: u32,
    /// Whether a comma the instruction parser passed over came just before
    /// it: it ends an expression, as the comma would have.
    pub after_comma: bool,
}

/// Operators, longest first among those that share a prefix.
const PUNCTS: [&str; 45] = [
    "s>>=", "s<=", "s>=", "s/=", "s%=", "s<", "s>", "<<=", ">>=", "==", "!=", "<>", "<=", ">=",
    "<<", ">>", "&&", "||", "+=", "-=", "*=", "/=", "%=", "|=", "&=", "^=", "=", "<", ">", "&",
    "+", "-", "*", "/", "%", "|", "^", "!", "~", "(", ")", "[", "]", ",", ":",
];

fn starts_ident(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c == b'.'
}

fn continues_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || c == b'$' || c == b'@'
}

/// The tokens of a text, from its start.
pub(super) struct Lexer<'a> {
    source: &'a str,
    /// Byte offset of the next character.
    at: usize,
    line: u32,
    /// Column of the character at `at`.
    column: u32,
}

impl<'a> Lexer<'a> {
    pub fn new(source: &'a str) -> Lexer<'a> {
        Lexer { source, at: 0, line: 1, column: 1 }
    }

    /// Whether the whole text has been read.
    pub fn done(&self) -> bool {
        self.at >= self.source.len()
    }

    fn byte(&self, ahead: usize) -> u8 {
        self.source.as_bytes().get(self.at + ahead).copied().unwrap_or(0)
    }

    /// Moves over `n` bytes of one line, counting characters for the column.
    fn advance(&mut self, n: usize) {
        let end = (self.at + n).min(self.source.len());
        let chars = self.source[self.at..end].chars().count();
        self.column = self.column.saturating_add(u32::try_from(chars).unwrap_or(u32::MAX));
        self.at = end;
    }

    fn newline(&mut self) {
        self.at += 1;
        self.line = self.line.saturating_add(1);
        self.column = 1;
    }

    fn token(&self, kind: Kind, start: usize, line: u32, column: u32) -> Token<'a> {
        Token { kind, text: &self.source[start..self.at], line, column, after_comma: false }
    }

    /// Skips white space and comments, but not the newline that ends a
    /// statement; a block comment's newlines end nothing.
    fn skip_blank(&mut self) {
        loop {
            let rest = &self.source.as_bytes()[self.at..];
            match rest.first() {
                Some(b' ' | b'\t' | b'\r' | b'\x0b' | b'\x0c') => {
                    self.run(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\x0b' | b'\x0c'));
                }
                Some(b'#') => self.skip_line(),
                Some(b'/') if rest.get(1) == Some(&b'/') => self.skip_line(),
                Some(b'/') if rest.get(1) == Some(&b'*') => {
                    self.advance(2);
                    while !self.done() && !self.source[self.at..].starts_with("*/") {
                        if self.byte(0) == b'\n' {
                            self.newline();
                        } else {
                            self.next_char();
                        }
                    }
                    self.advance(2);
                }
                _ => return,
            }
        }
    }

    /// Moves over the character at the cursor.
    fn next_char(&mut self) {
        let len = self.source[self.at..].chars().next().map_or(1, char::len_utf8);
        self.advance(len);
    }

    fn skip_line(&mut self) {
        let len = self.source[self.at..].find('\n').unwrap_or(self.source.len() - self.at);
        self.advance(len);
    }

    /// The next token; `End` at a newline, `;` and the end of the text.
    pub fn next_token(&mut self) -> Token<'a> {
        self.skip_blank();
        let (start, line, column) = (self.at, self.line, self.column);
        let Some(&c) = self.source.as_bytes().get(self.at) else {
            return self.token(Kind::End, start, line, column);
        };
        if c == b'\n' {
            self.newline();
            return Token { kind: Kind::End, text: "", line, column, after_comma: false };
        }
        if c == b';' {
            self.advance(1);
            return self.token(Kind::End, start, line, column);
        }
        let kind = if c.is_ascii_digit() {
            self.number()
        } else if c == b'\'' {
            self.character()
        } else if c == b'"' {
            self.string()
        } else if let Some(p) = PUNCTS.iter().find(|p| self.source[self.at..].starts_with(*p)) {
            self.advance(p.len());
            Kind::Punct
        } else if starts_ident(c) {
            self.word();
            Kind::Ident
        } else {
            self.next_char();
            Kind::Bad("unexpected character")
        };
        self.token(kind, start, line, column)
    }

    /// Moves over the run of bytes from here that `keep` holds for.
    fn run(&mut self, keep: impl Fn(u8) -> bool) {
        let rest = &self.source.as_bytes()[self.at..];
        let len = rest.iter().position(|&b| !keep(b)).unwrap_or(rest.len());
        self.advance(len);
    }

    /// Moves over the run of identifier characters from here.
    fn word(&mut self) {
        self.run(continues_ident);
    }

    /// A number: its radix prefix, digits and C suffix, or a numeric
    /// label reference.
    fn number(&mut self) -> Kind {
        let (radix, what, prefix) = match (self.byte(0), self.byte(1)) {
            (b'0', b'x' | b'X') => (16, "invalid hexadecimal number", 2),
            // `0b` before a digit is binary; alone it is the label `0b`.
            (b'0', b'b' | b'B') if self.byte(2).is_ascii_digit() => (2, "invalid binary number", 2),
            (b'0', _) => (8, "invalid octal number", 1),
            _ => (10, "invalid decimal number", 0),
        };
        self.advance(prefix);
        let digits_at = self.at;
        self.run(|b| if radix == 16 { b.is_ascii_hexdigit() } else { b.is_ascii_digit() });
        let digits = &self.source[digits_at..self.at];
        let label = matches!(self.byte(0), b'f' | b'b') && !continues_ident(self.byte(1));
        if label && (radix == 10 || (radix == 8 && digits.is_empty())) {
            let forward = self.byte(0) == b'f';
            self.advance(1);
            return match digits.parse() {
                Ok(number) => Kind::LocalRef { number, forward },
                Err(_) if digits.is_empty() => Kind::LocalRef { number: 0, forward },
                Err(_) => Kind::Bad("label number too large"),
            };
        }
        if digits.is_empty() && radix != 8 {
            self.word();
            return Kind::Bad(what);
        }
        let value = if digits.is_empty() { Ok(0) } else { u64::from_str_radix(digits, radix) };
        // A C suffix: u, then l or ll, any case.
        if matches!(self.byte(0), b'u' | b'U') {
            self.advance(1);
        }
        for _ in 0..2 {
            if matches!(self.byte(0), b'l' | b'L') {
                self.advance(1);
            }
        }
        if continues_ident(self.byte(0)) {
            self.word();
            return Kind::Bad(what);
        }
        match value {
            Ok(v) => Kind::Number(v),
            Err(e) if *e.kind() == std::num::IntErrorKind::PosOverflow => {
                Kind::Bad("number does not fit in 64 bits")
            }
            Err(_) => Kind::Bad(what),
        }
    }

    /// `'a'`, `'\n'`: one character, maybe escaped.
    fn character(&mut self) -> Kind {
        self.advance(1);
        let mut chars = self.source[self.at..].chars();
        let value = match chars.next() {
            Some('\\') => match chars.next() {
                Some('b') => Some(8),
                Some('f') => Some(12),
                Some('n') => Some(10),
                Some('r') => Some(13),
                Some('t') => Some(9),
                Some(c) if c.is_ascii() && c != '\n' => Some(c as u64),
                _ => None,
            },
            Some(c) if c.is_ascii() && c != '\n' && c != '\'' => Some(c as u64),
            _ => None,
        };
        let len = if self.byte(0) == b'\\' { 2 } else { 1 };
        match value {
            Some(v) if self.byte(len) == b'\'' => {
                self.advance(len + 1);
                Kind::Number(v)
            }
            _ => {
                let end = self.source[self.at..]
                    .find(['\'', '\n'])
                    .map_or(0, |i| i + usize::from(self.source.as_bytes()[self.at + i] == b'\''));
                self.advance(end);
                Kind::Bad("a character literal holds one ASCII character, as in 'a' or '\\n'")
            }
        }
    }

    /// `"..."` with backslash escapes, on one line.
    fn string(&mut self) -> Kind {
        self.advance(1);
        loop {
            match self.byte(0) {
                b'"' => {
                    self.advance(1);
                    return Kind::Str;
                }
                b'\n' | 0 => return Kind::Bad("unterminated string"),
                // A backslash escapes the character after it, whatever its size.
                b'\\' if self.byte(1) != b'\n' && self.byte(1) != 0 => {
                    self.advance(1);
                    self.next_char();
                }
                _ => self.next_char(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every statement's tokens as (kind, text, column); statements end at `End`.
    fn lex(source: &str) -> Vec<Vec<(Kind, &str, u32)>> {
        let mut lexer = Lexer::new(source);
        let mut out = vec![Vec::new()];
        loop {
            let t = lexer.next_token();
            if t.kind == Kind::End {
                if lexer.done() && t.text.is_empty() && lexer.at >= source.len() {
                    out.retain(|s: &Vec<_>| !s.is_empty());
                    if t.line > 0 {
                        break;
                    }
                }
                out.push(Vec::new());
                continue;
            }
            if let Some(last) = out.last_mut() {
                last.push((t.kind, t.text, t.column));
            }
        }
        out
    }

    fn value(text: &str) -> Kind {
        Lexer::new(text).next_token().kind
    }

    #[test]
    fn splits_statements_and_drops_comments() {
        let got = lex("r1 s>>= 0x10 ; exit # done\n\n// nothing\n  w2 s<=w3\r\n");
        assert_eq!(
            got,
            [
                vec![
                    (Kind::Ident, "r1", 1),
                    (Kind::Punct, "s>>=", 4),
                    (Kind::Number(16), "0x10", 9)
                ],
                vec![(Kind::Ident, "exit", 16)],
                vec![(Kind::Ident, "w2", 3), (Kind::Punct, "s<=", 6), (Kind::Ident, "w3", 9)],
            ]
        );
        assert_eq!(lex("skb[r1]")[0][0], (Kind::Ident, "skb", 1));
        assert_eq!(lex(".8byte 1")[0][0], (Kind::Ident, ".8byte", 1));
        assert_eq!(
            lex("/* a\nb */ exit /* c */ ; r0 = 1"),
            [
                vec![(Kind::Ident, "exit", 6)],
                vec![(Kind::Ident, "r0", 21), (Kind::Punct, "=", 24), (Kind::Number(1), "1", 26)],
            ]
        );
    }

    #[test]
    fn columns_count_characters() {
        let mut lexer = Lexer::new("# é\nr1 = é");
        let bad: Vec<Token<'_>> =
            std::iter::from_fn(|| (!lexer.done()).then(|| lexer.next_token())).collect();
        let t = bad.iter().find(|t| matches!(t.kind, Kind::Bad(_))).copied();
        assert_eq!(t.map(|t| (t.line, t.column, t.text)), Some((2, 6, "é")));
        let got = lex("# é\n  exit // é\nr0 = 1");
        let want = [
            vec![(Kind::Ident, "exit", 3)],
            vec![(Kind::Ident, "r0", 1), (Kind::Punct, "=", 4), (Kind::Number(1), "1", 6)],
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn numbers_as_llvm_reads_them() {
        let cases: &[(&str, Kind)] = &[
            ("0", Kind::Number(0)),
            ("00", Kind::Number(0)),
            ("010", Kind::Number(8)),
            ("007", Kind::Number(7)),
            ("08", Kind::Bad("invalid octal number")),
            ("0x1F", Kind::Number(31)),
            ("0X10ULL", Kind::Number(16)),
            ("0x", Kind::Bad("invalid hexadecimal number")),
            ("0b101", Kind::Number(5)),
            ("0B11ul", Kind::Number(3)),
            ("0b2", Kind::Bad("invalid binary number")),
            ("10L", Kind::Number(10)),
            ("10Ul", Kind::Number(10)),
            ("10uLL", Kind::Number(10)),
            ("10lu", Kind::Bad("invalid decimal number")),
            ("12ab", Kind::Bad("invalid decimal number")),
            ("18446744073709551615", Kind::Number(u64::MAX)),
            ("18446744073709551616", Kind::Bad("number does not fit in 64 bits")),
            ("0x1ffffffffffffffff", Kind::Bad("number does not fit in 64 bits")),
            ("'a'", Kind::Number(97)),
            ("'\\n'", Kind::Number(10)),
            ("'\\0'", Kind::Number(48)),
            ("'\\''", Kind::Number(39)),
            ("' '", Kind::Number(32)),
            ("1f", Kind::LocalRef { number: 1, forward: true }),
            ("12b", Kind::LocalRef { number: 12, forward: false }),
            ("0b", Kind::LocalRef { number: 0, forward: false }),
        ];
        for (text, want) in cases {
            assert_eq!(value(text), *want, "{text}");
        }
        assert!(matches!(value("'ab'"), Kind::Bad(_)));
        assert!(matches!(value("'a"), Kind::Bad(_)));
        assert!(matches!(value("''"), Kind::Bad(_)));
        assert!(matches!(value("\"abc"), Kind::Bad(_)));
        assert_eq!(value("\"a\\\"b\""), Kind::Str);
        // An escaped character of several bytes (found by the fuzzer).
        assert_eq!(value("\"\\ä8\""), Kind::Str);
        assert_eq!(value("\"\\ä8"), Kind::Bad("unterminated string"));
    }
}
