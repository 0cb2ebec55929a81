//! The walk over a ring's records against a model that reads the same
//! records laid out in a line, with no ring: every start position, record
//! lengths and kinds drawn at random, records that wrap around the end,
//! and headers the kernel would not write.

use super::*;
use crate::sys::test_rng::Rng;

#[test]
fn the_one_test_of_a_header_is_the_three() {
    for left in (8..=3 * 4096).step_by(8) {
        for len in 0..=usize::from(u16::MAX) {
            let naive = len >= 8 && len % 8 == 0 && len <= left;
            assert_eq!(fits(len, left), naive, "len {len}, left {left}");
        }
    }
}

#[test]
fn a_sample_is_cut_to_its_record() {
    let mut record = vec![0u8; 32];
    record[8..12].copy_from_slice(&16u32.to_ne_bytes());
    record[12] = 7;
    let (time, data) = sample::<false>(&record).unwrap();
    assert_eq!((time, data.len(), data[0]), (0, 16, 7));
    // A size past the record's end gives what the record holds.
    record[8..12].copy_from_slice(&1000u32.to_ne_bytes());
    assert_eq!(sample::<false>(&record).unwrap().1.len(), 20);
    // Timed: the time, then the size.
    record[8..16].copy_from_slice(&99u64.to_ne_bytes());
    record[16..20].copy_from_slice(&4u32.to_ne_bytes());
    assert_eq!(sample::<true>(&record).unwrap(), (99, &record[20..24]));
    // Too short to hold a size.
    assert_eq!(sample::<false>(&record[..8]), None);
    assert_eq!(sample::<true>(&record[..16]), None);
}

/// What a walk hands over, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Got {
    Sample { time: u64, data: Vec<u8> },
    Lost { id: u64, count: u64 },
}

/// A record of `len` bytes (a multiple of 8, at least 8) of kind `kind`,
/// its body filled as the kernel would for a sample or a loss, with a raw
/// size that may claim more than the record holds.
fn record(rng: &mut Rng, kind: u32, len: usize, timed: bool) -> Vec<u8> {
    let mut r = rng.bytes(len);
    r[..4].copy_from_slice(&kind.to_ne_bytes());
    r[6..8].copy_from_slice(&(len as u16).to_ne_bytes());
    let raw_at = if timed { 16 } else { 8 };
    if kind == RECORD_SAMPLE && len >= raw_at + 4 {
        let room = (len - raw_at - 4) as u32;
        // Mostly the truth, now and then less, or more than there is.
        let raw = match rng.below(4) {
            0 => room.saturating_sub(rng.below(8) as u32),
            1 => room + 1 + rng.below(100) as u32,
            _ => room,
        };
        r[raw_at..raw_at + 4].copy_from_slice(&raw.to_ne_bytes());
    }
    r
}

/// The model: the records laid end to end in `line`, read with no ring,
/// up to the first header that is not a record's.
fn model(line: &[u8], timed: bool) -> (usize, Vec<Got>) {
    let mut at = 0;
    let mut got = Vec::new();
    while line.len() - at >= 8 {
        let len = usize::from(u16::from_ne_bytes([line[at + 6], line[at + 7]]));
        if len < 8 || len % 8 != 0 || len > line.len() - at {
            break;
        }
        let r = &line[at..at + len];
        let kind = u32::from_ne_bytes(r[..4].try_into().unwrap());
        let u64_at = |i: usize| u64::from_ne_bytes(r[i..i + 8].try_into().unwrap());
        let raw_at = if timed { 16 } else { 8 };
        if kind == RECORD_SAMPLE && len >= raw_at + 4 {
            let raw = u32::from_ne_bytes(r[raw_at..raw_at + 4].try_into().unwrap()) as usize;
            let body = &r[raw_at + 4..];
            let time = if timed { u64_at(8) } else { 0 };
            got.push(Got::Sample { time, data: body[..raw.min(body.len())].to_vec() });
        } else if kind == RECORD_LOST && len >= 24 {
            got.push(Got::Lost { id: u64_at(8), count: u64_at(16) });
        }
        at += len;
    }
    (at, got)
}

/// Lays `line` into a ring of `size` bytes from position `tail`, walks it
/// up to `head`, and returns the new tail and what was handed over.
fn walk_ring(size: usize, tail: u64, head: u64, line: &[u8], timed: bool) -> (Walked, Vec<Got>) {
    // u64 cells: the data area is 8-aligned, as a mapped one is.
    let mut cells = vec![0u64; size / 8];
    let ring: &mut [u8] = zerocopy::IntoBytes::as_mut_bytes(&mut cells[..]);
    ring.fill(0xee);
    for (i, &b) in line.iter().take(size).enumerate() {
        ring[(tail as usize + i) % size] = b;
    }
    let mut got = Vec::new();
    let mut scratch = Vec::new();
    let sink = |r: PerfRecord<'_>| {
        got.push(match r {
            PerfRecord::Sample { time, data } => Got::Sample { time, data: data.to_vec() },
            PerfRecord::Lost { id, count } => Got::Lost { id, count },
        });
    };
    // SAFETY: `ring` is `size` bytes, 8-aligned, and only read meanwhile.
    let walked = unsafe {
        if timed {
            walk::<true>(ring.as_ptr(), size, tail, head, &mut scratch, sink)
        } else {
            walk::<false>(ring.as_ptr(), size, tail, head, &mut scratch, sink)
        }
    };
    (walked, got)
}

fn samples_in(got: &[Got]) -> usize {
    got.iter().filter(|g| matches!(g, Got::Sample { .. })).count()
}

#[test]
fn every_start_and_every_wrap_reads_as_the_records_in_a_line() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for size in [64usize, 256, 4096] {
        for timed in [false, true] {
            for tail_at in (0..size).step_by(8) {
                for _ in 0..8 {
                    // Records up to a ring's worth: samples mostly, some
                    // losses, some of a kind passed over, lengths from a
                    // bare header to a quarter of the ring.
                    let mut line = Vec::new();
                    loop {
                        let len = 8 * (1 + rng.below((size / 32) as u64) as usize);
                        if line.len() + len > size {
                            break;
                        }
                        let kind = match rng.below(8) {
                            0 => RECORD_LOST,
                            1 => 7,
                            _ => RECORD_SAMPLE,
                        };
                        line.extend(record(&mut rng, kind, len, timed));
                    }
                    // Positions past a first lap, as a long-lived ring's are.
                    let tail = (size * 3 + tail_at) as u64;
                    let head = tail + line.len() as u64;
                    let (walked, got) = walk_ring(size, tail, head, &line, timed);
                    let (len, want) = model(&line, timed);
                    assert_eq!(len, line.len(), "the model stopped early");
                    assert_eq!(got, want, "size {size}, tail {tail}, timed {timed}");
                    assert_eq!(walked, Walked { tail: head, samples: samples_in(&want) });
                }
            }
        }
    }
}

#[test]
fn a_header_the_kernel_would_not_write_stops_the_walk_there() {
    let mut rng = Rng(7);
    let size = 256;
    for tail_at in (0..size).step_by(8) {
        for bad in [0u16, 1, 4, 7, 9, 12, 20, 300, u16::MAX] {
            for before in 0..4 {
                let mut line = Vec::new();
                for _ in 0..before {
                    line.extend(record(&mut rng, RECORD_SAMPLE, 32, false));
                }
                let stop = line.len();
                let mut broken = record(&mut rng, RECORD_SAMPLE, 32, false);
                broken[6..8].copy_from_slice(&bad.to_ne_bytes());
                line.extend(broken);
                line.extend(record(&mut rng, RECORD_SAMPLE, 32, false));
                let tail = tail_at as u64;
                let head = tail + line.len() as u64;
                let (walked, got) = walk_ring(size, tail, head, &line, false);
                let (_, want) = model(&line[..stop], false);
                assert_eq!(got, want, "bad length {bad} at {tail_at}");
                assert_eq!(walked, Walked { tail: tail + stop as u64, samples: before });
            }
        }
    }
}

#[test]
fn a_record_past_the_head_waits_and_a_head_behind_the_tail_reads_nothing() {
    let mut rng = Rng(11);
    let size = 256;
    let line: Vec<u8> = (0..4).flat_map(|_| record(&mut rng, RECORD_SAMPLE, 40, false)).collect();
    for tail_at in (0..size).step_by(8) {
        let tail = tail_at as u64;
        // The head in the middle of the third record (or at an odd byte):
        // two are read, the third waits.
        for cut in [81, 88, 119] {
            let (walked, got) = walk_ring(size, tail, tail + cut, &line, false);
            assert_eq!((walked, got.len()), (Walked { tail: tail + 80, samples: 2 }, 2));
        }
        // A head behind the tail: nothing.
        let (walked, got) = walk_ring(size, tail + 8, tail, &line, false);
        assert_eq!((walked, got.len()), (Walked { tail: tail + 8, samples: 0 }, 0));
    }
    // A head more than a ring ahead: no more than a ring's worth is read.
    let full: Vec<u8> = (0..8).flat_map(|_| record(&mut rng, RECORD_SAMPLE, 32, false)).collect();
    let (walked, got) = walk_ring(size, 16, 16 + 10 * size as u64, &full, false);
    assert_eq!((walked, got.len()), (Walked { tail: 16 + size as u64, samples: 8 }, 8));
}
