# The XDP packet counter, in LLVM's BPF assembler syntax: adds one to
# packet_count[0] for every packet, atomically (packets arrive on every
# CPU at once), and lets the packet pass. The same program as
# bpfkit::programs::packet_counter; in C:
#
#     SEC("xdp") int xdp_packet_counter(struct xdp_md *ctx) {
#         u32 key = 0;
#         u64 *value = bpf_map_lookup_elem(&packet_count, &key);
#         if (value) __sync_fetch_and_add(value, 1);
#         return XDP_PASS;
#     }
#
# Check it with the kernel's verifier:
#
#     bpfkit verify examples/counter.s --type xdp --map packet_count=array:4:8:1

    *(u32 *)(r10 - 4) = 0           # u32 key = 0, on the stack
    r2 = r10
    r2 += -4                        # r2 = &key
    r1 = packet_count ll            # r1 = the map, bound by name (--map packet_count=...)
    call bpf_map_lookup_elem        # r0 = &packet_count[key], or NULL
    if r0 == 0 goto done            # no value: nothing to count (the verifier insists)
    r1 = 1
    lock *(u64 *)(r0 + 0) += r1     # __sync_fetch_and_add(value, 1)
done:
    r0 = 2                          # XDP_PASS
    exit
