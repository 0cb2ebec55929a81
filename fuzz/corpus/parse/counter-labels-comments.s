# The XDP packet counter.
    *(u32 *)(r10 - 4) = 0          // u32 key = 0
    r2 = r10; r2 += -4             # r2 = &key
    r1 = packet_count ll
    call bpf_map_lookup_elem
    if r0 == 0 goto done
    r1 = 1
    lock *(u64 *)(r0 + 0) += r1
done:
    r0 = 2                         # XDP_PASS
    exit
