#!/usr/bin/env bash
# Fuzzes the parsers a user's files reach, with libFuzzer and AddressSanitizer
# (fuzz/ holds the harness; Swift's -sanitize=fuzzer,address builds it).
# usage: recipes/fuzz.sh SECONDS [TARGET...]   each target for SECONDS (default all:
#   safetensors recipe moses tsv metrics normalize translate-input);
#   FUZZ_RUNS=N stops a target after N inputs instead, FUZZ_JOBS=N runs N targets at once.
# It runs at nice 10, so training beside it keeps its speed as far as it can.
# Prints one row per target: inputs executed, coverage (edges, features), crashes.
# Inputs that crash are kept in .build/fuzz/crashes/TARGET-*; the corpus grows in
# .build/fuzz/corpus/TARGET across runs.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:?usage: recipes/fuzz.sh SECONDS [TARGET...]}
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(safetensors recipe moses tsv metrics normalize translate-input)
out=.build/fuzz
mkdir -p "$out"
# The harness names its dependency through this link, whatever the clone's directory is called.
mkdir -p .build/fuzz-root && ln -sfn ../.. .build/fuzz-root/tessera
# gold stops with an internal error on this link; lld (the toolchain's) does it.
swift build -c release --package-path fuzz --build-path "$out" -Xswiftc -sanitize=fuzzer,address \
    -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld 2>&1 | tail -1
swift build -c release --product tessera 2>&1 | tail -1
tessera="$(swift build -c release --show-bin-path)/tessera"
[ -f "$out/spm.model" ] || "$tessera" vocab --input corpora/sample/train --langs en,de,fr -o "$out/spm" \
    --vocab-size 500 --sentences 2000 2> /dev/null

# Seeds: real files of each kind, cut small.
seeds="$out/seeds"
rm -rf "$seeds"
mkdir -p "$seeds"/{safetensors,recipe,moses,tsv,metrics,normalize,translate-input}
cp recipes/*.json "$seeds/recipe/"
[ -f "$out/valid.safetensors" ] || { head -n 20 corpora/sample/valid.en > "$out/v.en"; head -n 20 corpora/sample/valid.de > "$out/v.de"
    "$tessera" binarize --input "$out/v" --vocab "$out/spm.model" -o "$out/valid.safetensors" 2> /dev/null; }
cp "$out/valid.safetensors" "$seeds/safetensors/"
for lang in en de fr ja ru; do
    head -n 30 "corpora/sample/valid.$lang" > "$seeds/normalize/$lang"
    head -n 30 "corpora/sample/valid.$lang" | sed "s/^/$lang\tde\t/" > "$seeds/translate-input/$lang"
done
{ head -n 10 corpora/sample/valid.en; printf '\0'; head -n 10 corpora/sample/valid.de; printf '\0'; head -n 10 corpora/sample/valid.fr; } > "$seeds/moses/sample"
paste corpora/sample/valid.en corpora/sample/valid.de | head -n 10 | sed '1i en\tde' > "$seeds/tsv/sample"
n=0
for lang in de fr tr; do
    for options in 0 1 6 8 12; do
        # First byte: the option set; then reference, NUL, hypothesis.
        { printf "\\x$(printf %02x $options)"; head -n 8 "Tests/TesseraMetricsTests/Fixtures/inputs/real-$lang/ref.txt"; printf '\0'
          head -n 8 "Tests/TesseraMetricsTests/Fixtures/inputs/real-$lang/hyp.txt"; } > "$seeds/metrics/$((n++))"
    done
done

run() {
    local target=$1 max_len=4096
    # A checkpoint needs room for a header and tensors; text inputs are lines.
    [ "$target" = safetensors ] && max_len=65536
    mkdir -p "$out/corpus/$target" "$out/crashes" "$out/logs"
    # Leaks are reported but the Swift runtime's caches make them noise here.
    FUZZ_TARGET=$target FUZZ_VOCAB="$out/spm.model" ASAN_OPTIONS=detect_leaks=0 \
        nice -n 10 "$out/release/tessera-fuzz" "$out/corpus/$target" "$seeds/$target" -max_total_time="$seconds" \
        -runs="${FUZZ_RUNS:--1}" -max_len=$max_len -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
        -artifact_prefix="$out/crashes/$target-" > "$out/logs/$target.log" 2>&1 || true
}
jobs=${FUZZ_JOBS:-1}
for target in "${targets[@]}"; do
    run "$target" &
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
done
wait
printf '%-16s %12s %8s %8s %8s\n' target inputs edges features crashes
status=0
for target in "${targets[@]}"; do
    log="$out/logs/$target.log"
    inputs=$(grep -o 'number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
    cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1 || true)
    crashes=$(find "$out/crashes" -name "$target-*" | wc -l)
    printf '%-16s %12s %8s %8s %8s\n' "$target" "${inputs:-0}" "$(echo "$cov" | awk '{print $2}')" "$(echo "$cov" | awk '{print $4}')" "$crashes"
    if [ "$crashes" -gt 0 ]; then status=1; grep -m1 -A3 'ERROR\|Fatal error\|==ERROR' "$log" || true; fi
done
exit $status
