#!/usr/bin/env bash
# Data for recipes/main.json: the 13-language corpus, a vocabulary of the recipe's own
# languages (its "langs") and the binarized splits under data/main. Each step is skipped
# when its output exists.
set -euo pipefail
cd "$(dirname "$0")/.."
tessera="$(swift build -c release --show-bin-path)/tessera"
corpus=data/corpus
data=data/main
langs=$(python3 -c 'import json; print(",".join(json.load(open("recipes/main.json"))["data"]["langs"]))')
vocab_size=4000

step() { printf '\n== %s\n' "$*" >&2; }

step "corpus: LibreOffice help in 13 languages -> $corpus"
[ -s "$corpus/manifest.json" ] || corpora/build-libreoffice-help.sh --out "$corpus"

step "vocabulary of $langs ($vocab_size pieces) -> $data/spm.model"
[ -s "$data/spm.model" ] || "$tessera" vocab --input "$corpus/train" --langs "$langs" -o "$data/spm" --vocab-size "$vocab_size"

step "binarize: train, valid and test -> $data"
for split in train valid test; do
    [ -s "$data/$split.safetensors" ] ||
        "$tessera" binarize --input "$corpus/$split" --langs "$langs" --vocab "$data/spm.model" -o "$data/$split.safetensors"
done
