//! Link introspection.

use std::os::fd::AsFd;

use crate::error::{Error, Result};
use crate::sys::{self, Cmd};

/// The kernel's link type numbers (`enum bpf_link_type`).
const LINK_TYPE_XDP: u32 = 6;

/// What the kernel reports about a link (`struct bpf_link_info`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LinkInfo {
    /// The kernel's id of the link.
    pub id: u32,
    /// The id of the attached program.
    pub prog_id: u32,
    /// `enum bpf_link_type` (6 for XDP).
    pub link_type: u32,
    /// For an XDP link, the interface index (0 once the interface is gone).
    pub ifindex: Option<u32>,
}

impl LinkInfo {
    /// The info of the link behind `fd`.
    pub fn of(fd: impl AsFd) -> Result<LinkInfo> {
        let fd = fd.as_fd();
        let raw = sys::obj::link_info(fd).map_err(|e| Error::syscall(Cmd::ObjGetInfoByFd, e))?;
        Ok(LinkInfo {
            id: raw.id,
            prog_id: raw.prog_id,
            link_type: raw.link_type,
            ifindex: (raw.link_type == LINK_TYPE_XDP).then_some(raw.data[0]),
        })
    }
}

/// The ids of every link, in increasing order.
pub fn link_ids() -> impl Iterator<Item = Result<u32>> {
    crate::prog::ids(Cmd::LinkGetNextId)
}
