#!/usr/bin/env bash
# sgemm GFLOP/s at the model's shapes, 2 threads, for OpenBLAS on the core it detects, on the cores
# Tessera may choose (Haswell, SkylakeX) and on its generic Prescott kernel, and for BLIS (Debian's
# libblis4-pthread, installed here if missing). Rounds alternate the libraries so that a busy
# moment of the shared machine falls on all of them; each figure is min and median over rounds.
# Usage: recipes/bench-blas.sh [rounds]   (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "bench-blas.sh: rounds must be a positive integer, not '$rounds'" >&2; exit 2; }
if ! dpkg-query -W -f='${Status}' libblis4-pthread 2>/dev/null | grep -q "install ok installed"; then
    sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq libblis4-pthread >/dev/null
fi
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
gcc -O2 -o "$work/bench-blas" recipes/bench-blas.c -ldl
openblas=/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0
blis=$(ls /usr/lib/x86_64-linux-gnu/blis-pthread/libblis.so.4 2>/dev/null || ls /usr/lib/x86_64-linux-gnu/libblis.so.4)
detected=$(env -u OPENBLAS_CORETYPE python3 -c "import ctypes; l = ctypes.CDLL('$openblas'); l.openblas_get_corename.restype = ctypes.c_char_p; print(l.openblas_get_corename().decode())")
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); OpenBLAS detects $detected; 2 threads, best of 5 calls per round, $rounds rounds"
configs=("OpenBLAS-$detected" OpenBLAS-Haswell OpenBLAS-SkylakeX OpenBLAS-Prescott BLIS)
for ((r = 0; r < rounds; r++)); do
    for config in "${configs[@]}"; do
        case $config in
            BLIS) BLIS_NUM_THREADS=2 "$work/bench-blas" "$blis" 2 5 ;;
            OpenBLAS-$detected) env -u OPENBLAS_CORETYPE "$work/bench-blas" "$openblas" 2 5 ;;
            *) OPENBLAS_CORETYPE=${config#OpenBLAS-} "$work/bench-blas" "$openblas" 2 5 ;;
        esac | sed "s/^/$config\t/" >> "$work/figures"
    done
done
python3 - "$work/figures" "${configs[@]}" <<'PY'
import sys, statistics
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
configs, shapes = sys.argv[2:], list(dict.fromkeys(r[1] for r in rows))
print("| shape | " + " | ".join(configs) + " |\n|---|" + "---|" * len(configs))
for shape in shapes:
    cells = []
    for config in configs:
        values = sorted(float(r[2]) for r in rows if r[0] == config and r[1] == shape)
        cells.append(f"{values[0]:.0f} / {statistics.median(values):.0f}")
    print(f"| {shape} | " + " | ".join(cells) + " |")
print("\n(GFLOP/s, min / median over rounds)")
PY
