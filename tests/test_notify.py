"""Alert delivery against real servers on 127.0.0.1: an HTTP webhook receiver and an aiosmtpd SMTP server."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from click.testing import CliRunner
from test_reports import forecast_store

from analytics import notify, reports
from analytics.budgets import set_budget
from analytics.cli import main
from analytics.store import Store


class Webhook:
    """A Slack-like incoming webhook: records each POST; answers `status`."""

    def __init__(self, status: int = 200) -> None:
        self.requests: list[tuple[str, dict]] = []
        received = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((self.headers["Content-Type"], json.loads(body)))
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/budget"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Webhook:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class Mailbox:
    """aiosmtpd handler keeping every message."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], str]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content.decode()))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[tuple[str, Mailbox]]:
    mailbox = Mailbox()
    with socket.socket() as probe:  # aiosmtpd needs a concrete port: borrow a free one
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", mailbox
    finally:
        controller.stop()


@pytest.fixture
def crossed_db(tmp_path: Path) -> Path:
    store = forecast_store(tmp_path / "steady")
    set_budget(store, 30)  # 50% (15.00) reached on 13 Oct 2026
    return store.path


def test_alert_text_reads_like_a_budget_email(crossed_db):
    from analytics.store import Store

    status = reports.month_status(Store.open(crossed_db), reports.parse_month("2026-10"))
    subject, body = notify.alert_text(status)
    assert subject == "llm-cost: your organization has reached 50% of its October 2026 budget"
    assert "$17.70 of the $30.00 monthly budget (59.00% used" in body
    assert "- 50% alert ($15.00) reached on 2026-10-13" in body
    assert "runs out on 2026-10-26" in body


def test_check_posts_slack_json_to_the_webhook(crossed_db):
    with Webhook() as hook:
        result = CliRunner().invoke(
            main, ["check", "--month", "2026-10", "--notify", hook.url, "--db", str(crossed_db)]
        )
    assert result.exit_code == 3, result.output
    ((content_type, payload),) = hook.requests
    assert content_type == "application/json"
    assert set(payload) == {"text"}
    assert payload["text"].startswith(
        "*llm-cost: your organization has reached 50% of its October 2026 budget*"
    )
    assert f"Notified http://127.0.0.1:{hook.server.server_port}/…" in result.output
    assert "/hooks/budget" not in result.output, "the webhook's path is its secret"


