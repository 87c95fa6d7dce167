"""The access-control matrix: every route × every role × GET and POST.

Who may do what is declared once, in ACCESS below. For each role the test walks
every rule of the URL map (static files excepted) with real ids from the demo
world and a valid CSRF token, and checks:

- denied, anonymous: 302 to the log-in page;
- denied, logged in: 403 — or 404 where the product hides that something exists
  (declared with ``hidden=True``);
- allowed: 200 or 302 (or a declared status, e.g. 400 for an upload sent empty),
  never a redirect to log in.

Denied requests run first and must leave every table as it was.
A route missing from ACCESS, or declared with methods it does not have, fails.
"""

from dataclasses import dataclass

import pytest
from flask import url_for
from sqlalchemy import func, select

from consulta.extensions import db

from ..conftest import iv_plan_json
from .conftest import ROLES, build_world

LOGGED_IN = frozenset(ROLES) - {"anonymous"}


@dataclass(frozen=True)
class Access:
    name: str
    allowed: frozenset
    #: Status for a logged-in user who is not allowed: 403, or 404 to hide existence.
    denied: int = 403

    def __repr__(self):
        return self.name


PUBLIC = Access("public", frozenset(ROLES))
LOGIN = Access("login", LOGGED_IN)
#: The author of the contribution (the participant of the world); nobody else, not
#: even an administrator, writes in someone else's name.
OWNER = Access("owner", frozenset({"participant"}))
#: The organization's own admin (the member of the world) and moderators.
ORG_ADMIN = Access("org admin", frozenset({"member", "moderator", "admin"}))
MODERATOR = Access("moderator", frozenset({"moderator", "admin"}))
SECRETARIAT = Access("secretariat", frozenset({"secretariat", "admin"}))
#: The consultation's audit log: moderators and the secretariat read it.
STAFF_READER = Access("moderator or secretariat",
                      frozenset({"moderator", "secretariat", "admin"}))
ADMIN = Access("admin", frozenset({"admin"}))
#: Pages that list what the user's own entities hold (another entity's staff gets its own,
#: empty, list): the staff start page, the moderation home, the new-consultation form,
#: the search for typed-in authors.
OWN_STAFF_READER = Access("staff of any entity",
                          STAFF_READER.allowed | {"other_entity"})
OWN_MODERATOR = Access("moderator of any entity", MODERATOR.allowed | {"other_entity"})
OWN_SECRETARIAT = Access("secretariat of any entity",
                         SECRETARIAT.allowed | {"other_entity"})
#: Who records a contribution together with the person making it.
FACILITATOR = Access("facilitator or moderator",
                     frozenset({"facilitator", "moderator", "admin"}))
#: Who gives a person the receipt of their contribution.
RECEIPT = Access("facilitator, moderator or secretariat",
                 frozenset({"facilitator", "moderator", "secretariat", "admin"}))

