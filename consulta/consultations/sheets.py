"""The plan as its pages show it: each commitment's sheet and the contents, rendered
once per published version and language (the plan page, the final plan), and what a
page builds of the commitments of every published version (the classification form's
list of commitments)."""

from flask import current_app, get_template_attribute
from flask_babel import get_locale
from markupsafe import Markup

from .queries import plan_version_with_commitments, published_versions_key

#: How many published versions (in one language each) a worker keeps the sheets of.
SHEETS_KEPT = 16
_SPLIT = "\x00counts\x00"


def plan_layout(version, commitments, consultation):
    """What the plan page shows of a published version's commitments, as HTML kept per
    worker and language: ``{"toc": the table of contents, "components": [(component id,
    name, [(commitment id, number, head, tail)])]}`` where head and tail are the
    commitment's sheet (``_macros.commitment_sheet``) cut where the page puts what
    changes (the counts and links) before the ``</article>`` that closes it.

    A published version never changes (``operations._ensure_draft``): its sheets and
    contents are rendered once per worker and language, and the page then loads neither
    the 200 commitments nor their sheets (rendering them was most of the page's cost,
    loading them a quarter of what was left). Kept per application, for up to
    ``SHEETS_KEPT`` versions and languages (then forgotten all at once and rendered
    again as asked).

    :param version: a published ``PlanVersion`` (its commitments are loaded only when
        its layout is not kept yet).
    :param commitments: how many commitments it holds (part of the key).
    :param consultation: its consultation: what changes it (its components' names, which
        the sheets show) renders the layout again.
    """
    return kept_per_worker("consulta_commitment_sheets",
                 (version.id, version.published_at, commitments, consultation.updated_at,
                  str(get_locale())), lambda: _layout(version))


def kept_while_published(consultation, name, build):
    """What ``build()`` makes of the commitments of the consultation's published versions
    of the plan (``name`` says what it is), kept per worker and language as the sheets
    are: built again only when a version is published (published versions never
    change). Costs one small query (the published versions) instead of loading the
    commitments.

    :param consultation: the consultation whose plan it is.
    :param name: what is kept (a part of the key: two pages keep different things).
    :param build: a function without arguments that loads and builds it.
    """
    return kept_per_worker("consulta_kept_while_published",
                 (name, consultation.id, published_versions_key(consultation),
                  str(get_locale())), build)


def kept_per_worker(store, key, build, size=SHEETS_KEPT):
    """``build()`` kept under ``key`` in the application's ``store`` (for up to ``size``
    keys; then all forgotten at once). Each use has its own store: the plan's sheets are
    never forgotten to make room for a form's choices. What is kept is shared: never
    change it."""
    kept = current_app.extensions.setdefault(store, {})
    value = kept.get(key)
    if value is None:
        value = build()
        if len(kept) >= size:
            kept.clear()  # rare (a new version or language); safe beside other threads
        kept[key] = value
    return value


def _layout(version):
    full = plan_version_with_commitments(version.id)
    sheet = get_template_attribute("consultations/_macros.html", "commitment_sheet")
    components = []
    for component, items in full.by_component():
        rows = []
        for commitment in items:
            # The macro's output is escaped HTML; the marker is ours (no user text).
            html = str(sheet(commitment, caller=lambda: Markup(_SPLIT)))  # noqa: S704
            head, tail = html.rsplit(_SPLIT, 1)  # the caller comes after every text
            rows.append((commitment.id, commitment.number,
                         Markup(head), Markup(tail)))  # noqa: S704
        components.append((component.id, component.name, rows))
    toc = get_template_attribute("consultations/_macros.html", "plan_contents")(full)
    return {"toc": toc, "components": components}
