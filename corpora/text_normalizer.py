"""Python twin of Tessera's line normalizer (Sources/CICU/tsr_icu.c).

NFKC, then every White_Space character counts as a separator, the remaining
control (Cc) and format (Cf, e.g. zero-width) characters are removed,
separators collapse to one space with none at either end, and U+2581
(SentencePiece's space marker) becomes "_". The corpus is built
without compiling Swift, so this mirrors the ICU rules with the standard
library; Python's Unicode tables may lag ICU's by a version, which is why the
trainer re-normalizes every line with ICU, and why CorpusSampleTests checks
that ICU leaves the committed sample unchanged.
"""
import re
import sys
import unicodedata

# The Unicode White_Space property (PropList.txt), the set ICU's
# u_isUWhiteSpace tests; the C code adds TAB..CR, which it already contains.
_WHITE_SPACE = "\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_SEPARATORS = re.compile(f"[{_WHITE_SPACE}]+")


def _removed_class():
    """Regex class of Cc and Cf characters that are not White_Space."""
    ranges, start, previous = [], None, None
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if unicodedata.category(char) in ("Cc", "Cf") and not _SEPARATORS.fullmatch(char):
            if start is None:
                start = code
            previous = code
        elif start is not None:
            ranges.append((start, previous))
            start = None
    if start is not None:
        ranges.append((start, previous))
    return re.compile("[" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges) + "]+")


_REMOVED = _removed_class()


def normalize(text):
    """Returns one normalized line; removing before collapsing matches the C
    loop, where a removed character between two spaces leaves one space."""
    text = _REMOVED.sub("", unicodedata.normalize("NFKC", text)).replace("\u2581", "_")
    return _SEPARATORS.sub(" ", text).strip(" ")
