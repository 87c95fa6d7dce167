"""What everyone can read: the contributions of a consultation, one by one."""

from functools import cache, lru_cache
from types import SimpleNamespace

from flask import current_app, get_template_attribute, render_template, request
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import bindparam, select
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from consulta.accounts.models import Organization, User
from consulta.consultations.access import get_visible_consultation
from consulta.consultations.queries import commitment_choices
from consulta.consultations.sheets import kept_while_published
from consulta.core.cache import cacheable, keep_facts
from consulta.core.dates import utcnow
from consulta.core.pagination import COUNT_CAP, FILTERED_COUNT_CAP
from consulta.core.signals import merged_values
from consulta.core.urls import current_path
from consulta.extensions import db

from ..access import get_contribution
from ..constants import PAGE_SIZES, SORTS
from ..models import Contribution
from ..queries import (
    COMMENTS_SHOWN,
    ListedAuthor,
    ListedContribution,
    ListedRow,
    comments_on,
    has_supported,
    ignored_filters,
    list_page_key,
    listed_count,
    listing_query,
    not_voided,
    page_within,
    paginate_cards,
    read_filters,
    received_order,
)
from ..signals import contribution_page
from . import bp


def _response_classes():
    """The response and response version classes, reached through the contribution's
    relationship once the mappers are configured: feedback is a floor above
    contributions (tests/test_layering.py)."""
    response = Contribution.own_response.property.mapper.class_
    return response, response.current_version.property.mapper.class_


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
@cacheable(params=list_page_key, asked_again=("q",), members=True)
def index(slug):
    consultation = get_visible_consultation(slug)
    filters = read_filters(request.args)
    filtered = any(v for k, v in filters.items() if k not in ("sort", "per_page"))
    cap = FILTERED_COUNT_CAP if filtered else COUNT_CAP
    number = page_within(request.args.get("page", 1, type=int) or 1, filters["per_page"], cap)
    listing = listing_query(consultation, filters, reach=number * filters["per_page"])
    # Unfiltered, the count is the consultation's tally's: one row, not an index walk.
    page = paginate_cards(listing.query, number, filters["per_page"], params=listing.params,
                          cap=cap, count_query=listing.count_query,
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
    # The page's own macros, called as the page calls them (they read no context):
    # rendering a template that imports them cost a tenth of the kept page.
    sent, support, own = (get_template_attribute("contributions/_personal.html", name)
                          for name in ("just_sent_box", "support_buttons", "own_actions"))
    return (sent(contribution, values["just_sent"])
            + support(contribution, values["supported"], values["is_open"], current_user,
                      current_path())
            + own(contribution, values["can_edit"], values["can_withdraw"]))


@cache
def _own_response_statement():
    Response, _version = _response_classes()
    return select(Response).where(Response.contribution_id == bindparam("contribution")) \
        .options(joinedload(Response.versions))


def _load_own_response(contribution):
    """The contribution's own response with its versions, in one statement (the page
    shows every version; the current one is among them): three lazy loads before."""
    response = db.session.scalars(_own_response_statement(),
                                  {"contribution": contribution.id}).unique().first()
    set_committed_value(contribution, "own_response", response)
    if response is not None:
        set_committed_value(response, "current_version", next(
            (v for v in response.versions if v.id == response.current_version_id), None))


class ShownComment(ListedContribution):
    """A comment as its proposal's page lists it (``_macros.card``): a row of the columns
    the card shows, not the ORM object with its ten related ones, read as the lists'
    cards are (``ListedContribution``, with the model's rules); its author, its
    organization and its published response (only the outcome) as the lists' small
    objects, and its proposal the page's own."""


def _listed(row_class, /, **values):
    """A ``ListedRow`` of ``row_class`` holding ``values``."""
    row = row_class()
    vars(row).update(values)
    return row


#: The comment's own columns a card reads.
_COMMENT_COLUMNS = ("id", "tracking_code", "kind", "channel", "entered_by_id", "received_at",
                    "withdrawn_at", "voided_at", "hidden_at", "hidden_reason", "hidden_note",
                    "title", "body", "masked_fragments", "author_id", "author_name",
                    "author_name_public", "organization_id", "organization_name",
                    "author_organization", "sector", "target", "supports_count")


@cache
def _comments_statement():
    # Built once. The published response that applies (``Contribution.response``): its
    # own once published, else its group's.
    c = Contribution
    Response, ResponseVersion = _response_classes()
    own, group = aliased(Response), aliased(Response)
    own_version, group_version = aliased(ResponseVersion), aliased(ResponseVersion)
    return select(
        *(getattr(c, name) for name in _COMMENT_COLUMNS),
        User.id.label("user_id"), User.display_name, User.show_name_publicly,
        User.deleted_at, Organization.id.label("organization_id_of"),
        Organization.name.label("organization_name_of"),
        own_version.outcome.label("own_outcome"), group_version.outcome.label("group_outcome"),
    ).select_from(c) \
        .outerjoin(User, User.id == c.author_id) \
        .outerjoin(Organization, Organization.id == c.organization_id) \
        .outerjoin(own, own.contribution_id == c.id) \
        .outerjoin(own_version, own_version.id == own.current_version_id) \
        .outerjoin(group, (group.group_id == c.group_id) & c.group_id.is_not(None)) \
        .outerjoin(group_version, group_version.id == group.current_version_id) \
        .where(c.parent_id == bindparam("proposal"), not_voided()) \
        .order_by(*received_order()).limit(COMMENTS_SHOWN)


def shown_comments(proposal):
    """The comments on ``proposal`` as its page lists them (``comments_on``: voided
    records left out, oldest first, at most ``COMMENTS_SHOWN``), as ``ShownComment``s
    from one select of the columns shown; a comment that points elsewhere than its
    proposal (none is written so) gets the ORM objects of ``comments_on``."""
    rows = db.session.execute(_comments_statement(), {"proposal": proposal.id}).all()
    if any(row.target != "proposal" or row.kind != "comment" for row in rows):
        return comments_on(proposal)
    comments = []
    for row in rows:
        outcome = row.own_outcome or row.group_outcome
        comments.append(_listed(
            ShownComment, **{name: getattr(row, name) for name in _COMMENT_COLUMNS},
            parent=proposal,
            author=_listed(ListedAuthor, id=row.user_id, display_name=row.display_name,
                           show_name_publicly=row.show_name_publicly,
                           deleted_at=row.deleted_at) if row.user_id is not None else None,
            organization=_listed(ListedRow, id=row.organization_id_of,
                                 name=row.organization_name_of)
            if row.organization_id_of is not None else None,
            published_response=_listed(ListedRow, outcome=outcome) if outcome else None))
    return comments


@bp.route("/contributions/<code>")
@cacheable(params=(), members=_personal_parts)
def detail(code):
    contribution = get_contribution(code)
    _load_own_response(contribution)
    values = _visitor_values(contribution)
    keep_facts(is_open=values["is_open"],
               **{name: getattr(contribution, name) for name in KEPT_FACTS})
    # No form object here: building one starts a session (its CSRF token), and an
    # anonymous visitor would get a cookie and an uncacheable page for nothing.
    return render_template(
        "contributions/detail.html", contribution=contribution,
        consultation=contribution.consultation,
        comments=shown_comments(contribution) if contribution.kind == "proposal" else [],
        **values,
        **merged_values(contribution_page, contribution))
