//! Subprograms: where each function of a program starts, and what the
//! programmer declared about it (name, linkage, parameters).
//!
//! The kernel splits a program into functions at instruction 0 and at
//! every target of a local call (`call_local`) or of a function pointer
//! (`ld_func`). A loader that gives the program BTF must describe every
//! one of them; [`Assembled::functions`](super::Assembled::functions) lists
//! them, each with the [`FuncDecl`] made with
//! [`ProgramBuilder::function`](super::ProgramBuilder::function), if any.
//! The declaration is plain data: this layer knows no BTF; the loader
//! turns it into `FUNC` and `FUNC_PROTO` records.

use super::encode::{PSEUDO_CALL, PSEUDO_FUNC};
use super::insn::RawInsn;
use super::opcode::{LD_IMM64, class, jmp};
use super::origin::Origin;

/// How the verifier treats a function (`BTF_FUNC_STATIC` / `BTF_FUNC_GLOBAL`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Linkage {
    /// Verified at each call, with what the caller knows of its arguments.
    #[default]
    Static,
    /// Verified once, on its own, against its declared parameters: its
    /// arguments are only what their types say (a scalar, or the context).
    Global,
}

/// The type of a declared function's parameter, as the verifier of a
/// global function takes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArgType {
    /// An integer of 1, 2, 4 or 8 bytes: any scalar.
    Scalar {
        /// Its size in bytes.
        size: u8,
        /// Whether it is signed.
        signed: bool,
    },
    /// A pointer to the program's context (what `r1` holds at entry). The
    /// loader types it as a pointer to the context struct the kernel knows
    /// the program type by (`struct __sk_buff`, `struct xdp_md`, ...); for
    /// a program type it has no such name for (tracepoints, kprobes, ...),
    /// as `void *` tagged `arg:ctx` (C's `__arg_ctx`), which Linux 6.8 and
    /// later take for the context.
    Ctx,
}

impl ArgType {
    /// `u64`.
    pub const U64: ArgType = ArgType::Scalar { size: 8, signed: false };
    /// `u32`.
    pub const U32: ArgType = ArgType::Scalar { size: 4, signed: false };
    /// `s64`.
    pub const S64: ArgType = ArgType::Scalar { size: 8, signed: true };
    /// `int`.
    pub const INT: ArgType = ArgType::Scalar { size: 4, signed: true };
}

/// What the programmer says about a function: its name, linkage and
/// parameters (at most five, in `r1` to `r5`). It returns `int` (`r0`).
///
/// ```
/// use bpfkit::asm::{ArgType, FuncDecl, Linkage};
///
/// let decl = FuncDecl::global("add").param("a", ArgType::U64).param("b", ArgType::U64);
/// assert_eq!(decl.linkage, Linkage::Global);
/// assert_eq!(decl.params.len(), 2);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FuncDecl {
    /// The function's name (a C identifier).
    pub name: String,
    /// Static or global.
    pub linkage: Linkage,
    /// The parameters, in order: name and type.
    pub params: Vec<(String, ArgType)>,
}

impl FuncDecl {
    /// A static function named `name`, without parameters yet.
    pub fn new(name: impl Into<String>) -> FuncDecl {
        FuncDecl { name: name.into(), linkage: Linkage::Static, params: Vec::new() }
    }

    /// A global function named `name`, without parameters yet.
    pub fn global(name: impl Into<String>) -> FuncDecl {
        FuncDecl { linkage: Linkage::Global, ..FuncDecl::new(name) }
    }

    /// Adds a parameter.
    pub fn param(mut self, name: impl Into<String>, ty: ArgType) -> FuncDecl {
        self.params.push((name.into(), ty));
        self
    }
}

/// A function of an assembled program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Function<'a> {
    /// Its first instruction slot (0 for the main program).
    pub start: usize,
    /// What was declared about it, if anything.
    pub decl: Option<&'a FuncDecl>,
    /// Where it was declared, if it was.
    pub declared_at: Option<Origin>,
}

/// The first slots of every function of `insns` (instruction 0, the
/// targets of local calls and of function pointers), sorted, each once.
/// `is_second(slot)` says whether a slot continues an `LD_IMM64`.
pub(crate) fn function_starts(insns: &[RawInsn], is_second: impl Fn(usize) -> bool) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(subprogram_calls(insns, is_second).filter_map(|(slot, off)| {
        usize::try_from((slot as i64 + 1).checked_add(off.into())?).ok()
    }));
    starts.sort_unstable();
    starts.dedup();
    starts
}

/// Each local call and function pointer, as (slot, offset of the target
/// from the next slot), found as the kernel finds them (`check_subprogs`):
/// by opcode and pseudo source register alone, with no full decode, so
/// that the loader's question "has this program subprograms?" is a scan.
pub(crate) fn subprogram_calls(
    insns: &[RawInsn],
    is_second: impl Fn(usize) -> bool,
) -> impl Iterator<Item = (usize, i32)> {
    insns.iter().enumerate().filter_map(move |(slot, insn)| {
        let local_call = insn.code == class::JMP | jmp::CALL && insn.src() == PSEUDO_CALL;
        let func_pointer = insn.code == LD_IMM64 && insn.src() == PSEUDO_FUNC;
        ((local_call || func_pointer) && !is_second(slot)).then_some((slot, insn.imm))
    })
}
