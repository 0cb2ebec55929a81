//! Names of the kernel functions a translated program calls.
//!
//! In the instructions the kernel hands back (`xlated_prog_insns`), a
//! helper or kfunc call no longer holds the helper's id: the verifier
//! replaced it with the function's address less `__bpf_call_base`.
//! `/proc/kallsyms` turns that back into a name (`bpf_ktime_get_ns`, or an
//! inlined variant such as `bpf_user_rnd_u32`), as bpftool does; the dump
//! then reads `call bpf_ktime_get_ns`, LLVM's spelling of a call to a named
//! function. A call of a subprogram names its JIT-compiled code, found at
//! the address the program's `jited_ksyms` give for it
//! (`bpf_prog_<tag>_<function>`).

use std::collections::HashMap;

/// The kernel symbols at the call targets of one program.
pub struct CallSymbols {
    base: u64,
    names: HashMap<u64, String>,
}

impl CallSymbols {
    /// Looks up the targets of calls whose `imm` fields are `imms`, and the
    /// symbols at `addresses`. `None` when `/proc/kallsyms` cannot be read
    /// or hides addresses (`kernel.kptr_restrict`).
    pub fn load(imms: &[i32], addresses: &[u64]) -> Option<CallSymbols> {
        let text = std::fs::read_to_string("/proc/kallsyms").ok()?;
        let symbols = || {
            text.lines().filter_map(|line| {
                let mut fields = line.split_whitespace();
                let addr = u64::from_str_radix(fields.next()?, 16).ok()?;
                let name = fields.nth(1)?;
                Some((addr, name))
            })
        };
        let base = symbols().find(|&(_, name)| name == "__bpf_call_base")?.0;
        if base == 0 {
            return None;
        }
        let mut wanted: Vec<u64> = imms.iter().map(|&imm| target(base, imm)).collect();
        wanted.extend(addresses.iter().filter(|&&a| a != 0));
        let mut names = HashMap::new();
        for (addr, name) in symbols() {
            if wanted.contains(&addr) {
                names.entry(addr).or_insert_with(|| name.to_owned());
            }
        }
        Some(CallSymbols { base, names })
    }

    /// The function a call with this `imm` goes to, if kallsyms names it.
    pub fn name(&self, imm: i32) -> Option<&str> {
        self.name_at(target(self.base, imm))
    }

    /// The symbol at `address`, if kallsyms names one there.
    pub fn name_at(&self, address: u64) -> Option<&str> {
        self.names.get(&address).map(String::as_str)
    }

    /// The address of `__bpf_call_base`, which a helper call's `imm` is
    /// relative to.
    pub fn base(&self) -> u64 {
        self.base
    }
}

fn target(base: u64, imm: i32) -> u64 {
    base.wrapping_add_signed(i64::from(imm))
}

#[cfg(test)]
mod tests {
    use super::target;

    #[test]
    fn targets_are_signed_offsets_from_the_base() {
        assert_eq!(target(0xffff_ffff_814c_a810, 269_488), 0xffff_ffff_8150_c4c0);
        assert_eq!(target(0xffff_ffff_814c_a810, -16), 0xffff_ffff_814c_a800);
    }
}
