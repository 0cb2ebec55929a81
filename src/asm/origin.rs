//! Where an instruction came from: a Rust line or a line of assembler text.
//!
//! The builder records an [`Origin`] for every instruction, label and
//! binding, so that assembler errors and verifier rejections point at the
//! source the programmer wrote: the Rust call for a program built with the
//! DSL, the `.s` line and column for one read by [`parse`](super::parse).

use std::fmt;
use std::panic::Location;

/// The source of an instruction.
///
/// ```
/// use bpfkit::asm::{Origin, parse};
///
/// let b = parse("r0 = 0\n  exit")?;
/// let prog = b.assemble()?;
/// assert_eq!(prog.location(1), Some(Origin::Text { line: 2, column: 3 }));
/// assert_eq!(prog.location(1).unwrap().to_string(), "line 2, column 3");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Origin {
    /// The Rust call that emitted it (`#[track_caller]`).
    Rust(&'static Location<'static>),
    /// A position in assembler text; both 1-based, the column in characters.
    Text {
        /// The line.
        line: u32,
        /// The column of the instruction's first character.
        column: u32,
    },
}

/// A Rust location, as the builder's tables keep origins: 8 bytes.
pub(crate) type Loc = &'static Location<'static>;

/// The location a table keeps for an origin read from text, whose position
/// it keeps beside. Compared by address only (the value of this static), so
/// that the Rust path, which builds programs of a million instructions,
/// stays a pointer copy: an `Origin` in every slot (16 bytes) was a tenth
/// slower to assemble.
pub(crate) static TEXT: Loc = Location::caller();

impl Origin {
    /// The location of the caller of the `#[track_caller]` function that calls this.
    #[track_caller]
    #[inline]
    pub fn caller() -> Origin {
        Origin::Rust(Location::caller())
    }

    /// The line, in the Rust file or in the text.
    pub fn line(self) -> u32 {
        match self {
            Origin::Rust(at) => at.line(),
            Origin::Text { line, .. } => line,
        }
    }

    /// The column, in the Rust file or in the text.
    pub fn column(self) -> u32 {
        match self {
            Origin::Rust(at) => at.column(),
            Origin::Text { column, .. } => column,
        }
    }

    /// The Rust file, for an instruction emitted by Rust code.
    pub fn file(self) -> Option<&'static str> {
        self.rust().map(Location::file)
    }

    /// The Rust location, for an instruction emitted by Rust code.
    pub fn rust(self) -> Option<&'static Location<'static>> {
        match self {
            Origin::Rust(at) => Some(at),
            Origin::Text { .. } => None,
        }
    }

    /// Whether two origins are the same, comparing Rust locations by
    /// address, as the source map does.
    #[cfg(test)]
    pub(crate) fn same(self, other: Origin) -> bool {
        match (self, other) {
            (Origin::Rust(a), Origin::Rust(b)) => std::ptr::eq(a, b),
            (a, b) => a == b,
        }
    }
}

impl From<&'static Location<'static>> for Origin {
    fn from(at: &'static Location<'static>) -> Origin {
        Origin::Rust(at)
    }
}

impl fmt::Display for Origin {
    /// `src/main.rs:12:5` for Rust, `line 12, column 5` for text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Rust(at) => at.fmt(f),
            Origin::Text { line, column } => write!(f, "line {line}, column {column}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_and_compares() {
        let here = Origin::caller();
        assert_eq!(here.file(), Some(file!()));
        assert_eq!(here.to_string(), format!("{}:{}:{}", file!(), here.line(), here.column()));
        let text = Origin::Text { line: 12, column: 5 };
        assert_eq!(text.to_string(), "line 12, column 5");
        assert_eq!((text.line(), text.column(), text.file()), (12, 5, None));
        assert!(text.same(Origin::Text { line: 12, column: 5 }));
        assert!(!text.same(here) && here.same(here));
    }
}
