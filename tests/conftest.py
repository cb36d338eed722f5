from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.core.cache import cache

from apps.accounts.models import User
from apps.accounts.services import user_create
from apps.oidc_provider.keys import keys_cache_clear

PASSWORD = "correct horse battery staple"


def cache_clear() -> None:
    """Forget throttles and cached sessions between tests.

    On Redis only this suite's key prefix is deleted: a FLUSHDB would wipe whatever else
    shares the server.
    """
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    # The signing-key store is process memory: it would outlive each test's rolled-back rows.
    keys_cache_clear()
    cache_clear()
    yield
    cache_clear()
    keys_cache_clear()


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    def make(email: str = "alice@example.com", password: str | None = PASSWORD, **fields) -> User:
        return user_create(email=email, password=password, **fields)

    return make


@pytest.fixture
def user(make_user: Callable[..., User]) -> User:
    return make_user(given_name="Alice", family_name="Example")
