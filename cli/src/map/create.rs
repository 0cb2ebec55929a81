//! `bpfkit map create FILE type TYPE key KEY_SIZE value VALUE_SIZE entries
//! MAX_ENTRIES name NAME [flags FLAGS] [inner_map MAP]` and `bpfkit map pin
//! MAP FILE`: bpftool 7.1's, with its errors and exit statuses. `dev NAME`
//! (offload to a device) is refused: bpfkit does not offload.

use bpfkit::maps::{MapFlags, MapSpec, MapType};

use super::bytes::{Words, abbreviates};
use super::select;
use crate::args::Word;
use crate::errno;
use crate::out::{CliError, Output};
use crate::pinning::{pin_at, too_few};
use crate::strtoul::strtoul;

/// What the kernel keeps of a name (`BPF_OBJ_NAME_LEN - 1`), as libbpf cuts it.
const MAX_NAME: usize = 15;

/// `map create` on the words after `create`.
pub fn create(words: &[Word], output: Output) -> Result<(), CliError> {
    if words.len() < 7 {
        return Err(too_few("create", 7, words.len()));
    }
    let file = &words[0];
    let mut rest = Words::new(&words[1..]);
    let mut map_type: Option<MapType> = None;
    let (mut key, mut value, mut entries, mut flags) = (0u32, 0u32, 0u32, 0u32);
    let mut name: Option<&str> = None;
    let mut inner = None;
    while !rest.is_empty() {
        if rest.len() < 2 {
            // bpftool names the word before the ones missing.
            let previous = words[words.len() - rest.len() - 1].as_str();
            return Err(too_few(previous, 2, rest.len()));
        }
        let word = rest.next().unwrap_or_default();
        if abbreviates(word, "type") && !word.is_empty() {
            let type_name = rest.next().unwrap_or_default();
            if map_type.is_some() {
                return Err(CliError::new("map type already specified"));
            }
            map_type = Some(
                MapType::from_name(type_name)
                    .filter(|t| t.0 != 0)
                    .ok_or_else(|| CliError::new(format!("unrecognized map type: {type_name}")))?,
            );
        } else if abbreviates(word, "name") && !word.is_empty() {
            let given = rest.next().unwrap_or_default();
            name = Some(given);
        } else if let Some((slot, what)) = [
            ("key", "key size"),
            ("value", "value size"),
            ("entries", "max entries"),
            ("flags", "flags"),
        ]
        .iter()
        .zip([&mut key, &mut value, &mut entries, &mut flags])
        .find_map(|((k, what), slot)| {
            (!word.is_empty() && abbreviates(word, k)).then_some((slot, *what))
        }) {
            let text = rest.next().unwrap_or_default();
            if *slot != 0 {
                return Err(CliError::new(format!("{what} already specified")));
            }
            *slot = strtoul(text, 0)
                .map(|n| n as u32)
                .ok_or_else(|| CliError::new(format!("can't parse {text} as {what}")))?;
        } else if abbreviates(word, "dev") && !word.is_empty() {
            return Err(CliError::new("bpfkit does not offload maps to a device ('dev')"));
        } else if abbreviates(word, "inner_map") && !word.is_empty() {
            inner = Some(select::map(&mut rest)?);
        } else {
            return Err(CliError::new(format!("unknown arg {word}")));
        }
    }
    let Some(name) = name else { return Err(CliError::new("map name not specified")) };
    // libbpf cuts the name; the kernel refuses other characters.
    let cut: String = name.chars().take(MAX_NAME).collect();
    if !cut.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') {
        return Err(CliError::new(format!("map create failed: {}", errno::strerror(libc::EINVAL))));
    }
    let mut spec = MapSpec::new(map_type.unwrap_or(MapType(0)), key, value, entries)
        .name(&cut)
        .flags(MapFlags::from_bits_retain(flags));
    if let Some(inner) = &inner {
        spec = spec.inner_map(inner);
    }
    let map = spec.create().map_err(|e| match errno::of(&e) {
        Some(n) => CliError::new(format!("map create failed: {}", errno::strerror(n))),
        None => CliError::new(format!("map create failed: {e}")),
    })?;
    pin_at(file.path(), |p| map.pin(p))?;
    output.nothing();
    Ok(())
}

/// `map pin MAP FILE`.
pub fn pin(words: &[Word], output: Output) -> Result<(), CliError> {
    if words.len() < 3 {
        return Err(too_few("pin", 3, words.len()).with_status(errno::status(libc::EINVAL)));
    }
    let mut rest = Words::new(words);
    let map = select::map(&mut rest)?;
    let Some(file) = rest.next_word() else { return Err(too_few("pin", 3, words.len())) };
    pin_at(file.path(), |p| map.pin(p))?;
    output.nothing();
    Ok(())
}
