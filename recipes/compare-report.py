"""Writes docs/results.md (to stdout) from recipes/compare.sh's results.tsv and the paired-bootstrap
JSON files sacreBLEU wrote next to it.

usage: compare-report.py RESULTS_TSV ROOT UPDATES SENTENCES COMMAND COMMIT SECONDS
"""
import json
import sys

path, root, updates, sentences, command, commit, seconds = sys.argv[1:]
recipe = json.load(open("recipes/dense.json"))
rows = "all rows" if sentences == "all" else f"first {sentences} rows"
SETS = {"test": f"In-domain test split (LibreOffice help, {rows})",
        "ood": f"Out-of-domain set (VLC's messages, `data/ood`, {rows})"}
FIELDS = ["params", "tok_s", "updates", "minutes", "loss", "commit"]

scores, info, directions = {}, {}, []
for line in open(path):
    name, key, *values = line.rstrip("\n").split("\t")
    if key == "info":
        info[name] = dict(zip(FIELDS, values))
        continue
    pair, bleu, chrf = values
    scores.setdefault((name, key), {})[pair] = (float(bleu), float(chrf))
    if pair not in directions:
        directions.append(pair)
names = list(info)


def average(name, split, metric=0):
    by = scores[(name, split)]
    return sum(by[d][metric] for d in directions) / len(directions)


def seeds_mean(name, split):
    """Mean average BLEU over the seeds that ran (name, name-seed2)."""
    runs = [n for n in (name, f"{name}-seed2") if (n, split) in scores]
    return sum(average(n, split) for n in runs) / len(runs), len(runs)


def bootstrap(split, system, baseline, pair):
    result = {r["system"].removeprefix("Baseline: "): r["BLEU"]
              for r in json.load(open(f"{root}/significance.{split}.{baseline}.{pair}.json"))}
    base, mine = result[f"{root}/{baseline}.{split}.{pair}"], result[f"{root}/{system}.{split}.{pair}"]
    return mine["score"] - base["score"], mine["p_value"]


langs = ", ".join(recipe["data"]["langs"])
model = recipe["model"]
print("# Model-kind comparison\n")
print(f"Produced by `{command.strip()}` at commit `{commit}` on the 2-core machine; models trained at commit(s) "
      + ", ".join(f"`{c}`" for c in sorted({i['commit'] for i in info.values()}))
      + f" (this invocation: {int(seconds) // 60} min).\n")
print(f"Every run trained {updates} updates of up to {recipe['data']['max_tokens']} padded tokens on {langs}, all "
      f"{len(directions)} directions (`recipes/<kind>.json`: {model['encoder_layers']}+{model['decoder_layers']} layers, "
      f"d={model['embed_dim']}, FFN {model['ffn_embed_dim']}, dropout {model['dropout']}, lr {recipe['optimization']['lr']} "
      f"with inverse-sqrt decay after {recipe['optimization']['warmup_updates']} warmup updates), except "
      "`lms-fd-equal-time`: LMS+FD stopped at the training time LMS took, since Fuse Distillation runs two passes per "
      "update. Translation: beam 5, max length 1.2·source + 10. BLEU: sacreBLEU's 13a through `tessera bleu`; chrF: chrF2. "
      "Training tokens/s is the median of the progress records (the cores may have been shared, see train min); "
      "valid loss is the best per-token NLL on the recipes' validation sample (LS route for lms-fd).\n")
print("`lms-fd` decodes with its language-specific factors (FD-LS); `lms-fd-share` is the same model folded by "
      "`tessera distill` into a dense model (FD-Share), which needs no extra parameters at inference. "
      "`-seed2` runs differ from their first run only in the seed.\n")

