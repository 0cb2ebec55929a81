//! `bpfkit btf dump { file PATH | id N } [format raw]`, a drop-in for
//! bpftool 7.1's raw dump: text line for line, JSON (`-j`, `-p`) key for
//! key. A kernel BTF object of a module (by id) is read on top of vmlinux.
//!
//! A file under `/sys/kernel/btf/` other than `vmlinux` is a module's split
//! BTF and is read on top of `/sys/kernel/btf/vmlinux`, as bpftool does;
//! only the split types are dumped. The records are printed from the raw
//! bytes ([`TypeRecord`]), not from the decoded model, so that what the
//! model cannot hold (an encoding or linkage BTF does not define) prints as
//! bpftool prints it.
//!
//! `-B BASE` / `--base-btf BASE` reads the file as split BTF on `BASE`, as
//! in bpftool; bpfkit takes it anywhere after `btf` (not before it).
//!
//! Not yet: `prog`/`map` sources, `format c`.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use bpfkit::btf::{BtfObject, BtfView, Kind, TypeId, TypeRecord};

use crate::args::{Args, Word, is_prefix};
use crate::errno::{says, status};
use crate::json::JsonWriter;
use crate::out::{CliError, Output};
use crate::select::parse_id;

/// Where the kernel publishes its BTF, and its own file there.
const SYSFS_BTF: &str = "/sys/kernel/btf";
const VMLINUX: &str = "/sys/kernel/btf/vmlinux";

/// Takes `-B BASE` / `--base-btf BASE` out of `words`.
pub fn take_base(words: Vec<Word>) -> Result<(Option<Word>, Vec<Word>), CliError> {
    let mut base = None;
    let mut rest = Vec::with_capacity(words.len());
    let mut words = words.into_iter();
    while let Some(word) = words.next() {
        if matches!(word.as_str(), "-B" | "--base-btf") {
            let path = words.next().ok_or_else(|| {
                CliError::usage(format!("option '{}' requires an argument", word.as_str()))
            })?;
            base = Some(path);
        } else {
            rest.push(word);
        }
    }
    Ok((base, rest))
}

pub fn dump(args: &mut Args, base: Option<&Word>, output: Output) -> Result<(), CliError> {
    let source = args.value("BTF source")?;
    let view = if is_prefix(&source, "file") {
        let path = args.value("file path")?;
        open_file(&path, base)?
    } else if is_prefix(&source, "id") {
        let id = parse_id(&args.value("BTF id")?)?;
        open_id(id, base)?
    } else {
        return Err(CliError::usage(format!("unrecognized BTF source specifier: '{source}'")));
    };
    while let Some(word) = args.next() {
        if !is_prefix(&word, "format") {
            return Err(CliError::usage(format!("unrecognized option: '{word}'")));
        }
        match args.next().as_deref() {
            Some("raw") => {}
            Some("c") => return Err(CliError::new("'format c' is not available yet")),
            Some(other) => {
                return Err(CliError::usage(format!(
                    "unrecognized format specifier: '{other}', possible values: raw, c"
                )));
            }
            None => return Err(CliError::usage("expecting value for 'format' option")),
        }
    }
    if output.json {
        let mut w = output.writer();
        w.start_object().name("types").start_array();
        for t in view.types() {
            json(&mut w, &t);
        }
        w.end_array().end_object();
        output.print(&w.finish());
    } else {
        // vmlinux's dump is ~12 MB; about 100 bytes a type.
        let mut out = String::with_capacity(view.len() * 100);
        for t in view.types() {
            text(&mut out, &t);
        }
        output.print(&out);
    }
    Ok(())
}

/// The BTF at `path`: split on `base` when given, else on vmlinux when it
/// is a module's in sysfs.
fn open_file(path: &Word, base: Option<&Word>) -> Result<BtfView<'static>, CliError> {
    let p = path.path();
    let is_module = p.parent() == Some(Path::new(SYSFS_BTF)) && p != Path::new(VMLINUX);
    let base = match base {
        Some(base) => Some(open_base(base)?),
        None if is_module => Some(open_vmlinux()?),
        None => None,
    };
    let split = match base {
        Some(base) => BtfView::open_split(p, Arc::new(base)),
        None => BtfView::open(p),
    };
    split.map_err(|e| CliError::new(format!("failed to load BTF from {}: {e}", path.as_str())))
}

