//! Classic tc attachments: a `bpf` filter (cls_bpf) in direct-action mode
//! on the ingress or egress hook of an interface's `clsact` qdisc, what
//! `tc qdisc add dev X clsact` and `tc filter add dev X ingress bpf da ...`
//! do. The requests here are plain data; [`Netlink`](super::Netlink) sends
//! them.
//!
//! A filter is found by interface, direction, priority (`pref`) and handle,
//! so those four are all a [`TcFilter`] holds: it can be rebuilt from a
//! dump, and it outlives the process that made it. Netlink filters are no
//! bpf objects, so they cannot be pinned; they stay until deleted (or the
//! interface, or its qdisc, goes).

use rtnetlink::packet_route::tc::{
    TcAttribute, TcBpfFlags, TcFilterBpfOption, TcMessage, TcOption,
};

use super::tc::TcHandle;
use crate::sys::TcDirection;
use crate::{Error, Result};

/// `ETH_P_ALL`: every protocol, the default of a filter.
pub const ETH_P_ALL: u16 = 0x0003;

/// `TC_H_CLSACT`'s qdisc handle, `ffff:`.
const CLSACT_HANDLE: u32 = 0xffff_0000;

/// What to attach where: the side of the interface, the filter's priority,
/// handle, name and protocol. The program and the interface are given to
/// [`Netlink::attach_tc`](super::Netlink::attach_tc) (or
/// [`replace_tc`](super::Netlink::replace_tc)).
///
/// The fields are public to read; the methods of the same names set them.
///
/// ```
/// use bpfkit::netlink::{TcDirection, TcFilterSpec};
/// let spec = TcFilterSpec::new(TcDirection::Ingress).priority(10).handle(2).name("counter");
/// assert_eq!((spec.priority, spec.handle), (10, 2));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcFilterSpec {
    /// The side of the interface.
    pub direction: TcDirection,
    /// The priority (`pref`); see [`priority`](Self::priority).
    pub priority: u16,
    /// The handle; see [`handle`](Self::handle).
    pub handle: u32,
    /// The filter's name; `None` for the program's.
    pub name: Option<String>,
    /// The protocol, an EtherType in host order.
    pub protocol: u16,
}

impl TcFilterSpec {
    /// A filter on `direction` with priority 1, handle 1, protocol
    /// [`ETH_P_ALL`], named after its program.
    pub fn new(direction: TcDirection) -> TcFilterSpec {
        TcFilterSpec { direction, priority: 1, handle: 1, name: None, protocol: ETH_P_ALL }
    }

    /// The priority (`tc ... pref`), 1 to 65535: lower runs first. Filters
    /// of one priority share a protocol and a kind. 0, which asks the
    /// kernel to choose, is refused: the filter could not be found again.
    pub fn priority(mut self, priority: u16) -> TcFilterSpec {
        self.priority = priority;
        self
    }

    /// The handle within the priority (`tc ... handle`), not 0.
    pub fn handle(mut self, handle: u32) -> TcFilterSpec {
        self.handle = handle;
        self
    }

    /// The filter's name (`TCA_BPF_NAME`), shown by `tc filter show` and
    /// `bpftool net show`; by default the program's name (`bpf` when it
    /// has none).
    pub fn name(mut self, name: impl Into<String>) -> TcFilterSpec {
        self.name = Some(name.into());
        self
    }

    /// The protocol the filter sees (`tc ... protocol`), an EtherType in
    /// host order such as `0x0800` (`ETH_P_IP`); [`ETH_P_ALL`] by default.
    pub fn protocol(mut self, protocol: u16) -> TcFilterSpec {
        self.protocol = protocol;
        self
    }

    /// Refuses what the kernel would fill in by itself: a filter whose
    /// priority or handle the kernel chose could not be found again.
    pub(crate) fn check(&self) -> Result<()> {
        let zero = |what| Error::InvalidArgument {
            what,
            why: "0 asks the kernel to choose, and the filter could not be found again to \
                  detach it; give a number from 1"
                .into(),
        };
        if self.priority == 0 {
            return Err(zero("tc filter priority"));
        }
        if self.handle == 0 {
            return Err(zero("tc filter handle"));
        }
        Ok(())
    }

    /// The [`TcFilter`] this spec makes on interface `ifindex`.
    pub(crate) fn on(&self, ifindex: u32) -> TcFilter {
        TcFilter {
            ifindex,
            direction: self.direction,
            priority: self.priority,
            handle: self.handle,
        }
    }

    /// The name the filter gets, for a program named `prog_name`.
    fn name_for<'a>(&'a self, prog_name: &'a str) -> &'a str {
        match &self.name {
            Some(name) => name,
            None if prog_name.is_empty() => "bpf",
            None => prog_name,
        }
    }
}

/// Where a classic tc `bpf` filter is: interface, side, priority and handle.
/// [`Netlink::attach_tc`](super::Netlink::attach_tc) returns one;
/// [`Netlink::detach_tc`](super::Netlink::detach_tc) deletes the filter it
/// names, and [`guard`](TcFilter::guard) (with
/// [`BlockingNetlink`](super::BlockingNetlink)) ties that to a scope.
///
/// It is plain data, not an owner: the filter stays in the kernel when this
/// value is dropped (or the process ends), as with `tc filter add`. Build
/// one by hand to delete a filter someone else added.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TcFilter {
    /// The interface index.
    pub ifindex: u32,
    /// The side of the interface.
    pub direction: TcDirection,
    /// The priority (`pref`).
    pub priority: u16,
    /// The handle within the priority.
    pub handle: u32,
}

