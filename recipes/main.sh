#!/usr/bin/env bash
# The main job, end to end on the bundled default data: setup, corpus, joint
# vocabulary, binarized splits, training with recipes/quick.json, translation
# of the test split in four directions, and scoring with `tessera bleu`.
# Every step is skipped when its output exists (training resumes), so a rerun
# continues where an interrupted one stopped.
set -euo pipefail
cd "$(dirname "$0")/.."

recipes/setup.sh
tessera="$(swift build -c release --show-bin-path)/tessera"
corpus=data/corpus
run=runs/quick
directions="en-de de-en en-ja fr-de"

step() { printf '\n== %s\n' "$*" >&2; }

recipes/prepare-data.sh

step "train: recipes/quick.json -> $run"
"$tessera" train --recipe recipes/quick.json --resume

step "translate the test split ($directions) with $run/checkpoint_last.safetensors"
for pair in $directions; do
    src=${pair%-*} tgt=${pair#*-}
    out="$run/test.$pair.$tgt"
    if [ ! -s "$out" ]; then
        start=$SECONDS
        "$tessera" translate --model "$run/checkpoint_last.safetensors" --src "$src" --tgt "$tgt" --beam 4 \
            --max-len-a 1.5 --max-len-b 10 \
            < "$corpus/test.$src" > "$out.tmp"
        mv "$out.tmp" "$out"
        echo "$pair: $(wc -l < "$out") lines in $((SECONDS - start)) s" >&2
    fi
done

step "score with tessera bleu (sacreBLEU's BLEU and chrF; -tok char for Japanese)"
for pair in $directions; do
    tgt=${pair#*-}
    tok=13a
    [ "$tgt" = ja ] && tok=char
    bleu=$("$tessera" bleu "$corpus/test.$tgt" -i "$run/test.$pair.$tgt" -m bleu -tok "$tok" -b)
    chrf=$("$tessera" bleu "$corpus/test.$tgt" -i "$run/test.$pair.$tgt" -m chrf -b)
    printf '%s\tBLEU %s\tchrF %s\n' "$pair" "$bleu" "$chrf"
done

step "not in the main job yet: tessera distill (it folds an LMS+FD model; the quick recipe is dense)"
