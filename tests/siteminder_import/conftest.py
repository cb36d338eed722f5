from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "siteminder"


@pytest.fixture
def export_xml() -> Path:
    return FIXTURES / "synthetic_export.xml"


@pytest.fixture
def group_map() -> Path:
    return FIXTURES / "group_map.csv"
