//! Type names as bpftool 7.1 prints them.
//!
//! bpftool 7.1 takes its names from libbpf 1.1, whose tables end before the
//! types later kernels added; a newer type prints as its number there
//! (`"type": 32`, `type 32`), and so it does here, so that the output stays
//! bpftool's. The library's own names (`ProgType::name`, ...) know them all.

use bpfkit::link::LinkType;
use bpfkit::maps::MapType;
use bpfkit::prog::{AttachType, ProgType};

/// The last program type libbpf 1.1 names (`netfilter` came after).
const LAST_PROG_TYPE: ProgType = ProgType::SYSCALL;
/// The last map type libbpf 1.1 names (`cgrp_storage`, `arena` came after).
const LAST_MAP_TYPE: MapType = MapType::USER_RINGBUF;
/// The last link type libbpf 1.1 names (`struct_ops`, `tcx`, ... came after).
const LAST_LINK_TYPE: LinkType = LinkType::KPROBE_MULTI;
/// The last attach type libbpf 1.1 names (`struct_ops`, `netfilter`, `tcx_*`
/// came after).
const LAST_ATTACH_TYPE: AttachType = AttachType::LSM_CGROUP;

/// A program type's name, or `None` where bpftool 7.1 prints the number.
pub fn prog_type(t: ProgType) -> Option<&'static str> {
    if t <= LAST_PROG_TYPE { t.name() } else { None }
}

/// A map type's name, or `None` where bpftool 7.1 prints the number.
pub fn map_type(t: MapType) -> Option<&'static str> {
    if t <= LAST_MAP_TYPE { t.name() } else { None }
}

/// A link type's name, or `None` where bpftool 7.1 prints the number.
pub fn link_type(t: LinkType) -> Option<&'static str> {
    if t <= LAST_LINK_TYPE { t.name() } else { None }
}

/// An attach type's name, or `None` where bpftool 7.1 prints the number.
pub fn attach_type(t: AttachType) -> Option<&'static str> {
    if t <= LAST_ATTACH_TYPE { t.name() } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_newer_than_libbpf_1_1_have_no_name() {
        assert_eq!(prog_type(ProgType::XDP), Some("xdp"));
        assert_eq!(prog_type(ProgType::SYSCALL), Some("syscall"));
        assert_eq!(prog_type(ProgType::NETFILTER), None);
        assert_eq!(map_type(MapType::USER_RINGBUF), Some("user_ringbuf"));
        assert_eq!(map_type(MapType::ARENA), None);
        assert_eq!(link_type(LinkType::XDP), Some("xdp"));
        assert_eq!(link_type(LinkType::KPROBE_MULTI), Some("kprobe_multi"));
        assert_eq!(link_type(LinkType::TCX), None);
        assert_eq!(attach_type(AttachType::LSM_CGROUP), Some("lsm_cgroup"));
        assert_eq!(attach_type(AttachType::NETFILTER), None);
    }
}
