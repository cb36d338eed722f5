from django.apps import AppConfig


class SamlIdpConfig(AppConfig):
    name = "apps.saml_idp"
    label = "saml_idp"
    verbose_name = "SAML identity provider"

    def ready(self) -> None:
        from apps.saml_idp import checks  # noqa: F401  (registers the system checks)
        from apps.saml_idp.slo import saml_slo_plan, saml_slo_send
        from apps.sso_sessions.fanout import channel_register
        from apps.sso_sessions.models import DeliveryChannel, ParticipantKind

        # SAML Single Logout joins the one logout fan-out (apps.sso_sessions.fanout).
        channel_register(
            kind=ParticipantKind.SAML,
            channel=DeliveryChannel.SAML_SLO,
            planner=saml_slo_plan,
            sender=saml_slo_send,
        )
