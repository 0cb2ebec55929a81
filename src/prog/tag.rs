//! [`ProgTag`]: the kernel's hash of a program's instructions.

use std::fmt;

/// A program's tag: the kernel's 8-byte hash of its instructions, the same
/// for two loads of the same code. Displayed as bpftool writes it: 16
/// lower-case hex digits.
///
/// ```
/// use bpfkit::prog::ProgTag;
/// let tag = ProgTag([0x59, 0xf4, 0xa9, 0x31, 0x74, 0x4d, 0xcd, 0xc6]);
/// assert_eq!(tag.to_string(), "59f4a931744dcdc6");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ProgTag(pub [u8; 8]);

impl fmt::Display for ProgTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}
