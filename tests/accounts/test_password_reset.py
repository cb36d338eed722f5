import re

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from django.utils.http import urlsafe_base64_decode

from apps.accounts.models import User
from apps.audit.models import Event
from apps.common.conf import keyway_settings
from apps.sso_sessions.models import EndReason, SignOnSession
from tests.conftest import PASSWORD
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db

RESET = "/password/reset/"
SENT = "/password/reset/sent/"
DONE = "/password/reset/done/"
NEW_PASSWORD = "a brand new passphrase 42"
LINK = re.compile(r"http://testserver(/password/reset/[^/\s]+/[^/\s]+/)")


def request_reset(client, email, **extra):
    return client.post(RESET, {"email": email}, **extra)


def link_from(message) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def set_password(client, link, password=NEW_PASSWORD, confirm=None):
    """Follow the mailed link (token moves into the session) and post the new password."""
    first = client.get(link)
    assert first.status_code == 302
    form_url = first["Location"]
    assert form_url.endswith("/set-password/")
    page = client.get(form_url)
    assert page.status_code == 200
    return client.post(
        form_url,
        {"new_password1": password, "new_password2": password if confirm is None else confirm},
    )


def test_request_page_renders_a_csrf_protected_form(client):
    page = client.get(RESET)
    assert page.status_code == 200
    assert b'name="csrfmiddlewaretoken"' in page.content
    assert b'type="email"' in page.content


def test_sign_in_page_links_to_the_reset_page(client):
    assert b'href="/password/reset/">Forgot your password?' in client.get("/signin/").content


def test_known_email_gets_exactly_one_mail_with_a_working_link(client, user):
    response = request_reset(client, "ALICE@example.com")
    assert response.status_code == 302
    assert response["Location"] == SENT
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.com"]
    assert message.subject == "Set a new Keyway password"
    link = link_from(message)
    # The link names the public subject, never the database id.
    assert urlsafe_base64_decode(link.split("/")[3]) == user.subject.bytes
    assert set_password(client, link).status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password(NEW_PASSWORD)
    assert client.get(SENT).status_code == 200


def test_unknown_email_gets_the_same_answer_and_no_mail(client, user):
    known = request_reset(client, "alice@example.com")
    unknown = request_reset(Client(), "nobody@example.com")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == SENT
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@example.com"]


def test_inactive_user_gets_no_mail(client, make_user):
    make_user(email="gone@example.com", is_active=False)
    response = request_reset(client, "gone@example.com")
    assert response.status_code == 302
    assert response["Location"] == SENT
    assert mail.outbox == []


def test_imported_user_without_password_can_set_one_and_sign_in(client, make_user):
    imported = make_user(email="legacy@example.com", password=None)
    assert not imported.has_usable_password()
    request_reset(client, "legacy@example.com")
    assert len(mail.outbox) == 1
    response = set_password(client, link_from(mail.outbox[0]))
    assert response.status_code == 302
    assert response["Location"] == DONE
    done = client.get(DONE)
    assert b"Your password is set" in done.content
    fresh = Client()
    assert sign_in(fresh, "legacy@example.com", NEW_PASSWORD).status_code == 302
    assert fresh.get("/").status_code == 200
    imported.refresh_from_db()
    assert imported.password.startswith("argon2$argon2id$")


def test_link_works_once_only(client, user):
    request_reset(client, "alice@example.com")
    link = link_from(mail.outbox[0])
    assert set_password(client, link).status_code == 302
    again = Client().get(link)
    assert again.status_code == 400
    assert b"This link does not work" in again.content
    # The same browser cannot reuse the form either.
    form = client.get(link.rsplit("/", 2)[0] + "/set-password/")
    assert form.status_code == 400
    assert b"This link does not work" in form.content


def test_tampered_token_or_uid_gets_a_clear_error_page(client, user):
    request_reset(client, "alice@example.com")
    link = link_from(mail.outbox[0])
    _, _, _, uid, token, _ = link.split("/")
    for bad in (
        f"/password/reset/{uid}/{token[:-1]}x/",
        f"/password/reset/{uid}/set-password/",  # no token in this session
        f"/password/reset/AAAAAAAAAAAAAAAAAAAAAA/{token}/",
        f"/password/reset/%00%ff/{token}/",
        f"/password/reset/{'A' * 5000}/{token}/",
        "/password/reset/MQ/abc-123/",  # base64 of a database id, not a subject
    ):
        response = Client().get(bad)
        assert response.status_code == 400, bad
        assert b"This link does not work" in response.content
        assert b'href="/password/reset/"' in response.content


