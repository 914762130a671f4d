#!/usr/bin/env bash
# Ensures .venv-sacrebleu holds sacrebleu==2.6.0 from PyPI (for fixtures and
# benchmarks only; Tessera itself never needs Python). Prints the venv path.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-sacrebleu
if [ ! -x "$venv/bin/sacrebleu" ]; then
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install -q sacrebleu==2.6.0 >&2
fi
echo "$PWD/$venv"
