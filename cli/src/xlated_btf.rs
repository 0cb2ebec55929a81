//! What `prog dump xlated` prints from a program's BTF, as bpftool 7.1
//! prints it: before a function's first instruction its prototype
//! (`int add(u64 a, u64 b):`, bpftool's `btf_dumper_type_only`), and
//! before an instruction that starts a line record the line's text
//! (`; r0 += 1`), with `[file:F line_num:N line_col:C]` under `linum`. In
//! JSON, `proto`, `src` and, under `linum`, `file`, `line_num` and
//! `line_col` fields come before `disasm`.

use std::fmt::Write as _;

use bpfkit::btf::{BtfObject, BtfView, Kind, TypeId};
use bpfkit::prog::{FuncInfo, LineInfo, Program};

use crate::json::JsonWriter;
use crate::out::CliError;

/// How deep a prototype's types may nest before the printer gives up (a
/// loop in the types).
const MAX_DEPTH: usize = 32;

/// A program's BTF and its records.
pub struct ProgBtf {
    view: BtfView<'static>,
    funcs: Vec<FuncInfo>,
    lines: Vec<LineInfo>,
}

/// The notes of one instruction.
pub struct Notes<'a> {
    /// The function's prototype, at a function's first instruction (when
    /// the printer knows its types).
    pub proto: Option<String>,
    /// The line record starting at the instruction.
    line: Option<&'a LineInfo>,
    btf: &'a ProgBtf,
}

/// Walks the records along the instructions, as bpftool does: the next
/// function record when its offset is the instruction's, and the line
/// record libbpf's `bpf_prog_linfo__lfind` finds for it.
pub struct Cursor<'a> {
    btf: &'a ProgBtf,
    next_func: usize,
    /// Line records already printed (libbpf's `nr_skip`).
    skip: usize,
}

impl ProgBtf {
    /// The BTF of `prog` (whose BTF object is `btf_id`), `None` without.
    pub fn of(prog: &Program, btf_id: u32) -> Result<Option<ProgBtf>, CliError> {
        if btf_id == 0 {
            return Ok(None);
        }
        let data = BtfObject::from_id(btf_id)
            .and_then(|btf| btf.data())
            .map_err(|_| CliError::new("failed to get btf"))?;
        let view = BtfView::from_vec(data).map_err(|_| CliError::new("failed to get btf"))?;
        Ok(Some(ProgBtf { view, funcs: prog.func_info()?, lines: prog.line_info()? }))
    }

