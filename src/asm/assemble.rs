//! What assembling makes: the program the kernel loads ([`Assembled`]) and
//! why a program does not assemble ([`AsmError`]).
//!
//! The pass itself is `ProgramBuilder::assemble`, beside the builder whose
//! state it reads (`program.rs`). An [`Assembled`] keeps the slots, a
//! [`SourceMap`] (an origin per slot in about two bytes) and the maps its
//! instructions refer to.

use std::fmt;

use thiserror::Error;

use super::encode::{EncodeError, decode};
use super::function::{FuncDecl, Function, function_starts, subprogram_calls};
use super::insn::RawInsn;
use super::ir::{Insn, KfuncName};
use super::kfunc_slots::KfuncSlots;
use super::map_ref::{MapHandle, SharedMap};
use super::map_slots::MapSlots;
use super::origin::Origin;
use super::source_map::SourceMap;

/// The most instruction slots the kernel accepts in one program
/// (`BPF_COMPLEXITY_LIMIT_INSNS`, for a privileged loader; unprivileged
/// loaders are limited to 4096).
pub const MAX_INSNS: usize = 1_000_000;

/// Why a program does not assemble. Each error names the instruction and
/// where it came from: the Rust line that emitted it, or its line and column
/// in assembler text.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum AsmError {
    /// The program has no instructions.
    #[error("the program is empty: it needs at least an exit")]
    Empty,
    /// A label is jumped to but never bound.
    #[error(
        "label {label} (made at {created_at}) is never bound, but instruction {index} \
         `{insn}` at {used_at} jumps to it: bind it with `bind` before assembling"
    )]
    UnboundLabel {
        /// The label's name.
        label: String,
        /// Where it was made.
        created_at: Origin,
        /// The slot index of the jump.
        index: usize,
        /// The jump.
        insn: String,
        /// Where the jump was emitted.
        used_at: Origin,
    },
    /// A label is bound twice.
    #[error("label {label} is bound twice: at {first} and again at {second}")]
    LabelBoundTwice {
        /// The label's name.
        label: String,
        /// The first binding.
        first: Origin,
        /// The second binding.
        second: Origin,
    },
    /// A label of another program is used or bound.
    #[error("label {label} at {at} belongs to another program")]
    ForeignLabel {
        /// The label.
        label: String,
        /// Where it was used.
        at: Origin,
    },
    /// A jump targets a label bound after the last instruction.
    #[error(
        "instruction {index} `{insn}` at {at} jumps to {label}, which is bound after the \
         last instruction (at {bound_at}): the target must be an instruction"
    )]
    TargetPastEnd {
        /// The label.
        label: String,
        /// Where it was bound.
        bound_at: Origin,
        /// The slot index of the jump.
        index: usize,
        /// The jump.
        insn: String,
        /// Where the jump was emitted.
        at: Origin,
    },
    /// A jump offset does not fit its field.
    #[error("instruction {index} `{insn}` at {at}: {source}")]
    OffsetOutOfRange {
        /// The slot index of the jump.
        index: usize,
        /// The jump.
        insn: String,
        /// Where it was emitted.
        at: Origin,
        /// The offset and field width.
        source: EncodeError,
    },
    /// An operand combination the ISA does not have.
    #[error("instruction {index} at {at}: {why}")]
    InvalidInsn {
        /// The slot index.
        index: usize,
        /// Where it was emitted.
        at: Origin,
        /// What is wrong.
        why: String,
    },
    /// A function is declared at a label that is not bound to an instruction.
    #[error(
        "function {name} is declared at {declared_at} at a label that is not bound to an \
         instruction: bind it where the function starts"
    )]
    UnboundFunction {
        /// The function's name.
        name: String,
        /// Where it was declared.
        declared_at: Origin,
    },
    /// A function is declared at an instruction no local call or function
    /// pointer targets. The kernel starts functions only at such targets
    /// (and at instruction 0), so this code would belong to the function
    /// before it, or be unreachable.
    #[error(
        "function {name} is declared at {declared_at} at instruction {slot}, which no \
         call_local or ld_func targets: the kernel would not see a function there; call it, \
         or remove the declaration"
    )]
    UncalledFunction {
        /// The function's name.
        name: String,
        /// Where it was declared.
        declared_at: Origin,
        /// The instruction its label is bound to.
        slot: usize,
    },
    /// Two declarations for the function at one instruction.
    #[error(
        "functions {first} (declared at {first_at}) and {second} (declared at {second_at}) \
         start at the same instruction {slot}: declare each function once"
    )]
    DuplicateFunction {
        /// The first declaration's name.
        first: String,
        /// Where it was declared.
        first_at: Origin,
        /// The second declaration's name.
        second: String,
        /// Where it was declared.
        second_at: Origin,
        /// The instruction both labels are bound to.
        slot: usize,
    },
    /// The program exceeds the kernel's instruction limit.
    #[error("the program has {slots} instruction slots; the kernel accepts at most {limit}")]
    TooLong {
        /// Slots in the program.
        slots: usize,
        /// The limit.
        limit: usize,
    },
}

