//! User ring buffers: records user space writes reach a program's drain
//! callback once, in order and intact, also across the ring's end;
//! discarded (and dropped) records never do; a full ring says so and has
//! room again after a drain; lengths that cannot fit and maps of another
//! type are refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use bpfkit::Error;
use bpfkit::asm::{Helper, ProgramBuilder, R0, R1, R2, R3, R4, R5, R6, R7, R8, R10, Size};
use bpfkit::maps::{Global, MapField, MapFlags, RingBuf, UserRingBuf, UserRingBufWriter};
use bpfkit::prog::kind::SocketFilter;
use bpfkit::prog::{Program, ProgramSpec, TestRun};
use common::unique;

/// What the consumer counts: records whose bytes checked out, the sum of
/// their sequence numbers, records whose bytes did not, and records too
/// short to hold the 16-byte head.
#[derive(Debug, Default, PartialEq, Eq)]
struct Counts {
    good: u64,
    sum: u64,
    bad: u64,
    short: u64,
}

/// A consumer program: drains `ring`, checking each record, and returns
/// the drain's result.
struct Consumer {
    prog: Program<SocketFilter>,
    stats: Global<[u64; 4]>,
}

/// The record of sequence number `seq`, `len` (18 or more) bytes: `seq`,
/// `len` as a u32, four zero bytes, then payload whose first byte is
/// `seq`'s low byte and whose last is its complement.
fn record(seq: u64, len: usize) -> Vec<u8> {
    assert!(len >= 18);
    let mut r = vec![0xa5u8; len];
    r[..8].copy_from_slice(&seq.to_ne_bytes());
    r[8..12].copy_from_slice(&(len as u32).to_ne_bytes());
    r[12..16].fill(0);
    r[16] = seq as u8;
    r[len - 1] = !(seq as u8);
    r
}

fn consumer(ring: &UserRingBuf) -> Consumer {
    let stats = Global::create(&unique("urbs"), &[0u64; 4]).unwrap();
    let mut b = ProgramBuilder::new();
    let callback = b.label();
    b.user_ringbuf_drain(ring, callback, 0).exit();

    // callback(record, ctx): read the 16-byte head, then the payload's
    // first and last byte, and check that the record ends there.
    let (bad, short) = (b.label(), b.label());
    let read = |b: &mut ProgramBuilder, len: i32, at: Option<i32>| {
        b.mov64(R1, R10).add64(R1, -24).mov64(R2, len).mov64(R3, R6);
        match at {
            Some(at) => b.mov64(R4, at),
            None => b.mov64(R4, R8), // r8 holds the offset computed before
        };
        b.mov64(R5, 0).call(Helper::DynptrRead);
    };
    b.bind(callback).mov64(R6, R1);
    read(&mut b, 16, Some(0));
    b.jne(R0, 0, short);
    b.ldx(Size::DW, R7, R10, -24); // seq
    b.ldx(Size::W, R8, R10, -16); // the length the record claims
    read(&mut b, 1, Some(16));
    b.jne(R0, 0, bad).ldx(Size::B, R1, R10, -24).mov64(R2, R7).and64(R2, 0xff).jne(R1, R2, bad);
    b.add64(R8, -1);
    read(&mut b, 1, None);
    b.jne(R0, 0, bad).ldx(Size::B, R1, R10, -24).mov64(R2, R7).and64(R2, 0xff).xor64(R2, 0xff);
    b.jne(R1, R2, bad);
    b.add64(R8, 1);
    read(&mut b, 1, None);
    b.jeq(R0, 0, bad); // a byte past the claimed end: the record is longer
    b.ld_map_value(R1, &stats, 0).mov64(R2, 1).atomic_add64(R1, 0, R2);
    b.ld_map_value(R1, &stats, 8).atomic_add64(R1, 0, R7);
    b.mov64(R0, 0).exit();
    b.bind(bad).ld_map_value(R1, &stats, 16).mov64(R2, 1).atomic_add64(R1, 0, R2);
    b.mov64(R0, 0).exit();
    b.bind(short).ld_map_value(R1, &stats, 24).mov64(R2, 1).atomic_add64(R1, 0, R2);
    b.mov64(R0, 0).exit();

    let insns = b.assemble().unwrap();
    let prog = ProgramSpec::typed(SocketFilter, &insns).name("urb_consumer").load().unwrap();
    Consumer { prog, stats }
}

