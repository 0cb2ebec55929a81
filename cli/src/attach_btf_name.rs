//! The kernel function a cgroup program hooks, named as bpftool 7.1's
//! `cgroup show` and `cgroup tree` name it (`attach_btf_name`).
//!
//! bpftool learns the id of the kernel's own BTF object from the first
//! program it shows whose `attach_btf_obj_id` is that object, and keeps it
//! for the rest of the command. Until then, a program with no attach BTF
//! (object 0) matches the unknown id 0 and is named by type 0, the empty
//! name; afterwards such a program matches nothing and gets no name at
//! all. The order of the listing therefore decides whether a plain
//! program's line ends with an empty column; this copies that.

use std::sync::Arc;

use bpfkit::btf::{BtfObject, BtfView, TypeId, kernel_btf};

/// bpftool's state: the kernel's BTF (read at the first program shown,
/// so that a listing with none reads nothing), and the id of its object
/// once seen.
pub struct AttachBtfNames {
    vmlinux: Option<Option<Arc<BtfView<'static>>>>,
    vmlinux_id: u32,
}

impl AttachBtfNames {
    /// No program named yet; without the kernel's BTF, none will be.
    pub fn new() -> AttachBtfNames {
        AttachBtfNames { vmlinux: None, vmlinux_id: 0 }
    }

    /// The name bpftool prints for a program attached through `btf_id` of
    /// the BTF object `obj_id` (both from its info), or `None` where it
    /// prints none.
    pub fn name(&mut self, obj_id: u32, btf_id: u32) -> Option<String> {
        let vmlinux = self.vmlinux.get_or_insert_with(|| kernel_btf().ok()).clone()?;
        if self.vmlinux_id == 0 {
            self.vmlinux_id = vmlinux_object_id(obj_id);
        }
        named(&vmlinux, self.vmlinux_id, obj_id, btf_id)
    }
}

/// `obj_id` if it is the kernel's own BTF object (not a module's), else 0.
fn vmlinux_object_id(obj_id: u32) -> u32 {
    match BtfObject::from_id(obj_id).and_then(|o| o.info()) {
        Ok(info) if info.kernel_btf && info.name == "vmlinux" => info.id,
        _ => 0,
    }
}

/// The name of `btf_id` in `vmlinux` when `obj_id` is the object known as
/// the kernel's (`vmlinux_id`); type 0 and anonymous types are `""`.
fn named(vmlinux: &BtfView<'_>, vmlinux_id: u32, obj_id: u32, btf_id: u32) -> Option<String> {
    if vmlinux_id != obj_id || btf_id >= vmlinux.next_id().0 {
        return None;
    }
    let name = vmlinux.get(TypeId(btf_id)).and_then(|t| t.name()).unwrap_or("");
    Some(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_bpftools_rules() {
        let Ok(vmlinux) = kernel_btf() else { return };
        let func = vmlinux.find(bpfkit::btf::Kind::Func, "bpf_lsm_socket_bind").unwrap();
        // Before the kernel's object is known: a plain program is named "".
        assert_eq!(named(&vmlinux, 0, 0, 0).as_deref(), Some(""));
        // Known as 7: a hooked function by its name, a plain program not at all.
        assert_eq!(named(&vmlinux, 7, 7, func.0).as_deref(), Some("bpf_lsm_socket_bind"));
        assert_eq!(named(&vmlinux, 7, 0, 0), None);
        // Another object (a module's), or an id past the kernel's types.
        assert_eq!(named(&vmlinux, 7, 8, func.0), None);
        assert_eq!(named(&vmlinux, 7, 7, vmlinux.next_id().0), None);
        // Object 0 is no BTF object: the id stays unknown.
        assert_eq!(vmlinux_object_id(0), 0);
        // The kernel's object is found among the loaded ones (as root).
        let kernel =
            bpfkit::btf::btf_ids().filter_map(Result::ok).find(|&id| vmlinux_object_id(id) != 0);
        if let Some(id) = kernel {
            assert_eq!(vmlinux_object_id(id), id);
        }
    }
}
