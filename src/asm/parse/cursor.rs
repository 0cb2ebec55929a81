//! Reading one statement's tokens: registers, numbers, memory operands and
//! jump targets, each with an error that says what was expected and what
//! was found.
//!
//! The cursor pulls tokens from the lexer as it goes, two ahead at most and
//! never past the end of its statement, so an error is always the first one
//! in the text.

use std::borrow::Cow;
use std::collections::VecDeque;

use super::error::ParseError;
use super::expr::{self, Tokens};
use super::lex::{Kind, Lexer, Token};
use super::section::Context;
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

/// A name as written, and where: `name` is what it resolves by (a numeric
/// label's is made unique per definition), `shown` what the text says.
#[derive(Clone, Debug)]
pub(super) struct Name<'a> {
    pub name: Cow<'a, str>,
    pub shown: &'a str,
    pub column: u32,
}

/// A position in one statement.
pub(super) struct Cursor<'c, 'a> {
    lexer: &'c mut Lexer<'a>,
    /// What the text has said so far: sections, numeric labels.
    pub ctx: &'c mut Context,
    /// The next tokens, up to and including the statement's `End`.
    ahead: VecDeque<Token<'a>>,
    /// The line the statement starts on.
    line: u32,
    /// Whether commas are passed over, as LLVM's instruction parser does.
    blank_commas: bool,
}

impl<'c, 'a> Cursor<'c, 'a> {
    /// The statement that starts at the lexer's position.
    pub fn new(lexer: &'c mut Lexer<'a>, ctx: &'c mut Context) -> Cursor<'c, 'a> {
        let mut c =
            Cursor { lexer, ctx, ahead: VecDeque::with_capacity(3), line: 0, blank_commas: false };
        c.fill();
        c.line = c.ahead.front().map_or(0, |t| t.line);
        c
    }

    /// Pulls tokens until two are waiting or the statement's end is.
    fn fill(&mut self) {
        let mut comma = false;
        while self.ahead.len() < 2 && self.ahead.back().is_none_or(|t| t.kind != Kind::End) {
            let mut t = self.lexer.next_token();
            if self.blank_commas && is_comma(t) {
                comma = true;
                continue;
            }
            t.after_comma = std::mem::take(&mut comma);
            self.ahead.push_back(t);
        }
    }

    /// From here on commas are passed over: LLVM's BPF parser skips every
    /// comma between an instruction's operands (`r1 = 1,` is `r1 = 1`), so
    /// the commas of `xchg_64(r1 + 0, r2)` only look like separators.
    pub fn blank_commas(&mut self) {
        self.blank_commas = true;
        let mut comma = false;
        let mut kept = VecDeque::with_capacity(3);
        for mut t in self.ahead.drain(..) {
            if is_comma(t) {
                comma = true;
                continue;
            }
            t.after_comma = std::mem::take(&mut comma);
            kept.push_back(t);
        }
        self.ahead = kept;
        self.fill();
    }

    /// Consumes the rest of the statement, its `End` included.
    pub fn finish(&mut self) {
        loop {
            match self.ahead.pop_front() {
                Some(t) if t.kind == Kind::End => return,
                Some(_) => {}
                None => {
                    if self.lexer.next_token().kind == Kind::End {
                        return;
                    }
                }
            }
        }
    }

    pub fn line(&self) -> u32 {
        self.line
    }

