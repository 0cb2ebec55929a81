//! The typed eBPF assembler.
//!
//! Programs are written as Rust calls on a [`ProgramBuilder`]; registers,
//! sizes, operations and jump targets are types, so most mistakes do not
//! compile (R10 as a destination, a `u8` where a register goes) and the rest
//! are [`AsmError`]s from [`ProgramBuilder::assemble`], naming the Rust line.
//! The IR is [`Insn`]; [`encode`]/[`decode`] turn it into the kernel's
//! 8-byte [`RawInsn`]s and back; `Display` prints LLVM's BPF syntax.
//!
//! The packet counter of `linux`'s XDP tutorials, as this DSL writes it:
//!
//! ```
//! use bpfkit::asm::{Helper, ProgramBuilder, Size, R0, R1, R2, R10};
//!
//! let mut b = ProgramBuilder::new();
//! let done = b.label();
//! b.st(Size::W, R10, -4, 0)            // u32 key = 0
//!     .mov64(R2, R10)
//!     .add64(R2, -4)                  // r2 = &key
//!     .ld_map_by_name(R1, "packet_count_map")
//!     .call(Helper::MapLookupElem)    // r0 = bpf_map_lookup_elem(map, &key)
//!     .jeq(R0, 0, done)               // if (!value) skip
//!     .mov64(R1, 1)
//!     .atomic_add64(R0, 0, R1)        // __sync_fetch_and_add(value, 1)
//!     .bind(done)
//!     .mov64(R0, 2)                   // XDP_PASS
//!     .exit();
//! let prog = b.assemble()?;
//! assert_eq!(prog.len(), 11); // the map load takes two slots
//! assert_eq!(prog.insn_at(8).unwrap().to_string(), "lock *(u64 *)(r0 + 0) += r1");
//! # Ok::<(), bpfkit::asm::AsmError>(())
//! ```

mod assemble;
mod callback_forms;
mod chunked;
mod display;
mod encode;
mod field;
mod forms;
mod function;
mod helper;
mod insn;
mod ir;
mod kfunc_slots;
mod label;
mod map_ref;
mod map_slots;
mod opcode;
mod origin;
mod parse;
mod program;
mod reg;
mod source_map;

pub use assemble::{AsmError, Assembled, MAX_INSNS};
pub use display::disassemble;
pub use encode::{EncodeError, decode, decode_all, encode};
pub use field::{Field, ValueMap};
pub use function::{ArgType, FuncDecl, Function, Linkage};
pub use helper::{Helper, HelperId};
pub use insn::{RawInsn, insns_as_bytes};
pub use ir::{Call, Imm64, Insn, KfuncName};
pub use label::{Label, Target};
pub use map_ref::{MapHandle, MapRef, SharedMap};
pub use opcode::{AluOp, AtomicOp, ByteOrder, Cond, Size, SwapBits, SxBits, Width};
pub use origin::Origin;
pub use parse::{ParseError, parse};
pub use program::ProgramBuilder;
pub use reg::Reg::{R0, R1, R2, R3, R4, R5, R6, R7, R8, R9};
pub use reg::{AnyReg, FramePointer, R10, Reg, Src};
