//! Map elements by their BTF types, as bpftool's `btf_dumper.c` writes
//! them: the text of `map dump`/`map lookup` on a map with BTF (a pretty
//! JSON document) and the `"formatted"` member of their JSON.
//!
//! The rules, by kind, as bpftool 7.1 applies them:
//! - integers print in decimal by their size and signedness, 128-bit ones
//!   and bitfields in hex (quoted in JSON), `_Bool` as `true`/`false`, a
//!   `CHAR`-encoded byte as a quoted character when printable;
//! - a struct or union is an object of its members (a union shows every
//!   member over the same bytes);
//! - an array is a list, except an array of `char` (by encoding or by
//!   name, not through a typedef) holding a NUL-terminated printable
//!   string, which is that string;
//! - an enum is its enumerator's name, or the number when none matches;
//! - typedefs and qualifiers are looked through;
//! - a pointer is `%p` in text (`(nil)` for 0), decimal in JSON;
//! - a float, which bpftool does not format, is its literal
//!   `(unsupported-kind`.

use bpfkit::btf::{BtfType, BtfView, EnumType, IntEncoding, TypeId};
use bpfkit::maps::{MapFd, MapInfo};

use crate::json::JsonWriter;

/// Nesting deeper than this is a loop in the BTF, not a type.
const MAX_DEPTH: usize = 64;

/// A map's key and value types, decoded once for the whole dump.
pub struct Formatter {
    /// Types by id; `types[0]` is void.
    types: Vec<Option<BtfType>>,
    key: TypeId,
    value: TypeId,
    /// bpftool's `is_plain_text`: the text output, not `-j`.
    plain: bool,
}

/// A value the BTF cannot describe (a bad id, data shorter than its type).
#[derive(Debug)]
pub struct Unformattable;

impl Formatter {
    /// The formatter of `map`'s elements, `None` for a map without a
    /// described value (bpftool prints those as bytes) or whose BTF cannot
    /// be read.
    pub fn of(map_info: &MapInfo, plain: bool) -> Option<Formatter> {
        if map_info.btf_value_type_id == 0 || map_info.btf_vmlinux_value_type_id != 0 {
            return None;
        }
        let data = bpfkit::btf::BtfObject::from_id(map_info.btf_id).ok()?.data().ok()?;
        let view = BtfView::parse(&data).ok()?;
        Formatter::from_view(
            &view,
            TypeId(map_info.btf_key_type_id),
            TypeId(map_info.btf_value_type_id),
            plain,
        )
    }

    /// The formatter of `map`, read from the kernel.
    pub fn of_map(map: &MapFd, plain: bool) -> Option<Formatter> {
        Formatter::of(&map.info().ok()?, plain)
    }

    /// A formatter over the types of `view`.
    pub fn from_view(
        view: &BtfView<'_>,
        key: TypeId,
        value: TypeId,
        plain: bool,
    ) -> Option<Formatter> {
        if view.base().is_some() {
            return None;
        }
        let mut types = vec![None];
        for record in view.types() {
            types.push(record.decode().ok());
        }
        Some(Formatter { types, key, value, plain })
    }

    /// bpftool's `do_dump_btf`: `{"key": .., "value": ..}`, or `"values"`
    /// with one `{"cpu", "value"}` per CPU of a per-CPU map (`values` holds
    /// each CPU's value).
    pub fn element(&self, w: &mut JsonWriter, key: &[u8], values: &[&[u8]], per_cpu: bool) {
        w.start_object();
        let mut ok = true;
        if self.key != TypeId::VOID {
            w.name("key");
            ok = self.value(w, self.key, 0, key, 0).is_ok();
        }
        if ok {
            if per_cpu {
                w.name("values").start_array();
                for (cpu, value) in values.iter().enumerate() {
                    w.start_object().raw_field("cpu", cpu);
                    w.name("value");
                    let failed = self.value(w, self.value, 0, value, 0).is_err();
                    w.end_object();
                    if failed {
                        break;
                    }
                }
                w.end_array();
            } else if let Some(value) = values.first() {
                w.name("value");
                let _ = self.value(w, self.value, 0, value, 0);
            }
        }
        w.end_object();
    }

    fn get(&self, id: TypeId) -> Result<&BtfType, Unformattable> {
        self.types.get(id.0 as usize).and_then(Option::as_ref).ok_or(Unformattable)
    }

