"""The one user model every Keyway app shares."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


def email_normalize(email: str) -> str:
    """Trim the address and lower-case its domain (the local part is kept as typed)."""
    return BaseUserManager.normalize_email((email or "").strip())


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, email: str) -> User:
        # Emails are unique regardless of case; compare on LOWER(email), the indexed form.
        return self.alias(email_lower=Lower("email")).get(email_lower=(email or "").strip().lower())

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=email_normalize(email), **fields)
        user.set_password(password)  # None gives an unusable password
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in to Keyway.

    ``subject`` is the stable public identifier: the OIDC ``sub`` and the source of SAML
    persistent NameIDs. It is never the primary key, so database ids never leak and
    accounts can be moved between databases without changing who they are to clients.
    """

    subject = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # unique=True for Django's auth checks; the Lower() constraint below is the real rule.
    email = models.EmailField(max_length=254, unique=True)
    email_verified = models.BooleanField(
        default=False, help_text="The address is known to belong to this person."
    )
    given_name = models.CharField(max_length=150, blank=True)
    family_name = models.CharField(max_length=150, blank=True)
    display_name = models.CharField(max_length=255, blank=True)
    is_active = models.BooleanField(default=True)
    # Set while an administrator's lock holds (is_active is then False too). A lock is
    # lifted by unlock; a deactivation (no lock) only by reactivating the account.
    locked_at = models.DateTimeField(null=True, blank=True)
    external_id = models.CharField(
        max_length=255,
        unique=True,
        null=True,
        blank=True,
        default=None,
        help_text="The account's id in the system it was imported from (e.g. a legacy user id).",
    )
    is_staff = models.BooleanField(default=False, help_text="May sign in to the admin site.")
    date_joined = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_user_email_ci_unique",
                violation_error_message="A user with this email address already exists.",
            )
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = email_normalize(self.email)

    @property
    def name(self) -> str:
        """What to call the person: display name, else given + family name, else email."""
        full = f"{self.given_name} {self.family_name}".strip()
        return self.display_name or full or self.email

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.given_name or self.name
