//! Text in, `asm::parse` and assemble; if that succeeds, its `Display`
//! must parse and assemble to the same slots and print the same text.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)] // each target checks one of the properties
#[path = "../properties.rs"]
mod properties;

fuzz_target!(|data: &[u8]| {
    // Bytes that are not UTF-8 are not text: nothing to check.
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(broken) = properties::parse_round_trip(text) {
        panic!("{broken}");
    }
});
