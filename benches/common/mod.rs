//! What the benches share: pinning to one CPU, and the paired measurement
//! of `raw` and `bpfkit` that the ratio targets are judged by.
//!
//! On the VM these run on, the speed of one syscall drifts by 10–15% from
//! one second to the next, while criterion measures `raw` and `bpfkit` in
//! windows seconds apart. So each timed block of one function (about 50 µs
//! of iterations) follows a block of the other that is timed too: the
//! pairs, taken in the same moments, give a ratio the drift cannot move.

#[allow(dead_code)] // only the load benches use it
pub mod raw_load;

use std::cell::RefCell;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{BenchmarkGroup, measurement::WallTime};

/// Pins the calling thread (criterion measures on it) to the last online
/// CPU, so no sample straddles a migration between cores.
pub fn pin_to_one_cpu() {
    // SAFETY: sysconf has no preconditions.
    #[allow(unsafe_code)]
    let cpus = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
    let Ok(last) = usize::try_from(cpus - 1) else { return };
    // SAFETY: a zeroed cpu_set_t is the empty set; CPU_SET writes inside it.
    #[allow(unsafe_code)]
    let ok = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(last, &mut set);
        libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &set) == 0
    };
    if !ok {
        eprintln!("benches: could not pin to CPU {last}; numbers will be noisier");
    }
}

/// Registers `raw` and `bpfkit` in `g` (named `group`), each timed block
/// of one next to a timed block of the other, then reports the paired
/// ratio.
#[allow(dead_code)] // not every bench pairs whole calls
pub fn paired(
    g: &mut BenchmarkGroup<'_, WallTime>,
    group: &str,
    mut raw: impl FnMut(),
    mut bpfkit: impl FnMut(),
) {
    let block = block_len(&mut raw);
    // (raw, bpfkit) time of every criterion sample, both functions' runs.
    let samples = RefCell::new(Vec::<(Duration, Duration)>::new());
    let mut run = |iters: u64, raw_first: bool| {
        let (mut raw_total, mut bpfkit_total) = (Duration::ZERO, Duration::ZERO);
        let mut left = iters;
        while left > 0 {
            let n = left.min(block);
            left -= n;
            let time = |f: &mut dyn FnMut()| {
                let start = Instant::now();
                for _ in 0..n {
                    f();
                }
                start.elapsed()
            };
            if raw_first {
                raw_total += time(&mut raw);
                bpfkit_total += time(&mut bpfkit);
            } else {
                bpfkit_total += time(&mut bpfkit);
                raw_total += time(&mut raw);
            }
        }
        samples.borrow_mut().push((raw_total, bpfkit_total));
        (raw_total, bpfkit_total)
    };
    // Each function's timed block comes second, after its partner's.
    g.bench_function("raw", |b| b.iter_custom(|iters| run(iters, false).0));
    g.bench_function("bpfkit", |b| b.iter_custom(|iters| run(iters, true).1));
    report(group, &samples.into_inner());
}

/// How long one block of one function runs before the other's block.
const BLOCK: Duration = Duration::from_micros(50);

/// The iterations in a block: as many as take about [`BLOCK`], at least
/// one. Alternating single sub-microsecond calls made each run on branch
/// predictors and caches its partner had just trained (the longer code
/// path paid more: 3–4% on `array_lookup`, against 1% in loops of one
/// kind); 50 µs blocks warm up, and a pair of them still falls within one
/// moment of the drift.
fn block_len(f: &mut dyn FnMut()) -> u64 {
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let start = Instant::now();
        f();
        best = best.min(start.elapsed());
    }
    let n = BLOCK.as_nanos() / best.as_nanos().max(1);
    u64::try_from(n).unwrap_or(u64::MAX).clamp(1, 4096)
}

/// Prints the median of the per-sample ratios bpfkit/raw and writes it to
/// `<criterion dir>/<group>/paired.json` beside criterion's own estimates.
fn report(group: &str, samples: &[(Duration, Duration)]) {
    let mut ratios: Vec<f64> = samples
        .iter()
        .filter(|(raw, _)| !raw.is_zero())
        .map(|(raw, bpfkit)| bpfkit.as_secs_f64() / raw.as_secs_f64())
        .collect();
    if ratios.is_empty() {
        return; // filtered out, or skipped
    }
    ratios.sort_by(f64::total_cmp);
    let median = ratios[ratios.len() / 2];
    let (low, high) = (ratios[ratios.len() / 10], ratios[ratios.len() * 9 / 10]);
    eprintln!(
        "{group}: paired bpfkit/raw = {median:.3} (median of {} samples; 10–90%: {low:.3}–{high:.3})",
        ratios.len()
    );
    let dir = criterion_dir().join(group);
    let json = format!(
        "{{\"ratio_median\":{median},\"ratio_p10\":{low},\"ratio_p90\":{high},\"samples\":{}}}\n",
        ratios.len()
    );
    if let Err(e) =
        std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(dir.join("paired.json"), json))
    {
        eprintln!("{group}: could not write paired.json: {e}");
    }
}

/// Where criterion writes: `$CRITERION_HOME`, else `<target>/criterion`.
fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return home.into();
    }
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from);
    target.join("criterion")
}

/// [`paired`] for functions that each need their setup first, untimed (a
/// ring refilled before each drain): every call of `raw` and `bpfkit` is
/// timed on its own, right after its own setup, the two alternating.
#[allow(dead_code)]
pub fn paired_with_setup(
    g: &mut BenchmarkGroup<'_, WallTime>,
    group: &str,
    (mut setup_raw, mut raw): (impl FnMut(), impl FnMut()),
    (mut setup_bpfkit, mut bpfkit): (impl FnMut(), impl FnMut()),
) {
    let samples = RefCell::new(Vec::<(Duration, Duration)>::new());
    let mut run = |iters: u64, raw_first: bool| {
        let (mut raw_total, mut bpfkit_total) = (Duration::ZERO, Duration::ZERO);
        let timed = |setup: &mut dyn FnMut(), f: &mut dyn FnMut()| {
            setup();
            let start = Instant::now();
            f();
            start.elapsed()
        };
        for _ in 0..iters {
            if raw_first {
                raw_total += timed(&mut setup_raw, &mut raw);
                bpfkit_total += timed(&mut setup_bpfkit, &mut bpfkit);
            } else {
                bpfkit_total += timed(&mut setup_bpfkit, &mut bpfkit);
                raw_total += timed(&mut setup_raw, &mut raw);
            }
        }
        samples.borrow_mut().push((raw_total, bpfkit_total));
        (raw_total, bpfkit_total)
    };
    g.bench_function("raw", |b| b.iter_custom(|iters| run(iters, false).0));
    g.bench_function("bpfkit", |b| b.iter_custom(|iters| run(iters, true).1));
    report(group, &samples.into_inner());
}