#: endpoint → (who may GET, who may POST); None where the method is not routed.
ACCESS = {
    # --- public pages and open data ------------------------------------------------
    "core.index": (PUBLIC, None),
    "core.privacy": (PUBLIC, None),
    "core.health": (PUBLIC, None),
    "core.set_language": (PUBLIC, None),
    "consultations.index": (PUBLIC, None),
    "consultations.detail": (PUBLIC, None),
    "consultations.plan": (PUBLIC, None),
    "consultations.plan_version": (PUBLIC, None),
    "contributions.contribute": (PUBLIC, None),
    "contributions.index": (PUBLIC, None),
    "contributions.detail": (PUBLIC, None),
    "contributions.events": (PUBLIC, None),
    "summary.show": (PUBLIC, None),
    "summary.printable": (PUBLIC, None),
    "summary.pdf": (PUBLIC, None),
    "summary.version_csv": (PUBLIC, None),
    "summary.version_xlsx": (PUBLIC, None),
    "summary.digest_method": (PUBLIC, None),
    "accounts.organizations": (PUBLIC, None),
    "accounts.organization": (PUBLIC, None),
    "api.openapi": (PUBLIC, None),
    "api.consultations": (PUBLIC, None),
    "api.consultation": (PUBLIC, None),
    "api.contributions": (PUBLIC, None),
    "api.contributions_csv": (PUBLIC, None),
    "api.contributions_xlsx": (PUBLIC, None),
    "api.summary": (PUBLIC, None),
    "api.summary_matrix": (PUBLIC, None),
    "api.final_plan": (PUBLIC, None),
    "api.final_plan_csv": (PUBLIC, None),
    "api.final_plan_xlsx": (PUBLIC, None),
    "finalplan.show": (PUBLIC, None),
    "finalplan.shaped_by": (PUBLIC, None),
    "followup.tracking": (PUBLIC, None),
    "followup.commitment": (PUBLIC, None),
    "followup.report": (PUBLIC, None),
    "followup.assessments": (PUBLIC, None),
    "followup.assessment": (PUBLIC, None),
    "followup.assessment_pdf": (PUBLIC, None),
    "followup.assessment_json": (PUBLIC, None),
    "followup.assessment_csv": (PUBLIC, None),
    "api.progress": (PUBLIC, None),
    "entities.index": (PUBLIC, None),
    "entities.detail": (PUBLIC, None),
    "api.entities": (PUBLIC, None),
    # --- accounts (logged-in visitors are sent on from the guest pages) --------------
    "accounts.register": (PUBLIC, PUBLIC),
    "accounts.registered": (PUBLIC, None),
    "accounts.confirm_email": (PUBLIC, None),
    "accounts.resend_confirmation": (PUBLIC, PUBLIC),
    "accounts.login": (PUBLIC, PUBLIC),
    "accounts.forgot_password": (PUBLIC, PUBLIC),
    "accounts.reset_password": (PUBLIC, PUBLIC),
    "accounts.logout": (None, LOGIN),
    # Accepting a new version of the privacy notice (for an up-to-date account: sent on).
    "accounts.accept_privacy": (LOGIN, LOGIN),
    "accounts.profile": (LOGIN, LOGIN),
    "accounts.change_password": (LOGIN, LOGIN),
    "accounts.export_data": (LOGIN, None),
    "accounts.delete_account": (LOGIN, LOGIN),
    # --- organizations ---------------------------------------------------------------
    "accounts.new_organization": (LOGIN, LOGIN),
    "accounts.join_organization": (None, LOGIN),
    # Leaving acts on one's own membership only (none: 404; see test_ownership).
    "accounts.leave_organization": (None, LOGIN),
    "accounts.edit_organization": (ORG_ADMIN, ORG_ADMIN),
    "accounts.organization_members": (ORG_ADMIN, None),
    "accounts.decide_membership": (None, ORG_ADMIN),
    "accounts.set_member_admin": (None, ORG_ADMIN),
    "accounts.review_organizations": (MODERATOR, None),
    "accounts.review_organization": (None, MODERATOR),
    # --- administration --------------------------------------------------------------
    "accounts.admin_users": (ADMIN, None),
    "accounts.admin_user_roles": (ADMIN, ADMIN),
    "accounts.admin_outbox": (ADMIN, None),
    "accounts.admin_retry_message": (None, ADMIN),
    "accounts.admin_entities": (ADMIN, None),
    "accounts.admin_new_entity": (ADMIN, ADMIN),
    "accounts.admin_edit_entity": (ADMIN, ADMIN),
    # The team of the IV plan's entity: its secretariat (here platform-wide) and admins.
    "accounts.entity_team": (SECRETARIAT, SECRETARIAT),
    "accounts.entity_team_remove": (None, SECRETARIAT),
    # --- contributions ---------------------------------------------------------------
    "contributions.new_proposal": (LOGIN, LOGIN),
    "contributions.new_comment": (LOGIN, LOGIN),
    "contributions.mine": (LOGIN, None),
    "contributions.support": (None, LOGIN),
    "contributions.edit": (OWNER, OWNER),
    "contributions.withdraw": (OWNER, OWNER),
    "contributions.new_offline": (MODERATOR, MODERATOR),
    "contributions.correct_offline": (MODERATOR, MODERATOR),
    "contributions.void": (MODERATOR, MODERATOR),
    "contributions.offline_authors": (OWN_SECRETARIAT, None),
    "contributions.offline_author": (SECRETARIAT, None),
    "contributions.export_offline_author": (None, SECRETARIAT),
    "contributions.erase_offline_author": (None, SECRETARIAT),
    "contributions.edit_event": (MODERATOR, MODERATOR),
    # --- moderation ------------------------------------------------------------------
    "moderation.home": (OWN_MODERATOR, None),
    # --- staff ------------------------------------------------------------------------
    "staff.home": (OWN_STAFF_READER, None),
    "moderation.queue": (MODERATOR, None),
    "moderation.bulk_classify": (None, MODERATOR),
    "moderation.classify": (MODERATOR, MODERATOR),
    "moderation.group": (None, MODERATOR),
    "moderation.ungroup": (None, MODERATOR),
    "moderation.hide": (None, MODERATOR),
    "moderation.unhide": (None, MODERATOR),
    "moderation.mask": (None, MODERATOR),
    "moderation.unmask": (None, MODERATOR),
    "moderation.review_personal_data": (None, MODERATOR),
    "moderation.groups": (MODERATOR, None),
    "moderation.group_detail": (MODERATOR, MODERATOR),
    "moderation.audit": (STAFF_READER, None),
    # --- the secretariat: consultations and draft plan -------------------------------
    "consultations.new": (OWN_SECRETARIAT, OWN_SECRETARIAT),
    "consultations.edit": (SECRETARIAT, SECRETARIAT),
    "consultations.manage": (SECRETARIAT, None),
    "consultations.announce": (None, SECRETARIAT),
    "consultations.record_past": (None, SECRETARIAT),
    "consultations.windows": (SECRETARIAT, SECRETARIAT),
    "consultations.edit_window": (SECRETARIAT, SECRETARIAT),
    "consultations.extend_window": (None, SECRETARIAT),
    "consultations.remove_window": (None, SECRETARIAT),
    "consultations.phases": (SECRETARIAT, SECRETARIAT),
    "consultations.edit_phase": (SECRETARIAT, SECRETARIAT),
    "consultations.delete_phase": (None, SECRETARIAT),
    "consultations.components": (SECRETARIAT, SECRETARIAT),
    "consultations.edit_component": (SECRETARIAT, SECRETARIAT),
    "consultations.delete_component": (None, SECRETARIAT),
    "consultations.manage_plan": (SECRETARIAT, None),
    "consultations.import_plan": (None, SECRETARIAT),
    "consultations.publish_plan": (None, SECRETARIAT),
    "consultations.start_draft": (None, SECRETARIAT),
    "consultations.edit_commitment": (SECRETARIAT, SECRETARIAT),
    "consultations.delete_commitment": (None, SECRETARIAT),
    "consultations.edit_section": (SECRETARIAT, SECRETARIAT),
    "consultations.delete_section": (None, SECRETARIAT),
    # --- the secretariat: feedback and summary ---------------------------------------
    "feedback.dashboard": (SECRETARIAT, None),
    "feedback.respond": (SECRETARIAT, SECRETARIAT),
    "feedback.respond_group": (SECRETARIAT, SECRETARIAT),
    "feedback.act": (None, SECRETARIAT),
    "feedback.bulk": (None, SECRETARIAT),
    "feedback.templates": (SECRETARIAT, SECRETARIAT),
    "feedback.export": (SECRETARIAT, None),
    "feedback.import_matrix": (None, SECRETARIAT),
    "feedback.matrix": (SECRETARIAT, None),
    "summary.manage": (SECRETARIAT, SECRETARIAT),
    "summary.publish": (None, SECRETARIAT),
    # --- offline participation ----------------------------------------------------------
    "offline.track": (PUBLIC, None),
    "offline.printable": (PUBLIC, None),
    "offline.import_start": (MODERATOR, None),
    "offline.import_template": (MODERATOR, None),
    "offline.import_check": (None, MODERATOR),
    "offline.import_confirm": (None, MODERATOR),
    "offline.assisted": (FACILITATOR, FACILITATOR),
    "offline.receipt": (RECEIPT, None),
    "offline.receipt_pdf": (RECEIPT, None),
    "offline.to_notify": (SECRETARIAT, None),
    "offline.mark_told": (None, SECRETARIAT),
    "finalplan.manage": (SECRETARIAT, SECRETARIAT),
    "finalplan.changes": (None, SECRETARIAT),
    "finalplan.publish": (None, SECRETARIAT),
    # --- follow-up: set-up and reports (the world's reporter is none of the roles) -------
    "followup_manage.setup": (SECRETARIAT, None),
    "followup_manage.commitment_setup": (SECRETARIAT, None),
    "followup_manage.seed": (None, SECRETARIAT),
    "followup_manage.add_milestone": (None, SECRETARIAT),
    "followup_manage.edit_milestone": (SECRETARIAT, SECRETARIAT),
    "followup_manage.move_milestone": (None, SECRETARIAT),
    "followup_manage.delete_milestone": (None, SECRETARIAT),
    "followup_manage.add_indicator": (None, SECRETARIAT),
    "followup_manage.edit_indicator": (SECRETARIAT, SECRETARIAT),
    "followup_manage.delete_indicator": (None, SECRETARIAT),
    "followup_manage.add_reporter": (None, SECRETARIAT),
    "followup_manage.remove_reporter": (None, SECRETARIAT),
    "followup_manage.my_commitments": (LOGIN, None),
    "followup_manage.start_report": (None, SECRETARIAT),
    "followup_manage.report": (SECRETARIAT, SECRETARIAT),
    "followup_manage.add_link": (None, SECRETARIAT),
    "followup_manage.add_document": (None, SECRETARIAT),
    "followup_manage.remove_evidence": (None, SECRETARIAT),
    "followup_manage.submit_report": (None, SECRETARIAT),
    "followup_manage.return_report": (None, SECRETARIAT),
    "followup_manage.publish_report": (None, SECRETARIAT),
    # A published report's evidence.
    "followup_manage.document": (PUBLIC, None),
    # --- the standing forum and comments on progress reports (fu-forum) --------------
    "forum.show": (PUBLIC, None),
    "forum.minutes": (PUBLIC, None),
    "forum.manage": (SECRETARIAT, None),
    "forum.new_member": (SECRETARIAT, SECRETARIAT),
    "forum.edit_member": (SECRETARIAT, SECRETARIAT),
    "forum.new_meeting": (SECRETARIAT, SECRETARIAT),
    "forum.edit_meeting": (SECRETARIAT, SECRETARIAT),
    # The secretariat, and accounts linked to a serving forum member (none in the world).
    "forum.observe": (SECRETARIAT, SECRETARIAT),
    "report_comments.comment": (LOGIN, LOGIN),
    "report_comments.moderate": (MODERATOR, None),
    "report_comments.hide": (None, MODERATOR),
    "report_comments.unhide": (None, MODERATOR),
    # --- followers (the address form, its confirmation and unsubscribe links) ---------
    "follow.consultation": (PUBLIC, PUBLIC),
    "follow.commitment": (PUBLIC, PUBLIC),
    "follow.confirm": (PUBLIC, PUBLIC),
    "follow.unsubscribe": (PUBLIC, PUBLIC),
    "follow.consultation_account": (None, LOGIN),
    "follow.commitment_account": (None, LOGIN),
    "follow.mine": (LOGIN, None),
    "followup.publish_assessment": (SECRETARIAT, SECRETARIAT),
}

