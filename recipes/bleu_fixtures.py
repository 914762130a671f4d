"""Writes the fixtures of TesseraMetricsTests from sacreBLEU 2.6.0 itself.

Usage (through recipes/make-bleu-fixtures.sh): bleu_fixtures.py FIXTURE_DIR [--inputs]

FIXTURE_DIR/inputs/<set>/{hyp,ref,ref2,...}.txt  text to score (--inputs rebuilds them)
FIXTURE_DIR/cli.jsonl          one sacreBLEU command line per line: args, stdin, exit code, stdout
FIXTURE_DIR/tokenizers.jsonl   tokenizer outputs (13a, intl, zh, char, none, tercom variants, str.lower)
FIXTURE_DIR/unicode.txt        regex's \\p{P}/\\p{S}/\\p{N} and str.isspace, as ranges over the code
                               points Python's Unicode database assigns
FIXTURE_DIR/zh-ranges.txt      the code points sacreBLEU's zh tokenizer treats as Chinese
"""
import gettext
import json
import os
import random
import subprocess
import sys
import unicodedata

import regex
import sacrebleu
from sacrebleu.metrics.bleu import _get_tokenizer
from sacrebleu.tokenizers.tokenizer_ter import TercomTokenizer
from sacrebleu.tokenizers.tokenizer_zh import TokenizerZh

assert sacrebleu.__version__ == "2.6.0", sacrebleu.__version__

FIXTURES = sys.argv[1]
INPUTS = os.path.join(FIXTURES, "inputs")
SACREBLEU = os.path.join(os.path.dirname(sys.executable), "sacrebleu")

# ---------------------------------------------------------------- inputs

REAL_LANGUAGES = ["de", "fr", "ru", "el", "tr", "zh_CN", "ja", "ko", "ar", "hi"]
UNSPACED = {"zh_CN", "ja"}


