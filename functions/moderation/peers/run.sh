#!/usr/bin/env bash
# The moderation comparison: the inline stage beside the filters a team would pick
# instead — npm `obscenity` and `bad-words`, PyPI `alt-profanity-check` — over one
# half of the evaluation set (default: test), all scored by moderation-eval the
# same way, in one table. Installs the peers with npm's cache and a venv under the
# cache folder (node_modules in this folder), reused when present.
#
#   functions/moderation/peers/run.sh [dev|test]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
half="${1:-test}"
cache="${SIDELINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sideline}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$cache/target}"
venv="$cache/peers-venv"
corpus="$root/functions/moderation/corpus/eval"
out="$here/out/$half"

stamp="$venv/.requirements"
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$here/requirements.txt" "$stamp"; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
    cp "$here/requirements.txt" "$stamp"
fi
(cd "$here" && npm_config_cache="$cache/npm" npm ci --prefer-offline --no-audit --no-fund --loglevel=error)

node "$here/peers.mjs" "$corpus" "$half" "$out"
"$venv/bin/python" "$here/run_profanity_check.py" "$corpus" "$half" "$out/alt-profanity-check.jsonl"

(cd "$root" && cargo build --quiet --release -p moderation --bin moderation-eval)
"$CARGO_TARGET_DIR/release/moderation-eval" --corpus "$corpus" --half "$half" \
    --peer "obscenity=$out/obscenity.jsonl" \
    --peer "bad-words=$out/bad-words.jsonl" \
    --peer "alt-profanity-check=$out/alt-profanity-check.jsonl"
