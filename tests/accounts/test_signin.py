import pytest
from django.urls import reverse

from apps.audit.models import Event
from tests.conftest import PASSWORD
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db

SIGNIN = "/signin/"


def test_sign_in_page_renders_a_csrf_protected_form(client):
    response = client.get(SIGNIN)
    assert response.status_code == 200
    assert b'name="csrfmiddlewaretoken"' in response.content
    assert b'autocomplete="current-password"' in response.content


def test_right_password_signs_in_and_redirects_home(client, user):
    response = sign_in(client, "alice@example.com", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:home")
    home = client.get("/")
    assert home.status_code == 200
    assert b"alice@example.com" in home.content


def test_email_is_matched_without_regard_to_case(client, user):
    assert sign_in(client, "ALICE@example.COM", PASSWORD).status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_response(client, user):
    wrong = sign_in(client, "alice@example.com", "not the password")
    unknown = sign_in(client, "nobody@example.com", "not the password")
    assert wrong.status_code == unknown.status_code == 200
    assert b"The email address or password is incorrect." in wrong.content

    def body(response):
        # The only per-request difference allowed is the CSRF token and the echoed email.
        return (
            response.content.decode()
            .replace("alice@example.com", "X")
            .replace("nobody@example.com", "X")
            .split('name="csrfmiddlewaretoken" value="')[0]
        )

    assert body(wrong) == body(unknown)
    assert "_auth_user_id" not in client.session


def test_inactive_account_is_refused_like_a_wrong_password(client, make_user):
    make_user(email="gone@example.com", is_active=False)
    response = sign_in(client, "gone@example.com", PASSWORD)
    assert response.status_code == 200
    assert b"The email address or password is incorrect." in response.content


def test_sign_in_issues_a_new_session_id(client, user):
    client.get(SIGNIN)
    session = client.session
    session["marker"] = "pre-login"
    session.save()
    before = session.session_key
    sign_in(client, "alice@example.com", PASSWORD)
    after = client.cookies["keyway_session"].value
    assert after
    assert after != before


def test_sign_in_rotates_the_csrf_token(client, user):
    client.get(SIGNIN)
    before = client.cookies["csrftoken"].value
    sign_in(client, "alice@example.com", PASSWORD)
    assert client.cookies["csrftoken"].value != before


def test_post_without_csrf_token_is_refused_with_a_clear_page(user):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(SIGNIN, {"email": "alice@example.com", "password": PASSWORD})
    assert response.status_code == 403
    assert b"Your form expired" in response.content
    assert "_auth_user_id" not in strict.session


def test_form_with_csrf_token_works_under_enforced_checks(user):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    page = strict.get(SIGNIN)
    token = page.content.decode().split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    response = strict.post(
        SIGNIN, {"email": "alice@example.com", "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


def test_success_and_failure_are_audited(client, user):
    sign_in(client, "alice@example.com", "wrong")
    sign_in(client, "alice@example.com", PASSWORD)
    events = list(Event.objects.filter(type="signin").order_by("id"))
    assert [e.outcome for e in events] == ["failure", "success"]
    assert events[1].actor_subject == user.subject
    assert events[0].ip == "127.0.0.1"
    assert "password" not in str(events[0].data)


def test_legacy_bcrypt_user_signs_in_and_is_upgraded(client, user):
    import bcrypt

    user.password = (
        "legacy_bcrypt$" + bcrypt.hashpw(b"old-node-password", bcrypt.gensalt(4)).decode()
    )
    user.save()
    assert sign_in(client, "alice@example.com", "old-node-password").status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")


def test_signed_out_visitor_is_sent_to_sign_in_from_home(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/signin/?next=/")


def test_admin_login_goes_through_the_hosted_sign_in(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/signin/?next=%2Fadmin%2F"


def test_staff_user_reaches_the_admin_after_hosted_sign_in(client, make_user):
    make_user(email="root@example.com", is_staff=True, is_superuser=True)
    response = sign_in(client, "root@example.com", PASSWORD, next_url="/admin/")
    assert response["Location"] == "/admin/"
    page = client.get("/admin/accounts/user/")
    assert page.status_code == 200
    assert b"root@example.com" in page.content