impl Consumer {
    /// Runs the program once: one drain. Returns its result.
    fn drain(&self) -> i32 {
        self.prog.test_run(TestRun::new(&[0u8; 64])).unwrap().retval as i32
    }

    fn counts(&self) -> Counts {
        let [good, sum, bad, short] = self.stats.get();
        Counts { good, sum, bad, short }
    }
}

/// Writes the record of `seq`, `len` bytes long, through `reserve`.
fn write(writer: &mut UserRingBufWriter, seq: u64, len: usize) {
    let mut r = writer.reserve(len).unwrap();
    assert_eq!(r.len(), len);
    r.copy_from_slice(&record(seq, len));
    r.submit();
}

#[test]
fn every_record_reaches_the_program_once_and_intact() {
    require_kernel!();
    let ring = UserRingBuf::create(&unique("urb"), 1 << 16).unwrap();
    let consumer = consumer(&ring);
    let mut writer = ring.writer().unwrap();
    assert_eq!(consumer.drain(), 0, "nothing written yet");
    const N: u64 = 500;
    for seq in 0..N {
        write(&mut writer, seq, 18 + (seq as usize * 7) % 90);
    }
    assert_eq!(consumer.drain(), N as i32);
    assert_eq!(consumer.counts(), Counts { good: N, sum: N * (N - 1) / 2, bad: 0, short: 0 });
    assert_eq!(consumer.drain(), 0, "each record once");
    assert_eq!(writer.free(), 1 << 16, "all room back");
}

#[test]
fn the_programs_checks_catch_a_corrupt_record() {
    require_kernel!();
    let ring = UserRingBuf::create(&unique("urb"), 4096).unwrap();
    let consumer = consumer(&ring);
    let mut writer = ring.writer().unwrap();
    let mut last_byte_wrong = record(1, 30);
    last_byte_wrong[29] ^= 1;
    writer.write(&last_byte_wrong).unwrap();
    let mut longer_than_it_claims = record(2, 30);
    longer_than_it_claims.push(0);
    writer.write(&longer_than_it_claims).unwrap();
    writer.write(&record(3, 30)[..15]).unwrap(); // no room for the head
    assert_eq!(consumer.drain(), 3);
    assert_eq!(consumer.counts(), Counts { bad: 2, short: 1, ..Counts::default() });
}

#[test]
fn discarded_and_dropped_records_never_reach_the_program() {
    require_kernel!();
    let ring = UserRingBuf::create(&unique("urb"), 1 << 14).unwrap();
    let consumer = consumer(&ring);
    let mut writer = ring.writer().unwrap();
    let mut want = Counts::default();
    for seq in 0..300u64 {
        let mut r = writer.reserve(40).unwrap();
        r.copy_from_slice(&record(seq, 40));
        match seq % 3 {
            0 => {
                r.submit();
                want.good += 1;
                want.sum += seq;
            }
            1 => r.discard(),
            _ => drop(r),
        }
        if seq % 100 == 99 {
            // The drain counts what it handed over, not what it skipped.
            assert_eq!(consumer.drain(), if seq == 99 { 34 } else { 33 });
        }
    }
    // A record leaked without being dropped is discarded at the next
    // reservation instead of stopping the program before it for ever.
    let leaked = writer.reserve(40).unwrap();
    std::mem::forget(leaked);
    write(&mut writer, 1000, 40);
    want.good += 1;
    want.sum += 1000;
    assert_eq!(consumer.drain(), 1);
    assert_eq!(consumer.counts(), want);
}

