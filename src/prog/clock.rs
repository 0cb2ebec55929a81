//! Wall-clock times of kernel events that the kernel records on the boot
//! clock, such as a program's load time.
//!
//! The kernel stamps `load_time` with `CLOCK_BOOTTIME` (nanoseconds since
//! boot, suspend included). bpftool turns it into a date by adding the
//! moment of boot on the wall clock, `CLOCK_REALTIME - CLOCK_BOOTTIME` read
//! now, and prints it in local time; [`WallClock`] does the same, so both
//! tools agree to the second (they may differ by one when the two reads fall
//! on either side of a second boundary).

use std::fmt;
use std::time::Duration;

use crate::sys;

/// A moment on the wall clock, with the local time zone's offset from UTC
/// at that moment.
///
/// Displays as ISO 8601 with a numeric offset, as bpftool prints load
/// times (`strftime("%FT%T%z")`):
///
/// ```
/// use bpfkit::prog::WallClock;
/// let t = WallClock { unix_secs: 1_700_000_000, utc_offset: 3600 };
/// assert_eq!(t.to_string(), "2023-11-14T23:13:20+0100");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WallClock {
    /// Whole seconds since the Unix epoch (what bpftool's JSON prints).
    pub unix_secs: i64,
    /// Seconds east of UTC of the local time zone at that moment.
    pub utc_offset: i32,
}

impl WallClock {
    /// The wall-clock time of a moment given on the boot clock
    /// (`CLOCK_BOOTTIME`), rounded down to the second. `None` if the
    /// clocks cannot be read.
    pub fn from_boot_time(since_boot: Duration) -> Option<WallClock> {
        let nanos = sys::clock::boot_epoch_nanos()? + i128::try_from(since_boot.as_nanos()).ok()?;
        let unix_secs = i64::try_from(nanos.div_euclid(1_000_000_000)).ok()?;
        let utc_offset = sys::clock::utc_offset(unix_secs).unwrap_or(0);
        Some(WallClock { unix_secs, utc_offset })
    }
}

impl fmt::Display for WallClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let local = self.unix_secs + i64::from(self.utc_offset);
        let (days, secs) = (local.div_euclid(86_400), local.rem_euclid(86_400));
        let (year, month, day) = civil_from_days(days);
        let sign = if self.utc_offset < 0 { '-' } else { '+' };
        let off = self.utc_offset.unsigned_abs() / 60;
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}{sign}{:02}{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60,
            off / 60,
            off % 60
        )
    }
}

/// The proleptic Gregorian date of `days` since 1970-01-01 (the algorithm
/// of Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_match_known_days() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(19_675), (2023, 11, 14));
        assert_eq!(civil_from_days(20_512), (2026, 2, 28));
    }

    #[test]
    fn displays_like_strftime() {
        let utc = WallClock { unix_secs: 1_795_604_441, utc_offset: 0 };
        assert_eq!(utc.to_string(), "2026-11-25T11:00:41+0000");
        let west = WallClock { unix_secs: 0, utc_offset: -(3 * 3600 + 30 * 60) };
        assert_eq!(west.to_string(), "1969-12-31T20:30:00-0330");
    }

    #[test]
    fn boot_time_zero_is_in_the_past() {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let boot = WallClock::from_boot_time(Duration::ZERO).map_or(i64::MAX, |t| t.unix_secs);
        assert!(boot <= now, "boot {boot} now {now}");
    }
}
