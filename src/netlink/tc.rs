//! tc's handles, and the qdiscs and classes the kernel dumps
//! (`RTM_GETQDISC`, `RTM_GETTCLASS`): the places a tc filter can hang from.
//!
//! These are plain dumps, decoded: which of them to ask for filters, and in
//! which order, is the caller's business (`bpfkit net show` asks in
//! bpftool's order).

use std::fmt;

use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::packet_route::tc::{TcAttribute, TcMessage};

use super::dump::Dump;

/// A tc handle (`tcm_handle`) or parent (`tcm_parent`): a 16-bit major and
/// a 16-bit minor number, `major:minor` in tc's hexadecimal spelling (`1:`
/// is a qdisc's handle, `1:10` one of its classes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TcHandle(pub u32);

/// `TC_H_CLSACT`: the major number of the clsact (and ingress) qdisc's
/// hooks.
const CLSACT: u32 = 0xffff_0000;

impl TcHandle {
    /// No handle (`TC_H_UNSPEC`): e.g. a qdisc the kernel made without one,
    /// such as `noqueue`.
    #[doc(alias = "TC_H_UNSPEC")]
    pub const UNSPEC: TcHandle = TcHandle(0);
    /// The root of a device's egress qdisc tree (`TC_H_ROOT`).
    #[doc(alias = "TC_H_ROOT")]
    pub const ROOT: TcHandle = TcHandle(0xffff_ffff);
    /// Where the ingress and clsact qdiscs hang (`TC_H_INGRESS`): the
    /// [`parent`](TcQdisc::parent) a qdisc dump gives them.
    #[doc(alias = "TC_H_INGRESS")]
    pub const INGRESS: TcHandle = TcHandle(0xffff_fff1);
    /// The ingress hook of the clsact (or ingress) qdisc,
    /// `TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS)`: where
    /// `tc filter add dev X ingress` puts a filter.
    #[doc(alias = "TC_H_MIN_INGRESS")]
    pub const CLSACT_INGRESS: TcHandle = TcHandle(CLSACT | 0xfff2);
    /// The egress hook of the clsact qdisc,
    /// `TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS)`: where
    /// `tc filter add dev X egress` puts a filter.
    #[doc(alias = "TC_H_MIN_EGRESS")]
    pub const CLSACT_EGRESS: TcHandle = TcHandle(CLSACT | 0xfff3);

    /// The handle `major:minor` (`TC_H_MAKE`).
    #[doc(alias = "TC_H_MAKE")]
    pub const fn new(major: u16, minor: u16) -> TcHandle {
        TcHandle((major as u32) << 16 | minor as u32)
    }

    /// The major number (`TC_H_MAJ`, shifted down).
    pub const fn major(self) -> u16 {
        (self.0 >> 16) as u16
    }

    /// The minor number (`TC_H_MIN`).
    pub const fn minor(self) -> u16 {
        self.0 as u16
    }
}

impl From<u32> for TcHandle {
    fn from(raw: u32) -> TcHandle {
        TcHandle(raw)
    }
}

impl From<TcHandle> for u32 {
    fn from(handle: TcHandle) -> u32 {
        handle.0
    }
}

/// As tc writes handles: `1:10`, `1:` with minor 0, `root` for
/// [`TcHandle::ROOT`] and `none` for [`TcHandle::UNSPEC`].
impl fmt::Display for TcHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            TcHandle::ROOT => f.write_str("root"),
            TcHandle::UNSPEC => f.write_str("none"),
            TcHandle(_) if self.minor() == 0 => write!(f, "{:x}:", self.major()),
            TcHandle(_) => write!(f, "{:x}:{:x}", self.major(), self.minor()),
        }
    }
}

/// A queueing discipline (qdisc) as a qdisc dump (`RTM_GETQDISC`) describes
/// it. Get them with [`Netlink::tc_qdiscs`](super::Netlink::tc_qdiscs) or
/// [`BlockingNetlink::tc_qdiscs`](super::BlockingNetlink::tc_qdiscs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcQdisc {
    /// The index of the interface the qdisc is on (`tcm_ifindex`).
    pub ifindex: u32,
    /// The qdisc's kind (`TCA_KIND`, e.g. `htb`, `clsact`, `noqueue`), when
    /// the kernel sent one.
    pub kind: Option<String>,
    /// The qdisc's handle (`tcm_handle`), e.g. `1:`; [`TcHandle::UNSPEC`] for
    /// a qdisc without one.
    pub handle: TcHandle,
    /// Where the qdisc hangs (`tcm_parent`): [`TcHandle::ROOT`] for a
    /// device's root qdisc, a class for a child qdisc, [`TcHandle::INGRESS`]
    /// for the ingress and clsact qdiscs.
    pub parent: TcHandle,
}

/// A traffic class as a class dump (`RTM_GETTCLASS`) describes it. Get them
/// with [`Netlink::tc_classes`](super::Netlink::tc_classes) or
/// [`BlockingNetlink::tc_classes`](super::BlockingNetlink::tc_classes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcClass {
    /// The index of the interface the class is on (`tcm_ifindex`).
    pub ifindex: u32,
    /// The class's kind (`TCA_KIND`, that of its qdisc, e.g. `htb`), when
    /// the kernel sent one.
    pub kind: Option<String>,
    /// The class id (`tcm_handle`), e.g. `1:10`.
    pub handle: TcHandle,
    /// The class's parent (`tcm_parent`): its parent class, or (as htb
    /// reports a top-level class) [`TcHandle::ROOT`].
    pub parent: TcHandle,
}

