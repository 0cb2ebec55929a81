//! Loading: the log policy, `EAGAIN` retries, and turning failures into
//! [`VerifierError`]s that point at Rust lines.
//!
//! A program loads first without a log: the kernel then does no log work and
//! the happy path is one `BPF_PROG_LOAD`. Only when that fails does it load
//! again with a log, growing the buffer until the whole log fits (the kernel
//! says how much it needs since 6.4; before, `ENOSPC` means "more").

use std::ffi::CString;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use super::program::Program;
use super::types::{AttachType, ProgType};
use super::verifier::{VerifierError, parse_log};
use crate::asm::Assembled;
use crate::error::{Errno, Error, Result};
use crate::maps::object_name;
use crate::sys;

bitflags::bitflags! {
    /// Verifier log levels (`BPF_LOG_*`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct LogLevel: u32 {
        /// The path that failed, instruction by instruction.
        const VERBOSE = 1;
        /// Every path, with full register states (large).
        const VERY_VERBOSE = 2;
        /// Statistics: instructions processed, states, time.
        const STATS = 4;
        const _ = !0;
    }
}

bitflags::bitflags! {
    /// Program load flags (`BPF_F_*` for `BPF_PROG_LOAD`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct ProgFlags: u32 {
        /// `BPF_F_STRICT_ALIGNMENT`: check alignment as strict-alignment CPUs need.
        const STRICT_ALIGNMENT = 1 << 0;
        /// `BPF_F_ANY_ALIGNMENT`: do not check alignment (tests only).
        const ANY_ALIGNMENT = 1 << 1;
        /// `BPF_F_TEST_RND_HI32`: poison upper halves to test zero extension.
        const TEST_RND_HI32 = 1 << 2;
        /// `BPF_F_TEST_STATE_FREQ`: checkpoint states often (tests).
        const TEST_STATE_FREQ = 1 << 3;
        /// `BPF_F_SLEEPABLE`: the program may sleep.
        const SLEEPABLE = 1 << 4;
        /// `BPF_F_XDP_HAS_FRAGS`: the XDP program handles multi-buffer packets.
        const XDP_HAS_FRAGS = 1 << 5;
        /// `BPF_F_XDP_DEV_BOUND_ONLY`: bound to the device given by ifindex.
        const XDP_DEV_BOUND_ONLY = 1 << 6;
        /// `BPF_F_TEST_REG_INVARIANTS`: check register bounds invariants (tests).
        const TEST_REG_INVARIANTS = 1 << 7;
        /// `BPF_F_TOKEN_FD`: loaded through a BPF token.
        const TOKEN_FD = 1 << 16;
        const _ = !0;
    }
}

/// One `BPF_PROG_LOAD` with an optional (log buffer, level): the program or
/// the errno, and the log size the kernel says it needs.
type LoadAttempt<'a> = dyn Fn(Option<(&mut [u8], u32)>) -> (std::result::Result<OwnedFd, Errno>, u32) + 'a;

/// The first log buffer tried after a failure.
const LOG_START: usize = 64 * 1024;
/// The largest log buffer the kernel accepts (`UINT_MAX >> 2`), and ours.
const LOG_MAX: usize = (u32::MAX >> 2) as usize;
/// How often an interrupted verification (`EAGAIN`) is tried again.
const EAGAIN_RETRIES: usize = 5;

/// A program to load: its instructions and how to load them.
///
/// ```no_run
/// use bpfkit::asm::{ProgramBuilder, R0};
/// use bpfkit::prog::{ProgType, ProgramSpec};
///
/// let mut b = ProgramBuilder::new();
/// b.mov64(R0, 2).exit();
/// let insns = b.assemble()?;
/// let prog = ProgramSpec::new(ProgType::XDP, &insns).name("pass").load()?;
/// # Ok::<(), bpfkit::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct ProgramSpec<'a> {
    insns: &'a Assembled,
    prog_type: ProgType,
    expected_attach_type: Option<AttachType>,
    name: String,
    license: String,
    flags: ProgFlags,
    kern_version: u32,
    ifindex: u32,
    attach_btf_id: u32,
    attach_fd: Option<BorrowedFd<'a>>,
    log_on_success: Option<LogLevel>,
    log_size: usize,
}

