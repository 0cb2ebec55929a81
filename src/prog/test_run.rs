//! `BPF_PROG_TEST_RUN`: run a program on data of our choosing.

use std::time::Duration;

use super::program::Program;
use crate::sys::{self, Cmd};
use crate::{Errno, Error, Result};

bitflags::bitflags! {
    /// Test-run flags (`BPF_F_TEST_*`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct TestRunFlags: u32 {
        /// `BPF_F_TEST_RUN_ON_CPU`: run on the CPU given by [`TestRun::cpu`].
        const RUN_ON_CPU = 1 << 0;
        /// `BPF_F_TEST_XDP_LIVE_FRAMES`: XDP frames go to the real stack.
        const XDP_LIVE_FRAMES = 1 << 1;
        /// `BPF_F_TEST_SKB_CHECKSUM_COMPLETE`: skb with CHECKSUM_COMPLETE.
        const SKB_CHECKSUM_COMPLETE = 1 << 2;
        const _ = !0;
    }
}

/// One test run: input data and context, optional output buffers, repeats.
///
/// ```no_run
/// # fn demo(prog: &bpfkit::prog::Program) -> bpfkit::Result<()> {
/// use bpfkit::prog::TestRun;
/// let packet = [0u8; 64];
/// let out = prog.test_run(TestRun::new(&packet).repeat(1000))?;
/// println!("returned {} in {:?} per run", out.retval, out.duration);
/// # Ok(()) }
/// ```
#[derive(Debug, Default)]
pub struct TestRun<'a> {
    data_in: Option<&'a [u8]>,
    data_out: Option<&'a mut [u8]>,
    ctx_in: Option<&'a [u8]>,
    ctx_out: Option<&'a mut [u8]>,
    repeat: u32,
    flags: TestRunFlags,
    cpu: u32,
    batch_size: u32,
}

/// What a test run reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TestRunResult {
    /// The program's return value (e.g. an `XDP_*` action).
    pub retval: u32,
    /// Average time of one run, as the kernel measured it.
    pub duration: Duration,
    /// Bytes of output data (the packet after the program ran).
    pub data_size_out: u32,
    /// Bytes of output context.
    pub ctx_size_out: u32,
}

impl<'a> TestRun<'a> {
    /// A run on `data` (a packet, for network programs).
    pub fn new(data: &'a [u8]) -> TestRun<'a> {
        TestRun { data_in: Some(data), ..TestRun::default() }
    }

    /// A run with no data (for program types that take only a context).
    pub fn without_data() -> TestRun<'a> {
        TestRun::default()
    }

    /// Run the program `n` times (0 and 1 both mean once).
    pub fn repeat(mut self, n: u32) -> Self {
        self.repeat = n;
        self
    }

    /// Where to copy the data after the run.
    pub fn data_out(mut self, buf: &'a mut [u8]) -> Self {
        self.data_out = Some(buf);
        self
    }

    /// The context to run with (e.g. a `struct xdp_md`, `struct __sk_buff`).
    pub fn ctx_in(mut self, ctx: &'a [u8]) -> Self {
        self.ctx_in = Some(ctx);
        self
    }

    /// Where to copy the context after the run.
    pub fn ctx_out(mut self, buf: &'a mut [u8]) -> Self {
        self.ctx_out = Some(buf);
        self
    }

    /// Flags.
    pub fn flags(mut self, flags: TestRunFlags) -> Self {
        self.flags = flags;
        self
    }

    /// Run on CPU `cpu` (sets [`TestRunFlags::RUN_ON_CPU`]).
    pub fn cpu(mut self, cpu: u32) -> Self {
        self.cpu = cpu;
        self.flags |= TestRunFlags::RUN_ON_CPU;
        self
    }

    /// Frames per batch with [`TestRunFlags::XDP_LIVE_FRAMES`].
    pub fn batch_size(mut self, n: u32) -> Self {
        self.batch_size = n;
        self
    }
}

impl<K> Program<K> {
    /// Runs the program in the kernel on the given input (`BPF_PROG_TEST_RUN`).
    pub fn test_run(&self, run: TestRun<'_>) -> Result<TestRunResult> {
        let out = sys::prog::test_run(
            self.fd(),
            sys::prog::TestRunArgs {
                data_in: run.data_in,
                data_out: run.data_out,
                ctx_in: run.ctx_in,
                ctx_out: run.ctx_out,
                repeat: run.repeat,
                flags: run.flags.bits(),
                cpu: run.cpu,
                batch_size: run.batch_size,
            },
        )
        .map_err(|errno| match errno {
            // The program type has no test-run hook (kprobe, sock_ops, ...).
            Errno::ENOTSUPP | Errno::EOPNOTSUPP => Error::Unsupported {
                what: "BPF_PROG_TEST_RUN",
                object: format!("{} programs", self.prog_type()),
                errno,
            },
            _ => Error::syscall(Cmd::ProgTestRun, errno),
        })?;
        Ok(TestRunResult {
            retval: out.retval,
            duration: Duration::from_nanos(out.duration_ns.into()),
            data_size_out: out.data_size_out,
            ctx_size_out: out.ctx_size_out,
        })
    }
}
