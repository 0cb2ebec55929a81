//! The drain against a model that reads the same records laid out in a
//! line, with no ring: every start position, random lengths, discarded
//! and busy records, records that wrap around the end of the data area,
//! and lengths past what the producer published.
//!
//! The ring's pages are a memfd laid out as the kernel maps a ring buffer,
//! its data area written twice in a row: what the kernel's double mapping
//! shows, so the drain runs unchanged over it.

use std::fs::File;
use std::os::fd::{AsFd, FromRawFd, OwnedFd};
use std::os::unix::fs::FileExt;

use super::*;
use crate::sys::test_rng::Rng;

/// A ring of `size` data bytes in a memfd, and the file to write it with.
struct Fake {
    file: File,
    ring: Ring,
    size: usize,
    page: usize,
}

impl Fake {
    fn new(size: usize) -> Fake {
        let page = page_size();
        // SAFETY: the name is a C string; the fd returned is new and ours.
        let fd = unsafe { libc::memfd_create(c"bpfkit-ring-test".as_ptr(), libc::MFD_CLOEXEC) };
        assert!(fd >= 0, "memfd_create: {}", std::io::Error::last_os_error());
        // SAFETY: `fd` is open and owned by nothing else.
        let file = File::from(unsafe { OwnedFd::from_raw_fd(fd) });
        file.set_len((2 * page + 2 * size) as u64).unwrap();
        // Garbage where no record was written, so reading there shows.
        file.write_all_at(&vec![0xee; 2 * size], (2 * page) as u64).unwrap();
        let consumer = Mmap::map_at(file.as_fd(), 0, page, true).unwrap();
        let producer = Mmap::map_at(file.as_fd(), page, page + 2 * size, false).unwrap();
        let ring = Ring { consumer, producer, mask: size as u64 - 1, data: page };
        Fake { file, ring, size, page }
    }

    fn set_positions(&self, consumer: u64, producer: u64) {
        self.file.write_all_at(&consumer.to_ne_bytes(), 0).unwrap();
        self.file.write_all_at(&producer.to_ne_bytes(), self.page as u64).unwrap();
    }

    fn consumer(&self) -> u64 {
        self.ring.consumer.read::<u64>(0).unwrap()
    }

    /// Writes `bytes` from position `at`, wrapping, into both copies.
    fn put(&self, at: u64, bytes: &[u8]) {
        let start = at as usize & (self.size - 1);
        let (head, tail) = bytes.split_at(bytes.len().min(self.size - start));
        for copy in [0, self.size] {
            let base = 2 * self.page + copy;
            self.file.write_all_at(head, (base + start) as u64).unwrap();
            self.file.write_all_at(tail, base as u64).unwrap();
        }
    }

    /// Drains, owning what was handed out.
    fn drain(&mut self) -> (Drained, Vec<Vec<u8>>) {
        let mut got = Vec::new();
        let done = self.ring.drain(|r| {
            got.push(r.to_vec());
            true
        });
        (done, got)
    }
}

/// A record as a producer leaves it.
#[derive(Clone, Debug)]
enum Rec {
    Committed(Vec<u8>),
    Discarded(Vec<u8>),
    Busy(Vec<u8>),
}

impl Rec {
    fn body(&self) -> &[u8] {
        match self {
            Rec::Committed(b) | Rec::Discarded(b) | Rec::Busy(b) => b,
        }
    }

    /// Header and body, padded to 8 bytes with garbage.
    fn bytes(&self) -> Vec<u8> {
        let body = self.body();
        let bits = match self {
            Rec::Committed(_) => 0,
            Rec::Discarded(_) => DISCARD,
            Rec::Busy(_) => BUSY,
        };
        let mut r = (body.len() as u32 | bits).to_ne_bytes().to_vec();
        // The page offset the kernel keeps there; the reader ignores it.
        r.extend(0x1234_5678u32.to_ne_bytes());
        r.extend(body);
        r.resize(span(body.len()) as usize, 0xdd);
        r
    }
}

/// The room a record of `len` bytes takes.
fn span(len: usize) -> u64 {
    (len as u64 + HEADER).next_multiple_of(8)
}

/// Lays `recs` from position `at`; returns where they end.
fn lay(fake: &Fake, at: u64, recs: &[Rec]) -> u64 {
    let line: Vec<u8> = recs.iter().flat_map(Rec::bytes).collect();
    fake.put(at, &line);
    at + line.len() as u64
}

/// The model: the committed records up to the first busy one, the
/// discarded ones passed over, and where the reader stops.
fn model(at: u64, recs: &[Rec]) -> (Drained, Vec<Vec<u8>>, u64) {
    let (mut done, mut got, mut pos) = (Drained::default(), Vec::new(), at);
    for r in recs {
        match r {
            Rec::Busy(_) => break,
            Rec::Discarded(_) => done.discarded += 1,
            Rec::Committed(b) => {
                done.records += 1;
                got.push(b.clone());
            }
        }
        pos += span(r.body().len());
    }
    (done, got, pos)
}

