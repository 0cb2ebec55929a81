//! Loading: the log policy, `EAGAIN` retries, and turning failures into
//! [`VerifierError`]s that point at Rust lines.
//!
//! A program loads first without a log: the kernel then does no log work and
//! the happy path is one `BPF_PROG_LOAD`. Only when that fails does it load
//! again with a log, growing the buffer until the whole log fits (the kernel
//! says how much it needs since 6.4; before, `ENOSPC` means "more").

use std::borrow::Cow;
use std::ffi::{CStr, CString};
use std::marker::PhantomData;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

use super::debug_info;
use super::kind::{ProgKind, Untyped};
use super::program::Program;
use super::verifier::parse_log;
use crate::asm::{Assembled, Function, MapRef, RawInsn, insns_as_bytes};
use crate::btf::{BtfObject, TypeId, kernel_func};
use crate::error::VerifierError;
use crate::maps::MapFd;
use crate::object::{LOG_MAX, LOG_START, LoadAttempt, ObjectName, load_logged, retry_eagain};
use crate::probe::{Feature, explain_einval};
use crate::sys;
use crate::sys::{AttachType, ProgType};
use crate::{Errno, Error, Result};

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
///
/// A spec made with [`typed`](Self::typed) loads a
/// [`Program<K>`](Program) of that kind, which the hooks of its kind take;
/// one made with [`new`](Self::new) loads an untyped [`Program`].
#[derive(Clone, Debug)]
pub struct ProgramSpec<'a, K = Untyped> {
    kind: PhantomData<fn() -> K>,
    insns: &'a Assembled,
    prog_type: ProgType,
    expected_attach_type: Option<AttachType>,
    name: &'a str,
    license: &'a str,
    flags: ProgFlags,
    kern_version: u32,
    ifindex: u32,
    attach_btf_id: u32,
    attach_fd: Option<BorrowedFd<'a>>,
    btf: Option<(&'a BtfObject, TypeId)>,
    debug_info: Option<bool>,
    asm_source: Option<(&'a str, &'a str)>,
    log_on_success: Option<LogLevel>,
    log_size: usize,
}

