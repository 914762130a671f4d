"""Paragraph-level segments of one rendered LibreOffice help page.

Debian ships the help pre-rendered: LibreOffice's help3xsl turns each .xhp
source into an HTML page at build time. The `par_id…`/`hd_id…` ids of the
source paragraphs and headings survive as HTML ids, and every language is
rendered from the same sources, so a (page, id) key names the same paragraph
in every language.

Markup choices (the .xhp element each HTML construct comes from in brackets):
- Inline markup keeps its visible text: emphasis, menu items, literals, keys
  and links (<emph>, <menuitem>, <item>, <link>), extended tips (<ahelp>),
  <sup>/<sub>.
- Inline switches (<switchinline>/<caseinline>) are rendered with every case
  hidden and shown by script; we keep only the default case (<defaultinline>),
  i.e. what a reader sees outside macOS and outside a module-specific case,
  and nothing when there is no default case, as the page shows it.
- Images (<image>) have no text; their alt text is dropped, so a paragraph
  holding only an icon is empty and discarded.
- Index keywords (<bookmark_value>) become <meta>/<a name> outside paragraphs,
  and comments do not reach the HTML: neither is extracted.
- Embedded paragraphs (<embed>, <embedvar>) are rendered in place with the id
  they have in their own page; they are extracted under the embedding page's
  key too, and dedupe on the English text removes the repeats.
- Paragraphs rendered twice in one page get the keys `id`, `id.2`, `id.3`.
- Only segments inside the page body (div#DisplayArea) count: the header,
  side bars and debug footer are navigation, not help text.
"""
import re
from html.parser import HTMLParser

from text_normalizer import normalize

SEGMENT_ID = re.compile(r"(?:par|hd)_id\w*")
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
_NO_TEXT = frozenset(("img", "script", "style", "input", "button"))
# Elements that end a line visually; a space keeps their words apart.
_BREAKING = frozenset("br div p li td th tr table ul ol pre h1 h2 h3 h4 h5 h6".split())


class Element:
    __slots__ = ("tag", "attrs", "children")

    def __init__(self, tag, attrs):
        self.tag, self.attrs, self.children = tag, dict(attrs), []

    def classes(self):
        return (self.attrs.get("class") or "").split()


class _TreeBuilder(HTMLParser):
    """A lenient element tree: void elements never open, and an end tag
    closes the nearest open element of its name (or nothing)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("#root", ())
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        element = Element(tag, attrs)
        self.stack[-1].children.append(element)
        if tag not in _VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Element(tag, attrs))

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def _find(element, predicate):
    """Document-order search that does not descend into matches."""
    for child in element.children:
        if isinstance(child, Element):
            if predicate(child):
                yield child
            else:
                yield from _find(child, predicate)


def _visible_text(element, parts):
    for child in element.children:
        if isinstance(child, str):
            parts.append(child)
        elif child.tag in _NO_TEXT:
            continue
        elif "switchinline" in child.classes():
            for case in child.children:
                if isinstance(case, Element) and case.attrs.get("id", "").startswith("default"):
                    _visible_text(case, parts)
        else:
            breaking = child.tag in _BREAKING
            if breaking:
                parts.append(" ")
            _visible_text(child, parts)
            if breaking:
                parts.append(" ")


def segments(html):
    """Returns [(key, normalized text)] in document order; text may be empty."""
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    body = next(_find(builder.root, lambda e: e.attrs.get("id") == "DisplayArea"), None)
    if body is None:
        return []
    result, seen = [], {}
    for element in _find(body, lambda e: SEGMENT_ID.fullmatch(e.attrs.get("id") or "")):
        segment_id = element.attrs["id"]
        seen[segment_id] = seen.get(segment_id, 0) + 1
        key = segment_id if seen[segment_id] == 1 else f"{segment_id}.{seen[segment_id]}"
        parts = []
        _visible_text(element, parts)
        result.append((key, normalize("".join(parts))))
    return result
