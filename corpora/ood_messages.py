#!/usr/bin/env python3
"""Builds Tessera's out-of-domain test set from gettext catalogs (.mo files).

  build  --locale-root DIR ... [--domain NAME ...] --langs en,de,... --out DIR
         Rows are the messages of the catalogs translated into every
         language; English is the msgid. Writes test.{lang}, test.ids and
         manifest.json into DIR (see corpora/README.md, "Out-of-domain test set").
  survey --locale-root DIR ... [--domain NAME ...] --langs en,de,...
         Prints how many sentence-like messages the catalogs share, in the
         required languages and in all of them, to compare candidate packages.
  check  --langs en,de,...
         Only validates the languages (the build script asks before it downloads).

A locale root is a folder holding <locale>/LC_MESSAGES/<domain>.mo, such as
an unpacked package's usr/share/locale. Only the Python standard library is
used. The set is for evaluation only: nothing here writes training data.
"""
import argparse
import hashlib
import json
import os
import re
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import multiway  # noqa: E402
import text_normalizer  # noqa: E402

ENGLISH = multiway.ENGLISH
# Tessera's languages and the locale folder each is read from: Brazilian
# Portuguese and Simplified Chinese, as in the in-domain corpus.
LOCALES = {"de": "de", "fr": "fr", "es": "es", "it": "it", "pt": "pt_BR", "nl": "nl", "pl": "pl",
           "ru": "ru", "ja": "ja", "zh": "zh_CN", "cs": "cs", "tr": "tr"}
REQUIRED = ("en", "de", "fr", "ja")
MIN_WORDS = 4          # English words (runs of letters) a sentence-like message needs
MAX_PLACEHOLDERS = 1   # format placeholders (%s, %1$d, %1, {name}) a message may hold
MAX_CHARS = 300        # longest English message kept, after cleanup


class OodError(Exception):
    pass


# --- reading .mo catalogs ---------------------------------------------------

def read_mo(path):
    """{(context, msgid): msgstr} of a compiled catalog, without its header
    and plural entries. msgfmt leaves fuzzy entries out of a .mo unless told
    otherwise, so every entry is a finished translation; empty ones are
    skipped."""
    with open(path, "rb") as handle:
        data = handle.read()
    if len(data) < 28:
        raise OodError(f"{path}: not a .mo file (too short)")
    magic = data[:4]
    if magic == b"\xde\x12\x04\x95":
        order = "<"
    elif magic == b"\x95\x04\x12\xde":
        order = ">"
    else:
        raise OodError(f"{path}: not a .mo file (bad magic number)")
    revision, count, originals, translations = struct.unpack(order + "4I", data[4:20])
    if revision >> 16 > 1:
        raise OodError(f"{path}: unsupported .mo revision {revision >> 16}")

    def string(table, index):
        length, offset = struct.unpack(order + "2I", data[table + 8 * index:table + 8 * index + 8])
        if offset + length > len(data):
            raise OodError(f"{path}: truncated .mo file")
        return data[offset:offset + length]

    pairs = [(string(originals, i), string(translations, i)) for i in range(count)]
    charset = "utf-8"
    for original, translated in pairs:
        if original == b"":
            found = re.search(rb"charset=([-\w.]+)", translated)
            if found and found.group(1).lower() != b"charset":
                charset = found.group(1).decode("ascii")
    entries = {}
    for original, translated in pairs:
        if original == b"" or b"\0" in original or not translated:
            continue  # header, plural forms, untranslated
        try:
            original_text = original.decode(charset)
            translated_text = translated.decode(charset)
        except (UnicodeDecodeError, LookupError):
            raise OodError(f"{path}: message not in its declared charset {charset}") from None
        context, _, msgid = original_text.rpartition("\x04")
        entries[(context, msgid)] = translated_text
    return entries


def catalogs(locale_roots, domains, locale):
    """{(domain, context, msgid): msgstr} over `domains` in one locale, from
    the first root that has each catalog. `domains` None means every domain
    found. A missing catalog of a named domain is an error."""
    found = {}
    for root in locale_roots:
        folder = os.path.join(root, locale, "LC_MESSAGES")
        if os.path.isdir(folder):
            for name in sorted(os.listdir(folder)):
                if name.endswith(".mo"):
                    found.setdefault(name[:-3], os.path.join(folder, name))
    wanted = sorted(found) if domains is None else domains
    messages = {}
    for domain in wanted:
        if domain not in found:
            raise OodError(f"no {domain}.mo for locale {locale} under {', '.join(locale_roots)}")
        for (context, msgid), text in read_mo(found[domain]).items():
            messages[(domain, context, msgid)] = text
    return messages


# --- cleanup and selection --------------------------------------------------

