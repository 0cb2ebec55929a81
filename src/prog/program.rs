//! `Program`: a loaded program, owned by its file descriptor.

use std::marker::PhantomData;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;

use super::info::{ProgramInfo, program_ids};
use super::kind::{ProgKind, Untyped};
use super::tag::ProgTag;
use crate::asm::RawInsn;
use crate::object::{ObjectKind, ObjectName, Origin, expect_kind};
use crate::sys::ProgType;
use crate::sys::{self, Cmd};
use crate::{Errno, Error, Result};

/// A loaded program. Dropping it closes its fd; the kernel frees the program
/// once nothing else (an attachment, a pin, a link) holds it.
///
/// `K` is the program's [kind](super::kind): a program loaded from
/// [`ProgramSpec::typed`](super::ProgramSpec::typed) has one, and the hooks
/// of that kind take it; a program of a type known only at run time is
/// [`Untyped`] until [`into_kind`](Program::into_kind) checks it.
#[derive(Debug)]
pub struct Program<K = Untyped> {
    fd: OwnedFd,
    prog_type: ProgType,
    name: ObjectName,
    log: Option<String>,
    kind: PhantomData<fn() -> K>,
}

impl Program {
    pub(crate) fn new(
        fd: OwnedFd,
        prog_type: ProgType,
        name: ObjectName,
        log: Option<String>,
    ) -> Program {
        Program { fd, prog_type, name, log, kind: PhantomData }
    }

    /// The program as kind `K` (e.g. [`SchedCls`](super::kind::SchedCls)
    /// for a tc hook), if it is of `K`'s program type; else
    /// [`Error::WrongProgType`] naming both types. The kernel does not
    /// report the attach type a program was verified for: a kind that
    /// fixes one is checked by the kernel when the program attaches.
    pub fn into_kind<K: ProgKind>(self, _kind: K) -> Result<Program<K>> {
        self.expect_type(K::PROG_TYPE)?;
        Ok(self.assume_kind())
    }

    /// Wraps an fd that refers to a program, reading its type and name.
    ///
    /// The fd of a map, a link or anything else is refused with
    /// [`Error::WrongKind`], naming what it is: the kernel would answer the
    /// info query for a map or link with that object's own info.
    pub fn from_fd(fd: OwnedFd) -> Result<Program> {
        Program::checked(fd, Origin::Fd)
    }

    fn checked(fd: OwnedFd, origin: Origin<'_>) -> Result<Program> {
        expect_kind(fd.as_fd(), ObjectKind::Program, origin)?;
        let info = ProgramInfo::of_program(fd.as_fd())?;
        Ok(Program::new(fd, info.prog_type, ObjectName::reported(info.name.as_bytes()), None))
    }

    /// Opens the program with kernel id `id` (`BPF_PROG_GET_FD_BY_ID`).
    pub fn from_id(id: u32) -> Result<Program> {
        let fd = crate::object::open_by_id(ObjectKind::Program, id)?;
        Program::checked(fd, Origin::Id(id))
    }

    /// Opens the program pinned at `path`. A pinned map or link there is
    /// an [`Error::WrongKind`] naming what it is.
    pub fn open_pinned(path: impl AsRef<Path>) -> Result<Program> {
        let path = path.as_ref();
        Program::checked(crate::object::get_pinned(path)?, Origin::Path(path))
    }

    /// Every loaded program, in increasing id order. Programs unloaded
    /// during the walk are skipped.
    pub fn all() -> impl Iterator<Item = Result<Program>> {
        program_ids().filter_map(|id| match id.and_then(Program::from_id) {
            Err(e) if e.errno() == Some(Errno::ENOENT) => None,
            other => Some(other),
        })
    }

    /// Every loaded program named `name`, in increasing id order: names
    /// are not unique. As in bpftool, a name that fills the kernel's 15
    /// bytes is matched against the whole name from BTF
    /// ([`ProgramInfo::full_name`]) where there is one.
    pub fn by_name(name: &str) -> Result<Vec<Program>> {
        Program::matching(|info| info.full_name == name)
    }

    /// Every loaded program whose tag (the hash of its instructions) is
    /// `tag`, in increasing id order: identical code has the same tag.
    pub fn by_tag(tag: ProgTag) -> Result<Vec<Program>> {
        Program::matching(|info| info.tag == tag)
    }

