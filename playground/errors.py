"""The error tree. Every message is written for the person using the playground:
what went wrong and what to do. Imports neither gradio nor httpx.

A message never contains an API key: keys are never passed to these classes, and
provider texts are scrubbed by the transport before they get here.
"""

from __future__ import annotations


class PlaygroundError(Exception):
    """Base of every error the playground shows to a user."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def user_message(self) -> str:
        return f"{self.message} {self.hint}" if self.hint else self.message


class InputError(PlaygroundError):
    """Bad input caught before any request is sent (nothing was billed)."""


class AudioInputError(InputError):
    """A voice sample that is empty, silent, corrupt, too long/short/large or of a wrong format."""


class TargetRefusedError(InputError):
    """A URL the app will not contact (a private or internal address, or not http(s)): nothing was sent."""


class MissingKeyError(PlaygroundError):
    """A real-service call without a key."""


class UnsupportedError(PlaygroundError):
    """The provider (or model) has no such operation."""


class ProviderError(PlaygroundError):
    """The provider answered with an error. Keeps the evidence."""

    default_hint: str | None = None

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        status: int | None = None,
        code: str | int | None = None,
        provider_message: str | None = None,
        request_id: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint or self.default_hint)
        self.provider = provider
        self.status = status
        self.code = code
        self.provider_message = provider_message
        self.request_id = request_id

    def user_message(self) -> str:
        parts = [self.message]
        evidence = []
        if self.status is not None:
            evidence.append(f"HTTP {self.status}")
        if self.code not in (None, ""):
            evidence.append(f"code {self.code}")
        if self.request_id:
            evidence.append(f"request id {self.request_id}")
        if evidence:
            parts[0] = f"{self.message} ({', '.join(evidence)})"
        if self.provider_message:
            parts.append(f"The provider said: {self.provider_message}")
        if self.hint:
            parts.append(self.hint)
        return " ".join(parts)


class BadRequestError(ProviderError):
    default_hint = "Check the fields named in the message and try again."


class AuthenticationError(ProviderError):
    default_hint = "Check the API key (and that it belongs to this host/region), then try again."


class PermissionDeniedError(ProviderError):
    default_hint = "This account may not use this feature (some providers need real-name verification)."


class NotFoundError(ProviderError):
    default_hint = "Check the base URL, the model name and the voice id."


class RateLimitError(ProviderError):
    default_hint = "Wait a moment and try again."

    def __init__(self, message: str, *, retry_after_s: float | None = None, **kw) -> None:
        super().__init__(message, **kw)
        self.retry_after_s = retry_after_s
        if retry_after_s is not None and self.hint == self.default_hint:
            self.hint = f"Wait {retry_after_s:g} s and try again."


class QuotaError(ProviderError):
    default_hint = "Top up the account balance or raise the quota in the provider's console."


class ContentRejectedError(ProviderError):
    default_hint = "The provider flagged the text or audio; change it and try again."


class OverloadedError(ProviderError):
    default_hint = "The provider is overloaded; try again in a little while."


class ServerError(ProviderError):
    default_hint = "The provider failed; try again later."


class ProviderTimeoutError(ProviderError):
    default_hint = "The provider took too long. Try a shorter text, or again later."


class ConnectionFailedError(ProviderError):
    default_hint = "Check the base URL and the network connection."


class InvalidResponseError(ProviderError):
    default_hint = "The endpoint did not return audio; check the base URL points at the provider's API."


class StreamInterruptedError(ProviderError):
    default_hint = "The connection was cut before the audio was complete; nothing was saved. Try again."