    /// Bytes of type `id` (`btf__resolve_size`).
    fn size(&self, id: TypeId, depth: usize) -> Result<usize, Unformattable> {
        if depth > MAX_DEPTH {
            return Err(Unformattable);
        }
        Ok(match self.get(id)? {
            BtfType::Int { size, .. }
            | BtfType::Float { size, .. }
            | BtfType::Datasec { size, .. } => *size as usize,
            BtfType::Struct(c) | BtfType::Union(c) => c.size as usize,
            BtfType::Enum(e) | BtfType::Enum64(e) => e.size as usize,
            BtfType::Ptr { .. } => size_of::<usize>(),
            BtfType::Array { elem, len, .. } => {
                self.size(*elem, depth + 1)?.checked_mul(*len as usize).ok_or(Unformattable)?
            }
            BtfType::Typedef { target, .. }
            | BtfType::Volatile { target }
            | BtfType::Const { target }
            | BtfType::Restrict { target }
            | BtfType::TypeTag { target, .. } => self.size(*target, depth + 1)?,
            BtfType::Var { ty, .. } => self.size(*ty, depth + 1)?,
            _ => return Err(Unformattable),
        })
    }

    /// bpftool's `btf_dumper_do_type`: the value of type `id` at bit
    /// `bit_offset` (0..8) of `data`.
    fn value(
        &self,
        w: &mut JsonWriter,
        id: TypeId,
        bit_offset: u8,
        data: &[u8],
        depth: usize,
    ) -> Result<(), Unformattable> {
        if depth > MAX_DEPTH {
            return Err(Unformattable);
        }
        if id == TypeId::VOID {
            w.raw("(unknown)");
            return Ok(());
        }
        match self.get(id)? {
            BtfType::Int { size, encoding, offset, bits, .. } => {
                self.int(w, *size, *encoding, *offset, *bits, bit_offset, data)
            }
            BtfType::Struct(c) | BtfType::Union(c) => {
                w.start_object();
                let mut result = Ok(());
                for m in &c.members {
                    w.name(m.name.as_deref().unwrap_or(""));
                    let at = (m.bit_offset / 8) as usize;
                    let bits = (m.bit_offset % 8) as u8;
                    let rest = data.get(at..).ok_or(Unformattable);
                    result = rest.and_then(|rest| {
                        if m.bitfield_size != 0 {
                            self.bitfield(w, u32::from(m.bitfield_size), bits, rest)
                        } else {
                            self.value(w, m.ty, bits, rest, depth + 1)
                        }
                    });
                    if result.is_err() {
                        break;
                    }
                }
                w.end_object();
                result
            }
            BtfType::Array { elem, len, .. } => {
                if let Some(s) = self.string_in(*elem, *len, data) {
                    w.string(&s);
                    return Ok(());
                }
                let size = self.size(*elem, depth + 1)?;
                w.start_array();
                let mut result = Ok(());
                for i in 0..*len as usize {
                    let rest = data.get(i * size..).ok_or(Unformattable);
                    result = rest.and_then(|rest| self.value(w, *elem, 0, rest, depth + 1));
                    if result.is_err() {
                        break;
                    }
                }
                w.end_array();
                result
            }
            BtfType::Enum(e) => self.enumeration(w, e, data, false),
            BtfType::Enum64(e) => self.enumeration(w, e, data, true),
            BtfType::Ptr { .. } => {
                let bytes: [u8; size_of::<usize>()] = take(data)?;
                let value = usize::from_ne_bytes(bytes);
                match (self.plain, value) {
                    (true, 0) => w.raw("(nil)"),
                    (true, v) => w.raw(format_args!("{v:#x}")),
                    (false, v) => w.raw(v),
                };
                Ok(())
            }
            BtfType::Fwd { .. } => {
                w.raw("(fwd-kind-invalid)");
                Err(Unformattable)
            }
            BtfType::Typedef { target, .. }
            | BtfType::Volatile { target }
            | BtfType::Const { target }
            | BtfType::Restrict { target }
            | BtfType::TypeTag { target, .. } => {
                self.value(w, *target, bit_offset, data, depth + 1)
            }
            BtfType::Var { name, ty, .. } => {
                w.start_object();
                w.name(name);
                let result = self.value(w, *ty, bit_offset, data, depth + 1);
                w.end_object();
                result
            }
            BtfType::Datasec { name, vars, .. } => {
                w.start_object();
                w.name(name);
                w.start_array();
                let mut result = Ok(());
                for v in vars {
                    let rest = data.get(v.offset as usize..).ok_or(Unformattable);
                    result = rest.and_then(|rest| self.value(w, v.ty, 0, rest, depth + 1));
                    if result.is_err() {
                        break;
                    }
                }
                w.end_array();
                w.end_object();
                result
            }
            _ => {
                w.raw("(unsupported-kind");
                Ok(())
            }
        }
    }

