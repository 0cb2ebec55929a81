//! Kernel helper functions by name: `enum bpf_func_id` of `linux/bpf.h`.
//!
//! Generated from the `___BPF_FUNC_MAPPER` list of the 6.1 UAPI header, plus
//! the two helpers added since (`cgrp_storage_get`, `cgrp_storage_delete`;
//! the helper list has been frozen since, new kernel functions are kfuncs).
//! Regenerate by reading the list in order: the id is the position.

use std::fmt;

/// A helper function the kernel offers BPF programs, with its kernel id.
///
/// ```
/// use bpfkit::asm::Helper;
/// assert_eq!(Helper::MapLookupElem.id(), 1);
/// assert_eq!(Helper::MapLookupElem.name(), "bpf_map_lookup_elem");
/// assert_eq!(Helper::from_name("bpf_ktime_get_ns"), Some(Helper::KtimeGetNs));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u32)]
#[non_exhaustive]
pub enum Helper {
    /// `bpf_map_lookup_elem` (id 1).
    #[doc(alias = "BPF_FUNC_map_lookup_elem")]
    MapLookupElem = 1,
    /// `bpf_map_update_elem` (id 2).
    #[doc(alias = "BPF_FUNC_map_update_elem")]
    MapUpdateElem = 2,
    /// `bpf_map_delete_elem` (id 3).
    #[doc(alias = "BPF_FUNC_map_delete_elem")]
    MapDeleteElem = 3,
    /// `bpf_probe_read` (id 4).
    #[doc(alias = "BPF_FUNC_probe_read")]
    ProbeRead = 4,
    /// `bpf_ktime_get_ns` (id 5).
    #[doc(alias = "BPF_FUNC_ktime_get_ns")]
    KtimeGetNs = 5,
    /// `bpf_trace_printk` (id 6).
    #[doc(alias = "BPF_FUNC_trace_printk")]
    TracePrintk = 6,
    /// `bpf_get_prandom_u32` (id 7).
    #[doc(alias = "BPF_FUNC_get_prandom_u32")]
    GetPrandomU32 = 7,
    /// `bpf_get_smp_processor_id` (id 8).
    #[doc(alias = "BPF_FUNC_get_smp_processor_id")]
    GetSmpProcessorId = 8,
    /// `bpf_skb_store_bytes` (id 9).
    #[doc(alias = "BPF_FUNC_skb_store_bytes")]
    SkbStoreBytes = 9,
    /// `bpf_l3_csum_replace` (id 10).
    #[doc(alias = "BPF_FUNC_l3_csum_replace")]
    L3CsumReplace = 10,
    /// `bpf_l4_csum_replace` (id 11).
    #[doc(alias = "BPF_FUNC_l4_csum_replace")]
    L4CsumReplace = 11,
    /// `bpf_tail_call` (id 12).
    #[doc(alias = "BPF_FUNC_tail_call")]
    TailCall = 12,
    /// `bpf_clone_redirect` (id 13).
    #[doc(alias = "BPF_FUNC_clone_redirect")]
    CloneRedirect = 13,
    /// `bpf_get_current_pid_tgid` (id 14).
    #[doc(alias = "BPF_FUNC_get_current_pid_tgid")]
    GetCurrentPidTgid = 14,
    /// `bpf_get_current_uid_gid` (id 15).
    #[doc(alias = "BPF_FUNC_get_current_uid_gid")]
    GetCurrentUidGid = 15,
    /// `bpf_get_current_comm` (id 16).
    #[doc(alias = "BPF_FUNC_get_current_comm")]
    GetCurrentComm = 16,
    /// `bpf_get_cgroup_classid` (id 17).
    #[doc(alias = "BPF_FUNC_get_cgroup_classid")]
    GetCgroupClassid = 17,
    /// `bpf_skb_vlan_push` (id 18).
    #[doc(alias = "BPF_FUNC_skb_vlan_push")]
    SkbVlanPush = 18,
    /// `bpf_skb_vlan_pop` (id 19).
    #[doc(alias = "BPF_FUNC_skb_vlan_pop")]
    SkbVlanPop = 19,
    /// `bpf_skb_get_tunnel_key` (id 20).
    #[doc(alias = "BPF_FUNC_skb_get_tunnel_key")]
    SkbGetTunnelKey = 20,
    /// `bpf_skb_set_tunnel_key` (id 21).
    #[doc(alias = "BPF_FUNC_skb_set_tunnel_key")]
    SkbSetTunnelKey = 21,
    /// `bpf_perf_event_read` (id 22).
    #[doc(alias = "BPF_FUNC_perf_event_read")]
    PerfEventRead = 22,
    /// `bpf_redirect` (id 23).
    #[doc(alias = "BPF_FUNC_redirect")]
    Redirect = 23,
    /// `bpf_get_route_realm` (id 24).
    #[doc(alias = "BPF_FUNC_get_route_realm")]
    GetRouteRealm = 24,
    /// `bpf_perf_event_output` (id 25).
    #[doc(alias = "BPF_FUNC_perf_event_output")]
    PerfEventOutput = 25,
    /// `bpf_skb_load_bytes` (id 26).
    #[doc(alias = "BPF_FUNC_skb_load_bytes")]
    SkbLoadBytes = 26,
    /// `bpf_get_stackid` (id 27).
    #[doc(alias = "BPF_FUNC_get_stackid")]
    GetStackid = 27,
    /// `bpf_csum_diff` (id 28).
    #[doc(alias = "BPF_FUNC_csum_diff")]
    CsumDiff = 28,
    /// `bpf_skb_get_tunnel_opt` (id 29).
    #[doc(alias = "BPF_FUNC_skb_get_tunnel_opt")]
    SkbGetTunnelOpt = 29,
    /// `bpf_skb_set_tunnel_opt` (id 30).
    #[doc(alias = "BPF_FUNC_skb_set_tunnel_opt")]
    SkbSetTunnelOpt = 30,
    /// `bpf_skb_change_proto` (id 31).
    #[doc(alias = "BPF_FUNC_skb_change_proto")]
    SkbChangeProto = 31,
    /// `bpf_skb_change_type` (id 32).
    #[doc(alias = "BPF_FUNC_skb_change_type")]
    SkbChangeType = 32,
    /// `bpf_skb_under_cgroup` (id 33).
    #[doc(alias = "BPF_FUNC_skb_under_cgroup")]
    SkbUnderCgroup = 33,
    /// `bpf_get_hash_recalc` (id 34).
    #[doc(alias = "BPF_FUNC_get_hash_recalc")]
    GetHashRecalc = 34,
    /// `bpf_get_current_task` (id 35).
    #[doc(alias = "BPF_FUNC_get_current_task")]
    GetCurrentTask = 35,
    /// `bpf_probe_write_user` (id 36).
    #[doc(alias = "BPF_FUNC_probe_write_user")]
    ProbeWriteUser = 36,
    /// `bpf_current_task_under_cgroup` (id 37).
    #[doc(alias = "BPF_FUNC_current_task_under_cgroup")]
    CurrentTaskUnderCgroup = 37,
    /// `bpf_skb_change_tail` (id 38).
    #[doc(alias = "BPF_FUNC_skb_change_tail")]
    SkbChangeTail = 38,
    /// `bpf_skb_pull_data` (id 39).
    #[doc(alias = "BPF_FUNC_skb_pull_data")]
    SkbPullData = 39,
    /// `bpf_csum_update` (id 40).
    #[doc(alias = "BPF_FUNC_csum_update")]
    CsumUpdate = 40,
    /// `bpf_set_hash_invalid` (id 41).
    #[doc(alias = "BPF_FUNC_set_hash_invalid")]
    SetHashInvalid = 41,
    /// `bpf_get_numa_node_id` (id 42).
    #[doc(alias = "BPF_FUNC_get_numa_node_id")]
    GetNumaNodeId = 42,
    /// `bpf_skb_change_head` (id 43).
    #[doc(alias = "BPF_FUNC_skb_change_head")]
    SkbChangeHead = 43,
    /// `bpf_xdp_adjust_head` (id 44).
    #[doc(alias = "BPF_FUNC_xdp_adjust_head")]
    XdpAdjustHead = 44,
    /// `bpf_probe_read_str` (id 45).
    #[doc(alias = "BPF_FUNC_probe_read_str")]
    ProbeReadStr = 45,
    /// `bpf_get_socket_cookie` (id 46).
    #[doc(alias = "BPF_FUNC_get_socket_cookie")]
    GetSocketCookie = 46,
    /// `bpf_get_socket_uid` (id 47).
    #[doc(alias = "BPF_FUNC_get_socket_uid")]
    GetSocketUid = 47,
    /// `bpf_set_hash` (id 48).
    #[doc(alias = "BPF_FUNC_set_hash")]
    SetHash = 48,
    /// `bpf_setsockopt` (id 49).
    #[doc(alias = "BPF_FUNC_setsockopt")]
    Setsockopt = 49,
    /// `bpf_skb_adjust_room` (id 50).
    #[doc(alias = "BPF_FUNC_skb_adjust_room")]
    SkbAdjustRoom = 50,
    /// `bpf_redirect_map` (id 51).
    #[doc(alias = "BPF_FUNC_redirect_map")]
    RedirectMap = 51,
    /// `bpf_sk_redirect_map` (id 52).
    #[doc(alias = "BPF_FUNC_sk_redirect_map")]
    SkRedirectMap = 52,
    /// `bpf_sock_map_update` (id 53).
    #[doc(alias = "BPF_FUNC_sock_map_update")]
    SockMapUpdate = 53,
    /// `bpf_xdp_adjust_meta` (id 54).
    #[doc(alias = "BPF_FUNC_xdp_adjust_meta")]
    XdpAdjustMeta = 54,
    /// `bpf_perf_event_read_value` (id 55).
    #[doc(alias = "BPF_FUNC_perf_event_read_value")]
    PerfEventReadValue = 55,
    /// `bpf_perf_prog_read_value` (id 56).
    #[doc(alias = "BPF_FUNC_perf_prog_read_value")]
    PerfProgReadValue = 56,
    /// `bpf_getsockopt` (id 57).
    #[doc(alias = "BPF_FUNC_getsockopt")]
    Getsockopt = 57,
    /// `bpf_override_return` (id 58).
    #[doc(alias = "BPF_FUNC_override_return")]
    OverrideReturn = 58,
    /// `bpf_sock_ops_cb_flags_set` (id 59).
    #[doc(alias = "BPF_FUNC_sock_ops_cb_flags_set")]
    SockOpsCbFlagsSet = 59,
    /// `bpf_msg_redirect_map` (id 60).
    #[doc(alias = "BPF_FUNC_msg_redirect_map")]
    MsgRedirectMap = 60,
    /// `bpf_msg_apply_bytes` (id 61).
    #[doc(alias = "BPF_FUNC_msg_apply_bytes")]
    MsgApplyBytes = 61,
    /// `bpf_msg_cork_bytes` (id 62).
    #[doc(alias = "BPF_FUNC_msg_cork_bytes")]
    MsgCorkBytes = 62,
    /// `bpf_msg_pull_data` (id 63).
    #[doc(alias = "BPF_FUNC_msg_pull_data")]
    MsgPullData = 63,
    /// `bpf_bind` (id 64).
    #[doc(alias = "BPF_FUNC_bind")]
    Bind = 64,
    /// `bpf_xdp_adjust_tail` (id 65).
    #[doc(alias = "BPF_FUNC_xdp_adjust_tail")]
    XdpAdjustTail = 65,
    /// `bpf_skb_get_xfrm_state` (id 66).
    #[doc(alias = "BPF_FUNC_skb_get_xfrm_state")]
    SkbGetXfrmState = 66,
    /// `bpf_get_stack` (id 67).
    #[doc(alias = "BPF_FUNC_get_stack")]
    GetStack = 67,
    /// `bpf_skb_load_bytes_relative` (id 68).
    #[doc(alias = "BPF_FUNC_skb_load_bytes_relative")]
    SkbLoadBytesRelative = 68,
    /// `bpf_fib_lookup` (id 69).
    #[doc(alias = "BPF_FUNC_fib_lookup")]
    FibLookup = 69,
    /// `bpf_sock_hash_update` (id 70).
    #[doc(alias = "BPF_FUNC_sock_hash_update")]
    SockHashUpdate = 70,
    /// `bpf_msg_redirect_hash` (id 71).
    #[doc(alias = "BPF_FUNC_msg_redirect_hash")]
    MsgRedirectHash = 71,
    /// `bpf_sk_redirect_hash` (id 72).
    #[doc(alias = "BPF_FUNC_sk_redirect_hash")]
    SkRedirectHash = 72,
    /// `bpf_lwt_push_encap` (id 73).
    #[doc(alias = "BPF_FUNC_lwt_push_encap")]
    LwtPushEncap = 73,
    /// `bpf_lwt_seg6_store_bytes` (id 74).
    #[doc(alias = "BPF_FUNC_lwt_seg6_store_bytes")]
    LwtSeg6StoreBytes = 74,
    /// `bpf_lwt_seg6_adjust_srh` (id 75).
    #[doc(alias = "BPF_FUNC_lwt_seg6_adjust_srh")]
    LwtSeg6AdjustSrh = 75,
    /// `bpf_lwt_seg6_action` (id 76).
    #[doc(alias = "BPF_FUNC_lwt_seg6_action")]
    LwtSeg6Action = 76,
    /// `bpf_rc_repeat` (id 77).
    #[doc(alias = "BPF_FUNC_rc_repeat")]
    RcRepeat = 77,
    /// `bpf_rc_keydown` (id 78).
    #[doc(alias = "BPF_FUNC_rc_keydown")]
    RcKeydown = 78,
    /// `bpf_skb_cgroup_id` (id 79).
    #[doc(alias = "BPF_FUNC_skb_cgroup_id")]
    SkbCgroupId = 79,
    /// `bpf_get_current_cgroup_id` (id 80).
    #[doc(alias = "BPF_FUNC_get_current_cgroup_id")]
    GetCurrentCgroupId = 80,
    /// `bpf_get_local_storage` (id 81).
    #[doc(alias = "BPF_FUNC_get_local_storage")]
    GetLocalStorage = 81,
    /// `bpf_sk_select_reuseport` (id 82).
    #[doc(alias = "BPF_FUNC_sk_select_reuseport")]
    SkSelectReuseport = 82,
    /// `bpf_skb_ancestor_cgroup_id` (id 83).
    #[doc(alias = "BPF_FUNC_skb_ancestor_cgroup_id")]
    SkbAncestorCgroupId = 83,
    /// `bpf_sk_lookup_tcp` (id 84).
    #[doc(alias = "BPF_FUNC_sk_lookup_tcp")]
    SkLookupTcp = 84,
    /// `bpf_sk_lookup_udp` (id 85).
    #[doc(alias = "BPF_FUNC_sk_lookup_udp")]
    SkLookupUdp = 85,
    /// `bpf_sk_release` (id 86).
    #[doc(alias = "BPF_FUNC_sk_release")]
    SkRelease = 86,
    /// `bpf_map_push_elem` (id 87).
    #[doc(alias = "BPF_FUNC_map_push_elem")]
    MapPushElem = 87,
    /// `bpf_map_pop_elem` (id 88).
    #[doc(alias = "BPF_FUNC_map_pop_elem")]
    MapPopElem = 88,
    /// `bpf_map_peek_elem` (id 89).
    #[doc(alias = "BPF_FUNC_map_peek_elem")]
    MapPeekElem = 89,
    /// `bpf_msg_push_data` (id 90).
    #[doc(alias = "BPF_FUNC_msg_push_data")]
    MsgPushData = 90,
    /// `bpf_msg_pop_data` (id 91).
    #[doc(alias = "BPF_FUNC_msg_pop_data")]
    MsgPopData = 91,
    /// `bpf_rc_pointer_rel` (id 92).
    #[doc(alias = "BPF_FUNC_rc_pointer_rel")]
    RcPointerRel = 92,
    /// `bpf_spin_lock` (id 93).
    #[doc(alias = "BPF_FUNC_spin_lock")]
    SpinLock = 93,
    /// `bpf_spin_unlock` (id 94).
    #[doc(alias = "BPF_FUNC_spin_unlock")]
    SpinUnlock = 94,
    /// `bpf_sk_fullsock` (id 95).
    #[doc(alias = "BPF_FUNC_sk_fullsock")]
    SkFullsock = 95,
    /// `bpf_tcp_sock` (id 96).
    #[doc(alias = "BPF_FUNC_tcp_sock")]
    TcpSock = 96,
    /// `bpf_skb_ecn_set_ce` (id 97).
    #[doc(alias = "BPF_FUNC_skb_ecn_set_ce")]
    SkbEcnSetCe = 97,
    /// `bpf_get_listener_sock` (id 98).
    #[doc(alias = "BPF_FUNC_get_listener_sock")]
    GetListenerSock = 98,
    /// `bpf_skc_lookup_tcp` (id 99).
    #[doc(alias = "BPF_FUNC_skc_lookup_tcp")]
    SkcLookupTcp = 99,
    /// `bpf_tcp_check_syncookie` (id 100).
    #[doc(alias = "BPF_FUNC_tcp_check_syncookie")]
    TcpCheckSyncookie = 100,
    /// `bpf_sysctl_get_name` (id 101).
    #[doc(alias = "BPF_FUNC_sysctl_get_name")]
    SysctlGetName = 101,
    /// `bpf_sysctl_get_current_value` (id 102).
    #[doc(alias = "BPF_FUNC_sysctl_get_current_value")]
    SysctlGetCurrentValue = 102,
    /// `bpf_sysctl_get_new_value` (id 103).
    #[doc(alias = "BPF_FUNC_sysctl_get_new_value")]
    SysctlGetNewValue = 103,
    /// `bpf_sysctl_set_new_value` (id 104).
    #[doc(alias = "BPF_FUNC_sysctl_set_new_value")]
    SysctlSetNewValue = 104,
    /// `bpf_strtol` (id 105).
    #[doc(alias = "BPF_FUNC_strtol")]
    Strtol = 105,
    /// `bpf_strtoul` (id 106).
    #[doc(alias = "BPF_FUNC_strtoul")]
    Strtoul = 106,
    /// `bpf_sk_storage_get` (id 107).
    #[doc(alias = "BPF_FUNC_sk_storage_get")]
    SkStorageGet = 107,
    /// `bpf_sk_storage_delete` (id 108).
    #[doc(alias = "BPF_FUNC_sk_storage_delete")]
    SkStorageDelete = 108,
    /// `bpf_send_signal` (id 109).
    #[doc(alias = "BPF_FUNC_send_signal")]
    SendSignal = 109,
    /// `bpf_tcp_gen_syncookie` (id 110).
    #[doc(alias = "BPF_FUNC_tcp_gen_syncookie")]
    TcpGenSyncookie = 110,
    /// `bpf_skb_output` (id 111).
    #[doc(alias = "BPF_FUNC_skb_output")]
    SkbOutput = 111,
    /// `bpf_probe_read_user` (id 112).
    #[doc(alias = "BPF_FUNC_probe_read_user")]
    ProbeReadUser = 112,
    /// `bpf_probe_read_kernel` (id 113).
    #[doc(alias = "BPF_FUNC_probe_read_kernel")]
    ProbeReadKernel = 113,
    /// `bpf_probe_read_user_str` (id 114).
    #[doc(alias = "BPF_FUNC_probe_read_user_str")]
    ProbeReadUserStr = 114,
    /// `bpf_probe_read_kernel_str` (id 115).
    #[doc(alias = "BPF_FUNC_probe_read_kernel_str")]
    ProbeReadKernelStr = 115,
    /// `bpf_tcp_send_ack` (id 116).
    #[doc(alias = "BPF_FUNC_tcp_send_ack")]
    TcpSendAck = 116,
    /// `bpf_send_signal_thread` (id 117).
    #[doc(alias = "BPF_FUNC_send_signal_thread")]
    SendSignalThread = 117,
    /// `bpf_jiffies64` (id 118).
    #[doc(alias = "BPF_FUNC_jiffies64")]
    Jiffies64 = 118,
    /// `bpf_read_branch_records` (id 119).
    #[doc(alias = "BPF_FUNC_read_branch_records")]
    ReadBranchRecords = 119,
    /// `bpf_get_ns_current_pid_tgid` (id 120).
    #[doc(alias = "BPF_FUNC_get_ns_current_pid_tgid")]
    GetNsCurrentPidTgid = 120,
    /// `bpf_xdp_output` (id 121).
    #[doc(alias = "BPF_FUNC_xdp_output")]
    XdpOutput = 121,
    /// `bpf_get_netns_cookie` (id 122).
    #[doc(alias = "BPF_FUNC_get_netns_cookie")]
    GetNetnsCookie = 122,
    /// `bpf_get_current_ancestor_cgroup_id` (id 123).
    #[doc(alias = "BPF_FUNC_get_current_ancestor_cgroup_id")]
    GetCurrentAncestorCgroupId = 123,
    /// `bpf_sk_assign` (id 124).
    #[doc(alias = "BPF_FUNC_sk_assign")]
    SkAssign = 124,
    /// `bpf_ktime_get_boot_ns` (id 125).
    #[doc(alias = "BPF_FUNC_ktime_get_boot_ns")]
    KtimeGetBootNs = 125,
    /// `bpf_seq_printf` (id 126).
    #[doc(alias = "BPF_FUNC_seq_printf")]
    SeqPrintf = 126,
    /// `bpf_seq_write` (id 127).
    #[doc(alias = "BPF_FUNC_seq_write")]
    SeqWrite = 127,
    /// `bpf_sk_cgroup_id` (id 128).
    #[doc(alias = "BPF_FUNC_sk_cgroup_id")]
    SkCgroupId = 128,
    /// `bpf_sk_ancestor_cgroup_id` (id 129).
    #[doc(alias = "BPF_FUNC_sk_ancestor_cgroup_id")]
    SkAncestorCgroupId = 129,
    /// `bpf_ringbuf_output` (id 130).
    #[doc(alias = "BPF_FUNC_ringbuf_output")]
    RingbufOutput = 130,
    /// `bpf_ringbuf_reserve` (id 131).
    #[doc(alias = "BPF_FUNC_ringbuf_reserve")]
    RingbufReserve = 131,
    /// `bpf_ringbuf_submit` (id 132).
    #[doc(alias = "BPF_FUNC_ringbuf_submit")]
    RingbufSubmit = 132,
    /// `bpf_ringbuf_discard` (id 133).
    #[doc(alias = "BPF_FUNC_ringbuf_discard")]
    RingbufDiscard = 133,
    /// `bpf_ringbuf_query` (id 134).
    #[doc(alias = "BPF_FUNC_ringbuf_query")]
    RingbufQuery = 134,
    /// `bpf_csum_level` (id 135).
    #[doc(alias = "BPF_FUNC_csum_level")]
    CsumLevel = 135,
    /// `bpf_skc_to_tcp6_sock` (id 136).
    #[doc(alias = "BPF_FUNC_skc_to_tcp6_sock")]
    SkcToTcp6Sock = 136,
    /// `bpf_skc_to_tcp_sock` (id 137).
    #[doc(alias = "BPF_FUNC_skc_to_tcp_sock")]
    SkcToTcpSock = 137,
    /// `bpf_skc_to_tcp_timewait_sock` (id 138).
    #[doc(alias = "BPF_FUNC_skc_to_tcp_timewait_sock")]
    SkcToTcpTimewaitSock = 138,
    /// `bpf_skc_to_tcp_request_sock` (id 139).
    #[doc(alias = "BPF_FUNC_skc_to_tcp_request_sock")]
    SkcToTcpRequestSock = 139,
    /// `bpf_skc_to_udp6_sock` (id 140).
    #[doc(alias = "BPF_FUNC_skc_to_udp6_sock")]
    SkcToUdp6Sock = 140,
    /// `bpf_get_task_stack` (id 141).
    #[doc(alias = "BPF_FUNC_get_task_stack")]
    GetTaskStack = 141,
    /// `bpf_load_hdr_opt` (id 142).
    #[doc(alias = "BPF_FUNC_load_hdr_opt")]
    LoadHdrOpt = 142,
    /// `bpf_store_hdr_opt` (id 143).
    #[doc(alias = "BPF_FUNC_store_hdr_opt")]
    StoreHdrOpt = 143,
    /// `bpf_reserve_hdr_opt` (id 144).
    #[doc(alias = "BPF_FUNC_reserve_hdr_opt")]
    ReserveHdrOpt = 144,
    /// `bpf_inode_storage_get` (id 145).
    #[doc(alias = "BPF_FUNC_inode_storage_get")]
    InodeStorageGet = 145,
    /// `bpf_inode_storage_delete` (id 146).
    #[doc(alias = "BPF_FUNC_inode_storage_delete")]
    InodeStorageDelete = 146,
    /// `bpf_d_path` (id 147).
    #[doc(alias = "BPF_FUNC_d_path")]
    DPath = 147,
    /// `bpf_copy_from_user` (id 148).
    #[doc(alias = "BPF_FUNC_copy_from_user")]
    CopyFromUser = 148,
    /// `bpf_snprintf_btf` (id 149).
    #[doc(alias = "BPF_FUNC_snprintf_btf")]
    SnprintfBtf = 149,
    /// `bpf_seq_printf_btf` (id 150).
    #[doc(alias = "BPF_FUNC_seq_printf_btf")]
    SeqPrintfBtf = 150,
    /// `bpf_skb_cgroup_classid` (id 151).
    #[doc(alias = "BPF_FUNC_skb_cgroup_classid")]
    SkbCgroupClassid = 151,
    /// `bpf_redirect_neigh` (id 152).
    #[doc(alias = "BPF_FUNC_redirect_neigh")]
    RedirectNeigh = 152,
    /// `bpf_per_cpu_ptr` (id 153).
    #[doc(alias = "BPF_FUNC_per_cpu_ptr")]
    PerCpuPtr = 153,
    /// `bpf_this_cpu_ptr` (id 154).
    #[doc(alias = "BPF_FUNC_this_cpu_ptr")]
    ThisCpuPtr = 154,
    /// `bpf_redirect_peer` (id 155).
    #[doc(alias = "BPF_FUNC_redirect_peer")]
    RedirectPeer = 155,
    /// `bpf_task_storage_get` (id 156).
    #[doc(alias = "BPF_FUNC_task_storage_get")]
    TaskStorageGet = 156,
    /// `bpf_task_storage_delete` (id 157).
    #[doc(alias = "BPF_FUNC_task_storage_delete")]
    TaskStorageDelete = 157,
    /// `bpf_get_current_task_btf` (id 158).
    #[doc(alias = "BPF_FUNC_get_current_task_btf")]
    GetCurrentTaskBtf = 158,
    /// `bpf_bprm_opts_set` (id 159).
    #[doc(alias = "BPF_FUNC_bprm_opts_set")]
    BprmOptsSet = 159,
    /// `bpf_ktime_get_coarse_ns` (id 160).
    #[doc(alias = "BPF_FUNC_ktime_get_coarse_ns")]
    KtimeGetCoarseNs = 160,
    /// `bpf_ima_inode_hash` (id 161).
    #[doc(alias = "BPF_FUNC_ima_inode_hash")]
    ImaInodeHash = 161,
    /// `bpf_sock_from_file` (id 162).
    #[doc(alias = "BPF_FUNC_sock_from_file")]
    SockFromFile = 162,
    /// `bpf_check_mtu` (id 163).
    #[doc(alias = "BPF_FUNC_check_mtu")]
    CheckMtu = 163,
    /// `bpf_for_each_map_elem` (id 164).
    #[doc(alias = "BPF_FUNC_for_each_map_elem")]
    ForEachMapElem = 164,
    /// `bpf_snprintf` (id 165).
    #[doc(alias = "BPF_FUNC_snprintf")]
    Snprintf = 165,
    /// `bpf_sys_bpf` (id 166).
    #[doc(alias = "BPF_FUNC_sys_bpf")]
    SysBpf = 166,
    /// `bpf_btf_find_by_name_kind` (id 167).
    #[doc(alias = "BPF_FUNC_btf_find_by_name_kind")]
    BtfFindByNameKind = 167,
    /// `bpf_sys_close` (id 168).
    #[doc(alias = "BPF_FUNC_sys_close")]
    SysClose = 168,
    /// `bpf_timer_init` (id 169).
    #[doc(alias = "BPF_FUNC_timer_init")]
    TimerInit = 169,
    /// `bpf_timer_set_callback` (id 170).
    #[doc(alias = "BPF_FUNC_timer_set_callback")]
    TimerSetCallback = 170,
    /// `bpf_timer_start` (id 171).
    #[doc(alias = "BPF_FUNC_timer_start")]
    TimerStart = 171,
    /// `bpf_timer_cancel` (id 172).
    #[doc(alias = "BPF_FUNC_timer_cancel")]
    TimerCancel = 172,
    /// `bpf_get_func_ip` (id 173).
    #[doc(alias = "BPF_FUNC_get_func_ip")]
    GetFuncIp = 173,
    /// `bpf_get_attach_cookie` (id 174).
    #[doc(alias = "BPF_FUNC_get_attach_cookie")]
    GetAttachCookie = 174,
    /// `bpf_task_pt_regs` (id 175).
    #[doc(alias = "BPF_FUNC_task_pt_regs")]
    TaskPtRegs = 175,
    /// `bpf_get_branch_snapshot` (id 176).
    #[doc(alias = "BPF_FUNC_get_branch_snapshot")]
    GetBranchSnapshot = 176,
    /// `bpf_trace_vprintk` (id 177).
    #[doc(alias = "BPF_FUNC_trace_vprintk")]
    TraceVprintk = 177,
    /// `bpf_skc_to_unix_sock` (id 178).
    #[doc(alias = "BPF_FUNC_skc_to_unix_sock")]
    SkcToUnixSock = 178,
    /// `bpf_kallsyms_lookup_name` (id 179).
    #[doc(alias = "BPF_FUNC_kallsyms_lookup_name")]
    KallsymsLookupName = 179,
    /// `bpf_find_vma` (id 180).
    #[doc(alias = "BPF_FUNC_find_vma")]
    FindVma = 180,
    /// `bpf_loop` (id 181).
    #[doc(alias = "BPF_FUNC_loop")]
    Loop = 181,
    /// `bpf_strncmp` (id 182).
    #[doc(alias = "BPF_FUNC_strncmp")]
    Strncmp = 182,
    /// `bpf_get_func_arg` (id 183).
    #[doc(alias = "BPF_FUNC_get_func_arg")]
    GetFuncArg = 183,
    /// `bpf_get_func_ret` (id 184).
    #[doc(alias = "BPF_FUNC_get_func_ret")]
    GetFuncRet = 184,
    /// `bpf_get_func_arg_cnt` (id 185).
    #[doc(alias = "BPF_FUNC_get_func_arg_cnt")]
    GetFuncArgCnt = 185,
    /// `bpf_get_retval` (id 186).
    #[doc(alias = "BPF_FUNC_get_retval")]
    GetRetval = 186,
    /// `bpf_set_retval` (id 187).
    #[doc(alias = "BPF_FUNC_set_retval")]
    SetRetval = 187,
    /// `bpf_xdp_get_buff_len` (id 188).
    #[doc(alias = "BPF_FUNC_xdp_get_buff_len")]
    XdpGetBuffLen = 188,
    /// `bpf_xdp_load_bytes` (id 189).
    #[doc(alias = "BPF_FUNC_xdp_load_bytes")]
    XdpLoadBytes = 189,
    /// `bpf_xdp_store_bytes` (id 190).
    #[doc(alias = "BPF_FUNC_xdp_store_bytes")]
    XdpStoreBytes = 190,
    /// `bpf_copy_from_user_task` (id 191).
    #[doc(alias = "BPF_FUNC_copy_from_user_task")]
    CopyFromUserTask = 191,
    /// `bpf_skb_set_tstamp` (id 192).
    #[doc(alias = "BPF_FUNC_skb_set_tstamp")]
    SkbSetTstamp = 192,
    /// `bpf_ima_file_hash` (id 193).
    #[doc(alias = "BPF_FUNC_ima_file_hash")]
    ImaFileHash = 193,
    /// `bpf_kptr_xchg` (id 194).
    #[doc(alias = "BPF_FUNC_kptr_xchg")]
    KptrXchg = 194,
    /// `bpf_map_lookup_percpu_elem` (id 195).
    #[doc(alias = "BPF_FUNC_map_lookup_percpu_elem")]
    MapLookupPercpuElem = 195,
    /// `bpf_skc_to_mptcp_sock` (id 196).
    #[doc(alias = "BPF_FUNC_skc_to_mptcp_sock")]
    SkcToMptcpSock = 196,
    /// `bpf_dynptr_from_mem` (id 197).
    #[doc(alias = "BPF_FUNC_dynptr_from_mem")]
    DynptrFromMem = 197,
    /// `bpf_ringbuf_reserve_dynptr` (id 198).
    #[doc(alias = "BPF_FUNC_ringbuf_reserve_dynptr")]
    RingbufReserveDynptr = 198,
    /// `bpf_ringbuf_submit_dynptr` (id 199).
    #[doc(alias = "BPF_FUNC_ringbuf_submit_dynptr")]
    RingbufSubmitDynptr = 199,
    /// `bpf_ringbuf_discard_dynptr` (id 200).
    #[doc(alias = "BPF_FUNC_ringbuf_discard_dynptr")]
    RingbufDiscardDynptr = 200,
    /// `bpf_dynptr_read` (id 201).
    #[doc(alias = "BPF_FUNC_dynptr_read")]
    DynptrRead = 201,
    /// `bpf_dynptr_write` (id 202).
    #[doc(alias = "BPF_FUNC_dynptr_write")]
    DynptrWrite = 202,
    /// `bpf_dynptr_data` (id 203).
    #[doc(alias = "BPF_FUNC_dynptr_data")]
    DynptrData = 203,
    /// `bpf_tcp_raw_gen_syncookie_ipv4` (id 204).
    #[doc(alias = "BPF_FUNC_tcp_raw_gen_syncookie_ipv4")]
    TcpRawGenSyncookieIpv4 = 204,
    /// `bpf_tcp_raw_gen_syncookie_ipv6` (id 205).
    #[doc(alias = "BPF_FUNC_tcp_raw_gen_syncookie_ipv6")]
    TcpRawGenSyncookieIpv6 = 205,
    /// `bpf_tcp_raw_check_syncookie_ipv4` (id 206).
    #[doc(alias = "BPF_FUNC_tcp_raw_check_syncookie_ipv4")]
    TcpRawCheckSyncookieIpv4 = 206,
    /// `bpf_tcp_raw_check_syncookie_ipv6` (id 207).
    #[doc(alias = "BPF_FUNC_tcp_raw_check_syncookie_ipv6")]
    TcpRawCheckSyncookieIpv6 = 207,
    /// `bpf_ktime_get_tai_ns` (id 208).
    #[doc(alias = "BPF_FUNC_ktime_get_tai_ns")]
    KtimeGetTaiNs = 208,
    /// `bpf_user_ringbuf_drain` (id 209).
    #[doc(alias = "BPF_FUNC_user_ringbuf_drain")]
    UserRingbufDrain = 209,
    /// `bpf_cgrp_storage_get` (id 210).
    #[doc(alias = "BPF_FUNC_cgrp_storage_get")]
    CgrpStorageGet = 210,
    /// `bpf_cgrp_storage_delete` (id 211).
    #[doc(alias = "BPF_FUNC_cgrp_storage_delete")]
    CgrpStorageDelete = 211,
}

