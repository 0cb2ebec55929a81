//! tc BPF filters (cls_bpf) of one parent of one interface, read from a
//! filter dump (`RTM_GETTFILTER`): the filter's `TCA_BPF_*` options and the
//! bpf actions (act_bpf) of its action list.

use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::packet_route::tc::{
    TcAttribute, TcBpfFlags, TcFilterBpfOption, TcMessage, TcOption,
};

use super::dump::Dump;
use super::tc::{TcHandle, kind, request};
use super::tc_filter::TcFilter;
use crate::object::Interface;
use crate::prog::ProgTag;
use crate::sys::TcDirection;

/// `TCA_BPF_ACT`: the filter's actions, one nest per priority.
const TCA_BPF_ACT: u16 = 1;
/// `TCA_ACT_MAX_PRIO`: an action list has slots 0 to 32.
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

/// A tc filter of kind `bpf` (cls_bpf), as a filter dump describes it. Get
/// those of one parent with
/// [`Netlink::tc_bpf_filters`](super::Netlink::tc_bpf_filters) or
/// [`BlockingNetlink::tc_bpf_filters`](super::BlockingNetlink::tc_bpf_filters).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcAttachment {
    /// The index of the interface the filter is on (`tcm_ifindex`).
    pub ifindex: u32,
    /// The parent whose filters were dumped: a qdisc, a class, or one of
    /// the fixed hooks such as [`TcHandle::CLSACT_INGRESS`].
    pub parent: TcHandle,
    /// The filter handle (`tcm_handle`).
    pub handle: u32,
    /// The filter priority (`pref`).
    pub priority: u16,
    /// The name tc gave the filter (`TCA_BPF_NAME`, e.g. `prog:[*fsobj]`).
    pub name: Option<String>,
    /// The id of the classifier program (`TCA_BPF_ID`).
    pub prog_id: Option<u32>,
    /// The program's tag (`TCA_BPF_TAG`).
    pub tag: Option<ProgTag>,
    /// Whether the program's return value is the action (`direct-action`,
    /// `TCA_BPF_FLAG_ACT_DIRECT`).
    pub direct_action: bool,
    /// The filter's bpf actions in priority order, when it has an action
    /// list (`TCA_BPF_ACT`); actions of other kinds (e.g. mirred) are left
    /// out.
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
    /// Where the filter is, to detach it with
    /// [`Netlink::detach_tc`](super::Netlink::detach_tc): `None` unless it
    /// hangs from a clsact hook ([`TcHandle::CLSACT_INGRESS`] or
    /// [`TcHandle::CLSACT_EGRESS`]).
    pub fn tc_filter(&self) -> Option<TcFilter> {
        let direction = match self.parent {
            TcHandle::CLSACT_INGRESS => TcDirection::Ingress,
            TcHandle::CLSACT_EGRESS => TcDirection::Egress,
            _ => return None,
        };
        Some(TcFilter {
            ifindex: self.ifindex,
            direction,
            priority: self.priority,
            handle: self.handle,
        })
    }

    /// The filter in a filter dump message for `parent`, or `None` unless it
    /// is a `bpf` filter with options (the kernel also sends option-less
    /// headers of each filter chain).
    fn from_filter(msg: &TcMessage, parent: TcHandle) -> Option<TcAttachment> {
        if kind(msg) != Some("bpf") {
            return None;
        }
        let options = msg.attributes.iter().rev().find_map(|a| match a {
            TcAttribute::Options(options) => Some(options),
            _ => None,
        })?;
        let mut filter = TcAttachment {
            ifindex: msg.header.index as u32,
            parent,
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
                TcFilterBpfOption::ProgTag(tag) => filter.tag = Some(ProgTag(*tag)),
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
}

/// The filter dump of interface `index` (`iface`, as the error names it)
/// under `parent`.
pub(crate) fn filters_dump(iface: &Interface, index: u32, parent: TcHandle) -> Dump {
    Dump {
        request: RouteNetlinkMessage::GetTrafficFilter(request(index, parent.0)),
        what: format!("the filters of {iface} under {parent} (RTM_GETTFILTER)"),
    }
}

/// The bpf filters a filter dump under `parent` answered, in dump order.
pub(crate) fn bpf_filters_from(
    msgs: &[RouteNetlinkMessage],
    parent: TcHandle,
) -> Vec<TcAttachment> {
    msgs.iter()
        .filter_map(|m| match m {
            RouteNetlinkMessage::NewTrafficFilter(m) => TcAttachment::from_filter(m, parent),
            _ => None,
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use rtnetlink::packet_core::DefaultNla;

    use super::*;

    fn msg(kind: &str, handle_raw: u32, attrs: Vec<TcAttribute>) -> TcMessage {
        let mut m = TcMessage::default();
        m.header.index = 3;
        m.header.handle = handle_raw.into();
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
        let f = TcAttachment::from_filter(&m, TcHandle::CLSACT_INGRESS).unwrap();
        assert_eq!(f.ifindex, 3);
        assert_eq!(f.parent, TcHandle::CLSACT_INGRESS);
        assert_eq!((f.handle, f.priority), (1, 49152));
        assert_eq!(f.name.as_deref(), Some("cls:[*fsobj]"));
        assert_eq!(f.prog_id, Some(77));
        assert_eq!(f.tag.map(|t| t.to_string()).as_deref(), Some("59f4a931744dcdc6"));
        assert!(f.direct_action);
        assert_eq!(f.actions, None);
        let place = f.tc_filter().unwrap();
        assert_eq!((place.ifindex, place.priority, place.handle), (3, 49152, 1));
        assert_eq!(place.direction, TcDirection::Ingress);
        let root = TcAttachment { parent: TcHandle::ROOT, ..f };
        assert_eq!(root.tc_filter(), None);
    }

    #[test]
    fn other_filters_and_option_less_headers_are_skipped() {
        let u32_filter = msg("u32", 0x800, vec![TcAttribute::Options(vec![])]);
        assert_eq!(TcAttachment::from_filter(&u32_filter, TcHandle::ROOT), None);
        let header = msg("bpf", 0, vec![]);
        assert_eq!(TcAttachment::from_filter(&header, TcHandle::ROOT), None);
        let bare = msg("bpf", 1, vec![TcAttribute::Options(vec![])]);
        let f = TcAttachment::from_filter(&bare, TcHandle::ROOT).unwrap();
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
        let f = TcAttachment::from_filter(&m, TcHandle::ROOT).unwrap();
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
        assert_eq!(TcAttachment::from_filter(&m, TcHandle::ROOT).unwrap().actions, Some(vec![]));
    }
}
