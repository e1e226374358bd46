"""Settings of the bot, from the command line and the environment.

| variable | role |
|---|---|
| ``CERES_TELEGRAM_TOKEN`` | the bot's token (``--token``) |
| ``CERES_TELEGRAM_API_URL`` | Bot API server, default ``https://api.telegram.org`` (``--api-url``) |
| ``CERES_WEBHOOK_URL`` | public URL of the webhook (``--webhook-url``) |
| ``CERES_WEBHOOK_SECRET`` | secret token checked on every webhook POST (``--secret-token``) |
| ``CERES_PUBLIC_URL`` | base URL of the local web server (download links) |
| ``CERES_STAFF_CHAT_ID`` | optional staff group that receives new tickets (``--staff-chat-id``) |
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field

from ceres_core.errors import InvalidInput

DEFAULT_API_URL = "https://api.telegram.org"


@dataclass
class BotConfig:
    token: str
    api_url: str = DEFAULT_API_URL
    #: webhook mode: where the Bot API server POSTs updates (public URL) and where we listen.
    webhook: bool = False
    webhook_url: str | None = None
    listen: str = "127.0.0.1"
    port: int = 8443
    webhook_path: str = "/telegram"
    secret_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    #: AIORateLimiter: retries on flood control (RetryAfter).
    max_retries: int = 3
    #: Telegram's limits: 30 messages per second overall, 20 per minute per group.
    overall_max_rate: float = 30
    group_max_rate: float = 20
    #: polling: long-poll timeout (seconds).
    poll_timeout: int = 10
    concurrent_updates: int = 64
    public_url: str | None = None
    #: optional Telegram staff group (new tickets posted there, replies relayed: bot.staff_group).
    staff_chat_id: int | None = None
    #: helpdesk outbox: seconds between two polls when idle (bot.delivery_worker).
    delivery_interval: float = 2.0

    @property
    def base_url(self) -> str:
        return f"{self.api_url.rstrip('/')}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.api_url.rstrip('/')}/file/bot"

    @classmethod
    def from_env(cls, token: str | None = None, api_url: str | None = None, **kwargs) -> BotConfig:
        token = token or os.environ.get("CERES_TELEGRAM_TOKEN")
        if not token:
            raise InvalidInput(
                "Indiquez le jeton du bot avec --token ou la variable CERES_TELEGRAM_TOKEN."
            )
        api_url = api_url or os.environ.get("CERES_TELEGRAM_API_URL") or DEFAULT_API_URL
        if not api_url.startswith(("http://", "https://")):
            raise InvalidInput(f"L'adresse du serveur Bot API « {api_url} » doit commencer par http:// ou https://.")
        secret = kwargs.pop("secret_token", None) or os.environ.get("CERES_WEBHOOK_SECRET")
        if secret:
            kwargs["secret_token"] = secret
        kwargs.setdefault("webhook_url", os.environ.get("CERES_WEBHOOK_URL"))
        kwargs.setdefault("public_url", os.environ.get("CERES_PUBLIC_URL"))
        staff_chat = kwargs.get("staff_chat_id") or os.environ.get("CERES_STAFF_CHAT_ID")
        if staff_chat:
            try:
                kwargs["staff_chat_id"] = int(str(staff_chat).strip())
            except ValueError:
                raise InvalidInput(
                    f"L'identifiant du groupe du support « {staff_chat} » doit être un nombre "
                    "(par exemple -1001234567890)."
                ) from None
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        return cls(token=token, api_url=api_url.rstrip("/"), **kwargs)