impl<'a> ProgramSpec<'a> {
    /// A program of `prog_type` made of `insns`, licensed `"GPL"`.
    pub fn new(prog_type: ProgType, insns: &'a Assembled) -> ProgramSpec<'a> {
        ProgramSpec {
            insns,
            prog_type,
            expected_attach_type: None,
            name: String::new(),
            license: "GPL".to_string(),
            flags: ProgFlags::empty(),
            kern_version: 0,
            ifindex: 0,
            attach_btf_id: 0,
            attach_fd: None,
            log_on_success: None,
            log_size: LOG_START,
        }
    }

    /// The program's name: up to 15 ASCII letters, digits, `_` or `.`.
    pub fn name(mut self, name: &str) -> Self {
        self.name = name.to_string();
        self
    }

    /// The license; GPL-only helpers need a GPL-compatible one (default `"GPL"`).
    pub fn license(mut self, license: &str) -> Self {
        self.license = license.to_string();
        self
    }

    /// The attach type the program is verified for (some program types need it).
    pub fn expected_attach_type(mut self, attach_type: AttachType) -> Self {
        self.expected_attach_type = Some(attach_type);
        self
    }

    /// Load flags.
    pub fn flags(mut self, flags: ProgFlags) -> Self {
        self.flags = flags;
        self
    }

    /// The kernel version a kprobe program claims (ignored by modern kernels).
    pub fn kern_version(mut self, version: u32) -> Self {
        self.kern_version = version;
        self
    }

    /// The device an offloaded or device-bound program is for.
    pub fn ifindex(mut self, ifindex: u32) -> Self {
        self.ifindex = ifindex;
        self
    }

    /// The BTF id of the function a tracing or `ext` program attaches to.
    pub fn attach_btf_id(mut self, id: u32) -> Self {
        self.attach_btf_id = id;
        self
    }

    /// The program (`ext`, `fentry` on a BPF program) or BTF object the
    /// program attaches to.
    pub fn attach_fd(mut self, fd: BorrowedFd<'a>) -> Self {
        self.attach_fd = Some(fd);
        self
    }

    /// Also capture the log when the program loads, at `level` (e.g.
    /// [`LogLevel::STATS`] for the verifier's statistics). Costs verifier time.
    pub fn log_on_success(mut self, level: LogLevel) -> Self {
        self.log_on_success = Some(level);
        self
    }

    /// The first log buffer size to try (default 64 KiB; grown as needed).
    pub fn log_size(mut self, bytes: usize) -> Self {
        self.log_size = bytes.clamp(128, LOG_MAX);
        self
    }

    /// Loads the program (`BPF_PROG_LOAD`).
    pub fn load(&self) -> Result<Program> {
        if let Some((slot, name)) = self.insns.named_maps().next() {
            return Err(Error::InvalidArgument {
                what: "program",
                why: format!(
                    "instruction {slot} refers to map {name:?} by name only; bind it to a map first"
                ),
            });
        }
        let name = object_name(&self.name, "program name")?;
        let license = CString::new(self.license.as_str()).map_err(|_| Error::InvalidArgument {
            what: "license",
            why: "contains a NUL byte".into(),
        })?;
        let attempt = |log: Option<(&mut [u8], u32)>| {
            sys::prog::load(sys::prog::LoadArgs {
                prog_type: self.prog_type.0,
                expected_attach_type: self.expected_attach_type.map_or(0, |t| t.0),
                insns: self.insns.as_bytes(),
                license: &license,
                name,
                flags: self.flags.bits(),
                kern_version: self.kern_version,
                ifindex: self.ifindex,
                attach_btf_id: self.attach_btf_id,
                attach_fd: self.attach_fd,
                log,
            })
        };

        if let Some(level) = self.log_on_success {
            let mut buf = vec![0u8; self.log_size];
            let (fd, log) = self.load_logged(&attempt, &mut buf, level.bits())?;
            return Ok(self.program(fd, Some(log)));
        }
        let errno = match retry_eagain(|| attempt(None).0) {
            Ok(fd) => return Ok(self.program(fd, None)),
            Err(e) => e,
        };
        if errno == Errno::EPERM || errno == Errno::ENOSYS {
            // Refused before verification: there is no log to read.
            return Err(Error::ProgLoad { name: self.name.clone(), errno });
        }
        let mut buf = vec![0u8; self.log_size];
        let level = LogLevel::VERBOSE.bits() | self.log_on_success.map_or(0, |l| l.bits());
        match self.load_logged(&attempt, &mut buf, level) {
            // Loaded on the second try (a transient failure): keep it.
            Ok((fd, _)) => Ok(self.program(fd, None)),
            Err(e) => Err(e),
        }
    }

    /// Loads with a log, growing the buffer until the whole log fits.
    fn load_logged(
        &self,
        attempt: &LoadAttempt<'_>,
        buf: &mut Vec<u8>,
        level: u32,
    ) -> Result<(OwnedFd, String)> {
        loop {
            buf.fill(0);
            let mut tries = 0;
            let (res, true_size) = loop {
                let out = attempt(Some((&mut buf[..], level)));
                if !matches!(out.0, Err(Errno::EAGAIN)) || tries == EAGAIN_RETRIES {
                    break out;
                }
                tries += 1;
            };
            let true_size = true_size as usize;
            let truncated = true_size > buf.len() || matches!(res, Err(Errno::ENOSPC));
            if truncated && buf.len() < LOG_MAX {
                let grown = if true_size > buf.len() { true_size } else { buf.len() * 4 };
                buf.resize(grown.min(LOG_MAX), 0);
                continue;
            }
            let log = log_text(buf);
            return match res {
                Ok(fd) => Ok((fd, log)),
                Err(errno) if log.trim().is_empty() => {
                    Err(Error::ProgLoad { name: self.name.clone(), errno })
                }
                Err(errno) => Err(Error::Verifier(Box::new(self.verifier_error(errno, log)))),
            };
        }
    }

    fn verifier_error(&self, errno: Errno, log: String) -> VerifierError {
        let mut parsed = parse_log(&log);
        // "last insn is not an exit or jmp" names no index: it is the last one.
        if parsed.index.is_none() && parsed.message.first().is_some_and(|m| m.starts_with("last insn")) {
            parsed.index = self.insns.len().checked_sub(1);
        }
        let mut message = parsed.message.into_iter();
        let headline = message.next().unwrap_or_else(|| format!("{errno}"));
        VerifierError {
            program: self.name.clone(),
            errno,
            index: parsed.index,
            insn: parsed.index.and_then(|i| self.insns.insn_at(i)).map(ToString::to_string),
            location: parsed.index.and_then(|i| self.insns.location(i)),
            message: headline,
            details: message.collect(),
            log,
        }
    }

    fn program(&self, fd: OwnedFd, log: Option<String>) -> Program {
        Program::new(fd, self.prog_type, self.name.clone(), log)
    }
}

fn retry_eagain(
    mut f: impl FnMut() -> std::result::Result<OwnedFd, Errno>,
) -> std::result::Result<OwnedFd, Errno> {
    let mut tries = 0;
    loop {
        match f() {
            Err(Errno::EAGAIN) if tries < EAGAIN_RETRIES => tries += 1,
            other => return other,
        }
    }
}

fn log_text(buf: &[u8]) -> String {
    let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

impl AsFd for Program {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd()
    }
}