def test_link_stops_working_after_the_timeout(client, user):
    request_reset(client, "alice@example.com")
    link = link_from(mail.outbox[0])
    with override_settings(PASSWORD_RESET_TIMEOUT=-1):
        assert Client().get(link).status_code == 400


def test_link_for_an_account_deactivated_since_does_not_work(client, user):
    request_reset(client, "alice@example.com")
    link = link_from(mail.outbox[0])
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert Client().get(link).status_code == 400


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [
        ("short1!", None, b"This password is too short"),
        ("password123", None, b"This password is too common"),
        ("38472918374629", None, b"This password is entirely numeric"),
        (NEW_PASSWORD, "something else entirely", b"The two password fields"),
        ("x" * 1025, None, b"at most 1024 characters"),
    ],
)
def test_password_rules_apply(client, user, password, confirm, message):
    request_reset(client, "alice@example.com")
    response = set_password(client, link_from(mail.outbox[0]), password, confirm)
    assert response.status_code == 400
    assert message in response.content
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_requests_are_throttled_per_email(client, user):
    threshold = keyway_settings.PASSWORD_RESET_THROTTLE["email"]["threshold"]
    for _ in range(threshold):
        assert request_reset(client, "alice@example.com").status_code == 302
    response = request_reset(client, "Alice@Example.com")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert re.search(
        rb"Too many password reset requests\. Try again in \d+ seconds?\.", response.content
    )
    assert len(mail.outbox) == threshold
    # Unknown addresses are throttled exactly alike.
    for _ in range(threshold):
        request_reset(client, "nobody@example.com")
    assert request_reset(client, "nobody@example.com").status_code == 429
    denied = Event.objects.filter(type="password_reset.requested", outcome="denied")
    assert denied.count() == 2


@override_settings(
    KEYWAY={
        "PASSWORD_RESET_THROTTLE": {
            "email": {"threshold": 100, "base_delay": 60, "max_delay": 3600, "window": 3600},
            "ip": {"threshold": 2, "base_delay": 60, "max_delay": 3600, "window": 3600},
        }
    }
)
def test_requests_are_throttled_per_ip(client):
    assert request_reset(client, "a@example.com").status_code == 302
    assert request_reset(client, "b@example.com").status_code == 302
    response = request_reset(client, "c@example.com")
    assert response.status_code == 429
    assert b"Try again in 60 seconds." in response.content
    other_ip = request_reset(client, "c@example.com", REMOTE_ADDR="10.0.0.9")
    assert other_ip.status_code == 302


@pytest.mark.parametrize("path", [RESET, "confirm"])
def test_both_forms_need_a_csrf_token(client, user, path):
    strict = Client(enforce_csrf_checks=True)
    if path == "confirm":
        request_reset(client, "alice@example.com")
        first = strict.get(link_from(mail.outbox[0]))
        path = first["Location"]
        data = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    else:
        data = {"email": "alice@example.com"}
    response = strict.post(path, data)
    assert response.status_code == 403
    assert b"Your form expired" in response.content
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_reset_works_under_enforced_csrf_checks(user):
    strict = Client(enforce_csrf_checks=True)

    def token(page):
        return page.content.decode().split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]

    sent = strict.post(
        RESET, {"email": "alice@example.com", "csrfmiddlewaretoken": token(strict.get(RESET))}
    )
    assert sent.status_code == 302
    form_url = strict.get(link_from(mail.outbox[0]))["Location"]
    done = strict.post(
        form_url,
        {
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
            "csrfmiddlewaretoken": token(strict.get(form_url)),
        },
    )
    assert done.status_code == 302


