"""A real third-party SAML service provider, @node-saml/node-saml (npm, pinned 5.1.0, the
library behind passport-saml), against Keyway's IdP on a live server.

saml_sp.mjs runs node-saml as one long-lived Node.js HTTP server on a loopback port (its
InResponseTo cache lives in that process, as in a Node.js app); saml_user_agent.py is the
person's browser. node-saml is configured from Keyway's IdP metadata, its own generated SP
metadata is registered with ``register_saml_sp``, and every response is validated by
node-saml's own code (``validatePostResponseAsync``, ``validatePostRequestAsync``): XML
signatures against the IdP certificate from the metadata, decryption with its key, issuer,
audience, InResponseTo (``validateInResponseTo: "always"``), timestamps.

A refusal fails the test with node-saml's own error message: what a Node.js app would log.
"""

from __future__ import annotations

import base64
import json
import subprocess
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from onelogin.saml2.constants import OneLogin_Saml2_Constants as Saml2
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

from apps.common.x509 import credential_create
from tests.conftest import PASSWORD
from tests.interop.conftest import NODE_DIR
from tests.interop.saml_user_agent import AutoPost, SamlBrowser, SignOn, auto_post_form

if TYPE_CHECKING:
    from apps.accounts.models import User

pytestmark = [pytest.mark.interop, pytest.mark.django_db(transaction=True)]

SP_SCRIPT = "saml_sp.mjs"
LIFETIME_SECONDS = 300
START_TIMEOUT_SECONDS = 20
EMAIL_FORMAT = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
ATTRIBUTES = ("--attribute", "email=email", "--attribute", "firstName=given_name")
GROUP_ATTRIBUTE = ("--attribute", "groups=groups")
SIGNED = ("--sign-response", "--sign-assertion")


class NodeSpError(AssertionError):
    """node-saml refused a message, or its server did not answer as expected."""


@dataclass(frozen=True)
class IdpEndpoints:
    """What an SP operator copies from Keyway's IdP metadata into node-saml's options."""

    entity_id: str
    sso_url: str
    slo_url: str
    certs: list[str]


def idp_endpoints(metadata: str, *, sso_binding: str = Saml2.BINDING_HTTP_REDIRECT) -> IdpEndpoints:
    """node-saml sends LogoutRequests and LogoutResponses over HTTP-Redirect only."""
    idp = OneLogin_Saml2_IdPMetadataParser.parse(
        metadata, required_sso_binding=sso_binding, required_slo_binding=Saml2.BINDING_HTTP_REDIRECT
    )["idp"]
    certs = idp.get("x509certMulti", {}).get("signing") or [idp["x509cert"]]
    return IdpEndpoints(
        entity_id=idp["entityId"],
        sso_url=idp["singleSignOnService"]["url"],
        slo_url=idp["singleLogoutService"]["url"],
        certs=certs,
    )