#: Allowed requests answer 200 or 302, except these (an upload form posted without a
#: file says so with a 400 page).
OTHER_ALLOWED_STATUS = {
    ("consultations.import_plan", "POST"): 400,
    ("feedback.import_matrix", "POST"): 400,
    ("offline.import_check", "POST"): 400,
}

#: Rows and objects the public must not even learn exist: 404 for whoever may not see
#: them, whatever the route (logged in or not). Paths use the world's hidden objects.
HIDDEN = {
    # A consultation still being prepared: only the secretariat sees it.
    "/consultations/{private}": SECRETARIAT,
    "/consultations/{private}/plan": SECRETARIAT,
    "/consultations/{private}/contributions": SECRETARIAT,
    "/consultations/{private}/contribute": SECRETARIAT,
    "/consultations/{private}/summary": SECRETARIAT,
    "/consultations/{private}/print/how-to-take-part.pdf": SECRETARIAT,
    # ...and the open-data API never shows it, not even to the secretariat.
    "/api/v1/consultations/{private}": Access("nobody", frozenset()),
    "/api/v1/consultations/{private}/contributions": Access("nobody", frozenset()),
    # Nobody follows it before it is announced.
    "/follow/consultations/{private}": Access("nobody", frozenset()),
    # An organization waiting for review: moderators (and its creator, not in ROLES).
    "/organizations/{pending_organization}": MODERATOR,
}

