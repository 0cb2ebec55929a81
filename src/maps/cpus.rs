//! The number of possible CPUs: per-CPU maps hold one value for each.

use std::sync::OnceLock;

use crate::error::{Error, Result};

const POSSIBLE: &str = "/sys/devices/system/cpu/possible";

/// How many CPUs the kernel could ever bring online (`/sys/devices/system/cpu/possible`).
///
/// Per-CPU map lookups return this many values. Read once per process.
pub fn possible_cpus() -> Result<usize> {
    static CACHE: OnceLock<usize> = OnceLock::new();
    if let Some(n) = CACHE.get() {
        return Ok(*n);
    }
    let text = std::fs::read_to_string(POSSIBLE)
        .map_err(|source| Error::Io { what: format!("reading {POSSIBLE}"), source })?;
    let n = parse_cpu_list(&text).ok_or_else(|| Error::Io {
        what: format!("parsing {POSSIBLE}"),
        source: std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("unexpected contents {text:?}"),
        ),
    })?;
    Ok(*CACHE.get_or_init(|| n))
}

/// The number of CPUs in a kernel CPU list such as `"0-3,8,10-11"`: the
/// highest id plus one, since per-CPU values are indexed by CPU id.
pub(crate) fn parse_cpu_list(text: &str) -> Option<usize> {
    let mut highest = None;
    for part in text.trim().split(',') {
        let last = match part.split_once('-') {
            Some((lo, hi)) => {
                let (lo, hi) = (lo.parse::<usize>().ok()?, hi.parse::<usize>().ok()?);
                if hi < lo {
                    return None;
                }
                hi
            }
            None => part.parse::<usize>().ok()?,
        };
        highest = Some(highest.map_or(last, |h: usize| h.max(last)));
    }
    highest.map(|h| h + 1)
}

#[cfg(test)]
mod tests {
    use super::parse_cpu_list;

    #[test]
    fn cpu_lists() {
        assert_eq!(parse_cpu_list("0\n"), Some(1));
        assert_eq!(parse_cpu_list("0-1\n"), Some(2));
        assert_eq!(parse_cpu_list("0-3,8,10-11"), Some(12));
        assert_eq!(parse_cpu_list(""), None);
        assert_eq!(parse_cpu_list("3-1"), None);
        assert_eq!(parse_cpu_list("x"), None);
    }

    #[test]
    fn this_machine_has_at_least_one() {
        assert!(super::possible_cpus().unwrap() >= 1);
    }
}
