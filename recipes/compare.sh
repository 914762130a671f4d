#!/usr/bin/env bash
# The model-kind comparison: trains recipes/{dense,switch,smoe,lms,lms-fd}.json
# in turn with the same number of updates and batch tokens (equal training
# compute), evaluates each on the test split over fixed directions
# (English-centric both ways plus non-English pairs), distills the LMS+FD
# model (FD-Share), and writes docs/results.md.
#
# Significance: sacreBLEU's paired bootstrap resampling (2.6.0 from PyPI, in .venv-sacrebleu).
#
# usage: recipes/compare.sh [UPDATES [TEST_SENTENCES]]   (defaults: 1000 updates, about 110 min here; all 1000 test rows)
# Runs go to runs/compare-UPDATES/<kind>; a rerun resumes and skips finished steps.
set -euo pipefail
cd "$(dirname "$0")/.."
updates=${1:-1000}
sentences=${2:-1000}
directions="en-de de-en en-fr fr-en en-ja ja-en de-fr fr-ja"
kinds="dense switch smoe lms lms-fd"
root="runs/compare-$updates"
command="recipes/compare.sh $*"
started=$SECONDS

recipes/setup.sh
recipes/prepare-data.sh
tessera="$(swift build -c release --show-bin-path)/tessera"
sacrebleu="$(recipes/sacrebleu-venv.sh)/bin/sacrebleu"
mkdir -p "$root" docs
results="$root/results.tsv"
: > "$results"

# bleu_tokenizer PAIR: sacreBLEU's tokenizer for the target language (char for Japanese, else 13a)
bleu_tokenizer() { if [ "${1#*-}" = ja ]; then echo char; else echo 13a; fi; }

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
        printf '%s\t%s\t%s\t%s\n' "$name" "$pair" \
            "$("$tessera" bleu "$out.ref" -i "$out" -m bleu -tok "$(bleu_tokenizer "$pair")" -b)" \
            "$("$tessera" bleu "$out.ref" -i "$out" -m chrf -b)" >> "$results"
    done
}

# describe NAME CKPT RUN_DIR: parameters, the median of the target tokens per second logged every
# 50 updates of training (robust to pauses and validation), the best validation loss and the
# training commit into results.tsv
describe() {
    local name=$1 model=$2 run=$3
    local counts figures
    counts=$("$tessera" inspect --model "$model" | sed -n 's/^parameters: //p')
    figures=$(python3 - "$run" <<'PY'
import json, statistics, struct, sys
rates = [json.loads(line)["tgt_tokens_per_s"] for line in open(f"{sys.argv[1]}/train.jsonl")]
with open(f"{sys.argv[1]}/checkpoint_last.safetensors", "rb") as f:
    header = json.loads(f.read(struct.unpack("<Q", f.read(8))[0]))
loss = json.loads(header["__metadata__"]["training_progress"]).get("best_valid_loss")
print(round(statistics.median(rates)) if rates else "n/a", f"{loss:.3f}" if loss is not None else "n/a", sep="\t")
PY
)
    printf '%s\tinfo\t%s\t%s\t%s\n' "$name" "$counts" "$figures" "$(cat "$run/commit")" >> "$results"
}

# significance BASELINE SYSTEM…: paired bootstrap resampling of BLEU per direction, as JSON
significance() {
    local baseline=$1
    for pair in $directions; do
        local outputs=()
        for name in "$@"; do outputs+=("$root/$name.test.$pair"); done
        # sacreBLEU's progress lines go to a log; on failure its last lines are shown.
        "$sacrebleu" "$root/$baseline.test.$pair.ref" -i "${outputs[@]}" -m bleu -tok "$(bleu_tokenizer "$pair")" --paired-bs -f json \
            > "$root/significance.$baseline.$pair.json" 2>> "$root/significance.log" ||
            { tail -n 5 "$root/significance.log" >&2; exit 1; }
    done
}

for kind in $kinds; do
    printf '\n== %s: %s updates\n' "$kind" "$updates" >&2
    save="$root/$kind"
    mkdir -p "$save"
    [ -s "$save/commit" ] || git rev-parse --short HEAD > "$save/commit"
    "$tessera" train --recipe "recipes/$kind.json" --max-update "$updates" --save-dir "$save" --resume
    evaluate "$kind" "$save/checkpoint_last.safetensors"
    describe "$kind" "$save/checkpoint_last.safetensors" "$save"
done

