"""Participants' comments on published progress reports: posted by logged-in
participants (CSRF, rate limits, sanitized), shown under the report, hidden by a
moderator with a public reason, audited; never on a draft report."""

from sqlalchemy import func, select

from consulta.audit.models import AuditEntry
from consulta.extensions import db
from consulta.followup import comments
from consulta.followup.models import ProgressReport, ReportComment

from ..conftest import login
from . import test_forum
from .test_forum import count, report_fragments, user

#: The fixtures of the forum's tests: a consultation with a final plan, a published
#: report and a draft one.
secretariat = test_forum.secretariat
followed = test_forum.followed


def comment_url(report_id):
    return f"/reports/{report_id}/comments"


def post(client, report_id, body="Falta publicar el padrón de beneficiarios.", **extra):
    return client.post_form(comment_url(report_id), {"body": body, **extra})


def test_a_participant_comments_on_a_published_report(app, client, followed, create_user):
    slug, report_id = followed["slug"], followed["report"]
    author = create_user(show_name_publicly=True, display_name="Lucía Mamani")
    login(client, author)
    assert client.get(comment_url(report_id)).status_code == 200
    response = post(client, report_id,
                    body="Falta **el padrón**. <script>alert(1)</script>",
                    next=f"/consultations/{slug}/follow-up/reports/{report_id}")
    assert response.status_code == 302
    with app.app_context():
        comment = db.session.scalar(select(ReportComment))
        assert comment.author_id == author.id and comment.report_id == report_id
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "report_comment.posted"))
        assert entry.actor_id == author.id and entry.object_id == comment.id
    assert response.headers["Location"].endswith(
        f"/consultations/{slug}/follow-up/reports/{report_id}#comentario-{comment.id}")
    html = report_fragments(app, report_id)
    assert "Comentarios" in html and "(1)" in html and "Lucía Mamani" in html
    assert "<strong>el padrón</strong>" in html
    assert "<script>alert(1)" not in html
    # Anonymous visitors are asked to log in; a participant gets the form.
    assert "Inicia sesión para comentar este reporte" in html and "csrf_token" not in html
    logged_in = report_fragments(app, report_id, author)
    assert "Publicar el comentario" in logged_in and "csrf_token" in logged_in
    assert "Ocultar este comentario" not in logged_in


def test_an_author_without_consent_shows_as_participant_with_sector(
        app, client, followed, create_user):
    author = create_user(display_name="Nombre Privado", sector="academia")
    login(client, author)
    assert post(client, followed["report"]).status_code == 302
    html = report_fragments(app, followed["report"])
    assert "Nombre Privado" not in html and "Participante · Sector académico" in html


def test_an_empty_comment_is_refused_and_nothing_is_saved(app, client, followed,
                                                         create_user):
    login(client, create_user())
    response = post(client, followed["report"], body="   ")
    assert response.status_code == 200
    assert "Escribe tu comentario." in response.get_data(as_text=True)
    with app.app_context():
        assert count(ReportComment) == 0


def test_a_comment_on_a_report_not_published_is_not_found(app, client, followed,
                                                         create_user):
    author = create_user()
    login(client, author)
    assert client.get(comment_url(followed["draft"])).status_code == 404
    assert post(client, followed["draft"]).status_code == 404
    assert post(client, 999999).status_code == 404
    with app.app_context():
        assert count(ReportComment) == 0
        with app.test_request_context():
            draft = db.session.get(ProgressReport, followed["draft"])
            try:
                comments.post_comment(draft, author=user(author), body="Sobre el borrador.")
            except comments.OperationError as refused:
                assert refused.message == "Solo se puede comentar reportes publicados."
            else:
                raise AssertionError("a comment on a draft must be refused")


def test_commenting_needs_an_account_a_confirmed_address_and_the_csrf_token(
        app, client, followed, create_user):
    report_id = followed["report"]
    anonymous = app.test_client()
    assert anonymous.get(comment_url(report_id)).status_code == 302
    assert anonymous.post_form(comment_url(report_id), {"body": "Hola"}).status_code == 302
    unconfirmed = create_user(confirmed=False)
    login(client, unconfirmed)
    response = post(client, report_id)
    assert response.status_code == 200
    assert "Confirma tu correo electrónico antes de participar." in response.get_data(
        as_text=True)
    other = app.test_client()
    login(other, create_user())
    assert other.post(comment_url(report_id), data={"body": "Sin token"}).status_code == 400
    with app.app_context():
        assert count(ReportComment) == 0


def test_comments_are_rate_limited_per_account(app, client, followed, create_user):
    original = app.config["RATELIMIT_SUBMIT_ACCOUNT"]
    app.config["RATELIMIT_SUBMIT_ACCOUNT"] = "2 per hour"
    try:
        login(client, create_user())
        statuses = [post(client, followed["report"], body=f"Comentario {n}").status_code
                    for n in range(3)]
    finally:
        app.config["RATELIMIT_SUBMIT_ACCOUNT"] = original
    assert statuses == [302, 302, 429]
    with app.app_context():
        assert count(ReportComment) == 2


