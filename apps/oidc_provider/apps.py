from django.apps import AppConfig


class OidcProviderConfig(AppConfig):
    name = "apps.oidc_provider"
    label = "oidc_provider"
    verbose_name = "OpenID Connect provider"

    def ready(self) -> None:
        from apps.oidc_provider import checks  # noqa: F401  (registers the system checks)
