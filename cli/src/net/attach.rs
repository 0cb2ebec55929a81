//! `bpfkit net attach ATTACH_TYPE PROG dev IFNAME [overwrite]` and
//! `bpfkit net detach ATTACH_TYPE dev IFNAME`: bpftool's, with its
//! messages and exit statuses (a failed call exits with its negated
//! errno: 240 for a hook taken, `EBUSY`; 234 for a usage error).
//!
//! XDP goes over rtnetlink as in bpftool: `xdp` lets the kernel choose the
//! mode, `xdpgeneric`, `xdpdrv` and `xdpoffload` ask for one; without
//! `overwrite` an attach fails where a program is attached
//! (`XDP_FLAGS_UPDATE_IF_NOEXIST`). The attachment belongs to the
//! interface and outlives bpfkit.
//!
//! `tcx_ingress` and `tcx_egress` are ahead of bpftool 7.1, which lacks
//! them: they are what bpftool 7.3 and later do, `BPF_PROG_ATTACH` at the
//! end of the hook (`overwrite` changes nothing) and `BPF_PROG_DETACH` of
//! the hook's last program attached without a link.

use bpfkit::link::{Interface, TcxDirection, XdpMode, attach_tcx_legacy, detach_tcx_legacy};
use bpfkit::prog::Program;
use bpfkit::prog::kind::SchedCls;

use crate::args::{Word, is_prefix};
use crate::errno::{status, strerror};
use crate::out::{CliError, Output};
use crate::select::{ProgSelector, looks_numeric};

/// The attach types, in bpftool's order (abbreviations match the first).
const TYPES: &[&str] = &["xdp", "xdpgeneric", "xdpdrv", "xdpoffload", "tcx_ingress", "tcx_egress"];

/// The hook an attach type names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Hook {
    Xdp(XdpMode),
    Tcx(TcxDirection),
}

fn hook(name: &str) -> Hook {
    match name {
        "xdpgeneric" => Hook::Xdp(XdpMode::Skb),
        "xdpdrv" => Hook::Xdp(XdpMode::Driver),
        "xdpoffload" => Hook::Xdp(XdpMode::Hardware),
        "tcx_ingress" => Hook::Tcx(TcxDirection::Ingress),
        "tcx_egress" => Hook::Tcx(TcxDirection::Egress),
        _ => Hook::Xdp(XdpMode::Auto),
    }
}

/// bpftool's `-EINVAL` exit, for every error before the kernel is asked.
fn einval(err: CliError) -> CliError {
    err.with_status(status(libc::EINVAL))
}

fn attach_type(word: &Word) -> Result<(&'static str, Hook), CliError> {
    TYPES
        .iter()
        .find(|t| is_prefix(word, t))
        .map(|t| (*t, hook(t)))
        .ok_or_else(|| einval(CliError::usage(format!("invalid net attach/detach type: {word}"))))
}

/// `dev IFNAME` at the front of `words`: the interface's index, or
/// bpftool's messages.
fn device(words: &[Word]) -> Result<(Interface, usize), CliError> {
    match words {
        [keyword, name, ..] if is_prefix(keyword, "dev") => {
            let iface = Interface::from(name.as_str());
            match iface.index() {
                Ok(index) if index > 0 => Ok((Interface::Index(index), 2)),
                _ => Err(einval(CliError::new(format!("invalid devname {name}")))),
            }
        }
        [other, ..] => Err(einval(CliError::usage(format!("expected 'dev', got: '{other}'?")))),
        [] => Err(einval(CliError::usage("expected 'dev', got: ''?"))),
    }
}

fn needs(what: &str, want: usize, words: &[Word]) -> Result<(), CliError> {
    if words.len() < want {
        return Err(einval(CliError::usage(format!(
            "'{what}' needs at least {want} arguments, {} found",
            words.len()
        ))));
    }
    Ok(())
}

/// What bpftool says when the kernel refuses.
fn refused(action: &str, name: &str, errno: i32) -> CliError {
    CliError::new(format!("interface {name} {action} failed: {}", strerror(errno)))
        .with_errno(errno)
        .with_status(status(errno))
}

/// [`refused`], after the kernel's own words where it gave some: on
/// standard error in text mode, as bpftool's libbpf prints them (in JSON
/// mode too; bpfkit keeps standard error empty there).
fn refused_by(err: &bpfkit::Error, action: &str, name: &str, output: Output) -> CliError {
    if let bpfkit::Error::Attach { message: Some(message), .. } = err {
        if !output.json {
            use std::io::Write as _;
            let message = crate::text::escape_controls(message);
            let _ = writeln!(std::io::stderr(), "libbpf: Kernel error message: {message}");
        }
    }
    refused(action, name, errno_of(err))
}

fn errno_of(err: &bpfkit::Error) -> i32 {
    match err {
        // A program of another type: what the kernel answers it.
        bpfkit::Error::WrongProgType { .. } => libc::EINVAL,
        other => other.errno().map_or(libc::EINVAL, |e| e.0),
    }
}

