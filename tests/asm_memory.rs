//! The text assembler's memory follows the program it builds, not the
//! length of its input: a counting allocator measures the peak of what
//! `parse` holds while it reads 20 MB lines.
#![allow(unsafe_code, clippy::unwrap_used, clippy::panic)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use bpfkit::asm::parse;

/// The system allocator, counting the bytes live and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call goes to the system allocator with the caller's own
// layout and pointer; the counters are only bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        // SAFETY: the caller's guarantees for `alloc` hold for System's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` came from `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The most `parse(text)` held at once beyond what was live before it.
/// The counters are the whole process's, so this file has one test.
fn peak_of_parse(text: &str) -> (usize, Result<(), String>) {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let result = parse(text).map(drop).map_err(|e| e.to_string());
    (PEAK.load(Ordering::Relaxed) - before, result)
}

const MB: usize = 1 << 20;

#[test]
fn memory_follows_the_program_not_the_text() {
    a_20_mb_line_takes_memory_for_what_it_holds_not_for_its_length();
    a_program_past_the_kernels_limit_stops_early();
}

fn a_20_mb_line_takes_memory_for_what_it_holds_not_for_its_length() {
    let cases = [
        ("one long expression", format!("r0 = 1{}", " + 1".repeat(MB)), true),
        ("a junk word", "x".repeat(20 * MB), false),
        ("a junk number", "9".repeat(20 * MB), false),
        (
            "white space and a comment",
            format!("{}exit # {}", " ".repeat(10 * MB), "c".repeat(10 * MB)),
            true,
        ),
        ("a block comment", format!("/*{}*/ exit", "\n".repeat(4 * MB)), true),
        ("nested parentheses", format!("r0 = 1 + {}1", "(".repeat(20 * MB)), false),
    ];
    for (what, text, ok) in cases {
        let (peak, parsed) = peak_of_parse(&text);
        assert_eq!(parsed.is_ok(), ok, "{what}: {parsed:?}");
        assert!(peak < MB, "{what}: parse held {peak} bytes for a {} byte text", text.len());
    }
}

fn a_program_past_the_kernels_limit_stops_early() {
    // The parser stops at the limit, not at the end of the text.
    let text = "exit;".repeat(1_000_001) + &"junk ".repeat(4 * MB);
    let (peak, parsed) = peak_of_parse(&text);
    let Err(err) = parsed else { panic!("a program past the limit parsed") };
    assert!(err.contains("limit of 1000000"), "{err}");
    assert!(peak < 300 * MB, "parse held {peak} bytes");
}
