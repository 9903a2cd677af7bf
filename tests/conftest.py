"""Shared test setup: no test may reach the network, and no test touches the user's real store."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: object) -> object:
    host = address[0] if isinstance(address, tuple) else None
    if host is not None and self.family in (socket.AF_INET, socket.AF_INET6):
        try:
            allowed = ipaddress.ip_address(host).is_loopback
        except ValueError:
            allowed = host == "localhost"
        if not allowed:
            raise OSError(f"tests run offline: refused a connection to {host}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuses every connection that is not to this machine, so a hidden download fails the test."""
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)


@pytest.fixture(scope="session", autouse=True)
def sandboxed_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keeps the verified-BPE cache (`analytics.bpe_cache`) of this run in a temp folder, not the user's."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LLM_COST_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture(autouse=True)
def sandboxed_store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """Points the default store and price overrides at a temp folder, never the user's own."""
    db = tmp_path / "store" / "llm-cost.duckdb"
    monkeypatch.setenv("LLM_COST_DB", str(db))
    monkeypatch.delenv("LLM_COST_PRICE_OVERRIDES", raising=False)
    yield db  # prices are a value (`PriceBook`) passed explicitly: no process-wide override to reset


@pytest.fixture(autouse=True)
def served_on_loopback() -> Iterator[None]:
    """AppTests run the app as `make run` serves it, on 127.0.0.1: no login unless a test configures one.

    (Streamlit's own default address is every interface, where the app shows a login wall.) Only when
    Streamlit is loaded: the CLI tests stay free of it.
    """
    import sys

    if "streamlit" not in sys.modules:
        yield
        return
    from streamlit import config

    before = config.get_option("server.address")
    config.set_option("server.address", "127.0.0.1")
    yield
    config.set_option("server.address", before)


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@dataclass(frozen=True)
class GitRepo:
    """A scratch git repository (the truth extractor's `--history` reads one like a repository snapshot)."""

    path: Path

    def git(self, *args: str) -> str:
        """Runs git in the repository; returns what it printed, stripped."""
        command = ["git", "-C", str(self.path), *args]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture
def git_repo(tmp_path: Path) -> GitRepo:
    """An empty git repository with a committer set, under the test's own tmp_path."""
    repo = GitRepo(tmp_path / "repo")
    repo.path.mkdir()
    repo.git("init", "-q")
    repo.git("config", "user.email", "t@example.com")
    repo.git("config", "user.name", "t")
    return repo


# --- a real Streamlit server and a real browser, for the browser tests -------------------------------

ROOT = Path(__file__).parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def running_streamlit(db: Path, log: Path, *, secrets: str = "") -> Iterator[str]:
    """Runs `streamlit run app.py` on a free port against the store file `db`; yields its URL.

    `secrets` is the secrets.toml the server reads (its login settings), in place of any the developer has in
    ~/.streamlit or .streamlit/, so their own password never gets in the way of a test.
    """
    import os
    import subprocess
    import sys
    import time
    import urllib.request

    port = _free_port()
    env = os.environ | {"LLM_COST_DB": str(db)}
    secrets_file = log.with_name("secrets.toml")
    secrets_file.write_text(secrets)
    command = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none", "--server.runOnSave", "false",
        "--secrets.files", str(secrets_file),
    ]  # fmt: skip
    with log.open("w") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not start:\n{log.read_text()}") from None
                time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.fixture(scope="session")
def streamlit_server(tmp_path_factory: pytest.TempPathFactory):
    """Starts `streamlit run app.py` on a free port against a temp store; yields its URL."""
    db = tmp_path_factory.mktemp("store") / "llm-cost.duckdb"
    with running_streamlit(db, tmp_path_factory.mktemp("streamlit") / "server.log") as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (Playwright's own browser download does not work offline)."""
    if not CHROMIUM.exists():
        pytest.fail("browser tests need /usr/bin/chromium: `make test` installs it (Debian package chromium)")
    from playwright.sync_api import expect, sync_playwright

    # expect(...) retries until the page shows what it asserts; a busy machine gets the same 30 s as actions.
    expect.set_options(timeout=30_000)

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-dev-shm-usage",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, request: pytest.FixtureRequest):
    """A fresh page; a screenshot of it is saved under test-artifacts/ after the test."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
