"""Admin for the access model. Every save or delete bumps the policy snapshot version
(``services.policies_version_bump``) so decisions see the change at once."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from apps.policies.models import (
    Application,
    GroupNesting,
    Policy,
    PolicyRule,
    PolicySubject,
    Realm,
    Response,
    ResponseEntry,
    Rule,
)
from apps.policies.services import policies_version_bump


class VersionBumping(admin.ModelAdmin):
    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        policies_version_bump()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        policies_version_bump()

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        super().delete_model(request, obj)
        policies_version_bump()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        super().delete_queryset(request, queryset)
        policies_version_bump()


class RuleInline(admin.TabularInline):
    model = Rule
    extra = 0
    fields = ("name", "resource", "match", "methods", "allow", "enabled", "unsupported")


@admin.register(Application)
class ApplicationAdmin(VersionBumping):
    list_display = ("name", "kind", "party_id", "hosts", "source_xid")
    list_filter = ("kind",)
    search_fields = ("name", "party_id", "source_xid")


@admin.register(Realm)
class RealmAdmin(VersionBumping):
    list_display = ("name", "application", "resource_filter", "protect_all", "required_acr")
    list_filter = ("protect_all", "required_acr")
    search_fields = ("name", "resource_filter", "source_xid")
    raw_id_fields = ("application", "parent")
    inlines = [RuleInline]


@admin.register(Rule)
class RuleAdmin(VersionBumping):
    list_display = ("name", "realm", "resource", "match", "methods", "allow", "enabled")
    list_filter = ("allow", "enabled", "match")
    search_fields = ("name", "resource", "source_xid")
    raw_id_fields = ("realm",)


class PolicySubjectInline(admin.TabularInline):
    model = PolicySubject
    extra = 0
    fields = ("kind", "value", "attribute", "exclude", "recursive", "resolved", "source_dn")


class PolicyRuleInline(admin.TabularInline):
    model = PolicyRule
    extra = 0
    fields = ("name", "rule", "response")
    raw_id_fields = ("rule", "response")


@admin.register(Policy)
class PolicyAdmin(VersionBumping):
    list_display = ("name", "enabled", "allow", "match_all", "source_xid")
    list_filter = ("enabled", "allow")
    search_fields = ("name", "source_xid")
    inlines = [PolicySubjectInline, PolicyRuleInline]


class ResponseEntryInline(admin.TabularInline):
    model = ResponseEntry
    extra = 0
    fields = ("kind", "name", "value", "user_attribute")


@admin.register(Response)
class ResponseAdmin(VersionBumping):
    list_display = ("name", "source_xid")
    search_fields = ("name", "source_xid")
    inlines = [ResponseEntryInline]


@admin.register(GroupNesting)
class GroupNestingAdmin(VersionBumping):
    list_display = ("group", "member")
    search_fields = ("group", "member")
