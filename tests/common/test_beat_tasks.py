"""Celery beat housekeeping (issue 8): every scheduled task exists; each task, run as a
worker would (``apply``: in-process, whatever the broker), removes what it should and keeps
what is still needed."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone
from oauth2_provider.models import AccessToken, Grant, RefreshToken

from apps.oidc_provider.client_services import client_create
from apps.oidc_provider.key_services import signing_key_create
from apps.oidc_provider.models import Authorization, SigningKey
from apps.oidc_provider.tasks import signing_keys_rotate_due_task, tokens_purge_task
from apps.saml_idp.models import IdpCredential
from apps.saml_idp.services import credential_create
from apps.saml_idp.tasks import credential_rotate_due_task
from apps.sso_sessions.models import DeliveryStatus, LogoutDelivery, SignOnSession
from apps.sso_sessions.tasks import sessions_purge_task
from config.celery import app

pytestmark = pytest.mark.django_db

LONG_AGO = timedelta(days=30)


def _keyway(**values: object) -> override_settings:
    return override_settings(KEYWAY={**settings.KEYWAY, **values})


def test_every_scheduled_task_is_registered_with_the_worker():
    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled <= set(app.tasks)
    assert {
        "oidc_provider.tokens_purge",
        "sso_sessions.sessions_purge",
        "sso_sessions.logout_deliveries_resume",
        "federation.saml_metadata_refresh_all",
        "oidc_provider.signing_keys_rotate_due",
        "saml_idp.credential_rotate_due",
    } <= scheduled


def _authorization(client, user, *, family: uuid.UUID | None, age: timedelta) -> Authorization:
    row = Authorization.objects.create(
        client=client,
        user=user,
        code_checksum=secrets.token_hex(32),
        auth_time=timezone.now(),
        refresh_token_family=family,
    )
    Authorization.objects.filter(pk=row.pk).update(created_at=timezone.now() - age)
    return row


def test_tokens_purge_removes_expired_tokens_codes_and_spent_authorizations(user):
    client, _ = client_create(
        name="RP",
        client_type="confidential",
        redirect_uris=["https://rp.example.com/cb"],
        scopes=["openid"],
        grant_types=["authorization_code", "refresh_token"],
    )
    now = timezone.now()
    expired = AccessToken.objects.create(
        user=user, application=client, token="expired", expires=now - LONG_AGO, scope="openid"
    )
    live = AccessToken.objects.create(
        user=user, application=client, token="live", expires=now + LONG_AGO, scope="openid"
    )
    family = uuid.uuid4()
    RefreshToken.objects.create(
        user=user, application=client, token="refresh", access_token=live, token_family=family
    )
    Grant.objects.create(
        user=user,
        application=client,
        code="old-code",
        expires=now - LONG_AGO,
        redirect_uri="https://rp.example.com/cb",
        scope="openid",
    )
    spent = _authorization(client, user, family=None, age=LONG_AGO)
    refreshing = _authorization(client, user, family=family, age=LONG_AGO)
    recent = _authorization(client, user, family=None, age=timedelta(minutes=1))

    with _keyway(RETENTION_SECONDS=7 * 24 * 3600):
        result = tokens_purge_task.apply().get()

    assert result == {"authorizations": 1}
    assert not AccessToken.objects.filter(pk=expired.pk).exists()
    assert AccessToken.objects.filter(pk=live.pk).exists()
    assert not Grant.objects.exists()
    remaining = set(Authorization.objects.values_list("pk", flat=True))
    assert remaining == {refreshing.pk, recent.pk}
    assert spent.pk not in remaining


def _session(user, *, ended_ago: timedelta | None, expires_in: timedelta) -> SignOnSession:
    now = timezone.now()
    return SignOnSession.objects.create(
        sid=secrets.token_urlsafe(16),
        user=user,
        auth_time=now,
        last_activity_at=now,
        idle_expires_at=now + expires_in,
        absolute_expires_at=now + expires_in,
        ended_at=None if ended_ago is None else now - ended_ago,
    )


def _delivery(user, status: str) -> LogoutDelivery:
    row = LogoutDelivery.objects.create(
        user=user,
        channel="backchannel",
        party_id="rp",
        target_url="https://rp.example.com/logout",
        reason="sign_out",
        status=status,
    )
    LogoutDelivery.objects.filter(pk=row.pk).update(updated_at=timezone.now() - LONG_AGO)
    return row


def test_sessions_purge_removes_old_ended_and_expired_sessions_and_finished_deliveries(user):
    ended_long_ago = _session(user, ended_ago=LONG_AGO, expires_in=-LONG_AGO)
    expired_unended = _session(user, ended_ago=None, expires_in=-LONG_AGO)
    ended_recently = _session(user, ended_ago=timedelta(hours=1), expires_in=timedelta(hours=1))
    active = _session(user, ended_ago=None, expires_in=timedelta(hours=8))
    delivered = _delivery(user, DeliveryStatus.DELIVERED)
    failed = _delivery(user, DeliveryStatus.FAILED)
    pending = _delivery(user, DeliveryStatus.PENDING)

    with _keyway(RETENTION_SECONDS=7 * 24 * 3600):
        result = sessions_purge_task.apply().get()

    assert result == {"sessions": 2, "logout_deliveries": 2}
    kept = set(SignOnSession.objects.values_list("pk", flat=True))
    assert kept == {ended_recently.pk, active.pk}
    assert {ended_long_ago.pk, expired_unended.pk}.isdisjoint(kept)
    assert list(LogoutDelivery.objects.values_list("pk", flat=True)) == [pending.pk]
    assert {delivered.pk, failed.pk}.isdisjoint(LogoutDelivery.objects.values_list("pk", flat=True))


def test_signing_keys_rotate_when_the_newest_is_older_than_the_period():
    key = signing_key_create(algorithm="RS256", active_from=timezone.now())
    SigningKey.objects.filter(pk=key.pk).update(created_at=timezone.now() - timedelta(days=91))

    with _keyway(SIGNING_KEY_ROTATION_DAYS=0):
        assert signing_keys_rotate_due_task.apply().get() == []
    with _keyway(SIGNING_KEY_ROTATION_DAYS=90):
        [new_kid] = signing_keys_rotate_due_task.apply().get()
        assert signing_keys_rotate_due_task.apply().get() == []  # the new key is fresh
    assert set(SigningKey.objects.values_list("kid", flat=True)) == {key.kid, new_kid}


def test_signing_key_rotation_never_creates_the_first_key():
    with _keyway(SIGNING_KEY_ROTATION_DAYS=1):
        assert signing_keys_rotate_due_task.apply().get() == []
    assert not SigningKey.objects.exists()


def test_saml_credential_rotation_is_off_by_default_and_rotates_when_asked():
    old = credential_create(active_from=timezone.now())
    IdpCredential.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))

    assert settings.KEYWAY["SAML_CREDENTIAL_ROTATION_DAYS"] == 0
    assert credential_rotate_due_task.apply().get() is None
    with _keyway(SAML_CREDENTIAL_ROTATION_DAYS=30):
        new_pk = credential_rotate_due_task.apply().get()
        assert credential_rotate_due_task.apply().get() is None
    assert new_pk != old.pk
    old.refresh_from_db()
    assert old.retired_at is not None  # still published until its assertions expire