impl<'a> ProgramSpec<'a> {
    /// A program of `prog_type` made of `insns`, licensed `"GPL"`.
    pub fn new(prog_type: ProgType, insns: &'a Assembled) -> ProgramSpec<'a> {
        ProgramSpec::of_type(prog_type, None, insns)
    }

    /// A program of kind `K` ([`kind`](super::kind)) made of `insns`,
    /// licensed `"GPL"`: its program type and, where the kind has one, its
    /// expected attach type are the kind's, and it loads as a
    /// [`Program<K>`](Program).
    ///
    /// ```no_run
    /// use bpfkit::asm::{ProgramBuilder, R0};
    /// use bpfkit::prog::ProgramSpec;
    /// use bpfkit::prog::kind::SchedCls;
    ///
    /// let mut b = ProgramBuilder::new();
    /// b.mov64(R0, 0).exit(); // TC_ACT_OK
    /// let insns = b.assemble()?;
    /// let prog = ProgramSpec::typed(SchedCls, &insns).name("ok").load()?;
    /// // `prog` is a Program<SchedCls>: tc and tcx hooks take it, XDP's do not.
    /// # Ok::<(), bpfkit::Error>(())
    /// ```
    pub fn typed<K: ProgKind>(_kind: K, insns: &'a Assembled) -> ProgramSpec<'a, K> {
        ProgramSpec::of_type(K::PROG_TYPE, K::EXPECTED_ATTACH_TYPE, insns)
    }

    /// The attach type the program is verified for (some program types need it).
    pub fn expected_attach_type(mut self, attach_type: AttachType) -> Self {
        self.expected_attach_type = Some(attach_type);
        self
    }
}

impl<'a, K> ProgramSpec<'a, K> {
    fn of_type(
        prog_type: ProgType,
        expected_attach_type: Option<AttachType>,
        insns: &'a Assembled,
    ) -> ProgramSpec<'a, K> {
        ProgramSpec {
            kind: PhantomData,
            insns,
            prog_type,
            expected_attach_type,
            name: "",
            license: "GPL",
            flags: ProgFlags::empty(),
            kern_version: 0,
            ifindex: 0,
            attach_btf_id: 0,
            attach_fd: None,
            btf: None,
            debug_info: None,
            asm_source: None,
            log_on_success: None,
            log_size: LOG_START,
        }
    }

    /// The program's name: up to 15 ASCII letters, digits, `_` or `.`.
    pub fn name(mut self, name: &'a str) -> Self {
        self.name = name;
        self
    }

    /// The license; GPL-only helpers need a GPL-compatible one (default `"GPL"`).
    pub fn license(mut self, license: &'a str) -> Self {
        self.license = license;
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

    /// The BTF object that describes the program, and the id in it of the
    /// `FUNC` type of its main function (the `bpf_func_info` record of
    /// instruction 0). The program's info then names the object
    /// ([`ProgramInfo::btf_id`](super::ProgramInfo::btf_id)) and the
    /// function's whole name. Programs with subprograms need a record for
    /// each, which this does not give: the kernel refuses them; let the
    /// loader generate the BTF instead ([`debug_info`](Self::debug_info)).
    /// BTF given here replaces the generated one.
    pub fn btf(mut self, btf: &'a BtfObject, main_func: TypeId) -> Self {
        self.btf = Some((btf, main_func));
        self
    }

    /// Whether to generate the program's BTF: a `FUNC` per function and
    /// `bpf_func_info` / `bpf_line_info` records from the source map. It costs one
    /// `BPF_BTF_LOAD` more, and gives the verifier's log, `bpftool prog
    /// dump ... linum` and [`ProgramInfo`](super::ProgramInfo) the Rust
    /// lines and the function names.
    ///
    /// Unset (the default), BTF is generated only when the program needs
    /// it: when it has more than one function (local calls, callbacks
    /// through `ld_func`, which the kernel refuses without `func_info`) or
    /// declares one ([`ProgramBuilder::function`](crate::asm::ProgramBuilder::function),
    /// global functions being verified against their BTF prototype). A
    /// program of one function thus loads in one `BPF_PROG_LOAD`, as
    /// without BTF. `true` always generates it; `false` never does. BTF
    /// given with [`btf`](Self::btf) takes precedence.
    ///
    /// Line texts: for a Rust origin, the trimmed source line when the file
    /// (`file!()`, relative to the working directory or an ancestor of it)
    /// is readable at load time, else `file:line:column`; for a text program, the line of the
    /// source given with [`asm_source`](Self::asm_source), else
    /// `asm:line:column`.
    pub fn debug_info(mut self, generate: bool) -> Self {
        self.debug_info = Some(generate);
        self
    }

    /// The `.s` file a text program was read from: its name and text, for
    /// the line records of the generated BTF ([`debug_info`](Self::debug_info)).
    pub fn asm_source(mut self, file_name: &'a str, text: &'a str) -> Self {
        self.asm_source = Some((file_name, text));
        self
    }

    /// Whether [`load`](Self::load) generates BTF for the program.
    pub fn generates_btf(&self) -> bool {
        self.btf_functions().is_some()
    }

    /// The program's functions when [`load`](Self::load) generates its BTF
    /// (found once: the load builds the records from the same list).
    fn btf_functions(&self) -> Option<Vec<Function<'a>>> {
        if self.btf.is_some() || self.debug_info == Some(false) {
            return None;
        }
        let wanted = self.debug_info == Some(true) || self.insns.has_functions_to_describe();
        wanted.then(|| self.insns.functions())
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

    /// The instructions as `BPF_PROG_LOAD` gets them: the assembled slots
    /// with each map's fd written into the `LD_IMM64`s that refer to it.
    /// A map referred to by name only, not bound
    /// ([`Assembled::bind_map`]), is an error naming the instruction. Each
    /// kernel function called by name gets its BTF id from the running
    /// kernel's BTF ([`kernel_btf`](crate::btf::kernel_btf), read once per
    /// process); a name the kernel does not have is
    /// [`Error::UnknownKfunc`], before any load.
    pub fn resolved_insns(&self) -> Result<Cow<'a, [RawInsn]>> {
        self.erased().resolve()
    }

    /// Loads the program (`BPF_PROG_LOAD`), as a [`Program`] of the spec's kind.
    pub fn load(&self) -> Result<Program<K>> {
        self.erased().load_untyped().map(Program::assume_kind)
    }

    /// The spec without its kind: the loader's code exists once, not once
    /// per kind.
    fn erased(&self) -> ProgramSpec<'a> {
        ProgramSpec {
            kind: PhantomData,
            insns: self.insns,
            prog_type: self.prog_type,
            expected_attach_type: self.expected_attach_type,
            name: self.name,
            license: self.license,
            flags: self.flags,
            kern_version: self.kern_version,
            ifindex: self.ifindex,
            attach_btf_id: self.attach_btf_id,
            attach_fd: self.attach_fd,
            btf: self.btf,
            debug_info: self.debug_info,
            asm_source: self.asm_source,
            log_on_success: self.log_on_success,
            log_size: self.log_size,
        }
    }
}