    /// A cursor at the first instruction.
    pub fn cursor(&self) -> Cursor<'_> {
        Cursor { btf: self, next_func: 0, skip: 0 }
    }

    fn string(&self, off: u32) -> Option<&str> {
        self.view.string(off)
    }

    /// bpftool's text of type `id`, without a name: `int `, `struct s * `,
    /// a function `int f(u64 a)`; `None` where bpftool prints nothing.
    fn type_only(&self, id: u32, out: &mut String, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        if id == 0 {
            out.push_str("void ");
            return Some(());
        }
        let t = self.view.get(TypeId(id))?;
        let name = || t.name().unwrap_or("");
        match t.kind() {
            Kind::Int | Kind::Typedef | Kind::Float => write!(out, "{} ", name()).ok()?,
            Kind::Struct => write!(out, "struct {} ", name()).ok()?,
            Kind::Union => write!(out, "union {} ", name()).ok()?,
            Kind::Enum | Kind::Enum64 => write!(out, "enum {} ", name()).ok()?,
            Kind::Array => {
                self.type_only(t.extra_u32(0), out, depth + 1)?;
                write!(out, "[{}]", t.extra_u32(8)).ok()?;
            }
            Kind::Ptr => {
                self.type_only(t.size_or_type(), out, depth + 1)?;
                out.push_str("* ");
            }
            Kind::Fwd => {
                let kind = if t.kind_flag() { "union" } else { "struct" };
                write!(out, "{kind} {} ", name()).ok()?;
            }
            Kind::Volatile | Kind::Const | Kind::Restrict => {
                let word = match t.kind() {
                    Kind::Volatile => "volatile",
                    Kind::Const => "const",
                    _ => "restrict",
                };
                write!(out, "{word} ").ok()?;
                self.type_only(t.size_or_type(), out, depth + 1)?;
            }
            Kind::FuncProto => self.func(t.id(), None, out, depth + 1)?,
            Kind::Func => self.func(TypeId(t.size_or_type()), Some(name()), out, depth + 1)?,
            Kind::Var => {
                if t.extra_u32(0) == 0 {
                    out.push_str("static ");
                }
                self.type_only(t.size_or_type(), out, depth + 1)?;
                write!(out, " {}", name()).ok()?;
            }
            Kind::Datasec => write!(out, "section (\"{}\") ", name()).ok()?,
            _ => return None,
        }
        Some(())
    }

    /// bpftool's `btf_dump_func`: the return type, the name and the
    /// parameters of prototype `proto`.
    fn func(
        &self,
        proto: TypeId,
        name: Option<&str>,
        out: &mut String,
        depth: usize,
    ) -> Option<()> {
        let p = self.view.get(proto)?;
        self.type_only(p.size_or_type(), out, depth)?;
        write!(out, "{}(", name.unwrap_or("")).ok()?;
        for i in 0..usize::from(p.vlen()) {
            if i > 0 {
                out.push_str(", ");
            }
            let (name_off, ty) = (p.extra_u32(8 * i), p.extra_u32(8 * i + 4));
            if ty == 0 {
                out.push_str("...");
                continue;
            }
            self.type_only(ty, out, depth)?;
            if name_off != 0 {
                out.push_str(self.string(name_off).unwrap_or(""));
            } else if out.ends_with(' ') {
                out.pop();
            }
        }
        out.push(')');
        Some(())
    }

    /// The prototype of `FUNC` `id`, as bpftool prints it; `None` when it
    /// prints nothing.
    fn proto(&self, id: TypeId) -> Option<String> {
        let mut out = String::new();
        self.type_only(id.0, &mut out, 0)?;
        (!out.is_empty()).then_some(out)
    }
}

impl<'a> Cursor<'a> {
    /// The notes of the instruction at `at` (instructions come in order).
    pub fn at(&mut self, at: usize) -> Notes<'a> {
        let btf = self.btf;
        let mut proto = None;
        if let Some(func) = btf.funcs.get(self.next_func) {
            if func.insn_off as usize == at {
                proto = btf.proto(func.type_id);
                self.next_func += 1;
            }
        }
        let line = self.lfind(at);
        if line.is_some() {
            self.skip += 1;
        }
        Notes { proto, line, btf }
    }

    /// libbpf's `bpf_prog_linfo__lfind(linfo, at, nr_skip)`: from the
    /// `skip`th record, the last that starts at or before `at`, if it
    /// starts at `at`.
    fn lfind(&self, at: usize) -> Option<&'a LineInfo> {
        let records = self.btf.lines.get(self.skip..)?;
        let first = records.first()?;
        if (at as u64) < u64::from(first.insn_off) {
            return None;
        }
        let last = records.iter().take_while(|r| u64::from(r.insn_off) <= at as u64).last()?;
        (last.insn_off as usize == at).then_some(last)
    }
}

impl Notes<'_> {
    /// The lines bpftool prints before the instruction.
    pub fn plain(&self, linum: bool, out: &mut String) {
        if let Some(proto) = &self.proto {
            writeln!(out, "{proto}:").ok();
        }
        let Some(line) = self.line else { return };
        let Some(text) = self.btf.string(line.line_off) else { return };
        let text = text.trim_start_matches(is_c_space);
        if linum {
            let file = self.btf.string(line.file_name_off).unwrap_or("");
            writeln!(out, "; {text} [file:{file} line_num:{} line_col:{}]", line.line, line.column)
                .ok();
        } else {
            writeln!(out, "; {text}").ok();
        }
    }

    /// The fields bpftool writes before `disasm`.
    pub fn json(&self, linum: bool, w: &mut JsonWriter) {
        if let Some(proto) = &self.proto {
            w.string_field("proto", proto);
        }
        let Some(line) = self.line else { return };
        if let Some(text) = self.btf.string(line.line_off) {
            w.string_field("src", text.trim_start_matches(is_c_space));
        }
        if linum {
            if let Some(file) = self.btf.string(line.file_name_off) {
                w.string_field("file", file);
            }
            if line.line != 0 {
                w.raw_field("line_num", line.line);
            }
            if line.column != 0 {
                w.raw_field("line_col", line.column);
            }
        }
    }
}

