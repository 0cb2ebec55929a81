//! One statement to labels and an instruction: the grammar of LLVM's BPF
//! assembler, plus this crate's spellings for the forms LLVM has no text for
//! (`map_fd(3)`, `call pc+5`, `skb[r1 + 5]`, ...: the list is in `display.rs`).
//!
//! Every form checks what the IR's types cannot: register widths (`w` for
//! 32-bit operations), R10 as a destination, the same register on both sides
//! of `r1 = -r1`, immediates and offsets that fit their fields. Names a
//! statement refers to (labels, `call name`) come back as [`Symbol`]s for
//! the caller to resolve once it has seen every label.

use std::borrow::Cow;

use super::cursor::{Cursor, Name, RegTok, Want, clip, numeric_label, register_name};
use super::error::ParseError;
use super::lex::{Kind, Token};
use super::section::Section;
use crate::asm::{
    AluOp, AnyReg, AtomicOp, ByteOrder, Call, Cond, HelperId, Imm64, Insn, KfuncName, MapRef,
    RawInsn, Size, Src, SwapBits, SxBits, Target, Width,
};

/// A name an instruction refers to, resolved after the whole text is read.
#[derive(Clone, Debug)]
pub(super) enum Symbol<'a> {
    /// A label: the target of a jump or of `func(name)`.
    Label(Name<'a>),
    /// `call name`: a label of the text, else a helper by its `bpf.h` name.
    Call(Name<'a>),
}

/// What a statement holds.
#[derive(Debug)]
pub(super) enum Item<'a> {
    /// `name:` in a code section, binding `name` to the next instruction.
    Label {
        /// The name (a numeric label's made unique per definition).
        name: Cow<'a, str>,
        /// The 1-based line.
        line: u32,
        /// The 1-based column.
        column: u32,
    },
    /// An instruction; a target that is a [`Symbol`] is `Offset(0)` until resolved.
    Insn {
        /// The instruction.
        insn: Insn,
        /// The 1-based line.
        line: u32,
        /// The column of its first token.
        column: u32,
        /// The name its target refers to.
        symbol: Option<Symbol<'a>>,
    },
}

impl Item<'_> {
    /// The slots the item takes in the program.
    pub fn slots(&self) -> usize {
        match self {
            Item::Insn { insn, .. } => insn.slots(),
            Item::Label { .. } => 0,
        }
    }
}

/// Parses the statement at the cursor into `out`: its labels, then its
/// instruction or directive if it has one. Labels and data outside code
/// sections are passed over.
pub(super) fn statement<'a>(
    c: &mut Cursor<'_, 'a>,
    out: &mut Vec<Item<'a>>,
) -> Result<(), ParseError> {
    while let (Some(name), Some(colon)) = (c.peek(), c.peek2()) {
        if colon.text != ":" || colon.kind != Kind::Punct {
            break;
        }
        let label = match name.kind {
            Kind::Ident if register_name(name.text).is_some() => {
                return Err(
                    c.error_at(name.column, format!("a label cannot be named '{}'", name.text))
                );
            }
            Kind::Ident => Cow::Borrowed(name.text),
            Kind::Number(n) => Cow::Owned(numeric_label(n, c.ctx.define_numeric(n))),
            _ => break,
        };
        if c.ctx.section.code {
            out.push(Item::Label { name: label, line: c.line(), column: name.column });
        }
        c.next();
        c.next();
    }
    let Some(first) = c.peek() else {
        return Ok(());
    };
    if matches!(first.kind, Kind::Bad(_)) {
        return Err(c.expected("an instruction"));
    }
    if first.kind == Kind::Ident && first.text.starts_with('.') {
        return directive(c, first, out);
    }
    if !c.ctx.section.code {
        return Err(c.error_at(
            first.column,
            format!(
                "an instruction in section '{}', which holds no code (its flags have no 'x'); \
                 put it after .text or a .section with \"ax\"",
                c.ctx.section.name
            ),
        ));
    }
    c.blank_commas();
    let mut symbol = None;
    let insn = instruction(c, &mut symbol)?;
    c.end()?;
    out.push(Item::Insn { insn, line: c.line(), column: first.column, symbol });
    Ok(())
}

