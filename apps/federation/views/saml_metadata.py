"""Keyway's SP metadata for one upstream IdP: GET /federation/saml/<slug>/metadata
(SAML Metadata 2.0 section 2.4.4: SPSSODescriptor with the signing certificate, the ACS
and the SLO endpoint). The URL is also the SP's entity id."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from apps.federation.models import SourceKind
from apps.federation.selectors import source_get
from apps.federation.services import sp_metadata_xml
from apps.federation.views.rejection import unknown_source


@require_GET
def saml_metadata(request: HttpRequest, slug: str) -> HttpResponse:
    source = source_get(slug=slug, kind=SourceKind.SAML)
    if source is None:
        return unknown_source(request)
    return HttpResponse(sp_metadata_xml(source=source), content_type="application/samlmetadata+xml")
