#!/usr/bin/env bash
# translate under load: 10k, 50k and 100k input lines mixing sample sentences with
# empty, whitespace-only, very long (3000 words) and emoji-only lines, through a tiny
# model trained for 20 updates (its output is noise; only the plumbing is measured).
# Checks one output line per input line, empty lines at the same positions (order),
# and prints wall time and peak RSS per input size.
# usage: recipes/translate-load.sh [WORK_DIR]   (default .build/translate-load)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-.build/translate-load}
mkdir -p "$work"
swift build -c release --product tessera 2>&1 | tail -1
tessera="$(swift build -c release --show-bin-path)/tessera"
if [ ! -f "$work/run/checkpoint_last.safetensors" ]; then
    "$tessera" vocab --input corpora/sample/train --langs en,de -o "$work/spm" --vocab-size 500 --sentences 2000 2> /dev/null
    for split in train valid; do
        "$tessera" binarize --input "corpora/sample/$split" --langs en,de --vocab "$work/spm.model" -o "$work/$split.safetensors" 2> /dev/null
    done
    cat > "$work/recipe.json" <<JSON
{"data": {"train": "$work/train.safetensors", "valid": "$work/valid.safetensors", "vocab": "$work/spm.model",
          "langs": ["en", "de"], "max_tokens": 400, "max_length": 60},
 "model": {"embed_dim": 32, "attention_heads": 2, "ffn_embed_dim": 64, "encoder_layers": 1, "decoder_layers": 1, "max_positions": 256},
 "optimization": {"lr": 0.001, "warmup_updates": 10, "max_update": 20},
 "schedule": {"save_dir": "$work/run", "validate_interval_updates": 20, "valid_sentences": 5}}
JSON
    "$tessera" train --recipe "$work/recipe.json" > /dev/null 2>&1
fi

make_input() {  # LINES: every 7th line empty, every 11th whitespace, every 97th 3000 words, every 13th emoji
    awk -v n="$1" 'NR == FNR { s[NR] = $0; m = NR; next }
        END { srand(1); long = ""; for (w = 0; w < 3000; w++) long = long (w ? " " : "") "Wort" w
              for (i = 1; i <= n; i++) {
                  if (i % 7 == 0) print ""
                  else if (i % 11 == 0) print "   \t  "
                  else if (i % 97 == 0) print long
                  else if (i % 13 == 0) print "😀🎉🇩🇪👍🏽"
                  else print s[1 + int(rand() * m)] } }' corpora/sample/train.en /dev/null
}

printf '%8s %10s %12s %9s  %s\n' lines input_MB peak_RSS_MB seconds check
for lines in 10000 50000 100000; do
    make_input "$lines" > "$work/in.txt"
    /usr/bin/time -f '%M %e' -o "$work/time.txt" "$tessera" translate --model "$work/run/checkpoint_last.safetensors" \
        --src en --tgt de --beam 1 --max-len-a 0 --max-len-b 4 < "$work/in.txt" > "$work/out.txt" 2> "$work/err.txt"
    read -r rss seconds < "$work/time.txt"
    check=ok
    [ "$(wc -l < "$work/out.txt")" -eq "$lines" ] || check="FAIL: $(wc -l < "$work/out.txt") output lines"
    # Blank inputs (empty or whitespace-only) must give empty outputs, at the same positions.
    cmp -s <(grep -n '^[[:space:]]*$' "$work/in.txt" | cut -d: -f1) <(grep -n '^$' "$work/out.txt" | cut -d: -f1) \
        || check="${check/ok/}FAIL: empty lines moved"
    printf '%8d %10.1f %12.1f %9s  %s\n' "$lines" "$(echo "$(stat -c %s "$work/in.txt") / 1048576" | bc -l)" \
        "$(echo "$rss / 1024" | bc -l)" "$seconds" "$check"
done
