//! [`ProgramArray`]: the jump table of tail calls
//! (`BPF_MAP_TYPE_PROG_ARRAY`).

use std::marker::PhantomData;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::path::Path;

use super::kind::{ProgKind, Untyped};
use super::program::Program;
use crate::maps::{MapFd, MapSpec, UpdateMode};
use crate::sys::{MapType, ProgType};
use crate::{Errno, Error, Result};

/// A jump table for tail calls: slot `i` holds a program, and
/// `tail_call(ctx, table, i)` in a program of the same kind jumps into it
/// (never returning), or falls through to the next instruction when the
/// slot is empty.
///
/// The kernel ties a table to the type of the first program that uses it
/// (loads with it, or is stored in it): every program in it must be of that
/// type. `K` carries it, so a program of another kind does not compile into
/// [`set`](Self::set); an untyped table (opened by pin or id) checks at run
/// time and names both types.
///
/// ```no_run
/// # fn demo(a: &bpfkit::prog::Program<bpfkit::prog::kind::Xdp>) -> bpfkit::Result<()> {
/// use bpfkit::prog::ProgramArray;
/// use bpfkit::prog::kind::Xdp;
/// let table = ProgramArray::<Xdp>::create("jmp_table", 8)?;
/// table.set(0, a)?;
/// assert_eq!(table.get(0)?, Some(a.info()?.id));
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct ProgramArray<K = Untyped> {
    map: MapFd,
    kind: PhantomData<fn() -> K>,
}

impl<K: ProgKind> ProgramArray<K> {
    /// A table of `slots` empty slots for programs of kind `K`.
    pub fn create(name: &str, slots: u32) -> Result<ProgramArray<K>> {
        let map = MapSpec::new(MapType::PROG_ARRAY, 4, 4, slots).name(name).create()?;
        Ok(ProgramArray { map, kind: PhantomData })
    }
}

impl ProgramArray {
    /// Wraps a map, checked to be a program array.
    pub fn from_map(map: MapFd) -> Result<ProgramArray> {
        if map.map_type() != MapType::PROG_ARRAY {
            return Err(Error::InvalidArgument {
                what: "program array",
                why: format!("map {:?} is a {} map, not prog_array", map.name(), map.map_type()),
            });
        }
        Ok(ProgramArray { map, kind: PhantomData })
    }

    /// Opens the program array pinned at `path`.
    pub fn open_pinned(path: impl AsRef<Path>) -> Result<ProgramArray> {
        ProgramArray::from_map(MapFd::open_pinned(path)?)
    }
}

impl<K> ProgramArray<K> {
    /// Puts `prog` in slot `index`, replacing what was there. A program of
    /// another type than the table's is [`Error::WrongProgType`], naming
    /// both.
    pub fn set(&self, index: u32, prog: &Program<K>) -> Result<()> {
        self.map.check_indices(&[index])?;
        let fd = prog.fd().as_raw_fd().to_ne_bytes();
        match self.map.update_bytes(&index.to_ne_bytes(), &fd, UpdateMode::Any) {
            Err(e) if e.errno() == Some(Errno::EINVAL) => Err(self.wrong_type(prog, e)),
            other => other,
        }
    }

    /// Empties slot `index`: a tail call there falls through. `false` if it
    /// was empty.
    pub fn clear(&self, index: u32) -> Result<bool> {
        self.map.check_indices(&[index])?;
        self.map.delete_bytes(&index.to_ne_bytes())
    }

    /// The id of the program in slot `index`, or `None` if it is empty.
    pub fn get(&self, index: u32) -> Result<Option<u32>> {
        self.map.check_indices(&[index])?;
        let mut id = [0u8; 4];
        Ok(self.map.lookup_bytes(&index.to_ne_bytes(), &mut id)?.then(|| u32::from_ne_bytes(id)))
    }

    /// The program type the kernel tied the table to, once a program used
    /// it (`owner_prog_type` in its fdinfo).
    pub fn owner_type(&self) -> Result<Option<ProgType>> {
        Ok(self.map.info()?.owner_prog_type)
    }

    /// Pins the table at `path`.
    pub fn pin(&self, path: impl AsRef<Path>) -> Result<()> {
        self.map.pin(path)
    }

    /// The table as a map.
    pub fn map(&self) -> &MapFd {
        &self.map
    }

    /// The table's file descriptor.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.map.fd()
    }

    /// `EINVAL` from a store: the program's type is not the table's (or it
    /// differs in being JIT-compiled, or is not a program at all).
    fn wrong_type(&self, prog: &Program<K>, e: Error) -> Error {
        match self.owner_type() {
            Ok(Some(owner)) if owner != prog.prog_type() => Error::WrongProgType {
                program: format!(
                    "{:?} (for slot of program array {:?})",
                    prog.name(),
                    self.map.name()
                ),
                expected: owner,
                found: prog.prog_type(),
            },
            _ => e,
        }
    }
}

impl<K> AsRef<MapFd> for ProgramArray<K> {
    fn as_ref(&self) -> &MapFd {
        &self.map
    }
}
