"""Mail that cannot be sent is never lost silently: reported by send-mail, /health and
the administrators' outbox page, where it can be retried."""

import threading
import time

from sqlalchemy import select

from consulta.audit.models import AuditEntry
from consulta.core import mail
from consulta.core.mail import OutboxMessage, deliver_pending
from consulta.extensions import db

from ..conftest import free_port, login
from .test_mail import mail_settings, restore_mail_settings, smtp_server  # noqa: F401


def queue(app, n=1, **values):
    with app.app_context():
        messages = [OutboxMessage(recipient=f"persona{i}@example.org", subject=f"Asunto {i}",
                                  body="Texto.", **values) for i in range(n)]
        db.session.add_all(messages)
        db.session.commit()
        return [m.id for m in messages]


def test_a_message_out_of_attempts_is_reported_with_an_error_and_exit_code(
        app, outbox, caplog, restore_mail_settings):  # noqa: F811
    mail_settings(app, free_port())  # the SMTP server is down
    max_attempts = app.config["MAIL_MAX_ATTEMPTS"]
    [message_id] = queue(app, status="failed", attempts=max_attempts - 1)
    caplog.set_level("WARNING", logger="consulta.core.mail")

    result = app.test_cli_runner().invoke(args=["send-mail"])

    assert result.exit_code == 2, result.output
    assert "Gave up on 1 message(s)" in result.output and "0 still waiting" in result.output
    assert any(r.levelname == "ERROR" and "gave up" in r.getMessage() for r in caplog.records)
    [message] = outbox()
    assert (message.id, message.status, message.attempts) == (message_id, "failed",
                                                              max_attempts)
    # Later runs keep saying so until an administrator acts.
    assert app.test_cli_runner().invoke(args=["send-mail"]).exit_code == 2
    health = app.test_client().get("/health").get_json()
    assert health["outbox"]["given_up"] == 1 and health["outbox"]["waiting"] == 0


def test_health_reports_the_backlog_and_its_oldest_message(app, restore_mail_settings):  # noqa: F811
    mail_settings(app, free_port())
    queue(app, n=2, status="failed", attempts=1)
    outbox = app.test_client().get("/health").get_json()["outbox"]
    assert outbox["waiting"] == 2 and outbox["given_up"] == 0
    assert outbox["oldest_waiting"] is not None and outbox["oldest_waiting_minutes"] == 0


def test_the_outbox_page_lists_given_up_messages_and_retries_one(
        app, create_user, outbox, restore_mail_settings, smtp_server):  # noqa: F811
    [given_up] = queue(app, status="failed", attempts=app.config["MAIL_MAX_ATTEMPTS"],
                       last_error="Connection refused")
    admin = create_user(roles=("admin",))
    client = app.test_client()
    login(client, admin)
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "Asunto 0" in page and "Connection refused" in page and "Reintentar" in page

    mail_settings(app, smtp_server.server_address[1])  # the server is back
    response = client.post_form(f"/admin/outbox/{given_up}/retry")
    assert response.status_code == 302
    [message] = outbox()
    assert message.status == "sent" and message.attempts == 1
    assert len(smtp_server.messages) == 1
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "mail.retried"))
        assert entry.object_id == given_up and entry.actor_id == admin.id
        assert "persona0@example.org" not in str(entry.before) + str(entry.after)
    assert app.test_cli_runner().invoke(args=["send-mail"]).exit_code == 0


def test_only_administrators_see_the_outbox(app, create_user):
    [message_id] = queue(app, status="failed", attempts=8)
    client = app.test_client()
    login(client, create_user(roles=("moderator", "secretariat")))
    assert client.get("/admin/outbox").status_code == 403
    assert client.post_form(f"/admin/outbox/{message_id}/retry").status_code == 403
    with app.app_context():
        assert db.session.get(OutboxMessage, message_id).attempts == 8


def test_two_overlapping_runs_report_their_own_counts(
        app, restore_mail_settings, smtp_server, monkeypatch):  # noqa: F811
    mail_settings(app, smtp_server.server_address[1])
    queue(app, n=6, status="failed", attempts=1)
    slow_send = mail._send

    def send(message):  # slow enough for the two runs to overlap
        time.sleep(0.05)
        slow_send(message)

    monkeypatch.setattr(mail, "_send", send)
    reports = []

    def run():
        with app.app_context():
            reports.append(deliver_pending())

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(smtp_server.messages) == 6  # each message once
    assert sum(r.sent for r in reports) == 6
    for report in reports:  # what one run sent, the other never counts as waiting or sent
        assert report.sent + report.taken <= 6 and report.failed == report.gave_up == 0
    with app.app_context():
        after = deliver_pending()
    assert (after.sent, after.taken, after.waiting, after.given_up) == (0, 0, 0, 0)