    /// bpftool's `btf_dumper_int`.
    #[allow(clippy::too_many_arguments)]
    fn int(
        &self,
        w: &mut JsonWriter,
        size: u32,
        encoding: IntEncoding,
        offset: u8,
        bits: u8,
        bit_offset: u8,
        data: &[u8],
    ) -> Result<(), Unformattable> {
        if bit_offset != 0 || offset != 0 || bits % 8 != 0 {
            let total = u32::from(bit_offset) + u32::from(offset);
            let rest = data.get((total / 8) as usize..).ok_or(Unformattable)?;
            return self.bitfield(w, u32::from(bits), (total % 8) as u8, rest);
        }
        let _ = size;
        if bits == 128 {
            let bytes: [u8; 16] = take(data)?;
            self.int128(w, u128::from_le_bytes(bytes));
            return Ok(());
        }
        match (encoding, bits) {
            (IntEncoding::Unsigned, 64) => w.raw(u64::from_ne_bytes(take(data)?)),
            (IntEncoding::Unsigned, 32) => w.raw(u32::from_ne_bytes(take(data)?)),
            (IntEncoding::Unsigned, 16) => w.raw(u16::from_ne_bytes(take(data)?)),
            (IntEncoding::Unsigned, 8) => w.raw(u8::from_ne_bytes(take(data)?)),
            (IntEncoding::Signed, 64) => w.raw(i64::from_ne_bytes(take(data)?)),
            (IntEncoding::Signed, 32) => w.raw(i32::from_ne_bytes(take(data)?)),
            (IntEncoding::Signed, 16) => w.raw(i16::from_ne_bytes(take(data)?)),
            (IntEncoding::Signed, 8) => w.raw(i8::from_ne_bytes(take(data)?)),
            (IntEncoding::Unsigned | IntEncoding::Signed, _) => {
                return self.bitfield(w, u32::from(bits), 0, data);
            }
            (IntEncoding::Char, _) => {
                let [c] = take::<1>(data)?;
                if (0x20..0x7f).contains(&c) {
                    // Not escaped: bpftool prints it with "\"%c\"".
                    w.raw(format_args!("\"{}\"", char::from(c)))
                } else if self.plain {
                    w.raw(format_args!("{c:#x}"))
                } else {
                    w.raw(format_args!("\"\\u00{c:02x}\""))
                }
            }
            (IntEncoding::Bool, _) => w.bool(take::<1>(data)?[0] != 0),
        };
        Ok(())
    }

    /// bpftool's `btf_dumper_bitfield`: `bits` bits from bit `bit_offset`
    /// of `data`, in hex.
    fn bitfield(
        &self,
        w: &mut JsonWriter,
        bits: u32,
        bit_offset: u8,
        data: &[u8],
    ) -> Result<(), Unformattable> {
        let span = u32::from(bit_offset) + bits;
        let bytes = span.div_ceil(8) as usize;
        if bits == 0 || bits > 128 || bytes > 16 {
            return Err(Unformattable);
        }
        let mut raw = [0u8; 16];
        raw[..bytes].copy_from_slice(data.get(..bytes).ok_or(Unformattable)?);
        let all = u128::from_le_bytes(raw) >> bit_offset;
        let value = if bits == 128 { all } else { all & ((1u128 << bits) - 1) };
        self.int128(w, value);
        Ok(())
    }

    /// bpftool's `btf_int128_print`: hex, quoted in JSON.
    fn int128(&self, w: &mut JsonWriter, value: u128) {
        let upper = (value >> 64) as u64;
        let lower = value as u64;
        let hex =
            if upper == 0 { format!("{lower:#x}") } else { format!("{upper:#x}{lower:016x}") };
        if self.plain {
            w.raw(hex);
        } else {
            w.raw(format_args!("\"{hex}\""));
        }
    }

    /// bpftool's `btf_dumper_enum` and `btf_dumper_enum64`.
    fn enumeration(
        &self,
        w: &mut JsonWriter,
        e: &EnumType,
        data: &[u8],
        wide: bool,
    ) -> Result<(), Unformattable> {
        if wide {
            let value = u64::from_ne_bytes(take(data)?);
            match e.values.iter().find(|v| v.value as u64 == value) {
                Some(v) => w.string(&v.name),
                None if e.signed => w.raw(value as i64),
                None => w.raw(value),
            };
            return Ok(());
        }
        let value: i64 = match e.size {
            8 => i64::from_ne_bytes(take(data)?),
            4 => i32::from_ne_bytes(take(data)?).into(),
            2 => i16::from_ne_bytes(take(data)?).into(),
            1 => i8::from_ne_bytes(take(data)?).into(),
            _ => return Err(Unformattable),
        };
        // bpftool compares with the enumerator's 32 bits, sign-extended.
        match e.values.iter().find(|v| i64::from(v.value as i32) == value) {
            Some(v) => w.string(&v.name),
            None => w.raw(value),
        };
        Ok(())
    }

