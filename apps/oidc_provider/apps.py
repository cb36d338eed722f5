from django.apps import AppConfig


class OidcProviderConfig(AppConfig):
    name = "apps.oidc_provider"
    label = "oidc_provider"
    verbose_name = "OpenID Connect provider"

    def ready(self) -> None:
        from apps.common.csp import form_target_source_register
        from apps.oidc_provider import checks  # noqa: F401  (registers the system checks)
        from apps.oidc_provider.form_targets import authorization_form_targets

        form_target_source_register(authorization_form_targets)

        from apps.oidc_provider.logout import session_tokens_revoke, user_tokens_revoke
        from apps.sso_sessions.fanout import (
            session_end_listener_register,
            user_logout_listener_register,
        )

        session_end_listener_register(session_tokens_revoke)
        user_logout_listener_register(user_tokens_revoke)

        # OpenID Connect Back-Channel Logout 1.0: relying parties with a
        # backchannel_logout_uri are told when a session they joined ends.
        from apps.oidc_provider.backchannel import backchannel_plan, backchannel_send
        from apps.sso_sessions.fanout import channel_register
        from apps.sso_sessions.models import DeliveryChannel, ParticipantKind

        channel_register(
            kind=ParticipantKind.OIDC,
            channel=DeliveryChannel.BACKCHANNEL,
            planner=backchannel_plan,
            sender=backchannel_send,
        )
