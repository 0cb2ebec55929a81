//! Stopping a command that runs until interrupted (`map event_pipe`):
//! SIGINT, SIGHUP and SIGTERM set a flag the command's loop reads, as
//! bpftool's handler does. Installing the handler is the one `unsafe`
//! here.
#![allow(unsafe_code)]

use std::sync::atomic::{AtomicBool, Ordering};

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    // Async-signal-safe: one atomic store.
    STOP.store(true, Ordering::Relaxed);
}

/// Installs the handler on SIGINT, SIGHUP and SIGTERM; from then on
/// [`stopped`] says whether one of them came.
pub fn catch_stop_signals() {
    for signal in [libc::SIGINT, libc::SIGHUP, libc::SIGTERM] {
        // SAFETY: `on_signal` is an `extern "C"` function that only stores
        // to an atomic, which is async-signal-safe; replacing the default
        // disposition of these signals affects nothing else in bpfkit.
        unsafe {
            libc::signal(signal, on_signal as *const () as libc::sighandler_t);
        }
    }
}

/// Whether a stop signal has come since [`catch_stop_signals`].
pub fn stopped() -> bool {
    STOP.load(Ordering::Relaxed)
}
