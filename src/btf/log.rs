//! The kernel's BTF log: which type it complained about, and what it said.
//!
//! At log level 1 the kernel prints the header's fields (`magic: 0xeb9f`,
//! ...), then one line per type it checks, `[N] KIND name details`, with a
//! member's or parameter's line (`\tname type_id=M bits_offset=O`) under
//! it. A complaint goes at the end of the line it is about, after the
//! details, and checking stops there:
//!
//! ```text
//! [2] STRUCT 1bad size=8 vlen=2 Invalid name
//! [2] STRUCT pair size=8 vlen=2
//!     a type_id=9 bits_offset=0 Invalid member
//! ```
//!
//! (the member's line starts with a tab). A complaint about the header or the string section stands on a line of
//! its own, naming no type.

/// The type id and the complaint in a BTF log: the last line says what
/// went wrong; the last `[N]` line at or above it names the type. Both
/// `None` when the log holds neither.
pub(crate) fn parse_log(log: &str) -> (Option<u32>, Option<String>) {
    let mut lines = log.lines().rev().filter(|l| !l.trim().is_empty());
    let Some(last) = lines.next() else {
        return (None, None);
    };
    let type_line =
        |line: &str| -> Option<u32> { line.strip_prefix('[')?.split_once(']')?.0.parse().ok() };
    let (type_id, message) = if let Some(id) = type_line(last) {
        // `[N] KIND name details... message`: FWD's detail is a bare word.
        let mut words = last.split_whitespace().skip(3).peekable();
        if matches!(last.split_whitespace().nth(1), Some("FWD")) {
            words.next_if(|w| *w == "struct" || *w == "union");
        }
        (Some(id), after_details(words))
    } else if last.starts_with('\t') {
        // A member or parameter: `name type_id=M ... message`.
        let id = lines.find_map(type_line);
        (id, after_details(last.split_whitespace().skip(1).peekable()))
    } else if last.split_once(": ").is_some_and(|(key, _)| !key.contains(' ')) {
        // A header field (`type_len: 52`), no complaint.
        (None, None)
    } else {
        (None, Some(last.trim().to_string()))
    };
    (type_id, message.filter(|m| !m.is_empty()))
}

/// The words after the last `key=value` detail, joined by spaces.
fn after_details<'a>(words: impl Iterator<Item = &'a str>) -> Option<String> {
    let words: Vec<&str> = words.collect();
    // A detail is `key=value` with an identifier for a key: a complaint
    // such as `size == 0` has `=` in it too.
    let detail = |w: &&str| {
        w.split_once('=').is_some_and(|(key, value)| {
            !key.is_empty()
                && !value.is_empty()
                && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
    };
    let start = words.iter().rposition(detail).map_or(0, |i| i + 1);
    let message = words.get(start..).map(|w| w.join(" ")).unwrap_or_default();
    Some(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "magic: 0xeb9f\nversion: 1\nflags: 0x0\nhdr_len: 24\ntype_off: 0\n\
                        type_len: 52\nstr_off: 52\nstr_len: 19\nbtf_total_size: 95\n\
                        [1] INT int size=4 bits_offset=0 nr_bits=32 encoding=SIGNED\n";

    fn parsed(tail: &str) -> (Option<u32>, Option<String>) {
        parse_log(&format!("{HEAD}{tail}"))
    }

    #[test]
    fn a_complaint_about_a_type_names_it() {
        // Both as this machine's 6.18 kernel wrote them.
        let (id, msg) = parsed("[2] STRUCT 1bad size=8 vlen=2 Invalid name\n\n");
        assert_eq!((id, msg.as_deref()), (Some(2), Some("Invalid name")));
        let (id, msg) = parsed(
            "[2] STRUCT pair size=8 vlen=2\n\ta type_id=9 bits_offset=0\n\tb type_id=9 \
             bits_offset=32\n[2] STRUCT pair size=8 vlen=2\n\ta type_id=9 bits_offset=0 \
             Invalid member\n",
        );
        assert_eq!((id, msg.as_deref()), (Some(2), Some("Invalid member")));
        // As 6.18 wrote it for clang's .BTF before a loader fills sizes in.
        let (id, msg) = parsed("[13] DATASEC .bss size=0 vlen=2 size == 0\n");
        assert_eq!((id, msg.as_deref()), (Some(13), Some("size == 0")));
        let (id, msg) = parsed("[2] FWD foo struct Invalid name\n");
        assert_eq!((id, msg.as_deref()), (Some(2), Some("Invalid name")));
    }

    #[test]
    fn a_complaint_about_the_header_names_no_type() {
        let (id, msg) = parse_log("magic: 0xeb9f\nversion: 2\nUnsupported version\n");
        assert_eq!((id, msg.as_deref()), (None, Some("Unsupported version")));
    }

    #[test]
    fn a_log_without_a_complaint_says_nothing() {
        assert_eq!(parse_log(""), (None, None));
        assert_eq!(parsed(""), (Some(1), None));
        assert_eq!(parse_log("magic: 0xeb9f\n"), (None, None));
    }
}