for split, title in SETS.items():
    print(f"## {title}\n")
    print("| run | " + " | ".join(directions) + " | avg BLEU | avg chrF | valid loss | params (train / inference) | tgt tok/s | updates | train min |")
    print("|---|" + "---|" * (len(directions) + 7))
    for name in names:
        if (name, split) not in scores:
            continue
        by, i = scores[(name, split)], info[name]
        loss = "—" if name == "lms-fd-share" else i["loss"]  # validated only through lms-fd's language-specific route
        print(f"| {name} | " + " | ".join(f"{by[d][0]:.1f}" for d in directions)
              + f" | {average(name, split):.2f} | {average(name, split, 1):.2f} | {loss} | {i['params']} | {i['tok_s']}"
              + f" | {i['updates']} | {i['minutes']} |")
    print()

print("## Seeds\n")
print("Average BLEU of each seed and their mean.\n")
print("| kind | " + " | ".join(f"{split} seed 1 | {split} seed 2 | {split} mean" for split in SETS) + " |")
print("|---|" + "---|" * (3 * len(SETS)))
for name in ("dense", "switch", "lms"):
    cells = []
    for split in SETS:
        second = (f"{name}-seed2", split)
        cells += [f"{average(name, split):.2f}", f"{average(*second):.2f}" if second in scores else "—",
                  f"{seeds_mean(name, split)[0]:.2f}"]
    print(f"| {name} | " + " | ".join(cells) + " |")

comparisons = [("switch", "dense"), ("smoe", "switch"), ("lms", "switch"), ("lms", "dense"), ("lms-fd", "dense"),
               ("lms-fd-equal-time", "dense"), ("lms-fd-share", "dense")]
print("\n## Significance\n")
print("BLEU difference (seed 1) and p-value of sacreBLEU 2.6.0's paired bootstrap resampling (`--paired-bs`, "
      "1000 resamples, seed 12345) on the same rows; `*` marks p < 0.05.\n")
for split, title in SETS.items():
    print(f"{title}:\n")
    print("| direction | " + " | ".join(f"{a} − {b}" for a, b in comparisons) + " |")
    print("|---|" + "---|" * len(comparisons))
    for d in directions:
        cells = []
        for system, baseline in comparisons:
            delta, p = bootstrap(split, system, baseline, d)
            cells.append(f"{delta:+.1f} (p={p:.3f}){'*' if p < 0.05 else ''}")
        print(f"| {d} | " + " | ".join(cells) + " |")
    print()


def significant_in(split, system, baseline):
    hits = [d for d in directions if bootstrap(split, system, baseline, d)[1] < 0.05 and bootstrap(split, system, baseline, d)[0] > 0]
    return f"significantly better in {len(hits)} of {len(directions)} directions"


print("## The papers' claims at this scale\n")
print("Differences of average BLEU; for dense, Switch and LMS the mean over their seeds.\n")
for split, title in SETS.items():
    lms, n_lms = seeds_mean("lms", split)
    switch, n_switch = seeds_mean("switch", split)
    dense, _ = seeds_mean("dense", split)
    smoe = average("smoe", split)
    share = average("lms-fd-share", split)
    print(f"{title}:\n")
    gap = lms - switch
    print(f"- LMS (pair-wise) ≥ Switch + 1 BLEU: LMS − Switch = {gap:+.2f} "
          f"({n_lms} and {n_switch} seeds): **{'holds' if gap >= 1 else 'does not hold'}**; seed 1 "
          f"{significant_in(split, 'lms', 'switch')}.")
    gap = smoe - switch
    print(f"- SMoE > Switch: SMoE − Switch = {gap:+.2f} (SMoE one seed): **{'holds' if gap > 0 else 'does not hold'}**; "
          f"{significant_in(split, 'smoe', 'switch')}.")
    gain = lms - dense
    if gain > 0:
        kept = (share - dense) / gain
        print(f"- FD-Share keeps most of LMS's gain over dense: LMS − dense = {gain:+.2f}, FD-Share − dense = "
              f"{share - dense:+.2f}, so it keeps {100 * kept:.0f}%: **{'holds' if kept > 0.5 else 'does not hold'}**.")
    else:
        print(f"- FD-Share keeps most of LMS's gain over dense: LMS − dense = {gain:+.2f}, so there is no gain to keep "
              f"(FD-Share − dense = {share - dense:+.2f}): **cannot hold here**.")
    print()
