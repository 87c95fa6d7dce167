"""What the page of a published final plan shows that never changes: the structure of
its commitments and the differences with the consulted draft, rendered once per worker
and language.

A published final plan never changes (``models._published_final_plans_are_frozen``), nor
do its version, the consulted one and the reasons of the changes: loading both versions'
400 commitments and comparing them field by field (``queries.plan_diff``), then
rendering the differences, was half of the page's time. What shaped each commitment
changes (hides, new versions of responses...) and is read on every view. The names of
the components, which the secretariat may change, are in what is kept: it is built again
when the consultation changes (``updated_at``, as ``sheets.plan_layout``).
"""

from collections import namedtuple

from flask import get_template_attribute
from flask_babel import get_locale

from consulta.consultations.models import commitment_anchor
from consulta.consultations.queries import commitment_count
from consulta.consultations.sheets import kept_per_worker, plan_layout

from .queries import plan_diff

#: How many (final plan, part, language) a worker keeps.
KEPT = 32

#: A commitment as the final plan's page lists it: its sheet cut in two (``head`` and
#: ``tail``, around what shaped it), its number, anchor and link in the contents.
ShownCommitment = namedtuple("ShownCommitment", "id number anchor head tail link")


def kept(final_plan, part, build):
    """``build()``, once per worker, language and ``part`` (any hashable) of a published
    final plan (a plan being prepared changes: built at each call). What is kept is
    shared: never change it."""
    if not final_plan.is_published:
        return build()
    # The consultation's last change: its components' names, shown here, may change.
    key = (final_plan.id, final_plan.published_at, final_plan.consultation.updated_at,
           part, str(get_locale()))
    return kept_per_worker("consulta_final_plan_parts", key, build, size=KEPT)


def components(final_plan):
    """[(component id, name, [ShownCommitment])]: the approved version's commitments by
    component, each with its sheet as the plan page keeps it (``plan_layout``)."""
    def build():
        version = final_plan.plan_version
        layout = plan_layout(version, commitment_count(version), final_plan.consultation)
        link = get_template_attribute("finalplan/_macros.html", "contents_link")
        return [(component_id, name, [
            ShownCommitment(ident, number, commitment_anchor(number), head, tail,
                            link(number, commitment_anchor(number)))
            for ident, number, head, tail in rows])
            for component_id, name, rows in layout["components"]]
    return kept(final_plan, "components", build)


def changes(final_plan):
    """The section that lists what changed since the consulted draft, as HTML."""
    def build():
        section = get_template_attribute("finalplan/_macros.html", "changes_section")
        return section(plan_diff(final_plan))
    return kept(final_plan, "changes", build)