def test_check_emails_through_smtp(crossed_db, smtp):
    url, mailbox = smtp
    args = [
        "check",
        "--month",
        "2026-10",
        "--notify",
        url,
        "--to",
        "finance@example.com",
        "--db",
        str(crossed_db),
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 3, result.output
    ((sender, recipients, content),) = mailbox.messages
    assert (sender, recipients) == ("llm-cost@localhost", ["finance@example.com"])
    message = email.message_from_string(content, policy=email.policy.default)
    assert message["Subject"] == "llm-cost: your organization has reached 50% of its October 2026 budget"
    assert "- 50% alert ($15.00) reached on 2026-10-13" in message.get_content()


def test_nothing_is_sent_when_no_threshold_is_crossed(crossed_db):
    CliRunner().invoke(main, ["budget", "set", "1000", "--db", str(crossed_db)])
    with Webhook() as hook:
        result = CliRunner().invoke(
            main, ["check", "--month", "2026-10", "--notify", hook.url, "--db", str(crossed_db)]
        )
    assert result.exit_code == 0, result.output
    assert hook.requests == []


def test_a_failing_webhook_is_reported_with_exit_1(crossed_db):
    with Webhook(status=500) as hook:
        result = CliRunner().invoke(
            main, ["check", "--month", "2026-10", "--notify", hook.url, "--db", str(crossed_db)]
        )
    assert result.exit_code == 1
    assert "answered HTTP 500" in result.output


def test_unreachable_targets_raise_notify_error():
    with pytest.raises(notify.NotifyError, match="could not be reached"):
        notify.post_webhook("http://127.0.0.1:9/nothing", "hi", timeout=2)
    with pytest.raises(notify.NotifyError, match="failed"):
        notify.send_email("smtp://127.0.0.1:9", "s", "b", to=["a@example.com"], timeout=2)
    with pytest.raises(ValueError, match="http"):
        notify.send("ftp://example.com", "s", "b")


# ---------------------------------------------------------------- secrets are never printed


@pytest.mark.parametrize(
    ("target", "shown"),
    [
        ("https://hooks.slack.com/services/T000/B000/SECRET", "https://hooks.slack.com/…"),
        ("https://hooks.example.com:8443/x?token=SECRET", "https://hooks.example.com:8443/…"),
        ("https://hooks.example.com", "https://hooks.example.com"),
        ("smtp://user:PASSWORD@mail.example.com:587", "smtp://mail.example.com:587"),
        ("smtps://alerts%40example.com:P%40SS@mail.example.com", "smtps://mail.example.com"),
        ("smtp://mail.example.com?starttls=1", "smtp://mail.example.com/…"),
        ("http://[::1]:9/hook", "http://[::1]:9/…"),
    ],
)
def test_targets_are_shown_as_host_and_a_redacted_path(target: str, shown: str):
    assert notify.redact(target) == shown


def test_a_failing_webhook_does_not_print_its_token(crossed_db):
    with Webhook(status=403) as hook:
        url = hook.url.replace("/hooks/budget", "/services/T000/B000/SECRETTOKEN")
        result = CliRunner().invoke(
            main, ["check", "--month", "2026-10", "--notify", url, "--db", str(crossed_db)]
        )
    assert result.exit_code == 1
    assert "answered HTTP 403" in result.output
    assert "SECRETTOKEN" not in result.output


def test_a_failing_smtp_server_does_not_print_the_password(crossed_db):
    result = CliRunner().invoke(
        main,
        ["check", "--month", "2026-10", "--notify", "smtps://alice:HUNTER2@127.0.0.1:9", "--to", "a@x.org",
         "--db", str(crossed_db)],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "e-mail via smtps://127.0.0.1:9 failed" in result.output
    assert "HUNTER2" not in result.output and "alice" not in result.output


# ---------------------------------------------------------------- SMTP over TLS, with a login


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (made with the openssl CLI, a Debian test package)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


class Logins:
    """An aiosmtpd authenticator: accepts alice / s3cret only, and records each attempt and whether it came
    over TLS."""

    def __init__(self) -> None:
        self.attempts: list[tuple[str, str, bool]] = []

    def __call__(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        login, password = auth_data.login.decode(), auth_data.password.decode()
        # STARTTLS sets session.ssl; on an SMTPS connection the transport itself is TLS.
        tls = session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None
        self.attempts.append((login, password, tls))
        ok = (login, password) == ("alice", "s3cret")
        return AuthResult(success=ok, handled=False)  # not handled: aiosmtpd answers 535 itself


def _mail_server(mailbox: Mailbox, logins: Logins, **options) -> tuple[Controller, int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, authenticator=logins, **options)
    controller.start()
    return controller, port


@pytest.fixture
def trusted(certificate, monkeypatch: pytest.MonkeyPatch) -> ssl.SSLContext:
    """The server's TLS context; the client trusts its certificate through $SSL_CERT_FILE."""
    cert, key = certificate
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def test_starttls_with_login_against_a_local_server(trusted):
    mailbox, logins = Mailbox(), Logins()
    controller, port = _mail_server(mailbox, logins, tls_context=trusted, require_starttls=True,
                                    auth_required=True)  # fmt: skip
    try:
        notify.send_email(f"smtp://alice:s3cret@127.0.0.1:{port}", "s", "b", to=["finance@example.com"])
    finally:
        controller.stop()
    assert logins.attempts == [("alice", "s3cret", True)], "the login came after STARTTLS"
    ((_, recipients, _),) = mailbox.messages
    assert recipients == ["finance@example.com"]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtps_with_login_against_a_local_server(trusted):
    mailbox, logins = Mailbox(), Logins()
    # aiosmtpd only counts STARTTLS as TLS for AUTH: on this TLS-only port it may offer AUTH anyway.
    controller, port = _mail_server(
        mailbox, logins, ssl_context=trusted, auth_required=True, auth_require_tls=False
    )
    try:
        notify.send_email(f"smtps://alice:s3cret@127.0.0.1:{port}", "s", "b", to=["finance@example.com"])
        with pytest.raises(notify.NotifyError, match="refused the login") as refused:
            notify.send_email(f"smtps://alice:wrong@127.0.0.1:{port}", "s", "b", to=["f@example.com"])
    finally:
        controller.stop()
    assert "wrong" not in str(refused.value)
    assert logins.attempts[0] == ("alice", "s3cret", True)
    assert all(tls for _, _, tls in logins.attempts), "every login over TLS"
    assert len(mailbox.messages) == 1


def test_a_password_is_never_sent_over_a_plain_connection():
    mailbox, logins = Mailbox(), Logins()
    controller, port = _mail_server(mailbox, logins, auth_require_tls=False)  # offers no STARTTLS
    try:
        with pytest.raises(notify.NotifyError, match="not encrypted, so the password is not sent"):
            notify.send_email(f"smtp://alice:s3cret@127.0.0.1:{port}", "s", "b", to=["f@example.com"])
        with pytest.raises(notify.NotifyError, match="does not offer STARTTLS"):
            notify.send_email(f"smtp://127.0.0.1:{port}?starttls=1", "s", "b", to=["f@example.com"])
    finally:
        controller.stop()
    assert logins.attempts == [] and mailbox.messages == []


def test_a_certificate_that_is_not_trusted_is_refused(certificate):
    cert, key = certificate  # no $SSL_CERT_FILE: the self-signed certificate is not trusted
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    mailbox, logins = Mailbox(), Logins()
    controller, port = _mail_server(mailbox, logins, tls_context=context)
    try:
        with pytest.raises(notify.NotifyError, match="CERTIFICATE_VERIFY_FAILED"):
            notify.send_email(f"smtp://alice:s3cret@127.0.0.1:{port}", "s", "b", to=["f@example.com"])
    finally:
        controller.stop()
    assert logins.attempts == [] and mailbox.messages == []


# ---------------------------------------------------------------- notify once per threshold


def test_a_daily_check_notifies_once_per_threshold(crossed_db):
    def check(*extra: str) -> str:
        result = CliRunner().invoke(
            main, ["check", "--month", "2026-10", "--notify", hook.url, "--db", str(crossed_db), *extra]
        )
        assert result.exit_code == 3, result.output
        return result.output

    with Webhook() as hook:
        check()  # 50% crossed: told
        again = check()  # the next day's cron, nothing new
        assert "Already notified http://127.0.0.1:" in again and "--force sends again" in again
        assert len(hook.requests) == 1
        set_budget(Store.open(crossed_db), 20)  # $17.70 of $20: the 80% alert is crossed too
        check()
        check()
        assert len(hook.requests) == 2
        assert "reached 80% of its October 2026 budget" in hook.requests[1][1]["text"]
        set_budget(Store.open(crossed_db), 17, hard_limit_usd=17.5)  # 100% and the hard limit
        check()
        assert len(hook.requests) == 3
        check("--force")
        assert len(hook.requests) == 4
    with Webhook() as other:  # another target is told on its own
        result = CliRunner().invoke(
            main, ["check", "--month", "2026-10", "--notify", other.url, "--db", str(crossed_db)]
        )
        assert result.exit_code == 3
        assert len(other.requests) == 1
    with Store.open(crossed_db).reader() as con:
        labels = {row[0] for row in con.execute("SELECT DISTINCT target_label FROM notifications").fetchall()}
    assert all(label.endswith("/…") and "hooks" not in label for label in labels), labels


def test_a_failed_delivery_is_not_remembered(crossed_db):
    args = ["check", "--month", "2026-10", "--db", str(crossed_db)]
    with Webhook(status=500) as hook:
        assert CliRunner().invoke(main, [*args, "--notify", hook.url]).exit_code == 1
    with Store.open(crossed_db).reader() as con:
        assert con.execute("SELECT count(*) FROM notifications").fetchone() == (0,)
