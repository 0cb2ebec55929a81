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

use super::encode::decode;
use super::insn::RawInsn;
use super::ir::{Call, Imm64, Insn};
use super::label::Target;
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
    let mut slot = 0;
    while slot < insns.len() {
        let wide = slot + 1 < insns.len() && is_second(slot + 1);
        let end = if wide { slot + 2 } else { slot + 1 };
        let (insn, _) = decode(insns.get(slot..end).unwrap_or_default());
        let offset = match insn {
            Insn::Call(Call::Local(Target::Offset(off)))
            | Insn::LdImm64 { value: Imm64::Func(Target::Offset(off)), .. } => Some(off),
            _ => None,
        };
        if let Some(target) = offset.and_then(|off| (slot as i64 + 1).checked_add(off.into())) {
            if let Ok(target) = usize::try_from(target) {
                starts.push(target);
            }
        }
        slot = end;
    }
    starts.sort_unstable();
    starts.dedup();
    starts
}
