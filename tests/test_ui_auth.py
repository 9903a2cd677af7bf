"""Who can reach the app: the login wall (shared password, OpenID Connect allow-list) and viewer/editor roles,
through AppTest on the real app.py and pages."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from streamlit import config
from streamlit.testing.v1 import AppTest

from analytics import budgets, demo
from analytics.store import Store
from analytics.ui.auth import AuthConfig, is_loopback, read_config, role_for_email, role_for_password

ROOT = Path(__file__).parent.parent
DEMO_END = date(2026, 11, 20)
PASSWORDS = {"llm_cost": {"password": "view-Secret-1", "editor_password": "edit-Secret-2"}}
OIDC = {
    "auth": {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "a-long-random-cookie-secret",
        "client_id": "llm-cost",
        "client_secret": "client-secret",
        "server_metadata_url": "https://login.example.com/.well-known/openid-configuration",
    },
    "llm_cost": {"viewers": ["@example.com"], "editors": ["boss@example.com"]},
}
# A page behind the gate, as app.py runs it.
UPLOAD = "from analytics.ui import auth, upload\nif auth.gate():\n    upload.show()\n"
SETTINGS = "from analytics.ui import auth, settings\nif auth.gate():\n    settings.show()\n"


@pytest.fixture
def demo_store(sandboxed_store: Path) -> Store:
    store = Store.open(sandboxed_store)
    demo.load(store, sandboxed_store.parent / "demo", end=DEMO_END)
    return store


@pytest.fixture
def served_to_the_network() -> Iterator[None]:
    """The server bound to every interface, as `make run HOST=0.0.0.0` does."""
    before = config.get_option("server.address")
    config.set_option("server.address", "0.0.0.0")
    yield
    config.set_option("server.address", before)


def app(secrets: dict | None = None, user: dict | None = None, script: str | None = None) -> AppTest:
    at = (
        AppTest.from_string(script, default_timeout=120)
        if script
        else AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    )
    at.secrets = secrets or {}
    if user is not None:
        at.user = user
    at.run()
    assert not at.exception, at.exception
    return at


def shows_the_store(at: AppTest) -> bool:
    """Whether anything read from the store is on the page (figures, tables, charts, store facts)."""
    return bool(at.metric or at.dataframe or at.get("vega_lite_chart") or at.get("arrow_data_frame"))


def sign_in(at: AppTest, password: str) -> AppTest:
    at.text_input(key="auth_password_input").input(password)
    next(b for b in at.button if b.label == "Sign in").click().run()
    assert not at.exception, at.exception
    return at


# ---------------------------------------------------------------- the rules, as tables


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.53", True),
        ("::1", True),
        ("localhost", True),
        ("", False),  # Streamlit's default: every interface
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.20", False),
        ("team-host.internal", False),
    ],
)
def test_loopback_addresses(address: str, loopback: bool):
    assert is_loopback(address) is loopback


@pytest.mark.parametrize(
    ("email", "role"),
    [
        ("boss@example.com", "editor"),
        ("BOSS@Example.com", "editor"),
        ("ann@example.com", "viewer"),
        ("ann@sub.example.com", None),  # a domain entry is that domain only
        ("eve@example.com.evil.org", None),
        ("eve@evil.org", None),
        ("example.com", None),
        ("", None),
        (None, None),
    ],
)
def test_allow_list_gives_roles(email: str | None, role: str | None):
    config_ = read_config(OIDC)
    assert role_for_email(email, config_) == role


@pytest.mark.parametrize(
    ("typed", "role"),
    [("view-Secret-1", "viewer"), ("edit-Secret-2", "editor"), ("view-secret-1", None), ("", None)],
)
def test_shared_passwords_give_roles(typed: str, role: str | None):
    assert role_for_password(typed, read_config(PASSWORDS)) == role


def test_an_empty_password_setting_opens_nothing():
    config_ = read_config({"llm_cost": {"password": "", "editor_password": ""}})
    assert not config_.configured
    assert role_for_password("", AuthConfig(password=None)) is None


def test_a_wrong_allow_list_is_named():
    with pytest.raises(ValueError, match=r"\[llm_cost\] viewers must be a list"):
        read_config({"llm_cost": {"viewers": 3}})


# ---------------------------------------------------------------- the app


def test_on_loopback_without_a_login_you_are_the_editor(demo_store: Store):
    at = app()
    assert [t.value for t in at.title] == ["Overview"]
    assert shows_the_store(at)
    upload = app(script=UPLOAD)
    assert upload.get("file_uploader"), "the editor may upload"


def test_served_to_the_network_without_a_login_shows_nothing(demo_store: Store, served_to_the_network):
    at = app()
    assert not shows_the_store(at)
    assert "without a login" in at.error[0].value
    assert [t.value for t in at.title] == ["llm-cost"]


def test_a_password_wall_shows_nothing_of_the_store_until_signed_in(demo_store: Store):
    at = app(PASSWORDS)
    assert [t.value for t in at.title] == ["llm-cost"]
    assert not shows_the_store(at)
    assert not at.sidebar.button, "no navigation, no sign-out: nothing but the wall"
    sign_in(at, "not-the-password")
    assert "Wrong password." in [e.value for e in at.error]
    assert not shows_the_store(at)
    sign_in(at, "view-Secret-1")
    assert [t.value for t in at.title] == ["Overview"]
    assert shows_the_store(at)
    assert "Signed in · viewer" in [c.value for c in at.sidebar.caption]


def test_the_wall_is_up_on_every_page(demo_store: Store):
    for script in (UPLOAD, SETTINGS):
        at = app(PASSWORDS, script=script)
        assert not shows_the_store(at)
        assert not at.get("file_uploader")
        assert at.text_input(key="auth_password_input")


def test_a_viewer_cannot_upload_or_change_budgets(demo_store: Store):
    upload = sign_in(app(PASSWORDS, script=UPLOAD), "view-Secret-1")
    assert not upload.get("file_uploader")
    assert "Uploading exports needs an editor." in upload.info[0].value
    settings = sign_in(app(PASSWORDS, script=SETTINGS), "view-Secret-1")
    settings.number_input(key="settings_budget_usd_org").set_value(5.0)
    next(b for b in settings.button if b.label == "Save budget").click().run()
    assert any("Changing budgets needs an editor." in i.value for i in settings.info)
    assert budgets.get_budget(demo_store).monthly_usd == Decimal("1000"), "the budget is unchanged"


def test_an_editor_can_upload_and_change_budgets(demo_store: Store):
    upload = sign_in(app(PASSWORDS, script=UPLOAD), "edit-Secret-2")
    assert upload.get("file_uploader")
    settings = sign_in(app(PASSWORDS, script=SETTINGS), "edit-Secret-2")
    settings.number_input(key="settings_budget_usd_org").set_value(1100.0)
    next(b for b in settings.button if b.label == "Save budget").click().run()
    assert "Saved: $1,100.00 a month." in [s.value for s in settings.success]
    assert budgets.get_budget(demo_store).monthly_usd == Decimal("1100")


def test_single_sign_on_not_signed_in_shows_only_the_sign_in_button(demo_store: Store):
    at = app(OIDC, user={"is_logged_in": False})
    assert not shows_the_store(at)
    assert [b.label for b in at.button] == ["Sign in"]
    # Without the sso extra the page says what to install instead of failing on the click.
    missing = importlib.util.find_spec("authlib") is None
    assert any("needs Authlib" in e.value for e in at.error) is missing


def test_single_sign_on_outside_the_allow_list_is_refused(demo_store: Store):
    at = app(OIDC, user={"is_logged_in": True, "email": "eve@evil.org"})
    assert not shows_the_store(at)
    assert "eve@evil.org is not on the allow-list" in at.error[0].value


def test_single_sign_on_unverified_address_is_refused(demo_store: Store):
    at = app(OIDC, user={"is_logged_in": True, "email": "boss@example.com", "email_verified": False})
    assert not shows_the_store(at)
    assert "is not verified" in at.error[0].value


def test_single_sign_on_roles_follow_the_allow_list(demo_store: Store):
    viewer = app(OIDC, user={"is_logged_in": True, "email": "ann@example.com"}, script=UPLOAD)
    assert not viewer.get("file_uploader")
    assert "Signed in as ann@example.com · viewer" in [c.value for c in viewer.sidebar.caption]
    editor = app(OIDC, user={"is_logged_in": True, "email": "boss@example.com"}, script=UPLOAD)
    assert editor.get("file_uploader")
    overview = app(OIDC, user={"is_logged_in": True, "email": "ann@example.com"})
    assert [t.value for t in overview.title] == ["Overview"]
    assert shows_the_store(overview)
