"""What every page a journey visits must pass: axe-core, labels, and the phone checks.

``PageReview(axe_source, screenshot_dir)`` is called as ``review(page, "name")`` on the
page as the journey left it (after a POST too: the DOM is checked as it is, never
reloaded). It collects problems instead of stopping at the first one, so one run shows
everything that is wrong with every page; each journey ends with
``review.assert_clean()``.

What is checked, and why:

- **axe-core**: no violation of impact serious or critical (contrast, names, ARIA...).
- **Labels**: every visible ``input``/``select``/``textarea`` (not hidden, not a button)
  has an accessible name from a ``<label>``, ``aria-labelledby`` or ``aria-label``: a
  screen reader announces nothing else for a field.
- **Screenshots**, full page, at desktop width (1280 px) and phone width (360 px), as
  ``NN-name-desktop.png`` / ``NN-name-phone.png`` in the screenshot folder.
- At **360 px** wide (a small Android phone), on the same DOM:

  - *no horizontal scroll*: ``document.scrollingElement.scrollWidth <= innerWidth``. A
    wide table may scroll inside its own box (``.table-wrap``); the page must not.
  - *readable text*: the body text is at least 16 px; form fields are at least 16 px
    (smaller ones make phones zoom in on focus, and the page then scrolls sideways);
    no visible text is under 13 px as drawn on the screen (secondary text such as
    dates and badges may be smaller than the body, not tiny; SVG text counts with the
    scale of its drawing).
  - *tap targets at least 44 px high* (WCAG 2.5.5, Apple's and Android's guidelines)
    for every visible link, button, field and ``summary``. A checkbox or radio counts
    with its label (tapping the label ticks it). Exempt, as WCAG exempts them: links
    and buttons *in running text*, i.e. whose nearest block container has words
    (letters) outside any link, button or badge: a link inside a sentence cannot be
    taller than its line. A row of links separated by "·" is not running text: each
    link must be tappable on its own.

Keyboard access (every stop reachable with Tab, the focus visible at each) is checked
by the moderator's journey, which uses nothing else.
"""

import re

from tests.browser.conftest import DESKTOP, PHONE, axe_violations, format_violations

MIN_TAP_HEIGHT = 44
MIN_BODY_FONT = 16
MIN_FIELD_FONT = 16
MIN_ANY_FONT = 13

TIMERS_AS_MICROTASKS = """() => {
  window.setTimeout = (fn, delay, ...args) => {
    if (!(delay > 1)) Promise.resolve().then(() => fn(...args));
    return 0;
  };
  window.clearTimeout = () => {};
}"""

