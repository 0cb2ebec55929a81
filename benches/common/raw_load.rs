//! The raw side of a load: the counter's map and program created with
//! hand-built `bpf(2)` attributes, for the benches that compare a load
//! with bpfkit's (`load`, `instructions`).

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// The counter, as 11 hand-encoded slots; slot 3 takes the map fd.
pub const COUNTER: [u64; 11] = [
    0x0000_0000_fffc_0a62, // *(u32 *)(r10 - 4) = 0
    0x0000_0000_0000_a2bf, // r2 = r10
    0xffff_fffc_0000_0207, // r2 += -4
    0x0000_0000_0000_1118, // r1 = map_fd(FD) ll
    0x0000_0000_0000_0000,
    0x0000_0001_0000_0085, // call 1
    0x0000_0000_0002_0015, // if r0 == 0 goto +2
    0x0000_0001_0000_01b7, // r1 = 1
    0x0000_0000_0000_10db, // lock *(u64 *)(r0 + 0) += r1
    0x0000_0002_0000_00b7, // r0 = 2
    0x0000_0000_0000_0095, // exit
];

#[repr(C)]
#[derive(Default)]
struct MapCreate {
    map_type: u32,
    key_size: u32,
    value_size: u32,
    max_entries: u32,
    map_flags: u32,
    inner_map_fd: u32,
    numa_node: u32,
    map_name: [u8; 16],
    rest: [u32; 13],
}

/// `BPF_PROG_LOAD`'s attribute, through the line info.
#[repr(C)]
#[derive(Default)]
pub struct ProgLoad {
    pub prog_type: u32,
    pub insn_cnt: u32,
    pub insns: u64,
    pub license: u64,
    pub log_level: u32,
    pub log_size: u32,
    pub log_buf: u64,
    pub kern_version: u32,
    pub prog_flags: u32,
    pub prog_name: [u8; 16],
    pub prog_ifindex: u32,
    pub expected_attach_type: u32,
    pub prog_btf_fd: u32,
    pub func_info_rec_size: u32,
    pub func_info: u64,
    pub func_info_cnt: u32,
    pub line_info_rec_size: u32,
    pub line_info: u64,
    pub line_info_cnt: u32,
    pub rest: [u32; 11],
}

pub fn sys_bpf<T>(cmd: i64, attr: &mut T) -> i64 {
    // SAFETY: `attr` is a live #[repr(C)] attribute of its own size.
    #[allow(unsafe_code)]
    unsafe {
        libc::syscall(libc::SYS_bpf, cmd, attr as *mut T, size_of::<T>())
    }
}

/// One raw cycle: BPF_MAP_CREATE, BPF_PROG_LOAD, close both.
pub fn raw_cycle(insns: &mut [u64; 11]) {
    let map = raw_map();
    drop((raw_prog(insns, map.as_raw_fd()), map));
}

/// `BPF_MAP_CREATE` of the counter's map (an array of one u64).
pub fn raw_map() -> OwnedFd {
    let mut map =
        MapCreate { map_type: 2, key_size: 4, value_size: 8, max_entries: 1, ..Default::default() };
    map.map_name[..5].copy_from_slice(b"count");
    owned(sys_bpf(0, &mut map), "BPF_MAP_CREATE")
}

/// `BPF_PROG_LOAD` of the counter, its map slot set to `map_fd`.
pub fn raw_prog(insns: &mut [u64; 11], map_fd: i32) -> OwnedFd {
    insns[3] = 0x1118 | ((map_fd as u64) << 32);
    let mut load = ProgLoad {
        prog_type: 6,
        insn_cnt: 11,
        insns: insns.as_ptr() as u64,
        license: c"GPL".as_ptr() as u64,
        ..Default::default()
    };
    load.prog_name[..7].copy_from_slice(b"counter");
    owned(sys_bpf(5, &mut load), "BPF_PROG_LOAD")
}

/// The fd a `bpf(2)` call named `what` just returned, owned; a failure
/// panics with the errno.
pub fn owned(fd: i64, what: &str) -> OwnedFd {
    assert!(fd > 0, "{what}: {}", std::io::Error::last_os_error());
    // SAFETY: the fd was just returned to us and is owned by nothing else.
    #[allow(unsafe_code)]
    unsafe {
        OwnedFd::from_raw_fd(fd as i32)
    }
}
