#!/usr/bin/env bash
# The test command: setup (packages + release build), then the whole test suite.
# Extra arguments go to `swift test` (e.g. --filter NormalizerTests).
set -euo pipefail
cd "$(dirname "$0")/.."
recipes/setup.sh
swift test "$@"
# Under CI (or with TESSERA_SLOW_TESTS=1) the slow end-to-end tests ran above, and
# every fuzz target gets a short smoke run (recipes/fuzz.sh; a crash fails the tests).
if [ -n "${CI:-}" ] || [ "${TESSERA_SLOW_TESTS:-}" = 1 ]; then recipes/fuzz.sh 5; fi
