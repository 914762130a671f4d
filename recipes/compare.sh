#!/usr/bin/env bash
# The model-kind comparison: trains recipes/{dense,switch,smoe,lms,lms-fd}.json
# (English, German, French, all six directions, the main job's vocabulary) for
# the same number of updates and batch tokens, a second seed of dense, Switch
# and LMS, and LMS+FD once more at the wall-clock time LMS took (FD runs two
# passes per update); distills LMS+FD (FD-Share); translates the in-domain test
# split and the out-of-domain set (data/ood, VLC's messages) with beam 5; and
# writes docs/results.md.
#
# Significance: sacreBLEU's paired bootstrap resampling (2.6.0 from PyPI, in .venv-sacrebleu).
#
# usage: recipes/compare.sh UPDATES [SENTENCES]   (default: every row of both test sets)
# Runs go to runs/compare/<name> and resume where they stopped, also with a
# larger UPDATES (the inverse-sqrt schedule does not depend on it); translations
# and scores of a budget go to runs/compare/eval-UPDATES, and finished steps are
# skipped, so the script may be stopped and started again.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: recipes/compare.sh UPDATES [SENTENCES]" >&2; exit 2; }
updates=$1
sentences=${2:-all}
langs=$(python3 -c 'import json; print(" ".join(json.load(open("recipes/dense.json"))["data"]["langs"]))')
directions=$(for s in $langs; do for t in $langs; do [ "$s" = "$t" ] || printf '%s-%s ' "$s" "$t"; done; done)
# name[@seed]: the recipe recipes/<name>.json; a second seed runs as <name>-seed<seed>
runs="dense switch lms lms-fd smoe dense@2 switch@2 lms@2"
root=${COMPARE_ROOT:-runs/compare}  # COMPARE_ROOT: another folder, e.g. for a quick trial
eval="$root/eval-$updates"
command="recipes/compare.sh $*"
started=$SECONDS

recipes/setup.sh
recipes/prepare-main-data.sh
corpora/build-ood.sh >&2
tessera="$(swift build -c release --show-bin-path)/tessera"
sacrebleu="$(recipes/sacrebleu-venv.sh)/bin/sacrebleu"
mkdir -p "$eval" docs
results="$eval/results.tsv"
: > "$results"

# bleu_tokenizer PAIR: sacreBLEU's tokenizer for the target language (char for Japanese, else 13a)
bleu_tokenizer() { if [ "${1#*-}" = ja ]; then echo char; else echo 13a; fi; }