impl<'a> ProgramSpec<'a> {
    fn resolve(&self) -> Result<Cow<'a, [RawInsn]>> {
        if let Some((slot, name)) = self.insns.named_maps().next() {
            return Err(unresolved(
                slot,
                name,
                " by name only; bind it to a map first with Assembled::bind_map",
            ));
        }
        let mut linked = self.insns.map_slots().peekable();
        let mut kfuncs = self.insns.kfunc_calls().peekable();
        if linked.peek().is_none() && kfuncs.peek().is_none() {
            return Ok(Cow::Borrowed(self.insns.insns()));
        }
        let mut insns = self.insns.insns().to_vec();
        for (slot, name) in kfuncs {
            let Some(id) = kernel_func(name.as_str())? else {
                return Err(Error::UnknownKfunc {
                    name: name.to_string(),
                    insn: slot,
                    at: self.insns.location(slot),
                });
            };
            if let Some(insn) = insns.get_mut(slot) {
                // Type ids stop at 2^31 - 1 (the kernel's BTF_MAX_TYPE is
                // far below), so the id fits the signed immediate.
                insn.imm = i32::try_from(id.0).unwrap_or(i32::MAX);
            }
        }
        for (slot, map) in linked {
            let Some(fd) = map.as_any().downcast_ref::<MapFd>() else {
                return Err(unresolved(
                    slot,
                    map.name(),
                    ", whose handle is not one of bpfkit's maps: the loader has no fd for it",
                ));
            };
            if let Some(insn) = insns.get_mut(slot) {
                insn.imm = fd.fd().as_raw_fd();
            }
        }
        Ok(Cow::Owned(insns))
    }

    fn load_untyped(&self) -> Result<Program> {
        let insns = self.resolve()?;
        let name = ObjectName::new(self.name, "program name")?;
        let owned;
        let license: &CStr = if self.license == "GPL" {
            c"GPL"
        } else {
            owned = CString::new(self.license).map_err(|_| Error::InvalidArgument {
                what: "license",
                why: "contains a NUL byte".into(),
            })?;
            &owned
        };
        let generated = match self.btf_functions() {
            Some(functions) => Some(debug_info::build(
                self.insns,
                &functions,
                self.prog_type,
                self.name,
                self.asm_source,
            )?),
            None => None,
        };
        let loaded = generated.as_ref().map(|d| BtfObject::load(&d.btf)).transpose()?;
        let given =
            self.btf.map(|(_, func)| [sys::info::FuncInfoRaw { insn_off: 0, type_id: func.0 }]);
        let btf: Option<(BorrowedFd<'_>, &[sys::info::FuncInfoRaw])> =
            match (&generated, &loaded, &self.btf, &given) {
                (Some(d), Some(obj), _, _) => Some((obj.fd(), &d.func_info)),
                (_, _, Some((obj, _)), Some(info)) => Some((obj.fd(), &info[..])),
                _ => None,
            };
        let line_info = generated.as_ref().map_or(&[][..], |d| &d.line_info[..]);
        let attempt = |log: Option<(&mut [u8], u32)>| {
            sys::prog::load(sys::prog::LoadArgs {
                prog_type: self.prog_type.0,
                expected_attach_type: self.expected_attach_type.map_or(0, |t| t.0),
                insns: insns_as_bytes(&insns),
                license,
                name: name.field(),
                flags: self.flags.bits(),
                kern_version: self.kern_version,
                ifindex: self.ifindex,
                attach_btf_id: self.attach_btf_id,
                attach_fd: self.attach_fd,
                btf,
                line_info,
                log,
            })
        };

        if let Some(level) = self.log_on_success {
            let mut buf = vec![0u8; self.log_size];
            match self.load_logged(&attempt, &insns, &mut buf, level.bits()) {
                Ok((fd, log)) => return Ok(self.program(fd, name, Some(log))),
                // Statistics alone do not say where it failed: fall through
                // to the reload at the verbose level.
                Err(Error::Verifier(_)) if !level.contains(LogLevel::VERBOSE) => {}
                Err(e) => return Err(e),
            }
        } else {
            let errno = match retry_eagain(|| attempt(None).0) {
                Ok(fd) => return Ok(self.program(fd, name, None)),
                Err(e) => e,
            };
            if errno == Errno::EPERM || errno == Errno::ENOSYS {
                // Refused before verification: there is no log to read.
                return Err(Error::ProgLoad { name: self.name.to_string(), errno });
            }
        }
        let mut buf = vec![0u8; self.log_size];
        let level = LogLevel::VERBOSE.bits() | self.log_on_success.map_or(0, |l| l.bits());
        match self.load_logged(&attempt, &insns, &mut buf, level) {
            // Loaded on the second try (a transient failure): keep it.
            Ok((fd, _)) => Ok(self.program(fd, name, None)),
            Err(e) => Err(e),
        }
    }

    /// Loads with a log, growing the buffer until the whole log fits.
    fn load_logged(
        &self,
        attempt: &LoadAttempt<'_>,
        insns: &[RawInsn],
        buf: &mut Vec<u8>,
        level: u32,
    ) -> Result<(OwnedFd, String)> {
        match load_logged(attempt, buf, level) {
            (Ok(fd), log) => Ok((fd, log)),
            (Err(errno), log) if log.trim().is_empty() => {
                // Refused with no word from the verifier: an EINVAL may be
                // a program or attach type this kernel lacks.
                let err = Error::ProgLoad { name: self.name.to_string(), errno };
                Err(explain_einval(err, &self.features()))
            }
            (Err(errno), log) => {
                Err(Error::Verifier(Box::new(self.verifier_error(errno, log, insns))))
            }
        }
    }

    /// What the load needs of the kernel, beyond the instructions. Not
    /// the expected attach type: the kernel answers a pair it does not
    /// know and a pair that makes no sense (an XDP attach type for a
    /// cgroup program) alike, and only the first is "not supported".
    fn features(&self) -> [Feature; 1] {
        [Feature::ProgType(self.prog_type)]
    }

    fn verifier_error(&self, errno: Errno, log: String, insns: &[RawInsn]) -> VerifierError {
        let mut parsed = parse_log(&log);
        // "last insn is not an exit or jmp" names no index: it is the last one.
        if parsed.index.is_none() {
            parsed.index = self.unnamed_index(parsed.message.first().map_or("", String::as_str));
        }
        let mut message = parsed.message.into_iter();
        let headline = message.next().unwrap_or_else(|| format!("{errno}"));
        VerifierError {
            program: self.name.to_string(),
            errno,
            index: parsed.index,
            insn: parsed.index.and_then(|i| self.insn_text(i, insns)),
            location: parsed.index.and_then(|i| self.insns.location(i)),
            message: headline,
            details: message.collect(),
            log,
        }
    }

    /// The instruction at slot `slot` as the kernel got it: a live map by
    /// the fd the loader wrote, as the verifier's log shows it.
    fn insn_text(&self, slot: usize, insns: &[RawInsn]) -> Option<String> {
        let mut insn = self.insns.insn_at(slot)?;
        if let (Some(map @ MapRef::Map(_)), Some(raw)) = (insn.map_mut(), insns.get(slot)) {
            *map = MapRef::Fd(raw.imm);
        }
        Some(insn.to_string())
    }

    /// The instruction a message without an index is about: the last one
    /// for "last insn is not an exit or jmp", the first with the opcode
    /// for "unknown opcode XX".
    fn unnamed_index(&self, message: &str) -> Option<usize> {
        if message.starts_with("last insn") {
            return self.insns.len().checked_sub(1);
        }
        let code = message.strip_prefix("unknown opcode ")?;
        let code = u8::from_str_radix(code.trim(), 16).ok()?;
        // Look at first slots only: the second slot of an LD_IMM64 has code 0.
        let mut slot = 0;
        let slots = self.insns.insns();
        while let Some(insn) = slots.get(slot) {
            if insn.code == code {
                return Some(slot);
            }
            slot += insn.slots();
        }
        None
    }

    fn program(&self, fd: OwnedFd, name: ObjectName, log: Option<String>) -> Program {
        Program::new(fd, self.prog_type, name, log)
    }
}

