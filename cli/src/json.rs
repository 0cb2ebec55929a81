//! A streaming JSON writer that lays text out as bpftool's does.
//!
//! bpftool (and iproute2) write JSON through a small writer whose pretty
//! mode has a recognisable shape: four spaces per level, every member on
//! its own line, array elements run on after `[` (`[{`, `[1,2`) and every
//! closing bracket on a line of its own. Scripts compare parsed values, but
//! people diff the text, so this writer reproduces that shape exactly.

use std::fmt::Write as _;

/// Builds one JSON document into a `String`.
pub struct JsonWriter {
    out: String,
    pretty: bool,
    depth: usize,
    /// What goes before the next element: `,` after a value, nothing after
    /// an opening bracket or a member name.
    sep: Option<char>,
}

impl JsonWriter {
    /// An empty document; `pretty` chooses bpftool's `-p` layout.
    pub fn new(pretty: bool) -> JsonWriter {
        JsonWriter { out: String::new(), pretty, depth: 0, sep: None }
    }

    /// The document, ended by a newline as bpftool ends it.
    pub fn finish(mut self) -> String {
        self.out.push('\n');
        self.out
    }

    /// What was written since the last call, taken out so that a long
    /// document can be printed as it grows; the writer's place in the
    /// document is kept.
    pub fn take_written(&mut self) -> String {
        std::mem::take(&mut self.out)
    }

    fn end_of_record(&mut self) {
        if let Some(c) = self.sep {
            self.out.push(c);
        }
        self.sep = Some(',');
    }

    fn end_of_line(&mut self) {
        if self.pretty {
            self.out.push('\n');
            for _ in 0..self.depth {
                self.out.push_str("    ");
            }
        }
    }

    fn begin(&mut self, c: char) {
        self.end_of_record();
        self.out.push(c);
        self.depth += 1;
        self.sep = None;
    }

    fn end(&mut self, c: char) {
        self.depth = self.depth.saturating_sub(1);
        if self.sep.is_some() {
            self.end_of_line();
        }
        self.out.push(c);
        self.sep = Some(',');
    }

    /// `{`
    pub fn start_object(&mut self) -> &mut Self {
        self.begin('{');
        self
    }

    /// `}`
    pub fn end_object(&mut self) -> &mut Self {
        self.end('}');
        self
    }

    /// `[`
    pub fn start_array(&mut self) -> &mut Self {
        self.begin('[');
        self
    }

    /// `]`
    pub fn end_array(&mut self) -> &mut Self {
        self.end(']');
        self
    }

    /// A member name; the value written next is its value.
    pub fn name(&mut self, name: &str) -> &mut Self {
        self.end_of_record();
        self.end_of_line();
        self.sep = None;
        self.quoted(name);
        self.out.push(':');
        if self.pretty {
            self.out.push(' ');
        }
        self
    }

    /// A string value, escaped.
    pub fn string(&mut self, value: &str) -> &mut Self {
        self.end_of_record();
        self.quoted(value);
        self
    }

    /// A number or other bare token, written as given.
    pub fn raw(&mut self, token: impl std::fmt::Display) -> &mut Self {
        self.end_of_record();
        let _ = write!(self.out, "{token}");
        self
    }

    /// Text outside the JSON, where the document has got to, with no
    /// separator: what bpftool prints with `printf` amid a document its
    /// writer is writing to the same stream.
    pub fn interject(&mut self, text: &str) -> &mut Self {
        self.out.push_str(text);
        self
    }

    /// `true` or `false`.
    pub fn bool(&mut self, value: bool) -> &mut Self {
        self.raw(value)
    }

    /// `null`.
    pub fn null(&mut self) -> &mut Self {
        self.raw("null")
    }

    /// `"name": "value"`.
    pub fn string_field(&mut self, name: &str, value: &str) -> &mut Self {
        self.name(name).string(value)
    }

    /// `"name": value` for a number or other bare token.
    pub fn raw_field(&mut self, name: &str, value: impl std::fmt::Display) -> &mut Self {
        self.name(name).raw(value)
    }

    /// `"name": true|false`.
    pub fn bool_field(&mut self, name: &str, value: bool) -> &mut Self {
        self.name(name).bool(value)
    }

    fn quoted(&mut self, s: &str) {
        self.out.push('"');
        for c in s.chars() {
            match c {
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                '\n' => self.out.push_str("\\n"),
                '\r' => self.out.push_str("\\r"),
                '\t' => self.out.push_str("\\t"),
                '\u{8}' => self.out.push_str("\\b"),
                '\u{c}' => self.out.push_str("\\f"),
                c if u32::from(c) < 0x20 => {
                    let _ = write!(self.out, "\\u{:04x}", u32::from(c));
                }
                c => self.out.push(c),
            }
        }
        self.out.push('"');
    }
}

#[cfg(test)]
mod tests {
    use super::JsonWriter;

    fn sample(pretty: bool) -> String {
        let mut w = JsonWriter::new(pretty);
        w.start_array().start_object();
        w.raw_field("id", 7).string_field("type", "hash").bool_field("gpl_compatible", true);
        w.name("map_ids").start_array().raw(1).raw(2).end_array();
        w.name("empty").start_array().end_array();
        w.end_object().end_array();
        w.finish()
    }

    #[test]
    fn compact_has_no_spaces() {
        assert_eq!(
            sample(false),
            "[{\"id\":7,\"type\":\"hash\",\"gpl_compatible\":true,\"map_ids\":[1,2],\"empty\":[]}]\n"
        );
    }

    #[test]
    fn pretty_is_laid_out_like_bpftool() {
        let want = "[{\n        \"id\": 7,\n        \"type\": \"hash\",\n        \"gpl_compatible\": true,\n        \"map_ids\": [1,2\n        ],\n        \"empty\": []\n    }\n]\n";
        assert_eq!(sample(true), want);
    }

    #[test]
    fn strings_are_escaped() {
        let mut w = JsonWriter::new(false);
        w.string("a\"b\\c\nd\u{1}");
        assert_eq!(w.finish(), "\"a\\\"b\\\\c\\nd\\u0001\"\n");
    }
}