/// An assembled program: the instructions the kernel loads, the origin of
/// each (a Rust line or a line of text), and the maps it refers to (kept
/// open for as long as it lives).
///
/// It keeps the encoded slots, not the IR: an instruction asked for is
/// decoded again, with its map as it was given (a live map shows by its
/// name). It holds no fds: the slot of an `LD_IMM64` that refers to a live
/// or named map holds 0, and the loader writes the map's fd into its own
/// copy ([`map_slots`](Self::map_slots) lists them).
#[derive(Clone, Debug)]
pub struct Assembled {
    insns: Vec<RawInsn>,
    /// The origin of each slot, and where instructions start.
    lines: SourceMap,
    /// The slots that refer to a live or named map, and the live maps.
    maps: MapSlots,
    /// The slots that call a kernel function by name.
    kfuncs: KfuncSlots,
    /// Declared functions: (first slot, declaration, where), by slot.
    functions: Vec<(usize, FuncDecl, Origin)>,
}

impl Assembled {
    /// The program made of `insns`, whose origins are `lines`.
    pub(crate) fn new(
        insns: Vec<RawInsn>,
        lines: SourceMap,
        maps: MapSlots,
        kfuncs: KfuncSlots,
        functions: Vec<(usize, FuncDecl, Origin)>,
    ) -> Assembled {
        Assembled { insns, lines, maps, kfuncs, functions }
    }

