//! The verifier's statistics: how much work a program cost to verify.
//!
//! Every verifier log ends with a `processed ... insns` line; with
//! [`LogLevel::STATS`](super::LogLevel::STATS) the kernel adds the
//! verification time and the stack depth of each subprogram:
//!
//! ```text
//! verification time 37 usec
//! stack depth 8+0
//! processed 12 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 mark_read 1
//! ```
//!
//! [`VerifierStats::parse`] reads those lines; its `Display` writes them
//! back in the kernel's words.

use std::fmt;
use std::time::Duration;

use super::program::Program;

/// The statistics of one verification, as the log's footer gives them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifierStats {
    /// Instructions the verifier processed, counting every path it walked.
    pub insns_processed: u32,
    /// The most it would have processed (`BPF_COMPLEXITY_LIMIT_INSNS`).
    pub insn_limit: u32,
    /// The most states kept for one instruction.
    pub max_states_per_insn: Option<u32>,
    /// States created in total.
    pub total_states: Option<u32>,
    /// The most states alive at once.
    pub peak_states: Option<u32>,
    /// The longest chain of register-liveness marks walked.
    pub mark_read: Option<u32>,
    /// Time spent verifying (only at `LogLevel::STATS`).
    pub verification_time: Option<Duration>,
    /// Stack bytes of the main program and each subprogram, in order
    /// (only at `LogLevel::STATS`; empty otherwise).
    pub stack_depth: Vec<u32>,
}

impl VerifierStats {
    /// The state counters the log had, by the kernel's names
    /// (`max_states_per_insn`, `total_states`, `peak_states`, `mark_read`),
    /// in the order it prints them.
    pub fn counters(&self) -> impl Iterator<Item = (&'static str, u32)> {
        [
            ("max_states_per_insn", self.max_states_per_insn),
            ("total_states", self.total_states),
            ("peak_states", self.peak_states),
            ("mark_read", self.mark_read),
        ]
        .into_iter()
        .filter_map(|(key, value)| Some((key, value?)))
    }

    /// Reads the statistics from a verifier log, or `None` when the log has
    /// no `processed N insns` line (no log, or one cut short).
    pub fn parse(log: &str) -> Option<VerifierStats> {
        let mut stats = VerifierStats::default();
        let mut found = false;
        for line in log.lines().map(str::trim) {
            if let Some(rest) = line.strip_prefix("processed ") {
                found |= stats.read_processed(rest).is_some();
            } else if let Some(rest) = line.strip_prefix("verification time ") {
                let usec = rest.strip_suffix(" usec").and_then(|n| n.trim().parse().ok());
                stats.verification_time = usec.map(Duration::from_micros);
            } else if let Some(rest) = line.strip_prefix("stack depth ") {
                stats.stack_depth = rest.split('+').filter_map(|d| d.trim().parse().ok()).collect();
            }
        }
        found.then_some(stats)
    }

    /// `N insns (limit M) key value key value ...`
    fn read_processed(&mut self, rest: &str) -> Option<()> {
        let (n, rest) = rest.split_once(" insns")?;
        self.insns_processed = n.trim().parse().ok()?;
        let rest = rest.trim_start();
        let rest = match rest.strip_prefix("(limit ") {
            Some(limit) => {
                let (m, after) = limit.split_once(')')?;
                self.insn_limit = m.trim().parse().ok()?;
                after
            }
            None => rest,
        };
        let words: Vec<&str> = rest.split_whitespace().collect();
        for pair in words.chunks(2) {
            let [key, value] = pair else { break };
            let value = value.parse().ok();
            match *key {
                "max_states_per_insn" => self.max_states_per_insn = value,
                "total_states" => self.total_states = value,
                "peak_states" => self.peak_states = value,
                "mark_read" => self.mark_read = value,
                _ => {}
            }
        }
        Some(())
    }
}

impl fmt::Display for VerifierStats {
    /// The kernel's lines: `processed ...`, then the verification time and
    /// the stack depth when the log had them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "processed {} insns (limit {})", self.insns_processed, self.insn_limit)?;
        for (key, value) in self.counters() {
            write!(f, " {key} {value}")?;
        }
        if let Some(time) = self.verification_time {
            write!(f, "\nverification time {} usec", time.as_micros())?;
        }
        if !self.stack_depth.is_empty() {
            let depths: Vec<String> = self.stack_depth.iter().map(u32::to_string).collect();
            write!(f, "\nstack depth {}", depths.join("+"))?;
        }
        Ok(())
    }
}

impl<K> Program<K> {
    /// The verifier's statistics, when the log was kept
    /// ([`ProgramSpec::log_on_success`](super::ProgramSpec::log_on_success);
    /// ask for [`LogLevel::STATS`](super::LogLevel::STATS) to get the time
    /// and stack depth too).
    pub fn verifier_stats(&self) -> Option<VerifierStats> {
        self.verifier_log().and_then(VerifierStats::parse)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATS: &str = "verification time 37 usec\nstack depth 8+16\n\
        processed 12 insns (limit 1000000) max_states_per_insn 1 total_states 2 peak_states 3 \
        mark_read 4\n";

    #[test]
    fn reads_the_stats_footer() {
        let s = VerifierStats::parse(STATS).unwrap();
        assert_eq!(s.insns_processed, 12);
        assert_eq!(s.insn_limit, 1_000_000);
        assert_eq!(
            (s.max_states_per_insn, s.total_states, s.peak_states, s.mark_read),
            (Some(1), Some(2), Some(3), Some(4))
        );
        assert_eq!(s.verification_time, Some(Duration::from_micros(37)));
        assert_eq!(s.stack_depth, [8, 16]);
        // Display gives back the kernel's lines, the counters first.
        assert_eq!(
            s.to_string(),
            "processed 12 insns (limit 1000000) max_states_per_insn 1 total_states 2 \
             peak_states 3 mark_read 4\nverification time 37 usec\nstack depth 8+16"
        );
    }

    #[test]
    fn a_verbose_log_without_stats_lines() {
        let log = "0: R1=ctx() R10=fp0\n0: (b7) r0 = 2\n1: (95) exit\n\
                   processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 \
                   peak_states 0 mark_read 0\n";
        let s = VerifierStats::parse(log).unwrap();
        assert_eq!(s.insns_processed, 2);
        assert_eq!(s.verification_time, None);
        assert!(s.stack_depth.is_empty());
        assert!(!s.to_string().contains("stack depth"));
    }

    #[test]
    fn fields_a_kernel_does_not_print_stay_unknown() {
        let s = VerifierStats::parse("processed 7 insns (limit 131072) total_states 3\n").unwrap();
        assert_eq!((s.insns_processed, s.insn_limit, s.total_states), (7, 131_072, Some(3)));
        assert_eq!((s.max_states_per_insn, s.mark_read), (None, None));
        assert_eq!(VerifierStats::parse("verification time 3 usec\n"), None);
        assert_eq!(VerifierStats::parse(""), None);
        assert_eq!(VerifierStats::parse("processed many insns\n"), None);
    }
}
