"""Global Token Revocation (draft-parecki-oauth-global-token-revocation-05).

Section 3.2: an authenticated POST of ``{"sub_id": <RFC 9493 Subject Identifier>}``.
Section 3.3: every refresh token revoked, access tokens too, the person must sign in again.
Section 3.4: 204 on success; 400 malformed or unsupported format; 401 invalid authentication;
403 insufficient authorization; 404 User Not Found; 422 unable to log the user out.
Section 6.1: the caller's credential is narrowly scoped (here: its own client_credentials
token with the ``global_token_revocation`` scope, and a client_id Keyway was told to trust).
"""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client

from apps.audit.models import Event
from apps.sso_sessions.models import EndReason, LogoutDelivery, SignOnSession
from tests.oidc_provider.conftest import Flow, RegisteredClient, token_post
from tests.sso_sessions.test_universal_logout import (
    assert_signed_out_of_all,
    assert_still_signed_in,
    refresh,
    sign_in_to_three_rps,
)

pytestmark = pytest.mark.django_db

ENDPOINT = "/oauth/global-token-revocation"
SCOPE = "global_token_revocation"
EVENT = "oidc.global_token_revocation"


def _service(make_client, name: str = "Incident response") -> RegisteredClient:
    return make_client(
        name=name,
        grant_types=["client_credentials"],
        redirect_uris=[],
        scopes=[SCOPE, "groups"],
    )


def _trust(settings, *services: RegisteredClient) -> None:
    settings.KEYWAY = {
        **settings.KEYWAY,
        "GLOBAL_TOKEN_REVOCATION_CLIENTS": [s.client_id for s in services],
    }


def client_credentials_token(service: RegisteredClient, scope: str = SCOPE) -> str:
    response = token_post(
        Client(), {"grant_type": "client_credentials", "scope": scope}, **service.basic_auth()
    )
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


@pytest.fixture
def caller(make_client, settings) -> RegisteredClient:
    """A trusted caller: listed in KEYWAY["GLOBAL_TOKEN_REVOCATION_CLIENTS"]."""
    service = _service(make_client)
    _trust(settings, service)
    return service


@pytest.fixture
def token(caller) -> str:
    return client_credentials_token(caller)


def revoke(token: str | None, body, *, content_type: str = "application/json", **extra):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    if token is not None:
        extra.setdefault("HTTP_AUTHORIZATION", f"Bearer {token}")
    return Client().post(ENDPOINT, data, content_type=content_type, **extra)


def by_email(email: str) -> dict:
    return {"sub_id": {"format": "email", "email": email}}


def by_iss_sub(iss: str, sub: str) -> dict:
    return {"sub_id": {"format": "iss_sub", "iss": iss, "sub": sub}}


def _last_event() -> Event:
    return Event.objects.filter(type=EVENT).order_by("-id").first()


# --- Success: 204, and the person is signed out of everything ---------------------------------


def test_trusted_caller_signs_a_user_out_of_three_relying_parties_by_email(
    signed_in, make_client, user, caller, token
):
    signed_in_to = sign_in_to_three_rps(signed_in, make_client)
    assert_still_signed_in(user, signed_in_to)

    response = revoke(token, by_email(user.email))

    assert response.status_code == 204
    assert response.content == b""
    assert "no-store" in response["Cache-Control"]
    assert_signed_out_of_all(user, signed_in_to, reason=EndReason.GLOBAL_TOKEN_REVOCATION)
    # Section 3.3: the person must sign in again before new tokens are issued.
    assert signed_in.get("/").status_code == 302
    flow = Flow(signed_in, next(iter(signed_in_to.values()))[0])
    assert flow.authorize(prompt="none")["Location"].count("error=login_required") == 1
    event = _last_event()
    assert (event.outcome, event.actor_subject) == ("success", user.subject)
    assert event.data["client_id"] == caller.client_id
    assert event.data["result"] == "revoked"
    assert (event.data["sessions"], event.data["deliveries"]) == (1, 3)


def test_trusted_caller_signs_a_user_out_by_keyways_own_issuer_and_subject(
    signed_in, make_client, user, token
):
    signed_in_to = sign_in_to_three_rps(signed_in, make_client)
    response = revoke(token, by_iss_sub("http://testserver", str(user.subject)))
    assert response.status_code == 204
    assert_signed_out_of_all(user, signed_in_to, reason=EndReason.GLOBAL_TOKEN_REVOCATION)


