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
    ids.filter_map(move |id| match id {
        Ok(id) => match open(id) {
            Ok(object) => Some(Ok(object)),
            Err(e) => open_failed(short, id, &e).map(Err),
        },
        Err(e) => Some(Err(next_failed(kind, &e))),
    })
}

// The error paths are out of line: `every` is compiled once per kind of
// object, and these need not be.

#[cold]
fn next_failed(kind: &str, e: &bpfkit::Error) -> CliError {
    listing_failed(&format!("can't get next {kind}"), e)
}

/// `None` for an object gone between its id and its opening.
#[cold]
fn open_failed(short: &str, id: u32, e: &bpfkit::Error) -> Option<CliError> {
    if e.errno() == Some(Errno::ENOENT) {
        return None;
    }
    Some(listing_failed(&format!("can't get {short} by id ({id})"), e))
}
