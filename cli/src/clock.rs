//! Load times as bpftool prints them: in local time, as ISO 8601 with a
//! numeric offset (`strftime("%FT%T%z")` of `localtime_r(3)`).
//!
//! The library gives the load time on the wall clock
//! ([`ProgramInfo::loaded_at`](bpfkit::prog::ProgramInfo::loaded_at), the
//! boot-clock stamp plus the moment of boot, as bpftool derives it, so both
//! tools agree to the second); the local time zone and the layout are
//! bpftool's, and live here.
// localtime_r(3) is the one call here; each unsafe block says why it holds.
#![allow(unsafe_code)]

use std::fmt;
use std::time::SystemTime;

/// A moment on the wall clock, with the local time zone's offset from UTC
/// at that moment.
///
/// Displays as bpftool prints load times:
/// `WallClock { unix_secs: 1_700_000_000, utc_offset: 3600 }` is
/// `2023-11-14T23:13:20+0100`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WallClock {
    /// Whole seconds since the Unix epoch (what bpftool's JSON prints).
    pub unix_secs: i64,
    /// Seconds east of UTC of the local time zone at that moment.
    pub utc_offset: i32,
}

impl WallClock {
    /// `at` rounded down to the second, in the local time zone (UTC when
    /// the zone cannot be read). `None` before the epoch or past `i64`.
    pub fn local(at: SystemTime) -> Option<WallClock> {
        let unix_secs =
            i64::try_from(at.duration_since(SystemTime::UNIX_EPOCH).ok()?.as_secs()).ok()?;
        let utc_offset = utc_offset(unix_secs).unwrap_or(0);
        Some(WallClock { unix_secs, utc_offset })
    }
}

/// The local time zone's offset from UTC, in seconds east, at `unix_secs`
/// (`tm_gmtoff` of localtime_r(3), which reads `TZ` and /etc/localtime).
fn utc_offset(unix_secs: i64) -> Option<i32> {
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
    fn whole_seconds_of_the_moment_and_the_offset_within_a_day() {
        let at = SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1_700_000_000_999);
        let t = WallClock::local(at).unwrap_or(WallClock { unix_secs: 0, utc_offset: i32::MAX });
        assert_eq!(t.unix_secs, 1_700_000_000);
        assert!(t.utc_offset.abs() <= 26 * 3600, "{t:?}");
        let before = SystemTime::UNIX_EPOCH - std::time::Duration::from_secs(1);
        assert_eq!(WallClock::local(before), None);
    }

    #[test]
    fn displays_as_bpftool() {
        let t = WallClock { unix_secs: 1_700_000_000, utc_offset: 3600 };
        assert_eq!(t.to_string(), "2023-11-14T23:13:20+0100");
    }
}
