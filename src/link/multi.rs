//! What a multi-program hook (tcx, a cgroup's) holds: `BPF_PROG_QUERY`
//! with link ids and the hook's revision.

use crate::prog::AttachType;
use crate::sys::{self, Errno};

/// One program on a hook.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HookProgram {
    /// The program's id.
    pub prog_id: u32,
    /// The link that holds it, when the kernel says: tcx reports each
    /// program's link (`None`: attached without one, by
    /// `BPF_PROG_ATTACH`); cgroup hooks report no links (always `None`).
    pub link_id: Option<u32>,
}

/// The programs on a hook, in the order they run, and the hook's revision
/// (which every attach and detach there increments).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HookPrograms {
    /// The hook's revision, for [`Order::expected_revision`](super::Order).
    pub revision: u64,
    /// The programs, first to run first.
    pub programs: Vec<HookProgram>,
}

/// Queries `target` (an ifindex or fd) at `attach_type`, growing the
/// buffers while programs are added between the calls.
pub(super) fn query(target: u32, attach_type: AttachType) -> Result<HookPrograms, Errno> {
    let mut cap = 8;
    loop {
        let (mut progs, mut links) = (vec![0u32; cap], vec![0u32; cap]);
        let out = sys::link::query_multi(target, attach_type.0, 0, &mut progs, Some(&mut links))?;
        let count = out.count as usize;
        if count <= cap {
            let programs = progs
                .iter()
                .zip(&links)
                .take(count)
                .map(|(&prog_id, &link)| HookProgram {
                    prog_id,
                    link_id: (link != 0).then_some(link),
                })
                .collect();
            return Ok(HookPrograms { revision: out.revision, programs });
        }
        cap = count;
    }
}
