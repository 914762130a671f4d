#!/usr/bin/env bash
# Parity check: Tessera against a PyTorch reference (recipes/parity-torch.py), from the same
# initial weights, with dropout off.
#   1. one batch of the binarized corpus at the recipe's shape: logits, loss and every gradient;
#   2. UPDATES updates on the same batches (exported from Tessera's sampler) with the same Adam,
#      warmup, inverse-sqrt schedule and clipping: loss curves side by side every 25 updates;
#      The drift they show is judged against Tessera's own drift from weights one ulp away;
#   3. the same training from fairseq's initialization, in PyTorch and in Tessera, against
#      Tessera's own initialization.
# Builds parity-dump (Sources/parity-dump) and the venv (recipes/torch-venv.sh: CPU PyTorch,
# safetensors, numpy), writes everything to OUT and the report to OUT/report.txt. Exits 1 when
# a comparison is outside float32 noise.
#
# usage: recipes/parity.sh [--recipe FILE] [--updates N] [--train-max-tokens N] [--out DIR]
#   --recipe            default recipes/quick.json (needs data/ as `tessera binarize` makes it)
#   --updates           training updates, default 300
#   --train-max-tokens  data.max_tokens for the training runs only (the model's shape stays the
#                       recipe's); default: the recipe's own
#   --out               default runs/parity
set -euo pipefail
cd "$(dirname "$0")/.."
recipe=recipes/quick.json updates=300 train_tokens="" out=runs/parity
while [ $# -gt 0 ]; do
    case "$1" in
        --recipe) recipe=$2; shift 2 ;;
        --updates) updates=$2; shift 2 ;;
        --train-max-tokens) train_tokens=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        *) echo "usage: $0 [--recipe FILE] [--updates N] [--train-max-tokens N] [--out DIR]" >&2; exit 2 ;;
    esac
done
tokens=()
[ -n "$train_tokens" ] && tokens=(--max-tokens "$train_tokens")

swift build -c release --product parity-dump >&2
dump="$(swift build -c release --show-bin-path)/parity-dump"
python="$(bash recipes/torch-venv.sh)/bin/python"
mkdir -p "$out"
report="$out/report.txt"
: > "$report"
status=0
run() { "$@" 2>&1 | tee -a "$report"; return "${PIPESTATUS[0]}"; }

echo "# parity check: $recipe, $updates updates${train_tokens:+, training batches of at most $train_tokens tokens}; $(date -u +%FT%TZ)" | tee -a "$report"
run "$dump" batch "$recipe" "$out"
run "$python" recipes/parity-torch.py batch "$out" || status=1
run "$python" recipes/parity-torch.py fairseq-init "$out/init.safetensors" "$out/fairseq-init.safetensors" --seed 1
# Both Tessera runs load their starting weights, so they start exactly where PyTorch does.
run "$dump" train "$recipe" "$updates" "$out/train-tessera-init.safetensors" ${tokens[@]+"${tokens[@]}"} \
    --init "$out/init.safetensors" --final "$out/final-tessera-init.safetensors"
# The noise floor: the same training from the initial weights moved by one ulp each.
run "$python" recipes/parity-torch.py perturb "$out/init.safetensors" "$out/init-ulp.safetensors"
run "$dump" train "$recipe" "$updates" "$out/train-tessera-ulp.safetensors" ${tokens[@]+"${tokens[@]}"} \
    --init "$out/init-ulp.safetensors" --final "$out/final-tessera-ulp.safetensors"
run "$dump" train "$recipe" "$updates" "$out/train-fairseq-init.safetensors" ${tokens[@]+"${tokens[@]}"} \
    --init "$out/fairseq-init.safetensors"
run "$python" recipes/parity-torch.py train --tessera "$out/train-tessera-init.safetensors" --init "$out/init.safetensors" \
    --tessera-final "$out/final-tessera-init.safetensors" --noise "$out/train-tessera-ulp.safetensors" \
    --noise-final "$out/final-tessera-ulp.safetensors" --fairseq-init "$out/fairseq-init.safetensors" \
    --tessera-fairseq "$out/train-fairseq-init.safetensors" --save "$out/curves.json" || status=1
echo "parity: $([ $status = 0 ] && echo "all comparisons within float32 noise" || echo "SOME COMPARISONS FAILED"); report in $report" | tee -a "$report"
exit $status
