//! Assembler text to statements of tokens.
//!
//! A line holds statements separated by `;`; `#` and `//` start a comment
//! that runs to the end of the line. Tokens are identifiers (`r1`, `goto`,
//! `bpf_map_lookup_elem`, `.L3`, `.8byte`), unsigned numbers (decimal or
//! `0x` hex; a sign is a token of its own) and operators, the longest that
//! matches: `s>>=` before `s>`, `<<=` before `<=` before `<`. An `s` glued
//! to a comparison or an assignment operator is part of it (`s<=`, `s/=`),
//! as LLVM spells the signed operations.

use super::ParseError;

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// A name: a register, a keyword, a label, a helper, a map.
    Ident,
    /// An unsigned number, decimal or hex.
    Number(u64),
    /// An operator or a bracket.
    Punct,
}

/// A token and where it starts.
#[derive(Clone, Copy, Debug)]
pub(super) struct Token<'a> {
    pub kind: Kind,
    /// The token as written.
    pub text: &'a str,
    /// Its 1-based character column.
    pub column: u32,
}

/// The tokens of one statement.
#[derive(Debug)]
pub(super) struct Statement<'a> {
    /// The 1-based line.
    pub line: u32,
    pub tokens: Vec<Token<'a>>,
    /// The column just after the last token, where "end of line" is.
    pub end: u32,
}

/// Operators, longest first among those that share a prefix.
const PUNCTS: [&str; 34] = [
    "s>>=", "s<=", "s>=", "s/=", "s%=", "s<", "s>", "<<=", ">>=", "==", "!=", "<=", ">=", "+=",
    "-=", "*=", "/=", "%=", "|=", "&=", "^=", "=", "<", ">", "&", "+", "-", "*", "(", ")", "[",
    "]", ",", ":",
];

fn starts_ident(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == '.'
}

fn continues_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.'
}

/// Splits `source` into statements; comments and empty statements are dropped.
pub(super) fn statements(source: &str) -> Result<Vec<Statement<'_>>, ParseError> {
    let mut out = Vec::new();
    for (index, text) in source.split('\n').enumerate() {
        let line = u32::try_from(index + 1).unwrap_or(u32::MAX);
        lex_line(text.strip_suffix('\r').unwrap_or(text), line, &mut out)?;
    }
    Ok(out)
}

/// Lexes one line into `out`.
fn lex_line<'a>(text: &'a str, line: u32, out: &mut Vec<Statement<'a>>) -> Result<(), ParseError> {
    // (byte offset, column) of every character, and one past the end.
    let mut chars: Vec<(usize, char)> = text.char_indices().collect();
    chars.push((text.len(), '\n'));
    let column = |i: usize| u32::try_from(i + 1).unwrap_or(u32::MAX);
    let mut statement = Statement { line, tokens: Vec::new(), end: 1 };
    let mut i = 0;
    while i + 1 < chars.len() {
        let (at, c) = chars[i];
        let rest = &text[at..];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '#' || rest.starts_with("//") {
            break;
        }
        if c == ';' {
            statement.end = column(i);
            let next = Statement { line, tokens: Vec::new(), end: 1 };
            let done = std::mem::replace(&mut statement, next);
            if !done.tokens.is_empty() {
                out.push(done);
            }
            i += 1;
            continue;
        }
        let start = i;
        let kind = if let Some(p) = PUNCTS.iter().find(|p| rest.starts_with(*p)) {
            // Operators are ASCII: one character per byte.
            i += p.len();
            Kind::Punct
        } else if starts_ident(c) {
            while i + 1 < chars.len() && continues_ident(chars[i].1) {
                i += 1;
            }
            Kind::Ident
        } else if c.is_ascii_digit() {
            while i + 1 < chars.len() && continues_ident(chars[i].1) {
                i += 1;
            }
            let word = &text[at..chars[i].0];
            let value = number(word).map_err(|message| ParseError {
                line,
                column: column(start),
                message,
            })?;
            Kind::Number(value)
        } else {
            return Err(ParseError {
                line,
                column: column(start),
                message: format!("unexpected character '{c}'"),
            });
        };
        let token = Token { kind, text: &text[at..chars[i].0], column: column(start) };
        statement.tokens.push(token);
        statement.end = column(i);
    }
    if !statement.tokens.is_empty() {
        out.push(statement);
    }
    Ok(())
}

/// The value of a decimal or `0x` number, or what is wrong with it.
fn number(word: &str) -> Result<u64, String> {
    let (digits, radix) = match word.strip_prefix("0x").or_else(|| word.strip_prefix("0X")) {
        Some(hex) => (hex, 16),
        None => (word, 10),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return Err(format!("expected a number (decimal or 0x hex), found '{word}'"));
    }
    u64::from_str_radix(digits, radix)
        .map_err(|_| format!("the number {word} does not fit in 64 bits"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex(source: &str) -> Vec<Vec<(Kind, &str, u32)>> {
        let statements = statements(source).unwrap_or_default();
        statements
            .into_iter()
            .map(|s| s.tokens.into_iter().map(|t| (t.kind, t.text, t.column)).collect())
            .collect()
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
    }

    #[test]
    fn columns_count_characters() {
        let err = statements("# é\nr1 = é").unwrap_err();
        assert_eq!((err.line, err.column), (2, 6));
        assert_eq!(err.message, "unexpected character 'é'");
        let err = statements("r1 = \u{3b1}\u{3b2} ; r2 = é").unwrap_err();
        assert_eq!(err.column, 6);
        let got = lex("# é\n  exit // é\nr0 = 1");
        let want = [
            vec![(Kind::Ident, "exit", 3)],
            vec![(Kind::Ident, "r0", 1), (Kind::Punct, "=", 4), (Kind::Number(1), "1", 6)],
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn bad_numbers() {
        let err = statements("\nr1 = 12ab").unwrap_err();
        assert_eq!((err.line, err.column), (2, 6));
        assert!(err.message.contains("found '12ab'"), "{}", err.message);
        let err = statements("r1 = 0x1ffffffffffffffff ll").unwrap_err();
        assert!(err.message.contains("does not fit in 64 bits"), "{}", err.message);
        assert_eq!((err.line, err.column), (1, 6));
    }
}