#[test]
fn every_start_reads_the_records_in_a_line_whole_and_never_the_discarded() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut crossed = 0;
    for size in [64usize, 256, 4096] {
        let mut fake = Fake::new(size);
        for start in (0..size).step_by(8) {
            for _ in 0..4 {
                // Up to a ring's worth; lengths from none to a quarter of
                // the ring, not all multiples of 8; one in six discarded.
                let mut recs = Vec::new();
                let mut used = 0;
                loop {
                    let len = rng.below((size / 4) as u64) as usize;
                    if used + span(len) > size as u64 {
                        break;
                    }
                    let at = (start as u64 + used) % size as u64;
                    if at + span(len) > size as u64 {
                        crossed += 1;
                    }
                    used += span(len);
                    let body = rng.bytes(len);
                    recs.push(if rng.below(6) == 0 {
                        Rec::Discarded(body)
                    } else {
                        Rec::Committed(body)
                    });
                }
                // Positions past a first lap, as a long-lived ring's are.
                let at = (3 * size + start) as u64;
                let end = lay(&fake, at, &recs);
                fake.set_positions(at, end);
                let (done, got) = fake.drain();
                let (want_done, want, stop) = model(at, &recs);
                assert_eq!(stop, end);
                assert_eq!(got, want, "size {size}, start {start}");
                assert_eq!(done, want_done, "size {size}, start {start}");
                assert_eq!(fake.consumer(), end);
                // Nothing more until the producer moves.
                assert_eq!(fake.drain(), (Drained::default(), Vec::new()));
            }
        }
    }
    assert!(crossed > 1000, "only {crossed} records crossed the end");
}

#[test]
fn a_busy_record_stops_the_drain_until_its_bit_clears() {
    let mut rng = Rng(5);
    let size = 256;
    let mut fake = Fake::new(size);
    for start in (0..size).step_by(8) {
        for busy in 0..5 {
            let mut recs = Vec::new();
            for _ in 0..5 {
                let len = rng.below(40) as usize;
                recs.push(Rec::Committed(rng.bytes(len)));
            }
            let body = recs[busy].body().to_vec();
            recs[busy] = Rec::Busy(body.clone());
            let at = (size + start) as u64;
            let end = lay(&fake, at, &recs);
            fake.set_positions(at, end);
            let (done, got, stop) = model(at, &recs);
            assert_eq!(fake.drain(), (done, got), "busy {busy} at {start}");
            assert_eq!(fake.consumer(), stop);
            // Still busy: the records after it, committed, wait.
            assert_eq!(fake.drain(), (Drained::default(), Vec::new()));
            assert_eq!(fake.consumer(), stop);
            // Committed now: it and the rest arrive.
            recs[busy] = Rec::Committed(body);
            lay(&fake, stop, &recs[busy..]);
            let (done, got, _) = model(stop, &recs[busy..]);
            assert_eq!(fake.drain(), (done, got));
            assert_eq!(fake.consumer(), end);
        }
    }
}

#[test]
fn discarded_records_are_counted_and_never_handed_out() {
    let mut rng = Rng(9);
    let size = 4096;
    let mut fake = Fake::new(size);
    let recs: Vec<Rec> = (0..20).map(|_| Rec::Discarded(rng.bytes(100))).collect();
    let at = (size - 200) as u64;
    let end = lay(&fake, at, &recs);
    fake.set_positions(at, end);
    let mut calls = 0;
    let done = fake.ring.drain(|_| {
        calls += 1;
        true
    });
    assert_eq!((calls, done), (0, Drained { records: 0, discarded: 20 }));
    assert_eq!(fake.consumer(), end);
}

#[test]
fn a_length_past_what_is_published_stops_the_drain_there() {
    let mut rng = Rng(13);
    let size = 256;
    let mut fake = Fake::new(size);
    for start in (0..size).step_by(8) {
        let recs: Vec<Rec> = (0..3).map(|_| Rec::Committed(rng.bytes(20))).collect();
        let at = start as u64;
        let end = lay(&fake, at, &recs);
        let broken = at + span(20);
        // The second record's header claims more than the producer
        // published from there (that is, more than the second and third
        // records together hold).
        let left = end - broken;
        for bad in [left - 7, left, size as u64, 2 * size as u64, u64::from(!(BUSY | DISCARD))] {
            fake.set_positions(at, end);
            fake.put(broken, &(bad as u32).to_ne_bytes());
            let (done, got) = fake.drain();
            assert_eq!(done, Drained { records: 1, discarded: 0 }, "length {bad} at {start}");
            assert_eq!(got, [recs[0].body()]);
            assert_eq!(fake.consumer(), broken);
            // Nor on a second look.
            assert_eq!(fake.drain(), (Drained::default(), Vec::new()));
        }
    }
}

#[test]
fn a_callback_that_says_stop_leaves_the_rest_for_the_next_drain() {
    let mut rng = Rng(17);
    let size = 256;
    let mut fake = Fake::new(size);
    let recs: Vec<Rec> = (0..6).map(|_| Rec::Committed(rng.bytes(24))).collect();
    let at = (size - 40) as u64;
    let end = lay(&fake, at, &recs);
    fake.set_positions(at, end);
    let mut got = Vec::new();
    let done = fake.ring.drain(|r| {
        got.push(r.to_vec());
        got.len() < 2
    });
    assert_eq!(done, Drained { records: 2, discarded: 0 });
    assert_eq!(fake.consumer(), at + 2 * span(24));
    let (done, rest) = fake.drain();
    assert_eq!(done.records, 4);
    got.extend(rest);
    assert_eq!(got, recs.iter().map(|r| r.body().to_vec()).collect::<Vec<_>>());
    assert_eq!(fake.consumer(), end);
}
