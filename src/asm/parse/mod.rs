//! The text assembler: LLVM's BPF assembler syntax into a
//! [`ProgramBuilder`], in three steps: [`lex`] splits lines into statements
//! of tokens, [`statement`] reads each into labels and an instruction, and
//! [`parse`] binds the labels, resolves the names instructions use and
//! records every instruction with its line and column.

mod cursor;
mod error;
mod expr;
mod lex;
mod section;
mod statement;

use std::collections::HashMap;

use cursor::{Cursor, Name};
pub use error::ParseError;
use statement::{Item, Symbol};

use super::{Call, Helper, HelperId, Insn, Label, MAX_INSNS, Origin, ProgramBuilder, Target};

/// Parses LLVM's BPF assembler syntax into a program builder.
///
/// It reads what `llvm-mc-19 -triple bpfel -mcpu=v4` reads, to the same
/// bytes, and everything [`Insn`]'s `Display` prints, so that text printed
/// by the disassembler reads back as the same instructions:
///
/// - one instruction per line, or several separated by `;`; comments from
///   `#` or `//` to the end of the line, and `/* */`;
/// - labels (`name:`, alone or before an instruction), numeric labels (`1:`,
///   named `1b` backward and `1f` forward, as many times as wanted) and
///   symbolic targets (`goto name`, `if r1 > 0 goto 1f`, `gotol name`,
///   `may_goto name`, `call name`, `r1 = func(name) ll`), or offsets in
///   slots (`goto +3`);
/// - `call N` and `call bpf_map_lookup_elem` (a helper by its `bpf.h` name;
///   `call name` is a local call when `name` is a label);
/// - `r1 = NAME ll` for a map by name, bound later with
///   [`Assembled::bind_map`](super::Assembled::bind_map);
/// - LLVM's numbers: decimal, `0x` hex, `0b` binary, octal after a leading
///   zero, characters (`'a'`), C suffixes (`10UL`), and constant
///   expressions (`1+2`, `(1 << 4) | 3` after a first number); a 64-bit
///   operation's immediate is any value that survives sign extension
///   (`0xffffffffffffffff` is -1), a 32-bit one's any 32-bit value;
/// - `r` registers for 64-bit operations and `w` registers for 32-bit ones
///   (`w1 += w2`), where LLVM takes them; any register may be written,
///   `r10` and LLVM's `r11` too (the DSL's types forbid it, the verifier
///   judges it);
/// - `ld_pseudo r1, KIND, IMM`, `callx r1`, `r1 = addr_space_cast(r2, 1, 0)`;
/// - `.8byte 0x...` (or `.quad`) for a raw 8-byte word, so any bytes read
///   back;
/// - sections and directives as `clang -S -target bpf` writes them: the
///   instructions of code sections make the program, the data of other
///   sections is passed over;
/// - this crate's spellings of the forms LLVM has no exact text for
///   (`map_value(3, 8)`, `btf_id(7, 3)`, `call pc+5`, `call kfunc(7)`,
///   `skb[r1 + 5]`, ...).
///
/// Everything the text alone shows to be wrong is a [`ParseError`] naming
/// the line and column, the first in the text: an unknown or duplicate
/// label, a register that does not exist, a value that does not fit its
/// field (with the field's range, where LLVM would wrap it). Memory follows
/// the program, not the text: the lexer reads it once, a token at a time. Each
/// instruction's position is recorded as its [`Origin`], so a verifier
/// rejection names the line of the text.
///
/// ```
/// use bpfkit::asm::parse;
///
/// let b = parse(
///     "    r0 = 0
///          if r1 s> 0 goto positive   # a comment
///          exit
///      positive:
///          r0 = 1; exit",
/// )?;
/// let prog = b.assemble()?;
/// assert_eq!(prog.to_string(), "r0 = 0\nif r1 s> 0 goto +1\nexit\nr0 = 1\nexit\n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse(source: &str) -> Result<ProgramBuilder, ParseError> {
    let mut lexer = lex::Lexer::new(source);
    let mut ctx = section::Context::new();
    let mut items = Vec::new();
    let mut first_error: Option<ParseError> = None;
    // Past an error the statements are still read: whether a jump before it
    // names a label that exists, and where, decides which error is first.
    let mut total = 0;
    while !lexer.done() {
        let mut c = Cursor::new(&mut lexer, &mut ctx);
        let line = c.line();
        let before = items.len();
        if let Err(e) = statement::statement(&mut c, &mut items) {
            first_error.get_or_insert(e);
        }
        c.finish();
        total += items[before..].iter().map(Item::slots).sum::<usize>();
        if total > MAX_INSNS {
            // Stop reading a text that could never load, before it takes
            // memory in proportion to its length.
            first_error.get_or_insert(ParseError {
                line,
                column: 1,
                message: format!(
                    "the program passes the kernel's limit of {MAX_INSNS} instruction slots here"
                ),
            });
            break;
        }
    }
    let (labels, duplicate) = bind_labels(&items);
    let mut b = ProgramBuilder::new();
    let mut handles: HashMap<&str, Label> = HashMap::new();
    for item in &items {
        if let Item::Label { name, line, column } = item {
            let at = Origin::Text { line: *line, column: *column };
            handles.entry(name).or_insert_with(|| b.new_label_at(Some(name.to_string()), at));
        }
    }
    let mut unresolved = None;
    let mut slot = 0;
    for item in &items {
        match item {
            Item::Label { name, line, column } => {
                if let Some(&label) = handles.get(name.as_ref()) {
                    b.bind_at(label, Origin::Text { line: *line, column: *column });
                }
            }
            Item::Insn { insn, line, column, symbol } => {
                let mut insn = insn.clone();
                let slots = insn.slots();
                if let Some(symbol) = symbol {
                    let found = resolve(&mut insn, symbol, *line, slot, total, &labels, &handles);
                    if let Err(e) = found {
                        unresolved = Some(e);
                        break;
                    }
                }
                b.push_at(insn, Origin::Text { line: *line, column: *column });
                slot += slots;
            }
        }
    }
    // The first error in the text, whichever pass found it.
    let first = [first_error, duplicate, unresolved]
        .into_iter()
        .flatten()
        .min_by_key(|e| (e.line, e.column));
    match first {
        Some(e) => Err(e),
        None => Ok(b),
    }
}

