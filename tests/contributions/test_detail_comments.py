"""A proposal's page lists its comments from one select of the columns its cards show
(``views.public.shown_comments``): the same cards as the ORM objects give, whoever wrote
them and whatever became of them, in a fixed number of statements."""

from flask import get_template_attribute
from sqlalchemy import select, update

from consulta.accounts.models import User
from consulta.contributions.models import Contribution
from consulta.contributions.operations import withdraw_contribution
from consulta.contributions.queries import comments_on
from consulta.contributions.views.public import ShownComment, shown_comments
from consulta.core.dates import utcnow
from consulta.extensions import db
from consulta.moderation.operations import hide_contribution, mask_contribution

from ..conftest import iv_plan_json
from ..test_query_counts import page_and_statements
from .test_views import make_org


def _load(code):
    return db.session.scalar(select(Contribution).filter_by(tracking_code=code))


def _statements(app, client, path):
    """(the page's text, how many statements one GET of ``path`` sends)."""
    html, sent = page_and_statements(app, client, path)
    return html, len(sent)


def test_the_comments_of_a_proposal_show_as_the_contributions_themselves(
        app, create_consultation, create_user, create_contribution, create_group,
        create_response):
    slug = create_consultation(plan=iv_plan_json())
    proposal = create_contribution(slug, kind="proposal")
    with app.app_context():
        proposal_id = _load(proposal).id
    anonymous = app.test_client()
    _page, alone = _statements(app, anonymous, f"/contributions/{proposal}")

    def comment(**values):
        return create_contribution(slug, target="proposal", target_id=proposal_id,
                                   body=values.pop("body", "Un comentario."), **values)

    named = create_user(display_name="Rosa Quispe", show_name_publicly=True)
    member = create_user(display_name="Eva Mamani", show_name_publicly=True)
    gone = create_user(display_name="Ida Borrada", show_name_publicly=True)
    org_id = make_org(app, [_user_of(app, member)])
    codes = {
        "named": comment(author=named),
        "unnamed": comment(author=create_user(display_name="Nadie Público")),
        "organization": comment(author=member, organization_id=org_id),
        "gone": comment(author=gone),
        "hidden": comment(),
        "withdrawn": comment(author=named),
        "masked": comment(body="Llamar al 987654321 para más datos."),
        "answered": comment(),
        "grouped": comment(),
    }
    group_id = create_group(slug, [codes["grouped"]])
    create_response(codes["answered"], outcome="not_incorporated",
                    justification="No se incorpora. Está fuera de lo que el plan puede hacer.")
    create_response(group_id=group_id, outcome="already_covered")
    moderator = create_user(roles=("moderator",))
    with app.test_request_context():
        actor = db.session.get(User, moderator.id)
        hide_contribution(_load(codes["hidden"]), actor=actor, reason="offensive")
        mask_contribution(_load(codes["masked"]), actor=actor, fragment="987654321")
        withdraw_contribution(_load(codes["withdrawn"]), user=db.session.get(User, named.id))
        db.session.execute(update(User).where(User.id == gone.id).values(deleted_at=utcnow()))
        db.session.commit()
        db.session.remove()

    with app.test_request_context():
        card = get_template_attribute("contributions/_macros.html", "card")
        parent = _load(proposal)
        shown = shown_comments(parent)
        assert all(isinstance(c, ShownComment) for c in shown)
        assert [str(card(c, slug)) for c in shown] == \
            [str(card(c, slug)) for c in comments_on(parent)]
        db.session.remove()

    html, listed = _statements(app, anonymous, f"/contributions/{proposal}")
    assert listed == alone  # one select, however many comments
    assert "Rosa Quispe" in html and "Red de Salud Cusco" in html
    assert "Nadie Público" not in html and "Ida Borrada" not in html
    assert "987654321" not in html and "Ocultado por moderación" in html
    assert html.count("outcome-not_incorporated") == 1
    assert html.count("outcome-already_covered") == 1
    for code in codes.values():
        assert code in html


def _user_of(app, ref):
    with app.app_context():
        user = db.session.get(User, ref.id)
        db.session.expunge(user)
        return user
