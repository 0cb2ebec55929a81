//! Reading one statement's tokens: registers, numbers, memory operands and
//! jump targets, each with an error that says what was expected and what
//! was found.

use super::ParseError;
use super::lex::{Kind, Statement, Token};
use crate::asm::{AnyReg, Size, Src, Target, Width};

/// A register as written: its number, and whether it was `r` (64-bit) or `w`.
#[derive(Clone, Copy, Debug)]
pub(super) struct RegTok {
    pub number: u8,
    pub width: Width,
    pub column: u32,
}

impl RegTok {
    /// The register for a read.
    pub fn any(self) -> AnyReg {
        AnyReg::from_number(self.number).unwrap_or(AnyReg::FP)
    }

    /// The name as written, `r3` or `w3`.
    pub fn name(self) -> String {
        format!("{}{}", prefix(self.width), self.number)
    }
}

fn prefix(width: Width) -> char {
    if width == Width::Bits64 { 'r' } else { 'w' }
}

/// Which register names a position takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Want {
    /// Only `r0`-`r10`.
    R,
    /// Only `w0`-`w10`.
    W,
    /// Either.
    Any,
}

impl Want {
    /// The names of one width.
    pub fn of(width: Width) -> Want {
        if width == Width::Bits64 { Want::R } else { Want::W }
    }

    fn describe(self) -> &'static str {
        match self {
            Want::R => "a register (r0-r11)",
            Want::W => "a register (w0-w11)",
            Want::Any => "a register (r0-r11 or w0-w11)",
        }
    }

    fn accepts(self, width: Width) -> bool {
        self == Want::Any || self == Want::of(width)
    }
}

/// If `text` looks like a register name (`r`/`w` and digits): its width
/// and number, which may be out of range.
pub(super) fn register_name(text: &str) -> Option<(Width, u32)> {
    let (width, digits) = match text.split_at_checked(1)? {
        ("r", digits) => (Width::Bits64, digits),
        ("w", digits) => (Width::Bits32, digits),
        _ => return None,
    };
    // LLVM reads `r01` as no register at all.
    if digits.is_empty()
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || (digits.len() > 1 && digits.starts_with('0'))
    {
        return None;
    }
    Some((width, digits.parse().unwrap_or(u32::MAX)))
}

/// A name as written, and where.
#[derive(Clone, Copy, Debug)]
pub(super) struct Name<'a> {
    pub name: &'a str,
    pub column: u32,
}

/// A position in one statement.
pub(super) struct Cursor<'s, 'a> {
    statement: &'s Statement<'a>,
    at: usize,
}

impl<'s, 'a> Cursor<'s, 'a> {
    pub fn new(statement: &'s Statement<'a>) -> Cursor<'s, 'a> {
        Cursor { statement, at: 0 }
    }

    pub fn line(&self) -> u32 {
        self.statement.line
    }

