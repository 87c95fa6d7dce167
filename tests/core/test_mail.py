"""The outbox: sending never breaks a request, and a retry sends each message once."""

import socketserver
import threading

import pytest
from sqlalchemy import select

from consulta.core.mail import OutboxMessage
from consulta.extensions import db

from ..accounts.test_registration import VALID
from ..conftest import free_port


class FakeSMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP to accept messages (no TLS, no auth)."""

    def handle(self):
        self.wfile.write(b"220 fake ESMTP\r\n")
        in_data, lines = False, []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            if in_data:
                if line in (b".\r\n", b".\n"):
                    self.server.messages.append(b"".join(lines).decode("utf-8", "replace"))
                    in_data, lines = False, []
                    self.wfile.write(b"250 OK\r\n")
                else:
                    lines.append(line)
                continue
            verb = line.split(b" ")[0].strip().upper()
            if verb in (b"EHLO", b"HELO"):
                self.wfile.write(b"250 fake\r\n")
            elif verb == b"DATA":
                in_data = True
                self.wfile.write(b"354 go ahead\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 OK\r\n")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), FakeSMTPHandler)
    server.daemon_threads = True
    server.messages = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def mail_settings(app, port):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False,
                      MAIL_TIMEOUT=2)


@pytest.fixture
def restore_mail_settings(app):
    saved = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS",
                                        "MAIL_TIMEOUT")}
    yield
    app.config.update(saved)


def test_without_smtp_messages_are_logged_and_kept(app, client, outbox, caplog):
    caplog.set_level("INFO", logger="consulta.core.mail")
    client.post_form("/register", VALID)
    [message] = outbox()
    assert message.status == "sent"
    assert "/confirm/" in message.body
    assert any("maria.quispe@example.pe" in r.getMessage() for r in caplog.records)


def test_a_mail_server_that_is_down_does_not_break_the_request(app, client, outbox,
                                                               restore_mail_settings,
                                                               smtp_server):
    mail_settings(app, free_port())  # nobody listens there
    response = client.post_form("/register", VALID)
    assert response.status_code == 302
    [message] = outbox()
    assert message.status == "failed" and message.attempts == 1 and message.last_error

    # The server comes back: the retry command sends it, exactly once.
    mail_settings(app, smtp_server.server_address[1])
    runner = app.test_cli_runner()
    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    assert "Sent 1" in result.output
    assert runner.invoke(args=["send-mail"]).exit_code == 0
    assert len(smtp_server.messages) == 1
    assert "Subject:" in smtp_server.messages[0]
    assert "maria.quispe@example.pe" in smtp_server.messages[0]
    [message] = outbox()
    assert message.status == "sent" and message.sent_at is not None


def test_a_sent_message_is_never_sent_again(app, outbox, restore_mail_settings, smtp_server):
    from consulta.core.mail import deliver, queue_mail

    mail_settings(app, smtp_server.server_address[1])
    with app.test_request_context():
        message = queue_mail("a@example.pe", "Asunto", "account_exists", user=None,
                             login_url="x", reset_url="y")
        db.session.commit()
        message_id = message.id
        assert deliver([message_id, message_id]) == 0  # delivered at commit already
        assert deliver([message_id]) == 0
    assert len(smtp_server.messages) == 1


def test_rolled_back_messages_are_not_sent(app, outbox):
    from consulta.core.mail import queue_mail

    with app.test_request_context():
        queue_mail("a@example.pe", "Asunto", "account_exists", login_url="x", reset_url="y")
        db.session.rollback()
        assert db.session.scalars(select(OutboxMessage)).all() == []


def test_messages_are_delivered_when_the_whole_transaction_commits_not_a_savepoint(app,
                                                                                   outbox):
    from consulta.core.mail import queue_mail

    with app.test_request_context():
        queue_mail("a@example.pe", "Asunto", "account_exists", login_url="x", reset_url="y")
        # Releasing a savepoint (an insert guarded against a race) is not the commit: the
        # message cannot be sent yet, and must not be forgotten either.
        with db.session.begin_nested():
            pass
        savepoint = db.session.begin_nested()  # a lost race, rolled back to the savepoint
        savepoint.rollback()
        db.session.commit()
    [message] = outbox()
    assert message.status == "sent"


def test_a_name_with_line_breaks_in_the_subject_is_still_sent(app, outbox,
                                                             restore_mail_settings,
                                                             smtp_server):
    """Organization names go into subjects; a header cannot hold a line break."""
    from consulta.core.mail import queue_mail

    mail_settings(app, smtp_server.server_address[1])
    with app.test_request_context():
        queue_mail("a@example.pe", "Nueva solicitud para unirse a Red\r\nBcc: x@example.pe",
                   "account_exists", login_url="x", reset_url="y")
        db.session.commit()
    [message] = outbox()
    assert message.status == "sent"
    assert message.subject == "Nueva solicitud para unirse a Red Bcc: x@example.pe"
    [sent] = smtp_server.messages
    assert "Subject: Nueva solicitud para unirse a Red Bcc: x@example.pe" in sent
    assert "\nBcc:" not in sent


def test_a_message_to_a_list_is_sent_with_the_one_click_unsubscribe_headers(
        app, outbox, restore_mail_settings, smtp_server):
    """RFC 2369 / RFC 8058: what large mailbox providers require of bulk mail."""
    from consulta.core.mail import queue_mail

    mail_settings(app, smtp_server.server_address[1])
    # Longer than a header line (78): folded, it would become encoded words, not a URL.
    url = "https://consulta.example.pe/follow/unsubscribe/" + "Kx9_" * 11
    with app.test_request_context():
        queue_mail("a@example.pe", "Seguimiento", "account_exists", unsubscribe_url=url,
                   login_url="x", reset_url="y")
        queue_mail("b@example.pe", "Cuenta", "account_exists", login_url="x", reset_url="y")
        db.session.commit()
    assert [m.status for m in outbox()] == ["sent", "sent"]
    assert [m.unsubscribe_url for m in outbox()] == [url, None]
    to_list, personal = sorted((m.replace("\r\n", "\n") for m in smtp_server.messages),
                               key=lambda m: "To: b@" in m)
    assert f"List-Unsubscribe: <{url}>" in to_list
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in to_list
    assert "List-Unsubscribe" not in personal