PAGE_CHECKS = """
(limits) => {
  const isShown = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width < 2 || r.height < 2) return false;
    if (r.right + window.scrollX <= 0 || r.bottom + window.scrollY <= 0) return false;
    const s = getComputedStyle(el);
    if (s.visibility === 'hidden' || s.display === 'none' || s.opacity === '0') return false;
    if (el.closest('[aria-hidden="true"], .visually-hidden')) return false;
    return true;
  };
  const describe = (el) => {
    let d = el.tagName.toLowerCase();
    if (el.id) d += '#' + el.id;
    if (el.type && el.tagName === 'INPUT') d += '[type=' + el.type + ']';
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || '')
      .trim().replace(/\\s+/g, ' ').slice(0, 60);
    return text ? d + ' "' + text + '"' : d;
  };
  const textOf = (ids) => ids.split(/\\s+/).map((id) => document.getElementById(id))
    .filter(Boolean).map((e) => e.textContent).join(' ').trim();
  const out = {scrollWidth: document.scrollingElement.scrollWidth,
               innerWidth: window.innerWidth,
               bodyFont: parseFloat(getComputedStyle(document.body).fontSize),
               unlabeled: [], smallFields: [], smallText: [], smallTargets: []};

  const skipTypes = ['hidden', 'submit', 'button', 'reset', 'image'];
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (skipTypes.includes(el.type) || !isShown(el)) continue;
    const name = ([...(el.labels || [])].map((l) => l.textContent).join(' ').trim()
      || (el.getAttribute('aria-labelledby') && textOf(el.getAttribute('aria-labelledby')))
      || (el.getAttribute('aria-label') || '').trim());
    if (!name) out.unlabeled.push(describe(el));
    if (!['checkbox', 'radio'].includes(el.type)
        && parseFloat(getComputedStyle(el).fontSize) < limits.field) {
      out.smallFields.push(describe(el) + ' ' + getComputedStyle(el).fontSize);
    }
  }

  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const parent = node.parentElement;
    if (!node.textContent.trim() || !parent || seen.has(parent)) continue;
    seen.add(parent);
    if (['SCRIPT', 'STYLE', 'NOSCRIPT', 'OPTION'].includes(parent.tagName)) continue;
    if (!isShown(parent)) continue;
    let size = parseFloat(getComputedStyle(parent).fontSize);
    // SVG text is drawn scaled by its viewBox: what counts is the size on the screen.
    if (parent instanceof SVGGraphicsElement && parent.getScreenCTM()) {
      size *= parent.getScreenCTM().a;
    }
    if (size < limits.any) {
      out.smallText.push(describe(parent) + ' ' + Math.round(size * 10) / 10 + 'px');
    }
  }

  const blockDisplays = (d) => !['inline', 'inline-block', 'inline-flex', 'inline-grid',
                                  'contents'].includes(d);
  const inRunningText = (el) => {
    let box = el.parentElement;
    while (box && !blockDisplays(getComputedStyle(box).display)) box = box.parentElement;
    if (!box) return false;
    const clone = box.cloneNode(true);
    clone.querySelectorAll('a, button, input, select, textarea, .visually-hidden, .badge')
      .forEach((e) => e.remove());
    return /\\p{L}/u.test(clone.textContent);
  };
  const targets = document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary');
  for (const el of targets) {
    if (!isShown(el)) continue;
    let r = el.getBoundingClientRect();
    let top = r.top, bottom = r.bottom;
    if (el.type === 'checkbox' || el.type === 'radio') {
      for (const label of el.labels || []) {
        const lr = label.getBoundingClientRect();
        top = Math.min(top, lr.top); bottom = Math.max(bottom, lr.bottom);
      }
    } else if (['A', 'BUTTON'].includes(el.tagName) && inRunningText(el)) {
      continue;
    }
    if (bottom - top < limits.tap - 0.5) {
      out.smallTargets.push(describe(el) + ' ' + Math.round(bottom - top) + 'px');
    }
  }
  return out;
}
"""


def _slug(name):
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


class PageReview:
    def __init__(self, axe_source, screenshot_dir):
        self.axe_source = axe_source
        self.folder = screenshot_dir
        self.count = 0
        self.problems = []
        self.reviewed = []
        self._without_javascript = set()

    def without_javascript(self, context):
        """Tell the review that this context runs no page scripts.

        There timers never fire, and axe-core waits on ``setTimeout``: the page gets a
        ``setTimeout`` that runs short delays as microtasks (and drops long ones, which axe
        only uses as failure timeouts). No script of the page can be disturbed: none runs.
        """
        self._without_javascript.add(context)

    def __call__(self, page, name):
        """Check the page as it is now; screenshots at both widths; restore the viewport."""
        self.count += 1
        self.reviewed.append(name)
        page.wait_for_load_state()
        where = f"{name} ({page.url})"
        if page.context in self._without_javascript:
            page.evaluate(TIMERS_AS_MICROTASKS)
        violations = axe_violations(page, self.axe_source)
        if violations:
            self.problems.append(f"{where}: axe\n{format_violations(violations)}")
        original = page.viewport_size
        stem = f"{self.count:02d}-{_slug(name)}"
        try:
            page.set_viewport_size(DESKTOP)
            page.screenshot(path=self.folder / f"{stem}-desktop.png", full_page=True)
            page.set_viewport_size(PHONE)
            found = page.evaluate(PAGE_CHECKS, {"tap": MIN_TAP_HEIGHT, "field": MIN_FIELD_FONT,
                                                "any": MIN_ANY_FONT})
            page.screenshot(path=self.folder / f"{stem}-phone.png", full_page=True)
        finally:
            page.set_viewport_size(original)
        if found["scrollWidth"] > found["innerWidth"]:
            self.problems.append(f"{where}: scrolls sideways at {found['innerWidth']} px "
                                 f"(content is {found['scrollWidth']} px wide)")
        if found["bodyFont"] < MIN_BODY_FONT:
            self.problems.append(f"{where}: body text is {found['bodyFont']} px")
        for key, what in (("unlabeled", "fields without a label"),
                          ("smallFields", f"fields under {MIN_FIELD_FONT} px"),
                          ("smallText", f"text under {MIN_ANY_FONT} px"),
                          ("smallTargets", f"tap targets under {MIN_TAP_HEIGHT} px high")):
            if found[key]:
                self.problems.append(f"{where}: {what}: " + "; ".join(found[key]))

    def assert_clean(self):
        problems, self.problems = self.problems, []
        assert not problems, "\n\n".join(problems)
