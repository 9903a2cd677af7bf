"""Where each vendor's admin key and base URL come from: the environment, else the system keyring.

Keys are read at the moment a request is built and handed only to the HTTP headers. Nothing here
writes a key anywhere, and `configured()` reports *whether* a key is there, never the key.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

KEYRING_SERVICE = "llm-cost"


@dataclass(frozen=True)
class Vendor:
    """How to reach one vendor's Admin API."""

    name: str  # "openai" / "anthropic"
    title: str  # "OpenAI"
    key_env: str
    base_env: str
    default_base: str
    key_kind: str  # what to tell a user whose key was refused


VENDORS: dict[str, Vendor] = {
    "openai": Vendor(
        "openai", "OpenAI", "OPENAI_ADMIN_KEY", "OPENAI_BASE_URL", "https://api.openai.com/v1",
        "an OpenAI Admin API key (sk-admin-..., created by an organization owner under "
        "Settings > Organization > Admin keys), not a project API key",
    ),
    "anthropic": Vendor(
        "anthropic", "Anthropic", "ANTHROPIC_ADMIN_KEY", "ANTHROPIC_BASE_URL", "https://api.anthropic.com",
        "an Anthropic Admin API key (sk-ant-admin..., created by an organization admin in the Claude "
        "Console under Settings > Admin keys), not a regular API key",
    ),
}  # fmt: skip


class MissingKeyError(ValueError):
    """No key for a vendor in the environment or the keyring (a ValueError: the CLI exits 2)."""


def key_for(vendor: Vendor) -> str | None:
    """Returns the vendor's admin key from `$<KEY_ENV>`, else the keyring (service "llm-cost"), else None."""
    value = os.environ.get(vendor.key_env, "").strip()
    if value:
        return value
    return _from_keyring(vendor.key_env)


def require_key(vendor: Vendor) -> str:
    """Returns the key, or raises MissingKeyError naming the variable to set."""
    key = key_for(vendor)
    if not key:
        raise MissingKeyError(f"no {vendor.title} admin key: set {vendor.key_env} to {vendor.key_kind}")
    return key


def key_source(vendor: Vendor) -> str | None:
    """Returns where the key would come from ("environment" / "keyring"), or None when there is none."""
    if os.environ.get(vendor.key_env, "").strip():
        return "environment"
    return "keyring" if _from_keyring(vendor.key_env) else None


def configured() -> list[Vendor]:
    """Returns the vendors that have a key (in the order openai, anthropic)."""
    return [v for v in VENDORS.values() if key_source(v)]


def base_url(vendor: Vendor) -> str:
    """Returns `$<BASE_ENV>` or the vendor's default base URL (no trailing slash)."""
    return (os.environ.get(vendor.base_env, "").strip() or vendor.default_base).rstrip("/")


def _from_keyring(name: str) -> str | None:
    # Optional: only when the `keyring` package is installed and a backend answers; never required.
    try:
        import keyring  # type: ignore[import-not-found]
    except ImportError:
        return None
    try:
        value = keyring.get_password(KEYRING_SERVICE, name)
    except Exception:  # any backend failure means "no key there"
        return None
    return value.strip() if value else None