/// Each label's slot, and the first label defined twice (an error at the
/// second definition).
fn bind_labels<'i>(items: &'i [Item<'_>]) -> (HashMap<&'i str, (usize, u32)>, Option<ParseError>) {
    let mut labels = HashMap::new();
    let mut duplicate = None;
    let mut slot = 0;
    for item in items {
        match item {
            Item::Label { name, line, column } => {
                if let Some(&(_, first)) = labels.get(name.as_ref()) {
                    duplicate.get_or_insert(ParseError {
                        line: *line,
                        column: *column,
                        message: format!("label '{name}' is already defined on line {first}"),
                    });
                    continue;
                }
                labels.insert(name.as_ref(), (slot, *line));
            }
            Item::Insn { insn, .. } => slot += insn.slots(),
        }
    }
    (labels, duplicate)
}

/// Points `insn`, at `slot` on `line`, at the label `symbol` names (or, for
/// `call name`, at the helper), checking that the label exists, marks an
/// instruction and is near enough for the instruction's offset field.
fn resolve(
    insn: &mut Insn,
    symbol: &Symbol<'_>,
    line: u32,
    slot: usize,
    total: usize,
    labels: &HashMap<&str, (usize, u32)>,
    handles: &HashMap<&str, Label>,
) -> Result<(), ParseError> {
    let (Symbol::Label(Name { name, shown, column }) | Symbol::Call(Name { name, shown, column })) =
        symbol;
    let is_call = matches!(symbol, Symbol::Call(_));
    let error = |message: String| ParseError { line, column: *column, message };
    let name = name.as_ref();
    let (Some(&(target, _)), Some(&label)) = (labels.get(name), handles.get(name)) else {
        if is_call {
            if let Some(helper) = Helper::from_name(name) {
                *insn = Insn::Call(Call::Helper(HelperId::from(helper)));
                return Ok(());
            }
            return Err(error(format!("unknown label or helper '{shown}'")));
        }
        if shown.ends_with('f') && shown.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(error(format!(
                "'{shown}' refers ahead to a label '{}:', but none comes after it",
                &shown[..shown.len() - 1]
            )));
        }
        return Err(error(format!("unknown label '{shown}'")));
    };
    if target >= total {
        return Err(error(format!(
            "label '{shown}' is at the end of the program: a jump needs an instruction to land on"
        )));
    }
    let offset = target as i64 - (slot as i64 + 1);
    let bits = if insn.offset_is_wide() { 32 } else { 16 };
    if offset < -(1 << (bits - 1)) || offset >= 1 << (bits - 1) {
        let hint = if bits == 16 { " (gotol takes a 32-bit offset)" } else { "" };
        return Err(error(format!(
            "label '{shown}' is {offset:+} slots away: the offset does not fit in {bits} bits{hint}"
        )));
    }
    if let Some(field) = insn.target_mut() {
        *field = Target::Label(label);
    }
    Ok(())
}
