from django.apps import AppConfig


class FederationConfig(AppConfig):
    name = "apps.federation"
    label = "federation"
    verbose_name = "Upstream identity providers"

    def ready(self) -> None:
        from apps.accounts.signout_hooks import upstream_logout_register
        from apps.federation import checks  # noqa: F401  (registers the system checks)
        from apps.federation.services import upstream_sign_out_url

        # The hosted sign-out page also ends the upstream session the person came through.
        upstream_logout_register(upstream_sign_out_url)
