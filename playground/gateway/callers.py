"""Who may call the gateway and with whose provider keys.

- `PLAYGROUND_API_TOKEN`: when set, every call needs `Authorization: Bearer <token>`. Hosted mode
  (playground/hosted.py) requires it: without it the gateway answers 503 and does nothing.
- Provider keys: `X-Provider-Key` (for the provider of the call's model) or `X-<Provider>-Key`, the
  provider id with `_` as `-` (`X-SiliconFlow-Key`, `X-MiniMax-Key`, `X-Zhipu-Key`,
  `X-OpenAI-Compat-Key`; header names are case-insensitive). Locally a call without one uses the
  server's key or the sandbox (config.resolve_target). Hosted, a call without one is refused: the
  owner's key is never used for an API caller, whatever PLAYGROUND_SERVER_KEYS says.
Keys are read from the headers per call and never stored, logged or echoed.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Mapping

from playground import hosted, presets
from playground.gateway.problems import GatewayError

TOKEN_ENV = "PLAYGROUND_API_TOKEN"
GENERIC_HEADER = "x-provider-key"


def key_header(pid: str) -> str:
    return f"x-{pid.replace('_', '-')}-key"


def check_token(authorization: str | None) -> None:
    """Raise GatewayError unless the call may use the gateway at all."""
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        if hosted.is_hosted():
            raise GatewayError(
                503,
                "The API is turned off on this hosted server: its owner has not set "
                f"{TOKEN_ENV}. Use the web page, or run the playground yourself.",
                "service_unavailable",
                "api_disabled",
            )
        return
    given = (authorization or "").strip()
    given = given[7:].strip() if given[:7].lower() == "bearer " else ""
    if not given:
        raise GatewayError(
            401,
            "You didn't provide an API token. Send the playground's token as "
            "Authorization: Bearer <PLAYGROUND_API_TOKEN>.",
            "invalid_request_error",
            "missing_api_token",
        )
    if not hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8")):
        raise GatewayError(
            401,
            "Incorrect API token provided (this is the playground's own token, not a provider key).",
            "invalid_request_error",
            "invalid_api_key",
        )


def provider_key(headers: Mapping[str, str], pid: str) -> str | None:
    """The caller's key for a provider, or None. Hosted: a key is required (GatewayError 401)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    key = (lowered.get(key_header(pid)) or lowered.get(GENERIC_HEADER) or "").strip() or None
    if key is None and hosted.is_hosted():
        label = presets.load(pid)["label"]
        raise GatewayError(
            401,
            f"This hosted playground calls {label} with your own key only: send it as "
            f"{key_header(pid).title()}: <key> (or X-Provider-Key). The server's keys are "
            "never used for API calls.",
            "authentication_error",
            "missing_provider_key",
        )
    return key


def has_key(headers: Mapping[str, str], pid: str) -> bool:
    lowered = {k.lower() for k in headers}
    return key_header(pid) in lowered or GENERIC_HEADER in lowered
