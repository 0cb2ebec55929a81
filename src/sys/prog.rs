//! Program commands: `BPF_PROG_LOAD`, `BPF_PROG_TEST_RUN` and `BPF_PROG_QUERY`.

use std::ffi::CStr;
use std::os::fd::{BorrowedFd, OwnedFd};

use std::mem::size_of;

use super::Errno;
use super::attr::{EnableStatsAttr, ProgLoadAttr, ProgQueryAttr, TestRunAttr};
use super::info::{FuncInfoRaw, LineInfoRaw};
use super::ptr::UserPtr;
use super::{Cmd, bpf, bpf_fd, raw};

/// The arguments of `BPF_PROG_LOAD`.
pub(crate) struct LoadArgs<'a> {
    pub prog_type: u32,
    pub expected_attach_type: u32,
    /// The instructions as bytes: a multiple of 8 long.
    pub insns: &'a [u8],
    pub license: &'a CStr,
    pub name: [u8; 16],
    pub flags: u32,
    pub kern_version: u32,
    pub ifindex: u32,
    pub attach_btf_id: u32,
    pub attach_fd: Option<BorrowedFd<'a>>,
    /// The BTF object that describes the program and its `bpf_func_info`
    /// records (where each function starts, and its `FUNC` type).
    pub btf: Option<(BorrowedFd<'a>, &'a [FuncInfoRaw])>,
    /// The `bpf_line_info` records (with `btf` only; may be empty).
    pub line_info: &'a [LineInfoRaw],
    /// The verifier log buffer and level; `None` loads without a log.
    pub log: Option<(&'a mut [u8], u32)>,
}

/// The outcome of `BPF_PROG_LOAD`: the program, or the errno together with
/// the log size the kernel says the whole log needs (0 on kernels before 6.4).
pub(crate) fn load(args: LoadArgs<'_>) -> (Result<OwnedFd, Errno>, u32) {
    if args.insns.len() % 8 != 0 {
        return (Err(Errno::EINVAL), 0);
    }
    let (log_buf, log_size, log_level) = match args.log {
        Some((buf, level)) => {
            let size = u32::try_from(buf.len()).unwrap_or(u32::MAX >> 2).min(u32::MAX >> 2);
            (UserPtr::from_mut(buf), size, level)
        }
        None => (UserPtr::NULL, 0, 0),
    };
    let mut attr = ProgLoadAttr {
        prog_type: args.prog_type,
        insn_cnt: (args.insns.len() / 8) as u32,
        insns: UserPtr::from_slice(args.insns),
        license: UserPtr::from_cstr(args.license),
        log_level,
        log_size,
        log_buf,
        kern_version: args.kern_version,
        prog_flags: args.flags,
        prog_name: args.name,
        prog_ifindex: args.ifindex,
        expected_attach_type: args.expected_attach_type,
        attach_btf_id: args.attach_btf_id,
        attach_fd: args.attach_fd.map_or(0, raw),
        ..Default::default()
    };
    if let Some((btf, func_info)) = args.btf {
        attr.prog_btf_fd = raw(btf);
        attr.func_info_rec_size = size_of::<FuncInfoRaw>() as u32;
        attr.func_info = UserPtr::from_slice(func_info);
        attr.func_info_cnt = u32::try_from(func_info.len()).unwrap_or(u32::MAX);
        if !args.line_info.is_empty() {
            attr.line_info_rec_size = size_of::<LineInfoRaw>() as u32;
            attr.line_info = UserPtr::from_slice(args.line_info);
            attr.line_info_cnt = u32::try_from(args.line_info.len()).unwrap_or(u32::MAX);
        }
    }
    let res = bpf_fd(Cmd::ProgLoad, &mut attr);
    (res, attr.log_true_size)
}

/// The arguments of `BPF_PROG_TEST_RUN`.
#[derive(Default)]
pub(crate) struct TestRunArgs<'a> {
    pub data_in: Option<&'a [u8]>,
    pub data_out: Option<&'a mut [u8]>,
    pub ctx_in: Option<&'a [u8]>,
    pub ctx_out: Option<&'a mut [u8]>,
    pub repeat: u32,
    pub flags: u32,
    pub cpu: u32,
    pub batch_size: u32,
}

/// What `BPF_PROG_TEST_RUN` reports back.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct TestRunOut {
    pub retval: u32,
    pub duration_ns: u32,
    pub data_size_out: u32,
    pub ctx_size_out: u32,
}

/// `BPF_PROG_TEST_RUN`.
pub(crate) fn test_run(prog: BorrowedFd<'_>, args: TestRunArgs<'_>) -> Result<TestRunOut, Errno> {
    let len = |b: Option<usize>| b.map_or(0, |n| n as u32);
    let mut attr = TestRunAttr {
        prog_fd: raw(prog),
        data_size_in: len(args.data_in.map(<[u8]>::len)),
        data_size_out: len(args.data_out.as_deref().map(<[u8]>::len)),
        ctx_size_in: len(args.ctx_in.map(<[u8]>::len)),
        ctx_size_out: len(args.ctx_out.as_deref().map(<[u8]>::len)),
        data_in: UserPtr::from_opt(args.data_in),
        data_out: UserPtr::from_opt_mut(args.data_out),
        ctx_in: UserPtr::from_opt(args.ctx_in),
        ctx_out: UserPtr::from_opt_mut(args.ctx_out),
        repeat: args.repeat,
        flags: args.flags,
        cpu: args.cpu,
        batch_size: args.batch_size,
        ..Default::default()
    };
    bpf(Cmd::ProgTestRun, &mut attr)?;
    Ok(TestRunOut {
        retval: attr.retval,
        duration_ns: attr.duration,
        data_size_out: attr.data_size_out,
        ctx_size_out: attr.ctx_size_out,
    })
}

/// What `BPF_PROG_QUERY` reports back.
// Only the flow dissector listing (feature `netlink`) queries so far.
#[cfg_attr(not(feature = "netlink"), allow(dead_code))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct QueryOut {
    /// The `BPF_F_ALLOW_*` flags of the attach point.
    pub attach_flags: u32,
    /// How many programs are attached: may exceed the ids written.
    pub count: u32,
}

/// `BPF_PROG_QUERY`: the ids of the programs attached to `target` (a cgroup
/// or netns fd) at `attach_type`, written into `ids`.
#[cfg_attr(not(feature = "netlink"), allow(dead_code))]
pub(crate) fn query(
    target: BorrowedFd<'_>,
    attach_type: u32,
    ids: &mut [u32],
) -> Result<QueryOut, Errno> {
    let mut attr = ProgQueryAttr {
        target: raw(target),
        attach_type,
        prog_cnt: u32::try_from(ids.len()).unwrap_or(u32::MAX),
        prog_ids: UserPtr::from_mut(ids),
        ..Default::default()
    };
    bpf(Cmd::ProgQuery, &mut attr)?;
    Ok(QueryOut { attach_flags: attr.attach_flags, count: attr.prog_cnt })
}

/// `BPF_ENABLE_STATS` with `BPF_STATS_RUN_TIME`: the kernel counts the run
/// time and runs of every program while the returned fd is open.
pub(crate) fn enable_run_time_stats() -> Result<OwnedFd, Errno> {
    let mut attr = EnableStatsAttr { stats_type: 0, ..Default::default() };
    bpf_fd(Cmd::EnableStats, &mut attr)
}