class NodeSamlSP:
    """The running saml_sp.mjs server: one node-saml SP."""

    def __init__(self, process: subprocess.Popen, port: int) -> None:
        self.process = process
        self.base_url = f"http://127.0.0.1:{port}"
        self.entity_id = self.acs_url = self.slo_url = ""
        self.idp: IdpEndpoints | None = None
        self.last_login: dict[str, Any] = {}  # the last /login answer: the AuthnRequest sent

    def call(self, path: str, payload: dict[str, Any] | None = None) -> tuple[int, dict]:
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(  # noqa: S310 (http://loopback)
            self.base_url + path, data=data, method="POST" if data else "GET"
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            with error:
                return error.code, json.loads(error.read())

    def ok(self, path: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        status, body = self.call(path, payload)
        if status != 200 or not body.get("ok"):
            raise NodeSpError(f"node-saml SP {path} answered {status}: {_pretty(body)}")
        return body

    def configure(
        self,
        idp: IdpEndpoints,
        *,
        binding: str = "HTTP-Redirect",
        want_response_signed: bool = True,
        want_assertions_signed: bool = True,
        encrypted: bool = False,
        identifier_format: str = EMAIL_FORMAT,
        skip_request_compression: bool = False,
        validate_in_response_to: str = "always",
    ) -> str:
        """Set node-saml's options; returns the SP metadata node-saml generated."""
        key, cert = credential_create(common_name="node-saml SP signing")
        payload: dict[str, Any] = {
            "idp": {
                "entity_id": idp.entity_id,
                "sso_url": idp.sso_url,
                "slo_url": idp.slo_url,
                "certs": idp.certs,
            },
            "signing": {"key": key, "cert": cert},
            "binding": binding,
            "want_response_signed": want_response_signed,
            "want_assertions_signed": want_assertions_signed,
            "identifier_format": identifier_format,
            "skip_request_compression": skip_request_compression,
            "validate_in_response_to": validate_in_response_to,
        }
        if encrypted:
            enc_key, enc_cert = credential_create(common_name="node-saml SP encryption")
            payload["encryption"] = {"key": enc_key, "cert": enc_cert}
        result = self.ok("/configure", payload)
        self.idp = idp
        self.entity_id, self.acs_url, self.slo_url = (
            result["entity_id"],
            result["acs_url"],
            result["slo_url"],
        )
        return result["metadata"]

    def login(self, relay_state: str = "") -> dict[str, Any]:
        query = urllib.parse.urlencode({"RelayState": relay_state})
        self.last_login = self.ok(f"/login?{query}")
        return self.last_login

    def logout_url(self, name_id: str, relay_state: str = "") -> str:
        query = urllib.parse.urlencode({"nameID": name_id, "RelayState": relay_state})
        return self.ok(f"/logout?{query}")["url"]

    def state(self) -> dict[str, Any]:
        return self.ok("/state")

    def stop(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()  # the server exits when its stdin closes
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        for stream in (self.process.stdout, self.process.stderr):
            if stream:
                stream.close()


def node_sp_start() -> NodeSamlSP:
    process = subprocess.Popen(
        ["node", SP_SCRIPT, str(LIFETIME_SECONDS)],
        cwd=NODE_DIR,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    line = process.stdout.readline()  # empty if node died before listening
    if not line.startswith(b"{"):
        process.kill()
        _, err = process.communicate(timeout=START_TIMEOUT_SECONDS)
        raise NodeSpError(f"{SP_SCRIPT} did not start:\n{err.decode('utf-8', 'replace')}")
    return NodeSamlSP(process, json.loads(line)["port"])


@pytest.fixture(name="node_sp")
def node_sp_fixture(
    node_peer, saml_idp_metadata: str, register_saml_sp
) -> Iterator[Callable[..., NodeSamlSP]]:
    """``node_sp(*register_options, binding=..., nameid="email", **configure)``: a node-saml
    SP server configured from Keyway's metadata and registered with Keyway from the metadata
    node-saml generated (by default with signed response and assertion).

    ``node_peer`` skips without node (fails in CI); each server stops when the test ends.
    """
    started: list[NodeSamlSP] = []

    def start(
        *options: str, binding: str = "HTTP-Redirect", nameid: str = "email", **configure: Any
    ) -> NodeSamlSP:
        started.append(node_sp_start())
        sp = started[-1]
        sso = Saml2.BINDING_HTTP_POST if binding == "HTTP-POST" else Saml2.BINDING_HTTP_REDIRECT
        metadata = sp.configure(
            idp_endpoints(saml_idp_metadata, sso_binding=sso), binding=binding, **configure
        )
        register_saml_sp(metadata, "--nameid-format", nameid, *(options or SIGNED))
        return sp

    yield start
    for sp in started:
        sp.stop()


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


def in_group(user: User, name: str) -> None:
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get_or_create(name=name)[0])


def sign_on_at_node_sp(
    browser: SamlBrowser, sp: NodeSamlSP, user: User, relay_state: str
) -> tuple[SignOn, dict[str, Any]]:
    """The SP starts SSO, the person signs on at Keyway, the browser posts the response to
    the SP's ACS; returns the sign-on and what node-saml said."""
    begun = sp.login(relay_state)
    if begun["binding"] == "HTTP-POST":
        sign_on = browser.sign_on(
            begun["url"],
            fields=begun["fields"],
            from_origin=sp.base_url,
            email=user.email,
            password=PASSWORD,
        )
    else:
        sign_on = browser.sign_on(begun["url"], email=user.email, password=PASSWORD)
    assert sign_on.auto_post.action == sp.acs_url, sign_on.auto_post.page.describe()
    answer = browser.deliver(sign_on.auto_post)
    result = json.loads(answer.body)
    if answer.status != 200 or not result.get("ok"):
        raise NodeSpError(
            f"node-saml refused Keyway's response ({answer.status}): {_pretty(result)}\n"
            f"{decoded(sign_on.auto_post)}"
        )
    return sign_on, result


def decoded(auto_post: AutoPost) -> str:
    message = auto_post.saml_response or auto_post.saml_request or ""
    return base64.b64decode(message).decode("utf-8", "replace")


def signed_elements(xml: str) -> set[str]:
    """Which of Response and Assertion carry an enveloped ds:Signature of their own."""
    from lxml import etree

    root = etree.fromstring(xml.encode())
    signed = set()
    for element in (root, *root.findall(f"{{{Saml2.NS_SAML}}}Assertion")):
        if element.find(f"{{{Saml2.NS_DS}}}Signature") is not None:
            signed.add(etree.QName(element).localname)
    return signed


def request_id(begun: dict[str, Any]) -> str:
    """The ID of the request node-saml sent, given its /login answer or a Redirect URL."""
    if "fields" in begun:
        xml = base64.b64decode(begun["fields"]["SAMLRequest"])
        if not xml.lstrip().startswith(b"<"):  # node-saml deflated it
            xml = zlib.decompress(xml, -15)
    else:
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(begun["url"]).query))
        xml = zlib.decompress(base64.b64decode(query["SAMLRequest"]), -15)
    from lxml import etree

    return etree.fromstring(xml).get("ID")


# --- Tests ---------------------------------------------------------------------------------


def test_node_saml_signs_on_over_redirect_binding_and_validates_signed_response_and_assertion(
    node_sp, saml_issuer, user
):
    in_group(user, "staff")
    in_group(user, "payroll")
    sp = node_sp(*ATTRIBUTES, *GROUP_ATTRIBUTE, *SIGNED)
    assert sp.idp.entity_id == f"{saml_issuer}/saml/metadata"
    browser = SamlBrowser(saml_issuer)

    sign_on, result = sign_on_at_node_sp(browser, sp, user, relay_state="/reports?year=2026")

    assert sign_on.signed_in
    query = urllib.parse.urlsplit(sp.last_login["url"]).query
    assert {"SigAlg", "Signature"} <= set(urllib.parse.parse_qs(query))  # signed by node-saml
    assert signed_elements(decoded(sign_on.auto_post)) == {"Response", "Assertion"}
    profile = result["profile"]
    assert profile["issuer"] == sp.idp.entity_id
    assert profile["nameID"] == user.email
    assert profile["nameIDFormat"] == EMAIL_FORMAT
    assert profile["sessionIndex"]
    assert profile["inResponseTo"]  # node-saml matched it to its own AuthnRequest
    assert profile["attributes"]["email"] == user.email
    assert profile["attributes"]["firstName"] == "Alice"
    assert sorted(profile["attributes"]["groups"]) == ["payroll", "staff"]
    assert result["relay_state"] == "/reports?year=2026"


def test_node_saml_signs_on_over_post_binding_with_a_signed_authn_request(
    node_sp, saml_issuer, user
):
    sp = node_sp(
        *ATTRIBUTES, "--sign-response",
        binding="HTTP-POST", want_assertions_signed=False, skip_request_compression=True,
    )  # fmt: skip
    browser = SamlBrowser(saml_issuer)

    sign_on, result = sign_on_at_node_sp(browser, sp, user, relay_state="deep/link")

    request = base64.b64decode(sp.last_login["fields"]["SAMLRequest"]).decode()
    assert "Signature" in request  # node-saml signed its AuthnRequest XML
    assert signed_elements(decoded(sign_on.auto_post)) == {"Response"}
    assert result["profile"]["inResponseTo"] == request_id(sp.last_login)
    assert result["profile"]["nameID"] == user.email
    assert result["profile"]["attributes"]["firstName"] == "Alice"
    assert result["relay_state"] == "deep/link"


def test_node_saml_with_default_options_signs_on_over_post_binding(node_sp, saml_issuer, user):
    sp = node_sp("--sign-response", binding="HTTP-POST", want_assertions_signed=False)

    _, result = sign_on_at_node_sp(SamlBrowser(saml_issuer), sp, user, relay_state="")

    assert result["profile"]["inResponseTo"] == request_id(sp.last_login)


def test_node_saml_decrypts_an_encrypted_signed_assertion(node_sp, saml_issuer, user):
    sp = node_sp(
        *ATTRIBUTES, "--sign-assertion", "--encrypt-assertion",
        want_response_signed=False, want_assertions_signed=True, encrypted=True,
    )  # fmt: skip
    browser = SamlBrowser(saml_issuer)

    sign_on, result = sign_on_at_node_sp(browser, sp, user, relay_state="")

    xml = decoded(sign_on.auto_post)
    assert "EncryptedAssertion" in xml
    assert user.email not in xml  # neither the NameID nor the attributes travel in clear
    assert result["profile"]["nameID"] == user.email
    assert result["profile"]["attributes"]["email"] == user.email


def test_transient_name_id_is_new_for_every_sign_on_session(node_sp, saml_issuer, user):
    transient = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
    sp = node_sp(*SIGNED, identifier_format=transient, nameid="transient")

    _, first = sign_on_at_node_sp(SamlBrowser(saml_issuer), sp, user, relay_state="")
    _, second = sign_on_at_node_sp(SamlBrowser(saml_issuer), sp, user, relay_state="")

    assert first["profile"]["nameIDFormat"] == transient
    assert first["profile"]["nameID"] != second["profile"]["nameID"]
    assert user.email not in (first["profile"]["nameID"], second["profile"]["nameID"])


def test_idp_initiated_sign_on_is_accepted_by_node_saml(node_sp, saml_issuer, user):
    """An unsolicited response (no InResponseTo) as node-saml accepts it with
    ``validateInResponseTo: "ifPresent"``, the setting for IdP-initiated sign-on."""
    sp = node_sp(*ATTRIBUTES, *SIGNED, "--allow-idp-initiated", validate_in_response_to="ifPresent")
    browser = SamlBrowser(saml_issuer)
    query = urllib.parse.urlencode({"sp": sp.entity_id, "RelayState": "/portal"})

    sign_on = browser.sign_on(
        f"{saml_issuer}/saml/idp-initiated?{query}", email=user.email, password=PASSWORD
    )
    answer = browser.deliver(sign_on.auto_post)

    result = json.loads(answer.body)
    assert answer.status == 200, f"{_pretty(result)}\n{decoded(sign_on.auto_post)}"
    assert "InResponseTo" not in decoded(sign_on.auto_post)
    assert result["profile"]["nameID"] == user.email
    assert result["profile"]["attributes"]["firstName"] == "Alice"
    assert result["relay_state"] == "/portal"


def test_second_sign_on_reuses_the_keyway_session_without_a_sign_in_page(
    node_sp, saml_issuer, user
):
    sp = node_sp()
    browser = SamlBrowser(saml_issuer)
    first, one = sign_on_at_node_sp(browser, sp, user, relay_state="")

    second, two = sign_on_at_node_sp(browser, sp, user, relay_state="")

    assert first.signed_in
    assert not second.signed_in
    assert one["profile"]["inResponseTo"] != two["profile"]["inResponseTo"]
    assert one["profile"]["sessionIndex"] == two["profile"]["sessionIndex"]


def test_post_binding_sign_on_of_a_signed_in_person_asks_no_password(node_sp, saml_issuer, user):
    """The SP's form posts cross-site, so the browser withholds Keyway's SameSite=Lax cookies
    on that POST; Keyway must still recognise the signed-in person (a real browser would
    otherwise ask for the password at every POST-binding sign-on)."""
    sp = node_sp(
        "--sign-response",
        binding="HTTP-POST", want_assertions_signed=False, skip_request_compression=True,
    )  # fmt: skip
    browser = SamlBrowser(saml_issuer)
    first, _ = sign_on_at_node_sp(browser, sp, user, relay_state="")

    second, result = sign_on_at_node_sp(browser, sp, user, relay_state="again")

    assert first.signed_in
    assert not second.signed_in, "asked to sign in again; what Keyway answered:\n" + "\n".join(
        f"{page.status} {page.url} set-cookie: {page.headers.get('set-cookie')}"
        for page in second.pages
    )
    assert result["relay_state"] == "again"


def test_node_saml_refuses_a_replayed_response(node_sp, saml_issuer, user):
    """node-saml forgets an AuthnRequest ID once answered: the same response twice is refused
    (so InResponseTo really is checked against what this SP sent)."""
    sp = node_sp()
    browser = SamlBrowser(saml_issuer)
    sign_on, _ = sign_on_at_node_sp(browser, sp, user, relay_state="")

    replay = browser.deliver(sign_on.auto_post)

    assert replay.status == 400
    assert "InResponseTo" in json.loads(replay.body)["error"]["message"]


def test_node_saml_initiated_logout_gets_a_logout_response_it_validates_and_ends_the_session(
    node_sp, saml_issuer, user
):
    from apps.sso_sessions.models import SignOnSession

    sp = node_sp()
    browser = SamlBrowser(saml_issuer)
    sign_on_at_node_sp(browser, sp, user, relay_state="")
    assert SignOnSession.objects.filter(user=user, ended_at__isnull=True).count() == 1

    # node-saml's signed LogoutRequest over HTTP-Redirect; its SingleLogoutService (from its
    # metadata) is HTTP-POST, so Keyway answers with an auto-post form.
    logout_url = sp.logout_url(user.email, relay_state="bye")
    page = browser.visit(logout_url)
    auto_post = auto_post_form(page)
    assert auto_post is not None, page.describe()
    assert auto_post.saml_response, page.describe()
    assert auto_post.action == sp.slo_url
    assert auto_post.relay_state == "bye"
    answer = browser.deliver(auto_post)

    assert answer.status == 200, f"{answer.body}\n{decoded(auto_post)}"
    received = json.loads(answer.body)
    assert received["logged_out"] is True
    assert received["in_response_to"] == request_id({"url": logout_url})
    assert not SignOnSession.objects.filter(user=user, ended_at__isnull=True).exists()
    # Signed out at Keyway: the next sign-on asks for the password again.
    again, _ = sign_on_at_node_sp(browser, sp, user, relay_state="")
    assert again.signed_in


def test_universal_logout_reaches_node_saml_with_a_logout_request_it_validates(
    node_sp, saml_issuer, user
):
    from apps.sso_sessions.models import DeliveryStatus, LogoutDelivery
    from apps.sso_sessions.services import user_universal_logout

    sp = node_sp()
    _, result = sign_on_at_node_sp(SamlBrowser(saml_issuer), sp, user, relay_state="")

    user_universal_logout(user=user)

    state = sp.state()
    assert state["logout_request_errors"] == [], _pretty(state)
    (received,) = state["logout_requests"]
    assert received["binding"] == "HTTP-POST"
    assert received["signed"] is True  # validatePostRequestAsync checked the XML signature
    assert received["profile"]["issuer"] == sp.idp.entity_id
    assert received["profile"]["nameID"] == user.email
    assert received["profile"]["sessionIndex"] == result["profile"]["sessionIndex"]
    deliveries = LogoutDelivery.objects.filter(party_id=sp.entity_id)
    assert [d.status for d in deliveries] == [DeliveryStatus.DELIVERED]
