"""The one sanitizing policy for text users write (bleach).

Markdown is rendered to HTML and then cleaned to a small allow-list: no raw
HTML survives, links may only use http, https or mailto (or be a path on this site;
any other link becomes its text), and every link gets
rel="nofollow noopener noreferrer".
"""

import re
from functools import lru_cache

import bleach
import markdown as markdown_lib
from bleach.linkifier import DEFAULT_CALLBACKS
from markupsafe import Markup

ALLOWED_TAGS = frozenset({
    "p", "br", "strong", "em", "b", "i", "a", "ul", "ol", "li", "blockquote", "code", "pre",
    "h2", "h3", "h4", "hr", "table", "thead", "tbody", "tr", "th", "td",
})
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

#: A link's address: one of ALLOWED_PROTOCOLS, or a path on this site (``/…``, not
#: ``//host``) or an anchor. bleach alone lets ``javascript:1`` through (it reads it as
#: a host and a port).
_SAFE_HREF = re.compile(r"^(?:(?:https?|mailto):|/(?![/\\])|#)", re.IGNORECASE)
#: A link left without its address (refused above): its text stays, as text.
_LINK_WITHOUT_HREF = re.compile(r"<a(?:\s+title=\"[^\"]*\")?>(.*?)</a>", re.DOTALL)


def _link_attribute(tag, name, value):
    if name == "href":
        return bool(_SAFE_HREF.match(value.strip()))
    return name in ("title", "rel")


ALLOWED_ATTRIBUTES = {"a": _link_attribute}


def _rel(attrs, new=False):
    attrs[(None, "rel")] = "nofollow noopener noreferrer"
    return attrs


_cleaner = bleach.Cleaner(tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                          protocols=ALLOWED_PROTOCOLS, strip=True, strip_comments=True,
                          filters=[])


_CODE = re.compile(r"<code>.*?</code>", re.DOTALL)
_ESCAPED_TWICE = re.compile(r"&amp;(amp|lt|gt);")


#: Texts up to this length are rendered once per worker (``render_markdown`` depends on
#: the text alone): a consultation's description, methodology and plan sections were
#: rendered again, through Markdown and bleach, on every view of their pages.
MEMO_MAX_LENGTH = 20_000


def render_markdown(text):
    """Markdown subset → safe HTML (a Markup object ready for templates)."""
    if not text:
        return Markup("")
    if len(text) <= MEMO_MAX_LENGTH:
        return _render_markdown_memo(text)
    return _render_markdown(text)


@lru_cache(maxsize=256)
def _render_markdown_memo(text):
    return _render_markdown(text)


def _render_markdown(text):
    # Escape raw HTML before Markdown sees it, so tags are shown as text, never parsed.
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # Markdown quotes ("> ") need their marker back.
    escaped = "\n".join(
        ">" + line[4:] if line.startswith("&gt;") else line for line in escaped.split("\n"))
    html = markdown_lib.markdown(escaped, extensions=["sane_lists"], output_format="html")
    # Markdown escapes the text of code again: "<" typed in `code` read "&lt;".
    html = _CODE.sub(lambda m: _ESCAPED_TWICE.sub(r"&\1;", m.group(0)), html)
    html = _LINK_WITHOUT_HREF.sub(r"\1", _cleaner.clean(html))
    html = bleach.linkify(html, callbacks=[*DEFAULT_CALLBACKS, _rel], parse_email=False)
    # Escaped, rendered and cleaned with bleach above.
    return Markup(html)  # noqa: S704  # nosec B704


def plain_text(html):
    """The text of HTML without any tag or comment, for documents that are not web
    pages (the summary's PDF). Entities stay as they are (``&amp;``, ``&lt;``).

    :param html: HTML, usually from ``render_markdown``.
    """
    # bleach.clean makes a Cleaner per call: a Cleaner keeps parser state between calls
    # and is not thread-safe.
    return bleach.clean(html, tags=set(), strip=True)
