//! bpfkit: eBPF from Rust, with nothing between you and the kernel.
//!
//! A typed instruction assembler ([`asm`]), typed maps ([`maps`]), program
//! loading with verifier errors that point at the Rust line that emitted the
//! failing instruction ([`prog`]), all over raw `bpf(2)`: no libbpf, no ELF,
//! no C toolchain.
//!
//! The packet counter, end to end (needs root):
//!
//! ```no_run
//! use bpfkit::maps::{Array, MapFlags};
//! use bpfkit::prog::{ProgType, ProgramSpec, TestRun};
//! use bpfkit::programs::{XdpAction, packet_counter};
//!
//! let counts = Array::<u64>::create("packet_count", 1, MapFlags::empty())?;
//! let insns = packet_counter(&counts, XdpAction::Pass).assemble()?;
//! let prog = ProgramSpec::new(ProgType::XDP, &insns).name("xdp_counter").load()?;
//! let run = prog.test_run(TestRun::new(&[0u8; 64]).repeat(100))?;
//! assert_eq!(run.retval, XdpAction::Pass as u32);
//! assert_eq!(counts.get(0)?, 100);
//! # Ok::<(), bpfkit::Error>(())
//! ```
//!
//! A map value as a Rust struct that describes itself in BTF, so the
//! kernel can check a `bpf_spin_lock` in it and tools print it by field
//! (`examples/spin_lock.rs` runs it; needs root):
//!
//! ```no_run
//! use bpfkit::btf::BpfSpinLock;
//! use bpfkit::btf_struct;
//! use bpfkit::maps::{Array, MapFlags};
//! use bpfkit::zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};
//!
//! btf_struct! {
//!     /// Two counters that a lock keeps equal.
//!     #[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
//!     pub struct Pair {
//!         pub lock: BpfSpinLock,
//!         pub pad: u32,
//!         pub a: u64,
//!         pub b: u64,
//!     }
//! }
//!
//! // One BPF_BTF_LOAD for Pair's description, then the map.
//! let pairs = Array::<Pair>::create_with_btf("pairs", 1, MapFlags::empty())?;
//! pairs.set_locked(0, &Pair { a: 1, b: 1, ..Pair::default() })?;
//! let seen = pairs.get_locked(0)?; // BPF_F_LOCK: never half written
//! assert_eq!(seen.a, seen.b);
//! # Ok::<(), bpfkit::Error>(())
//! ```
//!
//! Without the kernel, the assembler alone:
//!
//! ```
//! use bpfkit::asm::{ProgramBuilder, R0};
//! let mut b = ProgramBuilder::new();
//! b.mov64(R0, 2).exit();
//! let prog = b.assemble()?;
//! assert_eq!(prog.as_bytes()[..8], [0xb7, 0, 0, 0, 2, 0, 0, 0]);
//! assert_eq!(prog.to_string(), "r0 = 2\nexit\n");
//! # Ok::<(), bpfkit::asm::AsmError>(())
//! ```
//!
//! # Layers
//!
//! Each module is a layer and uses only the layers its row names; the test
//! `tests/layers.rs` reads every path of `src/` that names the crate's own
//! items and fails on any other edge, and on two files that use each other.
//!
//! | layer | what it owns | may use |
//! |---|---|---|
//! | `asm` | the ISA: instructions, the DSL, labels, encoding, LLVM's text both ways; no map fds, no kernel | nothing |
//! | `sys` | the only `unsafe`: `bpf(2)`, attribute layouts, `Errno`, the kernel's type numbers, mmap | nothing |
//! | `error` | the crate's [`Error`], whose variants hold only kinds from the layers below | `sys`, `asm` |
//! | `object` | what maps, programs, links and BTF share: kinds, names, id walks, pins, the load log policy, interfaces, who holds an XDP hook | `error`, `sys` |
//! | `btf` | BTF: the type model, its encoding, Rust types that describe themselves; reading raw BTF (vmlinux's too); loading it | `object`, `error`, `sys` |
//! | `probe` | what the running kernel supports (program, map and attach types, helpers), by tiny cached probes | `btf`, `error`, `sys`, `asm` |
//! | `maps` | typed maps, batches, per-CPU values, mmap, ring buffers, globals | `probe`, `btf`, `object`, `error`, `sys`, `asm` |
//! | `prog` | loading (fd patching, the verifier's log), test runs, program info, kinds, tail call tables | `probe`, `maps`, `btf`, `object`, `error`, `sys`, `asm` |
//! | `netlink` | XDP and classic tc (clsact, `bpf` filters) over rtnetlink; devices, qdiscs, classes and tc BPF filters | `prog`, `object`, `error`, `sys` |
//! | `link` | `bpf_link` attachments and the other hooks: tcx, cgroups, netns | `probe`, `netlink`, `prog`, `object`, `error`, `sys` |
//! | `pinned` | every object pinned on bpffs | `object`, `error`, `sys` |
//! | `programs` | ready-made programs | `asm`, `maps` |
//!
//! `netlink` sits below `link` because only rtnetlink can read an XDP hook:
//! when the kernel refuses a link because the hook is taken, the link layer
//! asks netlink what holds it, to say how to free it.

pub mod asm;
pub mod btf;
mod error;
pub mod link;
pub mod maps;
#[cfg(feature = "netlink")]
pub mod netlink;
pub mod object;
pub mod pinned;
pub mod probe;
pub mod prog;
pub mod programs;
mod sys;

pub use error::{Error, Result};

/// The README's code, compiled with the doctests so it cannot drift.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
pub use sys::{Cmd, Errno};
pub use zerocopy;
