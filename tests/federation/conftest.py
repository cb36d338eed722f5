from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client

from apps.federation.models import Source
from tests.federation.saml_peer import Answer, PysamlIdp, corp_register

SLUG = "corp"


@pytest.fixture
def saml_idp(tmp_path: Path) -> PysamlIdp:
    return PysamlIdp(tmp_path)


@pytest.fixture
def saml_source(db: None, saml_idp: PysamlIdp, client: Client) -> Source:
    """corp.example's IdP registered from its metadata; the IdP trusts Keyway's SP metadata."""
    return corp_register(saml_idp, client, SLUG)


@pytest.fixture
def saml_answer(client: Client, saml_idp: PysamlIdp, saml_source: Source) -> Callable[..., Answer]:
    """Start a sign-in at Keyway and let the IdP answer it (with these attributes)."""

    def answer(
        *,
        name_id: str = "alice-0001",
        attributes: dict[str, list[str]] | None = None,
        next_url: str = "",
        **signing: bool,
    ) -> Answer:
        query = f"?next={next_url}" if next_url else ""
        start = client.get(f"/federation/{SLUG}/start{query}")
        assert start.status_code == 302, start.content
        return saml_idp.answer(
            start["Location"],
            name_id=name_id,
            attributes=attributes
            if attributes is not None
            else {
                "mail": ["alice@corp.example"],
                "givenName": ["Alice"],
                "sn": ["Corp"],
                "groups": ["engineering", "staff"],
            },
            **signing,
        )

    return answer


@pytest.fixture
def static_server():
    from tests.federation.static_server import StaticServer

    with StaticServer() as server:
        yield server