    /// The next token, not consumed.
    pub fn peek(&self) -> Option<Token<'a>> {
        self.statement.tokens.get(self.at).copied()
    }

    /// The token after the next one.
    pub fn peek2(&self) -> Option<Token<'a>> {
        self.statement.tokens.get(self.at + 1).copied()
    }

    /// Consumes the next token.
    pub fn next(&mut self) -> Option<Token<'a>> {
        let token = self.peek();
        self.at += usize::from(token.is_some());
        token
    }

    /// The column of the next token, or of the end of the statement.
    pub fn column(&self) -> u32 {
        self.peek().map_or(self.statement.end, |t| t.column)
    }

    /// An error at `column`.
    pub fn error_at(&self, column: u32, message: impl Into<String>) -> ParseError {
        ParseError { line: self.statement.line, column, message: message.into() }
    }

    /// "expected WHAT, found NEXT", at the next token.
    pub fn expected(&self, what: &str) -> ParseError {
        let found = match self.peek() {
            Some(t) => format!("'{}'", t.text),
            None => "end of line".to_owned(),
        };
        self.error_at(self.column(), format!("expected {what}, found {found}"))
    }

    /// Whether the next token is the operator or word `text`.
    pub fn at(&self, text: &str) -> bool {
        self.peek().is_some_and(|t| t.text == text)
    }

    /// Consumes the next token if it is `text`.
    pub fn eat(&mut self, text: &str) -> bool {
        let found = self.at(text);
        self.at += usize::from(found);
        found
    }

    /// Consumes `text`, or fails saying it was expected.
    pub fn expect(&mut self, text: &str) -> Result<(), ParseError> {
        if self.eat(text) { Ok(()) } else { Err(self.expected(&format!("'{text}'"))) }
    }

    /// Fails unless the statement is over.
    pub fn end(&self) -> Result<(), ParseError> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(self.expected("the end of the instruction")),
        }
    }

    /// An identifier, consumed.
    pub fn ident(&mut self, what: &str) -> Result<Token<'a>, ParseError> {
        match self.peek() {
            Some(t) if t.kind == Kind::Ident => {
                self.at += 1;
                Ok(t)
            }
            _ => Err(self.expected(what)),
        }
    }

    // ---- registers ----

    /// Whether the next token is a register name (in range or not).
    pub fn at_register(&self) -> bool {
        self.peek().is_some_and(|t| t.kind == Kind::Ident && register_name(t.text).is_some())
    }

    /// A register of the names `want` takes.
    pub fn reg(&mut self, want: Want) -> Result<RegTok, ParseError> {
        let Some(t) = self.peek() else {
            return Err(self.expected(want.describe()));
        };
        match register_name(t.text) {
            Some((width, n)) if n <= 11 && want.accepts(width) && t.kind == Kind::Ident => {
                self.at += 1;
                Ok(RegTok { number: n as u8, width, column: t.column })
            }
            // `r11` where either name goes: say what an `r` register can be.
            Some((width, _)) if want.accepts(width) => {
                Err(self.expected(Want::of(width).describe()))
            }
            _ => Err(self.expected(want.describe())),
        }
    }

    /// A register of `width`, or an immediate (32 bits, signed or not).
    pub fn operand(&mut self, width: Width) -> Result<Src, ParseError> {
        if self.at_register() {
            return Ok(Src::Reg(self.reg(Want::of(width))?.any()));
        }
        if !self.at_number() {
            let what = format!("{} or a number", Want::of(width).describe());
            return Err(self.expected(&what));
        }
        Ok(Src::Imm(self.imm32("immediate")?))
    }

    // ---- numbers ----

    /// Whether a number, maybe negative, comes next.
    pub fn at_number(&self) -> bool {
        let number = |t: Option<Token<'_>>| t.is_some_and(|t| matches!(t.kind, Kind::Number(_)));
        number(self.peek()) || (self.at("-") && number(self.peek2()))
    }

    /// A number, maybe negative, and its column.
    pub fn number(&mut self, what: &str) -> Result<(i128, u32), ParseError> {
        let column = self.column();
        let negative = self.at("-");
        let token = if negative { self.peek2() } else { self.peek() };
        match token.map(|t| t.kind) {
            Some(Kind::Number(v)) => {
                self.at += 1 + usize::from(negative);
                Ok((if negative { -i128::from(v) } else { i128::from(v) }, column))
            }
            _ => Err(self.expected(what)),
        }
    }

    /// `value`, checked to lie in `min..=max`.
    pub fn fit(
        &self,
        (value, column): (i128, u32),
        min: i128,
        max: i128,
        what: &str,
        bits: u32,
    ) -> Result<i128, ParseError> {
        if (min..=max).contains(&value) {
            Ok(value)
        } else {
            Err(self.error_at(column, format!("{what} {value} does not fit in {bits} bits")))
        }
    }

    /// A 32-bit immediate: signed, or unsigned as LLVM also takes it
    /// (`0xffffffff` is -1).
    pub fn imm32(&mut self, what: &str) -> Result<i32, ParseError> {
        let n = self.number(&format!("{what} (a number)"))?;
        let v = self.fit(n, i32::MIN.into(), u32::MAX.into(), what, 32)?;
        Ok(v as u32 as i32)
    }

    /// A signed 32-bit number.
    pub fn i32(&mut self, what: &str) -> Result<i32, ParseError> {
        let n = self.number(&format!("{what} (a number)"))?;
        Ok(self.fit(n, i32::MIN.into(), i32::MAX.into(), what, 32)? as i32)
    }

    /// An unsigned 32-bit number.
    pub fn u32(&mut self, what: &str) -> Result<u32, ParseError> {
        let n = self.number(&format!("{what} (a number)"))?;
        Ok(self.fit(n, 0, u32::MAX.into(), what, 32)? as u32)
    }

    /// A 64-bit value, signed or unsigned.
    pub fn u64(&mut self, what: &str) -> Result<u64, ParseError> {
        let n = self.number(&format!("{what} (a number)"))?;
        Ok(self.fit(n, i64::MIN.into(), u64::MAX.into(), what, 64)? as u64)
    }

    /// `+N` or `-N` (the sign required), as in `(r1 + 8)` or `pc-3`.
    pub fn signed_offset(&mut self) -> Result<(i128, u32), ParseError> {
        let column = self.column();
        let negative = if self.eat("+") {
            false
        } else if self.eat("-") {
            true
        } else {
            return Err(self.expected("'+' or '-'"));
        };
        match self.peek().map(|t| t.kind) {
            Some(Kind::Number(v)) => {
                self.at += 1;
                Ok((if negative { -i128::from(v) } else { i128::from(v) }, column))
            }
            _ => Err(self.expected("a number")),
        }
    }

    // ---- memory ----

    /// `(u32 *)`: the size, and whether the type is signed.
    pub fn pointer_type(&mut self) -> Result<(Size, bool, u32), ParseError> {
        self.expect("(")?;
        let column = self.column();
        let size = match self.peek().map(|t| t.text) {
            Some("u8" | "s8") => Size::B,
            Some("u16" | "s16") => Size::H,
            Some("u32" | "s32") => Size::W,
            Some("u64" | "s64") => Size::DW,
            _ => return Err(self.expected("a type (u8, u16, u32, u64, s8, s16 or s32)")),
        };
        let signed = self.peek().is_some_and(|t| t.text.starts_with('s'));
        self.at += 1;
        self.expect("*")?;
        self.expect(")")?;
        Ok((size, signed, column))
    }

    /// `r1 + 8` or `r10 - 4`: a base register and a 16-bit offset.
    pub fn base_offset(&mut self) -> Result<(AnyReg, i16), ParseError> {
        let base = self.reg(Want::R)?.any();
        let off = self.signed_offset()?;
        let off = self.fit(off, i16::MIN.into(), i16::MAX.into(), "offset", 16)?;
        Ok((base, off as i16))
    }

    /// `(r1 + 8)`.
    pub fn address(&mut self) -> Result<(AnyReg, i16), ParseError> {
        self.expect("(")?;
        let address = self.base_offset()?;
        self.expect(")")?;
        Ok(address)
    }

    // ---- jump targets ----

    /// A jump target: `+N`, `-N`, `N` (an offset in slots that fits
    /// `bits`), or a label name (with `Offset(0)`), for the caller to resolve.
    pub fn target(&mut self, bits: u32) -> Result<(Target, Option<Name<'a>>), ParseError> {
        let what = "a jump target (a label, or an offset such as +3)";
        let (value, column) = match self.peek() {
            Some(t) if t.kind == Kind::Ident && register_name(t.text).is_none() => {
                self.at += 1;
                return Ok((Target::Offset(0), Some(Name { name: t.text, column: t.column })));
            }
            Some(t) if matches!(t.kind, Kind::Number(_)) => self.number(what)?,
            Some(t) if t.text == "+" || t.text == "-" => self.signed_offset()?,
            _ => return Err(self.expected(what)),
        };
        let limit = 1i128 << (bits - 1);
        if !(-limit..limit).contains(&value) {
            let hint = if bits == 16 { " (gotol takes a 32-bit offset)" } else { "" };
            let shown = if value < 0 { value.to_string() } else { format!("+{value}") };
            return Err(
                self.error_at(column, format!("offset {shown} does not fit in {bits} bits{hint}"))
            );
        }
        Ok((Target::Offset(value as i32), None))
    }
}
