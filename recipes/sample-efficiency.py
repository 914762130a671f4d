#!/usr/bin/env python3
"""Short training runs that each change one thing, to find what costs loss per update.

usage: recipes/sample-efficiency.py [VARIANT ...]    (default: every variant, in order)
       recipes/sample-efficiency.py --report [VARIANT ...]

Every variant trains English, German and French in all six directions (the main
job's languages) with dense 3+3 layers of 256, from recipes/quick.json's settings
(`base`) with the changes listed in VARIANTS. Runs go to runs/sample-efficiency/NAME
and resume; a finished run is skipped. The report prints the validation loss per
target token (no label smoothing) at each validation and the training loss every 100 updates, from each run's log and train.jsonl.
Validation losses are per token of each run's own vocabulary, so across
vocabularies compare them as loss per sentence (the report prints both).
It runs recipes/prepare-data.sh and recipes/prepare-main-data.sh for the two vocabularies.
"""
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OWN_VOCAB = {"data.vocab": "data/main/spm.model", "data.train": "data/main/train.safetensors",
             "data.valid": "data/main/valid.safetensors"}
TUNED = {**OWN_VOCAB, "model.dropout": 0.0, "optimization.lr": 0.002, "optimization.warmup_updates": 200}
# Half the batch, twice the updates: the same target tokens as `tuned` at 400 updates by update 800.
SMALL_BATCHES = {**TUNED, "data.max_tokens": 2048, "optimization.max_update": 800, "schedule.validate_interval_updates": 400}
VARIANTS = {
    "base": {},
    "own-vocab": OWN_VOCAB,
    "tuned": TUNED,
    "tuned-2k-batches": SMALL_BATCHES,
    "2k-batches-lr3e-3": {**SMALL_BATCHES, "optimization.lr": 0.003},
    "2k-batches-no-clip": {**SMALL_BATCHES, "optimization.clip_norm": 0},
}
BASE = {
    "data": {"train": "data/bin/train.safetensors", "valid": "data/bin/valid.safetensors", "vocab": "data/vocab/spm.model",
             "langs": ["en", "de", "fr"], "directions": "all", "max_tokens": 4096, "max_length": 128,
             "sampling_temperature": 1.5},
    "model": {"embed_dim": 256, "attention_heads": 4, "ffn_embed_dim": 1024, "encoder_layers": 3, "decoder_layers": 3,
              "max_positions": 256, "dropout": 0.1, "attention_dropout": 0.0},
    "optimization": {"lr": 0.001, "warmup_updates": 300, "label_smoothing": 0.1, "clip_norm": 1.0, "max_update": 400,
                     "seed": 1},
    "schedule": {"log_interval": 25, "validate_interval_updates": 200, "valid_sentences": 100,
                 "bleu_directions": ["en-de", "de-en", "en-fr", "fr-en", "de-fr", "fr-de"]},
}


def run_directory(name):
    return os.path.join("runs/sample-efficiency", name)


def recipe(name):
    result = json.loads(json.dumps(BASE))
    for key, value in VARIANTS[name].items():
        section, field = key.split(".")
        result[section][field] = value
    result["schedule"]["save_dir"] = run_directory(name)
    return result


def tessera():
    path = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], check=True, capture_output=True,
                          text=True).stdout.strip()
    return os.path.join(path, "tessera")


def prepare():
    subprocess.run(["recipes/prepare-data.sh"], check=True)
    subprocess.run(["recipes/prepare-main-data.sh"], check=True)


def train(binary, name):
    directory = run_directory(name)
    os.makedirs(directory, exist_ok=True)
    log = os.path.join(directory, "log")
    if os.path.exists(log) and "stopped (max_update)" in open(log).read():
        return
    path = os.path.join(directory, "recipe.json")
    with open(path, "w") as f:
        json.dump(recipe(name), f, indent=1)
    with open(log, "a") as f:
        subprocess.run([binary, "train", "--recipe", path, "--resume"], stdout=f, stderr=subprocess.STDOUT, check=True)


def target_tokens_per_sentence(vocabulary_path, binary):
    """Mean target tokens (with </s>) per validation sentence over the six directions' targets."""
    total = sentences = 0
    for language in ["en", "de", "fr"]:
        lines = open(f"data/corpus/valid.{language}", encoding="utf-8").read().splitlines()[:100]
        ids = subprocess.run([binary, "encode", "--vocab", vocabulary_path], input="\n".join(lines) + "\n",
                             capture_output=True, text=True, check=True).stdout.splitlines()
        total += sum(len(line.split()) + 1 for line in ids)
        sentences += len(ids)
    return total / sentences


def report(binary, names):
    per_sentence = {}
    for name in names:
        directory = run_directory(name)
        if not os.path.exists(os.path.join(directory, "train.jsonl")):
            print(f"{name}: not run")
            continue
        vocabulary = recipe(name)["data"]["vocab"]
        if vocabulary not in per_sentence:
            per_sentence[vocabulary] = target_tokens_per_sentence(vocabulary, binary)
        # A resumed run logs some steps twice; the last record of a step wins.
        seen = {record["step"]: record for record in map(json.loads, open(os.path.join(directory, "train.jsonl")))}
        print(f"\n{name}: {json.dumps(VARIANTS[name]) if VARIANTS[name] else 'recipes/quick.json settings'}")
        for line in open(os.path.join(directory, "log")):
            match = re.match(r"valid at update (\d+): loss ([\d.]+)", line)
            if match:
                update, loss = int(match.group(1)), float(match.group(2))
                print(f"  valid at update {update:4d}: loss/token {loss:.3f}, loss/sentence "
                      f"{loss * per_sentence[vocabulary]:.1f} ({per_sentence[vocabulary]:.1f} tokens/sentence)")
        curve = [f"{step}: {seen[step]['loss']:.3f}" for step in sorted(seen) if step % 100 == 0]
        print("  train loss (label-smoothed, per token, last 25 updates) at " + ", ".join(curve))


def main():
    os.chdir(ROOT)
    arguments = sys.argv[1:]
    only_report = "--report" in arguments
    names = [a for a in arguments if a != "--report"] or list(VARIANTS)
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        sys.exit(f"sample-efficiency.py: unknown variant {unknown[0]} (known: {', '.join(VARIANTS)})")
    binary = tessera()
    if not only_report:
        prepare()
        for name in names:
            print(f"== {name}", file=sys.stderr, flush=True)
            train(binary, name)
    report(binary, names)


if __name__ == "__main__":
    main()