impl TcFilter {
    /// The parent the filter hangs from: [`TcHandle::CLSACT_INGRESS`] or
    /// [`TcHandle::CLSACT_EGRESS`].
    pub fn parent(&self) -> TcHandle {
        TcHandle(self.direction.parent())
    }
}

/// `tcm_info` of a filter: the priority above the protocol, which is in
/// network byte order.
fn info(priority: u16, protocol: u16) -> u32 {
    u32::from(priority) << 16 | u32::from(protocol.to_be())
}

/// The `RTM_NEWQDISC` (or `RTM_DELQDISC`) body of the clsact qdisc of
/// interface `ifindex`.
pub(crate) fn clsact_message(ifindex: u32) -> TcMessage {
    let mut msg = TcMessage::default();
    msg.header.index = ifindex as i32;
    msg.header.parent = TcHandle::INGRESS.0.into();
    msg.header.handle = CLSACT_HANDLE.into();
    msg.attributes.push(TcAttribute::Kind("clsact".into()));
    msg
}

/// The `RTM_NEWTFILTER` body: a direct-action `bpf` filter of program
/// `fd`, named as the spec says for a program named `prog_name`.
pub(crate) fn filter_message(
    ifindex: u32,
    spec: &TcFilterSpec,
    prog_name: &str,
    fd: i32,
) -> TcMessage {
    let mut msg = TcMessage::default();
    msg.header.index = ifindex as i32;
    msg.header.parent = spec.direction.parent().into();
    msg.header.handle = spec.handle.into();
    msg.header.info = info(spec.priority, spec.protocol);
    msg.attributes.push(TcAttribute::Kind("bpf".into()));
    msg.attributes.push(TcAttribute::Options(vec![
        TcOption::Bpf(TcFilterBpfOption::ProgFd(fd as u32)),
        TcOption::Bpf(TcFilterBpfOption::ProgName(spec.name_for(prog_name).to_string())),
        TcOption::Bpf(TcFilterBpfOption::Flags(TcBpfFlags::DirectAction)),
    ]));
    msg
}

/// The `RTM_DELTFILTER` body deleting `filter`. Protocol 0 matches the
/// priority's, whatever it is, so a filter can be deleted knowing only
/// where it is.
pub(crate) fn delete_message(filter: &TcFilter) -> TcMessage {
    let mut msg = TcMessage::default();
    msg.header.index = filter.ifindex as i32;
    msg.header.parent = filter.direction.parent().into();
    msg.header.handle = filter.handle.into();
    msg.header.info = info(filter.priority, 0);
    msg.attributes.push(TcAttribute::Kind("bpf".into()));
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_message_is_what_tc_sends() {
        let spec = TcFilterSpec::new(TcDirection::Ingress).priority(49152).handle(2).name("cls");
        let msg = filter_message(7, &spec, "ignored", 9);
        assert_eq!(msg.header.index, 7);
        assert_eq!(u32::from(msg.header.parent), 0xffff_fff2);
        assert_eq!(u32::from(msg.header.handle), 2);
        // ETH_P_ALL in network order under the priority, as tc writes it.
        assert_eq!(msg.header.info, 49152 << 16 | 0x0300);
        assert_eq!(
            msg.attributes,
            [
                TcAttribute::Kind("bpf".into()),
                TcAttribute::Options(vec![
                    TcOption::Bpf(TcFilterBpfOption::ProgFd(9)),
                    TcOption::Bpf(TcFilterBpfOption::ProgName("cls".into())),
                    TcOption::Bpf(TcFilterBpfOption::Flags(TcBpfFlags::DirectAction)),
                ]),
            ]
        );
    }

    #[test]
    fn the_name_defaults_to_the_program_s() {
        let spec = TcFilterSpec::new(TcDirection::Egress);
        assert_eq!(spec.name_for("counter"), "counter");
        assert_eq!(spec.name_for(""), "bpf");
        let ip = TcFilterSpec::new(TcDirection::Egress).protocol(0x0800);
        assert_eq!(filter_message(1, &ip, "", 3).header.info, 1 << 16 | 0x0008);
    }

    #[test]
    fn zero_priority_or_handle_is_refused() {
        assert!(TcFilterSpec::new(TcDirection::Egress).check().is_ok());
        let err = TcFilterSpec::new(TcDirection::Egress).priority(0).check().unwrap_err();
        assert!(err.to_string().contains("tc filter priority"), "{err}");
        let err = TcFilterSpec::new(TcDirection::Egress).handle(0).check().unwrap_err();
        assert!(err.to_string().contains("tc filter handle"), "{err}");
    }

    #[test]
    fn delete_and_clsact_messages_name_the_place() {
        let filter = TcFilterSpec::new(TcDirection::Egress).priority(3).handle(4).on(5);
        assert_eq!(filter.parent(), TcHandle::CLSACT_EGRESS);
        let del = delete_message(&filter);
        assert_eq!((del.header.index, u32::from(del.header.handle)), (5, 4));
        assert_eq!((u32::from(del.header.parent), del.header.info), (0xffff_fff3, 3 << 16));
        let q = clsact_message(5);
        assert_eq!(u32::from(q.header.parent), TcHandle::INGRESS.0);
        assert_eq!(u32::from(q.header.handle), 0xffff_0000);
        assert_eq!(q.attributes, [TcAttribute::Kind("clsact".into())]);
    }
}
