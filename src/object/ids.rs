//! Objects by kernel id: the walk over every id of one kind
//! (`BPF_*_GET_NEXT_ID`) and the open of one (`BPF_*_GET_FD_BY_ID`).

use std::os::fd::OwnedFd;

use crate::sys::{self, Cmd, ObjectKind};
use crate::{Error, Result};

/// The commands that walk and open the objects of `kind`; `None` for
/// [`ObjectKind::Other`], which has no ids.
fn commands(kind: ObjectKind) -> Option<(Cmd, Cmd)> {
    Some(match kind {
        ObjectKind::Program => (Cmd::ProgGetNextId, Cmd::ProgGetFdById),
        ObjectKind::Map => (Cmd::MapGetNextId, Cmd::MapGetFdById),
        ObjectKind::Link => (Cmd::LinkGetNextId, Cmd::LinkGetFdById),
        ObjectKind::Btf => (Cmd::BtfGetNextId, Cmd::BtfGetFdById),
        ObjectKind::Other => return None,
    })
}

/// The ids of every object of `kind`, in increasing order.
pub(crate) fn ids(kind: ObjectKind) -> impl Iterator<Item = Result<u32>> {
    let cmd = commands(kind).map(|(next, _)| next);
    let mut next = cmd.map(|_| 0u32);
    std::iter::from_fn(move || {
        let (start, cmd) = (next?, cmd?);
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

/// Opens the object of `kind` with kernel id `id`. The caller checks the
/// fd's kind and reads its info, as for any other way of opening it.
pub(crate) fn open_by_id(kind: ObjectKind, id: u32) -> Result<OwnedFd> {
    let Some((_, cmd)) = commands(kind) else {
        return Err(Error::InvalidArgument {
            what: "object kind",
            why: format!("{kind} has no ids"),
        });
    };
    sys::obj::fd_by_id(cmd, id).map_err(|e| Error::syscall(cmd, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_files_have_no_ids() {
        assert_eq!(ids(ObjectKind::Other).count(), 0);
        let err = open_by_id(ObjectKind::Other, 1).unwrap_err();
        assert!(matches!(err, Error::InvalidArgument { .. }), "{err}");
    }

    #[test]
    fn every_kind_with_ids_has_its_own_commands() {
        let kinds = [ObjectKind::Program, ObjectKind::Map, ObjectKind::Link, ObjectKind::Btf];
        let mut seen = std::collections::BTreeSet::new();
        for kind in kinds {
            let (next, get) = commands(kind).unwrap();
            assert!(next.to_string().ends_with("_GET_NEXT_ID"), "{next}");
            assert!(get.to_string().ends_with("_GET_FD_BY_ID"), "{get}");
            assert!(seen.insert(next as u32) && seen.insert(get as u32));
        }
    }
}
