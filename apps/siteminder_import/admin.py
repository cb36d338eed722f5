from django.contrib import admin
from django.http import HttpRequest

from apps.siteminder_import.models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Read-only: jobs are started through the management API (or the import command)."""

    list_display = ("created_at", "export_name", "status", "dry_run", "requested_by")
    list_filter = ("status", "dry_run")
    search_fields = ("export_name", "requested_by")
    exclude = ("export_data",)
    readonly_fields = [f.name for f in ImportJob._meta.fields if f.name != "export_data"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ImportJob | None = None) -> bool:
        return False