#[test]
fn a_full_ring_says_so_and_has_room_again_after_a_drain() {
    require_kernel!();
    let ring = UserRingBuf::create(&unique("urb"), 4096).unwrap();
    let consumer = consumer(&ring);
    let mut writer = ring.writer().unwrap();
    // 56 bytes and the header: 64 records fill 4096 bytes exactly.
    for seq in 0..64 {
        write(&mut writer, seq, 56);
    }
    assert_eq!(writer.free(), 0);
    let err = writer.reserve(56).unwrap_err();
    let Error::RingFull { needed: 64, free: 0, size: 4096, .. } = &err else {
        panic!("not RingFull: {err:?}")
    };
    let text = err.to_string();
    assert!(text.contains("is full") && text.contains("not drained"), "{text}");
    // Even an empty record needs its header.
    assert!(matches!(writer.reserve(0), Err(Error::RingFull { needed: 8, .. })));

    assert_eq!(consumer.drain(), 64);
    assert_eq!(writer.free(), 4096);
    write(&mut writer, 64, 56);
    assert_eq!(consumer.drain(), 1);
    assert_eq!(consumer.counts(), Counts { good: 65, sum: 64 * 65 / 2, bad: 0, short: 0 });
}

/// Whether `fd` polls writable within `timeout_ms`.
fn writable(fd: std::os::fd::BorrowedFd<'_>, timeout_ms: i32) -> bool {
    use std::os::fd::AsRawFd;
    let mut p = libc::pollfd { fd: fd.as_raw_fd(), events: libc::POLLOUT, revents: 0 };
    // SAFETY: `p` is one live pollfd, and the count says one.
    #[allow(unsafe_code)]
    let n = unsafe { libc::poll(&mut p, 1, timeout_ms) };
    n == 1 && p.revents & libc::POLLOUT != 0
}

#[test]
fn a_producer_waiting_on_a_full_ring_is_woken_by_a_drain() {
    use std::os::fd::AsFd;
    require_kernel!();
    let ring = UserRingBuf::create(&unique("urb"), 4096).unwrap();
    let consumer = consumer(&ring);
    let mut writer = ring.writer().unwrap();
    assert!(writable(writer.as_fd(), 0), "an empty ring has room");
    for seq in 0..64 {
        write(&mut writer, seq, 56);
    }
    assert!(!writable(writer.as_fd(), 0), "a full ring has none");
    std::thread::scope(|s| {
        let waiter = s.spawn(|| {
            let start = std::time::Instant::now();
            (writable(writer.as_fd(), 10_000), start.elapsed())
        });
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert_eq!(consumer.drain(), 64);
        let (woken, waited) = waiter.join().unwrap();
        assert!(woken, "not woken within 10 s");
        assert!(waited >= std::time::Duration::from_millis(40), "woken early: {waited:?}");
    });
    write(&mut writer, 64, 56);
}

#[test]
fn records_that_cross_the_rings_end_arrive_intact() {
    require_kernel!();
    let size = 4096u64;
    let ring = UserRingBuf::create(&unique("urb"), size as u32).unwrap();
    let consumer = consumer(&ring);
    let mut writer = ring.writer().unwrap();
    let (mut seq, mut pos, mut crossed, mut sum) = (0u64, 0u64, 0, 0);
    // Lengths that are no divisor of the ring, drained in batches smaller
    // than it: the ring's end falls inside records lap after lap.
    for round in 0..40 {
        let mut written = 0;
        for _ in 0..5 {
            let len = 18 + ((seq * 37 + round) % 300) as usize;
            let total = (len as u64 + 8).next_multiple_of(8);
            if pos % size + total > size {
                crossed += 1;
            }
            write(&mut writer, seq, len);
            sum += seq;
            pos += total;
            seq += 1;
            written += 1;
        }
        assert_eq!(consumer.drain(), written);
    }
    assert!(crossed >= 5, "only {crossed} records crossed the end");
    assert_eq!(consumer.counts(), Counts { good: seq, sum, bad: 0, short: 0 });
}

