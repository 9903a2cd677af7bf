"""Budget alert delivery: a Slack-compatible webhook POST and an SMTP e-mail. The only network I/O here.

`alert_text` builds the message (pure); `send` delivers it to `http(s)://...` (JSON `{"text": ...}`) or by
e-mail (a plain-text e-mail like the provider's own budget e-mail):

- `smtp://[user:password@]host[:port]` (port 25): STARTTLS whenever the server offers it; `?starttls=1`
  insists on it (refuses a server that does not offer it), `?starttls=0` never upgrades;
- `smtps://[user:password@]host[:port]` (port 465): TLS from the first byte.

A password is only ever sent over TLS (the server's certificate checked against the system's CAs, or the file
`$SSL_CERT_FILE`): over a plain connection the e-mail is refused instead. Targets carry secrets (a webhook's
path is its token; an SMTP URL may hold a password), so nothing printed or raised here shows more than
`redact(target)`: the scheme, host and port.
"""

from __future__ import annotations

import email.policy
import json
import smtplib
import ssl
import urllib.error
import urllib.request
from collections.abc import Sequence
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

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


def redact(target: str) -> str:
    """Returns `target` safe to print: scheme, host and port, the path and query replaced by "/…" and any
    user or password dropped ("https://hooks.slack.com/…", "smtp://mail.example.com:587")."""
    try:
        parts = urlsplit(target)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "(an unreadable URL)"
    if ":" in host:
        host = f"[{host}]"
    shown = f"{parts.scheme.lower()}://{host}{f':{port}' if port else ''}"
    return shown + ("/…" if parts.path.strip("/") or parts.query else "")


def send(
    target: str, subject: str, body: str, *, to: Sequence[str] = (), sender: str = DEFAULT_SENDER
) -> None:
    """Delivers the message: POST `{"text": ...}` to an http(s) URL, or e-mail `to` via smtp:// or smtps://."""
    scheme = urlsplit(target).scheme.lower()
    if scheme in ("http", "https"):
        post_webhook(target, f"*{subject}*\n{body}")
    elif scheme in ("smtp", "smtps"):
        send_email(target, subject, body, to=to, sender=sender)
    else:
        raise ValueError(
            "--notify takes an http(s):// webhook URL, smtp://host:port or smtps://host:port, "
            f"got {redact(target)}"
        )


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
        raise NotifyError(f"webhook {redact(url)} answered HTTP {error.code} {error.reason}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise NotifyError(f"webhook {redact(url)} could not be reached: {reason}") from None


def send_email(
    target: str,
    subject: str,
    body: str,
    *,
    to: Sequence[str],
    sender: str = DEFAULT_SENDER,
    timeout: float = TIMEOUT_SECONDS,
) -> None:
    """Sends a plain-text e-mail through the SMTP server of `target` (see the module docstring), logging in
    when it names a user, over TLS only."""
    if not to:
        raise ValueError("an e-mail notification needs at least one --to address")
    parts = urlsplit(target)
    shown = redact(target)
    if not parts.hostname:
        raise ValueError(f"an SMTP target is written smtp://host:port or smtps://host:port, got {shown}")
    implicit_tls = parts.scheme.lower() == "smtps"
    starttls = parse_qs(parts.query).get("starttls", ["auto"])[-1].lower()
    if starttls not in ("auto", "1", "0"):
        raise ValueError(f"{shown}: ?starttls= takes 1 (required), 0 (never) or nothing (when offered)")
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    # Long subjects stay on one line (the default policy would fold right after "Subject:").
    message = EmailMessage(policy=email.policy.SMTP.clone(max_line_length=200))
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(to)
    message.set_content(body)
    context = ssl.create_default_context()
    port = parts.port or (465 if implicit_tls else 25)
    try:
        smtp = (
            smtplib.SMTP_SSL(parts.hostname, port, timeout=timeout, context=context)
            if implicit_tls
            else smtplib.SMTP(parts.hostname, port, timeout=timeout)
        )
        with smtp:
            encrypted = implicit_tls
            if not implicit_tls and starttls != "0":
                smtp.ehlo()
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=context)
                    smtp.ehlo()
                    encrypted = True
                elif starttls == "1":
                    raise NotifyError(f"e-mail via {shown} failed: the server does not offer STARTTLS")
            if user is not None:
                if not encrypted:
                    raise NotifyError(
                        f"e-mail via {shown} refused: the connection is not encrypted, so the password is "
                        "not sent (use smtps://, or a server that offers STARTTLS)"
                    )
                smtp.login(user, password or "")
            smtp.send_message(message)
    except smtplib.SMTPAuthenticationError as error:
        raise NotifyError(
            f"e-mail via {shown} failed: the server refused the login ({error.smtp_code})"
        ) from None
    except (smtplib.SMTPException, ssl.SSLError, OSError) as error:
        raise NotifyError(f"e-mail via {shown} failed: {_without(error, password)}") from None


def _without(error: Exception, secret: str | None) -> str:
    """Returns the error's text with `secret` blanked (an SMTP server may echo what it was sent)."""
    text = str(error)
    return text.replace(secret, "***") if secret else text
