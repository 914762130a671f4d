#!/usr/bin/env bash
# The main job, end to end on the bundled default data: setup, corpus, a
# vocabulary of the model's own languages, binarized splits, 15 minutes of
# training with recipes/main.json (English, German, French, all six
# directions), beam-search translation of the whole test split in every
# direction, and scoring with `tessera bleu` (sacreBLEU's BLEU and chrF).
# Every step is skipped when its output exists (training resumes), so a rerun
# continues where an interrupted one stopped.
set -euo pipefail
cd "$(dirname "$0")/.."

recipes/setup.sh
tessera="$(swift build -c release --show-bin-path)/tessera"
corpus=data/corpus
run=runs/main
langs=$(python3 -c 'import json; print(" ".join(json.load(open("recipes/main.json"))["data"]["langs"]))')

step() { printf '\n== %s\n' "$*" >&2; }

recipes/prepare-main-data.sh

step "train: recipes/main.json -> $run (stops after 15 minutes of training)"
"$tessera" train --recipe recipes/main.json --resume

directions=()
for src in $langs; do
    for tgt in $langs; do [ "$src" = "$tgt" ] || directions+=("$src-$tgt"); done
done

step "translate the test split (${directions[*]}) with $run/checkpoint_last.safetensors, beam 5"
for pair in "${directions[@]}"; do
    src=${pair%-*} tgt=${pair#*-}
    out="$run/test.$pair.$tgt"
    if [ ! -s "$out" ]; then
        start=$SECONDS
        "$tessera" translate --model "$run/checkpoint_last.safetensors" --src "$src" --tgt "$tgt" --beam 5 \
            --max-len-a 1.2 --max-len-b 10 < "$corpus/test.$src" > "$out.tmp"
        mv "$out.tmp" "$out"
        echo "$pair: $(wc -l < "$out") lines in $((SECONDS - start)) s" >&2
    fi
done

step "score with tessera bleu (sacreBLEU's BLEU, 13a tokenization, and chrF)"
total=0
for pair in "${directions[@]}"; do
    tgt=${pair#*-}
    bleu=$("$tessera" bleu "$corpus/test.$tgt" -i "$run/test.$pair.$tgt" -m bleu -b)
    chrf=$("$tessera" bleu "$corpus/test.$tgt" -i "$run/test.$pair.$tgt" -m chrf -b)
    printf '%s\tBLEU %s\tchrF %s\n' "$pair" "$bleu" "$chrf"
    total=$(awk -v a="$total" -v b="$bleu" 'BEGIN { print a + b }')
done
awk -v t="$total" -v n="${#directions[@]}" 'BEGIN { printf "average\tBLEU %.1f over %d directions\n", t / n, n }'

step "three test sentences next to their references"
examples=("${directions[0]}:1" "${directions[2]}:334" "${directions[5]}:667")
for example in "${examples[@]}"; do
    pair=${example%:*} line=${example#*:}
    src=${pair%-*} tgt=${pair#*-}
    printf '%s, test line %d\n  source:    %s\n  reference: %s\n  tessera:   %s\n' "$pair" "$line" \
        "$(sed -n "${line}p" "$corpus/test.$src")" "$(sed -n "${line}p" "$corpus/test.$tgt")" \
        "$(sed -n "${line}p" "$run/test.$pair.$tgt")"
done
