//! `bpfkit prog pin PROG FILE` and `bpfkit prog { attach | detach } PROG
//! ATTACH_TYPE [MAP]`: bpftool 7.1's, with its errors and exit statuses.
//!
//! The attach types are bpftool's: a sockmap's or sockhash's program slots
//! (`sk_msg_verdict`, `sk_skb_verdict`, `sk_skb_stream_verdict`,
//! `sk_skb_stream_parser`, or the old short names `msg_verdict`,
//! `skb_verdict`, `stream_verdict`, `stream_parser`, which may be
//! abbreviated) with the map as target, and `flow_dissector`, the current
//! network namespace's (no map).

use bpfkit::link::{
    SockMapHook, attach_flow_dissector_legacy, attach_to_sock_map, detach_flow_dissector,
    detach_from_sock_map,
};
use bpfkit::prog::Program;

use crate::args::Word;
use crate::errno;
use crate::map::bytes::Words;
use crate::out::{CliError, Output};
use crate::pinning::{pin_at, too_few};
use crate::select::ProgSelector;

/// `prog pin PROG FILE`.
pub fn pin(words: &[Word], output: Output) -> Result<(), CliError> {
    if words.len() < 3 {
        return Err(too_few("pin", 3, words.len()).with_status(errno::status(libc::EINVAL)));
    }
    let (selector, used) = ProgSelector::take(words)?;
    let prog = one_program(&selector)?;
    let Some(file) = words.get(used) else { return Err(too_few("pin", 3, words.len())) };
    pin_at(file.path(), |p| prog.pin(p))?;
    output.nothing();
    Ok(())
}

/// Where a program goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Hook {
    SockMap(SockMapHook),
    FlowDissector,
}

/// bpftool's `parse_attach_type`: the kernel's name of each attach type it
/// serves, exactly, or a prefix of the traditional short name.
fn parse_hook(word: &str) -> Option<Hook> {
    const HOOKS: &[(&str, Option<&str>, Hook)] = &[
        ("sk_skb_stream_parser", Some("stream_parser"), Hook::SockMap(SockMapHook::StreamParser)),
        (
            "sk_skb_stream_verdict",
            Some("stream_verdict"),
            Hook::SockMap(SockMapHook::StreamVerdict),
        ),
        ("sk_msg_verdict", Some("msg_verdict"), Hook::SockMap(SockMapHook::MsgVerdict)),
        ("flow_dissector", None, Hook::FlowDissector),
        ("sk_skb_verdict", Some("skb_verdict"), Hook::SockMap(SockMapHook::SkbVerdict)),
    ];
    HOOKS.iter().find_map(|(name, short, hook)| {
        let by_short = short.is_some_and(|s| !word.is_empty() && s.starts_with(word));
        (word == *name || by_short).then_some(*hook)
    })
}

/// `prog attach` (`attach` true) or `prog detach`.
pub fn attach(words: &[Word], output: Output, attach: bool) -> Result<(), CliError> {
    let command = if attach { "attach" } else { "detach" };
    let einval = errno::status(libc::EINVAL);
    if words.len() < 3 {
        return Err(too_few(command, 3, words.len()).with_status(einval));
    }
    let (selector, used) = ProgSelector::take(words)?;
    let prog = one_program(&selector)?;
    let mut rest = Words::new(&words[used..]);
    let hook_word = rest.next().unwrap_or_default();
    let Some(hook) = parse_hook(hook_word) else {
        return Err(CliError::new("invalid attach/detach type").with_status(einval));
    };
    let result = match hook {
        Hook::FlowDissector if attach => attach_flow_dissector_legacy(&prog),
        Hook::FlowDissector => detach_flow_dissector(&prog),
        Hook::SockMap(slot) => {
            if rest.len() < 2 {
                return Err(too_few(hook_word, 2, rest.len()).with_status(einval));
            }
            let map = crate::map::select::map(&mut rest)?;
            if attach {
                attach_to_sock_map(&prog, &map, slot)
            } else {
                detach_from_sock_map(&prog, &map, slot)
            }
        }
    };
    result.map_err(|e| {
        // bpftool's error says no more than this; the reason goes first,
        // on its own line, as libbpf's would.
        crate::out::note(output, &e.to_string());
        let what = if attach { "failed prog attach to map" } else { "failed prog detach from map" };
        CliError::new(what).with_status(einval)
    })?;
    output.nothing();
    Ok(())
}

/// The one program `selector` names.
fn one_program(selector: &ProgSelector) -> Result<Program, CliError> {
    let mut found = selector.open()?;
    match found.len() {
        1 => Ok(found.remove(0)),
        _ => Err(CliError::new("several programs match this handle")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attach_types_are_read_as_bpftool_reads_them() {
        assert_eq!(parse_hook("flow_dissector"), Some(Hook::FlowDissector));
        assert_eq!(parse_hook("flow"), None);
        assert_eq!(parse_hook("stream_v"), Some(Hook::SockMap(SockMapHook::StreamVerdict)));
        assert_eq!(parse_hook("sk_msg_verdict"), Some(Hook::SockMap(SockMapHook::MsgVerdict)));
        assert_eq!(parse_hook("skb_verdict"), Some(Hook::SockMap(SockMapHook::SkbVerdict)));
        assert_eq!(parse_hook("bogus"), None);
    }
}
