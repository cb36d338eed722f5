from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).parent / "node"


def node_peers_ready() -> bool:
    return shutil.which("node") is not None and (NODE_DIR / "node_modules").is_dir()


@pytest.fixture
def node_peer():
    """Run one of the pinned npm peers under tests/interop/node.

    `make test` installs them with `npm ci`; on a machine without node they are skipped,
    unless KEYWAY_REQUIRE_INTEROP=1 (CI) makes that an error.
    """
    if not node_peers_ready():
        if os.environ.get("KEYWAY_REQUIRE_INTEROP") == "1":
            pytest.fail("node or tests/interop/node/node_modules is missing (run `make test`)")
        pytest.skip("node peers not installed: run `make test` (npm ci in tests/interop/node)")

    def run(script: str, *args: str, stdin: str = "") -> str:
        result = subprocess.run(
            ["node", script, *args],
            cwd=NODE_DIR,
            input=stdin.encode("utf-8"),
            capture_output=True,
            check=True,
            timeout=60,
        )
        return result.stdout.decode("utf-8")

    return run


# --- SAML: Keyway's IdP on the live server, shared by the node-saml and python3-saml suites --


@pytest.fixture
def saml_issuer(live_server, settings):
    """Keyway's issuer is the live server's URL; its IdP entity ID is ``{issuer}/saml/metadata``.

    Celery runs eagerly (whatever the broker settings), so the logout fan-out reaches the
    SPs' servers within the request or the commit that triggers it.
    """
    from oauth2_provider.settings import oauth2_settings

    from tests.sso_sessions.logout_receiver import celery_always_eager

    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": live_server.url}
    assert live_server.url == oauth2_settings.OIDC_ISS_ENDPOINT  # DOT reloads on setting_changed
    with celery_always_eager(True):
        yield live_server.url


@pytest.fixture
def saml_idp_metadata(saml_issuer: str) -> str:
    """Keyway's IdP metadata XML, fetched as an SP operator would."""
    import urllib.request

    url = f"{saml_issuer}/saml/metadata"
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (http://loopback)
        assert response.status == 200, url
        return response.read().decode("utf-8")


@pytest.fixture
def register_saml_sp(tmp_path: Path):
    """Register an SP with Keyway from the metadata its own library generated:
    ``register(metadata_xml, *options)`` runs ``register_saml_sp --metadata FILE *options``."""
    import io

    from django.core.management import call_command

    def register(metadata: str, *options: str) -> str:
        path = tmp_path / f"sp-metadata-{len(list(tmp_path.glob('sp-metadata-*')))}.xml"
        path.write_text(metadata, encoding="utf-8")
        out = io.StringIO()
        call_command("register_saml_sp", "--metadata", str(path), *options, stdout=out)
        return out.getvalue()

    return register
