"""Small helpers for driving the hosted pages through Django's test client."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse


def sign_in(client: Client, email: str, password: str, *, next_url: str | None = None, **extra):
    data = {"email": email, "password": password}
    if next_url is not None:
        data["next"] = next_url
    return client.post(reverse("accounts:signin"), data, **extra)