# evaluate NAME CKPT: BLEU and chrF per direction of the in-domain test split ("test") and the
# out-of-domain set ("ood"), their first SENTENCES rows, into results.tsv
evaluate() {
    local name=$1 model=$2
    for set in test ood; do
        local dir=data/corpus
        [ "$set" = test ] || dir=data/ood
        for pair in $directions; do
            local src=${pair%-*} tgt=${pair#*-} out="$eval/$name.$set.$pair"
            if [ "$sentences" = all ]; then cat "$dir/test.$tgt"; else head -n "$sentences" "$dir/test.$tgt"; fi > "$out.ref"
            if [ ! -s "$out" ]; then
                head -n "$(wc -l < "$out.ref")" "$dir/test.$src" |
                    "$tessera" translate --model "$model" --src "$src" --tgt "$tgt" --beam 5 --max-len-a 1.2 --max-len-b 10 > "$out.tmp"
                mv "$out.tmp" "$out"
            fi
            printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$set" "$pair" \
                "$("$tessera" bleu "$out.ref" -i "$out" -m bleu -tok "$(bleu_tokenizer "$pair")" -b)" \
                "$("$tessera" bleu "$out.ref" -i "$out" -m chrf -b)" >> "$results"
        done
    done
}

# progress CKPT KEY: one field of the training progress a checkpoint records (empty if absent)
progress() {
    python3 - "$1" "$2" <<'PY'
import json, struct, sys
with open(sys.argv[1], "rb") as f:
    header = json.loads(f.read(struct.unpack("<Q", f.read(8))[0]))
value = json.loads(header["__metadata__"]["training_progress"]).get(sys.argv[2])
print("" if value is None else value)
PY
}

# describe NAME CKPT RUN_DIR [TRAINED_CKPT]: parameters, the median of the target tokens per second
# logged during training (robust to pauses and validation), and from TRAINED_CKPT (default CKPT)
# the updates, training minutes and best validation loss, with the training commit, into results.tsv
describe() {
    local name=$1 model=$2 run=$3 trained=${4:-$2}
    local counts speed loss
    counts=$("$tessera" inspect --model "$model" | sed -n 's/^parameters: //p')
    speed=$(python3 -c 'import json, statistics, sys
rates = [json.loads(line)["tgt_tokens_per_s"] for line in open(sys.argv[1])]
print(round(statistics.median(rates)) if rates else "n/a")' "$run/train.jsonl")
    loss=$(progress "$trained" best_valid_loss)
    printf '%s\tinfo\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$counts" "$speed" "$(progress "$trained" updates)" \
        "$(awk -v s="$(progress "$trained" elapsed_s)" 'BEGIN { printf "%.0f", s / 60 }')" \
        "$([ -n "$loss" ] && awk -v l="$loss" 'BEGIN { printf "%.3f", l }' || echo n/a)" "$(cat "$run/commit")" >> "$results"
}

# significance SET BASELINE SYSTEM…: paired bootstrap resampling of BLEU per direction, as JSON
significance() {
    local set=$1 baseline=$2
    shift
    for pair in $directions; do
        local outputs=()
        for name in "$@"; do outputs+=("$eval/$name.$set.$pair"); done
        # sacreBLEU's progress lines go to a log; on failure its last lines are shown.
        "$sacrebleu" "$eval/$baseline.$set.$pair.ref" -i "${outputs[@]}" -m bleu -tok "$(bleu_tokenizer "$pair")" --paired-bs -f json \
            > "$eval/significance.$set.$baseline.$pair.json" 2>> "$eval/significance.log" ||
            { tail -n 5 "$eval/significance.log" >&2; exit 1; }
    done
}

# train NAME RECIPE SEED [train options…]: trains (or resumes) runs/compare/NAME up to UPDATES
train() {
    local name=$1 recipe=$2 seed=$3
    shift 3
    local save="$root/$name"
    mkdir -p "$save"
    [ -s "$save/commit" ] || git rev-parse --short HEAD > "$save/commit"
    printf '\n== %s: recipes/%s.json, seed %s, %s updates %s\n' "$name" "$recipe" "$seed" "$updates" "$*" >&2
    "$tessera" train --recipe "recipes/$recipe.json" --max-update "$updates" --seed "$seed" --save-dir "$save" --resume "$@"
}

for run in $runs; do
    recipe=${run%@*} seed=1 name=$recipe
    [ "$recipe" = "$run" ] || { seed=${run#*@}; name="$recipe-seed$seed"; }
    if [ "$recipe" = lms-fd ]; then
        # LMS+FD at LMS's training time: stop there, keep that checkpoint, then go on to UPDATES.
        budget=$(progress "$root/lms/checkpoint_last.safetensors" elapsed_s)
        snapshot="$eval/lms-fd-equal-time.safetensors"
        if [ ! -s "$snapshot" ]; then
            if [ -s "$root/lms-fd/checkpoint_last.safetensors" ] &&
                awk -v a="$(progress "$root/lms-fd/checkpoint_last.safetensors" elapsed_s)" -v b="$budget" 'BEGIN { exit !(a > b) }'; then
                echo "compare.sh: $root/lms-fd has trained longer than lms took for $updates updates ($budget s); remove it to retrain" >&2
                exit 1
            fi
            train "$name" "$recipe" "$seed" --max-time "$budget"
            cp "$root/lms-fd/checkpoint_last.safetensors" "$snapshot.tmp" && mv "$snapshot.tmp" "$snapshot"
        fi
        train "$name" "$recipe" "$seed" --max-time 0
        evaluate lms-fd-equal-time "$snapshot"
        describe lms-fd-equal-time "$snapshot" "$root/lms-fd"
    else
        train "$name" "$recipe" "$seed"
    fi
    evaluate "$name" "$root/$name/checkpoint_last.safetensors"
    describe "$name" "$root/$name/checkpoint_last.safetensors" "$root/$name"
done

printf '\n== lms-fd: FD-Share (shared route, folded into a dense model)\n' >&2
"$tessera" distill --model "$root/lms-fd/checkpoint_last.safetensors" -o "$eval/lms-fd-share.safetensors"
evaluate lms-fd-share "$eval/lms-fd-share.safetensors"
describe lms-fd-share "$eval/lms-fd-share.safetensors" "$root/lms-fd" "$root/lms-fd/checkpoint_last.safetensors"

printf '\n== paired bootstrap resampling against dense and against switch\n' >&2
for set in test ood; do
    significance "$set" dense switch smoe lms lms-fd lms-fd-equal-time lms-fd-share
    significance "$set" switch smoe lms
done

python3 recipes/compare-report.py "$results" "$eval" "$updates" "$sentences" "$command" "$(git rev-parse --short HEAD)" \
    "$((SECONDS - started))" > docs/results.md
printf '\nwrote docs/results.md (%s s)\n' "$((SECONDS - started))" >&2
