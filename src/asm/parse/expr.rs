//! Constant expressions, as LLVM's assembler evaluates them: `1+2`,
//! `(1 << 4) | 3` after a first number, `~0`, `'a' + 1`, `-8 >> 1`.
//!
//! The grammar and precedences are GNU as's, which LLVM follows for ELF:
//! from loosest to tightest `||`; `&&`; `== != <> < <= > >=`; `+ -`;
//! `| ^ & !` (`!` between operands is or-not); `* / % << >>`. Arithmetic
//! is on 64 bits and wraps, as LLVM's does; a true comparison is -1 (all
//! ones), a true `&&` or `||` is 1; `>>` is logical. Alongside, the
//! value is kept exactly, so that a result no 64-bit field holds (a
//! number past `u64::MAX`, or `-9223372036854775809`) is refused instead
//! of wrapped; so are division by zero and shifts past 63 (LLVM crashes or
//! computes garbage on those).

use super::error::ParseError;
use super::lex::{Kind, Token};

/// What the evaluator reads: a statement's tokens, and errors placed in it.
/// The parser's cursor is one; the evaluator needs nothing else of it.
pub(super) trait Tokens<'a> {
    /// The next token, not consumed.
    fn peek(&self) -> Option<Token<'a>>;
    /// Consumes the next token.
    fn next(&mut self) -> Option<Token<'a>>;
    /// The column of the next token, or of the end of the statement.
    fn column(&self) -> u32;
    /// An error at `column`.
    fn error_at(&self, column: u32, message: String) -> ParseError;
    /// "expected WHAT, found NEXT", at the next token.
    fn expected(&self, what: &str) -> ParseError;
    /// Consumes `text`, or fails with what came instead.
    fn expect(&mut self, text: &str) -> Result<(), ParseError>;
}

/// How deep parentheses and unary operators may nest.
const MAX_DEPTH: u32 = 200;

/// A value: what LLVM's 64-bit arithmetic gives, and the exact one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Value {
    /// The result as LLVM computes it (64-bit, wrapping).
    pub wrapped: i64,
    /// The result with no wrapping.
    pub exact: i128,
}

impl Value {
    fn of(v: u64) -> Value {
        Value { wrapped: v as i64, exact: v.into() }
    }

    fn flag(on: bool, yes: i64) -> Value {
        let v = if on { yes } else { 0 };
        Value { wrapped: v, exact: v.into() }
    }

    /// The 64-bit value, if the exact one fits 64 bits signed or unsigned.
    pub fn as_64(self) -> Option<i64> {
        (i128::from(i64::MIN)..=u64::MAX.into()).contains(&self.exact).then_some(self.wrapped)
    }
}

#[derive(Clone, Copy, Debug)]
enum Op {
    LOr,
    LAnd,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Or,
    Xor,
    And,
    OrNot,
    Mul,
    Div,
    Mod,
    Shl,
    Shr,
}

fn binary_op(text: &str) -> Option<(u8, Op)> {
    Some(match text {
        "||" => (1, Op::LOr),
        "&&" => (2, Op::LAnd),
        "==" => (3, Op::Eq),
        "!=" | "<>" => (3, Op::Ne),
        "<" => (3, Op::Lt),
        "<=" => (3, Op::Le),
        ">" => (3, Op::Gt),
        ">=" => (3, Op::Ge),
        "+" => (4, Op::Add),
        "-" => (4, Op::Sub),
        "|" => (5, Op::Or),
        "^" => (5, Op::Xor),
        "&" => (5, Op::And),
        "!" => (5, Op::OrNot),
        "*" => (6, Op::Mul),
        "/" => (6, Op::Div),
        "%" => (6, Op::Mod),
        "<<" => (6, Op::Shl),
        ">>" => (6, Op::Shr),
        _ => return None,
    })
}

/// The expression at the cursor (the caller has checked that it starts
/// with a number, or a sign and a number).
pub(super) fn expression<'a>(c: &mut impl Tokens<'a>) -> Result<Value, ParseError> {
    binary(c, 1, 0)
}

fn binary<'a>(c: &mut impl Tokens<'a>, min: u8, depth: u32) -> Result<Value, ParseError> {
    let mut lhs = unary(c, depth)?;
    while let Some((t, (precedence, op))) = c
        .peek()
        .filter(|t| t.kind == Kind::Punct && !t.after_comma)
        .and_then(|t| Some((t, binary_op(t.text)?)))
        .filter(|(_, (precedence, _))| *precedence >= min)
    {
        c.next();
        let rhs = binary(c, precedence + 1, depth + 1)?;
        lhs = apply(op, lhs, rhs).map_err(|why| c.error_at(t.column, why))?;
    }
    Ok(lhs)
}

