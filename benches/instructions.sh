#!/usr/bin/env bash
# User-space instructions per iteration of each case of
# benches/instructions.rs, counted by callgrind (as root: the cases load
# programs). Installs valgrind if missing. Usage: benches/instructions.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
if ! command -v valgrind >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null
fi
bin=$(cargo bench --bench instructions --no-run --message-format=json 2>/dev/null |
  sed -n 's/.*"executable":"\([^"]*instructions[^"]*\)".*/\1/p' | tail -1)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for case in raw_load load raw_map map build raw cycle; do
  valgrind --tool=callgrind --callgrind-out-file="$out/$case" --collect-atstart=no \
    --toggle-collect="instructions::measured_$case" "$bin" "$case" "$n" >/dev/null 2>&1
  total=$(sed -n 's/^summary: *//p' "$out/$case")
  printf '%-9s %7d instructions per iteration\n' "$case" "$((total / n))"
done
