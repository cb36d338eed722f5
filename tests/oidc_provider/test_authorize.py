"""The authorization endpoint: RFC 6749 4.1.1/4.1.2, OIDC Core 3.1.2, RFC 7636, RFC 9207."""

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from apps.oidc_provider.models import Authorization, Consent
from tests.conftest import PASSWORD
from tests.oidc_provider.conftest import REDIRECT_URI, Flow

pytestmark = pytest.mark.django_db


def _query(response):
    assert response.status_code == 302, response.content[:300]
    return {k: v[0] for k, v in parse_qs(urlsplit(response["Location"]).query).items()}


def _error(response):
    assert response["Location"].startswith(REDIRECT_URI)
    return _query(response)


# --- Errors that must never be redirected (RFC 6749 4.1.2.1) ------------------------------


def test_unregistered_redirect_uri_shows_an_error_page_not_a_redirect(flow):
    response = flow.authorize(redirect_uri="https://evil.example/callback")
    assert response.status_code == 400
    assert "Location" not in response
    assert b"This sign-in link is not valid" in response.content


@pytest.mark.parametrize(
    "variant",
    [
        REDIRECT_URI + "/",
        REDIRECT_URI.upper(),
        REDIRECT_URI + "?x=1",
        REDIRECT_URI + "#f",
        "https://rp.example.com:443/callback",
    ],
)
def test_redirect_uri_must_match_exactly(flow, variant):
    assert flow.authorize(redirect_uri=variant).status_code == 400


def test_unknown_client_shows_an_error_page(flow):
    assert flow.authorize(client_id="nope").status_code == 400


def test_missing_redirect_uri_shows_an_error_page(flow):
    assert flow.authorize(redirect_uri=None).status_code == 400


def test_repeated_parameters_show_an_error_page(flow):
    query = urlencode(flow.authorize_params()) + "&scope=openid"
    response = flow.browser.get("/oauth/authorize?" + query)
    assert response.status_code == 400
    assert b"more than once" in response.content


def test_inactive_client_is_refused(flow):
    flow.rp.client.is_active = False
    flow.rp.client.save()
    assert flow.authorize().status_code == 400


# --- Errors redirected to a valid redirect URI, with state and iss ------------------------


def test_plain_pkce_is_refused(flow):
    error = _error(flow.authorize(code_challenge_method="plain"))
    assert error["error"] == "invalid_request"
    assert error["state"] == flow.state
    assert error["iss"] == "http://testserver"


def test_missing_pkce_is_refused(flow):
    assert (
        _error(flow.authorize(code_challenge=None, code_challenge_method=None))["error"]
        == "invalid_request"
    )


def test_implicit_response_type_is_unsupported(flow):
    assert _error(flow.authorize(response_type="token"))["error"] == "unsupported_response_type"
    assert _error(flow.authorize(response_type="id_token"))["error"] in (
        "unsupported_response_type",
        "invalid_request",
    )


def test_scope_the_client_is_not_registered_for_is_invalid_scope(make_client, signed_in):
    narrow = make_client(scopes=["openid"])
    error = _error(Flow(signed_in, narrow).authorize(scope="openid email"))
    assert error["error"] == "invalid_scope"


def test_bad_prompt_and_max_age_are_invalid_request(flow):
    assert _error(flow.authorize(prompt="none login"))["error"] == "invalid_request"
    assert _error(flow.authorize(max_age="soon"))["error"] == "invalid_request"


# --- Sign-in and prompt handling (OIDC Core 3.1.2.1) --------------------------------------


def test_signed_out_person_is_sent_to_sign_in_and_back(client, rp, user):
    flow = Flow(client, rp)
    response = flow.authorize()
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert target.path == "/signin/"
    next_url = parse_qs(target.query)["next"][0]
    assert next_url.startswith("/oauth/authorize?")
    signin = client.post("/signin/", {"email": user.email, "password": PASSWORD, "next": next_url})
    assert signin["Location"] == next_url
    consent = client.get(next_url)
    assert consent.status_code == 200
    assert b"Allow" in consent.content


def test_login_hint_prefills_the_sign_in_form(client, rp):
    response = Flow(client, rp).authorize(login_hint="carol@example.com")
    page = client.get(response["Location"])
    assert b'value="carol@example.com"' in page.content


def test_prompt_none_signed_out_returns_login_required(client, rp):
    assert _error(Flow(client, rp).authorize(prompt="none"))["error"] == "login_required"


def test_prompt_none_without_consent_returns_consent_required(flow):
    assert _error(flow.authorize(prompt="none"))["error"] == "consent_required"


def test_prompt_none_with_consent_returns_a_code(flow):
    flow.get_code()
    flow.code_from(flow.authorize(prompt="none"))


def test_prompt_login_requires_a_new_sign_in_that_cannot_be_skipped(flow, user):
    flow.get_code()  # consent given
    response = flow.authorize(prompt="login")
    target = urlsplit(response["Location"])
    assert target.path == "/signin/"
    next_url = parse_qs(target.query)["next"][0]
    # Following the link back without signing in again goes back to sign-in.
    again = flow.browser.get(next_url)
    assert urlsplit(again["Location"]).path == "/signin/"
    # Signing in (again) satisfies it.
    flow.browser.post("/signin/", {"email": user.email, "password": PASSWORD, "next": next_url})
    flow.code_from(flow.browser.get(next_url))


