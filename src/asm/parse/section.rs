//! What a text has said so far that later statements depend on: which
//! section they go to (only executable sections hold the program), and how
//! often each numeric label (`1:`) has been defined.
//!
//! `clang -S -target bpf` writes a program's code in a section such as
//! `.section xdp,"ax",@progbits`, its maps in `.maps`, its license in
//! `license`, and debug information in yet others; the assembler keeps the
//! instructions and labels of executable sections and passes over the data
//! of the others.

use std::collections::HashMap;

/// A section as the text named it, and whether it holds code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Section {
    pub name: String,
    pub code: bool,
}

impl Section {
    /// `.text`, where a text starts.
    pub fn text() -> Section {
        Section { name: ".text".into(), code: true }
    }

    /// A section by its name and `flags` (the quoted second argument of
    /// `.section`, if any): code when the flags have `x`, or, without
    /// flags, when the name is `.text` or starts with `.text.`.
    pub fn named(name: &str, flags: Option<&str>) -> Section {
        let code = match flags {
            Some(flags) => flags.contains('x'),
            None => name == ".text" || name.starts_with(".text."),
        };
        Section { name: name.into(), code }
    }
}

/// The state the statements of one text share.
#[derive(Debug)]
pub(super) struct Context {
    /// The section statements go to now.
    pub section: Section,
    /// The previous one, for `.previous`.
    pub previous: Section,
    /// `.pushsection`'s stack.
    pub stack: Vec<Section>,
    /// How often each numeric label has been defined so far.
    numeric: HashMap<u64, u64>,
}

impl Context {
    pub fn new() -> Context {
        Context {
            section: Section::text(),
            previous: Section::text(),
            stack: Vec::new(),
            numeric: HashMap::new(),
        }
    }

    /// Switches to `section`.
    pub fn switch(&mut self, section: Section) {
        self.previous = std::mem::replace(&mut self.section, section);
    }

    /// How often `number:` has been defined so far.
    pub fn numeric_count(&self, number: u64) -> u64 {
        self.numeric.get(&number).copied().unwrap_or(0)
    }

    /// Defines `number:` once more; returns which definition this is.
    pub fn define_numeric(&mut self, number: u64) -> u64 {
        let count = self.numeric.entry(number).or_insert(0);
        *count += 1;
        *count - 1
    }
}