#[test]
fn an_empty_record_arrives_empty() {
    require_kernel!();
    let ring = UserRingBuf::create(&unique("urb"), 4096).unwrap();
    let consumer = consumer(&ring);
    let mut writer = ring.writer().unwrap();
    let r = writer.reserve(0).unwrap();
    assert!(r.is_empty());
    r.submit();
    writer.write(&[]).unwrap();
    assert_eq!(consumer.drain(), 2);
    assert_eq!(consumer.counts(), Counts { short: 2, ..Counts::default() });
}

#[test]
fn lengths_that_can_never_fit_are_refused_before_the_ring_is_touched() {
    require_kernel!();
    let ring = UserRingBuf::create(&unique("urb"), 4096).unwrap();
    let mut writer = ring.writer().unwrap();
    // The whole ring, header included, is the largest record.
    for len in [4089, 4096, 1 << 20, usize::MAX] {
        let err = writer.reserve(len).unwrap_err();
        let Error::InvalidArgument { .. } = &err else { panic!("{len}: {err:?}") };
        assert!(err.to_string().contains("holds at most 4088 bytes"), "{err}");
    }
    assert_eq!(writer.free(), 4096, "nothing reserved");
    let r = writer.reserve(4088).unwrap();
    assert_eq!(r.len(), 4088);
    r.discard();

    // A ring larger than a program's dynptr can hold still caps a record.
    let big = UserRingBuf::create(&unique("urbb"), 1 << 25).unwrap();
    let mut writer = big.writer().unwrap();
    let err = writer.reserve(1 << 24).unwrap_err();
    assert!(err.to_string().contains("bpf_dynptr"), "{err}");
    writer.reserve((1 << 24) - 1).unwrap().discard();
}

#[test]
fn maps_of_another_type_are_refused() {
    require_kernel!();
    let kernel_ring = RingBuf::create(&unique("rb"), 4096).unwrap();
    let err = UserRingBuf::from_map(kernel_ring.map().clone()).unwrap_err();
    let Error::MapMismatch { field: MapField::Type, expected, found, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!((expected.as_str(), found.as_str()), ("user_ringbuf", "ringbuf"));

    let pins = common::PinDir::new();
    let array = bpfkit::maps::Array::<u64>::create(&unique("arr"), 1, MapFlags::empty()).unwrap();
    array.map().pin(pins.path("array")).unwrap();
    let err = UserRingBuf::open_pinned(pins.path("array")).unwrap_err();
    assert!(err.to_string().contains("type is array, expected user_ringbuf"), "{err}");
    assert!(err.to_string().contains("pinned at"), "{err}");
    let err = UserRingBuf::from_id(array.map().info().unwrap().id).unwrap_err();
    assert!(matches!(err, Error::MapMismatch { field: MapField::Type, .. }), "{err}");

    // The real thing opens by pin and by id, and writes through either.
    let ring = UserRingBuf::create(&unique("urb"), 4096).unwrap();
    ring.map().pin(pins.path("ring")).unwrap();
    let pinned = UserRingBuf::open_pinned(pins.path("ring")).unwrap();
    let by_id = UserRingBuf::from_id(ring.map().info().unwrap().id).unwrap();
    assert_eq!((pinned.size(), by_id.size()), (4096, 4096));
    let consumer = consumer(&ring);
    write(&mut pinned.writer().unwrap(), 7, 20);
    assert_eq!(consumer.drain(), 1);
    assert_eq!(consumer.counts().sum, 7);
}

#[test]
fn sizes_the_kernel_refuses_are_errors_that_say_why() {
    let err = UserRingBuf::create("urb_bad", 5000).unwrap_err();
    assert!(err.to_string().contains("power of two"), "{err}");
}