# Accelerators: "ファイル(_F)" / "(&F)" in CJK translations, "_File" (GTK) and
# "&File" (Qt, wxWidgets) elsewhere; "&&" is Qt's literal ampersand.
_CJK_ACCELERATOR = re.compile(r"\s*[(（][_&][^\W_][)）]")
_UNDERSCORE_ACCELERATOR = re.compile(r"(?<!\w)_(?=[^\W_])")
_AMPERSAND_ACCELERATOR = re.compile(r"(?<![\w&])&(?=[^\W\d_])(?![A-Za-z]+;|#\d+;|#x[0-9A-Fa-f]+;)")
# Pango and HTML markup, removed with its attributes (and with the stray
# spaces of a mistyped "</ i>"); block tags leave a space.
_INLINE_TAGS = "a|abbr|b|big|code|em|font|i|kbd|nobr|qt|s|small|span|strong|sub|sup|tt|u|html|body"
_BLOCK_TAGS = "br|p|div|li|ul|ol|h[1-6]|hr|center|pre|table|tr|td|th|img"
_INLINE = re.compile(rf"<\s*/?\s*(?:{_INLINE_TAGS})(?:\s[^<>]*)?/?>", re.IGNORECASE)
_BLOCK = re.compile(rf"<\s*/?\s*(?:{_BLOCK_TAGS})(?:\s[^<>]*)?/?>", re.IGNORECASE)
_ENTITIES = re.compile(r"&(amp|lt|gt|quot|apos|nbsp|#\d+|#x[0-9A-Fa-f]+);")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'", "nbsp": "\u00a0"}
# An underscore or ampersand inside a word is a mid-word accelerator
# ("Gu_ides", "Fi&le") or part of a name ("WATERMARK_COLOR", "R&D"), which
# cannot be told apart: such a message is not used.
_INNER_MARK = re.compile(r"[^\W_][_&][^\W_]")
# Three spaces in a row in a raw msgid lay out columns (" A      Add an
# entry", option tables): a screen layout, not a sentence.
_COLUMNS = re.compile(r"   ")
# printf conversions (with positions, flags, width, precision, length;
# Objective-C's %@), Qt's %1, and brace fields such as {name} or {0}.
_PLACEHOLDER = re.compile(r"%(?:\d+\$)?[-+#0']*(?:\d+|\*)?(?:\.(?:\d+|\*))?"
                          r"(?:hh|h|ll|l|L|q|j|z|t|I64|I32|I)?[diouxXeEfFgGaAcspn@]"
                          r"|%\d+|\{[A-Za-z_0-9.]*\}")


def _entity(match):
    name = match.group(1)
    if name.startswith("#"):
        code = int(name[2:], 16) if name.startswith("#x") else int(name[1:])
        return chr(code) if code <= sys.maxunicode else match.group(0)
    return _NAMED[name]


def clean(text):
    """A message as display text on one line: accelerators, then markup,
    then entities removed, then Tessera's normalization. Empty when an
    underscore or ampersand is left inside a word (entities and "&&" aside),
    which no rule can clean safely."""
    text = _CJK_ACCELERATOR.sub("", text)
    text = _UNDERSCORE_ACCELERATOR.sub("", text)
    text = _AMPERSAND_ACCELERATOR.sub("", text)
    if _INNER_MARK.search(_ENTITIES.sub(" ", text.replace("&&", " "))):
        return ""
    text = _BLOCK.sub(" ", _INLINE.sub("", text.replace("&&", "&")))
    text = _ENTITIES.sub(_entity, text)
    return text_normalizer.normalize(text)


def placeholders(text):
    return len(_PLACEHOLDER.findall(text.replace("%%", "")))


# How a sentence starts: a letter, a digit, or an opening quote or bracket
# (not "| help . . . . this help message", a console help line).
_START = re.compile(r"[^\W_]|[\"'“‘(\[]")


def sentence_like(english):
    """Whether a cleaned English message is kept: enough words to be more
    than a label, a sentence's start, few placeholders, not too long, no
    leftover markup."""
    words = re.findall(r"[^\W\d_]+", re.sub(r"\*\.\w+", "", english))  # not "*.png"
    return (len(words) >= MIN_WORDS
            and _START.match(english) is not None
            and placeholders(english) <= MAX_PLACEHOLDERS
            and len(english) <= MAX_CHARS
            and "<" not in english and ">" not in english
            and any(char.islower() for char in english))


def message_id(domain, context, msgid):
    """One-line name of a message: domain#msgid, or domain#context|msgid,
    with backslash, newline and tab escaped as in a .po file."""
    def escape(value):
        return value.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")
    return f"{domain}#{escape(context) + '|' if context else ''}{escape(msgid)}"


def english_of(msgid):
    """The cleaned English text of a msgid, or None when it is not used:
    not sentence-like, or laid out in columns."""
    english = clean(msgid)
    return english if sentence_like(english) and not _COLUMNS.search(msgid) else None


def rows(messages, languages):
    """Rows [(id, {lang: text})] translated into every language, in id
    order: English is the cleaned msgid, which must be sentence-like; each
    translation must be non-empty and differ from it after cleanup, and no
    raw msgid may lay out columns; each English text keeps only its first
    row."""
    keys = set.intersection(*(set(messages[lang]) for lang in languages if lang != ENGLISH))
    named = sorted((message_id(*key), key) for key in keys)
    result, seen = [], set()
    for name, key in named:
        english = english_of(key[2])
        if english is None or english in seen:
            continue
        cells = {ENGLISH: english}
        for lang in languages:
            if lang != ENGLISH:
                text = clean(messages[lang][key])
                if not text or text == english:
                    break
                cells[lang] = text
        else:
            seen.add(english)
            result.append((name, cells))
    return result


