"""A real third-party SAML service provider, python3-saml (OneLogin), against Keyway's IdP on
a live server — and the Single Logout round trip across python3-saml, node-saml and an
OpenID Connect relying party.

python3-saml runs as an SP app runs it: its settings built from Keyway's IdP metadata
(``OneLogin_Saml2_IdPMetadataParser``), its own SP metadata (``get_sp_metadata``) registered
with ``register_saml_sp``, its Assertion Consumer Service and Single Logout Service served
over HTTP on a loopback port (``ThreadingHTTPServer``), each message handed to
``OneLogin_Saml2_Auth`` with the request data a web framework would build. ``strict`` mode:
python3-saml checks signatures (and that they are there), Destination, Recipient, Audience,
InResponseTo, timestamps, NameID, and decrypts.

A refusal fails the test with python3-saml's own errors and reason.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import pytest
from onelogin.saml2.auth import OneLogin_Saml2_Auth
from onelogin.saml2.authn_request import OneLogin_Saml2_Authn_Request
from onelogin.saml2.constants import OneLogin_Saml2_Constants as Saml2
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser
from onelogin.saml2.logout_request import OneLogin_Saml2_Logout_Request
from onelogin.saml2.settings import OneLogin_Saml2_Settings
from onelogin.saml2.utils import OneLogin_Saml2_Utils

from apps.common.x509 import credential_create
from tests.conftest import PASSWORD
from tests.interop.oidc_user_agent import Page, authorize
from tests.interop.saml_user_agent import SamlBrowser, SignOn, auto_post_form
from tests.interop.test_openid_client import REDIRECT_URI as OIDC_REDIRECT_URI
from tests.interop.test_saml_node_sp import (
    EMAIL_FORMAT,
    SIGNED,
    NodeSamlSP,
    decoded,
    in_group,
    node_sp_fixture,  # noqa: F401 (the node_sp fixture, for the Single Logout round trip)
    sign_on_at_node_sp,
    signed_elements,
)
from tests.sso_sessions.logout_receiver import LogoutReceiver

if TYPE_CHECKING:
    from apps.accounts.models import User

pytestmark = [pytest.mark.interop, pytest.mark.django_db(transaction=True)]

PERSISTENT_FORMAT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
ATTRIBUTES = (
    "--attribute", "email=email",
    "--attribute", "firstName=given_name",
    "--attribute", "groups=groups",
)  # fmt: skip
MAX_BODY_BYTES = 512 * 1024
OIDC_RP = "openid_client_rp.mjs"


class Python3SamlError(AssertionError):
    """python3-saml refused a message."""


class Python3SamlSP:
    """python3-saml as an SP app would use it, its ACS and SLS served on 127.0.0.1.

    The SP remembers the ID of the last AuthnRequest and LogoutRequest it sent (an app keeps
    them in the user's session) and checks InResponseTo against them.
    """

    def __init__(
        self,
        idp_metadata: str,
        *,
        sso_binding: str = Saml2.BINDING_HTTP_REDIRECT,
        want_response_signed: bool = True,
        want_assertions_signed: bool = True,
        encrypted: bool = False,
        name_id_format: str = EMAIL_FORMAT,
    ) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        host, port = self.server.server_address[:2]
        self.origin = f"http://{host}:{port}"
        self.entity_id = f"{self.origin}/metadata"
        self.acs_url = f"{self.origin}/acs"
        self.slo_url = f"{self.origin}/slo"
        self.key, self.cert = credential_create(common_name="python3-saml SP")
        idp = OneLogin_Saml2_IdPMetadataParser.parse(
            idp_metadata,
            required_sso_binding=sso_binding,
            required_slo_binding=Saml2.BINDING_HTTP_REDIRECT,  # python3-saml's only SLO binding
        )
        security = {
            "authnRequestsSigned": True,
            "logoutRequestSigned": True,
            "logoutResponseSigned": True,
            "wantMessagesSigned": want_response_signed,
            "wantAssertionsSigned": want_assertions_signed,
            "wantAssertionsEncrypted": encrypted,
            "wantNameId": True,
            "wantAttributeStatement": True,
            "requestedAuthnContext": False,
            "signatureAlgorithm": Saml2.RSA_SHA256,
            "digestAlgorithm": Saml2.SHA256,
            "rejectDeprecatedAlgorithm": True,
        }
        sp = {
            "entityId": self.entity_id,
            "assertionConsumerService": {"url": self.acs_url, "binding": Saml2.BINDING_HTTP_POST},
            "singleLogoutService": {"url": self.slo_url, "binding": Saml2.BINDING_HTTP_REDIRECT},
            "NameIDFormat": name_id_format,
            "x509cert": self.cert,
            "privateKey": self.key,
        }
        # merge_settings lets the IdP metadata's WantAuthnRequestsSigned and NameIDFormat
        # override the SP's own choices: the SP's are put back on top.
        merged = OneLogin_Saml2_IdPMetadataParser.merge_settings({"strict": True}, idp)
        self.settings_data = {
            **merged,
            "debug": False,
            "sp": sp,
            "security": {**merged.get("security", {}), **security},
        }
        self.last_request_id: str | None = None
        self.last_logout_request_id: str | None = None
        self.logins: list[dict[str, Any]] = []
        self.logout_requests: list[dict[str, Any]] = []
        self.logout_responses: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []

    # --- What the SP app does -----------------------------------------------------------

    def settings(self) -> OneLogin_Saml2_Settings:
        return OneLogin_Saml2_Settings(self.settings_data, sp_validation_only=False)

    def metadata(self) -> str:
        settings = self.settings()
        metadata = settings.get_sp_metadata()
        errors = settings.validate_metadata(metadata)
        assert not errors, errors
        return metadata.decode("utf-8") if isinstance(metadata, bytes) else metadata

    def request_data(
        self, path: str, *, get: dict[str, str] | None = None, post: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """What python3-saml's framework integrations build from the incoming request."""
        parts = urllib.parse.urlsplit(self.origin)
        return {
            "https": "off",
            "http_host": parts.netloc,
            "script_name": path,
            "get_data": get or {},
            "post_data": post or {},
        }

    def login_url(self, relay_state: str) -> str:
        """SP-initiated SSO over HTTP-Redirect (``auth.login``, signed query)."""
        auth = OneLogin_Saml2_Auth(self.request_data("/login"), self.settings())
        url = auth.login(return_to=relay_state)
        self.last_request_id = auth.get_last_request_id()
        return url

    def login_form(self, relay_state: str) -> tuple[str, dict[str, str]]:
        """SP-initiated SSO over HTTP-POST: python3-saml's AuthnRequest, signed in the XML
        with its ``add_sign`` (enveloped signature, SAML Bindings 3.5.4)."""
        settings = self.settings()
        request = OneLogin_Saml2_Authn_Request(settings)
        signed = OneLogin_Saml2_Utils.add_sign(
            request.get_xml(),
            self.key,
            self.cert,
            sign_algorithm=Saml2.RSA_SHA256,
            digest_algorithm=Saml2.SHA256,
        )
        self.last_request_id = request.get_id()
        fields = {"SAMLRequest": OneLogin_Saml2_Utils.b64encode(signed), "RelayState": relay_state}
        return settings.get_idp_sso_url(), fields

    def logout_url(self, login: dict[str, Any], relay_state: str) -> str:
        auth = OneLogin_Saml2_Auth(self.request_data("/logout"), self.settings())
        url = auth.logout(
            return_to=relay_state,
            name_id=login["name_id"],
            session_index=login["session_index"],
            name_id_format=login["name_id_format"],
        )
        self.last_logout_request_id = auth.get_last_request_id()
        return url

    def acs(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        auth = OneLogin_Saml2_Auth(self.request_data("/acs", post=form), self.settings())
        auth.process_response(request_id=self.last_request_id)
        if auth.get_errors():
            return self._refused("acs", auth)
        login = {
            "name_id": auth.get_nameid(),
            "name_id_format": auth.get_nameid_format(),
            "session_index": auth.get_session_index(),
            "attributes": auth.get_attributes(),
            "in_response_to": auth.get_last_response_in_response_to(),
            "relay_state": form.get("RelayState"),
        }
        self.logins.append(login)
        return 200, {"ok": True, **login}

    def slo(self, query: dict[str, str]) -> tuple[int, dict[str, Any], str | None]:
        """The SLS: a LogoutRequest from Keyway (answered with a redirect carrying the signed
        LogoutResponse), or the LogoutResponse that ends an SP-initiated logout."""
        auth = OneLogin_Saml2_Auth(self.request_data("/slo", get=query), self.settings())
        ended: list[bool] = []
        redirect = auth.process_slo(
            request_id=self.last_logout_request_id, delete_session_cb=lambda: ended.append(True)
        )
        if auth.get_errors():
            status, body = self._refused("slo", auth)
            return status, body, None
        if "SAMLRequest" in query:
            xml = auth.get_last_request_xml()
            received = {
                "name_id": OneLogin_Saml2_Logout_Request.get_nameid(xml),
                "session_indexes": OneLogin_Saml2_Logout_Request.get_session_indexes(xml),
                "issuer": OneLogin_Saml2_Logout_Request.get_issuer(xml),
                "local_session_ended": bool(ended),
            }
            self.logout_requests.append(received)
            return 302, {"ok": True, **received}, redirect
        received = {"local_session_ended": bool(ended), "relay_state": query.get("RelayState")}
        self.logout_responses.append(received)
        return 200, {"ok": True, **received}, None

    def _refused(self, where: str, auth: OneLogin_Saml2_Auth) -> tuple[int, dict[str, Any]]:
        error = {
            "where": where,
            "errors": auth.get_errors(),
            "reason": auth.get_last_error_reason(),
        }
        self.errors.append(error)
        return 400, {"ok": False, "error": error}

    # --- The HTTP front ---------------------------------------------------------------------

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        sp = self

        class Handler(BaseHTTPRequestHandler):
            timeout = 10

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_BODY_BYTES or urllib.parse.urlsplit(self.path).path != "/acs":
                    self._answer(404 if length <= MAX_BODY_BYTES else 413, {"ok": False})
                    return
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode("ascii")))
                self._run(sp.acs, form)

            def do_GET(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                if parts.path != "/slo":
                    self._answer(404, {"ok": False})
                    return
                self._run(sp.slo, dict(urllib.parse.parse_qsl(parts.query)))

            def _run(self, step: Callable[[dict[str, str]], tuple], data: dict[str, str]):
                try:
                    answer = step(data)
                except Exception as error:  # python3-saml raised: report it, as an app logs it
                    sp.errors.append({"where": self.path, "exception": repr(error)})
                    answer = (500, {"ok": False, "error": repr(error)})
                self._answer(*answer)

            def _answer(self, status: int, body: dict[str, Any], location: str | None = None):
                text = json.dumps(body).encode()
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


@contextmanager
def serving(sp: Python3SamlSP) -> Iterator[Python3SamlSP]:
    with sp.server:  # closes the socket on exit
        thread = threading.Thread(target=sp.server.serve_forever, daemon=True)
        thread.start()
        try:
            yield sp
        finally:
            sp.server.shutdown()
            thread.join(timeout=5)


@pytest.fixture
def python_sp(saml_idp_metadata: str, register_saml_sp) -> Iterator[Callable[..., Python3SamlSP]]:
    """``python_sp(*register_options, nameid="email", **sp_options)``: a python3-saml SP
    configured from Keyway's metadata, serving its ACS and SLS, registered with Keyway from
    the metadata python3-saml generated (by default with attributes, and signed response and
    assertion: python3-saml's default ``wantAttributeStatement`` refuses a response without
    attributes, and Keyway sends no empty AttributeStatement, which SAML Core 2.7.3 forbids).
    Stopped when the test ends."""
    with ExitStack() as stack:

        def start(*options: str, nameid: str = "email", **sp_options: Any) -> Python3SamlSP:
            sp = stack.enter_context(serving(Python3SamlSP(saml_idp_metadata, **sp_options)))
            options = options or (*ATTRIBUTES, *SIGNED)
            register_saml_sp(sp.metadata(), "--nameid-format", nameid, *options)
            return sp

        yield start


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)


