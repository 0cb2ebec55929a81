//! bpftool's two layouts of the listing, text and JSON.

use std::fmt::Write as _;

use bpfkit::link::XdpMode;
use bpfkit::netlink::XdpAttachment;

use super::listing::Listing;
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
pub fn text(found: &Listing) -> String {
    let mut s = String::from("xdp:\n");
    for xdp in &found.xdp {
        xdp_line(&mut s, xdp);
    }
    s.push_str("\ntc:\n");
    for found in &found.tc {
        let tc = &found.filter;
        s.push_str(&found.devname);
        let _ = write!(s, "({}) {}", found.ifindex, found.hook.label());
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
pub fn json(found: &Listing, output: Output) -> String {
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
    for found in &found.tc {
        let tc = &found.filter;
        w.start_object();
        if !found.devname.is_empty() {
            w.string_field("devname", &found.devname);
        }
        w.raw_field("ifindex", found.ifindex).string_field("kind", found.hook.label());
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

#[cfg(test)]
mod tests {
    use bpfkit::link::XdpMode;
    use bpfkit::netlink::{TcAttachment, TcBpfAction, TcHandle, XdpAttachment, XdpProgram};

    use super::super::listing::Listing;
    use super::super::tc::{TcFilter, TcHook};
    use super::{json, text};
    use crate::out::Output;

    /// What this kernel cannot show: several XDP modes on one device (it
    /// needs an offloading NIC) and tc filters with bpf actions (act_bpf).
    fn sample() -> Listing {
        Listing {
            xdp: vec![XdpAttachment {
                ifindex: 4,
                devname: Some("nsim0".into()),
                multi: true,
                programs: vec![
                    XdpProgram { mode: XdpMode::Skb, id: 10 },
                    XdpProgram { mode: XdpMode::Hardware, id: 11 },
                ],
            }],
            tc: vec![TcFilter {
                ifindex: 4,
                devname: "nsim0".into(),
                hook: TcHook::ClsactEgress,
                filter: TcAttachment {
                    ifindex: 4,
                    parent: TcHandle::CLSACT_EGRESS,
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
                },
            }],
            flow_dissector: None,
        }
    }

    #[test]
    fn text_lists_every_mode_and_action_on_one_line() {
        assert_eq!(
            text(&sample()),
            "xdp:\nnsim0(4) generic id 10 offload id 11\n\n\
             tc:\nnsim0(4) clsact/egress cls id 12 act [{act1 id 13}{ id 14}] \n\n\
             flow_dissector:\n\n"
        );
    }

    #[test]
    fn json_nests_multi_attachments_and_actions() {
        let json = json(&sample(), Output { json: true, ..Output::default() });
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
        let found = Listing { flow_dissector: Some(9), ..sample() };
        let json = json(&found, Output { json: true, ..Output::default() });
        assert!(json.ends_with("\"flow_dissector\":[{\"id\":9}]}]\n"), "{json}");
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(parsed[0]["flow_dissector"][0]["id"], 9);
        assert!(text(&found).ends_with("flow_dissector:\nid 9\n"));
    }
}
