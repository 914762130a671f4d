#!/usr/bin/env bash
# Data for every recipe: the 13-language corpus, the joint vocabulary and the
# binarized splits. Each step is skipped when its output exists.
set -euo pipefail
cd "$(dirname "$0")/.."
tessera="$(swift build -c release --show-bin-path)/tessera"
corpus=data/corpus
vocab=data/vocab/spm

step() { printf '\n== %s\n' "$*" >&2; }

step "corpus: LibreOffice help in 13 languages -> $corpus"
[ -s "$corpus/manifest.json" ] || corpora/build-libreoffice-help.sh --out "$corpus"

step "vocabulary: joint SentencePiece model -> $vocab.model"
[ -s "$vocab.model" ] || "$tessera" vocab --input "$corpus/train" -o "$vocab" --vocab-size 8000

step "binarize: train, valid and test -> data/bin"
for split in train valid test; do
    [ -s "data/bin/$split.safetensors" ] ||
        "$tessera" binarize --input "$corpus/$split" --vocab "$vocab.model" -o "data/bin/$split.safetensors"
done
