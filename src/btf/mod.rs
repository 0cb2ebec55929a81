//! BTF, the kernel's type format, written by bpfkit itself: the type model
//! ([`BtfType`]) and the encoder ([`Btf::encode`]),
//! with no compiler and no C headers involved.
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

mod encode;
mod list;
mod strings;
mod types;
mod validate;

pub use crate::error::{BtfError, BtfProblem};
pub use encode::BTF_MAGIC;
pub use list::Btf;
pub use strings::StringTable;

pub use types::{
    BtfType, Composite, EnumType, Enumerator, FuncLinkage, IntEncoding, Kind, Member, Param,
    TypeId, VarLinkage, VarSecinfo,
};
