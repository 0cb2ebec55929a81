#!/usr/bin/env bash
# Re-check every LLVM-confirmed row of insns.tsv: assemble column 3 (text) with each installed llvm-mc
# and compare the bytes with column 2 (hex).
#   oracle llvm14+llvm19 -> checked with LLVM 19's llvm-mc and LLVM 14's llvm-mc
#   oracle llvm19        -> checked with LLVM 19's llvm-mc only
#   oracle kernel-doc    -> not checked (no LLVM spelling)
# No -mcpu/-mattr flag: llvm-mc reads and encodes every BPF form the same with or without them (see insns.tsv).
# LLVM N's llvm-mc is llvm-mc-N, or a plain llvm-mc whose --version says LLVM N. Override with
# LLVM_MC19=... / LLVM_MC14=... ; set one empty (LLVM_MC14=) to skip that version. A version not found is
# skipped with a line saying so. Exit 0 = all checked rows match, 1 = mismatch or assembler error (listed),
# 2 = no llvm-mc found (nothing checked).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tsv=$here/insns.tsv
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# llvm_mc MAJOR: the name of LLVM MAJOR's llvm-mc, or nothing.
llvm_mc() {
  if command -v "llvm-mc-$1" >/dev/null 2>&1; then echo "llvm-mc-$1"
  elif command -v llvm-mc >/dev/null 2>&1 && llvm-mc --version 2>/dev/null | grep -q "LLVM version $1\."; then echo llvm-mc
  fi
  return 0
}
mc19=${LLVM_MC19-$(llvm_mc 19)}
mc14=${LLVM_MC14-$(llvm_mc 14)}

fail=0 ran=0
# check NAME TOOL ORACLE_REGEX MC_ARGS...
check() {
  local name=$1 tool=$2 re=$3; shift 3
  if [[ -z $tool ]] || ! command -v "$tool" >/dev/null 2>&1; then
    echo "skip $name: ${tool:-llvm-mc of LLVM ${name#llvm}} is not installed"; return
  fi
  ran=1
  awk -F'\t' -v re="$re" '!/^#/ && NF == 4 && $4 ~ re { print $1 "\t" $2 "\t" $3 }' "$tsv" > "$tmp/rows"
  cut -f3 "$tmp/rows" > "$tmp/in.s"
  "$tool" -triple bpfel -show-encoding "$@" "$tmp/in.s" > "$tmp/out" 2> "$tmp/err" || true
  # encoding: [0xb7,0x00,...] -> b700... with a space after every 8 bytes
  sed -n 's/.*# encoding: \[\(.*\)\]$/\1/p' "$tmp/out" |
    awk -F, '{ s = ""; for (i = 1; i <= NF; i++) { s = s substr($i, 3); if (i % 8 == 0 && i < NF) s = s " " } print s }' > "$tmp/got"
  # rows llvm-mc rejected (no encoding printed for them): report, then compare the rest in order
  grep -E '^[^ ]+:[0-9]+:[0-9]+: error' "$tmp/err" | cut -d: -f2 | sort -un > "$tmp/errlines" || true
  awk -F'\t' 'FILENAME == ARGV[1] { e[$1] = 1; next } !(FNR in e)' "$tmp/errlines" "$tmp/rows" > "$tmp/okrows"
  local n ok
  n=$(wc -l < "$tmp/rows"); ok=$(wc -l < "$tmp/okrows")
  {
    grep -E '^[^ ]+:[0-9]+:[0-9]+: error' "$tmp/err" | while IFS=: read -r _ line _ _ msg; do
      printf '  %s\t%s\tassembler error:%s\n' "$(sed -n "${line}p" "$tmp/rows" | cut -f1)" "$(sed -n "${line}p" "$tmp/in.s")" "$msg"
    done || true
    if [[ $(wc -l < "$tmp/got") -ne $ok ]]; then
      echo "  got $(wc -l < "$tmp/got") encodings for $ok accepted rows"
    else
      paste "$tmp/okrows" "$tmp/got" | awk -F'\t' '$2 != $4 { printf "  %s\t%s\twant %s\tgot %s\n", $1, $3, $2, $4 }'
    fi
  } > "$tmp/bad"
  if [[ -s $tmp/bad ]]; then echo "FAIL $name ($tool): $(wc -l < "$tmp/bad") problem(s) in $n rows"; cat "$tmp/bad"; fail=1
  else echo "ok   $name ($tool): $n rows"; fi
}

check llvm19 "$mc19" '^(llvm14[+])?llvm19$'
check llvm14 "$mc14" '^llvm14[+]llvm19$'

if [[ $ran -eq 0 ]]; then echo "no llvm-mc found: nothing checked"; exit 2; fi
exit $fail
