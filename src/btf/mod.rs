//! BTF, the kernel's type format, written by bpfkit itself: the type model
//! ([`BtfType`]), with no compiler and no C headers involved, and the
//! reader of raw BTF: [`BtfView`] reads it in place (the running kernel's
//! too) and finds types by name; [`Btf::parse`] decodes it into the model.
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
mod list;
mod names;
mod record;
mod types;
mod view;

pub use list::Btf;
pub use record::TypeRecord;
pub use view::BtfView;

pub use crate::error::{BtfDecodeError, BtfProblem};

pub use types::{
    BtfType, Composite, EnumType, Enumerator, FuncLinkage, IntEncoding, Kind, Member, Param,
    TypeId, VarLinkage, VarSecinfo,
};
