"""IdP metadata (SAML Metadata 2.4.3), optionally signed (Metadata 3)."""

from __future__ import annotations

import datetime

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from lxml import etree

from apps.common.conf import keyway_settings
from apps.saml_idp import selectors
from apps.saml_idp.credentials import certificates_published, signer_current
from apps.saml_idp.models import NameIdFormat
from apps.saml_idp.processors.metadata import IdpFacts, idp_metadata_build
from apps.saml_idp.processors.signatures import element_sign

CONTENT_TYPE = "application/samlmetadata+xml"


@require_GET
def metadata(request: HttpRequest) -> HttpResponse:
    facts = IdpFacts(
        entity_id=selectors.idp_entity_id(),
        sso_url=selectors.idp_sso_url(),
        slo_url=selectors.idp_slo_url(),
        certificates=tuple(certificates_published()),
        nameid_formats=tuple(NameIdFormat.values),
        valid_until=timezone.now()
        + datetime.timedelta(days=keyway_settings.SAML_METADATA_VALID_DAYS),
    )
    document = idp_metadata_build(facts)
    if keyway_settings.SAML_SIGN_METADATA:
        signer = signer_current()
        document = element_sign(document, key_pem=signer.key_pem, cert_pem=signer.cert_pem)
    response = HttpResponse(
        etree.tostring(document, encoding="utf-8", xml_declaration=True), content_type=CONTENT_TYPE
    )
    response["Cache-Control"] = "public, max-age=3600"
    return response
