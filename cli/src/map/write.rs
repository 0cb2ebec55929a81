//! `map update` and `map delete`: silent on success in text, `null` in
//! JSON, and bpftool's "update failed: ..." with the call's exit status.

use super::bytes::Words;
use super::elem::{self, Grammar};
use super::read::failed;
use super::select;
use crate::errno;
use crate::out::{CliError, Output};

/// `map update MAP [key DATA] [value VALUE] [any|exist|noexist]`.
pub fn update(words: &mut Words<'_>, output: Output) -> Result<(), CliError> {
    let map = select::map(words)?;
    let elem = elem::parse(words, &map, Grammar::update(&map), !output.json)?;
    map.update_bytes(&elem.key, &elem.value, elem.mode).map_err(|e| failed("update failed", &e))?;
    done(output);
    Ok(())
}

/// `map delete MAP key DATA`.
pub fn delete(words: &mut Words<'_>, output: Output) -> Result<(), CliError> {
    let map = select::map(words)?;
    let elem = elem::parse(words, &map, Grammar::key_only(&map), !output.json)?;
    match map.delete_bytes(&elem.key) {
        Ok(true) => {
            done(output);
            Ok(())
        }
        Ok(false) => Err(errno::failed("delete failed", libc::ENOENT)),
        Err(e) => Err(failed("delete failed", &e)),
    }
}

/// bpftool's answer to a command that succeeded with nothing to say.
fn done(output: Output) {
    if output.json {
        let mut w = output.writer();
        w.null();
        output.print(&w.finish());
    }
}