/// Directives that say nothing about code: symbols, sizes, alignment,
/// debug information. Passed over wherever they stand.
const INERT: [&str; 17] = [
    ".file",
    ".globl",
    ".global",
    ".weak",
    ".local",
    ".hidden",
    ".protected",
    ".internal",
    ".type",
    ".size",
    ".p2align",
    ".align",
    ".balign",
    ".addrsig",
    ".addrsig_sym",
    ".ident",
    ".loc",
];

/// Directives that emit data: passed over in data sections, refused in code.
const DATA: [&str; 20] = [
    ".byte", ".short", ".hword", ".2byte", ".long", ".int", ".word", ".4byte", ".ascii", ".asciz",
    ".string", ".zero", ".space", ".skip", ".fill", ".uleb128", ".sleb128", ".set", ".equ",
    ".comm",
];

/// A directive, from its name `first`.
fn directive<'a>(
    c: &mut Cursor<'_, 'a>,
    first: Token<'a>,
    out: &mut Vec<Item<'a>>,
) -> Result<(), ParseError> {
    c.next();
    let name = first.text;
    match name {
        ".8byte" | ".quad" if c.ctx.section.code => loop {
            let value = c.data_value("a 64-bit value")?;
            let word = c.fit(value, i64::MIN.into(), u64::MAX.into(), "value", 64)? as u64;
            let insn = Insn::Raw(RawInsn::from_word(word));
            let column = value.1;
            out.push(Item::Insn { insn, line: c.line(), column, symbol: None });
            if !c.eat(",") {
                return c.end();
            }
        },
        // Data elsewhere: symbols, differences of labels, anything.
        ".8byte" | ".quad" => {
            while c.next().is_some() {}
            Ok(())
        }
        ".text" => {
            c.ctx.switch(Section::text());
            c.end()
        }
        ".data" | ".bss" | ".rodata" => {
            c.ctx.switch(Section::named(name, None));
            c.end()
        }
        ".section" | ".pushsection" => {
            let section = section_operands(c)?;
            if name == ".pushsection" {
                let now = c.ctx.section.clone();
                c.ctx.stack.push(now);
            }
            c.ctx.switch(section);
            Ok(())
        }
        ".popsection" => match c.ctx.stack.pop() {
            Some(section) => {
                c.ctx.switch(section);
                c.end()
            }
            None => Err(c.error_at(first.column, ".popsection without a .pushsection")),
        },
        ".previous" => {
            let previous = c.ctx.previous.clone();
            c.ctx.switch(previous);
            c.end()
        }
        _ if INERT.contains(&name) || name.starts_with(".cfi_") => {
            while c.next().is_some() {}
            Ok(())
        }
        _ if DATA.contains(&name) => {
            if c.ctx.section.code {
                return Err(c.error_at(
                    first.column,
                    format!(
                        "{name} in code section '{}': a program is made of 8-byte slots, \
                         so data there is written .8byte or .quad",
                        c.ctx.section.name
                    ),
                ));
            }
            while c.next().is_some() {}
            Ok(())
        }
        _ => Err(c.error_at(first.column, format!("unknown directive '{}'", clip(name)))),
    }
}

/// `NAME` or `"NAME"`, then maybe `, "FLAGS"` and more (a type, ...).
fn section_operands(c: &mut Cursor<'_, '_>) -> Result<Section, ParseError> {
    let name = match c.peek() {
        Some(t) if t.kind == Kind::Ident => t.text,
        Some(t) if t.kind == Kind::Str => unquote(t.text),
        _ => return Err(c.expected("a section name")),
    };
    c.next();
    let mut flags = None;
    if c.eat(",") {
        match c.peek() {
            Some(t) if t.kind == Kind::Str => flags = Some(unquote(t.text)),
            _ => return Err(c.expected("the section's flags in quotes, such as \"ax\"")),
        }
        c.next();
    }
    while c.next().is_some() {}
    Ok(Section::named(name, flags))
}

fn unquote(text: &str) -> &str {
    text.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or(text)
}

