//! One map element in bpftool's layouts: the text of `map dump` and `map
//! lookup`, the JSON objects, and the element whose value cannot be read.
//!
//! The text layout depends on the sizes: key and value share a line when
//! both fit (16 bytes each, 24 together), each gets a line of its own
//! otherwise, and the names go on lines of their own when either is longer
//! than 16 bytes. A per-CPU value is printed once per possible CPU.

use bpfkit::maps::{MapFd, MapType};

use super::bytes::{hex, json_hex};
use super::formatted::Formatter;
use crate::errno::strerror;
use crate::json::JsonWriter;

/// What the printers need to know about a map.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// The map type.
    pub map_type: MapType,
    /// Bytes of a key.
    pub key_size: usize,
    /// Bytes of a value (of one CPU's value for a per-CPU map).
    pub value_size: usize,
}

impl Shape {
    /// The shape of `map`.
    pub fn of(map: &MapFd) -> Shape {
        let def = map.def();
        Shape {
            map_type: def.map_type,
            key_size: def.key_size as usize,
            value_size: def.value_size as usize,
        }
    }

    /// Each CPU's value in a per-CPU value buffer, in CPU order; the one
    /// value of any other map.
    pub fn values<'a>(&self, buffer: &'a [u8]) -> Vec<&'a [u8]> {
        if self.map_type.is_per_cpu() {
            let step = self.value_size.next_multiple_of(8).max(1);
            buffer.chunks(step).map(|v| &v[..self.value_size.min(v.len())]).collect()
        } else {
            vec![&buffer[..self.value_size.min(buffer.len())]]
        }
    }
}

/// `key: ..  value: ..` as bpftool's `print_entry_plain` lays it out.
pub fn text(out: &mut String, shape: Shape, key: &[u8], value: &[u8]) {
    let (k, v) = (shape.key_size, shape.value_size);
    if shape.map_type.is_per_cpu() {
        if k > 0 {
            out.push_str(&format!("key:\n{}\n", hex(key)));
        }
        if v > 0 {
            let sep = if v > 16 { '\n' } else { ' ' };
            for (cpu, value) in shape.values(value).iter().enumerate() {
                out.push_str(&format!("value (CPU {cpu:02}):{sep}{}\n", hex(value)));
            }
        }
        return;
    }
    let break_names = k > 16 || v > 16;
    let single_line = k + v <= 24 && !break_names;
    let sep = if break_names { '\n' } else { ' ' };
    if k > 0 {
        out.push_str(&format!("key:{sep}{}", hex(key)));
        out.push_str(if single_line { "  " } else { "\n" });
    }
    if v > 0 {
        out.push_str(&format!("value:{sep}{}", hex(&value[..v.min(value.len())])));
    }
    out.push('\n');
}

/// `{"key": [..], "value": [..]}`, or `"values"` with one `{"cpu", "value"}`
/// per CPU, as bpftool's `print_entry_json` writes it; with the map's BTF,
/// followed by `"formatted"`: the element by its types.
pub fn json(
    w: &mut JsonWriter,
    shape: Shape,
    key: &[u8],
    value: &[u8],
    formatted: Option<&Formatter>,
) {
    w.start_object();
    w.name("key");
    json_hex(w, key);
    if shape.map_type.is_per_cpu() {
        w.name("values").start_array();
        for (cpu, value) in shape.values(value).iter().enumerate() {
            w.start_object().raw_field("cpu", cpu);
            w.name("value");
            json_hex(w, value);
            w.end_object();
        }
        w.end_array();
    } else {
        w.name("value");
        json_hex(w, &value[..shape.value_size.min(value.len())]);
    }
    if let Some(f) = formatted {
        w.name("formatted");
        f.element(w, key, &shape.values(value), shape.map_type.is_per_cpu());
    }
    w.end_object();
}

/// Whether a failed lookup of an element is left out of a dump: a program
/// array or map of maps has no value at an empty slot, which is no error.
pub fn skipped(shape: Shape, errno: i32) -> bool {
    errno == libc::ENOENT
        && matches!(
            shape.map_type,
            MapType::PROG_ARRAY | MapType::ARRAY_OF_MAPS | MapType::HASH_OF_MAPS
        )
}