def accepted(answer: Page, sign_on: SignOn) -> dict[str, Any]:
    body = json.loads(answer.body)
    if answer.status != 200 or not body.get("ok"):
        raise Python3SamlError(
            f"python3-saml refused Keyway's response ({answer.status}): {_pretty(body)}\n"
            f"{decoded(sign_on.auto_post)}"
        )
    return body


def sign_on_at_python_sp(
    browser: SamlBrowser, sp: Python3SamlSP, user: User, relay_state: str, *, post: bool = False
) -> tuple[SignOn, dict[str, Any]]:
    if post:
        url, fields = sp.login_form(relay_state)
        sign_on = browser.sign_on(
            url, fields=fields, from_origin=sp.origin, email=user.email, password=PASSWORD
        )
    else:
        sign_on = browser.sign_on(sp.login_url(relay_state), email=user.email, password=PASSWORD)
    assert sign_on.auto_post.action == sp.acs_url, sign_on.auto_post.page.describe()
    return sign_on, accepted(browser.deliver(sign_on.auto_post), sign_on)


# --- Tests ---------------------------------------------------------------------------------


def test_python3_saml_signs_on_over_redirect_binding_and_validates_the_signed_response(
    python_sp, saml_issuer, user
):
    in_group(user, "staff")
    sp = python_sp(*ATTRIBUTES, *SIGNED)
    assert 'AuthnRequestsSigned="true"' in sp.metadata()
    browser = SamlBrowser(saml_issuer)

    sign_on, login = sign_on_at_python_sp(browser, sp, user, relay_state="/inbox?tab=2")

    assert sign_on.signed_in
    query = urllib.parse.urlsplit(sign_on.pages[0].url).query
    assert {"SigAlg", "Signature"} <= set(urllib.parse.parse_qs(query))  # signed by python3-saml
    assert signed_elements(decoded(sign_on.auto_post)) == {"Response", "Assertion"}
    assert login["name_id"] == user.email
    assert login["name_id_format"] == EMAIL_FORMAT
    assert login["session_index"]
    assert login["in_response_to"] == sp.last_request_id
    assert login["attributes"]["email"] == [user.email]
    assert login["attributes"]["firstName"] == ["Alice"]
    assert login["attributes"]["groups"] == ["staff"]
    assert login["relay_state"] == "/inbox?tab=2"


