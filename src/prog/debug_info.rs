//! Program BTF, generated from the assembled program: a `FUNC` for every
//! function and the `bpf_func_info` / `bpf_line_info` records that tie
//! instructions to functions and to source lines.
//!
//! The kernel splits a program into functions at instruction 0 and at each
//! target of a local call or function pointer, and wants exactly one
//! `bpf_func_info` record per function, at its first instruction. Each
//! function here is `int name(args)`: the main program is named after the
//! program and takes the context; declared functions
//! ([`ProgramBuilder::function`](crate::asm::ProgramBuilder::function)) have
//! their name, linkage and parameters; the others are static `func_<slot>`.
//! A context argument points to the struct the kernel knows the program
//! type's context by, or, for a type without one, is a `void *` tagged
//! `arg:ctx`.
//!
//! Line records start at instruction 0, at each function start and where
//! the origin changes, never on the second slot of an `LD_IMM64` (the
//! kernel's rules). A Rust origin is recorded as its file, line and column;
//! the line's text is read from the file when it is readable at load time
//! (relative to the working directory or one of its ancestors, as `file!()`
//! names it relative to the workspace), trimmed; if not, the text is the
//! stable `file:line:column`. A text program's lines
//! come from the source given to
//! [`ProgramSpec::asm_source`](super::ProgramSpec::asm_source), else they
//! read `asm:line:column` in file `asm`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use crate::asm::{ArgType, Assembled, Function, Linkage, Origin};
use crate::btf::{Btf, BtfType, Composite, FuncLinkage, IntEncoding, Param, StringTable, TypeId};
use crate::sys::ProgType;
use crate::sys::info::{FuncInfoRaw, LineInfoRaw};
use crate::{Error, Result};

/// The largest column `line_col` holds (10 bits).
const MAX_COLUMN: u32 = 0x3ff;

/// A program's BTF and its records, ready for `BPF_BTF_LOAD` and `BPF_PROG_LOAD`.
#[derive(Debug)]
pub(crate) struct DebugInfo {
    /// The raw BTF.
    pub btf: Vec<u8>,
    /// One record per function.
    pub func_info: Vec<FuncInfoRaw>,
    /// The line records.
    pub line_info: Vec<LineInfoRaw>,
}

/// The name of the struct the program type's context is (the kernel
/// recognises a global function's context argument by it).
fn ctx_struct(prog_type: ProgType) -> Option<&'static str> {
    Some(match prog_type {
        ProgType::SOCKET_FILTER
        | ProgType::SCHED_CLS
        | ProgType::SCHED_ACT
        | ProgType::CGROUP_SKB
        | ProgType::LWT_IN
        | ProgType::LWT_OUT
        | ProgType::LWT_XMIT
        | ProgType::LWT_SEG6LOCAL
        | ProgType::SK_SKB
        | ProgType::FLOW_DISSECTOR => "__sk_buff",
        ProgType::XDP => "xdp_md",
        ProgType::CGROUP_SOCK => "bpf_sock",
        ProgType::SOCK_OPS => "bpf_sock_ops",
        ProgType::CGROUP_SOCK_ADDR => "bpf_sock_addr",
        ProgType::SK_MSG => "sk_msg_md",
        ProgType::PERF_EVENT => "bpf_perf_event_data",
        ProgType::CGROUP_SYSCTL => "bpf_sysctl",
        ProgType::CGROUP_SOCKOPT => "bpf_sockopt",
        ProgType::SK_LOOKUP => "bpf_sk_lookup",
        ProgType::SK_REUSEPORT => "sk_reuseport_md",
        _ => return None,
    })
}