/// The instruction at the cursor; a name it refers to goes into `symbol`.
fn instruction<'a>(
    c: &mut Cursor<'_, 'a>,
    symbol: &mut Option<Symbol<'a>>,
) -> Result<Insn, ParseError> {
    let Some(first) = c.peek() else {
        return Err(c.expected("an instruction"));
    };
    if c.at_register() {
        let dst = c.reg(Want::Any)?;
        return register_statement(c, dst, symbol);
    }
    if c.eat("*") {
        return store(c);
    }
    c.next();
    Ok(match first.text {
        "exit" => Insn::Exit,
        "goto" => {
            let (target, found) = c.target(16)?;
            *symbol = found.map(Symbol::Label);
            Insn::Ja { target }
        }
        "gotol" => {
            let (target, found) = c.target(32)?;
            *symbol = found.map(Symbol::Label);
            Insn::Gotol { target }
        }
        "may_goto" => {
            let (target, found) = c.target(16)?;
            *symbol = found.map(Symbol::Label);
            Insn::MayGoto { target }
        }
        "if" => {
            let dst = c.reg(Want::Any)?;
            let cond = condition(c)?;
            let src = c.operand(dst.width)?;
            c.expect("goto")?;
            let (target, found) = c.target(16)?;
            *symbol = found.map(Symbol::Label);
            Insn::Jump { width: dst.width, cond, dst: dst.any(), src, target }
        }
        "call" => call(c, symbol)?,
        "ld_pseudo" => ld_pseudo(c)?,
        "callx" => Insn::CallX { target: c.reg(Want::R)?.any() },
        "lock" => lock(c)?,
        _ => {
            return Err(c.error_at(
                first.column,
                format!("expected an instruction, found '{}'", clip(first.text)),
            ));
        }
    })
}

/// The condition of `if dst COND src goto target`.
fn condition(c: &mut Cursor<'_, '_>) -> Result<Cond, ParseError> {
    let found = c.peek().and_then(|t| Cond::ALL.into_iter().find(|cond| cond.operator() == t.text));
    match found {
        Some(cond) => {
            c.next();
            Ok(cond)
        }
        None => Err(c.expected("a comparison (==, !=, >, >=, <, <=, &, s>, s>=, s<, s<=)")),
    }
}

/// `call 1`, `call bpf_map_lookup_elem`, `call name` (a label or a
/// helper), `call pc+5`, `call kfunc(1234)`, `call kfunc(1234, 2)`,
/// `call kfunc(bpf_rcu_read_lock)`.
fn call<'a>(c: &mut Cursor<'_, 'a>, symbol: &mut Option<Symbol<'a>>) -> Result<Insn, ParseError> {
    if c.at_number() {
        return Ok(Insn::Call(Call::Helper(HelperId(c.imm32("helper id")?))));
    }
    if let Some(t) = c.peek().filter(|t| matches!(t.kind, Kind::LocalRef { .. })) {
        c.next();
        *symbol = Some(Symbol::Label(c.local_label(t)?));
        return Ok(Insn::Call(Call::Local(Target::Offset(0))));
    }
    let name = c.ident("a helper, a label or a helper id")?;
    let next = c.peek().map(|t| t.text);
    let call = match (name.text, next) {
        ("pc", Some("+" | "-")) => {
            let off = c.signed_offset()?;
            Call::Local(Target::Offset(
                c.fit(off, i32::MIN.into(), i32::MAX.into(), "offset", 32)? as i32
            ))
        }
        ("kfunc", Some("(")) => {
            c.expect("(")?;
            if !c.at_number() {
                let name = c.ident("a BTF id or a kernel function's name")?;
                c.expect(")")?;
                return Ok(Insn::Call(Call::KfuncNamed(KfuncName::new(name.text))));
            }
            let btf_id = c.i32("BTF id")?;
            let mut fd_index = 0;
            if c.eat(",") {
                let n = c.number("an fd_array index (a number)")?;
                fd_index = c.fit(n, i16::MIN.into(), i16::MAX.into(), "fd_array index", 16)? as i16;
            }
            c.expect(")")?;
            Call::Kfunc { btf_id, fd_index }
        }
        _ if register_name(name.text).is_some() => {
            return Err(c.error_at(
                name.column,
                format!("expected a helper, a label or a helper id, found '{}'", name.text),
            ));
        }
        _ => {
            let shown = name.text;
            *symbol =
                Some(Symbol::Call(Name { name: Cow::Borrowed(shown), shown, column: name.column }));
            Call::Local(Target::Offset(0))
        }
    };
    Ok(Insn::Call(call))
}

