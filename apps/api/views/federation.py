"""/api/v1/identity-providers: upstream SAML and OpenID Connect identity providers
(federation sources), addressed by slug."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.serializers import federation as s
from apps.api.views.base import ApiView, found
from apps.federation.errors import FederationRejected
from apps.federation.selectors import source_by_slug, sources_list
from apps.federation.services import oidc_source_register, saml_source_register, source_change


def _rejected(error: FederationRejected) -> ValidationError:
    return ValidationError({"metadata": [f"{error.reason}: {error.detail}".rstrip(": ")]})


class SourceList(ApiView):
    @extend_schema(responses=s.SourceOut(many=True), operation_id="identity_providers_list")
    def get(self, request: Request) -> Response:
        return self.page(sources_list(), s.SourceOut)

    @extend_schema(
        request=s.SourceCreate,
        responses={201: s.SourceOut},
        operation_id="identity_providers_create",
    )
    def post(self, request: Request) -> Response:
        data = dict(self.valid(s.SourceCreate))
        common = {k: data[k] for k in ("name", "slug", "domains", "link_rule", "attribute_map")}
        try:
            if data["kind"] == "saml":
                source = saml_source_register(metadata=data["metadata"], **common)
            else:
                source = oidc_source_register(
                    discovery_url=data["discovery_url"],
                    client_id=data["client_id"],
                    client_secret=data["client_secret"],
                    scopes=data["scopes"],
                    **common,
                )
        except FederationRejected as error:
            raise _rejected(error) from None
        return self.out(
            s.SourceOut,
            source,
            201,
            headers={"Location": f"/api/v1/identity-providers/{source.slug}"},
        )


class SourceDetail(ApiView):
    @extend_schema(responses=s.SourceOut, operation_id="identity_providers_read")
    def get(self, request: Request, slug: str) -> Response:
        return self.out(s.SourceOut, found(source_by_slug(slug=slug)))

    @extend_schema(
        request=s.SourceUpdate, responses=s.SourceOut, operation_id="identity_providers_update"
    )
    def patch(self, request: Request, slug: str) -> Response:
        source = found(source_by_slug(slug=slug))
        fields = dict(self.valid(s.SourceUpdate))
        metadata, secret = fields.pop("metadata", ""), fields.pop("client_secret", "")
        try:
            source = source_change(
                source=source, fields=fields, metadata=metadata, client_secret=secret
            )
        except FederationRejected as error:
            raise _rejected(error) from None
        return self.out(s.SourceOut, source)
