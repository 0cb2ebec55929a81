//! `KfuncSlots`: the slots of a program that call a kernel function by
//! name. The encoded slot holds id 0; the name lives here, for the loader
//! to resolve and for the decoder to show.

use super::ir::{Call, Insn, KfuncName};

/// The calls of kernel functions by name, by slot.
#[derive(Clone, Debug, Default)]
pub(crate) struct KfuncSlots {
    refs: Vec<(usize, KfuncName)>,
}

impl KfuncSlots {
    /// Records that the instruction at `slot`, after every one recorded so
    /// far, calls the kernel function `name`.
    pub fn record(&mut self, slot: usize, name: KfuncName) {
        self.refs.push((slot, name));
    }

    /// Puts back into `insn`, decoded from slot `slot`, the name recorded
    /// there (the encoded slot holds only id 0).
    pub fn restore(&self, slot: usize, insn: &mut Insn) {
        let Ok(k) = self.refs.binary_search_by_key(&slot, |(s, _)| *s) else {
            return;
        };
        if let (Some((_, name)), Some(call)) = (self.refs.get(k), insn.kfunc_mut()) {
            *call = Call::KfuncNamed(name.clone());
        }
    }

    /// Each slot that calls a kernel function by name, with the name, by
    /// slot.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &KfuncName)> {
        self.refs.iter().map(|(slot, name)| (*slot, name))
    }
}