/// C's `isspace`.
fn is_c_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r')
}

#[cfg(test)]
mod tests {
    use bpfkit::btf::{Btf, BtfType, FuncLinkage, IntEncoding, Param, StringTable};

    use super::*;

    fn line(insn_off: u32) -> LineInfo {
        LineInfo { insn_off, file_name_off: 0, line_off: 0, line: 1, column: 1 }
    }

    /// `int f(const char *s, unsigned int a[4], int (*cb)(int))` and
    /// `void g()`, with `lines` as records.
    fn sample(lines: Vec<LineInfo>) -> ProgBtf {
        let mut btf = Btf::new();
        let int = |name: &str, size| BtfType::Int {
            name: name.into(),
            size,
            encoding: IntEncoding::Signed,
            offset: 0,
            bits: (size * 8) as u8,
        };
        let i = btf.add(int("int", 4));
        let ch = btf.add(int("char", 1));
        let cch = btf.add(BtfType::Const { target: ch });
        let ptr = btf.add(BtfType::Ptr { target: cch });
        let u = btf.add(int("unsigned int", 4));
        let arr = btf.add(BtfType::Array { elem: u, index: u, len: 4 });
        let cb_proto =
            btf.add(BtfType::FuncProto { ret: i, params: vec![Param { name: None, ty: i }] });
        let cb = btf.add(BtfType::Ptr { target: cb_proto });
        let proto = btf.add(BtfType::FuncProto {
            ret: i,
            params: vec![
                Param { name: Some("s".into()), ty: ptr },
                Param { name: Some("a".into()), ty: arr },
                Param { name: Some("cb".into()), ty: cb },
            ],
        });
        let f = btf.add(BtfType::Func { name: "f".into(), proto, linkage: FuncLinkage::Global });
        let void_proto = btf.add(BtfType::FuncProto { ret: TypeId::VOID, params: vec![] });
        let g = btf.add(BtfType::Func {
            name: "g".into(),
            proto: void_proto,
            linkage: FuncLinkage::Static,
        });
        let view = BtfView::from_vec(btf.encode_with(StringTable::new()).unwrap()).unwrap();
        let funcs =
            vec![FuncInfo { insn_off: 0, type_id: f }, FuncInfo { insn_off: 3, type_id: g }];
        ProgBtf { view, funcs, lines }
    }

    #[test]
    fn prototypes_read_as_bpftool_prints_them() {
        let btf = sample(vec![]);
        let mut cursor = btf.cursor();
        let protos: Vec<Option<String>> = (0..5).map(|at| cursor.at(at).proto).collect();
        assert_eq!(
            protos,
            [
                // bpftool's spelling, array and function pointer included.
                Some("int f(const char * s, unsigned int [4]a, int (int)* cb)".to_string()),
                None,
                None,
                Some("void g()".to_string()),
                None
            ]
        );
    }

    #[test]
    fn line_records_are_found_as_libbpf_finds_them() {
        // A record on the second slot of an LD_IMM64 (2) is never printed;
        // the one after it still is.
        let btf = sample(vec![line(0), line(2), line(3), line(5)]);
        let mut cursor = btf.cursor();
        let found: Vec<usize> =
            [0, 1, 3, 4, 5, 6].into_iter().filter(|&at| cursor.at(at).line.is_some()).collect();
        assert_eq!(found, [0, 3, 5]);
    }
}