#: What runs last for a role, in this order: it may end the membership, the
#: contribution's edit window or the session the other checks need.
LAST = ("accounts.entity_team_remove", "consultations.delete_section",
        "consultations.delete_commitment", "consultations.delete_phase",
        "consultations.delete_component",
        "contributions.withdraw", "accounts.leave_organization", "accounts.logout")


def _rules(app):
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint != "static"),
                  key=lambda r: (r.endpoint, r.rule))


def test_every_route_is_in_the_matrix_with_its_methods(app):
    problems = []
    routed = {}
    for rule in _rules(app):
        routed.setdefault(rule.endpoint, set()).update(rule.methods & {"GET", "POST"})
    for endpoint, methods in sorted(routed.items()):
        if endpoint not in ACCESS:
            problems.append(f"{endpoint} ({', '.join(sorted(methods))}) is not in ACCESS: "
                            "declare who may use it")
            continue
        declared = {m for m, access in zip(("GET", "POST"), ACCESS[endpoint], strict=True)
                    if access is not None}
        if declared != methods:
            problems.append(f"{endpoint}: routed for {sorted(methods)}, "
                            f"ACCESS declares {sorted(declared)}")
    problems += [f"{endpoint} is in ACCESS but no longer routed"
                 for endpoint in sorted(set(ACCESS) - set(routed))]
    assert not problems, "\n".join(problems)


