"""Admin for sign-on sessions: logout deliveries, read-only."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.sso_sessions.models import EndReason, LogoutDelivery, Participant, SignOnSession
from apps.sso_sessions.services import session_end


@admin.register(LogoutDelivery)
class LogoutDeliveryAdmin(admin.ModelAdmin):
    """Every logout notification and the outcome of its attempts, to see which
    applications were told and which could not be reached.

    Read-only: the rows are the record of what Keyway sent; retries belong to the delivery
    task, and an edited outcome would make the record worthless.
    """

    list_display = (
        "created_at",
        "channel",
        "party_id",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
    )
    list_filter = ("status", "channel")
    search_fields = ("party_id", "=sid", "=jti", "user__email")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in LogoutDelivery._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: LogoutDelivery | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: LogoutDelivery | None = None
    ) -> bool:
        return False


# --- Sign-on sessions -----------------------------------------------------------------------


class SessionStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("active", "Active"), ("ended", "Ended")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "active":
            return queryset.filter(ended_at__isnull=True)
        if self.value() == "ended":
            return queryset.filter(ended_at__isnull=False)
        return queryset


class ParticipantInline(admin.TabularInline):
    """The applications the session reached; recorded by the protocols, never edited."""

    model = Participant
    extra = 0
    can_delete = False
    fields = ("kind", "party_id", "session_index", "name_id", "first_seen_at", "last_seen_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: SignOnSession | None = None) -> bool:
        return False


@admin.register(SignOnSession)
class SignOnSessionAdmin(admin.ModelAdmin):
    """Who is signed in where. Every field is read-only: a session changes only by being
    ended, with the "End selected sessions" action, which goes through ``session_end`` like
    any other logout (tokens revoked, applications told, audit event naming the admin)."""

    list_display = (
        "user",
        "created_at",
        "last_activity_at",
        "ip",
        "user_agent_short",
        "ended_at",
        "end_reason",
    )
    list_filter = (SessionStateFilter, "end_reason")
    list_select_related = ("user",)
    search_fields = ("user__email", "=sid")
    date_hierarchy = "created_at"
    ordering = ("-last_activity_at",)
    fields = (
        "sid",
        "user",
        "auth_time",
        "amr",
        "acr",
        "created_at",
        "last_activity_at",
        "idle_expires_at",
        "absolute_expires_at",
        "ip",
        "user_agent",
        "ended_at",
        "end_reason",
    )
    readonly_fields = fields
    inlines = (ParticipantInline,)
    actions = ("end_sessions",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: SignOnSession | None = None) -> bool:
        # Deleting would skip the logout: no token revocation, no notifications, no record.
        return False

    @admin.display(description="user agent", ordering="user_agent")
    def user_agent_short(self, obj: SignOnSession) -> str:
        return obj.user_agent if len(obj.user_agent) <= 60 else obj.user_agent[:59] + "…"

    @admin.action(description="End selected sessions", permissions=["change"])
    def end_sessions(self, request: HttpRequest, queryset: QuerySet[SignOnSession]) -> None:
        ended = 0
        for session in queryset.filter(ended_at__isnull=True).select_related("user"):
            session_end(
                session=session, reason=EndReason.ADMIN, request=request, actor=request.user
            )
            ended += 1
        skipped = queryset.count() - ended
        message = f"Ended {ended} session(s)."
        if skipped:
            message += f" {skipped} had already ended."
        self.message_user(request, message, messages.SUCCESS)
