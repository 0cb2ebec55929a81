//! Object names as the kernel keeps them: 15 bytes of `[A-Za-z0-9_.]`,
//! NUL-padded in a 16-byte field.

use crate::{Error, Result};

/// A kernel object name: at most 15 bytes of `[A-Za-z0-9_.]`, NUL-padded.
pub(crate) fn object_name(name: &str, what: &'static str) -> Result<[u8; 16]> {
    if name.len() > 15 {
        return Err(Error::InvalidArgument {
            what,
            why: format!("{name:?} is {} bytes; the kernel keeps at most 15", name.len()),
        });
    }
    if let Some(bad) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '.'))
    {
        return Err(Error::InvalidArgument {
            what,
            why: format!(
                "{name:?} contains {bad:?}; the kernel allows letters, digits, '_' and '.'"
            ),
        });
    }
    let mut out = [0u8; 16];
    out[..name.len()].copy_from_slice(name.as_bytes());
    Ok(out)
}

/// A NUL-padded kernel name as a string.
pub(crate) fn c_name(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}