/// Every helper in id order (index `i` holds id `i + 1`).
const ALL: [Helper; 211] = [
    Helper::MapLookupElem,
    Helper::MapUpdateElem,
    Helper::MapDeleteElem,
    Helper::ProbeRead,
    Helper::KtimeGetNs,
    Helper::TracePrintk,
    Helper::GetPrandomU32,
    Helper::GetSmpProcessorId,
    Helper::SkbStoreBytes,
    Helper::L3CsumReplace,
    Helper::L4CsumReplace,
    Helper::TailCall,
    Helper::CloneRedirect,
    Helper::GetCurrentPidTgid,
    Helper::GetCurrentUidGid,
    Helper::GetCurrentComm,
    Helper::GetCgroupClassid,
    Helper::SkbVlanPush,
    Helper::SkbVlanPop,
    Helper::SkbGetTunnelKey,
    Helper::SkbSetTunnelKey,
    Helper::PerfEventRead,
    Helper::Redirect,
    Helper::GetRouteRealm,
    Helper::PerfEventOutput,
    Helper::SkbLoadBytes,
    Helper::GetStackid,
    Helper::CsumDiff,
    Helper::SkbGetTunnelOpt,
    Helper::SkbSetTunnelOpt,
    Helper::SkbChangeProto,
    Helper::SkbChangeType,
    Helper::SkbUnderCgroup,
    Helper::GetHashRecalc,
    Helper::GetCurrentTask,
    Helper::ProbeWriteUser,
    Helper::CurrentTaskUnderCgroup,
    Helper::SkbChangeTail,
    Helper::SkbPullData,
    Helper::CsumUpdate,
    Helper::SetHashInvalid,
    Helper::GetNumaNodeId,
    Helper::SkbChangeHead,
    Helper::XdpAdjustHead,
    Helper::ProbeReadStr,
    Helper::GetSocketCookie,
    Helper::GetSocketUid,
    Helper::SetHash,
    Helper::Setsockopt,
    Helper::SkbAdjustRoom,
    Helper::RedirectMap,
    Helper::SkRedirectMap,
    Helper::SockMapUpdate,
    Helper::XdpAdjustMeta,
    Helper::PerfEventReadValue,
    Helper::PerfProgReadValue,
    Helper::Getsockopt,
    Helper::OverrideReturn,
    Helper::SockOpsCbFlagsSet,
    Helper::MsgRedirectMap,
    Helper::MsgApplyBytes,
    Helper::MsgCorkBytes,
    Helper::MsgPullData,
    Helper::Bind,
    Helper::XdpAdjustTail,
    Helper::SkbGetXfrmState,
    Helper::GetStack,
    Helper::SkbLoadBytesRelative,
    Helper::FibLookup,
    Helper::SockHashUpdate,
    Helper::MsgRedirectHash,
    Helper::SkRedirectHash,
    Helper::LwtPushEncap,
    Helper::LwtSeg6StoreBytes,
    Helper::LwtSeg6AdjustSrh,
    Helper::LwtSeg6Action,
    Helper::RcRepeat,
    Helper::RcKeydown,
    Helper::SkbCgroupId,
    Helper::GetCurrentCgroupId,
    Helper::GetLocalStorage,
    Helper::SkSelectReuseport,
    Helper::SkbAncestorCgroupId,
    Helper::SkLookupTcp,
    Helper::SkLookupUdp,
    Helper::SkRelease,
    Helper::MapPushElem,
    Helper::MapPopElem,
    Helper::MapPeekElem,
    Helper::MsgPushData,
    Helper::MsgPopData,
    Helper::RcPointerRel,
    Helper::SpinLock,
    Helper::SpinUnlock,
    Helper::SkFullsock,
    Helper::TcpSock,
    Helper::SkbEcnSetCe,
    Helper::GetListenerSock,
    Helper::SkcLookupTcp,
    Helper::TcpCheckSyncookie,
    Helper::SysctlGetName,
    Helper::SysctlGetCurrentValue,
    Helper::SysctlGetNewValue,
    Helper::SysctlSetNewValue,
    Helper::Strtol,
    Helper::Strtoul,
    Helper::SkStorageGet,
    Helper::SkStorageDelete,
    Helper::SendSignal,
    Helper::TcpGenSyncookie,
    Helper::SkbOutput,
    Helper::ProbeReadUser,
    Helper::ProbeReadKernel,
    Helper::ProbeReadUserStr,
    Helper::ProbeReadKernelStr,
    Helper::TcpSendAck,
    Helper::SendSignalThread,
    Helper::Jiffies64,
    Helper::ReadBranchRecords,
    Helper::GetNsCurrentPidTgid,
    Helper::XdpOutput,
    Helper::GetNetnsCookie,
    Helper::GetCurrentAncestorCgroupId,
    Helper::SkAssign,
    Helper::KtimeGetBootNs,
    Helper::SeqPrintf,
    Helper::SeqWrite,
    Helper::SkCgroupId,
    Helper::SkAncestorCgroupId,
    Helper::RingbufOutput,
    Helper::RingbufReserve,
    Helper::RingbufSubmit,
    Helper::RingbufDiscard,
    Helper::RingbufQuery,
    Helper::CsumLevel,
    Helper::SkcToTcp6Sock,
    Helper::SkcToTcpSock,
    Helper::SkcToTcpTimewaitSock,
    Helper::SkcToTcpRequestSock,
    Helper::SkcToUdp6Sock,
    Helper::GetTaskStack,
    Helper::LoadHdrOpt,
    Helper::StoreHdrOpt,
    Helper::ReserveHdrOpt,
    Helper::InodeStorageGet,
    Helper::InodeStorageDelete,
    Helper::DPath,
    Helper::CopyFromUser,
    Helper::SnprintfBtf,
    Helper::SeqPrintfBtf,
    Helper::SkbCgroupClassid,
    Helper::RedirectNeigh,
    Helper::PerCpuPtr,
    Helper::ThisCpuPtr,
    Helper::RedirectPeer,
    Helper::TaskStorageGet,
    Helper::TaskStorageDelete,
    Helper::GetCurrentTaskBtf,
    Helper::BprmOptsSet,
    Helper::KtimeGetCoarseNs,
    Helper::ImaInodeHash,
    Helper::SockFromFile,
    Helper::CheckMtu,
    Helper::ForEachMapElem,
    Helper::Snprintf,
    Helper::SysBpf,
    Helper::BtfFindByNameKind,
    Helper::SysClose,
    Helper::TimerInit,
    Helper::TimerSetCallback,
    Helper::TimerStart,
    Helper::TimerCancel,
    Helper::GetFuncIp,
    Helper::GetAttachCookie,
    Helper::TaskPtRegs,
    Helper::GetBranchSnapshot,
    Helper::TraceVprintk,
    Helper::SkcToUnixSock,
    Helper::KallsymsLookupName,
    Helper::FindVma,
    Helper::Loop,
    Helper::Strncmp,
    Helper::GetFuncArg,
    Helper::GetFuncRet,
    Helper::GetFuncArgCnt,
    Helper::GetRetval,
    Helper::SetRetval,
    Helper::XdpGetBuffLen,
    Helper::XdpLoadBytes,
    Helper::XdpStoreBytes,
    Helper::CopyFromUserTask,
    Helper::SkbSetTstamp,
    Helper::ImaFileHash,
    Helper::KptrXchg,
    Helper::MapLookupPercpuElem,
    Helper::SkcToMptcpSock,
    Helper::DynptrFromMem,
    Helper::RingbufReserveDynptr,
    Helper::RingbufSubmitDynptr,
    Helper::RingbufDiscardDynptr,
    Helper::DynptrRead,
    Helper::DynptrWrite,
    Helper::DynptrData,
    Helper::TcpRawGenSyncookieIpv4,
    Helper::TcpRawGenSyncookieIpv6,
    Helper::TcpRawCheckSyncookieIpv4,
    Helper::TcpRawCheckSyncookieIpv6,
    Helper::KtimeGetTaiNs,
    Helper::UserRingbufDrain,
    Helper::CgrpStorageGet,
    Helper::CgrpStorageDelete,
];

