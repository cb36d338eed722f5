from django.contrib import admin
from django.http import HttpRequest

from apps.audit.models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Read-only: an audit log that administrators could edit would prove nothing."""

    list_display = ("created_at", "type", "outcome", "actor_email", "ip")
    list_filter = ("type", "outcome")
    search_fields = ("actor_email", "=actor_subject", "=ip")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Event._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Event | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Event | None = None) -> bool:
        return False
