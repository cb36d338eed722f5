from __future__ import annotations

from rest_framework import serializers


class _Keyed(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    source_xid = serializers.CharField(allow_null=True)


class ApplicationOut(_Keyed):
    kind = serializers.CharField()
    party_id = serializers.CharField()
    hosts = serializers.ListField(child=serializers.CharField())
    base_path = serializers.CharField()


class RealmOut(_Keyed):
    application = serializers.IntegerField(source="application_id")
    parent = serializers.IntegerField(source="parent_id", allow_null=True)
    resource_filter = serializers.CharField()
    protect_all = serializers.BooleanField()
    required_acr = serializers.CharField()
    auth_scheme = serializers.CharField()
    idle_timeout = serializers.IntegerField(allow_null=True)
    max_timeout = serializers.IntegerField(allow_null=True)
    persistent_session = serializers.BooleanField()


class RuleOut(_Keyed):
    realm = serializers.IntegerField(source="realm_id")
    resource = serializers.CharField()
    match = serializers.CharField()
    methods = serializers.ListField(child=serializers.CharField())
    allow = serializers.BooleanField()
    enabled = serializers.BooleanField()
    unsupported = serializers.CharField()


class PolicySubjectOut(serializers.Serializer):
    kind = serializers.CharField()
    value = serializers.CharField()
    attribute = serializers.CharField()
    exclude = serializers.BooleanField()
    recursive = serializers.BooleanField()
    resolved = serializers.BooleanField()


class PolicyBindingOut(serializers.Serializer):
    rule = serializers.IntegerField(source="rule_id")
    response = serializers.IntegerField(source="response_id", allow_null=True)


class PolicyOut(_Keyed):
    enabled = serializers.BooleanField()
    allow = serializers.BooleanField()
    match_all = serializers.BooleanField()
    ip_networks = serializers.ListField(child=serializers.CharField())
    subjects = PolicySubjectOut(many=True, source="subjects.all")
    bindings = PolicyBindingOut(many=True, source="bindings.all")