def select(all_rows, count):
    """The `count` rows with the smallest SHA-256 of their English text, in
    id order: the choice of a row does not depend on the other rows."""
    chosen = sorted(all_rows, key=lambda row: hashlib.sha256(row[1][ENGLISH].encode("utf-8")).digest())
    keep = {name for name, _ in chosen[:count]}
    return [row for row in all_rows if row[0] in keep]


# --- commands ----------------------------------------------------------------

def parse_langs(value):
    languages = value.split(",")
    unknown = [lang for lang in languages if lang != ENGLISH and lang not in LOCALES]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown language {unknown[0]!r}; known: {ENGLISH},{','.join(LOCALES)}")
    if len(set(languages)) != len(languages):
        raise argparse.ArgumentTypeError(f"a language is given twice in {value!r}")
    missing = [lang for lang in REQUIRED if lang not in languages]
    if missing:
        raise argparse.ArgumentTypeError(f"languages must include {','.join(REQUIRED)}; {missing[0]} is missing")
    return languages


def load(args):
    for root in args.locale_root:
        if not os.path.isdir(root):
            raise OodError(f"{root}: no such locale folder")
    return {lang: catalogs(args.locale_root, args.domain, LOCALES[lang])
            for lang in args.langs if lang != ENGLISH}


def build(args):
    multiway.check_replaceable(args.out)
    if os.path.isdir(args.out) and any(name.startswith("train.") for name in os.listdir(args.out)):
        raise OodError(f"{args.out} holds training files; the test set never replaces a training corpus")
    messages = load(args)
    complete = rows(messages, args.langs)
    if len(complete) < args.rows:
        raise OodError(f"only {len(complete)} sentence-like messages are translated into all of "
                       f"{','.join(args.langs)}; --rows asks for {args.rows}")
    chosen = select(complete, args.rows)
    sources = {}
    if args.sources:
        with open(args.sources, encoding="utf-8") as handle:
            sources = json.load(handle)
    extra = {"source": args.source, "packages": sources,
             "domains": sorted({name.partition("#")[0] for name, _ in chosen}),
             "locales": {lang: LOCALES.get(lang, "msgid") for lang in args.langs},
             "selection": {"complete_sentence_like_rows": len(complete), "rows": args.rows,
                           "min_words": MIN_WORDS, "max_placeholders": MAX_PLACEHOLDERS,
                           "max_chars": MAX_CHARS},
             "use": "evaluation only: never training or vocabulary data"}
    manifest = multiway.write(args.out, {"test": chosen}, args.langs, extra)
    print(f"wrote {args.out}: {manifest['rows']} rows in {len(args.langs)} languages "
          f"({','.join(args.langs)}), chosen from {len(complete)} complete sentence-like rows")


def survey(args):
    messages = load(args)
    keys = set.union(*(set(m) for m in messages.values()))
    print(f"messages translated into at least one language: {len(keys)}")
    print(f"  of which sentence-like: {sum(1 for key in keys if english_of(key[2]) is not None)}")
    print(f"complete in {','.join(REQUIRED)}: {len(rows(messages, list(REQUIRED)))}")
    for lang in args.langs:
        if lang not in REQUIRED:
            print(f"  + {lang}: {len(rows(messages, list(REQUIRED) + [lang]))}")
    print(f"complete in {','.join(args.langs)}: {len(rows(messages, args.langs))}")


class Parser(argparse.ArgumentParser):
    """Bad arguments end with one line on stderr, like every other error."""
    def error(self, message):
        sys.exit(f"{self.prog}: {message}")


def main():
    parser = Parser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="only validate --langs (exit 0 when they are fine)")
    check.add_argument("--langs", type=parse_langs, required=True)
    for name in ("build", "survey"):
        sub = commands.add_parser(name)
        sub.add_argument("--locale-root", action="append", required=True, metavar="DIR")
        sub.add_argument("--domain", action="append", metavar="NAME",
                         help="a catalog to read (repeatable); default: every catalog found")
        sub.add_argument("--langs", type=parse_langs, required=True)
    build_parser = commands.choices["build"]
    build_parser.add_argument("--out", required=True)
    build_parser.add_argument("--rows", type=int, default=1500)
    build_parser.add_argument("--sources", help="JSON {package: {version, sha256, deb}} for the manifest")
    build_parser.add_argument("--source", default="gettext catalogs", help="the manifest's source line")
    args = parser.parse_args()
    if args.command == "build" and args.rows < 1:
        parser.error(f"--rows must be positive, got {args.rows}")
    try:
        {"check": lambda _: None, "build": build, "survey": survey}[args.command](args)
    except (OodError, multiway.CorpusError, OSError, json.JSONDecodeError) as error:
        sys.exit(f"ood_messages.py: {error}")


if __name__ == "__main__":
    main()
