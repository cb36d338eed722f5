"""The upstream OpenID provider's redirect back: GET /federation/oidc/<slug>/callback."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.federation.models import SourceKind
from apps.federation.services import oidc_sign_in_complete
from apps.federation.views.completion import sign_in_complete


@never_cache
@require_GET
def oidc_callback(request: HttpRequest, slug: str) -> HttpResponse:
    return sign_in_complete(
        request, slug=slug, kind=SourceKind.OIDC, complete=oidc_sign_in_complete
    )
