#!/usr/bin/env python3
"""Builds Tessera's multi-way corpus from unpacked LibreOffice help trees.

  build  --lang en=DIR --lang de=DIR ... --out DIR
         DIR is a language's help root (the folder holding text/); English
         must be one of the languages. Writes the corpus format of multiway.py.
  sample --corpus DIR --out DIR --langs en,de,...
         Writes a small subset of a built corpus in the same format.

Only the Python standard library is used, so any machine can build it.
"""
import argparse
import json
import os
import signal
import sys
import time
from multiprocessing import Pool

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import help_pages  # noqa: E402
import multiway  # noqa: E402


def extract_language(job):
    """(lang, {key: text}, error) over every help page of one language, keys
    `page#id` with page the path relative to the language root. Errors come
    back as values so a pool always finishes its map normally."""
    lang, root = job
    try:
        return lang, _segments_under(root), None
    except multiway.CorpusError as error:
        return lang, None, str(error)


def _segments_under(root):
    segments = {}
    for directory, subdirs, names in os.walk(root):
        subdirs.sort()
        for name in sorted(names):
            if not name.endswith(".html"):
                continue
            path = os.path.join(directory, name)
            page = os.path.relpath(path, root).replace(os.sep, "/")
            with open(path, "rb") as handle:
                raw = handle.read()
            try:
                html = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                line = raw[:error.start].count(b"\n") + 1
                raise multiway.CorpusError(f"{path}:{line}: invalid UTF-8") from None
            for key, text in help_pages.segments(html):
                segments[f"{page}#{key}"] = text
    return segments


def extract_all(jobs, workers):
    if workers > 1 and len(jobs) > 1:
        pool = Pool(min(workers, len(jobs)))
        results = pool.map(extract_language, jobs)
        pool.close()
        pool.join()
    else:
        results = list(map(extract_language, jobs))
    for _, _, error in results:
        if error:
            raise multiway.CorpusError(error)
    return {lang: segments for lang, segments, _ in results}


def parse_lang(value):
    lang, sep, root = value.partition("=")
    if not sep or not lang or not root:
        raise argparse.ArgumentTypeError(f"expected LANG=DIR, got {value!r}")
    return lang, root


def build(args):
    languages = [lang for lang, _ in args.lang]
    if len(set(languages)) != len(languages):
        raise multiway.CorpusError("a language is given twice")
    if multiway.ENGLISH not in languages:
        raise multiway.CorpusError(f"--lang {multiway.ENGLISH}=DIR is required: rows are English segments")
    for lang, root in args.lang:
        if not os.path.isdir(os.path.join(root, "text")):
            raise multiway.CorpusError(f"{root}: no text/ folder; not a help root for {lang}")
    multiway.check_replaceable(args.out)
    started = time.monotonic()
    print(f"extracting {len(languages)} languages with up to {args.jobs} workers", flush=True)
    segments = extract_all(args.lang, args.jobs)
    for lang in languages:
        found = sum(1 for text in segments[lang].values() if text)
        print(f"  {lang}: {found} non-empty segments", flush=True)
    rows = multiway.align(segments, languages)
    splits = multiway.split(rows, languages, args.test_rows, args.valid_rows)
    sources = {}
    if args.sources:
        with open(args.sources, encoding="utf-8") as handle:
            sources = json.load(handle)
    extra = {"source": "LibreOffice help pages (Debian libreoffice-help-*), MPL-2.0",
             "packages": sources}
    manifest = multiway.write(args.out, splits, languages, extra)
    report(manifest, args.out, time.monotonic() - started)


def sample(args):
    started = time.monotonic()
    multiway.check_replaceable(args.out)
    manifest, splits = multiway.read(args.corpus)
    languages = [lang for lang in manifest["languages"] if lang in args.langs]
    if sorted(languages) != sorted(args.langs) or multiway.ENGLISH not in languages:
        raise multiway.CorpusError(f"{args.corpus}: sample languages {args.langs} must include "
                                   f"{multiway.ENGLISH} and be among {manifest['languages']}")
    sizes = {"train": args.train_rows, "valid": args.valid_rows, "test": args.test_rows}
    packages = {lang: manifest["packages"][lang] for lang in languages if lang in manifest["packages"]}
    extra = {"source": manifest["source"], "packages": packages,
             "sampled_from": {"rows": manifest["rows"], "sizes": sizes}}
    result = multiway.write(args.out, multiway.sample(splits, languages, sizes), languages, extra)
    report(result, args.out, time.monotonic() - started)


def report(manifest, out, seconds):
    print(f"wrote {out}: {manifest['rows']} rows, {manifest['rows_in_all_languages']} in all "
          f"{len(manifest['languages'])} languages, in {seconds:.1f} s")
    for name in multiway.SPLITS:
        counts = manifest["splits"][name]
        cells = " ".join(f"{lang}={n}" for lang, n in counts["segments"].items())
        print(f"  {name}: {counts['rows']} rows; {cells}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    build_parser = commands.add_parser("build", help="build a corpus from help trees")
    build_parser.add_argument("--lang", type=parse_lang, action="append", required=True, metavar="LANG=DIR")
    build_parser.add_argument("--out", required=True)
    build_parser.add_argument("--test-rows", type=int, default=1000)
    build_parser.add_argument("--valid-rows", type=int, default=500)
    build_parser.add_argument("--sources", help="JSON {lang: {package, version, sha256}} for the manifest")
    build_parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    sample_parser = commands.add_parser("sample", help="write a small subset of a built corpus")
    sample_parser.add_argument("--corpus", required=True)
    sample_parser.add_argument("--out", required=True)
    sample_parser.add_argument("--langs", type=lambda s: s.split(","), required=True)
    sample_parser.add_argument("--train-rows", type=int, default=1000)
    sample_parser.add_argument("--valid-rows", type=int, default=100)
    sample_parser.add_argument("--test-rows", type=int, default=200)
    args = parser.parse_args()
    # A parent may hand us blocked signals (Foundation's Process on Linux
    # does), which would make us and our pool workers impossible to stop.
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    try:
        (build if args.command == "build" else sample)(args)
    except (multiway.CorpusError, OSError, json.JSONDecodeError) as error:
        sys.exit(f"libreoffice_help.py: {error}")


if __name__ == "__main__":
    main()
