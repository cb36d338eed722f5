from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "apps.common"
    label = "common"
    verbose_name = "Keyway common"

    def ready(self) -> None:
        from apps.common import checks  # noqa: F401  (registers the system checks)
        from apps.common.logs import structlog_configure

        structlog_configure()
