"""/api/v1/policies/...: the access model, read-only (it is written by imports and the admin)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.serializers import policies as s
from apps.api.views.base import ApiView
from apps.policies.selectors import applications_list, policies_list, realms_list, rules_list


class RealmFilters(serializers.Serializer):
    application = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


class RuleFilters(serializers.Serializer):
    realm = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


class ApplicationList(ApiView):
    @extend_schema(responses=s.ApplicationOut(many=True), operation_id="policies_applications_list")
    def get(self, request: Request) -> Response:
        return self.page(applications_list(), s.ApplicationOut)


class RealmList(ApiView):
    @extend_schema(
        parameters=[RealmFilters],
        responses=s.RealmOut(many=True),
        operation_id="policies_realms_list",
    )
    def get(self, request: Request) -> Response:
        filters = self.valid(RealmFilters, request.query_params)
        return self.page(realms_list(application_id=filters.get("application")), s.RealmOut)


class RuleList(ApiView):
    @extend_schema(
        parameters=[RuleFilters], responses=s.RuleOut(many=True), operation_id="policies_rules_list"
    )
    def get(self, request: Request) -> Response:
        filters = self.valid(RuleFilters, request.query_params)
        return self.page(rules_list(realm_id=filters.get("realm")), s.RuleOut)


class PolicyList(ApiView):
    @extend_schema(responses=s.PolicyOut(many=True), operation_id="policies_list")
    def get(self, request: Request) -> Response:
        return self.page(policies_list(), s.PolicyOut)
