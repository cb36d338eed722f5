"""SAML Assertion Consumer Service, HTTP-POST binding: POST /federation/saml/<slug>/acs.

CSRF-exempt: the form is posted by the IdP's page, cross-site, and the SAML response is
itself the proof (signed, addressed here, answering a request Keyway sent and still holds).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from apps.federation.models import SourceKind
from apps.federation.services import saml_sign_in_complete
from apps.federation.views.completion import sign_in_complete


@csrf_exempt
@never_cache
@require_POST
def saml_acs(request: HttpRequest, slug: str) -> HttpResponse:
    return sign_in_complete(
        request, slug=slug, kind=SourceKind.SAML, complete=saml_sign_in_complete
    )
