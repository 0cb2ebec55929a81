//! The text assembler: LLVM's BPF assembler syntax into a
//! [`ProgramBuilder`], in three steps: [`lex`] splits lines into statements
//! of tokens, [`statement`] reads each into labels and an instruction, and
//! [`parse`] binds the labels, resolves the names instructions use and
//! records every instruction with its line and column.

mod cursor;
mod lex;
mod statement;

use std::collections::HashMap;
use std::fmt;

use cursor::Name;
use statement::{Item, Symbol};

use super::{Call, Helper, HelperId, Insn, Label, Origin, ProgramBuilder, Target};

/// Why a text does not assemble: where, and what was expected and found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// The 1-based line.
    pub line: u32,
    /// The 1-based column, in characters.
    pub column: u32,
    /// What is wrong, e.g. `expected a register (r0-r11), found 'r12'`.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for ParseError {}

/// Parses LLVM's BPF assembler syntax into a program builder.
///
/// It reads what `llvm-mc -triple bpfel` reads for every instruction the IR
/// has, and everything [`Insn`]'s `Display` prints, so that text printed by
/// the disassembler reads back as the same instructions:
///
/// - one instruction per line, or several separated by `;`; comments from
///   `#` or `//` to the end of the line;
/// - labels (`name:`, alone or before an instruction) and symbolic targets
///   (`goto name`, `if r1 > 0 goto name`, `gotol name`, `may_goto name`,
///   `call name`, `r1 = func(name) ll`), or offsets in slots (`goto +3`);
/// - `call N` and `call bpf_map_lookup_elem` (a helper by its `bpf.h` name;
///   `call name` is a local call when `name` is a label);
/// - `r1 = NAME ll` for a map by name, bound later with
///   [`Assembled::bind_map`](super::Assembled::bind_map);
/// - numbers in decimal or `0x` hex, negative or not; a 32-bit immediate
///   may also be written unsigned, as LLVM allows (`r1 &= 0xffffffff` is
///   `r1 &= -1`), and a 64-bit constant takes ` ll` (`r1 = 0x1234 ll`);
/// - `r` registers for 64-bit operations and `w` registers for 32-bit ones
///   (`w1 += w2`), where LLVM takes them;
/// - `.8byte 0x...` for a raw 8-byte word, so any bytes read back;
/// - this crate's spellings of the forms LLVM has no text for
///   (`map_fd(3)`, `map_value(3, 8)`, `btf_id(7)`, `call pc+5`,
///   `call kfunc(7)`, `skb[r1 + 5]`, ...).
///
/// Everything the text alone shows to be wrong is a [`ParseError`] naming
/// the line and column: an unknown or duplicate label, a register that does
/// not exist or is read-only, a value that does not fit its field. Each
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
    let mut items = Vec::new();
    for s in lex::statements(source)? {
        statement::statement(&s, &mut items)?;
    }
    let labels = bind_labels(&items)?;
    let total = items.iter().map(|item| match item {
        Item::Insn { insn, .. } => insn.slots(),
        Item::Label { .. } => 0,
    });
    let total: usize = total.sum();

    let mut b = ProgramBuilder::new();
    let mut handles: HashMap<&str, Label> = HashMap::new();
    for item in &items {
        if let Item::Label { name, line, column } = *item {
            let at = Origin::Text { line, column };
            handles.insert(name, b.new_label_at(Some(name.to_owned()), at));
        }
    }
    let mut slot = 0;
    for item in items {
        match item {
            Item::Label { name, line, column } => {
                if let Some(&label) = handles.get(name) {
                    b.bind_at(label, Origin::Text { line, column });
                }
            }
            Item::Insn { mut insn, line, column, symbol } => {
                let slots = insn.slots();
                if let Some(symbol) = symbol {
                    resolve(&mut insn, symbol, line, slot, total, &labels, &handles)?;
                }
                b.push_at(insn, Origin::Text { line, column });
                slot += slots;
            }
        }
    }
    Ok(b)
}

/// Each label's slot; a label defined twice is an error at the second.
fn bind_labels<'a>(items: &[Item<'a>]) -> Result<HashMap<&'a str, (usize, u32)>, ParseError> {
    let mut labels = HashMap::new();
    let mut slot = 0;
    for item in items {
        match *item {
            Item::Label { name, line, column } => {
                if let Some((_, first)) = labels.insert(name, (slot, line)) {
                    return Err(ParseError {
                        line,
                        column,
                        message: format!("label '{name}' is already defined on line {first}"),
                    });
                }
            }
            Item::Insn { ref insn, .. } => slot += insn.slots(),
        }
    }
    Ok(labels)
}

/// Points `insn`, at `slot` on `line`, at the label `symbol` names (or, for
/// `call name`, at the helper), checking that the label exists, marks an
/// instruction and is near enough for the instruction's offset field.
fn resolve(
    insn: &mut Insn,
    symbol: Symbol<'_>,
    line: u32,
    slot: usize,
    total: usize,
    labels: &HashMap<&str, (usize, u32)>,
    handles: &HashMap<&str, Label>,
) -> Result<(), ParseError> {
    let (Symbol::Label(Name { name, column }) | Symbol::Call(Name { name, column })) = symbol;
    let is_call = matches!(symbol, Symbol::Call(_));
    let error = |message: String| ParseError { line, column, message };
    let (Some(&(target, _)), Some(&label)) = (labels.get(name), handles.get(name)) else {
        if is_call {
            if let Some(helper) = Helper::from_name(name) {
                *insn = Insn::Call(Call::Helper(HelperId::from(helper)));
                return Ok(());
            }
            return Err(error(format!("unknown label or helper '{name}'")));
        }
        return Err(error(format!("unknown label '{name}'")));
    };
    if target >= total {
        return Err(error(format!(
            "label '{name}' is at the end of the program: a jump needs an instruction to land on"
        )));
    }
    let offset = target as i64 - (slot as i64 + 1);
    let bits = if insn.offset_is_wide() { 32 } else { 16 };
    if offset < -(1 << (bits - 1)) || offset >= 1 << (bits - 1) {
        let hint = if bits == 16 { " (gotol takes a 32-bit offset)" } else { "" };
        return Err(error(format!(
            "label '{name}' is {offset:+} slots away: the offset does not fit in {bits} bits{hint}"
        )));
    }
    if let Some(field) = insn.target_mut() {
        *field = Target::Label(label);
    }
    Ok(())
}
