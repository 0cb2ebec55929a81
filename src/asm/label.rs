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
use std::panic::Location;

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

/// What the builder knows of one label.
#[derive(Clone, Debug)]
pub(crate) struct LabelState {
    /// The instruction index it is bound to.
    pub bound_to: Option<usize>,
    pub created_at: &'static Location<'static>,
    pub bound_at: Option<&'static Location<'static>>,
    /// A name for listings and errors (`.L3` when none).
    pub name: Option<String>,
}
