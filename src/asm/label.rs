//! Jump targets as typed handles.
//!
//! A [`Label`] is made unbound by [`ProgramBuilder::label`], bound once to the
//! next instruction by [`ProgramBuilder::bind`] (or made bound with
//! [`ProgramBuilder::here`]), and resolved into offsets by the assembler. A
//! label that is used but never bound, bound twice, or used in a program that
//! did not make it is an assemble-time error naming the Rust lines involved.
//!
//! [`ProgramBuilder::label`]: super::ProgramBuilder::label
//! [`ProgramBuilder::bind`]: super::ProgramBuilder::bind
//! [`ProgramBuilder::here`]: super::ProgramBuilder::here

use std::fmt;

use super::chunked::Chunked;
use super::origin::{Loc, Origin, TEXT};

/// A jump or call target inside one program.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Label {
    pub(crate) program: u32,
    pub(crate) index: u32,
}

impl fmt::Debug for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Label(.L{})", self.index)
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, ".L{}", self.index)
    }
}

/// Where a jump goes: a label, before assembly, or a relative offset in
/// instruction slots from the next instruction (what the kernel encodes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// A label, resolved by the assembler.
    Label(Label),
    /// A resolved offset, relative to the slot after the jump.
    Offset(i32),
}

impl From<Label> for Target {
    fn from(l: Label) -> Target {
        Target::Label(l)
    }
}

impl From<i32> for Target {
    fn from(off: i32) -> Target {
        Target::Offset(off)
    }
}

/// What the builder knows of one label: 24 bytes, as a large program
/// makes a label every few instructions.
#[derive(Clone, Copy, Debug)]
struct LabelState {
    /// Where it was made ([`TEXT`]: see [`Labels::text`]).
    created_at: Loc,
    /// The slot it is bound to, and where it was bound (likewise).
    bound: Option<(usize, Loc)>,
}

/// The labels of one program, by index.
///
/// Names live apart from the states: most labels have none. So do the
/// positions of labels the text assembler makes: a state names only Rust
/// lines, and [`TEXT`] for those.
#[derive(Clone, Debug, Default)]
pub(crate) struct Labels {
    states: Chunked<LabelState>,
    /// (label index, name), by index.
    names: Vec<(u32, Box<str>)>,
    /// (label index, whether it is the binding, position) of each text origin.
    text: Vec<(u32, bool, Origin)>,
}

impl Labels {
    /// Records a new, unbound label and returns its index.
    pub fn add(&mut self, created_at: Origin, name: Option<String>) -> u32 {
        let index = self.states.len() as u32;
        let created_at = self.store(index, false, created_at);
        self.states.push(LabelState { created_at, bound: None });
        if let Some(name) = name {
            self.names.push((index, name.into_boxed_str()));
        }
        index
    }

    /// The location to keep in a state for `at`.
    fn store(&mut self, index: u32, binding: bool, at: Origin) -> Loc {
        match at {
            Origin::Rust(at) => at,
            text => {
                self.text.push((index, binding, text));
                TEXT
            }
        }
    }

    /// The origin `at`, kept in a state of label `index`, stands for.
    #[cold]
    fn origin(&self, index: u32, binding: bool, at: Loc) -> Origin {
        if !std::ptr::eq(at, TEXT) {
            return Origin::Rust(at);
        }
        let found = self.text.iter().find(|(i, b, _)| *i == index && *b == binding);
        found.map_or(Origin::Rust(at), |(_, _, origin)| *origin)
    }

    /// Whether label `index` exists.
    pub fn exists(&self, index: u32) -> bool {
        (index as usize) < self.states.len()
    }

    /// The slot label `index` is bound to.
    pub fn bound(&self, index: u32) -> Option<usize> {
        self.states.get(index as usize)?.bound.map(|(slot, _)| slot)
    }

    /// Where label `index` was made.
    pub fn created_at(&self, index: u32) -> Option<Origin> {
        let state = self.states.get(index as usize)?;
        Some(self.origin(index, false, state.created_at))
    }

    /// Where label `index` was bound.
    pub fn bound_at(&self, index: u32) -> Option<Origin> {
        let (_, at) = self.states.get(index as usize)?.bound?;
        Some(self.origin(index, true, at))
    }

    /// Binds label `index`, which exists and is unbound, to `slot`.
    pub fn bind(&mut self, index: u32, slot: usize, at: Origin) {
        let at = self.store(index, true, at);
        if let Some(state) = self.states.get_mut(index as usize) {
            state.bound = Some((slot, at));
        }
    }

    /// The name for listings and errors (`.L3` when it has none).
    pub fn name(&self, index: u32) -> String {
        match self.names.binary_search_by_key(&index, |(i, _)| *i) {
            Ok(k) => self.names[k].1.to_string(),
            Err(_) => format!(".L{index}"),
        }
    }
}

/// A slot whose target is a label, for the assembler to patch: 8 bytes, as
/// a large program has one every few instructions.
///
/// Slots are counted in 32 bits, as the kernel counts them
/// ([`assemble`](super::ProgramBuilder::assemble) refuses longer programs).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fixup {
    /// The slot of the jump, call or function load.
    slot: u32,
    /// The label's index, with [`WIDE`] set for an `imm` field.
    label: u32,
}

/// The bit of [`Fixup::label`] that says the target goes in `imm`.
const WIDE: u32 = 1 << 31;

impl Fixup {
    /// `None` past 2^32 slots or 2^31 labels, which no program reaches.
    pub fn new(slot: usize, label: u32, field: Field) -> Option<Fixup> {
        let slot = u32::try_from(slot).ok()?;
        let wide = if field == Field::Imm { WIDE } else { 0 };
        (label & WIDE == 0).then_some(Fixup { slot, label: label | wide })
    }

    /// The slot of the jump.
    pub fn slot(self) -> usize {
        self.slot as usize
    }

    /// The index of the label it jumps to.
    pub fn label(self) -> u32 {
        self.label & !WIDE
    }

    /// The field the offset goes in.
    pub fn field(self) -> Field {
        if self.label & WIDE != 0 { Field::Imm } else { Field::Off }
    }
}

/// Which field of a slot holds a target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    /// The signed 16-bit `off` (jumps, `goto`, `may_goto`).
    Off,
    /// The signed 32-bit `imm` (`gotol`, local calls, function loads).
    Imm,
}
