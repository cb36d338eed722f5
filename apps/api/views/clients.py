"""/api/v1/clients: OpenID Connect relying parties, addressed by ``client_id``."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.serializers import clients as s
from apps.api.views.base import ApiView, found
from apps.oidc_provider.client_services import (
    client_change,
    client_create,
    client_deactivate,
    client_secret_rotate,
)
from apps.oidc_provider.selectors import client_by_id, clients_list


class ClientFilters(serializers.Serializer):
    is_active = serializers.BooleanField(required=False, allow_null=True, default=None)
    client_type = serializers.ChoiceField(choices=s.CLIENT_TYPES, required=False)


class ClientList(ApiView):
    answers_with_secret = True

    @extend_schema(
        parameters=[ClientFilters], responses=s.ClientOut(many=True), operation_id="clients_list"
    )
    def get(self, request: Request) -> Response:
        return self.page(
            clients_list(**self.valid(ClientFilters, request.query_params)), s.ClientOut
        )

    @extend_schema(
        request=s.ClientCreate, responses={201: s.ClientCreatedOut}, operation_id="clients_create"
    )
    def post(self, request: Request) -> Response:
        client, secret = client_create(**self.valid(s.ClientCreate), request=request)
        body = {**s.ClientOut(client).data, "client_secret": secret}
        return Response(
            body, status=201, headers={"Location": f"/api/v1/clients/{client.client_id}"}
        )


class ClientDetail(ApiView):
    @extend_schema(responses=s.ClientOut, operation_id="clients_read")
    def get(self, request: Request, client_id: str) -> Response:
        return self.out(s.ClientOut, found(client_by_id(client_id=client_id)))

    @extend_schema(request=s.ClientUpdate, responses=s.ClientOut, operation_id="clients_update")
    def patch(self, request: Request, client_id: str) -> Response:
        client = found(client_by_id(client_id=client_id))
        fields = self.valid(s.ClientUpdate)
        return self.out(s.ClientOut, client_change(client=client, fields=fields, request=request))

    @extend_schema(responses={204: None}, operation_id="clients_deactivate")
    def delete(self, request: Request, client_id: str) -> Response:
        """Deactivate the client (it gets invalid_client from now on); kept for the audit trail."""
        client_deactivate(client=found(client_by_id(client_id=client_id)), request=request)
        return Response(status=204)


class ClientSecretRotate(ApiView):
    answers_with_secret = True

    @extend_schema(request=None, responses=s.SecretOut, operation_id="clients_secret_rotate")
    def post(self, request: Request, client_id: str) -> Response:
        client = found(client_by_id(client_id=client_id))
        secret = client_secret_rotate(client=client, request=request)
        return Response({"client_id": client.client_id, "client_secret": secret})