    fn matching(wanted: impl Fn(&ProgramInfo) -> bool) -> Result<Vec<Program>> {
        let mut found = Vec::new();
        for prog in Program::all() {
            let prog = prog?;
            if wanted(&prog.info()?) {
                found.push(prog);
            }
        }
        Ok(found)
    }
}

impl<K> Program<K> {
    /// The same program with kind `L`, unchecked: for the loader, whose
    /// spec fixed the kind.
    pub(crate) fn assume_kind<L>(self) -> Program<L> {
        let Program { fd, prog_type, name, log, .. } = self;
        Program { fd, prog_type, name, log, kind: PhantomData }
    }

    /// `Ok` if the program is of `expected` type, else
    /// [`Error::WrongProgType`] naming both types and the program (its
    /// name and id): the run-time check of hooks whose program type is
    /// data.
    pub fn expect_type(&self, expected: ProgType) -> Result<()> {
        if self.prog_type == expected {
            return Ok(());
        }
        let id = self.info().map(|info| format!(" (id {})", info.id)).unwrap_or_default();
        Err(Error::WrongProgType {
            program: format!("{:?}{id}", self.name),
            expected,
            found: self.prog_type,
        })
    }

    /// The same program without its kind, as code that takes any program
    /// (by type only at run time) wants it.
    pub fn into_untyped(self) -> Program {
        self.assume_kind()
    }

    /// Pins the program at `path` on a bpf filesystem, so it outlives the process.
    pub fn pin(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::object::pin(self.fd(), path.as_ref())
    }

    /// The program's file descriptor.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// The program type.
    pub fn prog_type(&self) -> ProgType {
        self.prog_type
    }

    /// The name it was loaded with.
    pub fn name(&self) -> &str {
        self.name.as_str()
    }

    /// The verifier log, when it was asked for with
    /// [`ProgramSpec::log_on_success`](super::ProgramSpec::log_on_success).
    pub fn verifier_log(&self) -> Option<&str> {
        self.log.as_deref()
    }

    /// Asks the kernel for the program's info (id, tag, sizes, maps).
    pub fn info(&self) -> Result<ProgramInfo> {
        ProgramInfo::of_program(self.fd())
    }

    /// The program's instructions as the kernel runs them, after the
    /// verifier's rewrites (`xlated_prog_insns`), one slot per element.
    ///
    /// The kernel shows map references as map ids: an `LD_IMM64` with
    /// `src_reg` 1 (`BPF_PSEUDO_MAP_FD`) or 2 (`BPF_PSEUDO_MAP_VALUE`)
    /// carries the map's id in `imm` (and the value offset in the second
    /// slot's `imm`). Helper calls carry the kernel's offset of the helper
    /// function, not its id. Empty when the kernel withholds the
    /// instructions from the caller (no `CAP_SYS_ADMIN`/`CAP_BPF`).
    pub fn xlated_insns(&self) -> Result<Vec<RawInsn>> {
        let err = |e| Error::syscall(Cmd::ObjGetInfoByFd, e);
        let len = sys::obj::prog_info(self.fd(), &mut [], &mut []).map_err(err)?.xlated_prog_len;
        let mut bytes = vec![0u8; len as usize];
        if !bytes.is_empty() {
            let got = sys::obj::prog_info(self.fd(), &mut [], &mut bytes).map_err(err)?;
            bytes.truncate((got.xlated_prog_len as usize).min(len as usize));
        }
        Ok(bytes
            .chunks_exact(8)
            .map(|c| RawInsn::from_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect())
    }

    /// The kernel addresses of the program's JIT-compiled functions
    /// (`jited_ksyms`): the main program's first, then each subprogram's,
    /// in the order of the subprogram indexes that the calls in
    /// [`xlated_insns`](Self::xlated_insns) name. `/proc/kallsyms` names
    /// them `bpf_prog_<tag>_<function>`. Zeros where the kernel hides
    /// kernel addresses from the caller (`kernel.kptr_restrict`); empty when
    /// it reports no functions.
    pub fn jited_ksyms(&self) -> Result<Vec<u64>> {
        let err = |e| Error::syscall(Cmd::ObjGetInfoByFd, e);
        let count = sys::obj::prog_jited_ksyms(self.fd(), &mut []).map_err(err)?.nr_jited_ksyms;
        let mut ksyms = vec![0u64; count as usize];
        if !ksyms.is_empty() {
            let got = sys::obj::prog_jited_ksyms(self.fd(), &mut ksyms).map_err(err)?;
            ksyms.truncate((got.nr_jited_ksyms as usize).min(count as usize));
        }
        Ok(ksyms)
    }
}
