//! The clocks a program's load time is read against (clock_gettime(2)).

/// When the system booted, on the wall clock: `CLOCK_REALTIME` minus
/// `CLOCK_BOOTTIME`, in nanoseconds since the Unix epoch. `None` if either
/// clock cannot be read.
pub(crate) fn boot_epoch_nanos() -> Option<i128> {
    let real = now(libc::CLOCK_REALTIME)?;
    let boot = now(libc::CLOCK_BOOTTIME)?;
    Some(real - boot)
}

fn now(clock: libc::clockid_t) -> Option<i128> {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, exclusively borrowed timespec for the call.
    let rc = unsafe { libc::clock_gettime(clock, &mut ts) };
    (rc == 0).then(|| i128::from(ts.tv_sec) * 1_000_000_000 + i128::from(ts.tv_nsec))
}

#[cfg(test)]
mod tests {
    #[test]
    fn boot_was_in_the_past() {
        let boot = super::boot_epoch_nanos().unwrap_or(0);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as i128);
        assert!(boot > 0 && boot <= now, "boot {boot} now {now}");
    }
}
