//! tc BPF filters, read from `RTM_NEWTFILTER` dump messages the way
//! `bpftool net show` reads them, and the places (qdiscs, classes, clsact
//! hooks) it looks for them.

use std::fmt;

use rtnetlink::packet_route::tc::{
    TcAttribute, TcBpfFlags, TcFilterBpfOption, TcMessage, TcOption,
};

/// `TC_H_ROOT`.
const ROOT: u32 = 0xffff_ffff;
/// `TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS)`.
const CLSACT_INGRESS: u32 = 0xffff_fff2;
/// `TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS)`.
const CLSACT_EGRESS: u32 = 0xffff_fff3;
/// `TCA_BPF_ACT`: the filter's actions, one nest per priority.
const TCA_BPF_ACT: u16 = 1;
/// `TCA_ACT_MAX_PRIO`: bpftool reads action slots 0 to 32.
const TCA_ACT_MAX_PRIO: u16 = 32;
/// `TCA_ACT_KIND` and `TCA_ACT_OPTIONS` inside one action.
const TCA_ACT_KIND: u16 = 1;
const TCA_ACT_OPTIONS: u16 = 2;
/// `NLA_TYPE_MASK`: an attribute type without the nested and byte-order flags.
const NLA_TYPE_MASK: u16 = 0x3fff;
/// `TCA_ACT_BPF_PARMS`, `TCA_ACT_BPF_NAME` and `TCA_ACT_BPF_ID` inside a
/// bpf action's options.
const TCA_ACT_BPF_PARMS: u16 = 2;
const TCA_ACT_BPF_NAME: u16 = 6;
const TCA_ACT_BPF_ID: u16 = 9;

/// A place whose filters `bpftool net show` lists, in the order it asks
/// the kernel: every class, every qdisc with a handle (but clsact), then
/// the root, then the clsact ingress and egress hooks.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TcHook {
    /// A class (`RTM_GETTCLASS`), by its handle; labelled with the class's
    /// kind, e.g. `htb`.
    Class {
        /// The kind of the class (`TCA_KIND`), `unknown` without one.
        kind: String,
        /// The class id, e.g. `0x0001000a` for `1:10`.
        handle: u32,
    },
    /// A qdisc with a handle, by its handle; labelled with its kind, e.g.
    /// `htb` or `ingress`.
    Qdisc {
        /// The kind of the qdisc (`TCA_KIND`), `unknown` without one.
        kind: String,
        /// The qdisc handle, e.g. `0x00010000` for `1:`.
        handle: u32,
    },
    /// `TC_H_ROOT`, labelled `root`.
    Root,
    /// The ingress hook of clsact (or of the ingress qdisc), labelled
    /// `clsact/ingress`.
    ClsactIngress,
    /// The egress hook of clsact, labelled `clsact/egress`.
    ClsactEgress,
}

impl TcHook {
    /// bpftool's label: the class or qdisc kind, `root`, `clsact/ingress`
    /// or `clsact/egress`.
    pub fn label(&self) -> &str {
        match self {
            TcHook::Class { kind, .. } | TcHook::Qdisc { kind, .. } => kind,
            TcHook::Root => "root",
            TcHook::ClsactIngress => "clsact/ingress",
            TcHook::ClsactEgress => "clsact/egress",
        }
    }

    /// The `tcm_parent` a filter dump for this hook asks for.
    pub fn parent(&self) -> u32 {
        match self {
            TcHook::Class { handle, .. } | TcHook::Qdisc { handle, .. } => *handle,
            TcHook::Root => ROOT,
            TcHook::ClsactIngress => CLSACT_INGRESS,
            TcHook::ClsactEgress => CLSACT_EGRESS,
        }
    }

    /// The hooks to ask about, from a class dump and a qdisc dump: every
    /// class, every qdisc but clsact and those without a handle, then the
    /// three fixed hooks. Like bpftool, the qdisc list is used as the kernel
    /// dumps it (all devices' qdiscs), so a handle another device has too is
    /// asked about under that device's kind as well.
    pub(crate) fn list(classes: &[TcMessage], qdiscs: &[TcMessage]) -> Vec<TcHook> {
        let mut hooks: Vec<TcHook> = classes
            .iter()
            .map(|c| TcHook::Class { kind: kind_or_unknown(c), handle: c.header.handle.into() })
            .collect();
        hooks.extend(
            qdiscs
                .iter()
                .filter(|q| kind(q) != Some("clsact") && u32::from(q.header.handle) != 0)
                .map(|q| TcHook::Qdisc {
                    kind: kind_or_unknown(q),
                    handle: q.header.handle.into(),
                }),
        );
        hooks.extend([TcHook::Root, TcHook::ClsactIngress, TcHook::ClsactEgress]);
        hooks
    }
}

