//! The crate's maps as the assembler's map handles: what lets
//! `ld_map_fd(R1, &counts)` take any map, typed or not, while the
//! assembler knows nothing of maps or fds.

use crate::asm::{MapHandle, SharedMap};

use super::MapFd;

/// Every map that is `AsRef<MapFd>`: the untyped map and the typed ones.
/// The program keeps a clone of the `MapFd` (sharing its fd), and the
/// loader finds it again by its type.
impl<T: AsRef<MapFd> + 'static> MapHandle for T {
    fn name(&self) -> &str {
        self.as_ref().name()
    }

    fn share(&self) -> SharedMap {
        SharedMap::new(self.as_ref().clone())
    }

    fn identity(&self) -> *const () {
        self.as_ref().identity()
    }
}
