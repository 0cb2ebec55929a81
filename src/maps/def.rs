//! The shape the kernel knows a map by.

use super::{MapFlags, MapType};

/// The shape the kernel knows a map by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MapDef {
    /// The map type.
    pub map_type: MapType,
    /// Key size in bytes.
    pub key_size: u32,
    /// Value size in bytes (of one CPU's value for per-CPU maps).
    pub value_size: u32,
    /// Maximum number of entries.
    pub max_entries: u32,
    /// Creation flags.
    pub flags: MapFlags,
}