/// `net attach ATTACH_TYPE PROG dev IFNAME [overwrite]`.
pub fn attach(words: &[Word], output: Output) -> Result<(), CliError> {
    // bpfkit's short PROG (a bare id) is one word less than bpftool's.
    let short = words.get(1).is_some_and(|w| looks_numeric(w));
    needs("attach", if short { 4 } else { 5 }, words)?;
    let (name, hook) = attach_type(&words[0])?;
    without_netlink(hook)?;
    let (selector, used) = ProgSelector::take(&words[1..]).map_err(einval)?;
    let mut progs = selector.open().map_err(einval)?;
    if progs.len() > 1 {
        return Err(einval(CliError::new("several programs match this handle")));
    }
    let prog = progs.pop().ok_or_else(|| einval(CliError::new("no program selected")))?;
    let rest = &words[1 + used..];
    let (iface, used) = device(rest)?;
    let overwrite = match rest.get(used) {
        None => false,
        Some(word) if is_prefix(word, "overwrite") => true,
        Some(word) => {
            return Err(einval(CliError::usage(format!("expected 'overwrite', got: '{word}'?"))));
        }
    };
    let result = match hook {
        Hook::Xdp(mode) => attach_xdp(prog, &iface, mode, overwrite),
        Hook::Tcx(direction) => prog
            .into_kind(SchedCls)
            .and_then(|prog| attach_tcx_legacy(&prog, iface.clone(), direction)),
    };
    result.map_err(|e| refused_by(&e, "attach", name, output))?;
    output.nothing();
    Ok(())
}

/// `net detach ATTACH_TYPE dev IFNAME`.
pub fn detach(words: &[Word], output: Output) -> Result<(), CliError> {
    needs("detach", 3, words)?;
    let (name, hook) = attach_type(&words[0])?;
    without_netlink(hook)?;
    let (iface, _) = device(&words[1..])?;
    let result = match hook {
        Hook::Xdp(mode) => detach_xdp(&iface, mode),
        Hook::Tcx(direction) => detach_tcx_legacy(None, iface.clone(), direction),
    };
    result.map_err(|e| refused_by(&e, "detach", name, output))?;
    output.nothing();
    Ok(())
}

#[cfg(feature = "netlink")]
fn attach_xdp(
    prog: Program,
    iface: &Interface,
    mode: XdpMode,
    overwrite: bool,
) -> bpfkit::Result<()> {
    use bpfkit::netlink::BlockingNetlink;
    use bpfkit::prog::kind::Xdp;
    let prog = prog.into_kind(Xdp)?;
    let netlink = BlockingNetlink::new()?;
    if overwrite {
        netlink.overwrite_xdp(iface.clone(), &prog, mode)
    } else {
        netlink.attach_xdp(iface.clone(), &prog, mode)
    }
}

/// Detaches what the kernel would detach for bpftool's request in `mode`
/// (`Auto`: the mode the kernel picks for the device). The library
/// detaches only a program it names, so each candidate is named in turn:
/// the kernel refuses (`EEXIST`) a program that is not the one in the mode
/// it picks. Nothing there is no error, as for bpftool.
#[cfg(feature = "netlink")]
fn detach_xdp(iface: &Interface, mode: XdpMode) -> bpfkit::Result<()> {
    use bpfkit::Errno;
    use bpfkit::netlink::BlockingNetlink;
    use bpfkit::prog::kind::Xdp;
    let netlink = BlockingNetlink::new()?;
    let mut attached = netlink.query_xdp(iface.clone())?.attached();
    // The kernel's own choice first: native, then generic.
    attached.sort_by_key(|(m, _)| match m {
        XdpMode::Driver => 0,
        XdpMode::Skb => 1,
        _ => 2,
    });
    for (found, id) in attached {
        if mode != XdpMode::Auto && found != mode {
            continue;
        }
        if mode == XdpMode::Auto && found == XdpMode::Hardware {
            continue;
        }
        let prog = match Program::from_id(id) {
            Ok(prog) => prog.into_kind(Xdp)?,
            // Detached meanwhile.
            Err(e) if e.errno() == Some(Errno::ENOENT) => continue,
            Err(e) => return Err(e),
        };
        match netlink.detach_xdp_expected(iface.clone(), &prog, mode) {
            Err(e) if mode == XdpMode::Auto && e.errno() == Some(Errno::EEXIST) => {}
            other => return other,
        }
    }
    Ok(())
}

#[cfg(not(feature = "netlink"))]
fn attach_xdp(_: Program, _: &Interface, _: XdpMode, _: bool) -> bpfkit::Result<()> {
    Err(no_netlink())
}

#[cfg(not(feature = "netlink"))]
fn detach_xdp(_: &Interface, _: XdpMode) -> bpfkit::Result<()> {
    Err(no_netlink())
}

#[cfg(not(feature = "netlink"))]
fn no_netlink() -> bpfkit::Error {
    bpfkit::Error::InvalidArgument {
        what: "net attach",
        why: "bpfkit was built without the `netlink` feature, which XDP needs".into(),
    }
}

/// XDP needs the `netlink` feature: without it, say so before anything.
fn without_netlink(hook: Hook) -> Result<(), CliError> {
    if cfg!(feature = "netlink") || !matches!(hook, Hook::Xdp(_)) {
        return Ok(());
    }
    Err(CliError::new(
        "bpfkit was built without the `netlink` feature, which XDP attach needs: rebuild with \
         `--features netlink`",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attach_types_abbreviate_as_in_bpftool() {
        assert_eq!(attach_type(&Word::from("x")).ok(), Some(("xdp", Hook::Xdp(XdpMode::Auto))));
        assert_eq!(
            attach_type(&Word::from("xdpg")).ok(),
            Some(("xdpgeneric", Hook::Xdp(XdpMode::Skb)))
        );
        assert_eq!(
            attach_type(&Word::from("tcx_e")).ok(),
            Some(("tcx_egress", Hook::Tcx(TcxDirection::Egress)))
        );
        // A prefix of tcx_ingress, as in bpftool 7.3.
        assert_eq!(
            attach_type(&Word::from("tc")).ok(),
            Some(("tcx_ingress", Hook::Tcx(TcxDirection::Ingress)))
        );
        assert_eq!(attach_type(&Word::from("bogus")).err().map(|e| e.status), Some(234));
    }
}
