from __future__ import annotations

import pytest

from tests.oidc_provider.conftest import make_client  # noqa: F401  (a fixture)
from tests.siteminder_import.scenario import import_export, people_create


@pytest.fixture
def people(db: None) -> dict:
    """The synthetic SiteMinder export imported, and the people it is about."""
    import_export()
    return people_create()
