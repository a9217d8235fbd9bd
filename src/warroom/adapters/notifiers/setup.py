"""Building the chat, apprise, SMS and webhook notifiers from the settings."""

from __future__ import annotations

from warroom.adapters.matrix_client import MatrixClient, MatrixConfig
from warroom.adapters.notifiers.apprise_targets import AppriseNotifier, SmsNotifier
from warroom.adapters.notifiers.base import Notifier
from warroom.adapters.notifiers.matrix import MatrixNotifier
from warroom.adapters.notifiers.slack import SlackClient, SlackConfig, SlackNotifier
from warroom.adapters.notifiers.webhook import WebhookNotifier
from warroom.config import Settings, SettingsError


def matrix_config(settings: Settings) -> MatrixConfig | None:
    if not settings.matrix_homeserver:
        return None
    if not settings.matrix_access_token or not settings.matrix_user_id:
        raise SettingsError(
            "WARROOM_MATRIX_HOMESERVER needs WARROOM_MATRIX_ACCESS_TOKEN and WARROOM_MATRIX_USER_ID"
        )
    return MatrixConfig(
        homeserver=settings.matrix_homeserver,
        access_token=settings.matrix_access_token.get_secret_value(),
        user_id=settings.matrix_user_id,
        server_name=settings.matrix_server_name,
    )


def build_chat_notifiers(settings: Settings) -> dict[str, Notifier]:
    """One notifier per channel whose settings are present."""
    out: dict[str, Notifier] = {}
    matrix = matrix_config(settings)
    if matrix is not None:
        out["matrix"] = MatrixNotifier(MatrixClient(matrix))
    if settings.slack_token:
        out["slack"] = SlackNotifier(
            SlackClient(
                SlackConfig(
                    token=settings.slack_token.get_secret_value(), base_url=settings.slack_base_url
                )
            )
        )
    if settings.apprise_targets:
        out["apprise"] = AppriseNotifier(dict(settings.apprise_targets))
    if settings.sms_url:
        out["sms"] = SmsNotifier(settings.sms_url)
    if settings.webhook_endpoints:
        if not settings.webhook_secret:
            raise SettingsError("WARROOM_WEBHOOK_ENDPOINTS needs WARROOM_WEBHOOK_SECRET (whsec_…)")
        out["webhook"] = WebhookNotifier(
            dict(settings.webhook_endpoints), settings.webhook_secret.get_secret_value()
        )
    return out
