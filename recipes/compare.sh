#!/usr/bin/env bash
# The model-kind comparison: trains recipes/{dense,switch,smoe,lms,lms-fd}.json
# in turn with the same number of updates and batch tokens (equal training
# compute), evaluates each on the test split over fixed directions
# (English-centric both ways plus non-English pairs), distills the LMS+FD
# model (FD-Share), and writes docs/results.md.
#
# usage: recipes/compare.sh [UPDATES [TEST_SENTENCES]]   (defaults: 2000 updates, all 1000 test rows)
# Runs go to runs/compare-UPDATES/<kind>; a rerun resumes and skips finished steps.
set -euo pipefail
cd "$(dirname "$0")/.."
updates=${1:-2000}
sentences=${2:-1000}
directions="en-de de-en en-fr fr-en en-ja ja-en de-fr fr-ja"
kinds="dense switch smoe lms lms-fd"
root="runs/compare-$updates"
command="recipes/compare.sh $*"
started=$SECONDS

recipes/setup.sh
recipes/prepare-data.sh
tessera="$(swift build -c release --show-bin-path)/tessera"
mkdir -p "$root" docs
results="$root/results.tsv"
: > "$results"

# evaluate NAME CKPT [translate options…]: BLEU and chrF per direction into results.tsv
evaluate() {
    local name=$1 model=$2
    shift 2
    for pair in $directions; do
        local src=${pair%-*} tgt=${pair#*-} out="$root/$name.test.$pair"
        head -n "$sentences" "data/corpus/test.$tgt" > "$out.ref"
        if [ ! -s "$out" ]; then
            head -n "$sentences" "data/corpus/test.$src" |
                "$tessera" translate --model "$model" --src "$src" --tgt "$tgt" --beam 4 --max-len-a 1.5 --max-len-b 10 "$@" > "$out.tmp"
            mv "$out.tmp" "$out"
        fi
        local tok=13a
        [ "$tgt" = ja ] && tok=char
        printf '%s\t%s\t%s\t%s\n' "$name" "$pair" \
            "$("$tessera" bleu "$out.ref" -i "$out" -m bleu -tok "$tok" -b)" \
            "$("$tessera" bleu "$out.ref" -i "$out" -m chrf -b)" >> "$results"
    done
}

# describe NAME CKPT TRAINED_CKPT: parameters, and target tokens per second of training
# (from the training checkpoint's progress record) into results.tsv
describe() {
    local name=$1 model=$2 trained=$3
    local counts speed
    counts=$("$tessera" inspect --model "$model" | sed -n 's/^parameters: //p')
    speed=$(python3 - "$trained" <<'PY'
import json, struct, sys
with open(sys.argv[1], "rb") as f:
    header = json.loads(f.read(struct.unpack("<Q", f.read(8))[0]))
progress = json.loads(header["__metadata__"]["training_progress"])
print(round(progress["target_tokens"] / progress["elapsed_s"]))
PY
)
    printf '%s\tinfo\t%s\t%s\n' "$name" "$counts" "$speed" >> "$results"
}

for kind in $kinds; do
    printf '\n== %s: %s updates\n' "$kind" "$updates" >&2
    save="$root/$kind"
    "$tessera" train --recipe "recipes/$kind.json" --max-update "$updates" --save-dir "$save" --resume
    evaluate "$kind" "$save/checkpoint_last.safetensors"
    describe "$kind" "$save/checkpoint_last.safetensors" "$save/checkpoint_last.safetensors"
done

printf '\n== lms-fd: FD-Share (shared route, folded into a dense model)\n' >&2
"$tessera" distill --model "$root/lms-fd/checkpoint_last.safetensors" -o "$root/lms-fd/dense.safetensors"
evaluate lms-fd-share "$root/lms-fd/dense.safetensors"
describe lms-fd-share "$root/lms-fd/dense.safetensors" "$root/lms-fd/checkpoint_last.safetensors"

python3 - "$results" "$directions" "$updates" "$sentences" "$command" "$(git rev-parse --short HEAD)" \
    "$((SECONDS - started))" > docs/results.md <<'PY'
import sys
path, directions, updates, sentences, command, commit, seconds = sys.argv[1:]
directions = directions.split()
scores, info = {}, {}
for line in open(path):
    name, key, a, b = line.rstrip("\n").split("\t")
    if key == "info":
        info[name] = (a, b)
    else:
        scores.setdefault(name, {})[key] = (float(a), float(b))
print("# Model-kind comparison\n")
print(f"Produced by `{command.strip()}` at commit `{commit}` in {int(seconds) // 60} min on the 2-core machine.")
print(f"Every kind trained {updates} updates of up to 4096 padded tokens (recipes/<kind>.json: en, de, fr, ja, all 12 directions),")
print(f"then translated the first {sentences} test rows with beam 4. BLEU: sacreBLEU's 13a (char for Japanese) through `tessera bleu`; chrF: chrF2.\n")
print("| kind | " + " | ".join(directions) + " | avg BLEU | avg chrF | params (train / inference) | tgt tok/s |")
print("|---|" + "---|" * (len(directions) + 4))
for name, by in scores.items():
    bleu = [by[d][0] for d in directions]
    chrf = [by[d][1] for d in directions]
    counts, speed = info.get(name, ("?", "?"))
    print(f"| {name} | " + " | ".join(f"{b:.1f}" for b in bleu) +
          f" | {sum(bleu)/len(bleu):.2f} | {sum(chrf)/len(chrf):.2f} | {counts} | {speed} |")
print("\n`lms-fd` decodes with its language-specific factors (FD-LS); `lms-fd-share` is the same model folded by")
print("`tessera distill` into a dense model (FD-Share), which needs no extra parameters at inference.")
PY
printf '\nwrote docs/results.md (%s s)\n' "$((SECONDS - started))" >&2
