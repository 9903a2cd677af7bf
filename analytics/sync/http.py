"""The one HTTP client of the sync: GET JSON with retries, and both vendors' ways of paging.

Retries: 429 waits for `Retry-After` (seconds or an HTTP date, capped), 5xx and timeouts back off
exponentially (1, 2, 4, ... s, capped), at most `attempts` tries; then `SyncError` says what failed.
401/403 raise `AuthError`. The key travels only in the request headers: it is never part of a URL, an
error message or a log line (errors name the path and the HTTP status, nothing from the request).
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any

USER_AGENT = "llm-cost-sync"
MAX_RETRY_AFTER = 120.0  # seconds; a longer Retry-After is waited as this (a run must end)
MAX_BACKOFF = 30.0
MAX_PAGES = 10_000  # a server that never stops paging is a bug, not data
_KEY_LIKE = re.compile(r"\b(sk|key)-[\w*.-]+", re.IGNORECASE)


class SyncError(RuntimeError):
    """A vendor request failed for good (after retries); the store was not changed."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class AuthError(SyncError):
    """The vendor refused the key (401/403)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message, status)


Params = Mapping[str, str | int | bool | Sequence[str] | None]


@dataclass
class Client:
    """GETs JSON from one vendor's API. `sleep` is injectable so tests need not wait."""

    base_url: str
    headers: Mapping[str, str]
    vendor: str
    timeout: float = 60.0
    attempts: int = 6
    sleep: Callable[[float], None] = time.sleep
    on_page: Callable[[str], None] | None = None
    requests_made: int = field(default=0, init=False)

    def url(self, path: str, params: Params | None = None) -> str:
        """Returns base URL + path + query; lists are sent as `name[]=a&name[]=b` (both vendors' SDKs)."""
        pairs: list[tuple[str, str]] = []
        for name, value in (params or {}).items():
            if value is None:
                continue
            if isinstance(value, list | tuple):
                pairs.extend((f"{name}[]", str(v)) for v in value)
            elif isinstance(value, bool):
                pairs.append((name, "true" if value else "false"))
            else:
                pairs.append((name, str(value)))
        query = urllib.parse.urlencode(pairs)
        return self.base_url.rstrip("/") + path + (f"?{query}" if query else "")

    def get(self, path: str, params: Params | None = None) -> Any:
        """Returns the decoded JSON body of GET path (numbers with a fraction as Decimal)."""
        return self.get_raw(path, params)[0]

    def get_raw(self, path: str, params: Params | None = None) -> tuple[Any, bytes]:
        """Returns (decoded JSON, the body's bytes): the bytes are what gets imported, unchanged."""
        url = self.url(path, params)
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, **self.headers})
        last = ""
        for attempt in range(self.attempts):
            wait = min(MAX_BACKOFF, 2.0**attempt)
            try:
                self.requests_made += 1
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    body = response.read()
                try:
                    return json.loads(body, parse_float=Decimal), body
                except ValueError:
                    raise SyncError(f"{self.vendor} {path}: the response is not JSON") from None
            except urllib.error.HTTPError as error:
                status = error.code
                detail = _error_detail(error, secrets=self.headers.values())
                error.close()
                if status in (401, 403):
                    raise AuthError(f"{self.vendor} {path}: HTTP {status}{detail}", status) from None
                if status == 429:
                    wait = _retry_after(error.headers.get("Retry-After"), default=wait)
                    last = f"HTTP 429 (rate limited){detail}"
                elif status >= 500:
                    last = f"HTTP {status}{detail}"
                else:
                    raise SyncError(f"{self.vendor} {path}: HTTP {status}{detail}", status) from None
            except TimeoutError:
                last = f"no answer within {self.timeout:g} s"
            except urllib.error.URLError as error:
                reason = error.reason
                if isinstance(reason, TimeoutError):
                    last = f"no answer within {self.timeout:g} s"
                else:
                    last = f"cannot connect ({reason})"
            except (ConnectionError, http_client_errors()) as error:
                last = f"connection lost ({type(error).__name__})"
            if attempt + 1 < self.attempts:
                self.sleep(wait)
        raise SyncError(
            f"{self.vendor} {path}: gave up after {self.attempts} attempts, last: {last}; nothing was stored"
        )

    def bucket_pages(self, path: str, params: Params) -> Iterator[tuple[dict[str, Any], bytes]]:
        """Yields (page, body bytes) for every page of a time-bucketed report (`has_more` / `next_page`)."""
        query = dict(params)
        for number in range(1, MAX_PAGES + 1):
            page, body = self.get_raw(path, query)
            if not isinstance(page, dict) or not isinstance(page.get("data"), list):
                raise SyncError(f"{self.vendor} {path}: expected a page with a data list")
            if self.on_page:
                self.on_page(f"{self.vendor} {path.rsplit('/', 1)[-1]}: page {number}")
            yield page, body
            token = page.get("next_page")
            if not page.get("has_more") or not token:
                return
            query["page"] = token
        raise SyncError(f"{self.vendor} {path}: more than {MAX_PAGES} pages; stopped")

    def list_all(self, path: str, params: Params | None = None, *, cursor: str = "after") -> list[dict]:
        """Returns every object of a cursor-paged list (`has_more` + `last_id`, sent back as `cursor`)."""
        query = dict(params or {})
        items: list[dict] = []
        for _ in range(MAX_PAGES):
            page = self.get(path, query)
            data = page.get("data") if isinstance(page, dict) else None
            if not isinstance(data, list):
                raise SyncError(f"{self.vendor} {path}: expected a list with a data array")
            items.extend(d for d in data if isinstance(d, dict))
            tail = data[-1] if data and isinstance(data[-1], dict) else {}
            last = page.get("last_id") or tail.get("id")
            if not page.get("has_more") or not last:
                return items
            query[cursor] = last
        raise SyncError(f"{self.vendor} {path}: more than {MAX_PAGES} pages; stopped")


def http_client_errors() -> type[Exception]:
    import http.client

    return http.client.HTTPException


def _retry_after(value: str | None, *, default: float) -> float:
    """Seconds to wait for a Retry-After header (delta-seconds or HTTP date), capped."""
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return default
    return max(0.0, min(MAX_RETRY_AFTER, seconds))


def _error_detail(error: urllib.error.HTTPError, *, secrets: Iterable[str]) -> str:
    """The vendor's error message (both vendors send `{"error": {"message": ...}}`), shortened.

    Vendors echo part of a wrong key ("Incorrect API key provided: sk-admin-****abcd"): anything that
    looks like a key, and the header values themselves, are blanked before the message is shown.
    """
    try:
        body = json.loads(error.read(4096) or b"{}")
        message = body.get("error", {}).get("message") if isinstance(body, dict) else None
    except (ValueError, AttributeError, OSError):
        message = None
    if not message:
        return ""
    text = str(message)
    for secret in secrets:
        if len(secret) >= 8:
            text = text.replace(secret, "[key]")
    return ": " + _KEY_LIKE.sub("[key]", text)[:200]