    /// The program's functions, by first slot: the main program at 0, then
    /// every target of a local call or a function pointer, as the kernel
    /// splits it (a `bpf_func_info` record each). Each carries its
    /// declaration ([`ProgramBuilder::function`](super::ProgramBuilder::function)), if any.
    pub fn functions(&self) -> Vec<Function<'_>> {
        function_starts(&self.insns, |slot| self.lines.is_second(slot))
            .into_iter()
            .map(|start| {
                let declared = self
                    .functions
                    .binary_search_by_key(&start, |(slot, _, _)| *slot)
                    .ok()
                    .and_then(|i| self.functions.get(i));
                Function {
                    start,
                    decl: declared.map(|(_, decl, _)| decl),
                    declared_at: declared.map(|(_, _, at)| *at),
                }
            })
            .collect()
    }

    /// Whether the program has more than its main function (a local call
    /// or a function pointer), or declares one: what makes the loader
    /// describe its functions. A scan of the opcodes, where
    /// [`functions`](Self::functions) builds the list.
    pub(crate) fn has_functions_to_describe(&self) -> bool {
        !self.functions.is_empty()
            || subprogram_calls(&self.insns, |slot| self.lines.is_second(slot)).next().is_some()
    }

    /// The first slot of each instruction, increasing (never the second
    /// slot of an `LD_IMM64`).
    pub fn starts(&self) -> impl Iterator<Item = usize> + '_ {
        self.lines.starts()
    }

    /// The instruction slots, encoded. A slot that refers to a live or
    /// named map holds 0 in its `imm`: the loader writes the map's fd into
    /// its own copy (`ProgramSpec::resolved_insns` in `prog`).
    pub fn insns(&self) -> &[RawInsn] {
        &self.insns
    }

    /// The instructions as bytes in memory order ([`insns`](Self::insns):
    /// map slots hold 0).
    pub fn as_bytes(&self) -> &[u8] {
        super::insn::insns_as_bytes(&self.insns)
    }

    /// The number of slots (what the kernel calls instructions).
    pub fn len(&self) -> usize {
        self.insns.len()
    }

    /// Whether the program has no instructions (never true once assembled).
    pub fn is_empty(&self) -> bool {
        self.insns.is_empty()
    }

    /// Where the instruction at slot `slot` came from (the kernel's
    /// instruction index; both slots of an `LD_IMM64` map to it): the Rust
    /// line that emitted it, or its line and column in assembler text.
    pub fn location(&self, slot: usize) -> Option<Origin> {
        self.lines.get(slot)
    }

    /// The instruction that occupies slot `slot`.
    pub fn insn_at(&self, slot: usize) -> Option<Insn> {
        (slot < self.insns.len()).then(|| self.decode_at(self.lines.first_slot(slot)))
    }

    /// The instruction starting at slot `start`, decoded from its own slots
    /// only: two raw words that happen to spell an `LD_IMM64` stay two.
    fn decode_at(&self, start: usize) -> Insn {
        let wide = start + 1 < self.insns.len() && self.lines.first_slot(start + 1) == start;
        let end = if wide { start + 2 } else { start + 1 };
        let (mut insn, _) = decode(self.insns.get(start..end).unwrap_or_default());
        self.maps.restore(start, &mut insn);
        self.kfuncs.restore(start, &mut insn);
        insn
    }

    /// Each instruction with its first slot and where it came from.
    pub fn listing(&self) -> impl Iterator<Item = (usize, Insn, Origin)> + '_ {
        self.lines.starts().map(|start| (start, self.decode_at(start), self.lines.at(start)))
    }

    /// The live maps the program refers to, each once, in order of first
    /// use: the program keeps them open while it lives.
    pub fn maps(&self) -> &[SharedMap] {
        self.maps.maps()
    }

    /// Each slot whose `LD_IMM64` refers to a live map, with the map, by
    /// slot: what the loader resolves. The slot's `imm` holds 0 until the
    /// loader writes the map's fd into its copy of the instructions.
    pub fn map_slots(&self) -> impl Iterator<Item = (usize, &SharedMap)> {
        self.maps.linked()
    }

    /// Binds every reference to the map named `name` (made with
    /// [`ProgramBuilder::ld_map_by_name`](super::ProgramBuilder::ld_map_by_name),
    /// or `r1 = NAME ll` in text) to `map`: the program keeps the map open,
    /// and the loader writes its fd into those instructions. Returns how
    /// many instructions referred to `name`.
    pub fn bind_map(&mut self, name: &str, map: &impl MapHandle) -> usize {
        self.maps.bind(name, map)
    }

    /// Each slot that calls a kernel function by name, with the name, by
    /// slot: what the loader resolves against the kernel's BTF. The slot's
    /// `imm` holds 0 until then.
    pub fn kfunc_calls(&self) -> impl Iterator<Item = (usize, &KfuncName)> {
        self.kfuncs.iter()
    }

    /// Names of maps the program refers to by name only, with their slots;
    /// such a program needs them bound ([`bind_map`](Self::bind_map)) before it loads.
    pub fn named_maps(&self) -> impl Iterator<Item = (usize, &str)> {
        self.maps.named()
    }
}

impl fmt::Display for Assembled {
    /// One instruction per line, in LLVM's BPF assembler syntax.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for start in self.lines.starts() {
            writeln!(f, "{}", self.decode_at(start))?;
        }
        Ok(())
    }
}
