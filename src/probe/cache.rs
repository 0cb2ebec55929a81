//! The process-wide cache of probe answers: each feature is probed at most
//! once per process, whichever thread asks first.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

use crate::error::Feature;
use crate::sys::Errno;

/// A probe's raw answer: supported or not, or the errno that stopped the
/// probe from answering.
pub(super) type Answer = Result<bool, Errno>;

/// Every answer so far, by feature.
static ANSWERS: OnceLock<Mutex<HashMap<Feature, Answer>>> = OnceLock::new();

/// How many probes have run (not answered from the cache).
static PROBES_RUN: AtomicU64 = AtomicU64::new(0);

/// The cached answer for `what`, or `probe()`'s, stored.
///
/// The lock is held while `probe` runs, so two threads asking at once run
/// one probe; `probe` must therefore not ask the cache itself.
pub(super) fn answer(what: Feature, probe: impl FnOnce() -> Answer) -> Answer {
    let answers = ANSWERS.get_or_init(|| Mutex::new(HashMap::new()));
    // A probe never panics while holding the lock (library code does not
    // panic), and the map stays whole if one did: ignore poisoning.
    let mut answers = answers.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(&known) = answers.get(&what) {
        return known;
    }
    PROBES_RUN.fetch_add(1, Ordering::Relaxed);
    let fresh = probe();
    answers.insert(what, fresh);
    fresh
}

/// How many probes this process has run against the kernel so far.
pub(super) fn probes_run() -> u64 {
    PROBES_RUN.load(Ordering::Relaxed)
}
