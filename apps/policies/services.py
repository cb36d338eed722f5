"""Policy writes. Every change to the store bumps the snapshot version once the
transaction commits, so each process rebuilds its cached snapshot on its next decision."""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.db import transaction

from apps.policies.selectors import VERSION_KEY


def policies_version_bump() -> None:
    transaction.on_commit(lambda: cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None))