def test_a_moderator_hides_a_comment_with_a_public_reason(app, client, followed,
                                                         create_user, outbox):
    report_id = followed["report"]
    author = create_user()
    login(client, author)
    post(client, report_id, body="Texto con datos de terceros: DNI 12345678.")
    with app.app_context():
        comment_id = db.session.scalar(select(ReportComment.id))
    moderator = create_user(roles=("moderator",))
    assert "Ocultar este comentario" in report_fragments(app, report_id, moderator)
    # A participant may not hide it.
    assert client.post_form(f"/reports/comments/{comment_id}/hide",
                            {"reason": "spam"}).status_code == 403
    staff = app.test_client()
    login(staff, moderator)
    refused = staff.post_form(f"/reports/comments/{comment_id}/hide", {"reason": "nope"},
                              follow_redirects=True)
    assert "Elige un motivo de la lista." in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ReportComment, comment_id).hidden_at is None
    assert staff.post_form(f"/reports/comments/{comment_id}/hide", {
        "reason": "third_party_data", "note": "Contenía un DNI."}).status_code == 302
    html = report_fragments(app, report_id)
    assert "DNI 12345678" not in html
    told = outbox(author.email)
    assert len(told) == 1 and "Contenía un DNI." in told[0].body
    assert "Datos personales de terceros" in told[0].body
    assert f"/reports/{report_id}/comments" in told[0].body
    assert "Ocultado por moderación: Datos personales de terceros." in html
    assert "Contenía un DNI." in html
    with app.app_context():
        comment = db.session.get(ReportComment, comment_id)
        assert comment.hidden_reason == "third_party_data"
        assert comment.hidden_by_id == moderator.id
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "report_comment.hidden",
            AuditEntry.object_id == comment_id)) == 1
    again = staff.post_form(f"/reports/comments/{comment_id}/hide", {"reason": "spam"},
                            follow_redirects=True)
    assert "Este comentario ya está oculto." in again.get_data(as_text=True)
    assert staff.post_form(f"/reports/comments/{comment_id}/unhide").status_code == 302
    assert "DNI 12345678" in report_fragments(app, report_id)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "report_comment.unhidden")) == 1


def test_a_comment_on_a_report_of_a_private_consultation_is_not_found(
        app, client, followed, create_user):
    from .test_forum import consultation_of

    login(client, create_user())
    assert post(client, followed["report"]).status_code == 302
    with app.app_context():
        consultation_of(followed["slug"]).announced_at = None
        db.session.commit()
        comment_id = db.session.scalar(select(ReportComment.id))
    assert post(client, followed["report"]).status_code == 404
    staff = app.test_client()
    login(staff, create_user(roles=("moderator",)))
    assert staff.post_form(f"/reports/comments/{comment_id}/hide",
                           {"reason": "spam"}).status_code == 404


def test_moderators_list_the_comments_of_a_consultations_reports(
        app, client, followed, create_user):
    slug, report_id = followed["slug"], followed["report"]
    login(client, create_user())
    post(client, report_id, body="Primer comentario sobre el observatorio.")
    post(client, report_id, body="Segundo comentario sobre el observatorio.")
    url = f"/consultations/{slug}/report-comments"
    assert client.get(url).status_code == 403
    staff = app.test_client()
    login(staff, create_user(roles=("moderator",)))
    html = staff.get(url).get_data(as_text=True)
    assert html.index("Segundo comentario") < html.index("Primer comentario")
    assert f"/consultations/{slug}/follow-up/reports/{report_id}#comentario-" in html
    assert "Ocultar este comentario" in html
    assert url in report_fragments(app, report_id,
                                   create_user(roles=("moderator",)))


def _entity_of(app, slug):
    from .test_forum import consultation_of

    with app.app_context():
        return consultation_of(slug).entity.slug


def test_the_moderators_of_the_consultations_entity_moderate_its_comments(
        app, client, followed, create_user):
    """As for contributions: a moderator role held for the consultation's entity."""
    slug, report_id = followed["slug"], followed["report"]
    login(client, create_user())
    post(client, report_id, body="Un comentario con datos de un tercero.")
    with app.app_context():
        comment_id = db.session.scalar(select(ReportComment.id))
    moderator = create_user(roles=(("moderator", _entity_of(app, slug)),))
    staff = app.test_client()
    login(staff, moderator)
    assert "Un comentario con datos" in staff.get(
        f"/consultations/{slug}/report-comments").get_data(as_text=True)
    assert "Ocultar este comentario" in report_fragments(app, report_id, moderator)
    assert staff.post_form(f"/reports/comments/{comment_id}/hide",
                           {"reason": "third_party_data"}).status_code == 302
    with app.app_context():
        assert db.session.get(ReportComment, comment_id).hidden_by_id == moderator.id
    assert staff.post_form(f"/reports/comments/{comment_id}/unhide").status_code == 302
    with app.app_context():
        assert not db.session.get(ReportComment, comment_id).is_hidden


def test_a_moderator_of_another_entity_gets_403_and_nothing_changes(
        app, client, followed, create_user, create_entity):
    slug, report_id = followed["slug"], followed["report"]
    login(client, create_user())
    post(client, report_id)
    with app.app_context():
        comment_id = db.session.scalar(select(ReportComment.id))
    stranger = create_user(roles=(("moderator", create_entity(name="Otra entidad")),))
    staff = app.test_client()
    login(staff, stranger)
    assert staff.get(f"/consultations/{slug}/report-comments").status_code == 403
    assert staff.post_form(f"/reports/comments/{comment_id}/hide",
                           {"reason": "spam"}).status_code == 403
    with app.app_context():
        comment = db.session.get(ReportComment, comment_id)
        comment.hidden_at, comment.hidden_reason = comment.created_at, "spam"
        db.session.commit()
    assert staff.post_form(f"/reports/comments/{comment_id}/unhide").status_code == 403
    with app.app_context():
        assert db.session.get(ReportComment, comment_id).hidden_reason == "spam"
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action.like("report_comment.%hidden"))) == 0
    assert "Ocultar este comentario" not in report_fragments(app, report_id, stranger)