impl<K> AsFd for Program<K> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd()
    }
}

/// A map reference the loader cannot turn into an fd, at `slot`.
#[cold]
fn unresolved(slot: usize, name: &str, why: &str) -> Error {
    Error::InvalidArgument {
        what: "program",
        why: format!("instruction {slot} refers to map {name:?}{why}"),
    }
}

#[cfg(test)]
mod tests {
    use std::os::fd::OwnedFd;

    use super::*;
    use crate::asm::{ProgramBuilder, R0, R3};
    use crate::sys::Cmd;
    use crate::sys::mock::with_hook;

    const LOG: &str = "0: R1=ctx() R10=fp0\n0: (b7) r0 = 2                        ; R0_w=2\n\
                       1: (0f) r0 += r3\nR3 !read_ok\nprocessed 2 insns (limit 1000000)\n";

    /// What the fake kernel saw of one `BPF_PROG_LOAD`: (log level, log size).
    type Seen = std::rc::Rc<std::cell::RefCell<Vec<(u32, u32)>>>;

    /// A kernel that rejects every load with `LOG`; `true_size` says whether
    /// it reports `log_true_size` (6.4+) or, like older kernels, answers a
    /// short buffer with `ENOSPC`.
    fn rejecting_kernel(seen: Seen, true_size: bool) -> crate::sys::mock::Hook {
        Box::new(move |cmd, attr| {
            assert_eq!(cmd, Cmd::ProgLoad);
            let attr = attr.prog_load();
            let (level, size) = (attr.log_level, attr.log_size);
            seen.borrow_mut().push((level, size));
            if level == 0 {
                return Some(Err(Errno::EACCES));
            }
            let mut log = LOG.as_bytes().to_vec();
            log.push(0);
            let fits = log.len() <= size as usize;
            // Both modes keep what fits (old kernels the head; the tail would do too).
            attr.log_buf.write(0, &log[..log.len().min(size as usize - 1)]);
            if true_size {
                attr.log_true_size = log.len() as u32;
                Some(Err(Errno::EACCES))
            } else if fits {
                Some(Err(Errno::EACCES))
            } else {
                Some(Err(Errno::ENOSPC))
            }
        })
    }

