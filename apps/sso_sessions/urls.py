"""The person's own sign-on sessions: list them, end one, end them all."""

from django.urls import path

from apps.sso_sessions.views import sessions

app_name = "sso_sessions"

urlpatterns = [
    path("account/sessions/", sessions.session_list, name="list"),
    path("account/sessions/end", sessions.session_end_one, name="end"),
    path("account/sessions/end-all", sessions.session_end_all, name="end-all"),
]
