"""Random differential test of `tessera bleu` against sacreBLEU 2.6.0 (run by hand).

Usage: .venv-sacrebleu/bin/python recipes/bleu_fuzz.py FIRST_SEED LAST_SEED
(after `swift build -c release --product bleu-bench` and recipes/sacrebleu-venv.sh).
Each seed writes random multilingual, punctuation-heavy segments with 1-3
references of very different lengths to a temporary directory and compares
both scorers' output on several option sets; prints every mismatch.
"""
import os
import random
import subprocess
import sys
import tempfile

VOCAB = ["the", "a", "cat", "dog", "Haus", "über", "мир", "κόσμος", "猫", "世界", "ネコ", "한국", "مرحبا",
         "नमस्ते", "1,000", "3.5", "-", "--", ".", ",", "!", "?", "'s", "&amp;", "&quot;", "(x)", "€", "$5",
         "😀", "e\u0301", "ß", "İ", "ΣΑΣ", "\u3000", "\u00a0", "a-b", "http://x.y/z?q=1", "don't", "U.S.A.",
         "10-15", "（", "）", "。", "、", "“", "”", "<skipped>", "x\u200by"]
OPTIONS = [
    ["-m", "bleu", "chrf", "ter", "-w", "6"],
    ["-m", "bleu", "-tok", "intl", "-sl", "-w", "6", "-lc"],
    ["-m", "bleu", "-tok", "zh", "-s", "floor", "-w", "6"],
    ["-m", "bleu", "-tok", "char", "-s", "add-k", "-sl", "-w", "6"],
    ["-m", "bleu", "-s", "none", "-sl", "-w", "6"],
    ["-m", "chrf", "-cw", "2", "-sl", "-w", "6"],
    ["-m", "chrf", "--chrf-whitespace", "--chrf-eps-smoothing", "-sl", "-w", "6"],
    ["-m", "ter", "-sl", "-w", "6"],
    ["-m", "ter", "--ter-normalized", "-sl", "-w", "6"],
    ["-m", "ter", "--ter-no-punct", "--ter-case-sensitive", "-sl", "-w", "6"],
    ["-m", "ter", "--ter-normalized", "--ter-asian-support", "--ter-no-punct", "-sl", "-w", "6"],
]
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SACREBLEU = os.path.join(ROOT, ".venv-sacrebleu/bin/sacrebleu")
TESSERA = [os.path.join(ROOT, ".build/release/bleu-bench"), "score"]


def segments(rng, count):
    def line():
        n = rng.choice([0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 120, 180])
        return rng.choice([" ", " ", " ", "", "  "]).join(rng.choice(VOCAB) for _ in range(n))
    hyps = [line() for _ in range(count)]

    def reference(h):
        if rng.random() < 0.3:
            return line()
        words = h.split()
        return h if rng.random() < 0.5 else " ".join(rng.sample(words, len(words)))
    refs = [[reference(h) for h in hyps] for _ in range(rng.choice([1, 1, 2, 3]))]
    return hyps, refs


def main(first, last):
    mismatches = 0
    for seed in range(first, last + 1):
        rng = random.Random(seed)
        hyps, refs = segments(rng, 40)
        with tempfile.TemporaryDirectory() as d:
            def write(name, lines):
                with open(os.path.join(d, name), "w", encoding="utf-8", newline="\n") as f:
                    f.write("".join(l + "\n" for l in lines))
                return os.path.join(d, name)
            files = [write(f"ref{i}.txt", r) for i, r in enumerate(refs)] + ["-i", write("hyp.txt", hyps)]
            for options in OPTIONS:
                theirs = subprocess.run([SACREBLEU] + files + options, capture_output=True, text=True)
                ours = subprocess.run(TESSERA + files + options, capture_output=True, text=True)
                expected = theirs.stdout.replace("version:2.6.0", "version:tessera-0.1.0").replace(
                    '"version": "2.6.0"', '"version": "tessera-0.1.0"')
                if theirs.returncode != ours.returncode or expected != ours.stdout:
                    mismatches += 1
                    print(f"seed {seed} {' '.join(options)}: exit {theirs.returncode}/{ours.returncode}")
                    for a, b in zip(expected.splitlines(), ours.stdout.splitlines()):
                        if a != b:
                            print(f"  sacreBLEU: {a}\n  Tessera:   {b}")
                            break
    print(f"{mismatches} mismatches over seeds {first}..{last} x {len(OPTIONS)} option sets")
    return 1 if mismatches else 0


sys.exit(main(int(sys.argv[1]), int(sys.argv[2])))