fn unary<'a>(c: &mut impl Tokens<'a>, depth: u32) -> Result<Value, ParseError> {
    if depth > MAX_DEPTH {
        return Err(c.error_at(c.column(), "the expression nests too deeply".into()));
    }
    let Some(t) = c.peek() else {
        return Err(c.expected("a number"));
    };
    match (t.kind, t.text) {
        (Kind::Number(v), _) => {
            c.next();
            Ok(Value::of(v))
        }
        (Kind::Punct, "(") => {
            c.next();
            let v = binary(c, 1, depth + 1)?;
            c.expect(")")?;
            Ok(v)
        }
        (Kind::Punct, "-" | "+" | "~" | "!") => {
            c.next();
            let v = unary(c, depth + 1)?;
            Ok(match t.text {
                "-" => Value { wrapped: v.wrapped.wrapping_neg(), exact: -v.exact },
                // A 64-bit operation, read signed: `~0` is -1,
                // `~0xffffffffffffffff` is 0.
                "~" if v.as_64().is_some() => {
                    Value { wrapped: !v.wrapped, exact: (!v.wrapped).into() }
                }
                "~" => Value { wrapped: !v.wrapped, exact: !v.exact },
                "!" => Value::flag(v.wrapped == 0, 1),
                _ => v,
            })
        }
        _ => Err(c.expected("a number")),
    }
}

fn apply(op: Op, l: Value, r: Value) -> Result<Value, String> {
    let too_large = || "the constant expression does not fit in 64 bits".to_owned();
    let exact = |v: Option<i128>| v.ok_or_else(too_large);
    Ok(match op {
        Op::LOr => Value::flag(l.wrapped != 0 || r.wrapped != 0, 1),
        Op::LAnd => Value::flag(l.wrapped != 0 && r.wrapped != 0, 1),
        Op::Eq => Value::flag(l.wrapped == r.wrapped, -1),
        Op::Ne => Value::flag(l.wrapped != r.wrapped, -1),
        Op::Lt => Value::flag(l.wrapped < r.wrapped, -1),
        Op::Le => Value::flag(l.wrapped <= r.wrapped, -1),
        Op::Gt => Value::flag(l.wrapped > r.wrapped, -1),
        Op::Ge => Value::flag(l.wrapped >= r.wrapped, -1),
        Op::Add => Value {
            wrapped: l.wrapped.wrapping_add(r.wrapped),
            exact: exact(l.exact.checked_add(r.exact))?,
        },
        Op::Sub => Value {
            wrapped: l.wrapped.wrapping_sub(r.wrapped),
            exact: exact(l.exact.checked_sub(r.exact))?,
        },
        Op::Mul => Value {
            wrapped: l.wrapped.wrapping_mul(r.wrapped),
            exact: exact(l.exact.checked_mul(r.exact))?,
        },
        Op::Div | Op::Mod if r.wrapped == 0 || r.exact == 0 => {
            return Err("division by zero in a constant expression".into());
        }
        Op::Div => Value {
            wrapped: l.wrapped.wrapping_div(r.wrapped),
            exact: exact(l.exact.checked_div(r.exact))?,
        },
        Op::Mod => Value {
            wrapped: l.wrapped.wrapping_rem(r.wrapped),
            exact: exact(l.exact.checked_rem(r.exact))?,
        },
        Op::Shl | Op::Shr if !(0..64).contains(&r.wrapped) => {
            return Err(format!("a shift by {} is out of range (0 to 63)", r.wrapped));
        }
        Op::Shl => Value {
            wrapped: l.wrapped.wrapping_shl(r.wrapped as u32),
            exact: exact(l.exact.checked_mul(1i128 << r.wrapped))?,
        },
        // Logical, on the 64-bit value: `-8 >> 1` is 0x7ffffffffffffffc.
        Op::Shr => match l.as_64() {
            Some(v) => Value::of((v as u64) >> r.wrapped),
            None => return Err(too_large()),
        },
        Op::Or => Value { wrapped: l.wrapped | r.wrapped, exact: l.exact | r.exact },
        Op::Xor => Value { wrapped: l.wrapped ^ r.wrapped, exact: l.exact ^ r.exact },
        Op::And => Value { wrapped: l.wrapped & r.wrapped, exact: l.exact & r.exact },
        Op::OrNot => Value { wrapped: l.wrapped | !r.wrapped, exact: l.exact | !r.exact },
    })
}
