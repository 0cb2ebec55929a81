//! Kernel helper functions by name: `enum bpf_func_id` of `linux/bpf.h`.
//!
//! The table itself ([`Helper`], its id order and its C names) is in
//! `helper/table.rs`, generated from the helper list of the UAPI header by
//! `tests/helper_table.rs`, which also fails when the checked-in file is not
//! its output: regenerate with
//! `BPFKIT_REGEN_HELPERS=1 cargo test --test helper_table`. The list is the
//! 6.1 header's plus the two helpers added since (`cgrp_storage_get`,
//! `cgrp_storage_delete`); it has been frozen since, new kernel functions are
//! kfuncs. This file is the hand-written part: lookups by id and name.

use std::fmt;

mod table;

pub use table::Helper;
use table::{ALL, NAMES};

impl Helper {
    /// The kernel's id for this helper (`BPF_FUNC_*`).
    pub fn id(self) -> u32 {
        self as u32
    }

    /// The helper with kernel id `id`, if this crate knows it.
    pub fn from_id(id: u32) -> Option<Helper> {
        ALL.get(usize::try_from(id).ok()?.checked_sub(1)?).copied()
    }

    /// The C name, e.g. `"bpf_map_lookup_elem"`.
    pub fn name(self) -> &'static str {
        name_at(self as usize - 1)
    }

    /// The helper named `name`, with or without the `bpf_` prefix.
    pub fn from_name(name: &str) -> Option<Helper> {
        let name = name.strip_prefix("bpf_").unwrap_or(name);
        let index = (0..ALL.len()).position(|i| name_at(i).strip_prefix("bpf_") == Some(name))?;
        Some(ALL[index])
    }

    /// Every helper this crate knows, in id order.
    pub fn all() -> &'static [Helper] {
        &ALL
    }
}

/// The names, packed at compile time into one run of bytes with the end of
/// each. `NAMES` itself is never read at run time: an array of 211 `&str`
/// would cost a static binary 16 bytes of table and a 24-byte relocation
/// per name.
struct Packed {
    text: [u8; PACKED_LEN],
    ends: [u16; NAMES.len()],
}

const PACKED_LEN: usize = {
    let (mut len, mut i) = (0, 0);
    while i < NAMES.len() {
        len += NAMES[i].len();
        i += 1;
    }
    len
};

static PACKED: Packed = {
    let mut packed = Packed { text: [0; PACKED_LEN], ends: [0; NAMES.len()] };
    let (mut at, mut i) = (0, 0);
    while i < NAMES.len() {
        let name = NAMES[i].as_bytes();
        let mut j = 0;
        while j < name.len() {
            packed.text[at] = name[j];
            at += 1;
            j += 1;
        }
        assert!(at <= u16::MAX as usize, "the helper names outgrew u16 offsets");
        packed.ends[i] = at as u16;
        i += 1;
    }
    packed
};

/// The name of the helper at `index` in [`ALL`].
fn name_at(index: usize) -> &'static str {
    let start = match index.checked_sub(1) {
        Some(before) => PACKED.ends[before],
        None => 0,
    };
    let end = PACKED.ends[index];
    // Whole names of a `&str` array: always UTF-8.
    std::str::from_utf8(&PACKED.text[usize::from(start)..usize::from(end)]).unwrap_or_default()
}

impl fmt::Display for Helper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A helper id as it goes into a `call` instruction: a named [`Helper`] or
/// any raw id (for helpers newer than this crate, or for testing the verifier).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HelperId(pub i32);

impl HelperId {
    /// The named helper, when this crate knows the id.
    pub fn helper(self) -> Option<Helper> {
        u32::try_from(self.0).ok().and_then(Helper::from_id)
    }
}

impl From<Helper> for HelperId {
    fn from(h: Helper) -> HelperId {
        HelperId(h.id() as i32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_names_and_order_agree() {
        for (i, h) in Helper::all().iter().enumerate() {
            assert_eq!(h.id() as usize, i + 1);
            assert_eq!(Helper::from_id(h.id()), Some(*h));
            assert_eq!(Helper::from_name(h.name()), Some(*h));
            assert!(h.name().starts_with("bpf_"));
        }
        assert_eq!(Helper::from_id(0), None);
        assert_eq!(Helper::from_id(Helper::all().len() as u32 + 1), None);
    }

    #[test]
    fn well_known_ids() {
        // Spot checks against bpf.h's enum bpf_func_id.
        assert_eq!(Helper::MapLookupElem.id(), 1);
        assert_eq!(Helper::MapUpdateElem.id(), 2);
        assert_eq!(Helper::TailCall.id(), 12);
        assert_eq!(Helper::XdpAdjustHead.id(), 44);
        assert_eq!(Helper::RingbufOutput.id(), 130);
        assert_eq!(Helper::UserRingbufDrain.id(), 209);
        assert_eq!(Helper::CgrpStorageDelete.id(), 211);
    }
}