/// `lock *(u64 *)(r1 + 0) += r2`: an atomic without fetch.
fn lock(c: &mut Cursor<'_, '_>) -> Result<Insn, ParseError> {
    c.expect("*")?;
    let width = atomic_width(c)?;
    let (dst, off) = c.address()?;
    let op = match c.peek().map(|t| t.text) {
        Some("+=") => AtomicOp::Add,
        Some("|=") => AtomicOp::Or,
        Some("&=") => AtomicOp::And,
        Some("^=") => AtomicOp::Xor,
        _ => return Err(c.expected("an atomic operation (+=, |=, &=, ^=)")),
    };
    c.next();
    // LLVM takes either name for the operand of a 32-bit add (its older
    // spelling), only `w` for the others.
    let want = match (width, op) {
        (Width::Bits64, _) => Want::R,
        (Width::Bits32, AtomicOp::Add) => Want::Any,
        (Width::Bits32, _) => Want::W,
    };
    let src = c.reg(want)?;
    Ok(Insn::Atomic { width, op, dst, off, src: src.any() })
}

/// `(u32 *)` or `(u64 *)`: the width of an atomic operation.
fn atomic_width(c: &mut Cursor<'_, '_>) -> Result<Width, ParseError> {
    let (size, signed, column) = c.pointer_type()?;
    match (size, signed) {
        (Size::W, false) => Ok(Width::Bits32),
        (Size::DW, false) => Ok(Width::Bits64),
        _ => Err(c.error_at(column, "atomic operations take u32 or u64")),
    }
}

/// `*(u32 *)(r10 - 4) = r1` or `= 5`, after the `*`.
fn store(c: &mut Cursor<'_, '_>) -> Result<Insn, ParseError> {
    let (size, signed, column) = c.pointer_type()?;
    if signed {
        return Err(c.error_at(column, "stores take an unsigned type (u8, u16, u32 or u64)"));
    }
    let (dst, off) = c.address()?;
    c.expect("=")?;
    let src = if c.at_register() {
        // A 32-bit name is fine for a store of 32 bits or less.
        let want = if size == Size::DW { Want::R } else { Want::Any };
        Src::Reg(c.reg(want)?.any())
    } else if c.at_number() {
        // A 64-bit store sign-extends its immediate.
        let width = if size == Size::DW { Width::Bits64 } else { Width::Bits32 };
        Src::Imm(c.imm_for(width, "immediate")?)
    } else {
        return Err(c.expected("a register or a number"));
    };
    Ok(Insn::Store { size, dst, off, src })
}

/// A statement that starts with register `dst`: an ALU operation, a load,
/// a 64-bit load, a byte swap, a fetching atomic.
fn register_statement<'a>(
    c: &mut Cursor<'_, 'a>,
    dst: RegTok,
    symbol: &mut Option<Symbol<'a>>,
) -> Result<Insn, ParseError> {
    let width = dst.width;
    if c.eat("=") {
        return assignment(c, dst, symbol);
    }
    let op = c.peek().and_then(|t| {
        AluOp::ALL.into_iter().find(|op| *op != AluOp::Mov && op.operator() == t.text)
    });
    let Some(op) = op else {
        return Err(c.expected("'=' or an operation such as '+='"));
    };
    c.next();
    let src = c.operand(width)?;
    Ok(Insn::Alu { width, op, dst: dst.any(), src })
}

