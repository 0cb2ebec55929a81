//! What an XDP hook holds, read over rtnetlink: the one place the link
//! layer asks the netlink layer, for its "hook taken" errors.

use crate::sys::XdpMode;

/// The programs on the XDP hook of `ifindex`, as rtnetlink reports them.
///
/// The one place the link layer asks the netlink layer: only rtnetlink can
/// read an XDP hook. It runs on a thread of its own, which starts in the
/// caller's network namespace and outside any async runtime the caller is
/// in (where [`BlockingNetlink`](crate::netlink::BlockingNetlink) refuses to
/// run).
#[cfg(feature = "netlink")]
pub(super) fn hook_programs(ifindex: u32) -> Option<Vec<(XdpMode, u32)>> {
    std::thread::scope(|s| {
        s.spawn(|| {
            let nl = crate::netlink::BlockingNetlink::new().ok()?;
            nl.query_xdp(super::Interface::Index(ifindex)).ok().map(|s| s.attached())
        })
        .join()
        .ok()
        .flatten()
    })
}

/// Without the `netlink` feature the hook cannot be read.
#[cfg(not(feature = "netlink"))]
pub(super) fn hook_programs(_ifindex: u32) -> Option<Vec<(XdpMode, u32)>> {
    None
}
