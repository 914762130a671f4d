#!/usr/bin/env bash
# Idempotent setup: installs the Debian packages Tessera builds against (only
# those missing), then builds the release binary. Safe to run any number of times.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libopenblas-dev libicu-dev libsentencepiece-dev pkg-config)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}" >&2
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ "${TESSERA_SKIP_BUILD:-0}" != 1 ]; then
    swift build -c release --product tessera >&2
    echo "setup: built $(swift build -c release --show-bin-path)/tessera" >&2
fi
