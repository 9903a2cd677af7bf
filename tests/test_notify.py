"""Alert delivery against real servers on 127.0.0.1: an HTTP webhook receiver and an aiosmtpd SMTP server."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from test_reports import forecast_store

from analytics import notify, reports
from analytics.budgets import set_budget
from analytics.cli import main


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
    assert f"Notified {hook.url}" in result.output


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