/// An element whose value could not be read, as bpftool's dump prints it.
pub fn error_text(out: &mut String, shape: Shape, key: &[u8], errno: i32) {
    let msg = match errno {
        libc::ENOENT => "<no entry>".to_owned(),
        libc::ENOSPC if shape.map_type == MapType::REUSEPORT_SOCKARRAY => {
            "<cannot read>".to_owned()
        }
        _ => strerror(errno),
    };
    let break_names = shape.key_size > 16 || msg.len() > 16;
    let single_line = shape.key_size + msg.len() <= 24 && !break_names;
    let sep = if break_names { '\n' } else { ' ' };
    out.push_str(&format!("key:{sep}{}", hex(key)));
    out.push_str(if single_line { "  " } else { "\n" });
    out.push_str(&format!("value:{sep}{msg}\n"));
}

/// `{"key": [..], "value": {"error": ".."}}`.
pub fn error_json(w: &mut JsonWriter, key: &[u8], errno: i32) {
    w.start_object();
    w.name("key");
    json_hex(w, key);
    w.name("value").start_object().string_field("error", &strerror(errno)).end_object();
    w.end_object();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(map_type: MapType, key_size: usize, value_size: usize) -> Shape {
        Shape { map_type, key_size, value_size }
    }

    fn plain(map_type: MapType, k: usize, v: usize, value_buf: &[u8]) -> String {
        let key: Vec<u8> = (1..=k as u8).collect();
        let mut out = String::new();
        text(&mut out, shape(map_type, k, v), &key, value_buf);
        out
    }

    #[test]
    fn small_elements_share_a_line() {
        let value: Vec<u8> = (0x64..0x74).collect();
        assert_eq!(
            plain(MapType::HASH, 8, 16, &value),
            "key: 01 02 03 04 05 06 07 08  value: 64 65 66 67 68 69 6a 6b  6c 6d 6e 6f 70 71 72 73\n"
        );
        assert_eq!(
            plain(MapType::HASH, 16, 16, &value),
            "key: 01 02 03 04 05 06 07 08  09 0a 0b 0c 0d 0e 0f 10\n\
             value: 64 65 66 67 68 69 6a 6b  6c 6d 6e 6f 70 71 72 73\n"
        );
    }

    #[test]
    fn long_values_break_the_names() {
        let value: Vec<u8> = (0x64..0x64 + 17).collect();
        assert_eq!(
            plain(MapType::HASH, 8, 17, &value),
            "key:\n01 02 03 04 05 06 07 08\nvalue:\n\
             64 65 66 67 68 69 6a 6b  6c 6d 6e 6f 70 71 72 73\n74\n"
        );
    }

    #[test]
    fn per_cpu_values_are_one_line_each() {
        // Two CPUs, 3-byte values padded to 8.
        let buf = [0x64, 0x65, 0x66, 0, 0, 0, 0, 0, 0x67, 0x68, 0x69, 0, 0, 0, 0, 0];
        assert_eq!(
            plain(MapType::PERCPU_HASH, 4, 3, &buf),
            "key:\n01 02 03 04\nvalue (CPU 00): 64 65 66\nvalue (CPU 01): 67 68 69\n"
        );
        let mut w = JsonWriter::new(false);
        json(&mut w, shape(MapType::PERCPU_HASH, 1, 3), &[7], &buf, None);
        assert_eq!(
            w.finish(),
            "{\"key\":[\"0x07\"],\"values\":[{\"cpu\":0,\"value\":[\"0x64\",\"0x65\",\"0x66\"]},\
             {\"cpu\":1,\"value\":[\"0x67\",\"0x68\",\"0x69\"]}]}\n"
        );
    }

    #[test]
    fn unreadable_values_say_why() {
        let mut out = String::new();
        error_text(&mut out, shape(MapType::DEVMAP, 4, 4), &[0, 0, 0, 0], libc::ENOENT);
        assert_eq!(out, "key: 00 00 00 00  value: <no entry>\n");
        out.clear();
        error_text(&mut out, shape(MapType::SOCKMAP, 4, 4), &[1, 0, 0, 0], libc::ENOSPC);
        assert_eq!(out, "key:\n01 00 00 00\nvalue:\nNo space left on device\n");
        assert!(skipped(shape(MapType::PROG_ARRAY, 4, 4), libc::ENOENT));
        assert!(!skipped(shape(MapType::DEVMAP, 4, 4), libc::ENOENT));
    }
}
