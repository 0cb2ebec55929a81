//! The walk over every kernel id of one kind of object (`BPF_*_GET_NEXT_ID`).

use crate::sys::{self, Cmd};
use crate::{Error, Result};

/// Iterates `BPF_*_GET_NEXT_ID`.
pub(crate) fn ids(cmd: Cmd) -> impl Iterator<Item = Result<u32>> {
    let mut next = Some(0u32);
    std::iter::from_fn(move || {
        let start = next?;
        match sys::obj::next_id(cmd, start) {
            Ok(Some(id)) => {
                next = Some(id);
                Some(Ok(id))
            }
            Ok(None) => {
                next = None;
                None
            }
            Err(e) => {
                next = None;
                Some(Err(Error::syscall(cmd, e)))
            }
        }
    })
}
