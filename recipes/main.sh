#!/usr/bin/env bash
# The main job, end to end on the bundled default data. Each step is skipped
# when its output is already there, so a rerun resumes where it stopped.
# Steps not built yet (binarize, train, translate, distill) are listed as
# planned at the end rather than faked.
set -euo pipefail
cd "$(dirname "$0")/.."

recipes/setup.sh
tessera="$(swift build -c release --show-bin-path)/tessera"
corpus=data/corpus
vocab=data/vocab/spm

step() { printf '\n== %s\n' "$*" >&2; }

step "corpus: LibreOffice help in 13 languages -> $corpus"
corpora/build-libreoffice-help.sh --out "$corpus"

step "vocabulary: joint SentencePiece model -> $vocab.model"
if [ ! -s "$vocab.model" ]; then
    "$tessera" vocab --input "$corpus/train" -o "$vocab" --vocab-size 8000
else
    echo "already built" >&2
fi

step "encode: the test split with the joint vocabulary -> data/encoded"
mkdir -p data/encoded
for lang in en de fr ja; do
    "$tessera" encode --vocab "$vocab.model" -i "$corpus/test.$lang" > "data/encoded/test.$lang.ids"
    echo "test.$lang: $(wc -l < "data/encoded/test.$lang.ids") lines, $(wc -w < "data/encoded/test.$lang.ids") tokens" >&2
done

step "planned, not built yet: binarize, train (recipes/quick), translate, distill, bleu"
