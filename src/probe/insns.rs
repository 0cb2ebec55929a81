//! Probes of what the verifier accepts in a program's instructions: more
//! than 4096 of them, bounded loops, the v2 and v3 ISA jumps.

use super::cache::Answer;
use crate::asm::{AsmError, ProgramBuilder, R0};
use crate::error::InsnFeature;
use crate::sys::{self, Errno, ProgType};

/// `BPF_MAXINSNS`: the old limit on a program's length.
const OLD_LIMIT: usize = 4096;

/// The program that shows `what`: accepted by a kernel that has it.
fn program(what: InsnFeature) -> Result<Vec<u8>, AsmError> {
    let mut b = ProgramBuilder::new();
    match what {
        InsnFeature::LargeProgram => {
            for _ in 0..OLD_LIMIT {
                b.mov64(R0, 1);
            }
            b.exit();
        }
        InsnFeature::BoundedLoops => {
            let top = b.label();
            b.mov64(R0, 10).bind(top).sub64(R0, 1).jne(R0, 0, top).exit();
        }
        InsnFeature::IsaV2 => {
            let out = b.label();
            b.mov64(R0, 0).jlt(R0, 1, out).mov64(R0, 1).bind(out).exit();
        }
        InsnFeature::IsaV3 => {
            let out = b.label();
            b.mov32(R0, 0).jlt32(R0, 1, out).mov32(R0, 1).bind(out).exit();
        }
    }
    Ok(b.assemble()?.as_bytes().to_vec())
}

/// Whether the kernel loads the program that shows `what`.
pub(super) fn insns(what: InsnFeature) -> Answer {
    let insns = program(what).map_err(|_| Errno::EINVAL)?;
    let prog_type = if what == InsnFeature::LargeProgram {
        ProgType::SCHED_CLS
    } else {
        ProgType::SOCKET_FILTER
    };
    let (result, _) = sys::prog::load(sys::prog::LoadArgs {
        prog_type: prog_type.0,
        expected_attach_type: 0,
        insns: &insns,
        license: c"GPL",
        name: [0; 16],
        flags: 0,
        kern_version: 0,
        ifindex: 0,
        attach_btf_id: 0,
        attach_fd: None,
        btf: None,
        line_info: &[],
        log: None,
    });
    match result {
        Ok(_) => Ok(true),
        Err(Errno::EPERM) => Err(Errno::EPERM),
        // E2BIG: too long; EINVAL: an unknown opcode; EACCES: a back edge.
        Err(Errno::E2BIG | Errno::EINVAL | Errno::EACCES) => Ok(false),
        Err(errno) => Err(errno),
    }
}
