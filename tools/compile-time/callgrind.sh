#!/usr/bin/env bash
# Instructions (valgrind's callgrind) of the rustc command that `cargo check` runs for one
# crate of a scratch workspace kept by run.py (`--keep --scratch DIR`): deterministic, unlike
# wall time on a shared machine.
#
#   tools/compile-time/callgrind.sh DIR CRATE [OUT]     # e.g. DIR sw_n200; prints "CRATE Ir"
#
# The crate's src/lib.rs is touched, `cargo check -v -p CRATE` (CARGO_INCREMENTAL=0, as run.py
# times it) prints the rustc command, and that command runs again under
# `valgrind --tool=callgrind --trace-children=yes`; the `summary:` lines of the output files
# (one per process) are summed. The proc macro runs inside rustc, so it is counted. With OUT the
# callgrind files are kept there (for callgrind_annotate), otherwise deleted.
set -euo pipefail
if [ $# -lt 2 ]; then
    sed -n '2,12p' "$0" >&2
    exit 2
fi
scratch=$(cd "$1" && pwd)
crate=$2
keep=${3:-}
[ -n "$keep" ] && mkdir -p "$keep" && keep=$(cd "$keep" && pwd)
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 1; }
[ -f "$scratch/.statewright-compile-time" ] || { echo "$scratch: not a run.py scratch workspace" >&2; exit 1; }
cd "$scratch"
export CARGO_INCREMENTAL=0 CARGO_TARGET_DIR="$scratch/target" CARGO_TERM_COLOR=never
touch "crates/$crate/src/lib.rs"
cmd=$(cargo check -v -p "$crate" 2>&1 | grep 'Running `' | grep -- "--crate-name $crate " \
    | tail -n 1 | sed 's/^ *Running `//; s/`$//')
[ -n "$cmd" ] || { echo "cargo check -v -p $crate ran no rustc for $crate" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
eval "valgrind --tool=callgrind --trace-children=yes --callgrind-out-file=$out/callgrind.out.%p $cmd" \
    >"$out/log" 2>&1 || { cat "$out/log" >&2; exit 1; }
total=0
for f in "$out"/callgrind.out.*; do
    n=$(grep -m 1 '^summary:' "$f" | awk '{print $2}')
    total=$((total + ${n:-0}))
done
[ -n "$keep" ] && mv "$out"/callgrind.out.* "$keep"/
echo "$crate $total"
