//! `bpfkit map`: bpftool's map commands, as a drop-in for bpftool 7.1.
//!
//! Runbooks grep bpftool's text and monitoring parses its JSON, so both are
//! reproduced: the same layouts, the same keys, the same error messages and
//! the same exit statuses (255 for a bad command line, a libbpf call's
//! `-errno` where bpftool returns one, as 254 for a missing key). Where
//! bpftool fails without a word (no map with a name) or prints an empty
//! dump of a map it cannot walk, bpfkit says what went wrong.
//!
//! ```text
//! bpfkit map show|list [MAP]          bpfkit map show N (= id N)
//! bpfkit map dump MAP                 bpfkit map dump N (= id N)
//! bpfkit map lookup MAP [key DATA]
//! bpfkit map getnext MAP [key DATA]
//! bpfkit map update MAP [key DATA] [value VALUE] [any|exist|noexist]
//! bpfkit map delete MAP key DATA
//! bpfkit map pin MAP FILE
//! bpfkit map event_pipe MAP [cpu N index M]
//! bpfkit map create FILE type TYPE key KEY_SIZE value VALUE_SIZE entries MAX_ENTRIES name NAME
//!     [flags FLAGS] [inner_map MAP]
//! ```

pub mod bytes;
mod create;
mod elem;
mod entry;
mod event_pipe;
mod formatted;
mod read;
pub mod select;
mod show;
mod write;

use bytes::{Words, abbreviates};

use crate::args::{Args, Word};
use crate::out::{CliError, Output};

/// The usage lines of `bpfkit map`.
pub const USAGE: &str = "\
Usage: bpfkit map { show | list }   [MAP]
       bpfkit map dump       MAP
       bpfkit map update     MAP [key DATA] [value VALUE] [UPDATE_FLAGS]
       bpfkit map lookup     MAP [key DATA]
       bpfkit map getnext    MAP [key DATA]
       bpfkit map delete     MAP  key DATA
       bpfkit map pin        MAP  FILE
       bpfkit map event_pipe MAP [cpu N index M]
       bpfkit map create     FILE type TYPE key KEY_SIZE value VALUE_SIZE \\
                                  entries MAX_ENTRIES name NAME [flags FLAGS] \\
                                  [inner_map MAP]
       bpfkit map peek       MAP
       bpfkit map push       MAP value VALUE
       bpfkit map enqueue    MAP value VALUE
       bpfkit map help

       MAP := { id MAP_ID | pinned FILE | name MAP_NAME | MAP_ID }
       DATA := { [hex] BYTES }
       PROG := { id PROG_ID | pinned FILE | tag PROG_TAG | name PROG_NAME }
       VALUE := { DATA | MAP | PROG }
       UPDATE_FLAGS := { any | exist | noexist }
";

/// bpftool's map commands, in the order abbreviations are matched (`p` is
/// `pin`, `d` is `dump`); the ones bpfkit does not have are refused by name.
const COMMANDS: &[&str] = &[
    "show",
    "list",
    "help",
    "dump",
    "update",
    "lookup",
    "getnext",
    "delete",
    "pin",
    "event_pipe",
    "create",
    "peek",
    "push",
    "enqueue",
    "pop",
    "dequeue",
    "freeze",
];

/// Runs `bpfkit map ...`.
pub fn run(args: &mut Args, output: Output) -> Result<(), CliError> {
    let all = args.rest();
    let (command, rest) = match all.split_first() {
        // Like bpftool, `map` alone is `map show`.
        None => ("show", &all[..]),
        Some((word, rest)) => match COMMANDS.iter().find(|c| abbreviates(word, c)) {
            Some(command) => (*command, rest),
            None => {
                return Err(CliError::usage(format!(
                    "unknown map command '{word}' (see 'bpfkit map help')"
                )));
            }
        },
    };
    let mut words = Words::new(rest);
    match command {
        "show" | "list" => show_command(&mut words, output),
        "help" => {
            output.usage(USAGE);
            Ok(())
        }
        "dump" => {
            let maps = match words.len() {
                1 if is_number(&rest[0]) => short_id(&rest[0])?,
                2 => select::maps(&mut words)?,
                _ => return Err(usage("dump", "MAP")),
            };
            read::dump(&maps, output)
        }
        "lookup" | "peek" => element_command(command, &mut words, output, read::lookup),
        "getnext" => element_command(command, &mut words, output, read::getnext),
        "update" | "push" | "enqueue" => {
            element_command(command, &mut words, output, write::update)
        }
        "delete" => element_command(command, &mut words, output, write::delete),
        "create" => create::create(rest, output),
        "pin" => create::pin(rest, output),
        "event_pipe" => event_pipe::event_pipe(&mut words, output),
        other => Err(CliError::new(format!(
            "'map {other}' is a bpftool command that bpfkit does not have (see 'bpfkit map help')"
        ))),
    }
}

/// `map show`: every map, the maps a `MAP` selects, or `map show N`.
fn show_command(words: &mut Words<'_>, output: Output) -> Result<(), CliError> {
    match words.len() {
        0 => show::show(&show::all_maps()?, true, true, output),
        1 if words.peek().is_some_and(is_number) => {
            show::show(&short_id(words.peek().unwrap_or_default())?, false, false, output)
        }
        2 => {
            let maps = select::maps(words)?;
            show::show(&maps, maps.len() > 1, false, output)
        }
        _ => Err(CliError::new(format!("what is '{}'?", words.peek().unwrap_or_default()))),
    }
}

/// A command on one element: bpftool wants at least the `MAP` words.
fn element_command(
    command: &str,
    words: &mut Words<'_>,
    output: Output,
    run: fn(&mut Words<'_>, Output) -> Result<(), CliError>,
) -> Result<(), CliError> {
    if words.len() < 2 {
        let args = match command {
            "update" => "MAP [key DATA] [value VALUE] [UPDATE_FLAGS]",
            "push" | "enqueue" => "MAP value VALUE",
            "delete" => "MAP key DATA",
            "peek" => "MAP",
            _ => "MAP [key DATA]",
        };
        return Err(usage(command, args));
    }
    run(words, output)
}

/// bpfkit's `map show N` and `map dump N`: the map with id `N`.
fn short_id(word: &str) -> Result<Vec<bpfkit::maps::MapFd>, CliError> {
    let words = [Word::from("id"), Word::from(word)];
    select::maps(&mut Words::new(&words))
}

fn is_number(word: &str) -> bool {
    !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit())
}

fn usage(command: &str, args: &str) -> CliError {
    CliError::usage(format!("usage: bpfkit map {command} {args} (see 'bpfkit map help')"))
}
