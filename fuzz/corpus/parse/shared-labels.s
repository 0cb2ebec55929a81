a: b: goto c
c: d:
  exit
start:

  // nothing here
  goto start
call bpf_ktime_get_ns
exit
bpf_ktime_get_ns: exit
