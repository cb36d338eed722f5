"""Reads for the SAML IdP: service providers, pseudonyms, Keyway's own endpoints."""

from __future__ import annotations

from apps.common.conf import keyway_settings
from apps.oidc_provider.oauth import issuer
from apps.saml_idp.models import IdpCredential, ServiceProvider
from apps.saml_idp.processors.authn_request import AcsEndpoint


def idp_entity_id() -> str:
    return keyway_settings.SAML_IDP_ENTITY_ID or f"{issuer()}/saml/metadata"


def idp_sso_url() -> str:
    return f"{issuer()}/saml/sso"


def idp_slo_url() -> str:
    return f"{issuer()}/saml/slo"


def sp_get(*, entity_id: str) -> ServiceProvider | None:
    """An enabled service provider by entity ID (exact match: SAML Core 8.3.6)."""
    return ServiceProvider.objects.filter(entity_id=entity_id, enabled=True).first()


def sp_acs_endpoints(*, sp: ServiceProvider) -> list[AcsEndpoint]:
    return [
        AcsEndpoint(
            url=e["url"],
            binding=e["binding"],
            index=e.get("index"),
            is_default=bool(e.get("is_default")),
        )
        for e in sp.acs_endpoints
    ]


def sp_acs_urls(*, entity_ids: list[str]) -> list[str]:
    """Every ACS URL of these SPs (the CSP form-action of pages that post to them)."""
    urls = []
    for sp in ServiceProvider.objects.filter(entity_id__in=entity_ids):
        urls.extend(e["url"] for e in sp.acs_endpoints)
    return urls


def sps_list():
    """Every registered SP, enabled or not, oldest first."""
    return ServiceProvider.objects.order_by("id")


def sp_by_id(*, pk: int) -> ServiceProvider | None:
    return ServiceProvider.objects.filter(pk=pk).first()


def credential_newest() -> IdpCredential | None:
    """The most recently created signing credential (published or pending), or None."""
    return IdpCredential.objects.order_by("-created_at", "-pk").first()