/// The base BTF given with `-B`.
fn open_base(base: &Word) -> Result<BtfView<'static>, CliError> {
    BtfView::open(base.path())
        .map_err(|e| CliError::new(format!("failed to parse base BTF '{}': {e}", base.as_str())))
}

/// vmlinux, the base of every module's BTF.
fn open_vmlinux() -> Result<BtfView<'static>, CliError> {
    BtfView::open(VMLINUX).map_err(|e| CliError::new(format!("failed to load vmlinux BTF: {e}")))
}

/// The kernel's BTF object `id`: split on `base` when given, else on
/// vmlinux when it is a module's.
fn open_id(id: u32, base: Option<&Word>) -> Result<BtfView<'static>, CliError> {
    let btf = BtfObject::from_id(id).map_err(|e| {
        // bpftool reports the failed lookup twice, as two layers see it.
        // libbpf's call failed: bpftool exits with its -errno.
        let first = says(&format!("can't get BTF object by id ({id})"), &e);
        let second = says(&format!("get btf by id ({id})"), &e).after(&first);
        match second.errno {
            Some(errno) => second.with_status(status(errno)),
            None => second,
        }
    })?;
    let failed = |e: &bpfkit::Error| says(&format!("get btf by id ({id})"), e);
    let info = btf.info().map_err(|e| failed(&e))?;
    let data = btf.data().map_err(|e| failed(&e))?;
    let base = match base {
        Some(base) => Some(open_base(base)?),
        None if info.kernel_btf && info.name != "vmlinux" => Some(open_vmlinux()?),
        None => None,
    };
    let view = match base {
        Some(base) => BtfView::from_vec_split(data, Arc::new(base)),
        None => BtfView::from_vec(data),
    };
    view.map_err(|e| CliError::new(format!("failed to load BTF object {id}: {e}")))
}

fn name<'v>(t: &TypeRecord<'v>) -> &'v str {
    t.name().unwrap_or("(anon)")
}

fn name_at(view_name: Option<&str>) -> &str {
    view_name.unwrap_or("(anon)")
}

fn int_encoding(word: u32) -> &'static str {
    match (word >> 24) & 0x0f {
        0 => "(none)",
        1 => "SIGNED",
        2 => "CHAR",
        4 => "BOOL",
        _ => "UNKN",
    }
}

fn func_linkage(vlen: u16) -> &'static str {
    match vlen {
        0 => "static",
        1 => "global",
        2 => "extern",
        _ => "(unknown)",
    }
}

fn var_linkage(linkage: u32) -> &'static str {
    match linkage {
        0 => "static",
        1 => "global",
        2 => "extern",
        _ => "(unknown)",
    }
}

/// A member's bit offset and bitfield size, by the record's `kind_flag`.
fn member_bits(t: &TypeRecord<'_>, raw: u32) -> (u32, u32) {
    if t.kind_flag() { (raw & 0x00ff_ffff, raw >> 24) } else { (raw, 0) }
}