/// What follows `dst =`.
fn assignment<'a>(
    c: &mut Cursor<'_, 'a>,
    dst: RegTok,
    symbol: &mut Option<Symbol<'a>>,
) -> Result<Insn, ParseError> {
    let width = dst.width;
    if c.at_number() {
        return constant(c, dst);
    }
    if c.eat("-") {
        let src = c.reg(Want::of(width))?;
        if src.number != dst.number {
            return Err(c.error_at(
                src.column,
                format!("a negation names one register twice: {} = -{}", dst.name(), dst.name()),
            ));
        }
        return Ok(Insn::Neg { width, dst: dst.any() });
    }
    if c.eat("(") {
        let column = c.column();
        let from = match c.ident("s8, s16 or s32")?.text {
            "s8" => SxBits::B8,
            "s16" => SxBits::B16,
            "s32" if width == Width::Bits64 => SxBits::B32,
            "s32" => return Err(c.error_at(column, "a 32-bit sign-extending move takes s8 or s16")),
            other => {
                return Err(c.error_at(
                    column,
                    format!("expected s8, s16 or s32, found '{}'", clip(other)),
                ));
            }
        };
        c.expect(")")?;
        let src = c.reg(Want::of(width))?;
        return Ok(Insn::MovSx { width, from, dst: dst.any(), src: src.any() });
    }
    if c.eat("*") {
        return load(c, dst);
    }
    if c.at_register() {
        let src = c.reg(Want::of(width))?;
        return Ok(Insn::Alu { width, op: AluOp::Mov, dst: dst.any(), src: Src::Reg(src.any()) });
    }
    let Some(name) = c.peek().filter(|t| t.kind == Kind::Ident) else {
        return Err(c.expected("a register, a number or a memory operand"));
    };
    // `r1 = NAME ll`: a map by name, whatever the name.
    if c.peek2().is_some_and(|t| t.text == "ll") {
        c.next();
        c.next();
        let dst = wide(c, dst)?;
        return Ok(Insn::LdImm64 { dst, value: Imm64::MapFd(MapRef::Name(name.text.to_owned())) });
    }
    c.next();
    if let Some((order, bits)) = byte_order(name.text) {
        let src = c.reg(Want::R)?;
        let dst = wide(c, dst)?;
        if src.number != dst.number() {
            return Err(c.error_at(
                src.column,
                format!("a byte swap names one register twice: {dst} = {} {dst}", name.text),
            ));
        }
        return Ok(Insn::Endian { order, bits, dst });
    }
    if let Some(op) = fetch_op(name.text) {
        return fetch(c, dst, op);
    }
    match name.text {
        "xchg_64" | "xchg32_32" | "cmpxchg_64" | "cmpxchg32_32" => exchange(c, dst, name.text),
        "addr_space_cast" if c.at("(") => addr_space_cast(c, dst),
        "map_fd" | "map_value" | "btf_id" | "func" | "map_idx" | "map_idx_value" if c.at("(") => {
            pseudo(c, dst, name.text, symbol)
        }
        other => Err(c.error_at(
            name.column,
            format!(
                "expected a register, a number or a memory operand, found '{other}' \
                 (a map by name is written `{dst} = {other} ll`)",
                other = clip(other),
                dst = dst.name(),
            ),
        )),
    }
}

/// `dst = N` (32 bits) or `dst = N ll` (64 bits).
fn constant(c: &mut Cursor<'_, '_>, dst: RegTok) -> Result<Insn, ParseError> {
    let n = c.number("a number")?;
    if c.eat("ll") {
        let v = c.fit(n, i64::MIN.into(), u64::MAX.into(), "constant", 64)?;
        return Ok(Insn::LdImm64 { dst: wide(c, dst)?, value: Imm64::Const(v as u64) });
    }
    // A 64-bit move sign-extends its immediate; a 32-bit one takes any
    // 32-bit value.
    let max = if dst.width == Width::Bits64 { i32::MAX.into() } else { u32::MAX.into() };
    if !(i128::from(i32::MIN)..=max).contains(&n.0) {
        return Err(c.error_at(
            n.1,
            format!(
                "immediate {} does not fit in 32 bits ({} to {max}; a 64-bit constant is \
                 written `r{} = {} ll`)",
                n.0,
                i32::MIN,
                dst.number,
                n.0
            ),
        ));
    }
    let imm = n.0 as u32 as i32;
    Ok(Insn::Alu { width: dst.width, op: AluOp::Mov, dst: dst.any(), src: Src::Imm(imm) })
}

/// The destination of a 64-bit-only form: an `r` register other than R10.
fn wide(c: &Cursor<'_, '_>, dst: RegTok) -> Result<AnyReg, ParseError> {
    if dst.width != Width::Bits64 {
        return Err(c.error_at(
            dst.column,
            format!(
                "this instruction writes a 64-bit register: r{}, not {}",
                dst.number,
                dst.name()
            ),
        ));
    }
    Ok(dst.any())
}

/// `dst = *(u32 *)(r1 + 8)`, `*(s8 *)(...)`, `*(u8 *)skb[...]`, after the `*`.
fn load(c: &mut Cursor<'_, '_>, dst: RegTok) -> Result<Insn, ParseError> {
    let (size, signed, column) = c.pointer_type()?;
    if c.eat("skb") {
        return packet_load(c, dst, size, signed, column);
    }
    let (src, off) = c.address()?;
    if signed {
        if size == Size::DW {
            return Err(c.error_at(column, "sign-extending loads take s8, s16 or s32"));
        }
        return Ok(Insn::LoadSx { size, dst: wide(c, dst)?, src, off });
    }
    if size == Size::DW {
        return Ok(Insn::Load { size, dst: wide(c, dst)?, src, off });
    }
    // A load of 32 bits or less zero-extends: either name is right.
    Ok(Insn::Load { size, dst: dst.any(), src, off })
}

