#!/usr/bin/env bash
# The whole Sideline test suite, with its own set-up. This is the README's test
# command and what .ci/run calls.
#
#   1. tools: a Python venv with moto server, cfn-lint, SAM CLI and cargo-lambda,
#      under the cache folder and reused when present;
#   2. fmt and clippy (-D warnings);
#   3. moto server on a free loopback port, stopped on exit;
#   4. the sources of the inline moderation stage's host-word set (Debian word
#      lists via apt-get when missing, two npm packages under the cache folder),
#      so its test can rebuild the set and compare it with the committed one;
#   5. cargo test --workspace --include-ignored: the tests that need moto are
#      #[ignore]d for a plain `cargo test` and run here against the moto started
#      above (a missing endpoint fails them); the layering check is among them;
#   6. the fuzz targets (fuzz/): cargo-fuzz under the cache folder, a build with
#      the nightly toolchain and a short run of each (SIDELINE_FUZZ_SECONDS, 15);
#   7. the TypeScript client and the room panel (clients/js): Debian's chromium
#      (apt-get, only when missing), npm ci with its cache under the cache
#      folder, tsc and the panel bundle, and node's test runner against a
#      devstack it starts (the panel's tests drive headless Chromium);
#   8. templates: cfn-lint (template.yaml and infra/analytics/), sam validate --lint,
#      and sam build with
#      cargo-lambda (skip it with SIDELINE_SKIP_SAM_BUILD=1 for quick local runs).
#
# Cache folder: $SIDELINE_CACHE, else $XDG_CACHE_HOME/sideline, else ~/.cache/sideline.
# Cargo builds go to $CARGO_TARGET_DIR, else <cache>/target, outside the clone so
# they are reused between clones.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cache="${SIDELINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sideline}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$cache/target}"
venv="$cache/venv"
mkdir -p "$cache"

step() { printf '\n==> %s\n' "$*"; }

step "tools (venv at $venv)"
stamp="$venv/.requirements"
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$root/scripts/requirements.txt" "$stamp"; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$root/scripts/requirements.txt"
    cp "$root/scripts/requirements.txt" "$stamp"
else
    echo "reusing $venv"
fi
export PATH="$venv/bin:$PATH"

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "moto server"
port=$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
moto_log="$cache/moto.log"
"$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$moto_log" 2>&1 &
moto_pid=$!
trap 'kill "$moto_pid" 2>/dev/null || true; wait "$moto_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    if "$venv/bin/python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/', timeout=1)" 2>/dev/null; then
        break
    fi
    if ! kill -0 "$moto_pid" 2>/dev/null; then
        echo "moto server exited; its log:" >&2
        cat "$moto_log" >&2
        exit 1
    fi
    sleep 0.2
done
echo "moto server on http://127.0.0.1:$port (pid $moto_pid)"

step "host-word sources (word lists and gazetteer, for the set's drift check)"
host_words=$(bash scripts/host-words.sh)
echo "$host_words"

step "cargo test --workspace, moto tests included"
SIDELINE_MOTO_ENDPOINT="http://127.0.0.1:$port" SIDELINE_HOST_WORD_SOURCES="$host_words" \
    cargo test --workspace -- --include-ignored

step "fuzz targets: a short run of each (cargo fuzz, nightly; scripts/fuzz.sh)"
bash scripts/fuzz.sh "${SIDELINE_FUZZ_SECONDS:-15}"

step "client and panel (clients/js): Chromium, npm install from the cache, build, tests against devstack"
if ! command -v chromium >/dev/null 2>&1; then
    # Debian's Chromium drives the panel tests (no browser downloads).
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends chromium \
        || { apt-get update && apt-get install -y --no-install-recommends chromium; }
fi
cargo build -p devstack --quiet
export npm_config_cache="$cache/npm"
(
    cd clients/js
    npm ci --prefer-offline --no-audit --no-fund --loglevel=error
    npm run build
    SIDELINE_DEVSTACK_BIN="$CARGO_TARGET_DIR/debug/devstack" \
        SIDELINE_CHROMIUM="$(command -v chromium)" npm test
)

step "templates: cfn-lint (main and analytics) and sam validate --lint"
cfn-lint template.yaml infra/analytics/*.yaml
AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}" SAM_CLI_TELEMETRY=0 sam validate --lint

if [ "${SIDELINE_SKIP_SAM_BUILD:-0}" != "1" ]; then
    step "sam build (cargo-lambda, release)"
    AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}" SAM_CLI_TELEMETRY=0 \
        sam build --beta-features --build-dir "$cache/sam-build" --cache-dir "$cache/sam-cache"
    echo "bootstrap sizes (bytes; each must stay under 8,000,000):"
    too_big=0
    for fn in "$cache"/sam-build/*/bootstrap; do
        size=$(wc -c <"$fn")
        printf '  %-24s %s\n' "$(basename "$(dirname "$fn")")" "$size"
        if [ "$size" -ge 8000000 ]; then too_big=1; fi
    done
    if [ "$too_big" = 1 ]; then
        echo "a bootstrap is 8 MB or more" >&2
        exit 1
    fi
fi

step "all checks passed"
