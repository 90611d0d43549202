#!/usr/bin/env bash
# Fuzzes Sideline's parsers of outside input with cargo fuzz (libFuzzer, the
# nightly toolchain): the client frame parser, the token verifier, host events,
# DynamoDB stream records and tenant config documents (fuzz/src/lib.rs says what
# each checks).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Runs each target (default: all) for SECONDS (default 15; the test command's short
# run) and fails on the first crash, leak of memory over the limit, or timeout.
# A longer run: scripts/fuzz.sh 1800. cargo-fuzz is installed under the cache
# folder when missing; builds go to <cache>/fuzz-target; each target's corpus grows
# in <cache>/fuzz-corpus/<target> (fuzz/seeds/<target> is read, never written), and
# crashing inputs land in <cache>/fuzz-artifacts/<target>/. Once fixed, copy a
# crashing input into fuzz/regressions/<target>/: the tests replay it.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cache="${SIDELINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sideline}"
seconds="${1:-15}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(client_frame token host_events stream_record tenant_config)
fi

cargo_fuzz_version=0.13.2
tools="$cache/tools"
if ! "$tools/bin/cargo-fuzz" --version 2>/dev/null | grep -qx "cargo-fuzz $cargo_fuzz_version"; then
    cargo install --quiet --locked --root "$tools" --version "$cargo_fuzz_version" cargo-fuzz
fi
export PATH="$tools/bin:$PATH"
if ! rustup toolchain list | grep -q '^nightly'; then
    echo "cargo fuzz needs the nightly toolchain (rustup toolchain install nightly)" >&2
    exit 1
fi

cd "$root/fuzz"
# Without a sanitizer: Rust code is memory-safe, and the build is half the time.
# libFuzzer's own limits still apply: memory (-rss_limit_mb), time per input
# (-timeout) and input size (-max_len).
export CARGO_TARGET_DIR="$cache/fuzz-target"
cargo +nightly fuzz build --sanitizer none

for target in "${targets[@]}"; do
    corpus="$cache/fuzz-corpus/$target"
    artifacts="$cache/fuzz-artifacts/$target"
    mkdir -p "$corpus" "$artifacts"
    # The seeds and any crash once found (kept in regressions/) start each run.
    inputs=("$corpus" "seeds/$target")
    if [ -d "regressions/$target" ]; then inputs+=("regressions/$target"); fi
    echo "fuzzing $target for ${seconds}s"
    if ! cargo +nightly fuzz run --sanitizer none "$target" "${inputs[@]}" -- \
        -max_total_time="$seconds" -rss_limit_mb=1024 -timeout=10 -max_len=65536 \
        -artifact_prefix="$artifacts/" -print_final_stats=1 2>"$cache/fuzz-$target.log"; then
        tail -n 40 "$cache/fuzz-$target.log" >&2
        echo "fuzz target $target failed; the input is in $artifacts/" >&2
        echo "fix it, then keep the input in fuzz/regressions/$target/" >&2
        exit 1
    fi
    grep -E '^stat::(number_of_executed_units|peak_rss_mb|new_units_added)' "$cache/fuzz-$target.log" |
        sed "s/^/  $target /"
done