impl fmt::Display for TcHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A tc filter of kind `bpf`, as `bpftool net show` lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcAttachment {
    /// The interface index.
    pub ifindex: u32,
    /// The interface name; empty when the kernel sent none.
    pub devname: String,
    /// Where the filter was found.
    pub hook: TcHook,
    /// The filter handle (`tcm_handle`).
    pub handle: u32,
    /// The filter priority (`pref`).
    pub priority: u16,
    /// The name tc gave the filter (`TCA_BPF_NAME`, e.g. `prog:[*fsobj]`).
    pub name: Option<String>,
    /// The id of the classifier program (`TCA_BPF_ID`).
    pub prog_id: Option<u32>,
    /// The program's tag (`TCA_BPF_TAG`).
    pub tag: Option<[u8; 8]>,
    /// Whether the program's return value is the action (`direct-action`,
    /// `TCA_BPF_FLAG_ACT_DIRECT`).
    pub direct_action: bool,
    /// The filter's bpf actions, when it has an action list (`TCA_BPF_ACT`);
    /// actions of other kinds are left out, as bpftool leaves them out.
    pub actions: Option<Vec<TcBpfAction>>,
}

/// A `bpf` action (act_bpf) of a filter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcBpfAction {
    /// The action's name (`TCA_ACT_BPF_NAME`).
    pub name: Option<String>,
    /// The id of the action's program (`TCA_ACT_BPF_ID`).
    pub prog_id: Option<u32>,
}

impl TcAttachment {
    /// The filter in a filter dump message, or `None` unless it is a `bpf`
    /// filter with options (the kernel also sends option-less headers of each
    /// filter chain, which bpftool skips too).
    pub(crate) fn from_filter(
        msg: &TcMessage,
        hook: &TcHook,
        devname: &str,
        ifindex: u32,
    ) -> Option<TcAttachment> {
        if kind(msg) != Some("bpf") {
            return None;
        }
        let options = msg.attributes.iter().rev().find_map(|a| match a {
            TcAttribute::Options(options) => Some(options),
            _ => None,
        })?;
        let mut filter = TcAttachment {
            ifindex,
            devname: devname.to_owned(),
            hook: hook.clone(),
            handle: msg.header.handle.into(),
            priority: (msg.header.info >> 16) as u16,
            name: None,
            prog_id: None,
            tag: None,
            direct_action: false,
            actions: None,
        };
        for option in options {
            let TcOption::Bpf(option) = option else { continue };
            match option {
                TcFilterBpfOption::ProgName(name) => filter.name = Some(name.clone()),
                TcFilterBpfOption::ProgId(id) => filter.prog_id = Some(*id),
                TcFilterBpfOption::ProgTag(tag) => filter.tag = Some(*tag),
                TcFilterBpfOption::Flags(flags) => {
                    filter.direct_action = flags.contains(TcBpfFlags::DirectAction);
                }
                TcFilterBpfOption::Other(nla) if nla_kind(nla) == TCA_BPF_ACT => {
                    filter.actions = Some(bpf_actions(&nla_value(nla)));
                }
                _ => {}
            }
        }
        Some(filter)
    }

    /// The tag as bpftool prints tags: 16 lower-case hex digits.
    pub fn tag_hex(&self) -> Option<String> {
        self.tag.map(|tag| tag.iter().map(|b| format!("{b:02x}")).collect())
    }
}

/// The bpf actions of a `TCA_BPF_ACT` nest, in priority order.
fn bpf_actions(nest: &[u8]) -> Vec<TcBpfAction> {
    // One slot per priority; a later copy of a slot replaces an earlier one.
    let mut slots: Vec<Option<&[u8]>> = vec![None; usize::from(TCA_ACT_MAX_PRIO) + 1];
    for (kind, value) in attributes(nest) {
        if let Some(slot) = slots.get_mut(usize::from(kind)) {
            *slot = Some(value);
        }
    }
    slots.into_iter().flatten().filter_map(bpf_action).collect()
}