def test_python3_saml_signs_on_over_post_binding_with_a_signed_authn_request(
    python_sp, saml_issuer, user
):
    sp = python_sp(
        *ATTRIBUTES, "--sign-response",
        sso_binding=Saml2.BINDING_HTTP_POST, want_assertions_signed=False,
    )  # fmt: skip
    browser = SamlBrowser(saml_issuer)

    _, login = sign_on_at_python_sp(browser, sp, user, relay_state="report-7", post=True)

    assert login["in_response_to"] == sp.last_request_id
    assert login["name_id"] == user.email
    assert login["attributes"]["firstName"] == ["Alice"]
    assert login["relay_state"] == "report-7"


def test_python3_saml_decrypts_an_encrypted_signed_assertion(python_sp, saml_issuer, user):
    sp = python_sp(
        *ATTRIBUTES, "--sign-assertion", "--encrypt-assertion",
        encrypted=True, want_response_signed=False, want_assertions_signed=True,
    )  # fmt: skip
    assert 'use="encryption"' in sp.metadata()
    browser = SamlBrowser(saml_issuer)

    sign_on, login = sign_on_at_python_sp(browser, sp, user, relay_state="")

    xml = decoded(sign_on.auto_post)
    assert "EncryptedAssertion" in xml
    assert user.email not in xml
    assert login["name_id"] == user.email
    assert login["attributes"]["email"] == [user.email]