/// What a qdisc and a class message both say: (interface index, kind,
/// handle, parent).
fn place(msg: &TcMessage) -> (u32, Option<String>, TcHandle, TcHandle) {
    let (handle, parent) = (msg.header.handle.into(), msg.header.parent.into());
    (ifindex(msg), kind(msg).map(str::to_owned), TcHandle(handle), TcHandle(parent))
}

impl TcQdisc {
    fn from_message(msg: &TcMessage) -> TcQdisc {
        let (ifindex, kind, handle, parent) = place(msg);
        TcQdisc { ifindex, kind, handle, parent }
    }
}

impl TcClass {
    fn from_message(msg: &TcMessage) -> TcClass {
        let (ifindex, kind, handle, parent) = place(msg);
        TcClass { ifindex, kind, handle, parent }
    }
}

/// The qdisc dump. The kernel dumps every device's qdiscs whatever the
/// request says, so `only` (an interface index) is applied by
/// [`qdiscs_from`]; here it only names the dump.
pub(crate) fn qdiscs_dump(only: Option<u32>) -> Dump {
    let what = match only {
        Some(index) => format!("the qdiscs of interface {index} (RTM_GETQDISC)"),
        None => "the qdiscs (RTM_GETQDISC)".to_string(),
    };
    Dump { request: RouteNetlinkMessage::GetQueueDiscipline(request(0, 0)), what }
}

/// The qdiscs a qdisc dump answered, those of interface `only` if given.
pub(crate) fn qdiscs_from(msgs: &[RouteNetlinkMessage], only: Option<u32>) -> Vec<TcQdisc> {
    msgs.iter()
        .filter_map(|m| match m {
            RouteNetlinkMessage::NewQueueDiscipline(m) => Some(TcQdisc::from_message(m)),
            _ => None,
        })
        .filter(|q| only.is_none_or(|index| index == q.ifindex))
        .collect()
}

/// The class dump of one interface: the kernel dumps one device's classes
/// per request, so the classes of every device take a link dump and one
/// of these per device.
pub(crate) fn classes_dump(index: u32) -> Dump {
    Dump {
        request: RouteNetlinkMessage::GetTrafficClass(request(index, 0)),
        what: format!("the classes of interface {index} (RTM_GETTCLASS)"),
    }
}

/// The classes a class dump answered.
pub(crate) fn classes_from(msgs: &[RouteNetlinkMessage]) -> impl Iterator<Item = TcClass> + '_ {
    msgs.iter().filter_map(|m| match m {
        RouteNetlinkMessage::NewTrafficClass(m) => Some(TcClass::from_message(m)),
        _ => None,
    })
}

/// A tc dump request for interface `ifindex` and parent `parent`.
pub(super) fn request(ifindex: u32, parent: u32) -> TcMessage {
    let mut msg = TcMessage::default();
    msg.header.index = ifindex as i32;
    msg.header.parent = parent.into();
    msg
}

fn ifindex(msg: &TcMessage) -> u32 {
    msg.header.index as u32
}

/// The message's kind (`TCA_KIND`); the last copy wins.
pub(super) fn kind(msg: &TcMessage) -> Option<&str> {
    msg.attributes.iter().rev().find_map(|a| match a {
        TcAttribute::Kind(kind) => Some(kind.as_str()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_parents_are_the_kernels() {
        assert_eq!(TcHandle::CLSACT_INGRESS, TcHandle::new(0xffff, 0xfff2));
        assert_eq!(TcHandle::CLSACT_EGRESS.0, 0xffff_fff3);
        assert_eq!(TcHandle::ROOT, TcHandle::new(0xffff, 0xffff));
        assert_eq!(TcHandle::INGRESS, TcHandle::new(0xffff, 0xfff1));
        let h = TcHandle::new(1, 0x10);
        assert_eq!((h.major(), h.minor(), u32::from(h)), (1, 0x10, 0x0001_0010));
    }

    #[test]
    fn handles_are_written_as_tc_writes_them() {
        let shown: Vec<String> = [
            TcHandle::new(1, 0x10),
            TcHandle::new(1, 0),
            TcHandle::CLSACT_INGRESS,
            TcHandle::ROOT,
            TcHandle::UNSPEC,
        ]
        .iter()
        .map(ToString::to_string)
        .collect();
        assert_eq!(shown, ["1:10", "1:", "ffff:fff2", "root", "none"]);
    }

    #[test]
    fn a_dumped_qdisc_or_class_keeps_interface_kind_handle_and_parent() {
        let mut msg = request(3, TcHandle::ROOT.0);
        msg.header.handle = 0x0001_0000.into();
        msg.attributes.push(TcAttribute::Kind("pfifo".into()));
        msg.attributes.push(TcAttribute::Kind("htb".into()));
        let q = TcQdisc::from_message(&msg);
        assert_eq!(
            q,
            TcQdisc {
                ifindex: 3,
                kind: Some("htb".into()),
                handle: TcHandle::new(1, 0),
                parent: TcHandle::ROOT,
            }
        );
        let c = TcClass::from_message(&TcMessage::default());
        assert_eq!((c.ifindex, c.kind, c.handle), (0, None, TcHandle::UNSPEC));
    }
}
