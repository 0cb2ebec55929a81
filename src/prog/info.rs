//! Program introspection: info by fd, and the ids of every loaded program.

use std::os::fd::{AsFd, BorrowedFd};
use std::time::{Duration, SystemTime};

use super::btf;
use super::tag::ProgTag;
use crate::error::{Error, Result};
use crate::object::c_name;
use crate::object::{ObjectKind, Origin, expect_kind};
use crate::sys::ProgType;
use crate::sys::{self, Cmd};

/// The longest name the kernel keeps (`BPF_OBJ_NAME_LEN` less the NUL).
const MAX_NAME: usize = 15;

/// What the kernel reports about a loaded program (`struct bpf_prog_info`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProgramInfo {
    /// The kernel's id (what `bpftool prog show` lists).
    pub id: u32,
    /// The program type.
    pub prog_type: ProgType,
    /// The program's name, as the kernel keeps it (at most 15 bytes).
    pub name: String,
    /// The whole name, as bpftool prints it: when `name` fills all 15
    /// bytes and the program has BTF, the name of its main function there;
    /// otherwise `name`.
    pub full_name: String,
    /// The tag: the kernel's hash of the instructions.
    pub tag: ProgTag,
    /// Instructions after the verifier's rewrites (`xlated_prog_len / 8`).
    pub xlated_insns: u32,
    /// Bytes of instructions after the verifier's rewrites
    /// (`xlated_prog_len`; bpftool's `bytes_xlated`). 0 when the caller may
    /// not read them (`kernel.kptr_restrict`, no `CAP_SYS_ADMIN`).
    pub xlated_bytes: u32,
    /// Bytes of JIT-compiled code (0 when not JITed).
    pub jited_bytes: u32,
    /// Instructions the verifier processed (6.0+; 0 before).
    pub verified_insns: u32,
    /// Ids of the maps the program uses.
    pub map_ids: Vec<u32>,
    /// Load time, on the boot clock (`CLOCK_BOOTTIME`); see
    /// [`loaded_at`](Self::loaded_at) for the date.
    pub load_time: Duration,
    /// The uid of the loading process.
    pub created_by_uid: u32,
    /// Whether the license is GPL-compatible.
    pub gpl_compatible: bool,
    /// BTF object id, 0 without BTF.
    pub btf_id: u32,
    /// How many `bpf_func_info` records the program has: one per function
    /// when it has BTF, else 0.
    pub func_info_count: u32,
    /// How many `bpf_line_info` records the program has.
    pub line_info_count: u32,
    /// How many of those the JIT mapped to addresses in its machine code
    /// (`nr_jited_line_info`): what `bpftool prog dump jited linum` prints
    /// the source lines from. 0 when the program is not JITed.
    pub jited_line_info_count: u32,
    /// Total run time, with `kernel.bpf_stats_enabled`.
    pub run_time: Duration,
    /// Number of runs, with `kernel.bpf_stats_enabled`.
    pub run_count: u64,
    /// Times the program was not run because it was already running on
    /// the same CPU (5.12+).
    pub recursion_misses: u64,
    /// For a program offloaded to a device, the device's interface index
    /// (0 otherwise), in the network namespace named by `netns_dev` and
    /// `netns_ino`.
    pub ifindex: u32,
    /// Device number of the offload device's network namespace (its nsfs
    /// inode's `st_dev`).
    pub netns_dev: u64,
    /// Inode number of the offload device's network namespace.
    pub netns_ino: u64,
    /// Bytes of memory charged to the program (fdinfo's `memlock`;
    /// bpftool's `bytes_memlock`), 0 where the kernel does not say.
    pub memlock: u64,
    /// The BTF object holding the kernel function or program this one
    /// attaches to (tracing, `lsm`, `lsm_cgroup`, extensions); 0 for others.
    pub attach_btf_obj_id: u32,
    /// The id of that function's type in [`attach_btf_obj_id`](Self::attach_btf_obj_id).
    pub attach_btf_id: u32,
}

