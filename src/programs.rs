//! Ready-made programs, written in the DSL.

use crate::asm::{Helper, ProgramBuilder, R0, R1, R2, R10, Size};
use crate::maps::Array;

/// XDP verdicts (`enum xdp_action`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum XdpAction {
    /// `XDP_ABORTED`: drop, and raise the `xdp_exception` tracepoint.
    Aborted = 0,
    /// `XDP_DROP`: drop the packet.
    Drop = 1,
    /// `XDP_PASS`: hand the packet to the network stack.
    Pass = 2,
    /// `XDP_TX`: bounce the packet out of the interface it came in on.
    Tx = 3,
    /// `XDP_REDIRECT`: send the packet where a redirect helper said.
    Redirect = 4,
}

/// The XDP packet counter: adds one to `counts[0]` for every packet, with an
/// atomic add so that packets on every CPU are counted exactly, and returns
/// `verdict`.
///
/// The same program in C:
///
/// ```c
/// SEC("xdp") int xdp_packet_counter(struct xdp_md *ctx) {
///     u32 key = 0;
///     u64 *value = bpf_map_lookup_elem(&packet_count_map, &key);
///     if (value) __sync_fetch_and_add(value, 1);
///     return XDP_PASS;
/// }
/// ```
pub fn packet_counter(counts: &Array<u64>, verdict: XdpAction) -> ProgramBuilder {
    counter(verdict, |b| {
        b.ld_map_fd(R1, counts);
    })
}

/// The same counter with its map known only by name (`r1 = NAME ll`, as
/// `examples/counter.s` writes it): assembling needs no kernel, and the map
/// is bound before loading with
/// [`Assembled::bind_map`](crate::asm::Assembled::bind_map).
pub fn packet_counter_by_name(map_name: &str, verdict: XdpAction) -> ProgramBuilder {
    counter(verdict, |b| {
        b.ld_map_by_name(R1, map_name);
    })
}

/// The counter around `load_map`, which puts the map in r1.
fn counter(verdict: XdpAction, load_map: impl FnOnce(&mut ProgramBuilder)) -> ProgramBuilder {
    let mut b = ProgramBuilder::new();
    let done = b.named_label("done");
    b.st(Size::W, R10, -4, 0) // u32 key = 0
        .mov64(R2, R10)
        .add64(R2, -4); // r2 = &key
    load_map(&mut b); // r1 = &packet_count_map
    b.call(Helper::MapLookupElem) // r0 = bpf_map_lookup_elem(r1, r2)
        .jeq(R0, 0, done) // no value: nothing to count
        .mov64(R1, 1)
        .atomic_add64(R0, 0, R1) // lock *(u64 *)(r0 + 0) += 1
        .bind(done)
        .mov64(R0, verdict as i32)
        .exit();
    b
}
