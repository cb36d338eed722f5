"""Federation reads: which sources exist, which one an email belongs to, and the upstream
sessions behind a Keyway sign-on session."""

from __future__ import annotations

from apps.federation.models import Source, SourceKind, UpstreamSession
from apps.federation.provisioning import email_domain


def sources_enabled() -> list[Source]:
    return list(Source.objects.filter(enabled=True).order_by("name"))


def source_get(*, slug: str, kind: SourceKind | None = None) -> Source | None:
    sources = Source.objects.filter(slug=slug, enabled=True)
    if kind is not None:
        sources = sources.filter(kind=kind)
    return sources.first()


def source_for_email(*, email: str) -> Source | None:
    """Home-realm discovery: the enabled source that claims the email's domain."""
    domain = email_domain(email)
    if not domain:
        return None
    # A handful of sources: matching in Python works the same on SQLite and PostgreSQL.
    return next((s for s in sources_enabled() if domain in (s.domains or [])), None)


def upstream_session_for_sid(*, sid: str) -> UpstreamSession | None:
    return UpstreamSession.objects.select_related("source").filter(sid=sid).order_by("-pk").first()


def upstream_sids(*, source: Source, subject: str, session_indexes: tuple[str, ...]) -> list[str]:
    """The Keyway sessions an upstream LogoutRequest names (SAML Core 3.7.1: all of the
    subject's sessions when it lists no SessionIndex)."""
    rows = UpstreamSession.objects.filter(source=source, subject=subject)
    if session_indexes:
        rows = rows.filter(session_index__in=session_indexes)
    return list(rows.values_list("sid", flat=True).distinct())


def sources_due_for_metadata_refresh(*, older_than) -> list[Source]:
    from django.db.models import Q

    return list(
        Source.objects.filter(kind=SourceKind.SAML, enabled=True)
        .exclude(metadata_url="")
        .filter(Q(metadata_refreshed_at__isnull=True) | Q(metadata_refreshed_at__lt=older_than))
    )


def source_origins() -> list[str]:
    """Origins a sign-in form may end up at through home-realm discovery (CSP form-action
    applies to the redirects that follow a form submission)."""
    from urllib.parse import urlsplit

    origins = set()
    for source in sources_enabled():
        for url in (source.idp_sso_url, source.discovery_url):
            parts = urlsplit(url)
            if parts.scheme in ("http", "https") and parts.netloc:
                origins.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(origins)


def sources_list():
    """Every source, enabled or not, oldest first."""
    return Source.objects.order_by("id")


def source_by_slug(*, slug: str) -> Source | None:
    """A source by slug, enabled or not (administration)."""
    return Source.objects.filter(slug=slug).first()