/// The C names, in id order.
const NAMES: [&str; 211] = [
    "bpf_map_lookup_elem",
    "bpf_map_update_elem",
    "bpf_map_delete_elem",
    "bpf_probe_read",
    "bpf_ktime_get_ns",
    "bpf_trace_printk",
    "bpf_get_prandom_u32",
    "bpf_get_smp_processor_id",
    "bpf_skb_store_bytes",
    "bpf_l3_csum_replace",
    "bpf_l4_csum_replace",
    "bpf_tail_call",
    "bpf_clone_redirect",
    "bpf_get_current_pid_tgid",
    "bpf_get_current_uid_gid",
    "bpf_get_current_comm",
    "bpf_get_cgroup_classid",
    "bpf_skb_vlan_push",
    "bpf_skb_vlan_pop",
    "bpf_skb_get_tunnel_key",
    "bpf_skb_set_tunnel_key",
    "bpf_perf_event_read",
    "bpf_redirect",
    "bpf_get_route_realm",
    "bpf_perf_event_output",
    "bpf_skb_load_bytes",
    "bpf_get_stackid",
    "bpf_csum_diff",
    "bpf_skb_get_tunnel_opt",
    "bpf_skb_set_tunnel_opt",
    "bpf_skb_change_proto",
    "bpf_skb_change_type",
    "bpf_skb_under_cgroup",
    "bpf_get_hash_recalc",
    "bpf_get_current_task",
    "bpf_probe_write_user",
    "bpf_current_task_under_cgroup",
    "bpf_skb_change_tail",
    "bpf_skb_pull_data",
    "bpf_csum_update",
    "bpf_set_hash_invalid",
    "bpf_get_numa_node_id",
    "bpf_skb_change_head",
    "bpf_xdp_adjust_head",
    "bpf_probe_read_str",
    "bpf_get_socket_cookie",
    "bpf_get_socket_uid",
    "bpf_set_hash",
    "bpf_setsockopt",
    "bpf_skb_adjust_room",
    "bpf_redirect_map",
    "bpf_sk_redirect_map",
    "bpf_sock_map_update",
    "bpf_xdp_adjust_meta",
    "bpf_perf_event_read_value",
    "bpf_perf_prog_read_value",
    "bpf_getsockopt",
    "bpf_override_return",
    "bpf_sock_ops_cb_flags_set",
    "bpf_msg_redirect_map",
    "bpf_msg_apply_bytes",
    "bpf_msg_cork_bytes",
    "bpf_msg_pull_data",
    "bpf_bind",
    "bpf_xdp_adjust_tail",
    "bpf_skb_get_xfrm_state",
    "bpf_get_stack",
    "bpf_skb_load_bytes_relative",
    "bpf_fib_lookup",
    "bpf_sock_hash_update",
    "bpf_msg_redirect_hash",
    "bpf_sk_redirect_hash",
    "bpf_lwt_push_encap",
    "bpf_lwt_seg6_store_bytes",
    "bpf_lwt_seg6_adjust_srh",
    "bpf_lwt_seg6_action",
    "bpf_rc_repeat",
    "bpf_rc_keydown",
    "bpf_skb_cgroup_id",
    "bpf_get_current_cgroup_id",
    "bpf_get_local_storage",
    "bpf_sk_select_reuseport",
    "bpf_skb_ancestor_cgroup_id",
    "bpf_sk_lookup_tcp",
    "bpf_sk_lookup_udp",
    "bpf_sk_release",
    "bpf_map_push_elem",
    "bpf_map_pop_elem",
    "bpf_map_peek_elem",
    "bpf_msg_push_data",
    "bpf_msg_pop_data",
    "bpf_rc_pointer_rel",
    "bpf_spin_lock",
    "bpf_spin_unlock",
    "bpf_sk_fullsock",
    "bpf_tcp_sock",
    "bpf_skb_ecn_set_ce",
    "bpf_get_listener_sock",
    "bpf_skc_lookup_tcp",
    "bpf_tcp_check_syncookie",
    "bpf_sysctl_get_name",
    "bpf_sysctl_get_current_value",
    "bpf_sysctl_get_new_value",
    "bpf_sysctl_set_new_value",
    "bpf_strtol",
    "bpf_strtoul",
    "bpf_sk_storage_get",
    "bpf_sk_storage_delete",
    "bpf_send_signal",
    "bpf_tcp_gen_syncookie",
    "bpf_skb_output",
    "bpf_probe_read_user",
    "bpf_probe_read_kernel",
    "bpf_probe_read_user_str",
    "bpf_probe_read_kernel_str",
    "bpf_tcp_send_ack",
    "bpf_send_signal_thread",
    "bpf_jiffies64",
    "bpf_read_branch_records",
    "bpf_get_ns_current_pid_tgid",
    "bpf_xdp_output",
    "bpf_get_netns_cookie",
    "bpf_get_current_ancestor_cgroup_id",
    "bpf_sk_assign",
    "bpf_ktime_get_boot_ns",
    "bpf_seq_printf",
    "bpf_seq_write",
    "bpf_sk_cgroup_id",
    "bpf_sk_ancestor_cgroup_id",
    "bpf_ringbuf_output",
    "bpf_ringbuf_reserve",
    "bpf_ringbuf_submit",
    "bpf_ringbuf_discard",
    "bpf_ringbuf_query",
    "bpf_csum_level",
    "bpf_skc_to_tcp6_sock",
    "bpf_skc_to_tcp_sock",
    "bpf_skc_to_tcp_timewait_sock",
    "bpf_skc_to_tcp_request_sock",
    "bpf_skc_to_udp6_sock",
    "bpf_get_task_stack",
    "bpf_load_hdr_opt",
    "bpf_store_hdr_opt",
    "bpf_reserve_hdr_opt",
    "bpf_inode_storage_get",
    "bpf_inode_storage_delete",
    "bpf_d_path",
    "bpf_copy_from_user",
    "bpf_snprintf_btf",
    "bpf_seq_printf_btf",
    "bpf_skb_cgroup_classid",
    "bpf_redirect_neigh",
    "bpf_per_cpu_ptr",
    "bpf_this_cpu_ptr",
    "bpf_redirect_peer",
    "bpf_task_storage_get",
    "bpf_task_storage_delete",
    "bpf_get_current_task_btf",
    "bpf_bprm_opts_set",
    "bpf_ktime_get_coarse_ns",
    "bpf_ima_inode_hash",
    "bpf_sock_from_file",
    "bpf_check_mtu",
    "bpf_for_each_map_elem",
    "bpf_snprintf",
    "bpf_sys_bpf",
    "bpf_btf_find_by_name_kind",
    "bpf_sys_close",
    "bpf_timer_init",
    "bpf_timer_set_callback",
    "bpf_timer_start",
    "bpf_timer_cancel",
    "bpf_get_func_ip",
    "bpf_get_attach_cookie",
    "bpf_task_pt_regs",
    "bpf_get_branch_snapshot",
    "bpf_trace_vprintk",
    "bpf_skc_to_unix_sock",
    "bpf_kallsyms_lookup_name",
    "bpf_find_vma",
    "bpf_loop",
    "bpf_strncmp",
    "bpf_get_func_arg",
    "bpf_get_func_ret",
    "bpf_get_func_arg_cnt",
    "bpf_get_retval",
    "bpf_set_retval",
    "bpf_xdp_get_buff_len",
    "bpf_xdp_load_bytes",
    "bpf_xdp_store_bytes",
    "bpf_copy_from_user_task",
    "bpf_skb_set_tstamp",
    "bpf_ima_file_hash",
    "bpf_kptr_xchg",
    "bpf_map_lookup_percpu_elem",
    "bpf_skc_to_mptcp_sock",
    "bpf_dynptr_from_mem",
    "bpf_ringbuf_reserve_dynptr",
    "bpf_ringbuf_submit_dynptr",
    "bpf_ringbuf_discard_dynptr",
    "bpf_dynptr_read",
    "bpf_dynptr_write",
    "bpf_dynptr_data",
    "bpf_tcp_raw_gen_syncookie_ipv4",
    "bpf_tcp_raw_gen_syncookie_ipv6",
    "bpf_tcp_raw_check_syncookie_ipv4",
    "bpf_tcp_raw_check_syncookie_ipv6",
    "bpf_ktime_get_tai_ns",
    "bpf_user_ringbuf_drain",
    "bpf_cgrp_storage_get",
    "bpf_cgrp_storage_delete",
];