def test_persistent_name_id_is_stable_per_sp_and_not_the_email(python_sp, saml_issuer, user):
    sp = python_sp(nameid="persistent", name_id_format=PERSISTENT_FORMAT)
    other = python_sp(nameid="persistent", name_id_format=PERSISTENT_FORMAT)

    _, first = sign_on_at_python_sp(SamlBrowser(saml_issuer), sp, user, relay_state="")
    _, again = sign_on_at_python_sp(SamlBrowser(saml_issuer), sp, user, relay_state="")
    _, elsewhere = sign_on_at_python_sp(SamlBrowser(saml_issuer), other, user, relay_state="")

    assert first["name_id_format"] == PERSISTENT_FORMAT
    assert first["name_id"] == again["name_id"]
    assert first["name_id"] != user.email
    assert elsewhere["name_id"] != first["name_id"]  # pairwise: SPs cannot correlate


def test_idp_initiated_sign_on_is_accepted_by_python3_saml_without_in_response_to(
    python_sp, saml_issuer, user
):
    sp = python_sp(*ATTRIBUTES, *SIGNED, "--allow-idp-initiated")
    browser = SamlBrowser(saml_issuer)
    query = urllib.parse.urlencode({"sp": sp.entity_id, "RelayState": "/home"})

    sign_on = browser.sign_on(
        f"{saml_issuer}/saml/idp-initiated?{query}", email=user.email, password=PASSWORD
    )
    sp.last_request_id = None  # unsolicited: the SP sent no AuthnRequest
    login = accepted(browser.deliver(sign_on.auto_post), sign_on)

    assert "InResponseTo" not in decoded(sign_on.auto_post)
    assert login["in_response_to"] is None
    assert login["name_id"] == user.email
    assert login["relay_state"] == "/home"