def _age_sign_in(browser, seconds):
    session = browser.session
    session["keyway_auth"] = {
        **session["keyway_auth"],
        "auth_time": session["keyway_auth"]["auth_time"] - seconds,
    }
    session.save()


def test_sign_in_older_than_max_age_requires_signing_in_again(flow):
    flow.get_code()
    _age_sign_in(flow.browser, 600)
    assert urlsplit(flow.authorize(max_age="300")["Location"]).path == "/signin/"
    flow.code_from(flow.authorize(max_age="3600"))


def test_max_age_with_prompt_none_is_login_required(flow):
    flow.get_code()
    _age_sign_in(flow.browser, 600)
    assert _error(flow.authorize(max_age="300", prompt="none"))["error"] == "login_required"


# --- Consent (OIDC Core 3.1.2.4) ----------------------------------------------------------


def test_third_party_client_shows_consent_listing_scopes_in_plain_words(flow):
    page = flow.authorize()
    assert page.status_code == 200
    body = page.content.decode()
    assert "See your email address" in body
    assert 'name="csrfmiddlewaretoken"' in body


def test_consent_allowed_issues_a_code_and_is_remembered(flow, user):
    flow.get_code()
    assert Consent.objects.get(user=user, client=flow.rp.client).scopes == [
        "email",
        "openid",
        "profile",
    ]
    flow.code_from(flow.authorize())  # no page the second time


def test_new_scopes_ask_again(flow):
    flow.get_code(scope="openid")
    assert flow.authorize(scope="openid email").status_code == 200


def test_prompt_consent_always_asks(flow):
    flow.get_code()
    assert flow.authorize(prompt="consent").status_code == 200


def test_consent_denied_returns_access_denied(flow):
    error = _error(flow.consent(flow.authorize(), decision="deny"))
    assert error["error"] == "access_denied"
    assert error["state"] == flow.state


def test_consent_decision_requires_csrf(rp, user):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    page = strict.get("/signin/")
    token = page.content.decode().split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    strict.post(
        "/signin/", {"email": user.email, "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    consent = Flow(strict, rp).authorize()
    assert consent.status_code == 200
    action = consent.content.decode().split('action="')[1].split('"')[0].replace("&amp;", "&")
    assert strict.post(action, {"decision": "allow"}).status_code == 403


def test_a_session_without_sign_in_context_must_sign_in(client, rp, user):
    client.force_login(user)  # no record of how or when: not good enough for OIDC
    response = Flow(client, rp).authorize()
    assert urlsplit(response["Location"]).path == "/signin/"


def test_first_party_client_skips_consent(signed_in, first_party):
    flow = Flow(signed_in, first_party)
    flow.code_from(flow.authorize())


def test_a_code_records_the_sign_on_context(flow, user):
    flow.get_code()
    authorization = Authorization.objects.get(user=user)
    assert authorization.sid
    assert authorization.amr == ["pwd"]
    assert authorization.redeemed_at is None


def test_authorization_request_by_post_is_accepted(flow):
    flow.get_code()
    response = flow.browser.post("/oauth/authorize", flow.authorize_params())
    flow.code_from(response)


# --- id_token_hint (OIDC Core 3.1.2.1) ----------------------------------------------------


def _id_token(flow):
    return flow.exchange(flow.get_code()).json()["id_token"]


def test_id_token_hint_for_the_signed_in_user_allows_silent_sign_in(flow):
    hint = _id_token(flow)
    flow.code_from(flow.authorize(prompt="none", id_token_hint=hint))


def test_id_token_hint_for_someone_else_is_login_required_when_silent(flow, make_user, rp):
    from django.test import Client

    bob_browser = Client()
    bob = make_user(email="bob@example.com")
    bob_browser.post("/signin/", {"email": bob.email, "password": PASSWORD})
    bob_hint = _id_token(Flow(bob_browser, rp))
    flow.get_code()
    error = _error(flow.authorize(prompt="none", id_token_hint=bob_hint))
    assert error["error"] == "login_required"
    assert urlsplit(flow.authorize(id_token_hint=bob_hint)["Location"]).path == "/signin/"


def test_forged_or_foreign_id_token_hint_is_invalid_request(flow, make_client, signed_in):
    hint = _id_token(flow)
    tampered = hint[:-4] + ("AAAA" if not hint.endswith("AAAA") else "BBBB")
    assert _error(flow.authorize(id_token_hint=tampered))["error"] == "invalid_request"
    assert _error(flow.authorize(id_token_hint="not-a-jwt"))["error"] == "invalid_request"
    other = Flow(signed_in, make_client(name="Other"))
    # A hint issued to another client is not a hint for this one.
    assert _error(other.authorize(id_token_hint=hint))["error"] == "invalid_request"


def test_a_logout_token_is_not_accepted_as_id_token_hint(flow, user):
    import time

    from apps.oidc_provider.keys import jwt_sign

    flow.get_code()
    logout_token = jwt_sign(
        claims={
            "iss": "http://testserver",
            "aud": flow.rp.client_id,
            "sub": str(user.subject),
            "iat": int(time.time()),
            "exp": int(time.time()) + 120,
            "jti": "j",
            "events": {"http://schemas.openid.net/event/backchannel-logout": {}},
        },
        algorithm="RS256",
        typ="logout+jwt",
    )
    assert _error(flow.authorize(id_token_hint=logout_token))["error"] == "invalid_request"
