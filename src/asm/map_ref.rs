//! Map references: what an `LD_IMM64` of a map names, as the assembler
//! knows it — never an fd.
//!
//! The assembler is the ISA and nothing else: it is tested and used with no
//! kernel and no map fds. So a map operand is one of three things
//! the assembler cannot turn into an fd:
//!
//! - a [`SharedMap`]: a handle to a live map, made by the [`MapHandle`]
//!   trait that this module declares and the crate's maps implement. The
//!   program keeps the handle (so the map stays open while the program can
//!   refer to it), compares handles by the identity of the map object and
//!   lists the map by its name; the loader, which knows the map type, finds
//!   the fd and writes it into the instruction;
//! - a name (`r1 = counts ll`), bound to a map before loading;
//! - the number an instruction decoded from bytes or read from text
//!   carries (`map_fd(3)`): data about an instruction, not an open map.
//!
//! Why a trait rather than a name or an index alone: `ld_map_fd(R1, &counts)`
//! has to keep taking the map itself (so that it stays open, and so that two
//! maps of one name cannot be confused), and the assembler cannot name the
//! map type without importing the kernel layer. A one-method-per-need trait
//! it declares lets it hold the map without knowing what it is; the fd stays
//! where the map type is known.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

/// A map a program can refer to: what [`ld_map_fd`] and [`ld_map_value`]
/// take, and what [`Assembled::bind_map`] binds a name to.
///
/// The crate's maps implement it (every type that is `AsRef` of the
/// untyped map: the untyped map and the typed ones). Nothing in it is an
/// fd: the assembler keeps a [`SharedMap`] and the loader, which knows the
/// map type, finds the fd when it loads the program. A type of another
/// crate may implement it by handing out, in [`share`](Self::share), a
/// handle to one of the crate's maps; a handle the loader does not know is
/// an error at load, naming the instruction.
///
/// [`ld_map_fd`]: super::ProgramBuilder::ld_map_fd
/// [`ld_map_value`]: super::ProgramBuilder::ld_map_value
/// [`Assembled::bind_map`]: super::Assembled::bind_map
pub trait MapHandle: Any {
    /// The map's name, as listings show it (`r1 = NAME ll`).
    fn name(&self) -> &str;

    /// A handle of the program's own to the same map, which keeps the map
    /// alive for as long as the program refers to it.
    fn share(&self) -> SharedMap;

    /// An address that identifies the map object while a handle to it
    /// lives: the same for every handle to one map, another for every other
    /// map. References are compared, and maps kept once, by it.
    fn identity(&self) -> *const ();
}

/// A map a program refers to, as the program keeps it: alive, named and
/// compared by identity (two handles to one map are equal), never an fd.
#[derive(Clone)]
pub struct SharedMap(Arc<dyn MapHandle + Send + Sync>);

impl SharedMap {
    /// Shares `map`: what [`MapHandle::share`] returns.
    pub fn new(map: impl MapHandle + Send + Sync) -> SharedMap {
        SharedMap(Arc::new(map))
    }

    /// The map's name.
    pub fn name(&self) -> &str {
        self.0.name()
    }

    /// Whether `self` and `other` are handles to the same map.
    pub fn same_map(&self, other: &dyn MapHandle) -> bool {
        self.0.identity() == other.identity()
    }

    /// The handle as what it is, for the loader to recognise its map type.
    pub fn as_any(&self) -> &dyn Any {
        &*self.0
    }
}

impl PartialEq for SharedMap {
    /// Handles to the same map are equal.
    fn eq(&self, other: &SharedMap) -> bool {
        self.same_map(&*other.0)
    }
}

impl Eq for SharedMap {}

impl fmt::Debug for SharedMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SharedMap").field(&self.name()).finish()
    }
}

/// The map an `LD_IMM64` refers to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MapRef {
    /// A live map (`ld_map_fd`): the program keeps it open, and the loader
    /// writes its fd into the instruction. Two are equal when they are the
    /// same map.
    Map(SharedMap),
    /// The number in the instruction's `imm`, as decoded from bytes or read
    /// from text (`map_fd(3)`): data about an instruction, not an open map.
    Fd(i32),
    /// A map known by name only (`ld_map_by_name`, or `r1 = NAME ll` in
    /// text); bound to a map before the program loads.
    Name(String),
}

impl MapRef {
    /// The number the instruction's `imm` carries when encoded: the number
    /// itself for [`Fd`](Self::Fd); 0 for a live or named map, whose slot
    /// the loader fills with the map's fd.
    pub fn fd_number(&self) -> i32 {
        match self {
            MapRef::Fd(fd) => *fd,
            MapRef::Map(_) | MapRef::Name(_) => 0,
        }
    }
}

/// A map with no kernel behind it, for the assembler's unit tests: a name
/// and an identity.
#[cfg(test)]
pub(crate) struct Fake(pub(crate) Arc<str>);

#[cfg(test)]
impl MapHandle for Fake {
    fn name(&self) -> &str {
        &self.0
    }
    fn share(&self) -> SharedMap {
        SharedMap::new(Fake(self.0.clone()))
    }
    fn identity(&self) -> *const () {
        Arc::as_ptr(&self.0).cast()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_compare_by_map_not_by_number() {
        let a = Fake("counts".into());
        let b = Fake("counts".into());
        let (a1, a2, b1) = (MapRef::Map(a.share()), MapRef::Map(a.share()), MapRef::Map(b.share()));
        assert_eq!(a1, a2, "two handles to one map");
        assert_ne!(a1, b1, "two maps of one name");
        assert_ne!(a1, MapRef::Fd(0), "a live map is not the number its slot holds");
        assert_ne!(a1, MapRef::Name("counts".into()));
        assert_eq!(MapRef::Fd(3), MapRef::Fd(3));
        assert_eq!(a1.fd_number(), 0);
        assert!(a.share().as_any().is::<Fake>());
    }
}