/// One action of the list, if it is a `bpf` action with parameters.
fn bpf_action(action: &[u8]) -> Option<TcBpfAction> {
    let kind = last(action, TCA_ACT_KIND)?;
    if c_string(kind) != "bpf" {
        return None;
    }
    let options = last(action, TCA_ACT_OPTIONS)?;
    last(options, TCA_ACT_BPF_PARMS)?;
    Some(TcBpfAction {
        name: last(options, TCA_ACT_BPF_NAME).map(c_string),
        prog_id: last(options, TCA_ACT_BPF_ID)
            .and_then(|v| v.get(..4))
            .and_then(|v| v.try_into().ok())
            .map(u32::from_ne_bytes),
    })
}

/// The (type, value) of each attribute in `bytes`, type flags masked off;
/// stops at the first truncated one.
fn attributes(bytes: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    let mut rest = bytes;
    std::iter::from_fn(move || {
        let header = rest.get(..4)?;
        let len = usize::from(u16::from_ne_bytes([header[0], header[1]]));
        let kind = u16::from_ne_bytes([header[2], header[3]]) & NLA_TYPE_MASK;
        let value = rest.get(4..len)?;
        rest = rest.get(len.next_multiple_of(4)..).unwrap_or(&[]);
        Some((kind, value))
    })
}

/// The value of the last attribute of type `kind` in `bytes`.
fn last(bytes: &[u8], kind: u16) -> Option<&[u8]> {
    attributes(bytes).filter(|(k, _)| *k == kind).last().map(|(_, v)| v)
}

/// A NUL-terminated string attribute.
fn c_string(value: &[u8]) -> String {
    let end = value.iter().position(|b| *b == 0).unwrap_or(value.len());
    String::from_utf8_lossy(&value[..end]).into_owned()
}

fn nla_kind(nla: &rtnetlink::packet_core::DefaultNla) -> u16 {
    use rtnetlink::packet_core::Nla;
    // Without the nested and byte-order flags, as they are parsed.
    nla.kind() & NLA_TYPE_MASK
}

fn nla_value(nla: &rtnetlink::packet_core::DefaultNla) -> Vec<u8> {
    use rtnetlink::packet_core::Nla;
    let mut value = vec![0u8; nla.value_len()];
    nla.emit_value(&mut value);
    value
}

fn kind(msg: &TcMessage) -> Option<&str> {
    msg.attributes.iter().rev().find_map(|a| match a {
        TcAttribute::Kind(kind) => Some(kind.as_str()),
        _ => None,
    })
}

fn kind_or_unknown(msg: &TcMessage) -> String {
    kind(msg).unwrap_or("unknown").to_owned()
}

#[cfg(test)]
mod tests {
    use rtnetlink::packet_core::DefaultNla;
    use rtnetlink::packet_route::tc::TcHandle;

    use super::*;

    fn handle(raw: u32) -> TcHandle {
        TcHandle::from(raw)
    }

    fn msg(kind: &str, handle_raw: u32, attrs: Vec<TcAttribute>) -> TcMessage {
        let mut m = TcMessage::default();
        m.header.handle = handle(handle_raw);
        m.attributes.push(TcAttribute::Kind(kind.into()));
        m.attributes.extend(attrs);
        m
    }

    fn nla(kind: u16, value: &[u8]) -> Vec<u8> {
        let len = 4 + value.len();
        let mut out = Vec::new();
        out.extend_from_slice(&(len as u16).to_ne_bytes());
        out.extend_from_slice(&kind.to_ne_bytes());
        out.extend_from_slice(value);
        out.resize(len.next_multiple_of(4), 0);
        out
    }

    fn bpf_act(name: &str, id: u32) -> Vec<u8> {
        let mut options = nla(TCA_ACT_BPF_PARMS, &[0; 20]);
        options.extend(nla(TCA_ACT_BPF_NAME, format!("{name}\0").as_bytes()));
        options.extend(nla(TCA_ACT_BPF_ID, &id.to_ne_bytes()));
        let mut action = nla(TCA_ACT_KIND, b"bpf\0");
        action.extend(nla(TCA_ACT_OPTIONS | 0x8000, &options));
        action
    }

