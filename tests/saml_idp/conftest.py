from __future__ import annotations

from collections.abc import Iterator

import pytest

from apps.saml_idp.credentials import credentials_cache_clear
from tests.oidc_provider.conftest import make_client  # noqa: F401  (pytest fixture)
from tests.sso_sessions.logout_receiver import celery_always_eager

ISSUER = "https://idp.example.com"


@pytest.fixture(autouse=True)
def _idp_issuer(settings) -> None:
    """python3-saml accepts only URLs with a real-looking host: the IdP's URLs derive from
    the issuer, so the tests use one."""
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": ISSUER}


@pytest.fixture(autouse=True)
def _eager_logout_deliveries() -> Iterator[None]:
    """The logout fan-out runs in the test's process whatever the broker settings (with
    Redis configured, deliveries would otherwise wait for a worker that is not running)."""
    with celery_always_eager(True):
        yield


@pytest.fixture(autouse=True)
def _fresh_credentials() -> None:
    # The credential store is process memory: it would outlive each test's rolled-back rows.
    credentials_cache_clear()
    yield
    credentials_cache_clear()


@pytest.fixture
def idp_metadata(db: None, client) -> str:
    return client.get("/saml/metadata").content.decode()


@pytest.fixture
def register(tmp_path, idp_metadata: str):
    """Register a python3-saml SP with Keyway from the SP's own metadata."""
    from django.core.management import call_command

    from tests.saml_idp.sp import SamlSp

    def make(sp: SamlSp | None = None, *options: str) -> SamlSp:
        sp = sp or SamlSp()
        sp.idp_metadata = idp_metadata
        path = tmp_path / f"sp-{abs(hash(sp.entity_id))}.xml"
        path.write_text(sp.metadata())
        call_command("register_saml_sp", "--metadata", str(path), *options)
        return sp

    return make
