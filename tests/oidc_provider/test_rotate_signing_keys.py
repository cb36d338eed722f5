"""manage.py rotate_signing_keys, and the rotation and pruning services behind it."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.audit.models import Event
from apps.oidc_provider.key_services import (
    signing_key_create,
    signing_keys_prune,
    signing_keys_rotate,
)
from apps.oidc_provider.keys import (
    jwks_public,
    keys_cache_clear,
    signing_key_current,
    signing_key_retention,
)
from apps.oidc_provider.models import SigningKey

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_key_cache():
    keys_cache_clear()
    yield
    keys_cache_clear()


def _rotate(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("rotate_signing_keys", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _existing_keys(days_ago: int = 1) -> dict[str, SigningKey]:
    since = timezone.now() - timedelta(days=days_ago)
    return {a: signing_key_create(algorithm=a, active_from=since) for a in ("RS256", "ES256")}


def _published_kids() -> set[str]:
    return {k["kid"] for k in jwks_public()["keys"]}


def test_rotation_creates_one_key_per_algorithm_published_now_signing_after_the_delay():
    old = _existing_keys()
    before = timezone.now()

    out, err = _rotate()

    new = SigningKey.objects.exclude(pk__in=[k.pk for k in old.values()])
    assert sorted(new.values_list("algorithm", flat=True)) == ["ES256", "RS256"]
    for key in new:
        delay = (key.active_from - before).total_seconds()
        assert 3600 <= delay < 3660  # KEYWAY SIGNING_KEY_ACTIVATION_DELAY
        assert key.kid in out
        assert key.kid in _published_kids()
        assert signing_key_current(algorithm=key.algorithm).kid == old[key.algorithm].kid
    assert "published now, signs from" in out
    assert not err


def test_activation_delay_option():
    _existing_keys()
    before = timezone.now()
    out, _ = _rotate("--algorithm", "ES256", "--activation-delay", "7200")
    (key,) = SigningKey.objects.filter(algorithm="ES256").order_by("-created_at")[:1]
    assert 7200 <= (key.active_from - before).total_seconds() < 7260
    assert SigningKey.objects.filter(algorithm="RS256").count() == 1
    assert "ES256 key" in out
    assert "RS256" not in out


def test_first_rotation_of_an_algorithm_activates_at_once():
    out, _ = _rotate("--algorithm", "RS256")
    key = SigningKey.objects.get()
    assert key.active_from <= timezone.now()
    assert "(now)" in out
    assert signing_key_current(algorithm="RS256").kid == key.kid


def test_json_output():
    _existing_keys()
    out, _ = _rotate("--json", "--prune")
    result = json.loads(out)
    assert result["pruned"] == 0
    assert sorted(k["algorithm"] for k in result["created"]) == ["ES256", "RS256"]
    for row in result["created"]:
        key = SigningKey.objects.get(kid=row["kid"])
        assert datetime.fromisoformat(row["active_from"]) == key.active_from
        assert datetime.fromisoformat(row["created_at"]) == key.created_at


def test_rotation_is_audited():
    old = _existing_keys()
    (new,) = signing_keys_rotate(algorithms=["RS256"], activation_delay=3600)
    event = Event.objects.get(type="signing_key.rotated")
    assert event.outcome == "success"
    assert event.data["kid"] == new.kid
    assert event.data["algorithm"] == "RS256"
    assert event.data["previous_kid"] == old["RS256"].kid
    assert event.data["activation_delay"] == 3600
    assert datetime.fromisoformat(event.data["active_from"]) == new.active_from


def test_short_activation_delay_warns_but_rotates():
    _existing_keys()
    out, err = _rotate("--algorithm", "RS256", "--activation-delay", "0")
    assert "shorter than JWKS_MAX_AGE + SIGNING_KEY_CACHE_SECONDS" in err
    assert "RS256 key" in out


def test_negative_activation_delay_is_refused():
    with pytest.raises(CommandError, match="negative"):
        _rotate("--activation-delay", "-1")
    with pytest.raises(ValueError, match="negative"):
        signing_keys_rotate(activation_delay=-1)
    assert not SigningKey.objects.exists()


def test_unknown_algorithm_is_refused():
    with pytest.raises(CommandError):
        _rotate("--algorithm", "HS256")
    with pytest.raises(ValueError, match="HS256"):
        signing_keys_rotate(algorithms=["RS256", "HS256"])
    assert not SigningKey.objects.exists()


# --- Pruning ------------------------------------------------------------------------------


def _key_at(algorithm: str, active_from: datetime) -> SigningKey:
    return signing_key_create(algorithm=algorithm, active_from=active_from)


def test_prune_deletes_exactly_the_keys_no_longer_published():
    now = timezone.now()
    retention = signing_key_retention()
    # RS256: k1 superseded by k2 long ago (gone), k2 superseded by k3 just now (published),
    # k3 current, k4 pending.
    k1 = _key_at("RS256", now - 3 * retention)
    k2 = _key_at("RS256", now - 2 * retention)
    k3 = _key_at("RS256", now - timedelta(minutes=1))
    k4 = _key_at("RS256", now + timedelta(hours=1))
    # ES256: e1 superseded exactly ``retention`` ago (gone), e2 current for ages (kept).
    e1 = _key_at("ES256", now - 5 * retention)
    e2 = _key_at("ES256", now - retention)

    assert signing_keys_prune(now=now) == 2

    remaining = set(SigningKey.objects.values_list("kid", flat=True))
    assert remaining == {k2.kid, k3.kid, k4.kid, e2.kid}
    assert {k1.kid, e1.kid}.isdisjoint(_published_kids())
    event = Event.objects.get(type="signing_key.pruned")
    assert event.data["count"] == 2
    assert {k["kid"] for k in event.data["keys"]} == {k1.kid, e1.kid}


def test_prune_keeps_what_the_jwks_publishes():
    now = timezone.now()
    retention = signing_key_retention()
    for days in (40, 30, 20, 10):
        _key_at("RS256", now - timedelta(days=days))
    _key_at("ES256", now - retention + timedelta(seconds=5))
    _key_at("ES256", now)
    published = {k["kid"] for k in jwks_public(now=now)["keys"]}

    signing_keys_prune(now=now)

    assert set(SigningKey.objects.values_list("kid", flat=True)) == published


def test_prune_never_deletes_the_current_or_a_pending_key():
    old = _key_at("RS256", timezone.now() - timedelta(days=400))
    pending = _key_at("RS256", timezone.now() + timedelta(days=400))
    assert signing_keys_prune() == 0
    assert not Event.objects.filter(type="signing_key.pruned").exists()
    assert SigningKey.objects.filter(pk__in=[old.pk, pending.pk]).count() == 2


def test_prune_option_of_the_command():
    now = timezone.now()
    gone = _key_at("ES256", now - 3 * signing_key_retention())
    _key_at("ES256", now - 2 * signing_key_retention())
    out, _ = _rotate("--algorithm", "ES256", "--prune")
    assert "Pruned 1 key(s)" in out
    assert not SigningKey.objects.filter(pk=gone.pk).exists()
