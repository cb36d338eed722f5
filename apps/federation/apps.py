from django.apps import AppConfig


class FederationConfig(AppConfig):
    name = "apps.federation"
    label = "federation"
    verbose_name = "Upstream identity providers"

    def ready(self) -> None:
        from apps.federation import checks  # noqa: F401  (registers the system checks)
