#!/usr/bin/env bash
# Text pipeline benchmark: vocabulary training time, and normalize/encode
# throughput (sentences/s) and peak RSS over every train file of the corpus.
# Usage: recipes/bench-text.sh [CORPUS_DIR] [RUNS]   (defaults: data/corpus 3)
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-data/corpus}
runs=${2:-3}
TESSERA_SKIP_BUILD=1 recipes/setup.sh
swift build -c release --product tessera >/dev/null
tessera="$(swift build -c release --show-bin-path)/tessera"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat "$corpus"/train.?? | grep -v '^$' > "$work/all.txt"
lines=$(wc -l < "$work/all.txt")
echo "input: $lines non-empty train segments from $(ls "$corpus"/train.?? | wc -l) languages"

# Prints "seconds peak_kb" for one run of the given command.
measure() {
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" > "$work/out" 2> "$work/err"
    cat "$work/time"
}

# min and median of a column of numbers
summary() { sort -g | awk '{a[NR]=$1} END {printf "min %s  median %s", a[1], a[int((NR+1)/2)]}'; }

report() {
    local name=$1; shift
    : > "$work/secs"; : > "$work/rss"
    for _ in $(seq "$runs"); do
        read -r secs kb < <(measure "$@")
        echo "$secs" >> "$work/secs"; echo "$kb" >> "$work/rss"
    done
    awk -v n="$lines" '{print n / ($1 > 0 ? $1 : 0.001)}' "$work/secs" > "$work/rate"
    printf '%-10s seconds: %s | sentences/s: %s | peak RSS KB: %s\n' "$name" \
        "$(summary < "$work/secs")" "$(summary < "$work/rate")" "$(summary < "$work/rss")"
}

# For vocab, sentences/s counts the whole corpus read, though only --sentences are drawn.
report vocab "$tessera" vocab --input "$corpus/train" -o "$work/spm" --vocab-size 8000
report normalize "$tessera" normalize -i "$work/all.txt"
"$tessera" normalize -i "$work/all.txt" > "$work/normalized.txt"
report encode "$tessera" encode --vocab "$work/spm.model" -i "$work/normalized.txt"