def debian_sentences(lang, count):
    """Real translated sentences from this machine's Debian message catalogs."""
    catalog = {}
    for domain in ["glib20", "gtk20", "PackageKit", "software-properties"]:
        path = f"/usr/share/locale/{lang}/LC_MESSAGES/{domain}.mo"
        if os.path.exists(path):
            with open(path, "rb") as f:
                translations = gettext.GNUTranslations(f)
            catalog.update({k: v for k, v in translations._catalog.items() if isinstance(k, str)})
    shortest = 12 if lang in UNSPACED else 30
    good = sorted({v for v in catalog.values()
                   if isinstance(v, str) and shortest <= len(v) <= 160
                   and not any(c in v for c in "\n\t\r%<>_") and (lang in UNSPACED or " " in v)})
    step = max(1, len(good) // count)
    return good[::step][:count]


def perturb(line, rng, pool, unspaced):
    """A plausible MT output: word drops, swaps, substitutions, block moves, case changes."""
    units = list(line) if unspaced else line.split(" ")
    for _ in range(rng.randint(0, 3)):
        if not units:
            break
        i = rng.randrange(len(units))
        op = rng.random()
        if op < 0.2:
            del units[i]
        elif op < 0.4 and i + 1 < len(units):
            units[i], units[i + 1] = units[i + 1], units[i]
        elif op < 0.6:
            units[i] = rng.choice(pool)
        elif op < 0.75 and len(units) > 4:
            size = rng.randint(1, 3)
            block = units[i:i + size]
            del units[i:i + size]
            j = rng.randrange(len(units) + 1)
            units[j:j] = block
        elif op < 0.85:
            units[i] = units[i].upper() if rng.random() < 0.5 else units[i].lower()
        else:
            units.insert(i, units[i])
    return ("" if unspaced else " ").join(units)


EDGE_REF = [
    "The quick brown fox jumps over the lazy dog.",
    "It's John's book, isn't it? Yes -- it's the 3rd edition (2019).",
    "Prices rose 3.5% to $1,234.56 on 12/05/2023; the index hit 10,000.",
    "In Germany one writes 1.234,56 € and 3-4 km, ranges like 10-15 and 2020-2021.",
    "Visit https://example.com/path?q=a&b=c#frag or mail info@example.org today!",
    "Tom &amp; Jerry said &quot;hi&quot; &lt;b&gt;loudly&lt;/b&gt; <skipped> twice.",
    "Emoji: 👍🏽 👨‍👩‍👧‍👦 🇩🇪 ❤️ ☺ and ★★★ ratings ✓.",
    "Combining: café vs cafe\u0301, naïve vs nai\u0308ve, Å vs A\u030a.",
    "Ελληνικά: ΟΔΟΣ και ΣΟΦΟΣ, η οδός είναι ωραία.",
    "İstanbul'da STRASSE und Straße; ǅemal; ﬁne ﬆyle.",
    "Привет, мир! Это тест — «кавычки» и т.д. 1 000 000 рублей.",
    "我们今天去公园玩，天气很好！价格是１２３元（含税）。",
    "東京都は日本の首都です。カタカナとひらがなが混ざっています。",
    "한국어 문장입니다. 서울은 대한민국의 수도입니다!",
    "مرحبا بالعالم، كيف حالك؟ هذا اختبار: ١٢٣٤٥ و 12345.",
    "नमस्ते दुनिया। यह एक परीक्षण है, संख्या १२३ और 456।",
    "ภาษาไทยไม่มีการเว้นวรรคระหว่างคำ แต่มีระหว่างประโยค",
    "Tabs\tand  double  spaces\u00a0and\u3000ideographic\u2009thin spaces.",
    "Zero\u200bwidth\u200djoiners and soft\u00adhyphens stay inside words.",
    "Math: a+b=c, x<y>z, 2^10 = 1024, ±5 °C, ∑ ∞ ≠ ≈ √2.",
    "Quotes “double” ‘single’ „German“ «French» 「Japanese」 and ... … ellipses.",
    "Dashes - – — and hyphen-ated words, e-mail, co-operate, 5-year-old.",
    "",
    "   ",
    "UPPER lower MiXeD CaSe WORDS with Numbers123 and 456abc.",
    "the the the the the the the the the the the the",
    "A sentence with a trailing space and tab \t ",
    "Currency ¥100 £50 ₹2,000 ₩10,000 ฿30 and 50¢.",
    "Version v2.6.0 of lib-foo_bar.so (build #42) [stable] {ok} |pipe| ~tilde~ `code`.",
    "Words:colons;semicolons!exclamations?questions/slashes\\backslashes",
]


def edge_hypotheses(refs, rng):
    hyps = []
    pool = " ".join(refs).split()
    for ref in refs:
        hyps.append(perturb(ref, rng, pool, unspaced=False) if ref.strip() else ref)
    # A few deliberate mismatches of form rather than content.
    hyps[0] = "The quick brown fox jumped over the lazy dog ."
    hyps[2] = "Prices rose 3.5 % to $ 1,234.56 on 12/05/2023 ; the index hit 10.000."
    hyps[7] = "Combining: cafe\u0301 vs café, naïve vs naive, A\u030a vs Å."
    hyps[23] = "not empty"
    hyps[25] = "the the the the"
    return hyps


def move_blocks(words, moves, rng):
    """Moves `moves` random blocks of 1-8 words to random places."""
    moved = list(words)
    for _ in range(moves):
        size = rng.randint(1, 8)
        i = rng.randrange(max(1, len(moved) - size))
        block = moved[i:i + size]
        del moved[i:i + size]
        j = rng.randrange(len(moved) + 1)
        moved[j:j] = block
    return moved


def long_ter_lines(sentences, rng):
    """Long segments with block moves, very unequal lengths and repetitions: they
    exercise TER's shift search, its beam widening and its candidate limit."""
    words = " ".join(sentences).split()
    lines_ref, lines_hyp = [], []
    for k in range(12):
        n = rng.randint(40, 110)
        start = rng.randrange(max(1, len(words) - n))
        ref = words[start:start + n]
        lines_ref.append(" ".join(ref))
        lines_hyp.append(" ".join(move_blocks(ref, rng.randint(2, 6), rng)))
    lines_ref.append(" ".join(words[:160]))
    lines_hyp.append(" ".join(words[5:8]))
    lines_ref.append(" ".join(words[5:8]))  # and the reverse: a hypothesis far longer than its reference
    lines_hyp.append(" ".join(words[:160]))
    lines_ref.append("a b a b a b a b a b a b a b a b a b a b a b a b a b a b a b a b a b a b")
    lines_hyp.append("b a b a b a b a b a b a b a b a b a b a b a b a b a b a b a b a b a b a")
    lines_ref.append(" ".join(["x y z"] * 30))
    lines_hyp.append(" ".join(["z y x"] * 30))
    # sacreBLEU tokenizes TER references twice; with normalization and punctuation
    # removal the second pass can split a possessive the first pass exposed.
    lines_ref.append("The cosmos's\uff09 1,000 and John's\uff08x\uff09 plan's\u3002 done")
    lines_hyp.append("the cosmos 's 1,000 and john 's x plan 's done")
    # Many block moves in long lines: the search hits its 1000-candidate limit
    # after some shifts were applied, discarding a still-improving shift.
    limit_rng = random.Random(7)
    for n, moves in [(150, 12), (200, 16), (120, 20)]:
        lines_ref.append(" ".join(words[:n]))
        lines_hyp.append(" ".join(move_blocks(words[:n], moves, limit_rng)))
    return lines_hyp, lines_ref


def write_lines(path, lines, newline="\n"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("".join(line + newline for line in lines))


def build_inputs():
    rng = random.Random(20261125)
    real_sentences = {}
    for lang in REAL_LANGUAGES:
        refs = debian_sentences(lang, 30)
        real_sentences[lang] = refs
        unspaced = lang in UNSPACED
        pool = list("".join(refs)) if unspaced else " ".join(refs).split()
        write_lines(f"{INPUTS}/real-{lang}/ref.txt", refs)
        write_lines(f"{INPUTS}/real-{lang}/hyp.txt", [perturb(r, rng, pool, unspaced) for r in refs])
    write_lines(f"{INPUTS}/edge/ref.txt", EDGE_REF)
    write_lines(f"{INPUTS}/edge/hyp.txt", edge_hypotheses(EDGE_REF, rng))
    # Multi-reference: three references per segment, mixing languages.
    base = real_sentences["de"][:10] + real_sentences["ru"][:5] + EDGE_REF[:10]
    pool = " ".join(base).split()
    write_lines(f"{INPUTS}/multiref/ref.txt", base)
    write_lines(f"{INPUTS}/multiref/ref2.txt", [perturb(r, rng, pool, False) for r in base])
    write_lines(f"{INPUTS}/multiref/ref3.txt", [perturb(r, rng, pool, False) for r in base])
    write_lines(f"{INPUTS}/multiref/hyp.txt", [perturb(r, rng, pool, False) for r in base])
    # Tab-separated references for --num-refs.
    refs = open(f"{INPUTS}/multiref/ref.txt", encoding="utf-8").read().splitlines()
    refs2 = open(f"{INPUTS}/multiref/ref2.txt", encoding="utf-8").read().splitlines()
    write_lines(f"{INPUTS}/multiref/refs.tsv", [a + "\t" + b for a, b in zip(refs, refs2)])
    hyp, ref = long_ter_lines(real_sentences["fr"] + real_sentences["de"], rng)
    write_lines(f"{INPUTS}/ter-long/hyp.txt", hyp)
    write_lines(f"{INPUTS}/ter-long/ref.txt", ref)
    # Empty lines only, and a reference file with CRLF endings and a BOM.
    write_lines(f"{INPUTS}/blank/hyp.txt", ["", "", ""])
    write_lines(f"{INPUTS}/blank/ref.txt", ["", "something", ""])
    write_lines(f"{INPUTS}/blank/single.txt", [""])
    write_lines(f"{INPUTS}/blank/empty.txt", [])
    write_lines(f"{INPUTS}/crlf/ref.txt", ["\ufeffFirst line here.", "Second line  ", "Third\rline inside"], "\r\n")
    write_lines(f"{INPUTS}/crlf/hyp.txt", ["First line here.", "Second line", "Third line inside"], "\r\n")
    # Standard input with universal newlines: \r and \r\n both end lines there.
    with open(f"{INPUTS}/crlf/stdin.txt", "w", encoding="utf-8", newline="") as f:
        f.write("First line there.\r\nSecond line\rThird line")


# ---------------------------------------------------------------- sacreBLEU runs

def sets():
    return sorted(os.listdir(INPUTS))


def refs_of(name):
    files = sorted(f for f in os.listdir(f"{INPUTS}/{name}") if f.startswith("ref") and f.endswith(".txt"))
    return [f"@inputs/{name}/{f}" for f in files]


def cases():
    every = ["-m", "bleu", "chrf", "ter"]
    for name in sets():
        refs, hyp = refs_of(name), f"@inputs/{name}/hyp.txt"
        base = refs + ["-i", hyp]
        yield base + every + ["-w", "4"]
        yield base + every + ["-w", "6", "-f", "text"]
        for tok in ["13a", "intl", "zh", "char", "none"]:
            yield base + ["-m", "bleu", "-tok", tok, "-w", "6", "-f", "text"]
        yield base + ["-m", "bleu", "-tok", "13a", "-lc", "-w", "6"]
        yield base + ["-m", "bleu", "-tok", "intl", "-lc", "-w", "6", "-f", "text"]
        for smooth in ["exp", "floor", "add-k", "none"]:
            yield base + ["-m", "bleu", "-s", smooth, "-w", "6", "-f", "text"]
        yield base + ["-m", "chrf", "-cw", "2", "-w", "6", "-f", "text"]
        yield base + ["-m", "chrf", "--chrf-whitespace", "--chrf-eps-smoothing", "-w", "6", "-f", "text"]
        for ter in [[], ["--ter-case-sensitive"], ["--ter-no-punct"], ["--ter-normalized"],
                    ["--ter-normalized", "--ter-asian-support"], ["--ter-no-punct", "--ter-asian-support"],
                    ["--ter-normalized", "--ter-no-punct", "--ter-asian-support", "--ter-case-sensitive"]]:
            yield base + ["-m", "ter"] + ter + ["-w", "6", "-f", "text"]
        yield base + ["-m", "bleu", "-sl", "-w", "6"]
        yield base + ["-m", "chrf", "-sl", "-w", "6"]
        yield base + ["-m", "ter", "-sl", "-w", "6"]
    edge = refs_of("edge") + ["-i", "@inputs/edge/hyp.txt"]
    for smooth, value in [("floor", "0.5"), ("add-k", "2"), ("floor", "0.01"), ("exp", "3")]:
        yield edge + ["-m", "bleu", "-s", smooth, "-sv", value, "-w", "6"]
    for tok in ["intl", "zh", "char", "none"]:
        yield edge + ["-m", "bleu", "-tok", tok, "-sl", "-w", "6"]
    for smooth in ["floor", "add-k", "none"]:
        yield edge + ["-m", "bleu", "-s", smooth, "-sl", "-w", "6"]
    yield edge + ["-m", "bleu", "-lc", "-sl", "-w", "4"]
    yield edge + ["-m", "chrf", "-cw", "2", "--chrf-lowercase", "-sl", "-w", "6"]
    yield edge + ["-m", "ter", "--ter-normalized", "--ter-asian-support", "-sl", "-w", "6"]
    for chrf in [["--chrf-beta", "1"], ["--chrf-beta", "3", "-cc", "4", "-cw", "1"], ["-cc", "1"],
                 ["-cc", "0", "-cw", "2"], ["--chrf-lowercase", "-cw", "2", "--chrf-eps-smoothing"]]:
            yield edge + ["-m", "chrf"] + chrf + ["-w", "8"]
    yield edge + ["-m", "bleu", "chrf", "ter", "-b", "-w", "3"]
    yield edge + ["-m", "bleu", "chrf", "ter", "-b", "-f", "text"]
    yield edge + ["-m", "ter", "chrf", "-sh", "-f", "text", "-w", "2"]
    yield edge + ["-m", "bleu", "-w", "0"]
    yield edge + ["-m", "bleu", "-w", "12", "-f", "text"]
    yield edge + ["-m", "bleu", "-sl", "-b", "-w", "3"]
    yield edge + ["-m", "bleu", "-sl", "-sh"]
    yield edge + ["-m", "bleu", "-l", "en-zh", "-f", "text", "-w", "4"]
    yield edge + ["-m", "bleu", "-f", "latex", "-w", "4"]
    yield ["@inputs/multiref/refs.tsv", "-nr", "2", "-i", "@inputs/multiref/hyp.txt", "-m", "bleu", "chrf", "ter", "-w", "6"]
    yield ["@inputs/crlf/ref.txt", "-m", "bleu", "chrf", "ter", "-w", "6", "<@inputs/crlf/stdin.txt"]
    yield ["@inputs/real-de/ref.txt", "-m", "bleu", "chrf", "ter", "-w", "6", "<@inputs/real-de/hyp.txt"]
    yield ["@inputs/blank/ref.txt", "-m", "bleu", "-sl", "-w", "4", "<@inputs/blank/hyp.txt"]
    yield ["@inputs/blank/single.txt", "-m", "bleu", "chrf", "ter", "-w", "4", "<@inputs/blank/empty.txt"]
    # Failures: only the exit code is compared (sacreBLEU's messages are log lines or tracebacks).
    yield ["@inputs/edge/ref.txt", "-w", "6", "<@inputs/edge/hyp.txt"]  # a tab on a later stdin line
    yield ["@inputs/real-de/ref.txt", "-i", "@inputs/multiref/hyp.txt"]  # different lengths (30, 25)
    yield ["@inputs/blank/empty.txt", "-i", "@inputs/blank/empty.txt"]  # no sentence
    yield ["@inputs/blank/empty.txt", "<@inputs/blank/empty.txt"]  # one empty hypothesis, no reference
    yield edge + ["-m", "bleu", "chrf", "-sl"]
    yield ["@inputs/multiref/refs.tsv", "-nr", "3", "-i", "@inputs/multiref/hyp.txt"]
    yield edge + ["--no-such-flag"]
    yield edge + ["-tok", "13b"]
    yield edge + ["-w", "x"]


def run_case(args):
    stdin = None
    argv = []
    for a in args:
        if a.startswith("<@"):
            stdin = a[2:]
        else:
            argv.append(a.replace("@", "", 1) if a.startswith("@") else a)
    env = {k: v for k, v in os.environ.items() if k != "SACREBLEU_FORMAT"}
    env["NO_COLOR"] = "1"
    with open(os.path.join(FIXTURES, stdin), "rb") if stdin else open(os.devnull, "rb") as inp:
        p = subprocess.run([SACREBLEU] + argv, cwd=FIXTURES, stdin=inp, capture_output=True, env=env)
    if p.returncode != 0 and p.stdout:
        raise SystemExit(f"sacrebleu failed with output on {argv}: {p.stderr.decode()}")
    return {"args": [a for a in args if not a.startswith("<@")], "stdin": stdin, "exit": p.returncode,
            "stdout": p.stdout.decode("utf-8")}


# ---------------------------------------------------------------- tokenizers and tables

def tokenizer_cases():
    lines = []
    for name in sets():
        for f in sorted(os.listdir(f"{INPUTS}/{name}")):
            with open(f"{INPUTS}/{name}/{f}", encoding="utf-8", newline="\n") as fh:
                lines += [l.rstrip("\n") for l in fh][:(100 if name == "edge" else 2) if f == "ref.txt" else 0]
    lines += ["", " ", "a.b,c", "1.2,3", "x.", ".x", "3-4", "a-4", "9.", ",5", "'s", "it's ", "&amp;lt;",
              "-\nx", "a\nb", "<skipped>", "¡Hola!", "(hi)", "a...b", "1,2.3-4", "\u2028x\u2029", "\u00bd\u00b2",
              "ǅ", "ΣΑΣ Σ ΑΣ.", "Ⅻ ⅻ ①"]
    out = []
    for name in ["13a", "intl", "zh", "char", "none"]:
        tok = _get_tokenizer(name)()
        out += [{"tokenizer": name, "input": l, "output": tok(l)} for l in lines]
    for normalized, no_punct, asian in [(False, False, False), (True, False, False), (False, True, False),
                                        (True, False, True), (False, True, True), (True, True, True)]:
        tok = TercomTokenizer(normalized=normalized, no_punct=no_punct, asian_support=asian, case_sensitive=True)
        name = f"tercom{'-norm' * normalized}{'-nopunct' * no_punct}{'-asian' * asian}"
        out += [{"tokenizer": name, "input": l, "output": tok(l)} for l in lines]
    out += [{"tokenizer": "lower", "input": l, "output": l.lower()} for l in lines]
    return out


def ranges(predicate_value, codepoints):
    """Runs of consecutive code points with equal values: 'start end value' lines."""
    rows, start, prev, value = [], None, None, None
    for c in codepoints:
        v = predicate_value(c)
        if start is not None and c == prev + 1 and v == value:
            prev = c
            continue
        if start is not None:
            rows.append(f"{start:X} {prev:X} {value}")
        start, prev, value = c, c, v
    if start is not None:
        rows.append(f"{start:X} {prev:X} {value}")
    return rows


def unicode_table():
    P, S, N = regex.compile(r"\p{P}"), regex.compile(r"\p{S}"), regex.compile(r"\p{N}")
    assigned = [c for c in range(0x110000) if unicodedata.category(chr(c)) not in ("Cn", "Cs")]

    def flags(c):
        ch = chr(c)
        return (1 if P.match(ch) else 0) | (2 if S.match(ch) else 0) | (4 if N.match(ch) else 0) \
            | (8 if ch.isspace() else 0)
    header = [f"# unicodedata {unicodedata.unidata_version}, regex {regex.__version__}: "
              "flags 1=\\p{P} 2=\\p{S} 4=\\p{N} 8=str.isspace over assigned code points"]
    return header + ranges(flags, assigned)


def main():
    if "--inputs" in sys.argv[2:] or not os.path.isdir(INPUTS):
        build_inputs()
    with open(os.path.join(FIXTURES, "cli.jsonl"), "w", encoding="utf-8") as f:
        for args in cases():
            f.write(json.dumps(run_case(args), ensure_ascii=False) + "\n")
    with open(os.path.join(FIXTURES, "tokenizers.jsonl"), "w", encoding="utf-8") as f:
        for case in tokenizer_cases():
            f.write(json.dumps(case, ensure_ascii=False) + "\n")
    with open(os.path.join(FIXTURES, "unicode.txt"), "w") as f:
        f.write("\n".join(unicode_table()) + "\n")
    with open(os.path.join(FIXTURES, "zh-ranges.txt"), "w") as f:
        is_zh = TokenizerZh._is_chinese_char
        f.write("\n".join(r for r in ranges(lambda c: int(is_zh(chr(c))), range(0x110000)) if r.endswith(" 1")) + "\n")


main()
