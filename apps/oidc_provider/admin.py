"""Admin pages for the OpenID Provider."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.hashers import identify_hasher
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.template.backends.django import Template
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from apps.oidc_provider import client_services
from apps.oidc_provider.keys import KeyTimes, signing_key_statuses
from apps.oidc_provider.models import (
    GRANT_AUTHORIZATION_CODE,
    GRANT_CLIENT_CREDENTIALS,
    GRANT_REFRESH_TOKEN,
    Client,
    SigningKey,
    TokenEndpointAuthMethod,
    default_auth_method,
)

# --- Clients -------------------------------------------------------------------------------

_GRANT_TYPE_CHOICES = [
    (GRANT_AUTHORIZATION_CODE, "authorization_code: people sign in through the browser"),
    (GRANT_REFRESH_TOKEN, "refresh_token: stay signed in (rotated on every use)"),
    (GRANT_CLIENT_CREDENTIALS, "client_credentials: service to service, confidential only"),
]


class UriListField(forms.CharField):
    """URIs one per line in the form, stored space-separated as DOT expects.

    Each line is kept verbatim (no normalisation): redirect URIs are compared as plain
    strings (RFC 6749 section 3.1.2.3, OIDC Core 3.1.2.1), so what is registered here is
    exactly what a relying party must send.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 3, "cols": 80}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        lines = [line.strip() for line in (super().to_python(value) or "").splitlines()]
        lines = [line for line in lines if line]
        # A space inside a line would silently turn one URI into two registrations.
        for line in lines:
            if any(ch.isspace() for ch in line):
                raise ValidationError(f"One URI per line; a URI cannot contain spaces: {line}")
        return " ".join(dict.fromkeys(lines))


def _formfield(field: models.Field, **kwargs: Any) -> Any:
    # A URL typed without a scheme means https (Django 6's default; explicit to be sure).
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