def test_reset_ends_every_sign_on_session_of_that_person(client, user, make_user):
    other_browser = Client()
    assert sign_in(other_browser, "alice@example.com", PASSWORD).status_code == 302
    bystander = Client()
    make_user(email="bob@example.com")
    assert sign_in(bystander, "bob@example.com", PASSWORD).status_code == 302

    request_reset(client, "alice@example.com")
    assert set_password(client, link_from(mail.outbox[0])).status_code == 302

    session = SignOnSession.objects.get(user=user)
    assert session.ended_at is not None
    assert session.end_reason == EndReason.USER_ENDED
    # The other browser is signed out on its next request; the bystander is not.
    assert other_browser.get("/").status_code == 302
    assert bystander.get("/").status_code == 200
    completed = Event.objects.get(type="password_reset.completed")
    assert completed.actor_subject == user.subject
    assert completed.data == {"sessions_ended": 1}
    # The old password is gone, the new one works.
    assert sign_in(Client(), "alice@example.com", PASSWORD).status_code == 200
    assert sign_in(Client(), "alice@example.com", NEW_PASSWORD).status_code == 302


def test_reset_clears_the_sign_in_lockout_of_that_account(client, user):
    threshold = keyway_settings.SIGNIN_THROTTLE_ACCOUNT["threshold"]
    for _ in range(threshold):
        sign_in(client, "alice@example.com", "wrong guess")
    assert sign_in(client, "alice@example.com", "wrong guess").status_code == 429
    request_reset(client, "alice@example.com")
    set_password(client, link_from(mail.outbox[0]))
    assert sign_in(Client(), "alice@example.com", NEW_PASSWORD).status_code == 302


def test_requests_are_audited_without_saying_more_to_the_visitor(client, user):
    request_reset(client, "alice@example.com")
    request_reset(client, "nobody@example.com")
    events = list(Event.objects.filter(type="password_reset.requested").order_by("id"))
    assert [e.outcome for e in events] == ["success", "success"]
    assert events[0].actor_subject == user.subject
    assert events[0].data == {"accounts_mailed": 1}
    assert events[1].actor_subject is None
    assert events[1].data == {"accounts_mailed": 0}


@pytest.mark.parametrize(
    "email",
    ["x" * 300 + "@example.com", "alice\x00@example.com", "not an email", ""],
)
def test_bad_input_gets_a_400_page_never_a_500(client, user, email):
    response = request_reset(client, email)
    assert response.status_code == 400
    assert b'class="field-error"' in response.content
    assert mail.outbox == []


def test_nul_bytes_in_the_new_password_get_a_400(client, user):
    request_reset(client, "alice@example.com")
    response = set_password(client, link_from(mail.outbox[0]), "nul\x00byte password 42")
    assert response.status_code == 400
    assert b"Null characters are not allowed." in response.content


def test_mail_server_failure_does_not_fail_the_request_or_reveal_the_account(
    client, user, monkeypatch
):
    from django.core.mail import EmailMultiAlternatives

    def broken(self, *args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(EmailMultiAlternatives, "send", broken)
    response = request_reset(client, "alice@example.com")
    assert response.status_code == 302
    assert response["Location"] == SENT


def test_link_is_built_from_the_request_host_and_scheme(client, user):
    request_reset(client, "alice@example.com", HTTP_HOST="localhost", secure=True)
    assert "https://localhost/password/reset/" in mail.outbox[0].body


def test_untrusted_host_gets_a_400_and_no_mail(client, user):
    response = request_reset(client, "alice@example.com", HTTP_HOST="evil.example.net")
    assert response.status_code == 400
    assert mail.outbox == []


def test_pages_have_no_inline_script_or_style(client, user):
    request_reset(client, "alice@example.com")
    link = link_from(mail.outbox[0])
    form_page = client.get(client.get(link)["Location"])
    for page in (client.get(RESET), client.get(SENT), form_page, client.get(DONE)):
        html = page.content.decode()
        assert "<script" not in html
        assert "style=" not in html
        assert "<style" not in html
        assert 'name="viewport"' in html


def test_done_url_is_reversible():
    assert reverse("accounts:password_reset_done") == DONE


def test_a_failure_ending_sessions_keeps_the_old_password(client, user, monkeypatch):
    from apps.accounts.views import password_reset

    sign_in(Client(), "alice@example.com", PASSWORD)

    def broken(**kwargs):
        raise RuntimeError("fan-out down")

    monkeypatch.setattr(password_reset, "session_end", broken)
    request_reset(client, "alice@example.com")
    client.raise_request_exception = False
    assert set_password(client, link_from(mail.outbox[0])).status_code == 500
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert not Event.objects.filter(type="password_reset.completed").exists()
