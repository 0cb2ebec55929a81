//! The log policy that loading programs and loading BTF share: load
//! without a log first, and only on failure again with a log buffer grown
//! until the whole log fits.
//!
//! The kernel says how much log it needs since 6.4 (`log_true_size`);
//! before, `ENOSPC` means "more". An interrupted load (`EAGAIN`) is tried
//! again a few times.

use std::os::fd::OwnedFd;

use crate::sys::Errno;

/// One load with an optional (log buffer, level): the object or the errno,
/// and the log size the kernel says it needs.
pub(crate) type LoadAttempt<'a> =
    dyn Fn(Option<(&mut [u8], u32)>) -> (Result<OwnedFd, Errno>, u32) + 'a;

/// The first log buffer tried after a failure.
pub(crate) const LOG_START: usize = 64 * 1024;
/// The largest log buffer the kernel accepts (`UINT_MAX >> 2`), and ours.
pub(crate) const LOG_MAX: usize = (u32::MAX >> 2) as usize;
/// How often an interrupted load (`EAGAIN`) is tried again.
const EAGAIN_RETRIES: usize = 5;

/// Calls `f` until it does not fail with `EAGAIN`, a few times at most.
pub(crate) fn retry_eagain(
    mut f: impl FnMut() -> Result<OwnedFd, Errno>,
) -> Result<OwnedFd, Errno> {
    let mut tries = 0;
    loop {
        match f() {
            Err(Errno::EAGAIN) if tries < EAGAIN_RETRIES => tries += 1,
            other => return other,
        }
    }
}

/// Loads with a log at `level` in `buf`, growing the buffer until the
/// whole log fits (or it reaches [`LOG_MAX`]): the outcome of the last load
/// and its log as text.
pub(crate) fn load_logged(
    attempt: &LoadAttempt<'_>,
    buf: &mut Vec<u8>,
    level: u32,
) -> (Result<OwnedFd, Errno>, String) {
    loop {
        buf.fill(0);
        let mut tries = 0;
        let (res, true_size) = loop {
            let out = attempt(Some((&mut buf[..], level)));
            if !matches!(out.0, Err(Errno::EAGAIN)) || tries == EAGAIN_RETRIES {
                break out;
            }
            tries += 1;
        };
        let true_size = true_size as usize;
        let truncated = true_size > buf.len() || matches!(res, Err(Errno::ENOSPC));
        if truncated && buf.len() < LOG_MAX {
            let grown = if true_size > buf.len() { true_size } else { buf.len() * 4 };
            buf.resize(grown.min(LOG_MAX), 0);
            continue;
        }
        return (res, log_text(buf));
    }
}

/// The log in `buf`, up to its NUL.
fn log_text(buf: &[u8]) -> String {
    let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}
