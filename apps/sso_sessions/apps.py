from django.apps import AppConfig


class SsoSessionsConfig(AppConfig):
    name = "apps.sso_sessions"
    label = "sso_sessions"
    verbose_name = "Sign-on sessions"
