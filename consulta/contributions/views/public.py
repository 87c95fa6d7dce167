"""What everyone can read: the contributions of a consultation, one by one."""

from functools import lru_cache
from types import SimpleNamespace

from flask import current_app, render_template, request
from flask_login import current_user
from markupsafe import Markup

from consulta.consultations.access import get_visible_consultation
from consulta.consultations.queries import commitment_choices
from consulta.consultations.sheets import kept_while_published
from consulta.core.cache import cacheable, keep_facts
from consulta.core.dates import utcnow
from consulta.core.pagination import COUNT_CAP, FILTERED_COUNT_CAP
from consulta.core.signals import merged_values

from ..access import get_contribution
from ..constants import PAGE_SIZES, SORTS
from ..queries import (
    comments_on,
    has_supported,
    ignored_filters,
    list_page_key,
    listed_count,
    listing_query,
    paginate_cards,
    read_filters,
)
from ..signals import contribution_page
from . import bp


@lru_cache(maxsize=64)
def _commitment_options(commitments, selected):
    # Keyed by the texts themselves: a plan that changes gives another key.
    template = current_app.jinja_env.get_template("contributions/_commitment_options.html")
    return Markup(template.render(commitments=commitments, selected=selected))  # noqa: S704


def commitment_options(consultation, selected):
    """The ``<option>``s of the list's commitment filter: the most of the list's form (200
    on a national plan, 1–2 ms to render), the same on every request while the plan
    stays, so rendered once per plan and selected number. The commitments themselves are
    kept while the published versions stay (``kept_while_published``): one small query
    of the versions instead of 200 rows (0.8 ms a request on PostgreSQL).

    :param selected: the number filtered by, or None.
    """
    choices = kept_while_published(consultation, "commitment_options", lambda: tuple(
        (row.number, row.title) for row in commitment_choices(consultation)))
    return _commitment_options(choices, selected)


@bp.route("/consultations/<slug>/contributions")
@cacheable(params=list_page_key, bypass=("q",), members=True)
def index(slug):
    consultation = get_visible_consultation(slug)
    filters = read_filters(request.args)
    filtered = any(v for k, v in filters.items() if k not in ("sort", "per_page"))
    # Unfiltered, the count is the consultation's tally's: one row, not an index walk.
    query, params = listing_query(consultation, filters)
    page = paginate_cards(query, request.args.get("page", 1, type=int) or 1,
                          filters["per_page"], params=params,
                          cap=FILTERED_COUNT_CAP if filtered else COUNT_CAP,
                          total=None if filtered else listed_count(consultation))
    return render_template(
        "contributions/index.html", consultation=consultation, page=page, filters=filters,
        commitment_options=commitment_options(consultation, filters["commitment"]),
        sorts=SORTS, page_sizes=PAGE_SIZES,
        ignored=ignored_filters(request.args),
        query_args={k: v for k, v in filters.items()
                    if v and not (k == "sort" and v == "newest")
                    and not (k == "per_page" and v == 20)})


def _support_buttons_show(is_open, kind, withdrawn, voided):
    """The support buttons show on an open proposal only: elsewhere nobody asks."""
    return is_open and kind == "proposal" and not withdrawn and not voided


def _visitor_values(contribution):
    """What the contribution page shows its visitor alone (its personal parts)."""
    now = utcnow()
    is_open = contribution.consultation.is_open(now)
    buttons = _support_buttons_show(is_open, contribution.kind, contribution.is_withdrawn,
                                    contribution.is_voided)
    return {
        "just_sent": request.args.get("sent") == "1" and current_user.is_authenticated
        and contribution.author_id == current_user.id,
        "can_edit": contribution.can_be_edited_by(current_user, now),
        "can_withdraw": contribution.can_be_withdrawn_by(current_user, now),
        "supported": buttons and has_supported(contribution, current_user),
        "is_open": is_open,
    }


#: What the personal parts read of a contribution kept with its page (``keep_facts``).
KEPT_FACTS = ("id", "tracking_code", "author_id", "kind", "is_withdrawn", "is_voided",
              "is_hidden")


def _personal_parts(code, facts=None):
    """The personal parts of the page, for a participant served the kept page. Its
    author gets them from the contribution itself (the receipt, their own actions); any
    other participant only from the facts kept with the page (whether it was open when
    kept: as old as the rest of the kept page), and whether they support it."""
    if facts is None or facts["author_id"] == current_user.id:
        contribution = get_contribution(code, lean=True)
        values = _visitor_values(contribution)
    else:
        contribution = SimpleNamespace(**{name: facts[name] for name in KEPT_FACTS})
        buttons = _support_buttons_show(facts["is_open"], facts["kind"],
                                        facts["is_withdrawn"], facts["is_voided"])
        values = {"just_sent": False, "can_edit": False, "can_withdraw": False,
                  "is_open": facts["is_open"],
                  "supported": buttons and has_supported(contribution, current_user)}
    return render_template("contributions/_personal_parts.html", contribution=contribution,
                           **values)


@bp.route("/contributions/<code>")
@cacheable(params=(), members=_personal_parts)
def detail(code):
    contribution = get_contribution(code)
    values = _visitor_values(contribution)
    keep_facts(is_open=values["is_open"],
               **{name: getattr(contribution, name) for name in KEPT_FACTS})
    # No form object here: building one starts a session (its CSRF token), and an
    # anonymous visitor would get a cookie and an uncacheable page for nothing.
    return render_template(
        "contributions/detail.html", contribution=contribution,
        consultation=contribution.consultation,
        comments=comments_on(contribution) if contribution.kind == "proposal" else [],
        **values,
        **merged_values(contribution_page, contribution))
