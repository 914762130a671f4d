#!/usr/bin/env bash
# Benchmark of `tessera bleu` against sacreBLEU 2.6.0: 100k generated lines,
# BLEU, chrF and TER, 3 alternating runs each; prints min/median seconds,
# lines/s, peak RSS and the speed-up. Extra arguments go to bleu-bench
# (e.g. --lines 20000 --runs 5 --metrics bleu,chrf).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$(recipes/sacrebleu-venv.sh)
swift build -c release --product bleu-bench >&2
"$(swift build -c release --show-bin-path)/bleu-bench" --sacrebleu "$venv/bin/sacrebleu" "$@"
