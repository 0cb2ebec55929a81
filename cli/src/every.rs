//! Every object of a kind, walked as bpftool's listings walk them: id after
//! id, opening each, skipping those gone in between, and failing in
//! bpftool's words, inside the listing's JSON array.

use bpfkit::Errno;

use crate::errno::listing_failed;
use crate::out::CliError;

/// `open` applied to every id of `ids` (a `*_GET_NEXT_ID` walk), lazily,
/// so that a caller may hold one object at a time. An object removed
/// between its id and its opening (`ENOENT`) is skipped. `kind` and `short`
/// are bpftool's words for the errors: "can't get next {kind}" and
/// "can't get {short} by id (N)".
pub fn every<T>(
    ids: impl Iterator<Item = bpfkit::Result<u32>>,
    kind: &'static str,
    short: &'static str,
    mut open: impl FnMut(u32) -> bpfkit::Result<T>,
) -> impl Iterator<Item = Result<T, CliError>> {
    ids.filter_map(move |id| {
        let id = match id {
            Ok(id) => id,
            Err(e) => return Some(Err(listing_failed(&format!("can't get next {kind}"), &e))),
        };
        match open(id) {
            Ok(object) => Some(Ok(object)),
            Err(e) if e.errno() == Some(Errno::ENOENT) => None,
            Err(e) => Some(Err(listing_failed(&format!("can't get {short} by id ({id})"), &e))),
        }
    })
}
