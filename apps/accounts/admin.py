from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.accounts.models import User
from apps.sso_sessions.services import user_universal_logout


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = UserCreationForm
    form = UserEditForm
    ordering = ("email",)
    list_display = (
        "email",
        "display_name",
        "given_name",
        "family_name",
        "is_active",
        "is_staff",
        "last_login",
    )
    list_filter = ("is_active", "is_staff", "is_superuser", "groups")
    search_fields = ("email", "given_name", "family_name", "display_name", "=subject")
    # A lock is set and lifted through the management API (it also ends sessions).
    readonly_fields = ("subject", "last_login", "date_joined", "locked_at")
    actions = ("sign_out_everywhere",)
    fieldsets = (
        (None, {"fields": ("email", "password", "subject")}),
        ("Names", {"fields": ("given_name", "family_name", "display_name")}),
        (
            "Access",
            {
                "fields": (
                    "is_active",
                    "locked_at",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )

    @admin.action(description="Sign out everywhere and revoke all tokens", permissions=["change"])
    def sign_out_everywhere(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        """Universal logout for each selected person: every session ends, every token is
        revoked (offline_access too) and every application is told."""
        sessions = deliveries = 0
        for user in queryset:
            result = user_universal_logout(user=user, request=request, actor=request.user)
            sessions += result.sessions_ended
            deliveries += len(result.deliveries)
        self.message_user(
            request,
            f"Signed {queryset.count()} user(s) out everywhere: {sessions} session(s) ended, "
            f"{deliveries} logout notification(s) queued.",
            messages.SUCCESS,
        )