/// `r0 = *(u8 *)skb[5]`, `skb[r1]`, `skb[r1 + 5]`, after `skb`.
fn packet_load(
    c: &mut Cursor<'_, '_>,
    dst: RegTok,
    size: Size,
    signed: bool,
    column: u32,
) -> Result<Insn, ParseError> {
    if signed || size == Size::DW {
        return Err(c.error_at(column, "packet loads take u8, u16 or u32"));
    }
    if dst.number != 0 || dst.width != Width::Bits64 {
        return Err(c.error_at(dst.column, format!("packet loads write r0, not {}", dst.name())));
    }
    c.expect("[")?;
    let insn = if c.at_register() {
        let src = c.reg(Want::R)?.any();
        let imm = if c.at("+") || c.at("-") {
            let n = c.signed_offset()?;
            c.fit(n, i32::MIN.into(), i32::MAX.into(), "offset", 32)? as i32
        } else {
            0
        };
        Insn::LdInd { size, src, imm }
    } else if c.at_number() {
        Insn::LdAbs { size, imm: c.i32("offset")? }
    } else {
        return Err(c.expected("a register or a number"));
    };
    c.expect("]")?;
    Ok(insn)
}

/// `le16`, `be32`, `bswap64`, ...
fn byte_order(name: &str) -> Option<(ByteOrder, SwapBits)> {
    let (order, bits) = if let Some(bits) = name.strip_prefix("bswap") {
        (ByteOrder::Swap, bits)
    } else if let Some(bits) = name.strip_prefix("le") {
        (ByteOrder::ToLe, bits)
    } else {
        (ByteOrder::ToBe, name.strip_prefix("be")?)
    };
    let bits = match bits {
        "16" => SwapBits::B16,
        "32" => SwapBits::B32,
        "64" => SwapBits::B64,
        _ => return None,
    };
    Some((order, bits))
}

fn fetch_op(name: &str) -> Option<AtomicOp> {
    match name {
        "atomic_fetch_add" => Some(AtomicOp::FetchAdd),
        "atomic_fetch_or" => Some(AtomicOp::FetchOr),
        "atomic_fetch_and" => Some(AtomicOp::FetchAnd),
        "atomic_fetch_xor" => Some(AtomicOp::FetchXor),
        _ => None,
    }
}

/// The operand of a fetching atomic: the register written before `=`,
/// named again, in the width of the operation.
fn same_register(c: &mut Cursor<'_, '_>, dst: RegTok, width: Width) -> Result<AnyReg, ParseError> {
    if dst.width != width {
        let want = RegTok { width, ..dst };
        return Err(c.error_at(
            dst.column,
            format!(
                "a {}-bit atomic operation names {}, not {}",
                bits(width),
                want.name(),
                dst.name()
            ),
        ));
    }
    let src = c.reg(Want::of(width))?;
    if src.number != dst.number {
        return Err(c.error_at(
            src.column,
            format!("the operand must be {}, the register the old value goes to", dst.name()),
        ));
    }
    Ok(dst.any())
}

fn bits(width: Width) -> u32 {
    if width == Width::Bits64 { 64 } else { 32 }
}

/// `r2 = atomic_fetch_add((u64 *)(r1 + 0), r2)`, after the name.
fn fetch(c: &mut Cursor<'_, '_>, dst: RegTok, op: AtomicOp) -> Result<Insn, ParseError> {
    c.expect("(")?;
    let width = atomic_width(c)?;
    let (base, off) = c.address()?;
    c.expect(",")?;
    let src = same_register(c, dst, width)?;
    c.expect(")")?;
    Ok(Insn::Atomic { width, op, dst: base, off, src })
}

/// `r2 = xchg_64(r1 + 0, r2)`, `w0 = cmpxchg32_32(r1 + 0, w0, w2)`, after the name.
fn exchange(c: &mut Cursor<'_, '_>, dst: RegTok, name: &str) -> Result<Insn, ParseError> {
    let width = if name.ends_with("_64") { Width::Bits64 } else { Width::Bits32 };
    c.expect("(")?;
    let (base, off) = c.base_offset()?;
    c.expect(",")?;
    if name.starts_with("cmpxchg") {
        let r0 = RegTok { number: 0, width, column: dst.column };
        if dst.number != 0 || dst.width != width {
            return Err(
                c.error_at(dst.column, format!("{name} writes {}, not {}", r0.name(), dst.name()))
            );
        }
        let column = c.column();
        if c.reg(Want::of(width))?.number != 0 {
            return Err(c.error_at(column, format!("{name} compares with {}", r0.name())));
        }
        c.expect(",")?;
        let src = c.reg(Want::of(width))?;
        c.expect(")")?;
        return Ok(Insn::Atomic { width, op: AtomicOp::CmpXchg, dst: base, off, src: src.any() });
    }
    let src = same_register(c, dst, width)?;
    c.expect(")")?;
    Ok(Insn::Atomic { width, op: AtomicOp::Xchg, dst: base, off, src })
}