impl Helper {
    /// The kernel's id for this helper (`BPF_FUNC_*`).
    pub fn id(self) -> u32 {
        self as u32
    }

    /// The helper with kernel id `id`, if this crate knows it.
    pub fn from_id(id: u32) -> Option<Helper> {
        ALL.get(usize::try_from(id).ok()?.checked_sub(1)?).copied()
    }

    /// The C name, e.g. `"bpf_map_lookup_elem"`.
    pub fn name(self) -> &'static str {
        NAMES[self as usize - 1]
    }

    /// The helper named `name`, with or without the `bpf_` prefix.
    pub fn from_name(name: &str) -> Option<Helper> {
        let name = name.strip_prefix("bpf_").unwrap_or(name);
        let index = NAMES.iter().position(|n| n.strip_prefix("bpf_") == Some(name))?;
        Some(ALL[index])
    }

    /// Every helper this crate knows, in id order.
    pub fn all() -> &'static [Helper] {
        &ALL
    }
}

impl fmt::Display for Helper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A helper id as it goes into a `call` instruction: a named [`Helper`] or
/// any raw id (for helpers newer than this crate, or for testing the verifier).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HelperId(pub i32);

impl HelperId {
    /// The named helper, when this crate knows the id.
    pub fn helper(self) -> Option<Helper> {
        u32::try_from(self.0).ok().and_then(Helper::from_id)
    }
}

impl From<Helper> for HelperId {
    fn from(h: Helper) -> HelperId {
        HelperId(h.id() as i32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_names_and_order_agree() {
        for (i, h) in Helper::all().iter().enumerate() {
            assert_eq!(h.id() as usize, i + 1);
            assert_eq!(Helper::from_id(h.id()), Some(*h));
            assert_eq!(Helper::from_name(h.name()), Some(*h));
            assert!(h.name().starts_with("bpf_"));
        }
        assert_eq!(Helper::from_id(0), None);
        assert_eq!(Helper::from_id(Helper::all().len() as u32 + 1), None);
    }

    #[test]
    fn well_known_ids() {
        // Spot checks against bpf.h's enum bpf_func_id.
        assert_eq!(Helper::MapLookupElem.id(), 1);
        assert_eq!(Helper::MapUpdateElem.id(), 2);
        assert_eq!(Helper::TailCall.id(), 12);
        assert_eq!(Helper::XdpAdjustHead.id(), 44);
        assert_eq!(Helper::RingbufOutput.id(), 130);
        assert_eq!(Helper::UserRingbufDrain.id(), 209);
        assert_eq!(Helper::CgrpStorageDelete.id(), 211);
    }
}