def test_email_is_matched_as_at_sign_in_whatever_its_case(signed_in, user, token):
    assert revoke(token, by_email("  ALICE@EXAMPLE.COM ")).status_code == 204
    assert not SignOnSession.objects.filter(user=user, ended_at__isnull=True).exists()


def test_offline_access_refresh_tokens_are_revoked(flow, user, token):
    tokens = flow.exchange(flow.get_code(scope="openid offline_access")).json()
    assert revoke(token, by_email(user.email)).status_code == 204
    assert refresh(flow.rp, tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_a_deactivated_account_is_revoked_too(signed_in, user, token):
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    assert revoke(token, by_email(user.email)).status_code == 204
    assert not SignOnSession.objects.filter(user=user, ended_at__isnull=True).exists()


def test_the_endpoint_is_in_the_authorization_server_metadata(client):
    # Section 5: global_token_revocation_endpoint.
    metadata = client.get("/.well-known/oauth-authorization-server").json()
    assert metadata["global_token_revocation_endpoint"] == "http://testserver" + ENDPOINT
    assert SCOPE in metadata["scopes_supported"]


# --- 401: no or invalid authentication ------------------------------------------------------


def test_missing_token_is_401_with_a_bare_bearer_challenge(signed_in, user, caller):
    response = revoke(None, by_email(user.email))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="keyway"'
    assert SignOnSession.objects.filter(user=user, ended_at__isnull=True).exists()
    event = _last_event()
    assert (event.outcome, event.data["result"], event.data["client_id"]) == (
        "denied",
        "no_token",
        None,
    )


@pytest.mark.parametrize(
    "authorization",
    ["Bearer not-a-token", "Bearer " + "x" * 5000, "Bearer \x00", "Basic Zm9vOmJhcg==", "Bearer"],
)
def test_invalid_authentication_is_401(signed_in, user, caller, authorization):
    response = revoke(None, by_email(user.email), HTTP_AUTHORIZATION=authorization)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith('Bearer realm="keyway"')
    assert SignOnSession.objects.filter(user=user, ended_at__isnull=True).exists()


def test_bad_token_gets_an_invalid_token_challenge(user, caller):
    response = revoke("not-a-token", by_email(user.email))
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
    assert response.json()["error"] == "invalid_token"


def test_token_of_a_deactivated_caller_is_401(signed_in, user, caller, token):
    caller.client.is_active = False
    caller.client.save()
    assert revoke(token, by_email(user.email)).status_code == 401
    assert SignOnSession.objects.filter(user=user, ended_at__isnull=True).exists()


def test_the_token_is_not_taken_from_the_query_string(user, token):
    response = Client().post(
        f"{ENDPOINT}?access_token={token}",
        json.dumps(by_email(user.email)),
        content_type="application/json",
    )
    assert response.status_code == 401


# --- 403: authenticated, not authorized -----------------------------------------------------


def test_untrusted_caller_with_a_valid_token_is_403(signed_in, make_client, user, settings):
    trusted, stranger = _service(make_client), _service(make_client, name="Someone else")
    _trust(settings, trusted)
    response = revoke(client_credentials_token(stranger), by_email(user.email))
    assert response.status_code == 403
    assert response.json()["error"] == "access_denied"
    assert SignOnSession.objects.filter(user=user, ended_at__isnull=True).exists()
    event = _last_event()
    assert (event.outcome, event.data["result"], event.data["client_id"]) == (
        "denied",
        "untrusted_client",
        stranger.client_id,
    )


def test_nobody_is_trusted_by_default(signed_in, make_client, user):
    response = revoke(client_credentials_token(_service(make_client)), by_email(user.email))
    assert response.status_code == 403


def test_a_string_instead_of_a_list_of_trusted_clients_trusts_nobody(
    signed_in, user, caller, token, settings
):
    # "in" on a string would match any substring of it: a misconfiguration trusts no one.
    settings.KEYWAY = {
        **settings.KEYWAY,
        "GLOBAL_TOKEN_REVOCATION_CLIENTS": f"{caller.client_id},other",
    }
    assert revoke(token, by_email(user.email)).status_code == 403
    assert SignOnSession.objects.filter(user=user, ended_at__isnull=True).exists()


def test_token_without_the_scope_is_403_insufficient_scope(signed_in, user, caller):
    response = revoke(client_credentials_token(caller, scope="groups"), by_email(user.email))
    assert response.status_code == 403
    assert response.json()["error"] == "insufficient_scope"
    assert 'scope="global_token_revocation"' in response["WWW-Authenticate"]
    assert SignOnSession.objects.filter(user=user, ended_at__isnull=True).exists()


def test_a_persons_token_never_speaks_for_the_caller(signed_in, make_client, user, settings):
    # Even a trusted client holding the scope: a token from the code flow acts for a person.
    rp = make_client(name="Odd one", scopes=["openid", SCOPE], skip_consent=True)
    _trust(settings, rp)
    flow = Flow(signed_in, rp)
    tokens = flow.exchange(flow.get_code(scope=f"openid {SCOPE}")).json()
    response = revoke(tokens["access_token"], by_email(user.email))
    assert response.status_code == 403
    assert SignOnSession.objects.filter(user=user, ended_at__isnull=True).exists()
    assert _last_event().data["result"] == "not_client_credentials"


def test_authorization_is_settled_before_the_body_is_read(make_client, settings):
    # An untrusted caller learns nothing from the body: not even that it is malformed.
    stranger = _service(make_client, name="Someone else")
    assert revoke(client_credentials_token(stranger), b"not json").status_code == 403
    assert revoke(None, b"not json").status_code == 401


# --- 404: User Not Found, one answer for every unknown subject -----------------------------


@pytest.mark.parametrize(
    "body",
    [
        by_email("nobody@example.com"),
        by_iss_sub("http://testserver", str(uuid.uuid4())),
        by_iss_sub("http://testserver", "not-a-uuid"),
        by_iss_sub("http://testserver/", "SUBJECT"),  # a trailing slash: another issuer
        by_iss_sub("https://upstream.example.com", "SUBJECT"),  # upstream: not yet federated
        by_iss_sub("http://testserver", "SUBJECT_UPPER"),  # not the sub Keyway issued
        by_iss_sub("http://testserver", "{SUBJECT}"),
    ],
    ids=[
        "unknown-email",
        "unknown-sub",
        "malformed-sub",
        "issuer-with-slash",
        "upstream-issuer",
        "upper-case-sub",
        "braced-sub",
    ],
)
def test_unknown_or_forged_subject_is_404_user_not_found(signed_in, user, token, body):
    sub_id = body["sub_id"]
    if "sub" in sub_id:
        sub_id["sub"] = (
            sub_id["sub"]
            .replace("SUBJECT_UPPER", str(user.subject).upper())
            .replace("SUBJECT", str(user.subject))
        )
    response = revoke(token, body)
    assert response.status_code == 404
    assert response.json() == {
        "error": "user_not_found",
        "error_description": "No user matches the subject identifier.",
    }
    assert SignOnSession.objects.filter(user=user, ended_at__isnull=True).exists()
    assert not LogoutDelivery.objects.exists()
    event = _last_event()
    assert (event.outcome, event.data["result"]) == ("failure", "user_not_found")
    assert event.actor_subject is None


# --- 400: malformed request, never a 500 ----------------------------------------------------

MALFORMED_BODIES = [
    b"",
    b"not json",
    b"\xff\xfe\x00{",
    b"[]",
    b'"alice@example.com"',
    b"1",
    b"null",
    b"true",
    b"{}",
    b"1" * 5000,
    b"[" * 5000 + b"]" * 5000,
    b'{"sub_id": ' + b"[" * 3000 + b"]" * 3000 + b"}",
    b'{"sub_id": {"format": "email", "email": "a@b.c"',
    {"subject": {"format": "email", "email": "alice@example.com"}},  # the -02 member name
    {"sub_id": None},
    {"sub_id": "alice@example.com"},
    {"sub_id": ["alice@example.com"]},
    {"sub_id": {}},
    {"sub_id": {"email": "alice@example.com"}},
    {"sub_id": {"format": None, "email": "alice@example.com"}},
    {"sub_id": {"format": ["email"], "email": "alice@example.com"}},
    {"sub_id": {"format": "", "email": "alice@example.com"}},
    {"sub_id": {"format": "EMAIL", "email": "alice@example.com"}},
    {"sub_id": {"format": "opaque", "id": "alice"}},
    {"sub_id": {"format": "phone_number", "phone_number": "+12065550100"}},
    {"sub_id": {"format": "account", "uri": "acct:alice@example.com"}},
    {"sub_id": {"format": "x" * 10000}},
    {"sub_id": {"format": "email"}},
    {"sub_id": {"format": "email", "email": None}},
    {"sub_id": {"format": "email", "email": ""}},
    {"sub_id": {"format": "email", "email": 42}},
    {"sub_id": {"format": "email", "email": ["alice@example.com"]}},
    {"sub_id": {"format": "email", "email": {"address": "alice@example.com"}}},
    {"sub_id": {"format": "email", "email": "not an email"}},
    {"sub_id": {"format": "email", "email": "ali\x00ce@example.com"}},
    {"sub_id": {"format": "email", "email": "\ud800@example.com"}},
    {"sub_id": {"format": "email", "email": "alice@\ud800.com"}},
    {"sub_id": {"format": "email", "email": "' OR 1=1 --@example.com"}},
    {"sub_id": {"format": "email", "email": "a" * 300 + "@example.com"}},
    {"sub_id": {"format": "iss_sub", "iss": "http://testserver"}},
    {"sub_id": {"format": "iss_sub", "sub": "x"}},
    {"sub_id": {"format": "iss_sub", "iss": None, "sub": "x"}},
    {"sub_id": {"format": "iss_sub", "iss": "http://testserver", "sub": 7}},
    {"sub_id": {"format": "iss_sub", "iss": "http://testserver", "sub": ""}},
    {"sub_id": {"format": "iss_sub", "iss": ["http://testserver"], "sub": "x"}},
    {"sub_id": {"format": "email", "email": "alice@example.com", "pad": "x" * 20000}},
]


@pytest.mark.parametrize("body", MALFORMED_BODIES, ids=range(len(MALFORMED_BODIES)))
def test_malformed_bodies_are_400_json_errors(signed_in, user, caller, token, body):
    response = revoke(token, body)
    assert response.status_code == 400, response.content
    assert response.json()["error"] == "invalid_request"
    assert response["Cache-Control"].count("no-store") >= 1
    assert SignOnSession.objects.filter(user=user, ended_at__isnull=True).exists()
    event = _last_event()
    assert (event.outcome, event.data["result"]) == ("failure", "invalid_request")
    assert event.data["client_id"] == caller.client_id


@pytest.mark.parametrize(
    "content_type",
    ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x", ""],
)
def test_a_body_that_is_not_json_by_its_content_type_is_400(signed_in, user, token, content_type):
    body = json.dumps(by_email(user.email))
    response = revoke(token, body, content_type=content_type)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert SignOnSession.objects.filter(user=user, ended_at__isnull=True).exists()


def test_a_body_beyond_the_upload_limit_is_400_not_a_server_error(signed_in, user, token):
    huge = json.dumps({**by_email(user.email), "pad": "x" * (300 * 1024)})
    response = revoke(token, huge)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_a_json_charset_parameter_is_fine(signed_in, user, token):
    body = json.dumps(by_email(user.email))
    response = revoke(token, body, content_type="application/json; charset=utf-8")
    assert response.status_code == 204


def test_only_post_is_allowed(token):
    response = Client().get(ENDPOINT, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 405


# --- 422: the logout itself failed ----------------------------------------------------------


def test_a_failed_logout_is_422_not_a_server_error(signed_in, user, caller, token, monkeypatch):
    from apps.oidc_provider.views import global_token_revocation as view

    def broken(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(view, "user_universal_logout", broken)
    response = revoke(token, by_email(user.email))
    assert response.status_code == 422
    assert response.json()["error"] == "logout_failed"
    event = _last_event()
    assert (event.outcome, event.data["result"], event.data["client_id"]) == (
        "failure",
        "logout_failed",
        caller.client_id,
    )