    fn bad_program() -> Assembled {
        let mut b = ProgramBuilder::new();
        b.mov64(R0, 2).add64(R0, R3).exit();
        b.assemble().unwrap()
    }

    fn verifier_error(result: Result<Program>) -> VerifierError {
        match result {
            Err(Error::Verifier(e)) => *e,
            other => panic!("expected a verifier error, got {other:?}"),
        }
    }

    #[test]
    fn old_kernel_short_log_grows_on_enospc() {
        let seen = Seen::default();
        let insns = bad_program();
        let spec = ProgramSpec::new(ProgType::XDP, &insns).name("old").log_size(128);
        let e = verifier_error(with_hook(rejecting_kernel(seen.clone(), false), || spec.load()));
        assert_eq!(e.index, Some(1));
        assert_eq!(e.message, "R3 !read_ok");
        assert_eq!(e.location.map(|l| l.line()), insns.location(1).map(|l| l.line()));
        assert!(e.log.starts_with("0: R1=ctx()"), "{}", e.log);
        // No log first; then 128 bytes (too short: ENOSPC), then 512.
        assert_eq!(*seen.borrow(), vec![(0, 0), (1, 128), (1, 512)]);
    }

    #[test]
    fn new_kernel_says_how_much_log_it_needs() {
        let seen = Seen::default();
        let insns = bad_program();
        let spec = ProgramSpec::new(ProgType::XDP, &insns).name("new").log_size(128);
        let e = verifier_error(with_hook(rejecting_kernel(seen.clone(), true), || spec.load()));
        assert_eq!(e.index, Some(1));
        let need = LOG.len() as u32 + 1;
        assert_eq!(*seen.borrow(), vec![(0, 0), (1, 128), (1, need)]);
    }

