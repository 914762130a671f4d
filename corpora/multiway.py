"""Multi-way parallel corpus: alignment by key, dedupe, splits, files, manifest.

A row is one English segment with its translations; a language's cell is
empty when it has no translation of that segment. On disk each split is a set
of line-aligned files `{split}.{lang}` plus `{split}.ids` (one key per row),
and manifest.json records counts and the SHA-256 of every file.
"""
import hashlib
import json
import os
import shutil

ENGLISH = "en"
SPLITS = ("train", "valid", "test")


class CorpusError(Exception):
    pass


def align(segments, languages):
    """Rows [(key, {lang: text})] from {lang: {key: text}}, in key order.

    A cell is kept when it is non-empty and differs from the English text
    (identical means untranslated). Rows with no translation at all are
    dropped, then each English text keeps only its first row."""
    english = segments[ENGLISH]
    rows, seen = [], set()
    for key in sorted(english):
        source = english[key]
        if not source or source in seen:
            continue
        cells = {ENGLISH: source}
        for lang in languages:
            text = segments[lang].get(key, "")
            if lang != ENGLISH and text and text != source:
                cells[lang] = text
        if len(cells) > 1:
            seen.add(source)
            rows.append((key, cells))
    return rows


def _digest(text, salt=b""):
    return hashlib.sha256(salt + text.encode("utf-8")).digest()


def split(rows, languages, test_rows, valid_rows):
    """{split: rows}. test and valid take the rows translated into every
    language with the smallest SHA-256 of their English text, so a sentence
    and all its translations land in one split whatever else changes."""
    complete = [row for row in rows if len(row[1]) == len(languages)]
    if len(complete) < test_rows + valid_rows:
        raise CorpusError(f"only {len(complete)} rows are translated into all "
                          f"{len(languages)} languages; test+valid need {test_rows + valid_rows}")
    complete.sort(key=lambda row: _digest(row[1][ENGLISH]))
    test = {row[0] for row in complete[:test_rows]}
    valid = {row[0] for row in complete[test_rows:test_rows + valid_rows]}
    result = {name: [] for name in SPLITS}
    for row in rows:
        name = "test" if row[0] in test else "valid" if row[0] in valid else "train"
        result[name].append(row)
    return result


def _file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_replaceable(out_dir):
    """write() replaces an earlier corpus, never any other directory."""
    if os.path.exists(out_dir) and os.listdir(out_dir) and \
            not os.path.exists(os.path.join(out_dir, "manifest.json")):
        raise CorpusError(f"{out_dir}: not empty and holds no manifest.json; refusing to overwrite")


def write(out_dir, splits, languages, extra):
    """Writes the split files and manifest.json into a fresh out_dir; only
    the splits given are written (the out-of-domain set has only test)."""
    check_replaceable(out_dir)
    staging = out_dir.rstrip("/") + ".partial"
    shutil.rmtree(staging, ignore_errors=True)
    os.makedirs(staging)
    files, counts = {}, {}
    names = [name for name in SPLITS if name in splits]
    for name in names:
        rows = splits[name]
        columns = [("ids", [key for key, _ in rows])]
        columns += [(lang, [cells.get(lang, "") for _, cells in rows]) for lang in languages]
        for suffix, lines in columns:
            filename = f"{name}.{suffix}"
            with open(os.path.join(staging, filename), "w", encoding="utf-8", newline="\n") as handle:
                handle.writelines(line + "\n" for line in lines)
            files[filename] = _file_sha256(os.path.join(staging, filename))
        counts[name] = {"rows": len(rows),
                        "segments": {lang: sum(1 for _, c in rows if lang in c) for lang in languages}}
    all_rows = [row for name in names for row in splits[name]]
    manifest = {
        "languages": list(languages),
        "rows": len(all_rows),
        "rows_in_all_languages": sum(1 for _, c in all_rows if len(c) == len(languages)),
        "segments": {lang: sum(counts[n]["segments"][lang] for n in names) for lang in languages},
        "splits": counts,
        "files": files,
        **extra,
    }
    with open(os.path.join(staging, "manifest.json"), "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=1, ensure_ascii=False, sort_keys=True)
        handle.write("\n")
    shutil.rmtree(out_dir, ignore_errors=True)
    os.replace(staging, out_dir)
    return manifest


def read(corpus_dir):
    """(manifest, {split: rows}) of a corpus written by write()."""
    with open(os.path.join(corpus_dir, "manifest.json"), encoding="utf-8") as handle:
        manifest = json.load(handle)
    splits = {}
    for name in SPLITS:
        def lines(suffix):
            with open(os.path.join(corpus_dir, f"{name}.{suffix}"), encoding="utf-8") as handle:
                return handle.read().split("\n")[:-1]
        keys = lines("ids")
        columns = {lang: lines(lang) for lang in manifest["languages"]}
        for lang, column in columns.items():
            if len(column) != len(keys):
                raise CorpusError(f"{corpus_dir}/{name}.{lang}: {len(column)} lines, "
                                  f"{name}.ids has {len(keys)}")
        splits[name] = [(key, {lang: columns[lang][i] for lang in columns if columns[lang][i]})
                        for i, key in enumerate(keys)]
    return manifest, splits


def sample(splits, languages, sizes):
    """A subset restricted to `languages`: per split, the `sizes[split]` rows
    with the smallest salted SHA-256 (salted so the choice is independent of
    the test/valid selection) among rows with a translation in `languages`."""
    result = {}
    for name in SPLITS:
        kept = []
        for key, cells in splits[name]:
            cells = {lang: text for lang, text in cells.items() if lang in languages}
            if len(cells) > 1:
                kept.append((key, cells))
        chosen = sorted(kept, key=lambda row: _digest(row[1][ENGLISH], b"sample\0"))[:sizes[name]]
        chosen_keys = {key for key, _ in chosen}
        result[name] = [row for row in kept if row[0] in chosen_keys]
    return result