fn enum_encoding(t: &TypeRecord<'_>) -> &'static str {
    if t.kind_flag() { "SIGNED" } else { "UNSIGNED" }
}

/// The entries after the record: each entry's byte offset in `extra`.
fn entries(t: &TypeRecord<'_>, stride: usize) -> impl Iterator<Item = usize> {
    (0..usize::from(t.vlen())).map(move |i| i * stride)
}

/// One type in bpftool's text: a line, and one indented line per member,
/// enumerator, parameter or variable.
fn text(out: &mut String, t: &TypeRecord<'_>) {
    let _ = write!(out, "[{}] {} '{}'", t.id().0, t.kind().name(), name(t));
    let st = t.size_or_type();
    let vlen = t.vlen();
    let _ = match t.kind() {
        Kind::Int => {
            let w = t.extra_u32(0);
            write!(
                out,
                " size={st} bits_offset={} nr_bits={} encoding={}",
                (w >> 16) & 0xff,
                w & 0xff,
                int_encoding(w)
            )
        }
        Kind::Ptr
        | Kind::Const
        | Kind::Volatile
        | Kind::Restrict
        | Kind::Typedef
        | Kind::TypeTag => {
            write!(out, " type_id={st}")
        }
        Kind::Array => write!(
            out,
            " type_id={} index_type_id={} nr_elems={}",
            t.extra_u32(0),
            t.extra_u32(4),
            t.extra_u32(8)
        ),
        Kind::Struct | Kind::Union => {
            let _ = write!(out, " size={st} vlen={vlen}");
            for at in entries(t, 12) {
                let (bits, size) = member_bits(t, t.extra_u32(at + 8));
                let n = name_at(t.string_at(t.extra_u32(at)));
                let _ = write!(out, "\n\t'{n}' type_id={} bits_offset={bits}", t.extra_u32(at + 4));
                if size != 0 {
                    let _ = write!(out, " bitfield_size={size}");
                }
            }
            Ok(())
        }
        Kind::Enum | Kind::Enum64 => {
            let _ = write!(out, " encoding={} size={st} vlen={vlen}", enum_encoding(t));
            let enum64 = t.kind() == Kind::Enum64;
            for at in entries(t, if enum64 { 12 } else { 8 }) {
                let n = name_at(t.string_at(t.extra_u32(at)));
                let lo = t.extra_u32(at + 4);
                let _ = match (enum64, t.kind_flag()) {
                    (false, false) => write!(out, "\n\t'{n}' val={lo}"),
                    (false, true) => write!(out, "\n\t'{n}' val={}", lo as i32),
                    (true, signed) => {
                        let v = u64::from(t.extra_u32(at + 8)) << 32 | u64::from(lo);
                        if signed {
                            write!(out, "\n\t'{n}' val={}LL", v as i64)
                        } else {
                            write!(out, "\n\t'{n}' val={v}ULL")
                        }
                    }
                };
            }
            Ok(())
        }
        Kind::Fwd => write!(out, " fwd_kind={}", if t.kind_flag() { "union" } else { "struct" }),
        Kind::Func => write!(out, " type_id={st} linkage={}", func_linkage(vlen)),
        Kind::FuncProto => {
            let _ = write!(out, " ret_type_id={st} vlen={vlen}");
            for at in entries(t, 8) {
                let n = name_at(t.string_at(t.extra_u32(at)));
                let _ = write!(out, "\n\t'{n}' type_id={}", t.extra_u32(at + 4));
            }
            Ok(())
        }
        Kind::Var => write!(out, " type_id={st}, linkage={}", var_linkage(t.extra_u32(0))),
        Kind::Datasec => {
            let _ = write!(out, " size={st} vlen={vlen}");
            for at in entries(t, 12) {
                let ty = t.extra_u32(at);
                let _ = write!(
                    out,
                    "\n\ttype_id={ty} offset={} size={}",
                    t.extra_u32(at + 4),
                    t.extra_u32(at + 8)
                );
                // bpftool names what the entry points at: `void` is its
                // kind 0.
                match t.view().get(TypeId(ty)) {
                    Some(var) => {
                        let _ = write!(out, " ({} '{}')", var.kind().name(), name(&var));
                    }
                    None if ty == 0 => out.push_str(" (UNKNOWN '(anon)')"),
                    None => {}
                }
            }
            Ok(())
        }
        Kind::Float => write!(out, " size={st}"),
        Kind::DeclTag => {
            write!(out, " type_id={st} component_idx={}", t.extra_u32(0) as i32)
        }
    };
    out.push('\n');
}

/// One type in bpftool's JSON: an object, with arrays of members,
/// enumerators, parameters or variables.
fn json(w: &mut JsonWriter, t: &TypeRecord<'_>) {
    w.start_object()
        .raw_field("id", t.id().0)
        .string_field("kind", t.kind().name())
        .string_field("name", name(t));
    let st = t.size_or_type();
    let vlen = t.vlen();
    match t.kind() {
        Kind::Int => {
            let word = t.extra_u32(0);
            w.raw_field("size", st)
                .raw_field("bits_offset", (word >> 16) & 0xff)
                .raw_field("nr_bits", word & 0xff)
                .string_field("encoding", int_encoding(word));
        }
        Kind::Ptr
        | Kind::Const
        | Kind::Volatile
        | Kind::Restrict
        | Kind::Typedef
        | Kind::TypeTag => {
            w.raw_field("type_id", st);
        }
        Kind::Array => {
            w.raw_field("type_id", t.extra_u32(0))
                .raw_field("index_type_id", t.extra_u32(4))
                .raw_field("nr_elems", t.extra_u32(8));
        }
        Kind::Struct | Kind::Union => {
            w.raw_field("size", st).raw_field("vlen", vlen).name("members").start_array();
            for at in entries(t, 12) {
                let (bits, size) = member_bits(t, t.extra_u32(at + 8));
                w.start_object()
                    .string_field("name", name_at(t.string_at(t.extra_u32(at))))
                    .raw_field("type_id", t.extra_u32(at + 4))
                    .raw_field("bits_offset", bits);
                if size != 0 {
                    w.raw_field("bitfield_size", size);
                }
                w.end_object();
            }
            w.end_array();
        }
        Kind::Enum | Kind::Enum64 => {
            w.string_field("encoding", enum_encoding(t))
                .raw_field("size", st)
                .raw_field("vlen", vlen)
                .name("values")
                .start_array();
            let enum64 = t.kind() == Kind::Enum64;
            for at in entries(t, if enum64 { 12 } else { 8 }) {
                w.start_object().string_field("name", name_at(t.string_at(t.extra_u32(at))));
                let lo = t.extra_u32(at + 4);
                match (enum64, t.kind_flag()) {
                    // bpftool 7.1 widens the signed `btf_enum.val` to
                    // a u64 here (its text prints it as a u32).
                    (false, false) => w.raw_field("val", lo as i32 as i64 as u64),
                    (false, true) => w.raw_field("val", lo as i32),
                    (true, signed) => {
                        let v = u64::from(t.extra_u32(at + 8)) << 32 | u64::from(lo);
                        if signed { w.raw_field("val", v as i64) } else { w.raw_field("val", v) }
                    }
                };
                w.end_object();
            }
            w.end_array();
        }
        Kind::Fwd => {
            w.string_field("fwd_kind", if t.kind_flag() { "union" } else { "struct" });
        }
        Kind::Func => {
            w.raw_field("type_id", st).string_field("linkage", func_linkage(vlen));
        }
        Kind::FuncProto => {
            w.raw_field("ret_type_id", st).raw_field("vlen", vlen).name("params").start_array();
            for at in entries(t, 8) {
                w.start_object()
                    .string_field("name", name_at(t.string_at(t.extra_u32(at))))
                    .raw_field("type_id", t.extra_u32(at + 4))
                    .end_object();
            }
            w.end_array();
        }
        Kind::Var => {
            w.raw_field("type_id", st).string_field("linkage", var_linkage(t.extra_u32(0)));
        }
        Kind::Datasec => {
            w.raw_field("size", st).raw_field("vlen", vlen).name("vars").start_array();
            for at in entries(t, 12) {
                w.start_object()
                    .raw_field("type_id", t.extra_u32(at))
                    .raw_field("offset", t.extra_u32(at + 4))
                    .raw_field("size", t.extra_u32(at + 8))
                    .end_object();
            }
            w.end_array();
        }
        Kind::Float => {
            w.raw_field("size", st);
        }
        Kind::DeclTag => {
            w.raw_field("type_id", st).raw_field("component_idx", t.extra_u32(0) as i32);
        }
    }
    w.end_object();
}
