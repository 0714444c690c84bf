"""Markdown written in the portal, turned into HTML that is safe to show.

Two locks: markdown-it-py runs with raw HTML disabled (typed tags come out as
text), then nh3 keeps only an explicit allow-list of tags, attributes and URL
schemes, so whatever the parser lets through (an image, an odd link) cannot
carry script, styles or local files into a page or a PDF.
"""

from functools import cache

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "a",
    "blockquote",
    "code",
    "pre",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "br",
    "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer"

# The page (or the PDF) has its own h1: a note's "# Titre" becomes an h2, and
# anything deeper than the allow-list goes no lower than h4.
HEADING_SHIFT = 1
DEEPEST_HEADING = 4


@cache
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def _shift_headings(tokens, shift: int) -> None:
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(int(token.tag[1]) + shift, DEEPEST_HEADING)
            token.tag = f"h{level}"


def markdown_to_html(text: str | None, *, heading_shift: int = HEADING_SHIFT) -> SafeString:
    """The sanitised HTML of a Markdown text (empty for no text). Headings go
    ``heading_shift`` levels down (2 where the note's own title is an h2)."""
    if not text:
        return mark_safe("")
    parser = _parser()
    tokens = parser.parse(text)
    _shift_headings(tokens, heading_shift)
    html = parser.renderer.render(tokens, parser.options, {})
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )
    # Safe by construction: nh3 only let the allow-list above through.
    return mark_safe(cleaned)
