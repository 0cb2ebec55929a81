//! Spin locks in map values, in the kernel: a value declared with
//! `btf_struct!` holding a `BpfSpinLock`, a map created with its BTF,
//! programs that take the lock, and `BPF_F_LOCK` reads and writes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use bpfkit::Error;
use bpfkit::asm::{Helper, ProgramBuilder, R0, R1, R2, R6, R10, Size};
use bpfkit::btf::{BpfSpinLock, BtfDescribe};
use bpfkit::btf_struct;
use bpfkit::maps::{Array, HashMap, MapFlags, UpdateMode};
use bpfkit::prog::{ProgType, Program, ProgramSpec, TestRun};
use bpfkit::zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};
use std::sync::atomic::{AtomicBool, Ordering};

btf_struct! {
    /// Two counters the lock keeps equal.
    #[derive(Clone, Copy, Debug, Default, PartialEq, FromBytes, IntoBytes, Immutable, KnownLayout)]
    struct Pair {
        lock: BpfSpinLock,
        pad: u32,
        a: u64,
        b: u64,
    }
}

/// The offset of the lock and of the two counters in `Pair`.
const LOCK: i32 = 0;
const A: i16 = 8;
const B: i16 = 16;

/// Looks up element 0 of `pairs` and, unless `leave_locked`, increments
/// both counters under the lock; with `leave_locked`, exits holding it.
/// Returns the builder and the line that emitted the exit.
fn increment(pairs: &Array<Pair>, leave_locked: bool) -> (ProgramBuilder, u32) {
    let mut b = ProgramBuilder::new();
    let out = b.label();
    b.st(Size::W, R10, -4, 0)
        .mov64(R2, R10)
        .add64(R2, -4)
        .ld_map_fd(R1, pairs)
        .call(Helper::MapLookupElem)
        .jeq(R0, 0, out)
        .mov64(R6, R0)
        .spin_lock(R6, LOCK)
        .ldx(Size::DW, R1, R6, A)
        .add64(R1, 1)
        .stx(Size::DW, R6, A, R1)
        .ldx(Size::DW, R1, R6, B)
        .add64(R1, 1)
        .stx(Size::DW, R6, B, R1);
    if !leave_locked {
        b.spin_unlock(R6, LOCK);
    }
    b.bind(out).mov64(R0, 2);
    let exit = line!() + 1;
    b.exit();
    (b, exit)
}

fn load(b: &ProgramBuilder, name: &str) -> Result<Program, Error> {
    let insns = b.assemble().unwrap();
    ProgramSpec::new(ProgType::XDP, &insns).name(name).load()
}

#[test]
fn the_lock_is_found_by_the_type() {
    const FOUND: [bool; 2] = [Pair::HAS_SPIN_LOCK, u64::HAS_SPIN_LOCK];
    assert_eq!(FOUND, [true, false]);
}

#[test]
fn two_threads_increment_a_locked_pair_and_every_locked_read_sees_them_equal() {
    require_kernel!();
    let pairs =
        Array::<Pair>::create_with_btf(&common::unique("sl"), 1, MapFlags::empty()).unwrap();
    let (b, _) = increment(&pairs, false);
    let prog = load(&b, "sl_increment").unwrap();
    let (threads, runs) = (2usize, 200_000u32);
    let start = std::sync::Barrier::new(threads + 1);
    let done = AtomicBool::new(false);
    let snapshots = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let packet = [0u8; 64];
                    start.wait();
                    prog.test_run(TestRun::new(&packet).repeat(runs)).unwrap();
                })
            })
            .collect();
        let reader = s.spawn(|| {
            start.wait();
            let mut seen = Vec::new();
            while !done.load(Ordering::Relaxed) {
                seen.push(pairs.get_locked(0).unwrap());
            }
            seen
        });
        for w in workers {
            w.join().unwrap();
        }
        done.store(true, Ordering::Relaxed);
        reader.join().unwrap()
    });
    let total = threads as u64 * u64::from(runs);
    let last = pairs.get_locked(0).unwrap();
    assert_eq!((last.a, last.b), (total, total));
    assert!(!snapshots.is_empty());
    let torn: Vec<_> = snapshots.iter().filter(|p| p.a != p.b).collect();
    assert!(
        torn.is_empty(),
        "{} of {} locked reads saw a != b: {:?}",
        torn.len(),
        snapshots.len(),
        &torn[..torn.len().min(3)]
    );
    // Snapshots taken while the programs ran, not only after.
    assert!(snapshots.iter().any(|p| p.a > 0 && p.a < total), "no read overlapped the runs");
}

