//! Global variables: one `#[repr(C)]` value in a one-element array, what
//! C's `.data`/`.bss` ([`Global`]) and `.rodata` ([`ReadOnlyGlobal`])
//! sections become. Programs reach a field by name with
//! [`ld_field`](crate::asm::ProgramBuilder::ld_field) and
//! [`field!`](crate::field) (or at an offset with
//! [`ld_map_value`](crate::asm::ProgramBuilder::ld_map_value)): a direct
//! load, no helper call.

use super::Plain;
use super::array::Array;
use super::fd::MapFd;
use super::mmap::ArrayView;
use super::types::MapFlags;
use crate::Result;
use crate::asm::ValueMap;

/// A global variable programs read and write, mapped into this process's
/// memory: reading or writing it from Rust is a memory access, not a
/// syscall.
///
/// The memory is shared with the programs, so [`get`](Self::get) and
/// [`set`](Self::set) copy the whole value (a field a program writes
/// meanwhile may be seen half-updated if it is wider than 8 bytes).
///
/// ```no_run
/// use bpfkit::asm::{ProgramBuilder, R0, R1, Size};
/// use bpfkit::maps::Global;
///
/// #[repr(C)]
/// #[derive(Clone, Copy, zerocopy::FromBytes, zerocopy::IntoBytes, zerocopy::Immutable, zerocopy::KnownLayout)]
/// struct Config { threshold: u64 }
///
/// let mut config = Global::create("config", &Config { threshold: 100 })?;
/// let mut b = ProgramBuilder::new();
/// b.ld_field(R1, &config, bpfkit::field!(Config, threshold)).ldx(Size::DW, R0, R1, 0).exit();
/// config.set(&Config { threshold: 200 })?; // seen by the program's next run
/// # Ok::<(), bpfkit::Error>(())
/// ```
#[derive(Debug)]
pub struct Global<T> {
    view: ArrayView<T>,
}

impl<T: Plain> Global<T> {
    /// A global named `name` holding `initial`.
    pub fn create(name: &str, initial: &T) -> Result<Global<T>> {
        let array = Array::<T>::create(name, 1, MapFlags::MMAPABLE)?;
        let mut view = array.mmap()?;
        view.set(0, initial)?;
        Ok(Global { view })
    }

    /// A copy of the value.
    pub fn get(&self) -> T {
        // A one-element view always has element 0; zeros are never seen.
        self.view.get(0).unwrap_or_else(T::new_zeroed)
    }

    /// Writes the value.
    pub fn set(&mut self, value: &T) -> Result<()> {
        self.view.set(0, value)
    }

    /// The map.
    pub fn map(&self) -> &MapFd {
        self.view.map()
    }
}

/// A constant for programs: written once, then frozen before any program
/// loads with it (`BPF_F_RDONLY_PROG` and `BPF_MAP_FREEZE`), so the
/// verifier knows its fields' values and prunes the branches they rule
/// out, as C's `const volatile` globals in `.rodata`.
#[derive(Debug)]
pub struct ReadOnlyGlobal<T> {
    array: Array<T>,
}

impl<T: Plain> ReadOnlyGlobal<T> {
    /// A read-only global named `name` holding `value`, frozen.
    pub fn create(name: &str, value: &T) -> Result<ReadOnlyGlobal<T>> {
        let array = Array::<T>::create(name, 1, MapFlags::RDONLY_PROG | MapFlags::MMAPABLE)?;
        array.set(0, value)?;
        array.map().freeze()?;
        Ok(ReadOnlyGlobal { array })
    }

    /// The value (a lookup: the map is frozen, this is what programs see).
    pub fn get(&self) -> Result<T> {
        self.array.get(0)
    }

    /// The map.
    pub fn map(&self) -> &MapFd {
        self.array.map()
    }
}

impl<T: Plain> AsRef<MapFd> for Global<T> {
    fn as_ref(&self) -> &MapFd {
        self.view.map()
    }
}

impl<T> AsRef<MapFd> for ReadOnlyGlobal<T> {
    fn as_ref(&self) -> &MapFd {
        self.array.as_ref()
    }
}

impl<T: Plain + 'static> ValueMap for Global<T> {
    type Value = T;
}

impl<T: 'static> ValueMap for ReadOnlyGlobal<T> {
    type Value = T;
}