    /// bpftool's `is_str_array`: an array of `char` (by encoding or by
    /// name; typedefs are not looked through) whose bytes are printable up
    /// to a NUL.
    fn string_in(&self, elem: TypeId, len: u32, data: &[u8]) -> Option<String> {
        if len == 0 {
            return None;
        }
        let mut id = elem;
        let mut ty = self.get(id).ok()?;
        for _ in 0..MAX_DEPTH {
            match ty {
                BtfType::Volatile { target }
                | BtfType::Const { target }
                | BtfType::Restrict { target }
                | BtfType::TypeTag { target, .. } => {
                    id = *target;
                    ty = self.get(id).ok()?;
                }
                _ => break,
            }
        }
        let BtfType::Int { name, size: 1, encoding, .. } = ty else { return None };
        if *encoding != IntEncoding::Char && name != "char" {
            return None;
        }
        let bytes = data.get(..len as usize)?;
        let end = bytes.iter().position(|&b| b == 0 || !(0x20..0x7f).contains(&b))?;
        if bytes[end] != 0 {
            return None;
        }
        Some(bytes[..end].iter().map(|&b| char::from(b)).collect())
    }
}

/// The first `N` bytes of `data`.
fn take<const N: usize>(data: &[u8]) -> Result<[u8; N], Unformattable> {
    data.get(..N).and_then(|b| b.try_into().ok()).ok_or(Unformattable)
}

#[cfg(test)]
mod tests {
    use super::*;

    include!("../../tests/fixtures/hand_btf.rs");

    /// [`hand_written`] as raw bytes, with its key and value ids.
    fn hand() -> (Vec<u8>, TypeId, TypeId) {
        let (btf, key, value) = hand_written();
        (btf.encode().unwrap(), key, value)
    }

    fn hand_value() -> [u8; 48] {
        let mut v = [0u8; 48];
        v[..6].copy_from_slice(b"hello\0");
        v[16] = 1;
        v[28..32].copy_from_slice(&(5u32 | (0x1abc << 3)).to_ne_bytes());
        v[40..48].copy_from_slice(&0xffff_8000_1234_5678u64.to_ne_bytes());
        v
    }

    fn format(plain: bool, pretty: bool) -> String {
        let (raw, key, value) = hand();
        let view = BtfView::parse(&raw).unwrap();
        let f = Formatter::from_view(&view, key, value, plain).unwrap();
        let mut w = JsonWriter::new(pretty);
        f.element(&mut w, &0u32.to_ne_bytes(), &[&hand_value()], false);
        w.finish()
    }

    /// bpftool 7.1's text for this element (`map lookup`).
    #[test]
    fn text_is_bpftools() {
        assert_eq!(
            format(true, true),
            r#"{
    "key": 0,
    "value": {
        "name": "hello",
        "other": "",
        "ok": true,
        "no": false,
        "color": "RED",
        "unknown": "RED",
        "low": 0x5,
        "high": 0x1abc,
        "either": {
            "word": 0,
            "half": 0
        },
        "ptr": 0xffff800012345678
    }
}
"#
        );
    }

    /// bpftool 7.1's `"formatted"` for this element: bitfields quoted,
    /// the pointer in decimal.
    #[test]
    fn json_is_bpftools() {
        assert_eq!(
            format(false, false),
            "{\"key\":0,\"value\":{\"name\":\"hello\",\"other\":\"\",\"ok\":true,\"no\":false,\
             \"color\":\"RED\",\"unknown\":\"RED\",\"low\":\"0x5\",\"high\":\"0x1abc\",\
             \"either\":{\"word\":0,\"half\":0},\"ptr\":18446603336526616184}}\n"
        );
    }

    #[test]
    fn short_data_is_an_error_not_a_panic() {
        let (raw, key, value) = hand();
        let view = BtfView::parse(&raw).unwrap();
        let f = Formatter::from_view(&view, key, value, true).unwrap();
        let mut w = JsonWriter::new(false);
        assert!(f.value(&mut w, value, 0, &[0u8; 20], 0).is_err());
        let mut w = JsonWriter::new(false);
        assert!(f.value(&mut w, TypeId(999), 0, &[0u8; 48], 0).is_err());
    }

    #[test]
    fn int128_and_bitfields_print_in_hex() {
        let f = Formatter { types: vec![None], key: TypeId(0), value: TypeId(0), plain: true };
        let mut w = JsonWriter::new(false);
        w.start_array();
        f.int128(&mut w, 0);
        f.int128(&mut w, u128::MAX - 1);
        f.bitfield(&mut w, 4, 6, &[0b1100_0000, 0b0000_0011]).unwrap();
        w.end_array();
        assert_eq!(w.finish(), "[0x0,0xfffffffffffffffffffffffffffffffe,0xf]\n");
    }
}