impl ProgramInfo {
    /// The info of the program behind `fd`. The fd of a map, a link or
    /// anything else is refused with [`Error::WrongKind`].
    pub fn of(fd: impl AsFd) -> Result<ProgramInfo> {
        let fd = fd.as_fd();
        expect_kind(fd, ObjectKind::Program, Origin::Fd)?;
        ProgramInfo::of_program(fd)
    }

    /// The info of `fd`, known to be a program's.
    pub(crate) fn of_program(fd: BorrowedFd<'_>) -> Result<ProgramInfo> {
        let err = |e| Error::syscall(Cmd::ObjGetInfoByFd, e);
        let mut ids = vec![0u32; 16];
        let mut raw = sys::obj::prog_info(fd, &mut ids, &mut []).map_err(err)?;
        if raw.nr_map_ids as usize > ids.len() {
            ids = vec![0u32; raw.nr_map_ids as usize];
            raw = sys::obj::prog_info(fd, &mut ids, &mut []).map_err(err)?;
        }
        ids.truncate(raw.nr_map_ids as usize);
        let name = c_name(&raw.name);
        let full_name = if name.len() >= MAX_NAME && raw.btf_id != 0 && raw.nr_func_info > 0 {
            btf::main_function_name(fd, raw.btf_id).unwrap_or_else(|| name.clone())
        } else {
            name.clone()
        };
        Ok(ProgramInfo {
            id: raw.id,
            prog_type: ProgType(raw.prog_type),
            name,
            full_name,
            tag: ProgTag(raw.tag),
            xlated_insns: raw.xlated_prog_len / 8,
            xlated_bytes: raw.xlated_prog_len,
            jited_bytes: raw.jited_prog_len,
            verified_insns: raw.verified_insns,
            map_ids: ids,
            load_time: Duration::from_nanos(raw.load_time),
            created_by_uid: raw.created_by_uid,
            gpl_compatible: raw.flags & 1 != 0,
            btf_id: raw.btf_id,
            func_info_count: raw.nr_func_info,
            line_info_count: raw.nr_line_info,
            jited_line_info_count: raw.nr_jited_line_info,
            run_time: Duration::from_nanos(raw.run_time_ns),
            run_count: raw.run_cnt,
            recursion_misses: raw.recursion_misses,
            ifindex: raw.ifindex,
            netns_dev: raw.netns_dev,
            netns_ino: raw.netns_ino,
            // fdinfo is procfs: absent in some sandboxes, where this stays 0.
            memlock: sys::fdinfo::FdInfo::of(fd)
                .map_or(0, |info| info.number("memlock").unwrap_or(0)),
            attach_btf_obj_id: raw.attach_btf_obj_id,
            attach_btf_id: raw.attach_btf_id,
        })
    }

    /// When the program was loaded, on the wall clock: [`load_time`]
    /// (`CLOCK_BOOTTIME`) plus the moment of boot on the wall clock,
    /// `CLOCK_REALTIME - CLOCK_BOOTTIME` read now (as bpftool derives it).
    /// `None` when the kernel recorded no load time or the clocks cannot be
    /// read.
    ///
    /// [`load_time`]: Self::load_time
    pub fn loaded_at(&self) -> Option<SystemTime> {
        if self.load_time.is_zero() {
            return None;
        }
        let nanos =
            sys::clock::boot_epoch_nanos()? + i128::try_from(self.load_time.as_nanos()).ok()?;
        let since_epoch = Duration::from_nanos(u64::try_from(nanos).ok()?);
        SystemTime::UNIX_EPOCH.checked_add(since_epoch)
    }
}

/// The ids of every loaded program, in increasing order.
pub fn program_ids() -> impl Iterator<Item = Result<u32>> {
    crate::object::ids(ObjectKind::Program)
}
