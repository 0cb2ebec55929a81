//! The clocks a program's load time is read against (clock_gettime(2)) and
//! the local time zone's offset (localtime_r(3)).

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

/// The local time zone's offset from UTC, in seconds east, at `unix_secs`
/// (`tm_gmtoff` of localtime_r(3), which reads `TZ` and /etc/localtime).
pub(crate) fn utc_offset(unix_secs: i64) -> Option<i32> {
    // `time_t` is 32 bits on some targets.
    #[allow(clippy::useless_conversion)]
    let t: libc::time_t = unix_secs.try_into().ok()?;
    // SAFETY: `libc::tm` is a C struct of integers and one pointer; all-zero
    // (a null `tm_zone`) is a valid value for it.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are valid for the call; localtime_r writes only
    // into `tm`.
    let out = unsafe { libc::localtime_r(&t, &mut tm) };
    if out.is_null() {
        return None;
    }
    i32::try_from(tm.tm_gmtoff).ok()
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

    #[test]
    fn offset_is_within_a_day() {
        let offset = super::utc_offset(1_700_000_000).unwrap_or(i32::MAX);
        assert!(offset.abs() <= 26 * 3600, "{offset}");
    }
}