class ClientForm(forms.ModelForm):
    grant_types = forms.MultipleChoiceField(
        choices=_GRANT_TYPE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text="Implicit and password grants are not offered (RFC 9700 section 2.1.2, 2.4).",
    )
    allowed_scopes = forms.MultipleChoiceField(
        choices=(),  # filled in __init__ from the settings
        widget=forms.CheckboxSelectMultiple,
        label="Allowed scopes",
    )
    redirect_uris = UriListField(
        required=False,
        label="Redirect URIs",
        help_text="One per line, compared exactly: a trailing slash, letter case or extra query "
        "makes a different URI. https, or http only for 127.0.0.1, [::1] and localhost.",
    )
    post_logout_redirect_uris = UriListField(
        required=False,
        label="Post-logout redirect URIs",
        help_text="One per line. Where RP-initiated logout may send people back to.",
    )
    backchannel_logout_uri = forms.URLField(
        required=False,
        max_length=2000,
        assume_scheme="https",
        label="Back-channel logout URI",
        help_text="Where Keyway POSTs logout tokens (Back-Channel Logout 1.0). https.",
    )
    token_endpoint_auth_method = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Default: client_secret_basic if confidential, none if public"),
            *TokenEndpointAuthMethod.choices,
        ],
        label="Token endpoint auth method",
    )

    class Meta:
        model = Client
        formfield_callback = _formfield
        # What the admin may edit; never client_secret, hash_client_secret or DOT's derived
        # authorization_grant_type (ClientAdmin.get_fieldsets picks per page).
        fields = (
            "name",
            "client_type",
            "is_active",
            "redirect_uris",
            "post_logout_redirect_uris",
            "grant_types",
            "allowed_scopes",
            "skip_authorization",
            "token_endpoint_auth_method",
            "algorithm",
            "backchannel_logout_uri",
            "backchannel_logout_session_required",
            "frontchannel_logout_uri",
            "frontchannel_logout_session_required",
            "session_max_age",
            "session_idle_timeout",
            "required_acr",
            "may_introspect",
        )
        labels = {"skip_authorization": "Skip consent"}
        help_texts = {
            "skip_authorization": "First-party client: people are not asked for consent.",
            "algorithm": "How ID tokens for this client are signed (id_token_signed_response_alg).",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["allowed_scopes"].choices = [
            (scope, f"{scope}: {description}")
            for scope, description in client_services.known_scopes().items()
        ]
        if self.instance.pk is None:
            self.initial.setdefault("grant_types", list(client_services.DEFAULT_GRANT_TYPES))
            self.initial.setdefault("allowed_scopes", list(client_services.DEFAULT_SCOPES))
            self.initial["token_endpoint_auth_method"] = ""
        for name in ("redirect_uris", "post_logout_redirect_uris"):
            if isinstance(self.initial.get(name), str):
                self.initial[name] = "\n".join(self.initial[name].split())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        client_type = cleaned.get("client_type") or self.instance.client_type
        if "token_endpoint_auth_method" in self.fields and not cleaned.get(
            "token_endpoint_auth_method"
        ):
            cleaned["token_endpoint_auth_method"] = default_auth_method(client_type)
        # The rules client_create adds to Client.clean(): checked here too, so that the
        # service called on save cannot fail after the form said yes.
        problems = client_services.client_metadata_errors(
            name=cleaned.get("name", self.instance.name) or "",
            redirect_uris=(cleaned.get("redirect_uris") or "").split(),
            post_logout_redirect_uris=(cleaned.get("post_logout_redirect_uris") or "").split(),
            backchannel_logout_uri=cleaned.get("backchannel_logout_uri") or "",
            grant_types=cleaned.get("grant_types") or [],
            scopes=cleaned.get("allowed_scopes") or [],
        )
        for field, field_messages in problems.items():
            if field not in self.errors:  # else the field's own validation said it already
                self.add_error(field, field_messages)
        return cleaned

    def add_error(self, field: str | None, error: Any) -> None:
        """Like ModelForm's, but an error for a field this form does not show (Client.clean()
        may name one that is read-only here) becomes a form error instead of a ValueError,
        so the admin always answers with the form and its messages, never a 500."""
        if not isinstance(error, ValidationError):
            error = ValidationError(error)
        if field is not None and field not in self.fields:
            error = ValidationError({field: error.error_list})
            field = None
        if field is None and hasattr(error, "error_dict"):
            kept: dict[str, list[ValidationError]] = {}
            for name, errors in error.error_dict.items():
                if name == NON_FIELD_ERRORS or name in self.fields:
                    kept.setdefault(name, []).extend(errors)
                else:
                    kept.setdefault(NON_FIELD_ERRORS, []).extend(
                        ValidationError(f"{name}: {message}")
                        for item in errors
                        for message in item.messages
                    )
            error = ValidationError(kept)
        super().add_error(field, error)


_SECRETS_TEMPLATE = """{% extends "admin/base_site.html" %}
{% block bodyclass %}{{ block.super }} app-{{ opts.app_label }}
 model-{{ opts.model_name }}{% endblock %}
{% block breadcrumbs %}<div class="breadcrumbs">
<a href="{% url 'admin:index' %}">Home</a>
&rsaquo; <a href="{{ changelist_url }}">{{ opts.verbose_name_plural|capfirst }}</a>
&rsaquo; {{ title }}
</div>{% endblock %}
{% block content %}
<p><strong>Copy each client secret now. It is shown only this once: Keyway keeps only a hash
and cannot display it again.</strong> If it is lost, rotate it.</p>
{% for row in issued %}
<fieldset class="module aligned">
<h2>{{ row.client }}</h2>
<div class="form-row"><label for="client-id-{{ forloop.counter }}">client_id</label>
<input type="text" id="client-id-{{ forloop.counter }}" class="vTextField" readonly
 value="{{ row.client.client_id }}" autocomplete="off" spellcheck="false"></div>
<div class="form-row"><label for="client-secret-{{ forloop.counter }}">client_secret</label>
<input type="text" id="client-secret-{{ forloop.counter }}" class="vLargeTextField" readonly
 value="{{ row.secret }}" autocomplete="off" spellcheck="false"></div>
<div class="form-row"><a href="{{ row.change_url }}">Open {{ row.client }}</a></div>
</fieldset>
{% endfor %}
<p><a class="button" href="{{ changelist_url }}">Back to the clients</a></p>
{% endblock %}
"""

_ROTATE_CONFIRM_TEMPLATE = """{% extends "admin/base_site.html" %}
{% load l10n %}
{% block bodyclass %}{{ block.super }} app-{{ opts.app_label }}
 model-{{ opts.model_name }}{% endblock %}
{% block breadcrumbs %}<div class="breadcrumbs">
<a href="{% url 'admin:index' %}">Home</a>
&rsaquo; <a href="{{ changelist_url }}">{{ opts.verbose_name_plural|capfirst }}</a>
&rsaquo; {{ title }}
</div>{% endblock %}
{% block content %}
<p>Each client below gets a new secret, shown once on the next page.
<strong>Its current secret stops working immediately</strong>: the relying party fails to
authenticate until it is given the new one.</p>
<ul>{% for client in clients %}<li>{{ client }} ({{ client.client_id }})</li>{% endfor %}</ul>
<form method="post">{% csrf_token %}
<div>
{% for client in clients %}
<input type="hidden" name="{{ action_checkbox_name }}" value="{{ client.pk|unlocalize }}">
{% endfor %}
<input type="hidden" name="action" value="rotate_secret">
<input type="hidden" name="post" value="yes">
<input type="submit" value="Yes, rotate">
<a href="{{ changelist_url }}" class="button cancel-link">No, take me back</a>
</div>
</form>
{% endblock %}
"""


@cache
def _template(source: str) -> Template:
    # Inline so these pages ship with the admin module itself; compiled once per process.
    return engines["django"].from_string(source)


# DOT's admin module (imported first: oauth2_provider comes before this app in
# INSTALLED_APPS) registers its generic ApplicationAdmin for the swapped model.
if admin.site.is_registered(Client):
    admin.site.unregister(Client)


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    """Relying parties. The secret is generated on add and on rotation and shown once, in
    the response to that very request: it is never put in a message cookie, the session or
    the database in plaintext."""

    form = ClientForm
    list_display = (
        "name",
        "client_id",
        "client_type",
        "grant_types_display",
        "is_active",
        "skip_consent_display",
    )
    list_filter = (
        "client_type",
        "is_active",
        "skip_authorization",
        "token_endpoint_auth_method",
        "algorithm",
    )
    # Never the secret column: searching it would put guesses in URLs and access logs.
    search_fields = ("name", "=client_id", "redirect_uris")
    ordering = ("name",)
    actions = ("rotate_secret", "deactivate")
    radio_fields = {"client_type": admin.HORIZONTAL}
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    _common_fieldsets: tuple[tuple[str, dict[str, Any]], ...] = (
        ("Redirects", {"fields": ("redirect_uris", "post_logout_redirect_uris")}),
        ("Grants and scopes", {"fields": ("grant_types", "allowed_scopes", "skip_authorization")}),
        ("Tokens", {"fields": ("token_endpoint_auth_method", "algorithm")}),
    )
    _session_fieldsets: tuple[tuple[str, dict[str, Any]], ...] = (
        (
            "Session policy (stricter than the global one)",
            {"fields": ("session_max_age", "session_idle_timeout", "required_acr")},
        ),
    )

    def get_fieldsets(
        self, request: HttpRequest, obj: Client | None = None
    ) -> list[tuple[str | None, dict[str, Any]]]:
        if obj is None:
            return [
                (None, {"fields": ("name", "client_type")}),
                *self._common_fieldsets,
                ("Logout", {"fields": ("backchannel_logout_uri", "frontchannel_logout_uri")}),
                *self._session_fieldsets,
            ]
        return [
            (
                None,
                {
                    "fields": (
                        "name",
                        "client_id",
                        "client_type",
                        "client_secret_status",
                        "is_active",
                        "created",
                        "updated",
                    )
                },
            ),
            *self._common_fieldsets,
            (
                "Logout",
                {
                    "fields": (
                        "backchannel_logout_uri",
                        "backchannel_logout_session_required",
                        "frontchannel_logout_uri",
                        "frontchannel_logout_session_required",
                    )
                },
            ),
            *self._session_fieldsets,
            ("Resource server", {"fields": ("may_introspect",)}),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Client | None = None) -> tuple:
        if obj is None:
            return ()
        # The type decides whether a secret exists at all: register a new client instead
        # of turning a public one (no secret) into a confidential one or back.
        return ("client_id", "client_type", "client_secret_status", "created", "updated")

    @admin.display(description="grant types")
    def grant_types_display(self, obj: Client) -> str:
        return ", ".join(obj.grant_types)

    @admin.display(description="skip consent", boolean=True, ordering="skip_authorization")
    def skip_consent_display(self, obj: Client) -> bool:
        return obj.skip_authorization

    @admin.display(description="client secret")
    def client_secret_status(self, obj: Client) -> str:
        # Only the algorithm: even the salted hash is nobody's business on this page.
        if obj.is_public:
            return "None: a public client has no secret and uses PKCE."
        try:
            algorithm = identify_hasher(obj.client_secret).algorithm
        except ValueError:
            return "Stored unhashed: rotate it now."
        return (
            f"Set, stored as a {algorithm} hash. It was shown once, when created or rotated; "
            "use the “Rotate secret” action to issue a new one."
        )

    # -- add: the service creates the client, the response shows the secret once ----------

    def save_form(self, request: HttpRequest, form: ClientForm, change: bool) -> Client:
        if change:
            return form.save(commit=False)
        data = form.cleaned_data
        client, secret = client_services.client_create(
            name=data["name"],
            client_type=data["client_type"],
            redirect_uris=data["redirect_uris"].split(),
            post_logout_redirect_uris=data["post_logout_redirect_uris"].split(),
            backchannel_logout_uri=data.get("backchannel_logout_uri") or "",
            grant_types=data["grant_types"],
            scopes=data["allowed_scopes"],
            skip_consent=data["skip_authorization"],
            token_endpoint_auth_method=data["token_endpoint_auth_method"],
            algorithm=data["algorithm"],
            request=request,
        )
        # Kept on this request's object only, until response_add renders it.
        client._new_secret = secret
        return client

    def save_model(self, request: HttpRequest, obj: Client, form: ClientForm, change: bool) -> None:
        if change:
            client_services.client_update(client=obj, changed=form.changed_data, request=request)
        # On add, client_create in save_form has saved it already.

    def save_related(
        self, request: HttpRequest, form: ClientForm, formsets: Iterable, change: bool
    ) -> None:
        if change:
            super().save_related(request, form, formsets, change)
        # On add there is nothing related to save (Client has no many-to-many fields or
        # inlines), and form.save_m2m does not exist because the service did the saving.

    def response_add(
        self, request: HttpRequest, obj: Client, post_url_continue: str | None = None
    ) -> HttpResponse:
        secret = obj.__dict__.pop("_new_secret", None)
        if secret is None:  # a public client: nothing to show, the usual redirect
            return super().response_add(request, obj, post_url_continue)
        self.message_user(request, f"The client “{obj}” was added.", messages.SUCCESS)
        return self._secrets_response(request, [(obj, secret)], title="Client created")

    # -- actions ---------------------------------------------------------------------------

    @admin.action(description="Rotate secret", permissions=["change"])
    def rotate_secret(
        self, request: HttpRequest, queryset: QuerySet[Client]
    ) -> HttpResponse | None:
        clients = list(queryset.filter(client_type=Client.CLIENT_CONFIDENTIAL))
        skipped = queryset.count() - len(clients)
        if skipped:
            self.message_user(
                request,
                f"Skipped {skipped} public client(s): they have no secret.",
                messages.WARNING,
            )
        if not clients:
            return None
        # Rotation breaks the relying party until it has the new secret: confirm first,
        # the way Django's own "delete selected" does.
        if request.POST.get("post") != "yes":
            context = {
                **self._page_context(request, title="Rotate client secrets"),
                "clients": clients,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, _template(_ROTATE_CONFIRM_TEMPLATE), context)
        issued = [
            (client, client_services.client_secret_rotate(client=client, request=request))
            for client in clients
        ]
        self.message_user(
            request, f"Rotated the secret of {len(issued)} client(s).", messages.SUCCESS
        )
        return self._secrets_response(request, issued, title="New client secrets")

    @admin.action(description="Deactivate selected clients", permissions=["change"])
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Client]) -> None:
        active = list(queryset.filter(is_active=True))
        for client in active:
            client_services.client_deactivate(client=client, request=request)
        self.message_user(request, f"Deactivated {len(active)} client(s).", messages.SUCCESS)

    # -- the one-time secret page ----------------------------------------------------------

    def _page_context(self, request: HttpRequest, *, title: str) -> dict[str, Any]:
        opts = self.model._meta
        return {
            **self.admin_site.each_context(request),
            "opts": opts,
            "title": title,
            "changelist_url": self._url("changelist"),
        }

    def _url(self, view: str, *args: Any) -> str:
        opts = self.model._meta
        return reverse(
            f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_{view}", args=args
        )

    def _secrets_response(
        self, request: HttpRequest, issued: list[tuple[Client, str]], *, title: str
    ) -> HttpResponse:
        rows = [
            {"client": client, "secret": secret, "change_url": self._url("change", client.pk)}
            for client, secret in issued
        ]
        context = {**self._page_context(request, title=title), "issued": rows}
        response = TemplateResponse(request, _template(_SECRETS_TEMPLATE), context)
        # The page holds a live credential: no browser or proxy may keep a copy (the admin
        # sends these headers already; this page must not depend on that).
        add_never_cache_headers(response)
        return response


