//! Conveniences for helpers that call back into the program: the callback
//! is a subprogram of the same program, passed by address (`ld_func`).
//!
//! Kept apart from `forms.rs`, the one-method-per-instruction vocabulary:
//! each method here places a helper's arguments and calls it.

use super::label::Target;
use super::map_ref::MapHandle;
use super::program::ProgramBuilder;
use super::reg::{AnyReg, Reg, Src};

impl ProgramBuilder {
    /// `r0 = bpf_user_ringbuf_drain(ring, callback, ctx, 0)`: calls the
    /// subprogram at `callback` once for each record user space has
    /// submitted to the user ring buffer `ring`
    /// ([`UserRingBuf`](crate::maps::UserRingBuf)), oldest first, skipping
    /// discarded ones; returns how many it handed over, or a negative
    /// error (`-EBUSY` while another drain runs, `-EINVAL` or `-E2BIG` for
    /// a ring user space has written wrongly).
    ///
    /// The callback is `long callback(struct bpf_dynptr *record, void
    /// *ctx)`: it reads the record with `bpf_dynptr_read` from `r1`, gets
    /// `ctx` in `r2`, and returns 0 to go on or 1 to stop. `ctx` is a
    /// pointer into the program's stack (a register), or 0 for none. With
    /// flags 0, a producer waiting on the map's fd is woken when a record
    /// was drained. Sets `r1` to `r4`; as any call, clobbers `r0` to `r5`.
    ///
    /// The helper is one of the base ones a program loaded with `CAP_BPF`
    /// may call, whatever its type: a socket filter, XDP, tc or tracing
    /// program drains alike.
    ///
    /// ```no_run
    /// use bpfkit::asm::{Helper, ProgramBuilder, R0, R1, R2, R3, R4, R5, R10};
    /// use bpfkit::maps::UserRingBuf;
    ///
    /// let ring = UserRingBuf::create("commands", 4096)?;
    /// let mut b = ProgramBuilder::new();
    /// let callback = b.label();
    /// b.user_ringbuf_drain(&ring, callback, 0).exit(); // returns how many
    /// // callback(record, ctx): the record's first 8 bytes into the stack.
    /// b.bind(callback)
    ///     .mov64(R3, R1)
    ///     .mov64(R1, R10)
    ///     .add64(R1, -8)
    ///     .mov64(R2, 8)
    ///     .mov64(R4, 0)
    ///     .mov64(R5, 0)
    ///     .call(Helper::DynptrRead)
    ///     .mov64(R0, 0)
    ///     .exit();
    /// let prog = b.assemble()?;
    /// assert_eq!(prog.functions().len(), 2, "the callback is a function of its own");
    /// # Ok::<(), bpfkit::Error>(())
    /// ```
    #[doc(alias = "bpf_user_ringbuf_drain")]
    #[track_caller]
    pub fn user_ringbuf_drain(
        &mut self,
        ring: &impl MapHandle,
        callback: impl Into<Target>,
        ctx: impl Into<Src>,
    ) -> &mut Self {
        // The context first: it may be in r1 or r2, which the ring and the
        // callback take.
        let ctx = ctx.into();
        if ctx != Src::Reg(AnyReg::from(Reg::R3)) {
            self.mov64(Reg::R3, ctx);
        }
        self.ld_map_fd(Reg::R1, ring)
            .ld_func(Reg::R2, callback)
            .mov64(Reg::R4, 0)
            .call(super::Helper::UserRingbufDrain)
    }
}

#[cfg(test)]
mod tests {
    use super::super::map_ref::Fake;
    use super::super::{R1, R2, R3, R10};
    use super::*;

    /// The drain's instructions as text, with the context in `ctx`.
    fn text(ctx: impl Into<Src>) -> String {
        let ring = Fake("ring".into());
        let mut b = ProgramBuilder::new();
        let callback = b.label();
        b.user_ringbuf_drain(&ring, callback, ctx).exit();
        b.bind(callback).mov64(Reg::R0, 0).exit();
        b.assemble().map(|p| p.to_string()).unwrap_or_else(|e| e.to_string())
    }

    #[test]
    fn the_context_is_placed_before_the_registers_it_may_be_in_are_taken() {
        let rest = "r1 = ring ll\nld_pseudo\tr2, 4, 4\nr4 = 0\ncall 209\nexit\nr0 = 0\nexit\n";
        assert_eq!(text(R3), rest, "already in r3");
        for (ctx, first) in [
            (Src::from(R1), "r3 = r1"),
            (R2.into(), "r3 = r2"),
            (R10.into(), "r3 = r10"),
            (0.into(), "r3 = 0"),
        ] {
            assert_eq!(text(ctx), format!("{first}\n{rest}"));
        }
    }
}
