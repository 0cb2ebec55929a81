//! `struct bpf_prog_info`, `struct bpf_map_info` and `struct bpf_link_info`
//! as the kernel fills them for `BPF_OBJ_GET_INFO_BY_FD`.

use std::mem::{offset_of, size_of};

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// `struct bpf_prog_info` (through `attach_btf_id`).
#[repr(C)]
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub(crate) struct ProgInfoRaw {
    pub prog_type: u32,
    pub id: u32,
    pub tag: [u8; 8],
    pub jited_prog_len: u32,
    pub xlated_prog_len: u32,
    pub jited_prog_insns: u64,
    pub xlated_prog_insns: u64,
    pub load_time: u64,
    pub created_by_uid: u32,
    pub nr_map_ids: u32,
    pub map_ids: u64,
    pub name: [u8; 16],
    pub ifindex: u32,
    /// Bit 0: `gpl_compatible`.
    pub flags: u32,
    pub netns_dev: u64,
    pub netns_ino: u64,
    pub nr_jited_ksyms: u32,
    pub nr_jited_func_lens: u32,
    pub jited_ksyms: u64,
    pub jited_func_lens: u64,
    pub btf_id: u32,
    pub func_info_rec_size: u32,
    pub func_info: u64,
    pub nr_func_info: u32,
    pub nr_line_info: u32,
    pub line_info: u64,
    pub jited_line_info: u64,
    pub nr_jited_line_info: u32,
    pub line_info_rec_size: u32,
    pub jited_line_info_rec_size: u32,
    pub nr_prog_tags: u32,
    pub prog_tags: u64,
    pub run_time_ns: u64,
    pub run_cnt: u64,
    pub recursion_misses: u64,
    pub verified_insns: u32,
    pub attach_btf_obj_id: u32,
    pub attach_btf_id: u32,
    pub _pad: u32,
}
const _: () = {
    assert!(size_of::<ProgInfoRaw>() == 232);
    assert!(offset_of!(ProgInfoRaw, tag) == 8);
    assert!(offset_of!(ProgInfoRaw, load_time) == 40);
    assert!(offset_of!(ProgInfoRaw, map_ids) == 56);
    assert!(offset_of!(ProgInfoRaw, name) == 64);
    assert!(offset_of!(ProgInfoRaw, netns_dev) == 88);
    assert!(offset_of!(ProgInfoRaw, btf_id) == 128);
    assert!(offset_of!(ProgInfoRaw, run_time_ns) == 192);
    assert!(offset_of!(ProgInfoRaw, verified_insns) == 216);
    assert!(offset_of!(ProgInfoRaw, attach_btf_id) == 224);
};

/// `struct bpf_map_info` (through `map_extra`).
#[repr(C)]
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub(crate) struct MapInfoRaw {
    pub map_type: u32,
    pub id: u32,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    pub map_flags: u32,
    pub name: [u8; 16],
    pub ifindex: u32,
    pub btf_vmlinux_value_type_id: u32,
    pub netns_dev: u64,
    pub netns_ino: u64,
    pub btf_id: u32,
    pub btf_key_type_id: u32,
    pub btf_value_type_id: u32,
    pub btf_vmlinux_id: u32,
    pub map_extra: u64,
}
const _: () = {
    assert!(size_of::<MapInfoRaw>() == 88);
    assert!(offset_of!(MapInfoRaw, name) == 24);
    assert!(offset_of!(MapInfoRaw, ifindex) == 40);
    assert!(offset_of!(MapInfoRaw, netns_dev) == 48);
    assert!(offset_of!(MapInfoRaw, btf_id) == 64);
    assert!(offset_of!(MapInfoRaw, map_extra) == 80);
};

/// `struct bpf_link_info`: the common head and the 32-byte per-type union.
#[repr(C)]
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub(crate) struct LinkInfoRaw {
    pub link_type: u32,
    pub id: u32,
    pub prog_id: u32,
    pub _pad: u32,
    /// The per-type union, as 32-bit words in host order (a `u64` member
    /// takes two): XDP `ifindex` at word 0; netns `netns_ino`, `attach_type`
    /// at 0, 1; tracing `attach_type`, `target_obj_id`, `target_btf_id` at
    /// 0, 1, 2; cgroup `cgroup_id` at 0-1 and `attach_type` at 2; raw
    /// tracepoint and iterator: name pointer at 0-1, its length at 2, and an
    /// iterator's `map_id` at 3.
    pub data: [u32; 8],
}
const _: () = {
    assert!(size_of::<LinkInfoRaw>() == 48);
    assert!(offset_of!(LinkInfoRaw, data) == 16);
};

impl LinkInfoRaw {
    /// For an XDP link, its interface's index (word 0 of the union; 0 once
    /// the interface is gone); `None` for a link of any other type.
    pub(crate) fn xdp_ifindex(&self) -> Option<u32> {
        (super::LinkType(self.link_type) == super::LinkType::XDP).then_some(self.data[0])
    }
}

/// `struct bpf_btf_info`: where to copy a BTF object's raw bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub(crate) struct BtfInfoRaw {
    pub btf: u64,
    pub btf_size: u32,
    pub id: u32,
    pub name: u64,
    pub name_len: u32,
    pub kernel_btf: u32,
}
const _: () = {
    assert!(size_of::<BtfInfoRaw>() == 32);
    assert!(offset_of!(BtfInfoRaw, id) == 12);
    assert!(offset_of!(BtfInfoRaw, name) == 16);
    assert!(offset_of!(BtfInfoRaw, kernel_btf) == 28);
};

/// `struct bpf_func_info`: where a function starts and its BTF type.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub(crate) struct FuncInfoRaw {
    pub insn_off: u32,
    pub type_id: u32,
}
const _: () = assert!(size_of::<FuncInfoRaw>() == 8);

/// `struct bpf_line_info`: the source line of the instructions from
/// `insn_off` on; the strings are offsets into the program's BTF.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub(crate) struct LineInfoRaw {
    pub insn_off: u32,
    pub file_name_off: u32,
    pub line_off: u32,
    /// `line << 10 | column`.
    pub line_col: u32,
}
const _: () = assert!(size_of::<LineInfoRaw>() == 16);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_xdp_link_has_an_interface_index() {
        let mut raw = LinkInfoRaw { link_type: 6, id: 1, prog_id: 2, _pad: 0, data: [0; 8] };
        raw.data[0] = 4;
        assert_eq!(raw.xdp_ifindex(), Some(4));
        raw.link_type = 5; // netns: word 0 is its inode number
        assert_eq!(raw.xdp_ifindex(), None);
    }
}
