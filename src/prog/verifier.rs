//! Verifier logs: find the failing instruction and the kernel's message, and
//! map the instruction back to its origin: the Rust line that emitted it, or
//! its line in assembler text.
//!
//! With log level 1 the kernel keeps only the path that failed: one line per
//! instruction it checked (`5: (79) r1 = *(u64 *)(r0 +0)`), register states
//! (`5: R0=...`, `from 4 to 6: ...`), then the reason, then a footer
//! (`processed 7 insns ...`). Some checks run before any instruction is
//! walked (`unreachable insn 5`, `back-edge from insn 3 to 1`) and name the
//! instruction in the message instead.

/// What the log says: where the verifier stopped and why.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParsedLog {
    /// The failing instruction's index.
    pub index: Option<usize>,
    /// The message lines, first the headline.
    pub message: Vec<String>,
}

/// `N: (xx) ...`: an instruction the verifier walked.
fn insn_line(line: &str) -> Option<usize> {
    let (n, rest) = line.split_once(": ")?;
    let n: usize = n.parse().ok()?;
    let rest = rest.strip_prefix('(')?;
    let (code, _) = rest.split_once(')')?;
    (code.len() == 2 && code.bytes().all(|b| b.is_ascii_hexdigit())).then_some(n)
}

/// Register-state and bookkeeping lines that are neither instructions nor reasons.
fn state_line(line: &str) -> bool {
    let t = line.trim_start();
    if t.starts_with("from ") && t.contains(" to ") && t.contains(':') {
        return true;
    }
    if let Some((n, rest)) = t.split_once(": ") {
        if n.parse::<usize>().is_ok()
            && (rest.starts_with('R') || rest.starts_with("frame") || rest.starts_with("fp"))
        {
            return true;
        }
    }
    t.starts_with("func#")
        || t.starts_with("; ")
        || t.starts_with("last_idx ")
        || t.starts_with("mark_precise")
        || t.starts_with("propagating ")
        || t.starts_with("frame")
        || t.starts_with("caller:")
        || t.starts_with("callee:")
        || t.starts_with("returning from callee")
        || t.starts_with("to caller at")
        || t.starts_with("Validating ")
}

/// The statistics footer the kernel appends to every log.
fn footer_line(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with("processed ")
        || t.starts_with("verification time ")
        || t.starts_with("stack depth ")
        || t.starts_with("max_states_per_insn ")
}

/// `... insn 5 ...` / `... insn 3 to 1`: the first instruction a message names.
fn named_insn(message: &str) -> Option<usize> {
    let at = message.find("insn ")?;
    let digits: String = message[at + 5..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Finds the failing instruction and the message in a verifier log.
pub fn parse_log(log: &str) -> ParsedLog {
    let lines: Vec<&str> = log.lines().map(str::trim_end).collect();
    let last_insn = lines.iter().rposition(|l| insn_line(l).is_some());
    let is_message =
        |l: &&&str| !l.is_empty() && !state_line(l) && !footer_line(l) && insn_line(l).is_none();
    let message: Vec<String> = match last_insn {
        Some(at) => {
            lines[at + 1..].iter().filter(is_message).map(|l| l.trim().to_string()).collect()
        }
        None => lines.iter().filter(is_message).map(|l| l.trim().to_string()).collect(),
    };
    let explicit = message.first().and_then(|m| named_insn(m));
    let index = explicit.or_else(|| last_insn.and_then(|at| insn_line(lines[at])));
    ParsedLog { index, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unchecked_map_value() {
        let log = "func#0 @0\n0: R1=ctx() R10=fp0\n0: (b7) r1 = 0                        ; R1_w=0\n\
                   1: (63) *(u32 *)(r10 -4) = r1          ; R1_w=0 R10=fp0 fp-8=0000????\n\
                   2: (bf) r2 = r10                      ; R2_w=fp0 R10=fp0\n\
                   3: (07) r2 += -4                      ; R2_w=fp-4\n\
                   4: (18) r1 = 0xffff8881064a4c00       ; R1_w=map_ptr(ks=4,vs=8)\n\
                   6: (85) call bpf_map_lookup_elem#1    ; R0_w=map_value_or_null(id=1,ks=4,vs=8)\n\
                   7: (79) r1 = *(u64 *)(r0 +0)\n\
                   R0 invalid mem access 'map_value_or_null'\n\
                   processed 7 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n";
        let p = parse_log(log);
        assert_eq!(p.index, Some(7));
        assert_eq!(p.message, vec!["R0 invalid mem access 'map_value_or_null'".to_string()]);
    }

    #[test]
    fn two_line_message() {
        let log = "0: R1=ctx() R10=fp0\n0: (61) r2 = *(u32 *)(r1 +0)          ; R1=ctx() R2_w=pkt(r=0)\n\
                   1: (71) r0 = *(u8 *)(r2 +0)\n\
                   invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)\n\
                   R2 offset is outside of the packet\n\
                   processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n";
        let p = parse_log(log);
        assert_eq!(p.index, Some(1));
        assert_eq!(p.message.len(), 2);
        assert!(p.message[0].starts_with("invalid access to packet"));
    }

    #[test]
    fn message_that_names_the_insn() {
        let p = parse_log(
            "unreachable insn 2\nverification time 4 usec\nstack depth 0\nprocessed 0 insns\n",
        );
        assert_eq!(p.index, Some(2));
        assert_eq!(p.message, vec!["unreachable insn 2".to_string()]);
        let p = parse_log("back-edge from insn 3 to 1\nprocessed 0 insns\n");
        assert_eq!(p.index, Some(3));
        let p = parse_log(
            "0: R1=ctx() R10=fp0\n0: (05) goto pc-1\ninfinite loop detected at insn 0\nprocessed 1 insns\n",
        );
        assert_eq!(p.index, Some(0));
    }

    #[test]
    fn empty_log() {
        assert_eq!(parse_log(""), ParsedLog::default());
    }
}
