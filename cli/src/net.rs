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

use crate::args::{Args, is_prefix, pick};
use crate::out::{CliError, Output};

const USAGE: &str = "\
Usage: bpfkit net { show | list } [dev <devname>]
       bpfkit net help

Lists the XDP programs, tc BPF filters and flow dissector of the current
network namespace, as 'bpftool net show' does.
";

/// The subcommands, in bpftool's order for abbreviations.
const SUBCOMMANDS: &[&str] = &["show", "list", "help"];

/// Runs `net ...`.
pub fn run(args: &mut Args, output: Output) -> Result<(), CliError> {
    let Some(word) = args.next() else {
        // A bare `net` is `net show`, as in bpftool.
        return show(args, output);
    };
    match pick(&word, SUBCOMMANDS) {
        Some("show" | "list") => show(args, output),
        Some(_) => {
            args.done()?;
            output.usage(USAGE);
            Ok(())
        }
        None => Err(CliError::usage(format!(
            "unknown net command '{word}': expected show, list or help"
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
    let found = netlink.attachments(dev.clone().map(Interface::from)).map_err(|e| match e {
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

#[cfg(feature = "netlink")]
mod render {
    //! bpftool's two layouts of the listing.

    use std::fmt::Write as _;

    use bpfkit::link::XdpMode;
    use bpfkit::netlink::{NetAttachments, XdpAttachment};

    use crate::out::Output;

    /// bpftool's name for an XDP mode in `net show`.
    fn mode(mode: XdpMode) -> &'static str {
        match mode {
            XdpMode::Skb => "generic",
            XdpMode::Driver => "driver",
            XdpMode::Hardware => "offload",
            XdpMode::Auto => "auto",
        }
    }

    /// The text layout: a `name:` line per section, one line per
    /// attachment, and an empty line after each section.
    pub fn text(found: &NetAttachments) -> String {
        let mut s = String::from("xdp:\n");
        for xdp in &found.xdp {
            xdp_line(&mut s, xdp);
        }
        s.push_str("\ntc:\n");
        for tc in &found.tc {
            s.push_str(&tc.devname);
            let _ = write!(s, "({}) {}", tc.ifindex, tc.hook.label());
            if let Some(name) = &tc.name {
                let _ = write!(s, " {name}");
            }
            if let Some(id) = tc.prog_id {
                let _ = write!(s, " id {id}");
            }
            if let Some(actions) = &tc.actions {
                s.push_str(" act [");
                for action in actions {
                    s.push('{');
                    if let Some(name) = &action.name {
                        s.push_str(name);
                    }
                    if let Some(id) = action.prog_id {
                        let _ = write!(s, " id {id}");
                    }
                    s.push('}');
                }
                s.push_str("] ");
            }
            s.push('\n');
        }
        s.push_str("\nflow_dissector:\n");
        if let Some(id) = found.flow_dissector.filter(|id| *id > 0) {
            let _ = write!(s, "id {id}");
        }
        s.push('\n');
        s
    }

    fn xdp_line(s: &mut String, xdp: &XdpAttachment) {
        if let Some(name) = &xdp.devname {
            s.push_str(name);
        }
        let _ = write!(s, "({})", xdp.ifindex);
        for prog in &xdp.programs {
            let _ = write!(s, " {} id {}", mode(prog.mode), prog.id);
        }
        s.push('\n');
    }

    /// The JSON layout: one object in an array, an array per section.
    pub fn json(found: &NetAttachments, output: Output) -> String {
        let mut w = output.writer();
        w.start_array().start_object();
        w.name("xdp").start_array();
        for xdp in &found.xdp {
            w.start_object();
            if let Some(name) = &xdp.devname {
                w.string_field("devname", name);
            }
            w.raw_field("ifindex", xdp.ifindex);
            if xdp.multi {
                w.name("multi_attachments").start_array();
                for prog in &xdp.programs {
                    w.start_object();
                    w.string_field("mode", mode(prog.mode)).raw_field("id", prog.id);
                    w.end_object();
                }
                w.end_array();
            } else {
                for prog in &xdp.programs {
                    w.string_field("mode", mode(prog.mode)).raw_field("id", prog.id);
                }
            }
            w.end_object();
        }
        w.end_array();
        w.name("tc").start_array();
        for tc in &found.tc {
            w.start_object();
            if !tc.devname.is_empty() {
                w.string_field("devname", &tc.devname);
            }
            w.raw_field("ifindex", tc.ifindex).string_field("kind", tc.hook.label());
            if let Some(name) = &tc.name {
                w.string_field("name", name);
            }
            if let Some(id) = tc.prog_id {
                w.raw_field("id", id);
            }
            if let Some(actions) = &tc.actions {
                w.name("act").start_array();
                for action in actions {
                    w.start_object();
                    if let Some(name) = &action.name {
                        w.string_field("name", name);
                    }
                    if let Some(id) = action.prog_id {
                        w.raw_field("id", id);
                    }
                    w.end_object();
                }
                w.end_array();
            }
            w.end_object();
        }
        w.end_array();
        // bpftool writes the id as a member inside the array, which no
        // parser reads: here it is an object in the array.
        w.name("flow_dissector").start_array();
        if let Some(id) = found.flow_dissector.filter(|id| *id > 0) {
            w.start_object().raw_field("id", id).end_object();
        }
        w.end_array();
        w.end_object().end_array();
        w.finish()
    }
}

#[cfg(all(test, feature = "netlink"))]
mod tests {
    use bpfkit::link::XdpMode;
    use bpfkit::netlink::{
        NetAttachments, TcAttachment, TcBpfAction, TcHook, XdpAttachment, XdpProgram,
    };

    use super::render;
    use crate::out::Output;

    /// What this kernel cannot show: several XDP modes on one device (it
    /// needs an offloading NIC) and tc filters with bpf actions (act_bpf).
    fn sample() -> NetAttachments {
        NetAttachments {
            xdp: vec![XdpAttachment {
                ifindex: 4,
                devname: Some("nsim0".into()),
                multi: true,
                programs: vec![
                    XdpProgram { mode: XdpMode::Skb, id: 10 },
                    XdpProgram { mode: XdpMode::Hardware, id: 11 },
                ],
            }],
            tc: vec![TcAttachment {
                ifindex: 4,
                devname: "nsim0".into(),
                hook: TcHook::ClsactEgress,
                handle: 1,
                priority: 1,
                name: Some("cls".into()),
                prog_id: Some(12),
                tag: None,
                direct_action: false,
                actions: Some(vec![
                    TcBpfAction { name: Some("act1".into()), prog_id: Some(13) },
                    TcBpfAction { name: None, prog_id: Some(14) },
                ]),
            }],
            flow_dissector: None,
            tc_failures: vec![],
        }
    }

    #[test]
    fn text_lists_every_mode_and_action_on_one_line() {
        assert_eq!(
            render::text(&sample()),
            "xdp:\nnsim0(4) generic id 10 offload id 11\n\n\
             tc:\nnsim0(4) clsact/egress cls id 12 act [{act1 id 13}{ id 14}] \n\n\
             flow_dissector:\n\n"
        );
    }

    #[test]
    fn json_nests_multi_attachments_and_actions() {
        let json = render::json(&sample(), Output { json: true, ..Output::default() });
        assert_eq!(
            json,
            "[{\"xdp\":[{\"devname\":\"nsim0\",\"ifindex\":4,\"multi_attachments\":[\
             {\"mode\":\"generic\",\"id\":10},{\"mode\":\"offload\",\"id\":11}]}],\
             \"tc\":[{\"devname\":\"nsim0\",\"ifindex\":4,\"kind\":\"clsact/egress\",\
             \"name\":\"cls\",\"id\":12,\"act\":[{\"name\":\"act1\",\"id\":13},{\"id\":14}]}],\
             \"flow_dissector\":[]}]\n"
        );
    }

    #[test]
    fn the_flow_dissector_id_is_an_object_in_its_array() {
        let found = NetAttachments { flow_dissector: Some(9), ..sample() };
        let json = render::json(&found, Output { json: true, ..Output::default() });
        assert!(json.ends_with("\"flow_dissector\":[{\"id\":9}]}]\n"), "{json}");
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(parsed[0]["flow_dissector"][0]["id"], 9);
        assert!(render::text(&found).ends_with("flow_dissector:\nid 9\n"));
    }
}
