#!/usr/bin/env bash
# The test command: setup (packages + release build), then the whole test suite.
# Extra arguments go to `swift test` (e.g. --filter NormalizerTests).
set -euo pipefail
cd "$(dirname "$0")/.."
recipes/setup.sh
swift test "$@"
