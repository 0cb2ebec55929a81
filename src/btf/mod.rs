//! BTF, the kernel's type format, written by bpfkit itself: the type model
//! ([`BtfType`]), the encoder ([`Btf::encode`]) and Rust types that
//! describe themselves ([`BtfDescribe`], [`btf_struct!`](crate::btf_struct)),
//! with no compiler and no C headers involved; and BTF in the kernel
//! ([`BtfObject`]): loaded from raw bytes, opened by id or fd, and read
//! back, vmlinux's included.
//!
//! # Encoding
//!
//! A [`Btf`] is a list of [`BtfType`] records; [`Btf::encode`] writes it as
//! raw BTF (header, type section, [`StringTable`]), the bytes the kernel's
//! `BPF_BTF_LOAD` takes and `bpftool btf dump file` reads. Before writing,
//! the list is checked against the kernel's BTF checker, so a list the
//! kernel would refuse with a bare `EINVAL` is a [`BtfError`] that names the
//! type, the member or parameter, and the rule.
//!
//! # Describing Rust types
//!
//! A map whose value holds a [`BpfSpinLock`] or a [`BpfTimer`] needs BTF
//! for its value type. Rather than write the records by hand, declare the
//! value with [`btf_struct!`](crate::btf_struct): the struct is laid out
//! `#[repr(C)]`, checked at compile time, and describes itself to a
//! [`BtfBuilder`], which adds each Rust type once.
//!
//! ```
//! use bpfkit::btf::{BpfSpinLock, BtfBuilder, BtfType};
//! use bpfkit::btf_struct;
//! use bpfkit::zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};
//!
//! btf_struct! {
//!     /// A map value: a lock and what it guards.
//!     #[derive(Clone, Copy, Debug, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
//!     pub struct Stats {
//!         pub lock: BpfSpinLock,
//!         pub packets: u32,
//!         pub bytes: [u64; 2],
//!     }
//! }
//!
//! let mut b = BtfBuilder::new();
//! let value = b.describe::<Stats>()?;
//! let btf = b.into_btf();
//! let Some(BtfType::Struct(s)) = btf.get(value) else { unreachable!() };
//! let members: Vec<(&str, u32)> =
//!     s.members.iter().map(|m| (m.name.as_deref().unwrap_or(""), m.bit_offset / 8)).collect();
//! assert_eq!(members, [("lock", 0), ("packets", 4), ("bytes", 8)]);
//! assert_eq!(s.size, 24);
//!
//! let bytes = btf.encode()?;
//! assert_eq!(bytes[..2], bpfkit::btf::BTF_MAGIC.to_ne_bytes());
//! # Ok::<(), bpfkit::btf::BtfError>(())
//! ```
//!
//! # Reading
//!
//! [`BtfView`] reads raw BTF in place (the running kernel's too) and finds
//! types by name; [`Btf::parse`] decodes it into the model.
//!
//! ```no_run
//! use bpfkit::btf::{BtfType, BtfView, Kind};
//!
//! // /sys/kernel/btf/vmlinux is readable without privileges.
//! let vmlinux = BtfView::vmlinux()?;
//! let id = vmlinux.find(Kind::Func, "bpf_map_lookup_elem").expect("a helper of every kernel");
//! let BtfType::Func { proto, .. } = vmlinux.get(id).expect("by id").decode()? else {
//!     unreachable!("found as a FUNC")
//! };
//! let Some(BtfType::FuncProto { params, .. }) = vmlinux.get(proto).map(|t| t.decode()).transpose()?
//! else {
//!     unreachable!("a FUNC's type is its prototype")
//! };
//! assert_eq!(params.len(), 2);
//! # Ok::<(), bpfkit::Error>(())
//! ```

mod decode;
mod describe;
mod encode;
mod fnv;
mod kernel;
mod list;
mod log;
mod names;
mod object;
mod record;
mod strings;
mod types;
mod validate;
mod view;

pub use crate::error::{BtfError, BtfProblem};
pub use describe::{BpfSpinLock, BpfTimer, BtfBuilder, BtfDescribe};
pub use encode::BTF_MAGIC;
pub use kernel::kernel_btf;
pub use list::Btf;
pub use object::{BtfInfo, BtfObject, btf_ids};
pub use record::TypeRecord;
pub use strings::StringTable;
pub use view::BtfView;

pub use crate::error::{BtfDecodeError, DecodeProblem};

pub(crate) use kernel::kernel_func;
pub(crate) use object::data_of;

pub use types::{
    BtfType, Composite, EnumType, Enumerator, FuncLinkage, IntEncoding, Kind, Member, Param,
    TypeId, VarLinkage, VarSecinfo,
};
