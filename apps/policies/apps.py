from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "apps.policies"
    label = "policies"
    verbose_name = "Access policies"

    def ready(self) -> None:
        from apps.policies import checks  # noqa: F401  (registers the system checks)
