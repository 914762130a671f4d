#!/usr/bin/env bash
# Regenerates the sacreBLEU fixtures that TesseraMetricsTests compare against.
# Run by hand (never by CI): it installs sacrebleu==2.6.0 from PyPI into
# .venv-sacrebleu and runs it on every fixture input.
#   recipes/make-bleu-fixtures.sh            # expected outputs only (inputs kept)
#   recipes/make-bleu-fixtures.sh --inputs   # also rebuild the inputs (real text
#                                            # from this machine's Debian translations)
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$(recipes/sacrebleu-venv.sh)
"$venv/bin/python" recipes/bleu_fixtures.py Tests/TesseraMetricsTests/Fixtures "$@"
du -sh Tests/TesseraMetricsTests/Fixtures