def test_idp_initiated_sign_on_is_refused_for_an_sp_not_allowed_to(python_sp, saml_issuer, user):
    sp = python_sp()
    browser = SamlBrowser(saml_issuer)
    browser.sign_on(sp.login_url(""), email=user.email, password=PASSWORD)  # signed in

    page = browser.visit(f"{saml_issuer}/saml/idp-initiated?sp={urllib.parse.quote(sp.entity_id)}")

    assert 400 <= page.status < 500, page.describe()
    assert auto_post_form(page) is None


def sign_on_at_openid_client(
    node_peer, browser: SamlBrowser, issuer: str, user: User, *, backchannel_logout_uri: str
) -> str:
    """The same person signs on at an OpenID Connect relying party, panva's openid-client
    (openid_client_rp.mjs), registered for Back-Channel Logout; returns its client_id."""
    from apps.oidc_provider.client_services import client_create

    client, secret = client_create(
        name="Interop OIDC RP",
        client_type="confidential",
        redirect_uris=[OIDC_REDIRECT_URI],
        scopes=["openid", "email"],
        grant_types=["authorization_code"],
        skip_consent=True,
        backchannel_logout_uri=backchannel_logout_uri,
    )
    config = {
        "issuer": issuer,
        "client_id": client.client_id,
        "client_secret": secret,
        "redirect_uri": OIDC_REDIRECT_URI,
    }
    begun = json.loads(
        node_peer(OIDC_RP, "start", stdin=json.dumps({**config, "scope": "openid email"}))
    )
    journey = authorize(browser.agent, begun["url"], email=user.email, password=PASSWORD)
    assert not journey.signed_in  # the SAML sign-on's session serves the RP too
    step = {k: begun[k] for k in ("state", "nonce", "code_verifier")}
    result = json.loads(
        node_peer(
            OIDC_RP,
            "callback",
            stdin=json.dumps({**config, **step, "callback_url": journey.callback_url}),
        )
    )
    assert result["ok"], _pretty(result)
    return client.client_id


def logout_token_claims(issuer: str, token: str, client_id: str) -> dict[str, Any]:
    """What the RP checks on receipt (Back-Channel Logout 1.0 section 2.6), with PyJWT."""
    import jwt

    jwks = jwt.PyJWKClient(f"{issuer}/oauth/jwks")
    key = jwks.get_signing_key_from_jwt(token)
    assert jwt.get_unverified_header(token)["typ"] == "logout+jwt"
    return jwt.decode(
        token,
        key=key,
        algorithms=["RS256", "ES256", "PS256"],
        audience=client_id,
        issuer=issuer,
        options={"require": ["iss", "aud", "iat", "exp", "jti", "events"]},
    )


def test_single_logout_from_python3_saml_ends_the_session_for_every_participant(
    python_sp, node_sp, node_peer, saml_issuer, user
):
    """The issue's "done when": one person signed on at python3-saml, node-saml and an OpenID
    Connect RP. python3-saml starts Single Logout; Keyway answers it with a LogoutResponse
    python3-saml validates, tells node-saml with a LogoutRequest node-saml validates and the
    RP with a logout token its receiver validates, and the Keyway session is over."""
    from apps.sso_sessions.models import DeliveryStatus, LogoutDelivery, SignOnSession

    python = python_sp()
    node: NodeSamlSP = node_sp()
    browser = SamlBrowser(saml_issuer)
    _, python_login = sign_on_at_python_sp(browser, python, user, relay_state="")
    _, node_login = sign_on_at_node_sp(browser, node, user, relay_state="")
    with LogoutReceiver() as receiver:
        client_id = sign_on_at_openid_client(
            node_peer, browser, saml_issuer, user, backchannel_logout_uri=receiver.url
        )
        (session,) = SignOnSession.objects.filter(user=user, ended_at__isnull=True)

        page = browser.visit(python.logout_url(python_login, relay_state="/signed-out"))
        assert page.is_redirect, page.describe()
        answer = browser.follow_to_sp(page.location)
        receiver.wait_for(1, timeout=10)

    body = json.loads(answer.body)
    assert answer.status == 200, f"python3-saml refused the LogoutResponse: {_pretty(body)}"
    assert body["local_session_ended"] is True
    assert body["relay_state"] == "/signed-out"
    session.refresh_from_db()
    assert session.ended_at is not None
    state = node.state()
    assert state["logout_request_errors"] == [], _pretty(state)
    (told,) = state["logout_requests"]
    assert told["profile"]["nameID"] == user.email
    assert told["profile"]["sessionIndex"] == node_login["profile"]["sessionIndex"]
    (request,) = receiver.requests
    claims = logout_token_claims(saml_issuer, request.logout_token, client_id)
    assert claims["sub"] == str(user.subject)
    assert claims["sid"] == session.sid
    deliveries = LogoutDelivery.objects.filter(session=session)
    assert {(d.party_id, d.status) for d in deliveries} == {
        (node.entity_id, DeliveryStatus.DELIVERED),
        (client_id, DeliveryStatus.DELIVERED),
    }
    # The browser is signed out at Keyway: the next sign-on asks for the password.
    again, _ = sign_on_at_python_sp(browser, python, user, relay_state="")
    assert again.signed_in


