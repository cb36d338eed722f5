"""The access model: applications, realms (protected resource areas), rules, policies
(who may use which rules), responses (headers and claims) and group nesting.

Semantics live in ``engine.py``; these tables only store them. Every object brought
over from SiteMinder keeps its source key (the XID) in ``source_xid``; objects created
in Keyway have none.
"""

from __future__ import annotations

from django.db import models


class SourceKeyed(models.Model):
    source_xid = models.CharField(
        max_length=255,
        unique=True,
        null=True,
        blank=True,
        default=None,
        help_text="The object's key in the system it was imported from (a SiteMinder XID).",
    )
    name = models.CharField(max_length=255)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name


class Application(SourceKeyed):
    class Kind(models.TextChoices):
        WEB = "web", "Protected web resource"
        OIDC = "oidc", "OpenID Connect client"
        SAML = "saml", "SAML service provider"

    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.WEB)
    party_id = models.CharField(
        max_length=1024, blank=True, help_text="The OIDC client_id or the SAML SP entity ID."
    )
    hosts = models.JSONField(
        default=list, blank=True, help_text="Host names a gateway protects (web resources)."
    )
    base_path = models.CharField(max_length=1024, blank=True)


class Realm(SourceKeyed):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="realms")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    resource_filter = models.TextField(help_text="Path prefix it protects.")
    protect_all = models.BooleanField(default=True)
    required_acr = models.CharField(max_length=255, blank=True)
    auth_scheme = models.CharField(max_length=255, blank=True)
    idle_timeout = models.PositiveIntegerField(null=True, blank=True)
    max_timeout = models.PositiveIntegerField(null=True, blank=True)
    persistent_session = models.BooleanField(default=False)


class Rule(SourceKeyed):
    class Match(models.TextChoices):
        PREFIX = "prefix"
        WILDCARD = "wildcard"
        REGEX = "regex"

    realm = models.ForeignKey(Realm, on_delete=models.CASCADE, related_name="rules")
    resource = models.TextField(default="*")
    match = models.CharField(max_length=8, choices=Match.choices, default=Match.WILDCARD)
    methods = models.JSONField(default=list, blank=True, help_text="Empty: every method.")
    allow = models.BooleanField(default=True)
    enabled = models.BooleanField(default=True)
    unsupported = models.CharField(
        max_length=255, blank=True, help_text="Why the engine cannot honour it (fails closed)."
    )


class Response(SourceKeyed):
    pass


class ResponseEntry(SourceKeyed):
    class Kind(models.TextChoices):
        HEADER = "header"
        CLAIM = "claim"

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.HEADER)
    value = models.TextField(blank=True)
    user_attribute = models.CharField(max_length=255, blank=True)


class Policy(SourceKeyed):
    enabled = models.BooleanField(default=True)
    allow = models.BooleanField(default=True)
    match_all = models.BooleanField(default=False, help_text="AND: every subject must match.")
    ip_networks = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name_plural = "policies"


class PolicySubject(SourceKeyed):
    class Kind(models.TextChoices):
        USER = "user"
        GROUP = "group"
        ATTRIBUTE = "attribute"
        ALL = "all"

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="subjects")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    value = models.TextField(blank=True)
    attribute = models.CharField(max_length=255, blank=True)
    exclude = models.BooleanField(default=False)
    recursive = models.BooleanField(default=False)
    source_dn = models.TextField(blank=True)
    resolved = models.BooleanField(default=True)


class PolicyRule(SourceKeyed):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="bindings")
    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="bindings")
    response = models.ForeignKey(
        Response, null=True, blank=True, on_delete=models.SET_NULL, related_name="bindings"
    )


class GroupNesting(models.Model):
    """``member`` is a group nested in ``group`` (a Recursive entry follows it)."""

    group = models.CharField(max_length=150)
    member = models.CharField(max_length=150)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "member"], name="policies_group_nesting_once")
        ]

    def __str__(self) -> str:
        return f"{self.member} ⊂ {self.group}"