    #[test]
    fn hooks_follow_bpftool_order_and_skip_clsact() {
        let classes = [msg("htb", 0x0001_000a, vec![])];
        let qdiscs = [
            msg("noqueue", 0, vec![]),
            msg("clsact", 0xffff_0000, vec![]),
            msg("htb", 0x0001_0000, vec![]),
            msg("ingress", 0xffff_0000, vec![]),
        ];
        let hooks = TcHook::list(&classes, &qdiscs);
        let labels: Vec<(&str, u32)> = hooks.iter().map(|h| (h.label(), h.parent())).collect();
        assert_eq!(
            labels,
            [
                ("htb", 0x0001_000a),
                ("htb", 0x0001_0000),
                ("ingress", 0xffff_0000),
                ("root", 0xffff_ffff),
                ("clsact/ingress", 0xffff_fff2),
                ("clsact/egress", 0xffff_fff3),
            ]
        );
        let mut nameless = TcMessage::default();
        nameless.header.handle = handle(0x0002_0000);
        assert_eq!(TcHook::list(&[], &[nameless])[0].label(), "unknown");
    }

    #[test]
    fn a_bpf_filter_carries_name_id_tag_and_direct_action() {
        let mut m = msg(
            "bpf",
            1,
            vec![TcAttribute::Options(vec![
                TcOption::Bpf(TcFilterBpfOption::ProgName("cls:[*fsobj]".into())),
                TcOption::Bpf(TcFilterBpfOption::Flags(TcBpfFlags::DirectAction)),
                TcOption::Bpf(TcFilterBpfOption::ProgTag([
                    0x59, 0xf4, 0xa9, 0x31, 0x74, 0x4d, 0xcd, 0xc6,
                ])),
                TcOption::Bpf(TcFilterBpfOption::ProgId(77)),
            ])],
        );
        m.header.info = 49152 << 16 | 0x0300;
        let f = TcAttachment::from_filter(&m, &TcHook::ClsactIngress, "veth0", 3).unwrap();
        assert_eq!(f.devname, "veth0");
        assert_eq!(f.ifindex, 3);
        assert_eq!(f.hook.label(), "clsact/ingress");
        assert_eq!((f.handle, f.priority), (1, 49152));
        assert_eq!(f.name.as_deref(), Some("cls:[*fsobj]"));
        assert_eq!(f.prog_id, Some(77));
        assert_eq!(f.tag_hex().as_deref(), Some("59f4a931744dcdc6"));
        assert!(f.direct_action);
        assert_eq!(f.actions, None);
    }

    #[test]
    fn other_filters_and_option_less_headers_are_skipped() {
        let u32_filter = msg("u32", 0x800, vec![TcAttribute::Options(vec![])]);
        assert_eq!(TcAttachment::from_filter(&u32_filter, &TcHook::Root, "x", 1), None);
        let header = msg("bpf", 0, vec![]);
        assert_eq!(TcAttachment::from_filter(&header, &TcHook::Root, "x", 1), None);
        let bare = msg("bpf", 1, vec![TcAttribute::Options(vec![])]);
        let f = TcAttachment::from_filter(&bare, &TcHook::Root, "", 1).unwrap();
        assert_eq!((f.name, f.prog_id, f.direct_action), (None, None, false));
    }

    #[test]
    fn bpf_actions_are_read_in_priority_order() {
        // Priority 2 before 1 on the wire; a mirred action in between is not listed.
        let mut acts = nla(2 | 0x8000, &bpf_act("second", 12));
        let mut mirred = nla(TCA_ACT_KIND, b"mirred\0");
        mirred.extend(nla(TCA_ACT_OPTIONS, &[]));
        acts.extend(nla(3, &mirred));
        acts.extend(nla(1, &bpf_act("first", 11)));
        let m = msg(
            "bpf",
            1,
            vec![TcAttribute::Options(vec![TcOption::Bpf(TcFilterBpfOption::Other(
                DefaultNla::new(TCA_BPF_ACT, acts),
            ))])],
        );
        let f = TcAttachment::from_filter(&m, &TcHook::Root, "eth0", 2).unwrap();
        assert_eq!(
            f.actions.unwrap(),
            [
                TcBpfAction { name: Some("first".into()), prog_id: Some(11) },
                TcBpfAction { name: Some("second".into()), prog_id: Some(12) },
            ]
        );
        // An empty list is still a list.
        let m = msg(
            "bpf",
            1,
            vec![TcAttribute::Options(vec![TcOption::Bpf(TcFilterBpfOption::Other(
                DefaultNla::new(TCA_BPF_ACT, vec![]),
            ))])],
        );
        assert_eq!(
            TcAttachment::from_filter(&m, &TcHook::Root, "", 2).unwrap().actions,
            Some(vec![])
        );
    }
}
