//! The running kernel's BTF, read once per process: what a loader looks
//! kernel functions up in on every load.

use std::sync::{Arc, Mutex};

use super::types::{Kind, TypeId};
use super::view::BtfView;
use crate::error::Result;

/// vmlinux's BTF, opened and indexed by the first caller and kept (a
/// failure is not kept: the next caller tries again).
static VMLINUX: Mutex<Option<Arc<BtfView<'static>>>> = Mutex::new(None);

/// The running kernel's BTF (`/sys/kernel/btf/vmlinux`), shared: read and
/// indexed by name on the first call in the process (a few milliseconds),
/// then handed out again.
///
/// ```no_run
/// use bpfkit::btf::{Kind, kernel_btf};
/// let vmlinux = kernel_btf()?;
/// assert!(vmlinux.find(Kind::Func, "bpf_rcu_read_lock").is_some());
/// # Ok::<(), bpfkit::Error>(())
/// ```
pub fn kernel_btf() -> Result<Arc<BtfView<'static>>> {
    // A poisoned lock only means another thread panicked while opening:
    // the slot is still either empty or a whole view.
    let mut slot = VMLINUX.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(view) = slot.as_ref() {
        return Ok(Arc::clone(view));
    }
    let view = BtfView::vmlinux()?;
    view.index_names();
    let view = Arc::new(view);
    *slot = Some(Arc::clone(&view));
    Ok(view)
}

/// The BTF id of the kernel function `name` in vmlinux, if it has one.
pub(crate) fn kernel_func(name: &str) -> Result<Option<TypeId>> {
    Ok(kernel_btf()?.find(Kind::Func, name))
}
