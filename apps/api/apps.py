from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "apps.api"
    label = "api"
    verbose_name = "Management API"

    def ready(self) -> None:
        from apps.api import checks, schema  # noqa: F401 - register checks and schema extensions
