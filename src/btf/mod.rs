//! BTF, the kernel's type format, written by bpfkit itself: the type model
//! ([`BtfType`]), with no compiler and no C headers involved; and BTF in
//! the kernel ([`BtfObject`]): loaded from raw bytes, opened by id, fd or
//! pin, and read back, vmlinux's included.

mod list;
mod log;
mod object;
mod types;

pub use list::Btf;
pub use object::{BtfInfo, BtfObject, btf_ids};

pub(crate) use object::data_of;

pub use types::{
    BtfType, Composite, EnumType, Enumerator, FuncLinkage, IntEncoding, Kind, Member, Param,
    TypeId, VarLinkage, VarSecinfo,
};