    #[test]
    fn a_load_that_succeeds_makes_one_call_without_a_log() {
        let seen = Seen::default();
        let s = seen.clone();
        let insns = bad_program();
        // Hand back a real fd (a dup of stdin's number space) as "the program".
        let hook: crate::sys::mock::Hook = Box::new(move |_, attr| {
            let attr = attr.prog_load();
            s.borrow_mut().push((attr.log_level, attr.log_size));
            let fd: OwnedFd = std::fs::File::open("/dev/null").unwrap().into();
            Some(Ok(std::os::fd::IntoRawFd::into_raw_fd(fd).into()))
        });
        let prog = with_hook(hook, || ProgramSpec::new(ProgType::XDP, &insns).load()).unwrap();
        assert_eq!(*seen.borrow(), vec![(0, 0)]);
        assert!(prog.verifier_log().is_none());
    }

    /// A kernel that loads every program, writing the statistics footer
    /// when asked for a log.
    fn accepting_kernel(seen: Seen) -> crate::sys::mock::Hook {
        Box::new(move |_, attr| {
            let attr = attr.prog_load();
            let (level, size) = (attr.log_level, attr.log_size);
            seen.borrow_mut().push((level, size));
            if level != 0 {
                let log = b"verification time 5 usec\nstack depth 4\nprocessed 3 insns \
                            (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 \
                            mark_read 0\n\0";
                attr.log_buf.write(0, log);
            }
            let fd: OwnedFd = std::fs::File::open("/dev/null").unwrap().into();
            Some(Ok(std::os::fd::IntoRawFd::into_raw_fd(fd).into()))
        })
    }

    #[test]
    fn stats_on_success_cost_one_load_at_the_stats_level() {
        let seen = Seen::default();
        let insns = bad_program();
        let spec = ProgramSpec::new(ProgType::XDP, &insns).log_on_success(LogLevel::STATS);
        let prog = with_hook(accepting_kernel(seen.clone()), || spec.load()).unwrap();
        assert_eq!(*seen.borrow(), vec![(LogLevel::STATS.bits(), LOG_START as u32)]);
        let stats = prog.verifier_stats().unwrap();
        assert_eq!((stats.insns_processed, stats.stack_depth.as_slice()), (3, &[4][..]));

        // Rejected at the stats level: reloaded once at verbose + stats,
        // so the error names the instruction.
        let seen = Seen::default();
        let e = verifier_error(with_hook(rejecting_kernel(seen.clone(), true), || spec.load()));
        assert_eq!(e.index, Some(1));
        let levels: Vec<u32> = seen.borrow().iter().map(|(level, _)| *level).collect();
        assert_eq!(levels, [4, 5]);
    }

