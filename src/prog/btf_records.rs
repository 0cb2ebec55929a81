//! A loaded program's BTF records as the kernel keeps them: where each
//! function starts ([`FuncInfo`]) and which source line each run of
//! instructions comes from ([`LineInfo`]), in offsets of the translated
//! instructions ([`Program::xlated_insns`]). Their names and lines are
//! strings of the program's BTF object ([`ProgramInfo::btf_id`](super::ProgramInfo::btf_id)).

use super::program::Program;
use crate::btf::TypeId;
use crate::sys::info::{FuncInfoRaw, LineInfoRaw};
use crate::sys::{self, Cmd};
use crate::{Error, Result};

/// Where a function of a loaded program starts, and its `FUNC` type
/// (`struct bpf_func_info`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[doc(alias = "bpf_func_info")]
pub struct FuncInfo {
    /// The function's first translated instruction.
    pub insn_off: u32,
    /// Its `FUNC` type in the program's BTF.
    pub type_id: TypeId,
}

/// The source line of the translated instructions from `insn_off` on
/// (`struct bpf_line_info`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[doc(alias = "bpf_line_info")]
pub struct LineInfo {
    /// The first translated instruction of the line.
    pub insn_off: u32,
    /// The file's name: an offset into the BTF's strings.
    pub file_name_off: u32,
    /// The line's text: an offset into the BTF's strings.
    pub line_off: u32,
    /// The line number (`line_col >> 10`).
    pub line: u32,
    /// The column (`line_col & 0x3ff`).
    pub column: u32,
}

impl<K> Program<K> {
    /// The program's `bpf_func_info` records: one per function, by offset;
    /// empty without BTF.
    pub fn func_info(&self) -> Result<Vec<FuncInfo>> {
        let (funcs, _) = self.btf_records(true, false)?;
        Ok(funcs
            .into_iter()
            .map(|r| FuncInfo { insn_off: r.insn_off, type_id: TypeId(r.type_id) })
            .collect())
    }

    /// The program's `bpf_line_info` records, by offset; empty without them.
    pub fn line_info(&self) -> Result<Vec<LineInfo>> {
        let (_, lines) = self.btf_records(false, true)?;
        Ok(lines
            .into_iter()
            .map(|r| LineInfo {
                insn_off: r.insn_off,
                file_name_off: r.file_name_off,
                line_off: r.line_off,
                line: r.line_col >> 10,
                column: r.line_col & 0x3ff,
            })
            .collect())
    }

    /// The records asked for: counted first, then read.
    fn btf_records(
        &self,
        funcs: bool,
        lines: bool,
    ) -> Result<(Vec<FuncInfoRaw>, Vec<LineInfoRaw>)> {
        let err = |e| Error::syscall(Cmd::ObjGetInfoByFd, e);
        let counts = sys::obj::prog_btf_records(self.fd(), &mut [], &mut []).map_err(err)?;
        let mut f =
            vec![FuncInfoRaw::default(); if funcs { counts.nr_func_info as usize } else { 0 }];
        let mut l =
            vec![LineInfoRaw::default(); if lines { counts.nr_line_info as usize } else { 0 }];
        if !f.is_empty() || !l.is_empty() {
            let got = sys::obj::prog_btf_records(self.fd(), &mut f, &mut l).map_err(err)?;
            f.truncate(got.nr_func_info as usize);
            l.truncate(got.nr_line_info as usize);
        }
        Ok((f, l))
    }
}
