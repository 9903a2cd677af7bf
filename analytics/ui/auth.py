"""Who may see the app and who may change the store: the login wall and the viewer/editor roles.

On your own machine (the server bound to a loopback address, no login configured) you are the editor and there
is no wall. Served beyond loopback (`make run HOST=0.0.0.0`), or whenever a login is configured, every visitor
signs in first, and a page that is not signed in shows nothing of the store. Two ways, both in
`.streamlit/secrets.toml`:

- Streamlit's OpenID Connect login (`st.login`, an `[auth]` section) with an allow-list of e-mail addresses or
  domains in `[llm_cost] viewers` / `editors`;
- a shared password: `[llm_cost] password` (viewers) and `editor_password` (editors), compared in
  constant time.

Viewers read everything; uploads, budgets, credits, names, price overrides and syncs need an editor
(`require_editor`).
"""

from __future__ import annotations

import hmac
import importlib.util
import ipaddress
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import streamlit as st

Role = Literal["viewer", "editor"]
SECTION = "llm_cost"  # our own secrets section; [auth] is Streamlit's
_ROLE_KEY = "_llm_cost_password_role"  # session state: the role a correct password gave this browser tab
FAILED_LOGIN_DELAY_SECONDS = 1.0  # slows guessing a shared password down to one try a second per tab


@dataclass(frozen=True)
class AuthConfig:
    """The login settings read from the secrets."""

    oidc_providers: tuple[str | None, ...] = ()  # None: the single provider configured directly in [auth]
    viewers: tuple[str, ...] = ()  # e-mail addresses, or domains written "@example.com" / "example.com"
    editors: tuple[str, ...] = ()
    password: str | None = None
    editor_password: str | None = None

    @property
    def configured(self) -> bool:
        return bool(self.oidc_providers or self.password or self.editor_password)


def read_config(secrets: Mapping[str, Any]) -> AuthConfig:
    """Returns the login settings in `secrets` (the parsed secrets.toml); ValueError names a wrong entry."""
    auth = secrets.get("auth") or {}
    ours = secrets.get(SECTION) or {}
    providers: list[str | None] = []
    if "client_id" in auth:
        providers.append(None)
    providers += sorted(name for name, value in auth.items() if isinstance(value, Mapping))
    return AuthConfig(
        oidc_providers=tuple(providers),
        viewers=_entries(ours, "viewers"),
        editors=_entries(ours, "editors"),
        password=_password(ours, "password"),
        editor_password=_password(ours, "editor_password"),
    )


def _entries(section: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = section.get(key, ())
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Sequence) or not all(isinstance(v, str) for v in value):
        raise ValueError(
            f'secrets.toml: [{SECTION}] {key} must be a list of e-mails or domains, like ["@x.org"]'
        )
    return tuple(v.strip().lower() for v in value if v.strip())


def _password(section: Mapping[str, Any], key: str) -> str | None:
    value = section.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"secrets.toml: [{SECTION}] {key} must be a string")
    return value


def is_loopback(address: str) -> bool:
    """Returns whether a server bound to `address` is reachable from this machine only ("" means every
    interface, Streamlit's default)."""
    if address.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip()).is_loopback
    except ValueError:
        return False  # "" or a host name: reachable from the network


def role_for_email(email: str | None, config: AuthConfig) -> Role | None:
    """Returns the role the allow-lists give `email` (editors win), None when it is on neither."""
    if not email:
        return None
    email = email.strip().lower()
    if _listed(email, config.editors):
        return "editor"
    if _listed(email, config.viewers):
        return "viewer"
    return None


def _listed(email: str, entries: Sequence[str]) -> bool:
    local, at, domain = email.rpartition("@")
    if not (local and at and domain):
        return False  # not an address
    return any(email == entry or domain == entry.lstrip("@") for entry in entries if entry)


def role_for_password(entered: str, config: AuthConfig) -> Role | None:
    """Returns the role a typed password gives, comparing in constant time (None: wrong password)."""
    given = entered.encode()
    # Both are compared every time, so the answer's timing does not tell which password was near.
    editor = config.editor_password is not None and hmac.compare_digest(
        given, config.editor_password.encode()
    )
    viewer = config.password is not None and hmac.compare_digest(given, config.password.encode())
    if editor:
        return "editor"
    return "viewer" if viewer else None


# ---------------------------------------------------------------- Streamlit side


def _secrets() -> Mapping[str, Any]:
    try:
        return st.secrets.to_dict()
    except FileNotFoundError as error:
        files = [Path(f) for f in st.get_option("secrets.files") or ()]
        if any(f.exists() for f in files):
            # A secrets file that does not parse must not quietly turn the login off.
            raise ValueError(
                f"The secrets file could not be read, so the app stays closed: {error}"
            ) from None
        return {}  # no secrets.toml anywhere: nothing configured


