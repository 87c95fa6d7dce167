"""Checks that user text reached a page as text, never as active HTML."""

from html.parser import HTMLParser

#: Tags user text must never produce (the page's own forms are fine).
DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "img", "svg", "math", "style",
                  "base", "meta", "link"}


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def active_html(fragment, allowed_tags=()):
    """Problems found in an HTML fragment: dangerous tags, event handlers, script URLs."""
    parser = _Collector()
    parser.feed(fragment)
    problems = []
    for tag, attrs in parser.tags:
        if tag in DANGEROUS_TAGS and tag not in allowed_tags:
            problems.append(f"<{tag}>")
        for name, value in attrs.items():
            if name.startswith("on"):
                problems.append(f"<{tag} {name}>")
            if name in ("href", "src", "action", "formaction", "xlink:href") and value:
                cleaned = "".join(value.split()).lower()
                if cleaned.startswith(("javascript:", "data:", "vbscript:")):
                    problems.append(f"<{tag} {name}={value}>")
    return problems


def main_content(page):
    """The part of a page inside <main>, where user content goes."""
    return page.split('<main id="main"', 1)[1].split("</main>", 1)[0]