def _row_counts():
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


def _requests(app, world):
    """(endpoint, method, url, access) for every rule and method, in the order to run."""
    items = []
    with app.test_request_context():
        for rule in _rules(app):
            values = {**world.values, **world.per_endpoint.get(rule.endpoint, {})}
            url = url_for(rule.endpoint, **{name: values[name] for name in rule.arguments})
            for method, access in zip(("GET", "POST"), ACCESS.get(rule.endpoint, (None, None)),
                                      strict=True):
                if access is not None and method in rule.methods:
                    items.append((rule.endpoint, method, url, access))
    order = {endpoint: n for n, endpoint in enumerate(LAST, start=1)}
    return sorted(items, key=lambda item: (order.get(item[0], 0), item[1] == "POST"))


def _check_denied(role, endpoint, method, url, access, response):
    where = f"{role} {method} {url} ({endpoint}, {access!r})"
    if role == "anonymous":
        assert response.status_code == 302, f"{where}: {response.status_code}, not 302"
        assert response.headers["Location"].startswith("/login"), \
            f"{where}: sent to {response.headers['Location']}, not to log in"
    else:
        assert response.status_code == access.denied, \
            f"{where}: {response.status_code}, not {access.denied}"


def _check_allowed(role, endpoint, method, url, access, response):
    where = f"{role} {method} {url} ({endpoint}, {access!r})"
    expected = {200, 302, OTHER_ALLOWED_STATUS.get((endpoint, method), 200)}
    assert response.status_code in expected, \
        f"{where}: {response.status_code}, not one of {sorted(expected)}"
    if role != "anonymous" and response.status_code == 302:
        assert not response.headers["Location"].startswith("/login"), \
            f"{where}: a logged-in {role} was sent to log in"


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(app, role):
    world = build_world(app)
    client = world.client(app, role)
    token = client.csrf_token()
    requests = _requests(app, world)
    denied = [r for r in requests if role not in r[3].allowed]
    allowed = [r for r in requests if role in r[3].allowed]
    assert allowed and (role == "admin" or denied)

    with app.app_context():
        before = _row_counts()
    for endpoint, method, url, access in denied:
        response = (client.get(url) if method == "GET"
                    else client.post(url, data={"csrf_token": token}))
        _check_denied(role, endpoint, method, url, access, response)
    with app.app_context():
        assert _row_counts() == before, "a denied request changed the database"

    for endpoint, method, url, access in allowed:
        response = (client.get(url) if method == "GET"
                    else client.post(url, data={"csrf_token": token}))
        _check_allowed(role, endpoint, method, url, access, response)


def test_hidden_rows_are_404_to_whoever_may_not_see_them(app, create_consultation):
    world = build_world(app)
    values = {"private": create_consultation(announced=False, title="Consulta reservada",
                                             plan=iv_plan_json()),
              "pending_organization":
                  world.per_endpoint["accounts.review_organization"]["organization_id"]}
    wrong = []
    for role in ROLES:
        client = world.client(app, role)
        for path, access in HIDDEN.items():
            url = path.format(**values)
            status = client.get(url).status_code
            expected = 200 if role in access.allowed else 404
            if status != expected:
                wrong.append(f"{role} GET {url} ({access!r}): {status}, not {expected}")
    assert not wrong, "\n".join(wrong)
