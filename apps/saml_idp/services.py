"""Writes of the SAML IdP: credentials, service-provider registrations, pseudonyms."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from apps.audit.models import Outcome
from apps.audit.services import event_record
from apps.common.conf import keyway_settings
from apps.common.crypto import secret_encrypt
from apps.common.http import DocumentFetchError, document_fetch
from apps.common.x509 import credential_create as x509_credential_create
from apps.saml_idp.models import IdpCredential, NameIdFormat, PersistentNameId, ServiceProvider
from apps.saml_idp.processors.metadata import SpMetadata, sp_metadata_read
from apps.saml_idp.processors.xml import SamlError, parse

# User fields an attribute may carry; anything else is refused at registration.
ATTRIBUTE_FIELDS = ("email", "given_name", "family_name", "name", "groups", "subject")
NAMEID_FORMATS = {
    "email": NameIdFormat.EMAIL,
    "persistent": NameIdFormat.PERSISTENT,
    "transient": NameIdFormat.TRANSIENT,
}


def credential_create(*, active_from: datetime.datetime) -> IdpCredential:
    key_pem, cert_pem = x509_credential_create(common_name="Keyway SAML IdP")
    return IdpCredential.objects.create(
        private_key_encrypted=secret_encrypt(key_pem.encode("ascii")),
        certificate=cert_pem,
        active_from=active_from,
    )


def credential_rotate(*, immediately: bool = False) -> IdpCredential:
    """Publish a new credential now; it signs after ``SIGNING_KEY_ACTIVATION_DELAY`` (so
    SPs that refresh metadata trust it first), or at once with ``immediately`` (a
    compromised key). The credentials it replaces are retired once the assertions they
    signed have expired."""
    now = timezone.now()
    delay = 0 if immediately else keyway_settings.SIGNING_KEY_ACTIVATION_DELAY
    active_from = now + datetime.timedelta(seconds=delay)
    retire_at = (
        now
        if immediately
        else active_from
        + datetime.timedelta(
            seconds=keyway_settings.SAML_ASSERTION_LIFETIME + keyway_settings.SAML_CLOCK_SKEW
        )
    )
    with transaction.atomic():
        IdpCredential.objects.filter(retired_at__isnull=True).update(retired_at=retire_at)
        credential = credential_create(active_from=active_from)
    event_record(
        type="saml.credential_rotated",
        outcome=Outcome.SUCCESS,
        data={"credential": credential.pk, "active_from": active_from.isoformat()},
    )
    return credential


def _attribute_mapping_problems(mapping: dict[str, str]) -> list[str]:
    return [
        f"attribute {name!r}: unknown user field {field!r} (one of {', '.join(ATTRIBUTE_FIELDS)})"
        for name, field in mapping.items()
        if field not in ATTRIBUTE_FIELDS
    ]


def acs_endpoints_stored(*, metadata: SpMetadata) -> list[dict[str, Any]]:
    """The SP's AssertionConsumerServices as ``ServiceProvider.acs_endpoints`` keeps them."""
    return [
        {"url": e.url, "binding": e.binding, "index": e.index, "is_default": e.is_default}
        for e in metadata.acs_endpoints
    ]


def sp_register(
    *,
    metadata: SpMetadata,
    name: str = "",
    nameid_format: str = NameIdFormat.EMAIL,
    attribute_mapping: dict[str, str] | None = None,
    sign_assertion: bool = True,
    sign_response: bool = True,
    encrypt_assertion: bool = False,
    allow_idp_initiated: bool = False,
    require_signed_requests: bool | None = None,
    metadata_url: str = "",
    request: HttpRequest | None = None,
) -> tuple[ServiceProvider, bool]:
    """Create or update the SP ``metadata.entity_id`` names. ``require_signed_requests``
    None follows the metadata's ``AuthnRequestsSigned``. Raises SamlError for a
    registration that could not work (e.g. encryption without a certificate)."""
    mapping = dict(attribute_mapping or {})
    problems = _attribute_mapping_problems(mapping)
    if encrypt_assertion and not metadata.encryption_certificate:
        problems.append("assertion encryption needs an encryption certificate in the metadata")
    if require_signed_requests is None:
        require_signed_requests = metadata.authn_requests_signed
    if require_signed_requests and not metadata.signing_certificate:
        problems.append("signed requests need a signing certificate in the metadata")
    if not (sign_assertion or sign_response):
        problems.append("the response or the assertion must be signed")
    if problems:
        raise SamlError("; ".join(problems))
    fields: dict[str, Any] = {
        "name": name or metadata.name or metadata.entity_id,
        "acs_endpoints": acs_endpoints_stored(metadata=metadata),
        "slo_url": metadata.slo_url,
        "slo_response_url": metadata.slo_response_url,
        "slo_binding": metadata.slo_binding,
        "signing_certificate": metadata.signing_certificate,
        "encryption_certificate": metadata.encryption_certificate,
        "nameid_format": nameid_format,
        "attribute_mapping": mapping,
        # An SP that wants signed assertions gets them whatever the flag said.
        "sign_assertion": sign_assertion or metadata.want_assertions_signed,
        "sign_response": sign_response,
        "encrypt_assertion": encrypt_assertion,
        "allow_idp_initiated": allow_idp_initiated,
        "require_signed_requests": require_signed_requests,
        "metadata_url": metadata_url,
    }
    with transaction.atomic():
        sp, created = ServiceProvider.objects.update_or_create(
            entity_id=metadata.entity_id, defaults=fields
        )
        event_record(
            type="saml.sp_registered" if created else "saml.sp_updated",
            outcome=Outcome.SUCCESS,
            request=request,
            data={"entity_id": sp.entity_id, "metadata_url": metadata_url},
        )
    return sp, created


