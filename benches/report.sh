#!/usr/bin/env bash
# Everything BENCHMARKS.md reports, in one run (as root): the criterion
# benches with their paired ratios, then the footprint of the example as a
# static binary (both builds), its peak RSS and its bpf() calls, and the size
# of the static bpfkit command.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v strace >/dev/null 2>&1 || need+=(strace)
[[ -x /usr/bin/time ]] || need+=(time)
if ((${#need[@]})); then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

cargo bench --bench load --bench maps --bench attach --bench ringbuf --bench perf_buffer 2>&1 | grep -E 'paired|^[a-z_/]+ +time:|^ +thrpt:|skipped'

target=x86_64-unknown-linux-gnu
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for build in no-netlink netlink; do
  flags=()
  [[ $build == no-netlink ]] && flags=(--no-default-features)
  RUSTFLAGS="-C target-feature=+crt-static" cargo build -q --release "${flags[@]}" \
    --example xdp_counter --target "$target" --target-dir "target/footprint-$build"
  bin="$out/xdp_counter-$build"
  strip -o "$bin" "target/footprint-$build/$target/release/examples/xdp_counter"
  size=$(stat -c %s "$bin")
  echo "xdp_counter ($build): $size bytes ($((size / 1024)) KiB), static, stripped"
  rss=$(/usr/bin/time -f %M "$bin" --duration 1 2>&1 >/dev/null | tail -1)
  echo "xdp_counter ($build): peak RSS ${rss} KiB over a 1 s run"
done
# The bpfkit command (workspace member cli/), built the way the README says.
for build in no-netlink netlink; do
  flags=()
  [[ $build == no-netlink ]] && flags=(--no-default-features)
  RUSTFLAGS="-C target-feature=+crt-static" cargo build -q --release "${flags[@]}" \
    -p bpfkit-cli --target "$target" --target-dir "target/footprint-$build"
  strip -o "$out/bpfkit-$build" "target/footprint-$build/$target/release/bpfkit"
  size=$(stat -c %s "$out/bpfkit-$build")
  echo "bpfkit ($build): $size bytes ($((size / 1024)) KiB), static, stripped"
done
strace -f -e trace=bpf -o "$out/strace" "$out/xdp_counter-no-netlink" --duration 1 --no-traffic >/dev/null
echo "bpf() calls of the load: $(grep -cE 'BPF_MAP_CREATE|BPF_PROG_LOAD' "$out/strace")" \
  "($(grep -oE 'bpf\(BPF_[A-Z_]+' "$out/strace" | sed 's/bpf(//' | head -2 | paste -sd' '))"
