from django.urls import path

from apps.accounts.views import home, password_reset, signin, signout

app_name = "accounts"

urlpatterns = [
    path("", home.home, name="home"),
    path("signin/", signin.signin, name="signin"),
    path("signout/", signout.signout, name="signout"),
    path(
        "password/reset/",
        password_reset.password_reset_request,
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        password_reset.password_reset_sent,
        name="password_reset_sent",
    ),
    path(
        "password/reset/done/",
        password_reset.password_reset_done,
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        password_reset.password_reset_confirm,
        name="password_reset_confirm",
    ),
]
