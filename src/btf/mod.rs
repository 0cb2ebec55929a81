//! BTF, the kernel's type format, written by bpfkit itself: the type model
//! ([`BtfType`]), with no compiler and no C headers involved.

mod list;
mod types;

pub use list::Btf;

pub use types::{
    BtfType, Composite, EnumType, Enumerator, FuncLinkage, IntEncoding, Kind, Member, Param,
    TypeId, VarLinkage, VarSecinfo,
};