printf '\n== lms-fd: FD-Share (shared route, folded into a dense model)\n' >&2
"$tessera" distill --model "$root/lms-fd/checkpoint_last.safetensors" -o "$root/lms-fd/dense.safetensors"
evaluate lms-fd-share "$root/lms-fd/dense.safetensors"
describe lms-fd-share "$root/lms-fd/dense.safetensors" "$root/lms-fd"

printf '\n== paired bootstrap resampling against dense and against switch\n' >&2
significance dense switch smoe lms lms-fd lms-fd-share
significance switch smoe lms

python3 - "$results" "$root" "$directions" "$updates" "$sentences" "$command" "$(git rev-parse --short HEAD)" \
    "$((SECONDS - started))" > docs/results.md <<'PY'
import json, sys
path, root, directions, updates, sentences, command, commit, seconds = sys.argv[1:]
directions = directions.split()
scores, info = {}, {}
for line in open(path):
    name, key, *values = line.rstrip("\n").split("\t")
    if key == "info":
        info[name] = values
    else:
        scores.setdefault(name, {})[key] = tuple(map(float, values))
trained = sorted({info[name][3] for name in info})
def train_minutes(name):
    records = open(f"{root}/{name}/train.jsonl").readlines()
    return f"{json.loads(records[-1])['elapsed_s'] / 60:.0f}" if records else "n/a"
minutes = {name: train_minutes(name) for name in scores if name != "lms-fd-share"}
print("# Model-kind comparison\n")
print(f"Produced by `{command.strip()}` at commit `{commit}` on the 2-core machine; models trained at commit(s) "
      + ", ".join(f"`{c}`" for c in trained) + f" (this invocation: {int(seconds) // 60} min).")
print(f"Every kind trained {updates} updates of up to 4096 padded tokens (recipes/<kind>.json: en, de, fr, ja, all 12 directions),")
print(f"then translated the first {sentences} test rows with beam 4. BLEU: sacreBLEU's 13a (char for Japanese) through `tessera bleu`; chrF: chrF2.")
print("Training tokens/s is the median over the progress records logged every 50 updates; valid loss is the best")
print("per-token NLL on the recipes' validation sample (50 rows per direction; LS route for lms-fd).\n")
print("| kind | " + " | ".join(directions) + " | avg BLEU | avg chrF | valid loss | params (train / inference) | tgt tok/s | train min |")
print("|---|" + "---|" * (len(directions) + 6))
for name, by in scores.items():
    bleu = [by[d][0] for d in directions]
    chrf = [by[d][1] for d in directions]
    counts, speed, loss, _ = info[name]
    train = minutes.get(name, "(lms-fd)")
    if name == "lms-fd-share":
        loss = "—"  # validated only through lms-fd's language-specific route
    print(f"| {name} | " + " | ".join(f"{b:.1f}" for b in bleu) +
          f" | {sum(bleu)/len(bleu):.2f} | {sum(chrf)/len(chrf):.2f} | {loss} | {counts} | {speed} | {train} |")
print("\n`lms-fd` decodes with its language-specific factors (FD-LS); `lms-fd-share` is the same model folded by")
print("`tessera distill` into a dense model (FD-Share), which needs no extra parameters at inference.\n")
print("chrF2 per direction:\n")
print("| kind | " + " | ".join(directions) + " |")
print("|---|" + "---|" * len(directions))
for name, by in scores.items():
    print(f"| {name} | " + " | ".join(f"{by[d][1]:.1f}" for d in directions) + " |")

comparisons = [("switch", "dense"), ("smoe", "switch"), ("lms", "switch"), ("lms", "dense"), ("lms-fd", "dense"), ("lms-fd-share", "dense")]
print("\n## Significance\n")
print("BLEU difference and p-value of sacreBLEU 2.6.0's paired bootstrap resampling (`--paired-bs`, 1000 resamples,")
print("seed 12345) on the same test rows; `*` marks p < 0.05.\n")
print("| direction | " + " | ".join(f"{a} − {b}" for a, b in comparisons) + " |")
print("|---|" + "---|" * len(comparisons))
for d in directions:
    cells = []
    for system, baseline in comparisons:
        result = {r["system"].removeprefix("Baseline: "): r["BLEU"] for r in json.load(open(f"{root}/significance.{baseline}.{d}.json"))}
        base, mine = result[f"{root}/{baseline}.test.{d}"], result[f"{root}/{system}.test.{d}"]
        p = mine["p_value"]
        cells.append(f"{mine['score'] - base['score']:+.1f} (p={p:.3f}){'*' if p < 0.05 else ''}")
    print(f"| {d} | " + " | ".join(cells) + " |")
PY
printf '\nwrote docs/results.md (%s s)\n' "$((SECONDS - started))" >&2