    #[test]
    fn eagain_is_retried_and_eperm_is_not() {
        let calls = std::rc::Rc::new(std::cell::Cell::new(0));
        let c = calls.clone();
        let insns = bad_program();
        let hook: crate::sys::mock::Hook = Box::new(move |_, _| {
            c.set(c.get() + 1);
            if c.get() < 3 {
                Some(Err(Errno::EAGAIN))
            } else {
                let fd: OwnedFd = std::fs::File::open("/dev/null").unwrap().into();
                Some(Ok(std::os::fd::IntoRawFd::into_raw_fd(fd).into()))
            }
        });
        with_hook(hook, || ProgramSpec::new(ProgType::XDP, &insns).load()).unwrap();
        assert_eq!(calls.get(), 3);

        let calls = std::rc::Rc::new(std::cell::Cell::new(0));
        let c = calls.clone();
        let hook: crate::sys::mock::Hook = Box::new(move |_, _| {
            c.set(c.get() + 1);
            Some(Err(Errno::EPERM))
        });
        let err = with_hook(hook, || ProgramSpec::new(ProgType::XDP, &insns).name("p").load())
            .unwrap_err();
        assert_eq!(calls.get(), 1, "EPERM comes before verification: no log to ask for");
        assert!(matches!(err, Error::ProgLoad { errno: Errno::EPERM, .. }));
        assert!(err.to_string().contains("CAP_BPF"), "{err}");
    }

    /// A kernel that accepts everything, recording each command and, for a
    /// program, its BTF record counts.
    fn counting_kernel(
        calls: std::rc::Rc<std::cell::RefCell<Vec<(Cmd, u32, u32)>>>,
    ) -> crate::sys::mock::Hook {
        Box::new(move |cmd, attr| {
            let counts = match cmd {
                Cmd::ProgLoad => {
                    let attr = attr.prog_load();
                    (attr.func_info_cnt, attr.line_info_cnt)
                }
                _ => (0, 0),
            };
            calls.borrow_mut().push((cmd, counts.0, counts.1));
            let fd: OwnedFd = std::fs::File::open("/dev/null").unwrap().into();
            Some(Ok(std::os::fd::IntoRawFd::into_raw_fd(fd).into()))
        })
    }

    #[test]
    fn btf_costs_exactly_one_btf_load_more() {
        // One function: BTF only when asked for.
        let one = bad_program();
        let calls = std::rc::Rc::default();
        let spec = ProgramSpec::new(ProgType::XDP, &one);
        with_hook(counting_kernel(std::rc::Rc::clone(&calls)), || spec.load()).unwrap();
        assert_eq!(*calls.borrow(), [(Cmd::ProgLoad, 0, 0)]);

        let calls = std::rc::Rc::default();
        let spec = ProgramSpec::new(ProgType::XDP, &one).debug_info(true);
        with_hook(counting_kernel(std::rc::Rc::clone(&calls)), || spec.load()).unwrap();
        assert_eq!(*calls.borrow(), [(Cmd::BtfLoad, 0, 0), (Cmd::ProgLoad, 1, 3)]);

        // Two functions: BTF by default, unless refused.
        let mut b = ProgramBuilder::new();
        let sub = b.label();
        b.call_local(sub).exit().bind(sub).mov64(R0, 1).exit();
        let two = b.assemble().unwrap();
        let calls = std::rc::Rc::default();
        let spec = ProgramSpec::new(ProgType::XDP, &two);
        with_hook(counting_kernel(std::rc::Rc::clone(&calls)), || spec.load()).unwrap();
        assert_eq!(*calls.borrow(), [(Cmd::BtfLoad, 0, 0), (Cmd::ProgLoad, 2, 4)]);

        let calls = std::rc::Rc::default();
        let spec = ProgramSpec::new(ProgType::XDP, &two).debug_info(false);
        with_hook(counting_kernel(std::rc::Rc::clone(&calls)), || spec.load()).unwrap();
        assert_eq!(*calls.borrow(), [(Cmd::ProgLoad, 0, 0)]);
    }
}