def _config() -> AuthConfig:
    return read_config(_secrets())


def _served_locally() -> bool:
    return is_loopback(str(st.get_option("server.address") or ""))


def _oidc_user() -> tuple[bool, str | None, bool]:
    """Returns (signed in, e-mail, e-mail verified) of the OpenID Connect user."""
    user = st.user
    if user.get("is_logged_in") is not True:
        return False, None, False
    # Identity providers that say whether they checked the address say email_verified; trust only a yes.
    return True, user.get("email"), user.get("email_verified", True) is not False


def current_role() -> Role | None:
    """Returns the role of whoever runs this page: "editor" on your own machine without a login configured,
    else what their sign-in gives (None: not signed in, or not allowed)."""
    config = _config()
    if not config.configured:
        return "editor" if _served_locally() else None
    signed_in, email, verified = _oidc_user() if config.oidc_providers else (False, None, False)
    if signed_in and verified:
        role = role_for_email(email, config)
        if role is not None:
            return role
    return st.session_state.get(_ROLE_KEY)


def can_edit() -> bool:
    """Returns whether the visitor may change the store (upload, budgets, names, overrides, sync)."""
    return current_role() == "editor"


def require_editor(action: str) -> bool:
    """Returns True when the visitor may do `action` (e.g. "Uploading exports"); otherwise says who may
    and returns False. Pages call it before every change to the store."""
    if can_edit():
        return True
    st.info(f"{action} needs an editor. You are signed in as a viewer; ask an editor, or sign in as one.")
    return False


def gate() -> bool:
    """Returns True when the visitor may see the app; otherwise renders the login wall (nothing of the
    store) and returns False. Also shows who is signed in, with a way out, in the sidebar."""
    try:
        config = _config()
    except ValueError as error:
        st.error(str(error))
        return False
    if not config.configured:
        if _served_locally():
            return True
        _unprotected_wall()
        return False
    role = current_role()
    if role is not None:
        _signed_in_as(role, config)
        return True
    _login_wall(config)
    return False


def _unprotected_wall() -> None:
    address = st.get_option("server.address") or "every network interface"
    st.title("llm-cost")
    st.error(
        f"This app is served on {address} without a login, so it shows nothing. Configure a login in "
        f".streamlit/secrets.toml ([auth] for single sign-on with [{SECTION}] viewers/editors, or "
        f"[{SECTION}] password), or serve it on 127.0.0.1 only (make run). See README, Serving to a team."
    )


def _login_wall(config: AuthConfig) -> None:
    st.title("llm-cost")
    st.write("Sign in to see the spend.")
    signed_in, email, verified = _oidc_user() if config.oidc_providers else (False, None, False)
    if signed_in:
        # Signed in with the identity provider, but not on the allow-list (or an unverified address).
        why = "is not verified by the identity provider" if not verified else "is not on the allow-list"
        st.error(f"{email or 'This account'} {why}. Ask an editor to add it.")
        if st.button("Sign out", key="auth_logout_denied"):
            st.logout()
        return
    if config.oidc_providers and importlib.util.find_spec("authlib") is None:
        st.error(
            "Single sign-on is configured, but Streamlit's login needs Authlib: run "
            "`.venv/bin/pip install -e '.[sso]'` and restart the app."
        )
    for provider in config.oidc_providers:
        label = "Sign in" if provider is None else f"Sign in with {provider.replace('_', ' ').title()}"
        if st.button(label, key=f"auth_login_{provider or 'default'}", type="primary"):
            if provider is None:
                st.login()
            else:
                st.login(provider)
    if config.password or config.editor_password:
        with st.form("auth_password", border=False):
            entered = st.text_input("Password", type="password", key="auth_password_input")
            submitted = st.form_submit_button("Sign in", type="primary")
        if submitted:
            role = role_for_password(entered, config)
            if role is None:
                time.sleep(FAILED_LOGIN_DELAY_SECONDS)
                st.error("Wrong password.")
                return
            st.session_state[_ROLE_KEY] = role
            st.rerun()


def _signed_in_as(role: Role, config: AuthConfig) -> None:
    signed_in, email, _ = _oidc_user() if config.oidc_providers else (False, None, False)
    with st.sidebar:
        st.caption(f"Signed in{f' as {email}' if signed_in and email else ''} · {role}")
        if st.button("Sign out", key="auth_logout"):
            st.session_state.pop(_ROLE_KEY, None)
            if signed_in:
                st.logout()
            st.rerun()