/// `r1 = addr_space_cast(r2, 1, 0)`, after the name.
fn addr_space_cast(c: &mut Cursor<'_, '_>, dst: RegTok) -> Result<Insn, ParseError> {
    let dst = wide(c, dst)?;
    c.expect("(")?;
    let src = c.reg(Want::R)?.any();
    c.expect(",")?;
    let n = c.number("an address space (a number)")?;
    let dst_as = c.fit(n, 0, u16::MAX.into(), "address space", 16)? as u16;
    c.expect(",")?;
    let n = c.number("an address space (a number)")?;
    let src_as = c.fit(n, 0, u16::MAX.into(), "address space", 16)? as u16;
    c.expect(")")?;
    Ok(Insn::AddrSpaceCast { dst, src, dst_as, src_as })
}

/// `ld_pseudo r1, KIND, IMM`: a 64-bit load with `src_reg` KIND (0 to 15)
/// and a 32-bit `imm`, the second slot zero, read into the variant that
/// KIND names.
fn ld_pseudo(c: &mut Cursor<'_, '_>) -> Result<Insn, ParseError> {
    let dst = c.reg(Want::R)?.any();
    c.expect(",")?;
    let n = c.number("a pseudo kind (a number)")?;
    let kind = c.fit(n, 0, 15, "pseudo kind", 4)? as u8;
    c.expect(",")?;
    let imm = c.imm32("immediate")?;
    let value = match kind {
        0 => Imm64::Const(u64::from(imm as u32)),
        1 => Imm64::MapFd(MapRef::Fd(imm)),
        2 => Imm64::MapValue { map: MapRef::Fd(imm), offset: 0 },
        3 => Imm64::BtfId { id: imm, btf_fd: 0 },
        4 => Imm64::Func(Target::Offset(imm)),
        5 => Imm64::MapIdx(imm as u32),
        6 => Imm64::MapIdxValue { index: imm as u32, offset: 0 },
        kind => Imm64::Pseudo { kind, imm },
    };
    Ok(Insn::LdImm64 { dst, value })
}

/// `map_fd(3)`, `map_value(3, 8)`, `map_value(name, 8)`, `btf_id(7)`,
/// `btf_id(7, 3)`, `func(+5)`, `func(name)`, `map_idx(0)`,
/// `map_idx_value(0, 8)`; then `ll`.
fn pseudo<'a>(
    c: &mut Cursor<'_, 'a>,
    dst: RegTok,
    name: &str,
    symbol: &mut Option<Symbol<'a>>,
) -> Result<Insn, ParseError> {
    let dst = wide(c, dst)?;
    c.expect("(")?;
    let value = match name {
        "map_fd" => Imm64::MapFd(MapRef::Fd(c.i32("map fd")?)),
        "map_value" => {
            let map = match c.peek() {
                Some(t) if t.kind == Kind::Ident => {
                    c.next();
                    MapRef::Name(t.text.to_owned())
                }
                _ => MapRef::Fd(c.i32("map fd")?),
            };
            c.expect(",")?;
            Imm64::MapValue { map, offset: c.u32("value offset")? }
        }
        "btf_id" => {
            let id = c.i32("BTF id")?;
            let btf_fd = if c.eat(",") { c.i32("BTF fd")? } else { 0 };
            Imm64::BtfId { id, btf_fd }
        }
        "func" => {
            let (target, found) = c.target(32)?;
            *symbol = found.map(Symbol::Label);
            Imm64::Func(target)
        }
        "map_idx" => Imm64::MapIdx(c.u32("fd_array index")?),
        _ => {
            let index = c.u32("fd_array index")?;
            c.expect(",")?;
            Imm64::MapIdxValue { index, offset: c.u32("value offset")? }
        }
    };
    c.expect(")")?;
    c.expect("ll")?;
    Ok(Insn::LdImm64 { dst, value })
}