#[test]
fn a_locked_write_leaves_the_lock_and_sets_the_rest() {
    require_kernel!();
    let pairs =
        Array::<Pair>::create_with_btf(&common::unique("sl"), 2, MapFlags::empty()).unwrap();
    pairs.set_locked(1, &Pair { a: 5, b: 6, ..Pair::default() }).unwrap();
    assert_eq!(pairs.get_locked(1).unwrap(), Pair { a: 5, b: 6, ..Pair::default() });
    assert!(pairs.get_locked(2).is_err());

    let hash =
        HashMap::<u32, Pair>::create_with_btf(&common::unique("sl"), 4, MapFlags::empty()).unwrap();
    assert_eq!(hash.get_locked(&1).unwrap(), None);
    hash.insert_locked(&1, &Pair { a: 1, b: 2, ..Pair::default() }, UpdateMode::NoExist).unwrap();
    assert_eq!(hash.get_locked(&1).unwrap().map(|p| (p.a, p.b)), Some((1, 2)));
}

#[test]
fn locked_access_is_refused_for_values_without_a_lock() {
    require_kernel!();
    // Not described: the type says there is no lock, before any system call.
    let plain = Array::<u64>::create_with_btf(&common::unique("sl"), 1, MapFlags::empty()).unwrap();
    let Err(Error::InvalidArgument { what, why }) = plain.get_locked(0) else { panic!() };
    assert_eq!(what, "BPF_F_LOCK");
    assert!(why.contains("u64") && why.contains("BpfSpinLock"), "{why}");
    // A lock in the type but a map created without BTF: the kernel's EINVAL, explained.
    let no_btf = Array::<Pair>::create(&common::unique("sl"), 1, MapFlags::empty()).unwrap();
    let Err(Error::InvalidArgument { why, .. }) = no_btf.get_locked(0) else { panic!() };
    assert!(why.contains("create_with_btf"), "{why}");
}

#[test]
fn exiting_with_the_lock_held_is_rejected_at_the_exit() {
    require_kernel!();
    let pairs =
        Array::<Pair>::create_with_btf(&common::unique("sl"), 1, MapFlags::empty()).unwrap();
    let (b, exit_line) = increment(&pairs, true);
    let Err(Error::Verifier(e)) = load(&b, "sl_held") else { panic!("the verifier accepted it") };
    let exit_index = b.assemble().unwrap().len() - 1;
    assert_eq!(e.index, Some(exit_index), "{e}");
    let loc = e.location.expect("a Rust location");
    assert_eq!((loc.file(), loc.line()), (Some(file!()), exit_line), "{e}");
    // 6.18: "BPF_EXIT instruction in main prog cannot be used inside
    // bpf_spin_lock-ed region"; kernels before 6.3: "bpf_spin_unlock is missing".
    assert!(e.message.contains("bpf_spin_lock") || e.message.contains("bpf_spin_unlock"), "{e}");
    let shown = e.to_string();
    assert!(shown.contains(&format!("{}:{}", file!(), exit_line)), "{shown}");
}

btf_struct! {
    /// A lock one struct down: the kernel looks into nested structs.
    #[derive(Clone, Copy, Debug, Default, PartialEq, FromBytes, IntoBytes, Immutable, KnownLayout)]
    struct Outer {
        n: u64,
        inner: Pair,
    }
}

#[test]
fn a_lock_in_a_nested_struct_is_found_by_the_kernel_too() {
    require_kernel!();
    const { assert!(Outer::HAS_SPIN_LOCK) };
    let outer =
        Array::<Outer>::create_with_btf(&common::unique("sl"), 1, MapFlags::empty()).unwrap();
    let v = Outer { n: 3, inner: Pair { a: 4, b: 4, ..Pair::default() } };
    outer.set_locked(0, &v).unwrap();
    assert_eq!(outer.get_locked(0).unwrap(), v);
}