/// `name` as a C identifier: other characters become `_`, an empty or
/// digit-led name gets a prefix.
fn identifier(name: &str, fallback: &str) -> String {
    let mut out: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    if out.is_empty() {
        out = fallback.to_string();
    } else if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// The types functions use, each added once.
struct Types {
    btf: Btf,
    /// The integers added so far (a few at most: a linear search).
    ints: Vec<((u8, bool), TypeId)>,
    ctx: Option<TypeId>,
    prog_type: ProgType,
}

impl Types {
    fn int(&mut self, size: u8, signed: bool) -> TypeId {
        if let Some(&(_, id)) = self.ints.iter().find(|(key, _)| *key == (size, signed)) {
            return id;
        }
        let name = match (size, signed) {
            (4, true) => "int".to_string(),
            (size, true) => format!("s{}", u32::from(size) * 8),
            (size, false) => format!("u{}", u32::from(size) * 8),
        };
        let id = self.btf.add(BtfType::Int {
            name,
            size: u32::from(size),
            encoding: if signed { IntEncoding::Signed } else { IntEncoding::Unsigned },
            offset: 0,
            bits: size.saturating_mul(8),
        });
        self.ints.push(((size, signed), id));
        id
    }

    /// `struct <ctx> *`, or `void *` for a program type without one.
    fn ctx(&mut self) -> TypeId {
        if let Some(id) = self.ctx {
            return id;
        }
        let target = match ctx_struct(self.prog_type) {
            Some(name) => self.btf.add(BtfType::Struct(Composite {
                name: Some(name.to_string()),
                size: 0,
                members: Vec::new(),
            })),
            None => TypeId::VOID,
        };
        let id = self.btf.add(BtfType::Ptr { target });
        self.ctx = Some(id);
        id
    }

    fn arg(&mut self, ty: ArgType) -> TypeId {
        match ty {
            ArgType::Scalar { size, signed } => self.int(size, signed),
            ArgType::Ctx => self.ctx(),
        }
    }
}

/// The text of each line of the files read so far (`None`: unreadable).
#[derive(Default)]
struct Sources<'a> {
    /// A program's code comes from a few files: a linear search.
    files: Vec<(&'static str, Option<Arc<[String]>>)>,
    asm: Option<(&'a str, Vec<&'a str>)>,
}

impl<'a> Sources<'a> {
    /// The file name and line text of `origin`, borrowed where they can be:
    /// this runs once per line record of every load.
    fn line(&mut self, origin: Origin) -> (&'a str, Cow<'_, str>) {
        match origin {
            Origin::Rust(at) => {
                let file = at.file();
                let i = match self.files.iter().position(|(name, _)| *name == file) {
                    Some(i) => i,
                    None => {
                        self.files.push((file, source_lines(file)));
                        self.files.len() - 1
                    }
                };
                let text = self.files[i]
                    .1
                    .as_deref()
                    .and_then(|lines| lines.get((at.line() as usize).checked_sub(1)?))
                    .filter(|text| !text.is_empty())
                    .map_or_else(
                        || Cow::Owned(format!("{file}:{}:{}", at.line(), at.column())),
                        |text| Cow::Borrowed(text.as_str()),
                    );
                (file, text)
            }
            Origin::Text { line, column } => {
                let fallback = || Cow::Owned(format!("asm:{line}:{column}"));
                match &self.asm {
                    Some((name, lines)) => {
                        let text = lines
                            .get((line as usize).saturating_sub(1))
                            .map(|l| l.trim())
                            .filter(|l| !l.is_empty())
                            .map_or_else(fallback, Cow::Borrowed);
                        (name, text)
                    }
                    None => ("asm", fallback()),
                }
            }
        }
    }
}

/// The trimmed lines of the Rust file `file!()` names, read once per
/// process: a program's locations were compiled in with the binary, so the
/// first reading is the one that matches them best, and later loads skip
/// the file system (a load cycle with BTF was 1.6 times the raw syscalls'
/// time with a reading per load).
fn source_lines(file: &'static str) -> Option<Arc<[String]>> {
    type Cache = Mutex<HashMap<&'static str, Option<Arc<[String]>>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let read =
        || read_source(file).map(|text| text.lines().map(|l| l.trim().to_string()).collect());
    // A poisoned lock (a panic elsewhere while holding it) only costs the cache.
    let Ok(mut cache) = CACHE.get_or_init(Cache::default).lock() else { return read() };
    cache.entry(file).or_insert_with(read).clone()
}

/// The text of the Rust file `file!()` names: relative to the working
/// directory or to one of its ancestors (a workspace member's tests run in
/// the member's directory, but `file!()` names files from the workspace's).
fn read_source(file: &str) -> Option<String> {
    let path = std::path::Path::new(file);
    if path.is_absolute() {
        return std::fs::read_to_string(path).ok();
    }
    let cwd = std::env::current_dir().ok()?;
    cwd.ancestors().find_map(|dir| std::fs::read_to_string(dir.join(path)).ok())
}

/// Builds the BTF and records of `insns`, whose functions are `functions`
/// ([`Assembled::functions`]), a program of `prog_type` named `name`;
/// `asm` is the `.s` file's name and text, for text programs.
pub(crate) fn build(
    insns: &Assembled,
    functions: &[Function<'_>],
    prog_type: ProgType,
    name: &str,
    asm: Option<(&str, &str)>,
) -> Result<DebugInfo> {
    let mut types = Types { btf: Btf::new(), ints: Vec::new(), ctx: None, prog_type };
    let int = types.int(4, true);
    let mut func_info = Vec::with_capacity(functions.len());
    for function in functions {
        let main = function.decl.is_none() && function.start == 0;
        let (func_name, linkage) = match function.decl {
            Some(decl) => (identifier(&decl.name, "func"), decl.linkage),
            None if main => (identifier(name, "main"), Linkage::Global),
            None => (format!("func_{}", function.start), Linkage::Static),
        };
        let declared = function.decl.map_or(&[][..], |decl| decl.params.as_slice());
        if declared.len() > 5 {
            return Err(Error::InvalidArgument {
                what: "function",
                why: format!(
                    "{func_name} declares {} parameters; BPF passes at most 5",
                    declared.len()
                ),
            });
        }
        // The main program's one parameter is its context.
        let mut params = Vec::with_capacity(declared.len() + usize::from(main));
        if main {
            params.push(Param { name: Some("ctx".to_string()), ty: types.ctx() });
        }
        for (name, ty) in declared {
            params.push(Param { name: Some(identifier(name, "arg")), ty: types.arg(*ty) });
        }
        let params_len = params.len();
        let proto = types.btf.add(BtfType::FuncProto { ret: int, params });
        let linkage = match linkage {
            Linkage::Static => FuncLinkage::Static,
            Linkage::Global => FuncLinkage::Global,
        };
        let func = types.btf.add(BtfType::Func { name: func_name, proto, linkage });
        // A context the kernel cannot know by its struct's name is typed
        // `void *` and tagged as the context (`__arg_ctx`, Linux 6.8).
        if ctx_struct(prog_type).is_none() {
            let is_ctx = |i: usize| match declared.get(i) {
                Some((_, ty)) => *ty == ArgType::Ctx,
                None => main && i == 0,
            };
            for component_idx in (0..params_len).filter(|&i| is_ctx(i)) {
                types.btf.add(BtfType::DeclTag {
                    name: "arg:ctx".to_string(),
                    target: func,
                    component_idx: i32::try_from(component_idx).unwrap_or(-1),
                });
            }
        }
        func_info.push(FuncInfoRaw {
            insn_off: u32::try_from(function.start).unwrap_or(u32::MAX),
            type_id: func.0,
        });
    }

    let mut strings = StringTable::new();
    let mut sources = Sources {
        asm: asm.map(|(name, text)| (name, text.lines().collect())),
        ..Sources::default()
    };
    let mut line_info = Vec::new();
    let mut last: Option<Origin> = None;
    let mut next_function = functions.iter().map(|f| f.start).peekable();
    for start in insns.starts() {
        let mut function_start = false;
        while next_function.next_if(|&f| f <= start).is_some() {
            function_start = true;
        }
        let Some(origin) = insns.location(start) else { continue };
        if !function_start && last == Some(origin) {
            continue;
        }
        last = Some(origin);
        let (file, text) = sources.line(origin);
        let (file_name_off, line_off) = (strings.add(file), strings.add(&text));
        line_info.push(LineInfoRaw {
            insn_off: u32::try_from(start).unwrap_or(u32::MAX),
            file_name_off,
            line_off,
            line_col: origin.line() << 10 | origin.column().min(MAX_COLUMN),
        });
    }
    let btf = types.btf.encode_with(strings)?;
    Ok(DebugInfo { btf, func_info, line_info })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asm::{FuncDecl, ProgramBuilder, R0, R1, R2, parse};
    use crate::btf::BtfView;

    /// main: `r1 = 1 ll` (two slots), a call, a callback address; two
    /// functions after it, one declared.
    fn program() -> Assembled {
        let mut b = ProgramBuilder::new();
        let (callback, add) = (b.label(), b.label());
        b.ld_imm64(R1, 1).call_local(add).ld_func(R2, callback).exit();
        b.bind(callback).mov64(R0, 0).exit();
        b.function(add, FuncDecl::global("add").param("x", ArgType::U64).param("c", ArgType::Ctx));
        b.bind(add).mov64(R0, R1).exit();
        b.assemble().unwrap()
    }

    #[test]
    fn one_func_record_per_function_and_line_records_by_the_kernels_rules() {
        let insns = program();
        let info = build(&insns, &insns.functions(), ProgType::XDP, "my.prog", None).unwrap();
        let starts: Vec<u32> = info.func_info.iter().map(|f| f.insn_off).collect();
        assert_eq!(starts, [0, 6, 8]);
        let offs: Vec<u32> = info.line_info.iter().map(|l| l.insn_off).collect();
        // Every instruction start (each DSL call is its own column), never slot 1 or 4.
        assert_eq!(offs, [0, 2, 3, 5, 6, 7, 8, 9]);
        assert!(offs.windows(2).all(|w| w[0] < w[1]));

        let view = BtfView::parse(&info.btf).unwrap();
        let btf = crate::btf::Btf::parse(&info.btf).unwrap();
        let funcs: Vec<(String, FuncLinkage)> = btf
            .types()
            .filter_map(|(_, t)| match t {
                BtfType::Func { name, linkage, .. } => Some((name.clone(), *linkage)),
                _ => None,
            })
            .collect();
        assert_eq!(
            funcs,
            [
                ("my_prog".to_string(), FuncLinkage::Global),
                ("func_6".to_string(), FuncLinkage::Static),
                ("add".to_string(), FuncLinkage::Global),
            ]
        );
        // The func records name those FUNCs.
        for (record, (name, _)) in info.func_info.iter().zip(&funcs) {
            let t = btf.get(TypeId(record.type_id)).unwrap();
            assert_eq!(t.name(), Some(name.as_str()));
        }
        // Rust lines: this file, the line's text, line << 10 | column.
        let first = &info.line_info[0];
        let at = insns.location(0).unwrap();
        assert_eq!(view.string(first.file_name_off), Some(file!()));
        assert_eq!(
            view.string(first.line_off),
            Some("b.ld_imm64(R1, 1).call_local(add).ld_func(R2, callback).exit();")
        );
        assert_eq!(first.line_col, at.line() << 10 | at.column());
    }

    #[test]
    fn text_programs_fall_back_to_positions_and_rust_lines_are_read() {
        let insns = parse("r0 = 0\n  exit\n").unwrap().assemble().unwrap();
        let info = build(&insns, &insns.functions(), ProgType::XDP, "", None).unwrap();
        let view = BtfView::parse(&info.btf).unwrap();
        let texts: Vec<(&str, &str)> = info
            .line_info
            .iter()
            .map(|l| (view.string(l.file_name_off).unwrap(), view.string(l.line_off).unwrap()))
            .collect();
        assert_eq!(texts, [("asm", "asm:1:1"), ("asm", "asm:2:3")]);
        assert_eq!(info.line_info[1].line_col, 2 << 10 | 3);

        let source = "r0 = 0\n  exit\n";
        let info = build(&insns, &insns.functions(), ProgType::XDP, "x", Some(("prog.s", source)))
            .unwrap();
        let view = BtfView::parse(&info.btf).unwrap();
        let texts: Vec<&str> =
            info.line_info.iter().map(|l| view.string(l.line_off).unwrap()).collect();
        assert_eq!(texts, ["r0 = 0", "exit"]);
        assert_eq!(view.string(info.line_info[0].file_name_off), Some("prog.s"));

        let mut sources = Sources::default();
        let missing: &'static std::panic::Location<'static> = std::panic::Location::caller();
        let (file, text) = sources.line(Origin::Rust(missing));
        assert_eq!(file, file!());
        assert!(text.starts_with("let missing"), "{text}");
    }

    #[test]
    fn identifiers_and_column_cap() {
        assert_eq!(identifier("my.prog", "main"), "my_prog");
        assert_eq!(identifier("", "main"), "main");
        assert_eq!(identifier("1x", "main"), "_1x");
        assert_eq!(ctx_struct(ProgType::XDP), Some("xdp_md"));
        // A column past 10 bits is capped.
        let text = format!("r0 = 0\n{}exit\n", " ".repeat(2000));
        let insns = parse(&text).unwrap().assemble().unwrap();
        let info = build(&insns, &insns.functions(), ProgType::XDP, "p", None).unwrap();
        assert_eq!(info.line_info[1].line_col, 2 << 10 | MAX_COLUMN);
    }

    #[test]
    fn more_than_five_parameters_is_an_error() {
        let mut b = ProgramBuilder::new();
        let f = b.label();
        b.call_local(f).exit();
        let mut decl = FuncDecl::global("f");
        for i in 0..6 {
            decl = decl.param(format!("a{i}"), ArgType::U64);
        }
        b.function(f, decl);
        b.bind(f).mov64(R0, 0).exit();
        let insns = b.assemble().unwrap();
        let err = build(&insns, &insns.functions(), ProgType::XDP, "p", None).unwrap_err();
        assert!(err.to_string().contains("at most 5"), "{err}");
    }
}
