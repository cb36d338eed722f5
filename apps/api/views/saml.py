"""/api/v1/saml/service-providers: SAML SPs, registered from their metadata."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.serializers import saml as s
from apps.api.views.base import ApiView, found
from apps.saml_idp.processors.xml import SamlError
from apps.saml_idp.selectors import sp_by_id, sps_list
from apps.saml_idp.services import (
    NAMEID_FORMATS,
    sp_change,
    sp_delete,
    sp_metadata_fetch,
    sp_metadata_parse,
    sp_register,
)


def _settings(data: dict) -> dict:
    if "nameid_format" in data:
        data["nameid_format"] = NAMEID_FORMATS[data["nameid_format"]]
    return data


class ServiceProviderList(ApiView):
    @extend_schema(responses=s.ServiceProviderOut(many=True), operation_id="saml_sps_list")
    def get(self, request: Request) -> Response:
        return self.page(sps_list(), s.ServiceProviderOut)

    @extend_schema(
        request=s.ServiceProviderCreate,
        responses={201: s.ServiceProviderOut, 200: s.ServiceProviderOut},
        operation_id="saml_sps_register",
    )
    def post(self, request: Request) -> Response:
        """Register (201) or, for an entity ID already known, update (200) from metadata."""
        data = _settings(dict(self.valid(s.ServiceProviderCreate)))
        xml, url = data.pop("metadata_xml", None), data.pop("metadata_url", "")
        try:
            if url:
                metadata, url = sp_metadata_fetch(source=url)
            else:
                metadata = sp_metadata_parse(data=xml.encode("utf-8"))
            sp, created = sp_register(metadata=metadata, metadata_url=url, request=request, **data)
        except SamlError as error:
            field = "metadata_url" if url else "metadata_xml"
            raise ValidationError({field: [str(error)]}) from None
        return self.out(
            s.ServiceProviderOut,
            sp,
            201 if created else 200,
            headers={"Location": f"/api/v1/saml/service-providers/{sp.pk}"},
        )


class ServiceProviderDetail(ApiView):
    @extend_schema(responses=s.ServiceProviderOut, operation_id="saml_sps_read")
    def get(self, request: Request, pk: int) -> Response:
        return self.out(s.ServiceProviderOut, found(sp_by_id(pk=pk)))

    @extend_schema(
        request=s.ServiceProviderUpdate,
        responses=s.ServiceProviderOut,
        operation_id="saml_sps_update",
    )
    def patch(self, request: Request, pk: int) -> Response:
        sp = found(sp_by_id(pk=pk))
        fields = _settings(dict(self.valid(s.ServiceProviderUpdate)))
        try:
            return self.out(s.ServiceProviderOut, sp_change(sp=sp, fields=fields, request=request))
        except SamlError as error:
            raise ValidationError({"body": [str(error)]}) from None

    @extend_schema(responses={204: None}, operation_id="saml_sps_delete")
    def delete(self, request: Request, pk: int) -> Response:
        sp_delete(sp=found(sp_by_id(pk=pk)), request=request)
        return Response(status=204)