# --- Signing keys --------------------------------------------------------------------------


@admin.register(SigningKey)
class SigningKeyAdmin(admin.ModelAdmin):
    """Read-only: keys are created and retired by ``manage.py rotate_signing_keys``.

    The private key column is never shown, not even encrypted, nor even loaded.
    """

    list_display = ("kid", "algorithm", "status", "created_at", "active_from")
    list_filter = ("algorithm",)
    search_fields = ("=kid",)
    ordering = ("algorithm", "-active_from", "-created_at")
    fields = ("kid", "algorithm", "status", "created_at", "active_from", "public_jwk")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[SigningKey]:
        return super().get_queryset(request).defer("private_key_encrypted")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SigningKey | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: SigningKey | None = None) -> bool:
        return False

    @admin.display(description="status")
    def status(self, obj: SigningKey) -> str:
        """pending, active, superseded or unpublished, from the keys' timestamps.

        One small query per row (a key's status depends on the newer keys of its
        algorithm); there are only ever a handful of keys.
        """
        siblings = SigningKey.objects.filter(algorithm=obj.algorithm).values_list(
            "pk", "kid", "algorithm", "created_at", "active_from"
        )
        statuses = signing_key_statuses(
            keys=[KeyTimes(*row) for row in siblings], now=timezone.now()
        )
        status = statuses.get(obj.pk)
        return status.value if status is not None else "-"