def test_single_logout_from_node_saml_reaches_python3_saml_over_redirect_binding(
    python_sp, node_sp, saml_issuer, user
):
    """The other direction: node-saml starts Single Logout, python3-saml is told by Keyway's
    server with a signed Redirect-binding LogoutRequest that python3-saml validates."""
    from apps.sso_sessions.models import DeliveryStatus, LogoutDelivery, SignOnSession

    python = python_sp()
    node: NodeSamlSP = node_sp()
    browser = SamlBrowser(saml_issuer)
    _, python_login = sign_on_at_python_sp(browser, python, user, relay_state="")
    sign_on_at_node_sp(browser, node, user, relay_state="")
    (session,) = SignOnSession.objects.filter(user=user, ended_at__isnull=True)

    page = browser.visit(node.logout_url(user.email))
    auto_post = auto_post_form(page)
    assert auto_post is not None, page.describe()
    answer = browser.deliver(auto_post)

    assert answer.status == 200, answer.body
    assert python.errors == [], _pretty(python.errors)
    (told,) = python.logout_requests
    assert told["name_id"] == user.email
    assert told["session_indexes"] == [python_login["session_index"]]
    assert told["issuer"] == f"{saml_issuer}/saml/metadata"
    session.refresh_from_db()
    assert session.ended_at is not None
    deliveries = LogoutDelivery.objects.filter(session=session)
    assert {(d.party_id, d.status) for d in deliveries} == {
        (python.entity_id, DeliveryStatus.DELIVERED)
    }


def test_authn_request_signed_with_a_key_keyway_does_not_know_is_refused(
    python_sp, saml_issuer, user
):
    """Keyway checks the SP's signature with the certificate from the SP's registered
    metadata: an SP whose key changed without new metadata gets an error page, no response."""
    sp = python_sp()
    sp.settings_data["sp"]["privateKey"], sp.settings_data["sp"]["x509cert"] = credential_create(
        common_name="python3-saml SP, rotated without telling Keyway"
    )
    browser = SamlBrowser(saml_issuer)

    page = browser.visit(sp.login_url(""))

    assert 400 <= page.status < 500, page.describe()
    assert auto_post_form(page) is None


def test_unsigned_authn_request_from_an_sp_that_signs_its_requests_is_refused(
    python_sp, saml_issuer, user
):
    """SAML Metadata 2.4.4: the SP's metadata says AuthnRequestsSigned="true", so an unsigned
    request in its name (anyone can forge one) gets an error page, no response."""
    sp = python_sp()
    sp.settings_data["security"]["authnRequestsSigned"] = False

    page = SamlBrowser(saml_issuer).visit(sp.login_url(""))

    assert 400 <= page.status < 500, page.describe()
    assert auto_post_form(page) is None


def test_universal_logout_reaches_python3_saml_over_redirect_binding(python_sp, saml_issuer, user):
    from apps.sso_sessions.models import DeliveryStatus, LogoutDelivery
    from apps.sso_sessions.services import user_universal_logout

    sp = python_sp()
    _, login = sign_on_at_python_sp(SamlBrowser(saml_issuer), sp, user, relay_state="")

    user_universal_logout(user=user)

    assert sp.errors == [], _pretty(sp.errors)
    (told,) = sp.logout_requests
    assert told["name_id"] == user.email
    assert told["session_indexes"] == [login["session_index"]]
    assert told["local_session_ended"] is True
    deliveries = LogoutDelivery.objects.filter(party_id=sp.entity_id)
    assert [d.status for d in deliveries] == [DeliveryStatus.DELIVERED]
