"""Single Logout (SAML Profiles 4.4): an SP's LogoutRequest ends the sign-on session,
every other participant is told (SAML SPs by a signed LogoutRequest, OIDC clients by a
back-channel logout token), and the SP gets a signed LogoutResponse."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import jwt
import pytest

from apps.audit.models import Event
from apps.sso_sessions.models import LogoutDelivery, SignOnSession
from apps.sso_sessions.services import participant_record, user_universal_logout
from tests.saml_idp.flows import sp_accepts, sso
from tests.saml_idp.sp import SamlSp, local, redirect_query
from tests.sso_sessions.logout_receiver import LogoutReceiver

pytestmark = pytest.mark.django_db


def _signed_in_to(client, user, sp: SamlSp):
    auth = sp_accepts(sp, sso(client, sp, user))
    return auth.get_nameid(), auth.get_session_index()


def _logout_url(sp: SamlSp, name_id: str, session_index: str) -> tuple[str, str]:
    auth = sp.auth(path="/slo")
    url = auth.logout(return_to="after-logout", name_id=name_id, session_index=session_index)
    return url, auth.get_last_request_id()


def test_sp_initiated_logout_ends_the_session_and_python3_saml_accepts_the_response(
    client, user, register
) -> None:
    sp = register(SamlSp())
    name_id, session_index = _signed_in_to(client, user, sp)
    url, request_id = _logout_url(sp, name_id, session_index)

    response = client.get(local(url))

    assert response.status_code == 302
    assert response["Location"].startswith(sp.slo_url)
    slo = sp.auth(get=redirect_query(response["Location"]), path="/slo")
    slo.process_slo(request_id=request_id)
    assert slo.get_errors() == [], slo.get_last_error_reason()
    assert parse_qs(urlsplit(response["Location"]).query)["RelayState"] == ["after-logout"]
    assert not SignOnSession.objects.filter(ended_at__isnull=True).exists()
    assert client.get("/").wsgi_request.user.is_anonymous
    assert Event.objects.filter(type="saml.slo", outcome="success").exists()


def test_logout_fans_out_to_the_other_saml_sp_and_the_oidc_client(
    client, user, register, make_client, django_capture_on_commit_callbacks
) -> None:
    with LogoutReceiver(path="/slo") as saml_rp, LogoutReceiver() as oidc_rp:
        leaving = register(SamlSp())
        other = register(
            SamlSp(
                entity_id="https://two.example.com/metadata",
                acs_url="https://two.example.com/acs",
                slo_url=saml_rp.url,
            )
        )
        name_id, session_index = _signed_in_to(client, user, leaving)
        _signed_in_to(client, user, other)
        rp = make_client(backchannel_logout_uri=oidc_rp.url)
        sid = SignOnSession.objects.get().sid
        participant_record(sid=sid, kind="oidc", party_id=rp.client.client_id)

        url, _request_id = _logout_url(leaving, name_id, session_index)
        with django_capture_on_commit_callbacks(execute=True):
            client.get(local(url))

        assert saml_rp.wait_for(1, timeout=5)
        assert oidc_rp.wait_for(1, timeout=5)
    # The other SP validates Keyway's LogoutRequest with python3-saml.
    query = {k: v[0] for k, v in parse_qs(urlsplit(saml_rp.requests[0].path).query).items()}
    slo = other.auth(get=query, path="/slo")
    slo.process_slo(keep_local_session=True)
    assert slo.get_errors() == [], slo.get_last_error_reason()
    # The OIDC client gets a logout token for the same session.
    claims = jwt.decode(oidc_rp.requests[0].logout_token, options={"verify_signature": False})
    assert claims["sid"] == sid
    # The SP that asked is not sent its own logout back.
    deliveries = LogoutDelivery.objects.all()
    assert {d.party_id for d in deliveries} == {other.entity_id, rp.client.client_id}
    assert {d.status for d in deliveries} == {"delivered"}


def test_unsigned_logout_request_is_refused_and_the_session_lives(client, user, register) -> None:
    sp = register(SamlSp())
    name_id, session_index = _signed_in_to(client, user, sp)
    sp.security = {"logoutRequestSigned": False}
    url, _ = _logout_url(sp, name_id, session_index)

    response = client.get(local(url))

    assert response.status_code == 400
    assert b"must be signed" in response.content
    assert SignOnSession.objects.filter(ended_at__isnull=True).count() == 1
    assert Event.objects.filter(type="saml.slo_refused").exists()


def test_logout_for_another_name_id_ends_nothing_but_succeeds(client, user, register) -> None:
    sp = register(SamlSp())
    _name_id, session_index = _signed_in_to(client, user, sp)
    url, request_id = _logout_url(sp, "someone-else@example.com", session_index)

    response = client.get(local(url))

    slo = sp.auth(get=redirect_query(response["Location"]), path="/slo")
    slo.process_slo(request_id=request_id)
    assert slo.get_errors() == []
    assert SignOnSession.objects.filter(ended_at__isnull=True).count() == 1


def test_universal_logout_sends_a_logout_request_to_every_saml_participant(
    client, user, register, django_capture_on_commit_callbacks
) -> None:
    with LogoutReceiver(path="/slo") as saml_rp:
        sp = register(SamlSp(slo_url=saml_rp.url))
        name_id, session_index = _signed_in_to(client, user, sp)
        with django_capture_on_commit_callbacks(execute=True):
            user_universal_logout(user=user)
        assert saml_rp.wait_for(1, timeout=5)
    query = {k: v[0] for k, v in parse_qs(urlsplit(saml_rp.requests[0].path).query).items()}
    slo = sp.auth(get=query, path="/slo")
    slo.process_slo(keep_local_session=True)
    assert slo.get_errors() == [], slo.get_last_error_reason()
    received = slo.get_last_request_xml()
    assert name_id in received
    assert session_index in received


def test_logout_request_over_http_post_ends_the_session(client, user, register) -> None:
    """HTTP-POST binding: python3-saml builds the LogoutRequest and signs it with its own
    XML-signature utility (its Auth object only sends logout over HTTP-Redirect)."""
    import base64

    from onelogin.saml2.logout_request import OneLogin_Saml2_Logout_Request
    from onelogin.saml2.utils import OneLogin_Saml2_Utils

    from tests.saml_idp.flows import RSA_SHA256, SHA256

    sp = register(SamlSp())
    name_id, session_index = _signed_in_to(client, user, sp)
    request = OneLogin_Saml2_Logout_Request(
        sp.settings(), name_id=name_id, session_index=session_index
    )
    signed = OneLogin_Saml2_Utils.add_sign(
        request.get_xml(),
        sp.keys[0],
        sp.keys[1],
        sign_algorithm=RSA_SHA256,
        digest_algorithm=SHA256,
    )
    response = client.post(
        "/saml/slo", {"SAMLRequest": base64.b64encode(signed).decode(), "RelayState": "bye"}
    )

    assert response.status_code == 302  # the SP's SingleLogoutService is HTTP-Redirect
    slo = sp.auth(get=redirect_query(response["Location"]), path="/slo")
    slo.process_slo(request_id=request.id)
    assert slo.get_errors() == [], slo.get_last_error_reason()
    assert not SignOnSession.objects.filter(ended_at__isnull=True).exists()
