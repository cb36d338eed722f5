from django.urls import path

from apps.accounts.views import home, signin, signout

app_name = "accounts"

urlpatterns = [
    path("", home.home, name="home"),
    path("signin/", signin.signin, name="signin"),
    path("signout/", signout.signout, name="signout"),
]