    /// The next token, not consumed; `None` at the end of the statement.
    pub fn peek(&self) -> Option<Token<'a>> {
        self.ahead.front().copied().filter(|t| t.kind != Kind::End)
    }

    /// The token after the next one.
    pub fn peek2(&self) -> Option<Token<'a>> {
        self.peek()?;
        self.ahead.get(1).copied().filter(|t| t.kind != Kind::End)
    }

    /// Consumes the next token.
    pub fn next(&mut self) -> Option<Token<'a>> {
        let token = self.peek();
        if token.is_some() {
            self.ahead.pop_front();
            self.fill();
        }
        token
    }

    /// The column of the next token, or of the end of the statement.
    pub fn column(&self) -> u32 {
        self.ahead.front().map_or(1, |t| t.column)
    }

    /// An error at `column`.
    pub fn error_at(&self, column: u32, message: impl Into<String>) -> ParseError {
        ParseError { line: self.line, column, message: message.into() }
    }

    /// "expected WHAT, found NEXT", at the next token; a token the lexer
    /// could not read says what is wrong with it instead.
    pub fn expected(&self, what: &str) -> ParseError {
        let found = match self.peek() {
            Some(t) => {
                if let Kind::Bad(why) = t.kind {
                    return ParseError {
                        line: t.line,
                        column: t.column,
                        message: format!("{why} '{}'", clip(t.text)),
                    };
                }
                format!("'{}'", clip(t.text))
            }
            None => "end of line".to_owned(),
        };
        self.error_at(self.column(), format!("expected {what}, found {found}"))
    }

    /// Whether the next token is the operator or word `text`.
    pub fn at(&self, text: &str) -> bool {
        self.peek().is_some_and(|t| t.text == text && !matches!(t.kind, Kind::Str | Kind::Bad(_)))
    }

    /// Consumes the next token if it is `text`. Where commas are blank, a
    /// comma is there unless the operands are over.
    pub fn eat(&mut self, text: &str) -> bool {
        if self.blank_commas && text == "," {
            return self.peek().is_some_and(|t| t.text != ")");
        }
        let found = self.at(text);
        if found {
            self.next();
        }
        found
    }

    /// Consumes `text`, or fails saying it was expected.
    pub fn expect(&mut self, text: &str) -> Result<(), ParseError> {
        if self.blank_commas && text == "," {
            return Ok(());
        }
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
                self.next();
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
                self.next();
                Ok(RegTok { number: n as u8, width, column: t.column })
            }
            // `r12` where either name goes: say what an `r` register can be.
            Some((width, _)) if want.accepts(width) && t.kind == Kind::Ident => {
                Err(self.expected(Want::of(width).describe()))
            }
            _ => Err(self.expected(want.describe())),
        }
    }

    /// A register of `width`, or an immediate: in a 32-bit operation any
    /// 32-bit value, signed or not (`w1 &= 0xffffffff`); in a 64-bit one a
    /// value the sign-extended field holds (`r1 &= -1`, also written
    /// `0xffffffffffffffff`).
    pub fn operand(&mut self, width: Width) -> Result<Src, ParseError> {
        if self.at_register() {
            return Ok(Src::Reg(self.reg(Want::of(width))?.any()));
        }
        if !self.at_number() {
            let what = format!("{} or a number", Want::of(width).describe());
            return Err(self.expected(&what));
        }
        Ok(Src::Imm(self.imm_for(width, "immediate")?))
    }

    // ---- numbers ----

    /// Whether a number comes next: a number, or `+`/`-` before one (a
    /// constant expression starts so, as in LLVM).
    pub fn at_number(&self) -> bool {
        let number = |t: Option<Token<'_>>| t.is_some_and(|t| matches!(t.kind, Kind::Number(_)));
        number(self.peek()) || ((self.at("-") || self.at("+")) && number(self.peek2()))
    }

    /// A constant expression, and its column: its value as LLVM computes
    /// it (64-bit, wrapping), checked to be one a 64-bit field can hold.
    pub fn number(&mut self, what: &str) -> Result<(i128, u32), ParseError> {
        if !self.at_number() {
            return Err(self.expected(what));
        }
        self.evaluate(what)
    }

    /// A constant expression that may also start with `(`, `~`, `!` or a
    /// sign, as a directive's operand may.
    pub fn data_value(&mut self, what: &str) -> Result<(i128, u32), ParseError> {
        let starts = self.peek().is_some_and(|t| {
            matches!(t.kind, Kind::Number(_))
                || (t.kind == Kind::Punct && matches!(t.text, "(" | "-" | "+" | "~" | "!"))
        });
        if !starts {
            return Err(self.expected(what));
        }
        self.evaluate(what)
    }

    /// The expression at the cursor, checked to fit 64 bits.
    fn evaluate(&mut self, what: &str) -> Result<(i128, u32), ParseError> {
        let column = self.column();
        let value = expr::expression(self)?;
        match value.as_64() {
            Some(v) => Ok((v.into(), column)),
            None => Err(self.error_at(
                column,
                format!(
                    "{what} {} does not fit in 64 bits ({} to {})",
                    value.exact,
                    i64::MIN,
                    u64::MAX
                ),
            )),
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
            Err(self.error_at(
                column,
                format!("{what} {value} does not fit in {bits} bits ({min} to {max})"),
            ))
        }
    }

    /// A 32-bit immediate, signed or unsigned (`0xffffffff` is -1).
    pub fn imm32(&mut self, what: &str) -> Result<i32, ParseError> {
        let n = self.number(&format!("{what} (a number)"))?;
        let v = self.fit(n, i32::MIN.into(), u32::MAX.into(), what, 32)?;
        Ok(v as u32 as i32)
    }

    /// The immediate of an operation of `width`: see [`Cursor::operand`].
    pub fn imm_for(&mut self, width: Width, what: &str) -> Result<i32, ParseError> {
        if width == Width::Bits32 {
            return self.imm32(what);
        }
        let n = self.number(&format!("{what} (a number)"))?;
        if !(i128::from(i32::MIN)..=i32::MAX.into()).contains(&n.0) {
            return Err(self.error_at(
                n.1,
                format!(
                    "{what} {} does not fit in 32 bits: a 64-bit operation sign-extends it, \
                     so it takes {} to {}",
                    n.0,
                    i32::MIN,
                    i32::MAX
                ),
            ));
        }
        Ok(n.0 as i32)
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

    /// `+N` or `-N` (the sign required), as in `(r1 + 8)` or `pc-3`.
    pub fn signed_offset(&mut self) -> Result<(i128, u32), ParseError> {
        if !self.at("+") && !self.at("-") {
            return Err(self.expected("'+' or '-'"));
        }
        if !self.at_number() {
            self.next();
            return Err(self.expected("a number"));
        }
        self.number("offset")
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
        self.next();
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
    /// `bits`), a label name or a numeric label (`1f`, `1b`), with
    /// `Offset(0)` for the caller to resolve.
    pub fn target(&mut self, bits: u32) -> Result<(Target, Option<Name<'a>>), ParseError> {
        let what = "a jump target (a label, or an offset such as +3)";
        match self.peek() {
            Some(t) if t.kind == Kind::Ident && register_name(t.text).is_none() => {
                self.next();
                let name = Name { name: Cow::Borrowed(t.text), shown: t.text, column: t.column };
                return Ok((Target::Offset(0), Some(name)));
            }
            Some(t) if matches!(t.kind, Kind::LocalRef { .. }) => {
                self.next();
                return Ok((Target::Offset(0), Some(self.local_label(t)?)));
            }
            _ => {}
        }
        if !self.at_number() {
            return Err(self.expected(what));
        }
        let (value, column) = self.number(what)?;
        let limit = 1i128 << (bits - 1);
        if !(-limit..limit).contains(&value) {
            let hint = if bits == 16 { " (gotol takes a 32-bit offset)" } else { "" };
            let shown = if value < 0 { value.to_string() } else { format!("+{value}") };
            return Err(self.error_at(
                column,
                format!(
                    "offset {shown} does not fit in {bits} bits ({} to {}){hint}",
                    -limit,
                    limit - 1
                ),
            ));
        }
        Ok((Target::Offset(value as i32), None))
    }

    /// The label `1b` or `1f` names here: the last definition of `1:` before
    /// this statement, or the next one after it.
    pub fn local_label(&self, t: Token<'a>) -> Result<Name<'a>, ParseError> {
        let Kind::LocalRef { number, forward } = t.kind else {
            return Err(
                self.error_at(t.column, format!("expected a numeric label, found '{}'", t.text))
            );
        };
        let defined = self.ctx.numeric_count(number);
        let index = if forward {
            defined
        } else if defined == 0 {
            return Err(self.error_at(
                t.column,
                format!(
                    "'{}' refers back to a label '{number}:', but none comes before it",
                    t.text
                ),
            ));
        } else {
            defined - 1
        };
        let name = Cow::Owned(numeric_label(number, index));
        Ok(Name { name, shown: t.text, column: t.column })
    }
}

fn is_comma(t: Token<'_>) -> bool {
    t.kind == Kind::Punct && t.text == ","
}

/// `text`, cut short for a message if it is long (a token may be a whole
/// line of junk).
pub(super) fn clip(text: &str) -> Cow<'_, str> {
    const MAX: usize = 40;
    match text.char_indices().nth(MAX) {
        Some((at, _)) => Cow::Owned(format!("{}...", &text[..at])),
        None => Cow::Borrowed(text),
    }
}

/// The unique name of the `index`th definition of the numeric label
/// `number` (no identifier can be written so).
pub(super) fn numeric_label(number: u64, index: u64) -> String {
    format!("{number}@{index}")
}

impl<'a> Tokens<'a> for Cursor<'_, 'a> {
    fn peek(&self) -> Option<Token<'a>> {
        Cursor::peek(self)
    }

    fn next(&mut self) -> Option<Token<'a>> {
        Cursor::next(self)
    }

    fn column(&self) -> u32 {
        Cursor::column(self)
    }

    fn error_at(&self, column: u32, message: String) -> ParseError {
        Cursor::error_at(self, column, message)
    }

    fn expected(&self, what: &str) -> ParseError {
        Cursor::expected(self, what)
    }

    fn expect(&mut self, text: &str) -> Result<(), ParseError> {
        Cursor::expect(self, text)
    }
}
