import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def signin_page(client):
    return client.get("/signin/")


def _csp(response):
    return dict(
        ([*part.strip().split(" ", 1), ""])[:2]
        for part in response["Content-Security-Policy"].split(";")
        if part.strip()
    )


def test_csp_forbids_inline_script_and_style(signin_page):
    policy = _csp(signin_page)
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert "unsafe-inline" not in signin_page["Content-Security-Policy"]
    assert "unsafe-eval" not in signin_page["Content-Security-Policy"]


def test_pages_cannot_be_framed(signin_page):
    assert _csp(signin_page)["frame-ancestors"] == "'none'"
    assert signin_page["X-Frame-Options"] == "DENY"


def test_referrer_nosniff_and_opener_headers(signin_page):
    assert signin_page["Referrer-Policy"] == "same-origin"
    assert signin_page["X-Content-Type-Options"] == "nosniff"
    assert signin_page["Cross-Origin-Opener-Policy"] == "same-origin"


def test_hosted_pages_carry_no_inline_script_or_style(client, user):
    client.force_login(user)
    for path in ("/signin/", "/", "/signout/", "/no-such-page/"):
        body = client.get(path).content.decode()
        assert "<script" not in body, path
        assert "style=" not in body, path
        assert "<style" not in body, path


def test_sign_in_page_is_not_cached(signin_page):
    assert "no-store" in signin_page["Cache-Control"]


def test_error_pages_carry_the_same_headers(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert b"Page not found" in response.content


def test_production_settings_mark_cookies_secure_httponly_samesite():
    code = (
        "import django; from django.conf import settings; django.setup();"
        "print(settings.SESSION_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY,"
        " settings.SESSION_COOKIE_SAMESITE, settings.CSRF_COOKIE_SECURE,"
        " settings.SECURE_HSTS_SECONDS > 0, settings.SESSION_COOKIE_NAME)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=_production_env(),
    ).stdout.split()
    assert out == ["True", "True", "Lax", "True", "True", "__Host-keyway_session"]


def _production_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "KEYWAY_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="x" * 64 + "production-like-secret-for-the-check",
        DJANGO_ALLOWED_HOSTS="id.example.com",
        DJANGO_HSTS_PRELOAD="true",
        KEYWAY_ISSUER="https://id.example.com",
        # A Fernet key (32 url-safe base64 bytes); generate with cryptography's Fernet.
        KEYWAY_KEY_ENCRYPTION_KEYS="kJrYkPfpCRZxfm0sPXiUMD9wgM5rVRQhlqYOz5pWZGk=",
        DATABASE_URL="postgres://keyway@db.internal:5432/keyway",
        REDIS_URL="redis://cache.internal:6379/0",
    )
    return env


def test_check_deploy_passes_with_the_documented_production_environment():
    """The README documents this environment; `check --deploy` must raise nothing."""
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=_production_env(),
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = _production_env()
    del env["DJANGO_SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], capture_output=True, text=True, env=env
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr
