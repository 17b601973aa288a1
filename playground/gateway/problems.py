"""Typed playground errors -> OpenAI's error shape and status codes.

`{"error": {"message", "type", "param", "code"}}`, the body every OpenAI client parses. The message
is the error's own user message, so the provider's status, business code and request id stay in it
("MiniMax rejected the request (HTTP 200, code 2013) The provider said: ..."). Keys never reach a
message: the transport scrubs provider texts and no error class is ever given a key.
"""

from __future__ import annotations

from dataclasses import dataclass

from playground import errors
from playground.hosted import DemoLimitError
from playground.visitors import ClientLimitError

INVALID = "invalid_request_error"


@dataclass
class GatewayError(Exception):
    """An error the gateway itself raises (auth, request shape)."""

    status: int
    message: str
    type: str = INVALID
    code: str | None = None
    param: str | None = None
    headers: dict | None = None


# class -> (HTTP status, type, code), most specific first
PROVIDER_STATUS: list[tuple[type[errors.ProviderError], int, str, str]] = [
    (errors.BadRequestError, 400, INVALID, "provider_rejected_request"),
    (errors.AuthenticationError, 401, "authentication_error", "invalid_api_key"),
    (errors.PermissionDeniedError, 403, "permission_error", "provider_permission_denied"),
    (errors.NotFoundError, 404, INVALID, "provider_not_found"),
    (errors.RateLimitError, 429, "rate_limit_error", "rate_limit_exceeded"),
    (errors.QuotaError, 429, "insufficient_quota", "insufficient_quota"),
    (errors.ContentRejectedError, 400, INVALID, "content_policy_violation"),
    (errors.OverloadedError, 503, "server_error", "provider_overloaded"),
    (errors.ProviderTimeoutError, 504, "server_error", "provider_timeout"),
    (errors.ConnectionFailedError, 502, "server_error", "provider_unreachable"),
    (errors.InvalidResponseError, 502, "server_error", "provider_invalid_response"),
    (errors.StreamInterruptedError, 502, "server_error", "provider_stream_interrupted"),
    (errors.ServerError, 502, "server_error", "provider_error"),
]


def classify(exc: BaseException) -> GatewayError:
    """Any exception -> the status and body an OpenAI client expects (never a traceback)."""
    if isinstance(exc, GatewayError):
        return exc
    if isinstance(exc, DemoLimitError):
        return GatewayError(429, exc.user_message(), "rate_limit_error", "demo_limit")
    if isinstance(exc, ClientLimitError):  # this server's own per-visitor limits: HTTP's 429, when to come back
        wait = max(1, int(exc.retry_after_s + 0.999))
        return GatewayError(
            429, exc.user_message(), "rate_limit_error", "rate_limit_exceeded", headers={"Retry-After": str(wait)}
        )
    if isinstance(exc, errors.ProviderError):
        for cls, status, kind, code in PROVIDER_STATUS:
            if isinstance(exc, cls):
                headers = None
                retry = getattr(exc, "retry_after_s", None)
                if retry is not None:
                    headers = {"Retry-After": f"{retry:g}"}
                return GatewayError(status, exc.user_message(), kind, code, headers=headers)
        return GatewayError(502, exc.user_message(), "server_error", "provider_error")
    from playground.gateway.catalog import UnknownModelError

    if isinstance(exc, UnknownModelError):
        return GatewayError(404, exc.user_message(), INVALID, "model_not_found", "model")
    if isinstance(exc, errors.MissingKeyError):
        return GatewayError(401, exc.user_message(), "authentication_error", "missing_provider_key")
    if isinstance(exc, errors.UnsupportedError):
        return GatewayError(400, exc.user_message(), INVALID, "unsupported_value")
    if isinstance(exc, errors.InputError):
        return GatewayError(400, exc.user_message(), INVALID, "invalid_value", param_of(exc.user_message()))
    if isinstance(exc, errors.PlaygroundError):
        return GatewayError(500, exc.user_message(), "server_error", "playground_error")
    return GatewayError(
        500,
        f"Unexpected error in the gateway ({type(exc).__name__}); nothing was billed twice, "
        "try again and report it if it persists.",
        "server_error",
        "internal_error",
    )


PARAM_WORDS = {
    "Text": "input",
    "Speed": "speed",
    "voice": "voice",
    "Voice": "voice",
    "format": "response_format",
    "model": "model",
    "Instructions": "instructions",
}


def param_of(message: str) -> str | None:
    """The request field an input error is about, when its message names one."""
    for word, param in PARAM_WORDS.items():
        if word in message.split(" ", 3)[:3]:
            return param
    return None


def body(err: GatewayError) -> dict:
    return {"error": {"message": err.message, "type": err.type, "param": err.param, "code": err.code}}
