"""Budget alert delivery: a Slack-compatible webhook POST and an SMTP e-mail. The only network I/O here.

`alert_text` builds the message (pure); `send` delivers it to `http(s)://...` (JSON `{"text": ...}`) or
`smtp://host:port` (a plain-text e-mail like the provider's own budget e-mail).
"""

from __future__ import annotations

import email.policy
import json
import smtplib
import urllib.error
import urllib.request
from collections.abc import Sequence
from email.message import EmailMessage
from urllib.parse import urlsplit

from analytics.money import format_usd
from analytics.reports import MonthStatus

DEFAULT_SENDER = "llm-cost@localhost"
TIMEOUT_SECONDS = 10.0


class NotifyError(RuntimeError):
    """A notification could not be delivered (the target named, and why)."""


def alert_text(status: MonthStatus) -> tuple[str, str]:
    """Returns (subject, body) for the thresholds `status` has crossed, like a provider's budget e-mail."""
    scope = "your organization" if status.scope == "org" else f"project {status.scope}"
    month = status.month.strftime("%B %Y")
    budget = format_usd(status.budget_usd)
    top = status.crossed[-1] if status.crossed else None
    subject = (
        f"llm-cost: {scope} has reached {top.percent}% of its {month} budget"
        if top is not None
        else f"llm-cost: {scope} is within its {month} budget"
    )
    lines = [
        f"Spend for {scope} in {month} is {format_usd(status.spent_usd)} of the {budget} monthly budget "
        f"({status.percent_used}% used, {status.basis} as of {status.as_of.isoformat()}).",
        "",
    ]
    for alert in status.crossed:
        what = "hard limit" if alert.kind == "hard_limit" else f"{alert.percent}% alert"
        lines.append(
            f"- {what} ({format_usd(alert.threshold_usd)}) reached on {alert.crossed_on.isoformat()}"
        )
    forecast = status.forecast
    lines += [
        "",
        f"Month-end forecast at the current pace: {format_usd(forecast.expected_usd)} "
        f"(range {format_usd(forecast.low_usd)} to {format_usd(forecast.high_usd)}).",
    ]
    if status.runs_out_on is not None:
        lines.append(f"The budget runs out on {status.runs_out_on.isoformat()} at this pace.")
    return subject, "\n".join(lines)


def send(
    target: str, subject: str, body: str, *, to: Sequence[str] = (), sender: str = DEFAULT_SENDER
) -> None:
    """Delivers the message: POST `{"text": ...}` to an http(s) URL, or e-mail `to` via smtp://host:port."""
    scheme = urlsplit(target).scheme.lower()
    if scheme in ("http", "https"):
        post_webhook(target, f"*{subject}*\n{body}")
    elif scheme == "smtp":
        send_email(target, subject, body, to=to, sender=sender)
    else:
        raise ValueError(f"--notify takes an http(s):// webhook URL or smtp://host:port, got {target!r}")


def post_webhook(url: str, text: str, *, timeout: float = TIMEOUT_SECONDS) -> None:
    """POSTs `{"text": text}` as JSON (the Slack incoming-webhook shape); NotifyError unless it is 2xx."""
    request = urllib.request.Request(
        url,
        data=json.dumps({"text": text}).encode(),
        headers={"Content-Type": "application/json", "User-Agent": "llm-cost"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as error:
        raise NotifyError(f"webhook {url} answered HTTP {error.code} {error.reason}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise NotifyError(f"webhook {url} could not be reached: {reason}") from None


def send_email(
    target: str,
    subject: str,
    body: str,
    *,
    to: Sequence[str],
    sender: str = DEFAULT_SENDER,
    timeout: float = TIMEOUT_SECONDS,
) -> None:
    """Sends a plain-text e-mail through the SMTP server at `smtp://host[:port]` (default port 25)."""
    if not to:
        raise ValueError("an smtp:// notification needs at least one --to address")
    parts = urlsplit(target)
    if not parts.hostname:
        raise ValueError(f"an SMTP target is written smtp://host:port, got {target!r}")
    # Long subjects stay on one line (the default policy would fold right after "Subject:").
    message = EmailMessage(policy=email.policy.SMTP.clone(max_line_length=200))
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(to)
    message.set_content(body)
    try:
        with smtplib.SMTP(parts.hostname, parts.port or 25, timeout=timeout) as smtp:
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as error:
        raise NotifyError(f"e-mail via {target} failed: {error}") from None
