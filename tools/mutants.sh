#!/usr/bin/env bash
# Mutation testing of the core runtime files (listed below): every small change
# cargo-mutants makes to them (a `+` made `-`, a body made `Ok(())`, a condition made `true`)
# must make some test fail. A mutant that survives is a missing assertion, or dead code.
#
# Usage: bash tools/mutants.sh [cargo-mutants options]
#   bash tools/mutants.sh                              # all core files (about 940 mutants)
#   bash tools/mutants.sh -f runtime/src/replay.rs     # one file
#   bash tools/mutants.sh --in-diff <(git diff main)   # only what a change touched
#   bash tools/mutants.sh -j 2                         # two builds at a time
# Results: mutants.out/ (missed.txt, caught.txt, unviable.txt, timeout.txt, log/).
# The PostgreSQL tests start a throwaway server themselves (see tools/postgres/start.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

version=27.1.0
if ! cargo mutants --version 2>/dev/null | grep -qx "cargo-mutants $version"; then
    cargo install cargo-mutants --locked --version "$version"
fi

# The tests that check the core files: the runtime's unit tests and the facade's integration
# tests of runtime behaviour (not the UI, README or diagram tests, which check the macro).
tests=(--lib
    --test order --test properties --test tcp --test traffic_light --test hooks
    --test idempotent --test timeouts --test recorders --test debug_output --test panics
    --test snapshots
    --test journal --test journal_fuzz --test journal_crash --test journal_lock
    --test journal_memory --test journal_recovery --test sqlite --test postgres)

# cargo-mutants' own baseline run tests only the mutated package, and the integration tests
# live in the facade package; so run the same selection once here, unmutated, and skip its
# baseline. A failure here means the tree itself is broken: fix that first.
cargo test -p statewright -p statewright-runtime -p statewright-sql --all-features "${tests[@]}"

# The core: what records, replays, dispatches and stores transitions. Files named with -f
# replace this list (cargo-mutants would add them to globs from its config file).
core=(-f runtime/src/replay.rs -f runtime/src/dynamic.rs -f runtime/src/record.rs
    -f runtime/src/recorder.rs -f runtime/src/idempotent.rs -f runtime/src/timer.rs
    -f 'runtime/src/journal/*.rs' -f 'sql/src/*.rs')
for arg in "$@"; do
    case "$arg" in -f | --file | --file=* | --in-diff | --in-diff=*) core=() ;; esac
done

cargo mutants --workspace --baseline=skip --timeout 600 "${core[@]}" "$@" -- "${tests[@]}"
