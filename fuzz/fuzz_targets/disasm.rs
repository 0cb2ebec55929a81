//! Bytes in (whole 8-byte slots; a partial last slot is dropped), decoded
//! and printed as `bpfkit disasm` prints them; the text must assemble to
//! the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)] // each target checks one of the properties
#[path = "../properties.rs"]
mod properties;

fuzz_target!(|data: &[u8]| {
    if let Err(broken) = properties::disasm_round_trip(data) {
        panic!("{broken}");
    }
});