def persistent_name_id_get(*, user: Any, sp: ServiceProvider) -> str:
    """The person's pseudonym at this SP, created on first use (SAML Core 8.3.7)."""
    existing = (
        PersistentNameId.objects.filter(user=user, service_provider=sp)
        .values_list("value", flat=True)
        .first()
    )
    if existing:
        return existing
    try:
        with transaction.atomic():
            return PersistentNameId.objects.create(
                user=user, service_provider=sp, value=secrets.token_urlsafe(32)
            ).value
    except IntegrityError:  # a concurrent first sign-in created it
        return PersistentNameId.objects.get(user=user, service_provider=sp).value


METADATA_MAX_BYTES = 1024 * 1024


def sp_metadata_fetch(*, source: str) -> tuple[SpMetadata, str]:
    """Read SP metadata from a file path or an http(s) URL; returns it with the URL (empty
    for a file). Raises SamlError for anything that is not usable SP metadata."""
    url = source if source.startswith(("https://", "http://")) else ""
    if url:
        try:
            data = document_fetch(url=url, max_bytes=METADATA_MAX_BYTES, timeout=10)
        except DocumentFetchError as error:
            raise SamlError(f"could not fetch the metadata: {error}") from error
    else:
        try:
            with open(source, "rb") as handle:
                data = handle.read(METADATA_MAX_BYTES + 1)
        except OSError as error:
            raise SamlError(f"could not read {source}: {error.strerror}") from error
    root = parse(data, max_bytes=METADATA_MAX_BYTES, schema="saml-schema-metadata-2.0.xsd")
    return sp_metadata_read(root), url


def sp_metadata_parse(*, data: bytes) -> SpMetadata:
    """SP metadata given as a document (the API's body), under the same guard and schema
    as a fetched one (``processors.xml.parse``: no DTD, no entities, bounded size)."""
    root = parse(data, max_bytes=METADATA_MAX_BYTES, schema="saml-schema-metadata-2.0.xsd")
    return sp_metadata_read(root)


# Registration settings an administrator may change without new metadata.
SP_CHANGEABLE_FIELDS = (
    "name",
    "enabled",
    "nameid_format",
    "attribute_mapping",
    "sign_assertion",
    "sign_response",
    "encrypt_assertion",
    "allow_idp_initiated",
    "require_signed_requests",
)


def sp_change(
    *, sp: ServiceProvider, fields: dict[str, Any], request: HttpRequest | None = None
) -> ServiceProvider:
    """Change a registered SP's settings with the rules of ``sp_register``; raises
    SamlError naming the problems and writes nothing then."""
    unknown = set(fields) - set(SP_CHANGEABLE_FIELDS)
    problems = [f"{name}: cannot be changed" for name in sorted(unknown)]
    for name, value in fields.items():
        setattr(sp, name, value)
    problems += _attribute_mapping_problems(dict(sp.attribute_mapping or {}))
    if sp.encrypt_assertion and not sp.encryption_certificate:
        problems.append("assertion encryption needs an encryption certificate in the metadata")
    if sp.require_signed_requests and not sp.signing_certificate:
        problems.append("signed requests need a signing certificate in the metadata")
    if not (sp.sign_assertion or sp.sign_response):
        problems.append("the response or the assertion must be signed")
    if sp.nameid_format not in NameIdFormat.values:
        problems.append(f"nameid_format: one of {', '.join(NameIdFormat.values)}")
    if problems:
        raise SamlError("; ".join(problems))
    with transaction.atomic():
        sp.save()
        event_record(
            type="saml.sp_updated",
            outcome=Outcome.SUCCESS,
            request=request,
            data={"entity_id": sp.entity_id, "fields": sorted(fields)},
        )
    return sp


def sp_delete(*, sp: ServiceProvider, request: HttpRequest | None = None) -> None:
    """Remove an SP registration (its pseudonyms go with it: SAML Core 8.3.7 identifiers
    are meaningful only between this IdP and that SP)."""
    with transaction.atomic():
        entity_id = sp.entity_id
        sp.delete()
        event_record(
            type="saml.sp_deleted",
            outcome=Outcome.SUCCESS,
            request=request,
            data={"entity_id": entity_id},
        )
