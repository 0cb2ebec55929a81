//! `bpfkit net { show | list } [dev IFNAME]`: what bpftool 7.1's `net show`
//! prints, line for line in text and key for key in JSON, so that scripts
//! written for bpftool run unchanged.
//!
//! bpftool 7.1 lists three sections (`xdp`, `tc`, `flow_dissector`) and
//! nothing else: no tcx, netkit or netfilter (later bpftools added those),
//! no tags and no `direct-action` flag. Its quirks are kept too, but one:
//! bpftool writes the flow dissector's `"id"` as a member inside the JSON
//! array (`"flow_dissector":["id":9]`), which is no JSON at all; bpfkit
//! writes the array's element as an object, `"flow_dissector":[{"id":9}]`,
//! so that every `-j` output parses.

mod attach;
#[cfg(feature = "netlink")]
mod listing;
#[cfg(feature = "netlink")]
mod render;
#[cfg(feature = "netlink")]
mod tc;

use crate::args::{Args, is_prefix, pick};
use crate::out::{CliError, Output};

const USAGE: &str = "\
Usage: bpfkit net { show | list } [dev <devname>]
       bpfkit net attach ATTACH_TYPE PROG dev <devname> [ overwrite ]
       bpfkit net detach ATTACH_TYPE dev <devname>
       bpfkit net help

       PROG := { id PROG_ID | pinned FILE | tag PROG_TAG | name PROG_NAME | PROG_ID }
       ATTACH_TYPE := { xdp | xdpgeneric | xdpdrv | xdpoffload | tcx_ingress | tcx_egress }

'show' lists the XDP programs, tc BPF filters and flow dissector of the
current network namespace, as 'bpftool net show' does. 'attach' leaves the
program attached after bpfkit exits; tcx_ingress and tcx_egress are those
of bpftool 7.3 and later (BPF_PROG_ATTACH), which bpftool 7.1 lacks.
";

/// The subcommands, in bpftool's order for abbreviations.
const SUBCOMMANDS: &[&str] = &["show", "list", "attach", "detach", "help"];

/// Runs `net ...`.
pub fn run(args: &mut Args, output: Output) -> Result<(), CliError> {
    let Some(word) = args.next() else {
        // A bare `net` is `net show`, as in bpftool.
        return show(args, output);
    };
    match pick(&word, SUBCOMMANDS) {
        Some("show" | "list") => show(args, output),
        Some("attach") => attach::attach(&args.rest(), output),
        Some("detach") => attach::detach(&args.rest(), output),
        Some(_) => {
            args.done()?;
            output.usage(USAGE);
            Ok(())
        }
        None => Err(CliError::usage(format!(
            "unknown net command '{word}': expected show, list, attach, detach or help"
        ))),
    }
}

/// The device named by `[dev IFNAME]`, parsed as bpftool parses it.
fn device(args: &mut Args) -> Result<Option<String>, CliError> {
    match args.rest().as_slice() {
        [] => Ok(None),
        // An interface name is bytes too, but the library names
        // interfaces with a `String`: one with bytes that are not UTF-8 is
        // looked up by its text (`\xNN`), found by no name, and reported
        // as bpftool reports an unknown one.
        [keyword, name] if is_prefix(keyword, "dev") => Ok(Some(name.as_str().to_owned())),
        [keyword, _] => Err(CliError::usage(format!("expected 'dev', got: '{keyword}'?"))),
        _ => Err(CliError::usage("expected: net { show | list } [dev <devname>]")),
    }
}

#[cfg(not(feature = "netlink"))]
fn show(args: &mut Args, _output: Output) -> Result<(), CliError> {
    device(args)?;
    Err(CliError::new(
        "bpfkit was built without the `netlink` feature, which `net` needs: \
         rebuild with `--features netlink`",
    ))
}

#[cfg(feature = "netlink")]
fn show(args: &mut Args, output: Output) -> Result<(), CliError> {
    use bpfkit::link::Interface;
    use bpfkit::netlink::BlockingNetlink;

    let dev = device(args)?;
    let netlink = BlockingNetlink::new()?;
    let found =
        listing::collect(&netlink, dev.clone().map(Interface::from)).map_err(|e| match e {
            bpfkit::Error::NoSuchInterface { .. } => {
                CliError::new(format!("invalid devname {}", dev.unwrap_or_default()))
            }
            bpfkit::Error::Syscall { cmd: bpfkit::Cmd::ProgQuery, errno } => {
                CliError::new(format!("can't query prog: {}", crate::errno::strerror(errno.0)))
                    .with_errno(errno.0)
            }
            other => other.into(),
        })?;
    let text = if output.json { render::json(&found, output) } else { render::text(&found) };
    output.print(&text);
    Ok(())
}
