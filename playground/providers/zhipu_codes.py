"""Zhipu BigModel business codes (`error.code`, providers.md 2.7) -> typed errors, each with its fix.

Zhipu answers errors as `{"error": {"code": "<string>", "message": "..."}}` with HTTP 400
(parameters), 401 (auth), 429 (concurrency, balance, account) or 500. The code is what
tells a balance problem from a rate limit, so it decides the error class, and it decides
whether a 429 is worth retrying at all.
"""

from __future__ import annotations

from playground import errors
from playground.http import NOT_JSON, Transport, decode_body


def _codes(codes, cls) -> dict[str | int, type[errors.ProviderError]]:
    return {str(code): cls for code in codes}


CODE_ERRORS: dict[str | int, type[errors.ProviderError]] = {
    **_codes(range(1000, 1005), errors.AuthenticationError),
    **_codes((1110, 1111, 1112, 1120, 1121), errors.PermissionDeniedError),
    "1113": errors.QuotaError,
    **_codes((1210, 1212, 1213, 1214, 1215), errors.BadRequestError),
    "1211": errors.NotFoundError,
    **_codes((1220, 1221, 1222), errors.PermissionDeniedError),
    **_codes((1230, 1234), errors.ServerError),
    "1231": errors.BadRequestError,
    "1261": errors.BadRequestError,
    "1301": errors.ContentRejectedError,
    **_codes((1302, 1303, 1305), errors.RateLimitError),
    **_codes((1304, 1308, 1310), errors.QuotaError),
}
# "500" is left out on purpose: the HTTP status (500/503/504) picks the class then.

_AUTH = (
    "Check ZHIPU_API_KEY (or the key typed in the tab): it is missing, invalid or expired. "
    "Keys: https://bigmodel.cn/usercenter/proj-mgmt/apikeys"
)
_ACCOUNT = "The account is inactive, locked or not verified: check it in the bigmodel.cn console."
_ACCESS = "This key may not use this API or model: check the model permissions in the bigmodel.cn console."

CODE_HINTS: dict[str, str] = {
    **{str(code): _AUTH for code in range(1000, 1005)},
    **{str(code): _ACCOUNT for code in (1110, 1111, 1112, 1120, 1121)},
    "1113": "The account is in arrears: top up the balance at bigmodel.cn (Finance) and try again.",
    "1210": "A parameter is wrong: check the field named in the message.",
    "1211": "Use glm-tts for speech and glm-tts-clone for cloning (older accounts: cogtts / cogtts-clone).",
    "1212": "This endpoint does not support that method: check the base URL (it should end in /api).",
    "1213": "A required field is missing: check the field named in the message.",
    "1214": (
        "A field has an illegal value: check the one named in the message (voice, file_id, "
        "speed 0.5–2, volume above 0 and at most 10, response_format wav or pcm)."
    ),
    "1215": "Two fields conflict: streaming works only with response_format pcm.",
    **{str(code): _ACCESS for code in (1220, 1221, 1222)},
    "1230": "The provider failed while handling the request: try again later.",
    "1231": "This request_id was used before: leave it empty to generate a new one, or choose another.",
    "1234": "The provider had a network problem: try again later.",
    "1261": "The text is too long: glm-tts takes at most 1024 characters; shorten it or split it.",
    "1301": "The text or audio was flagged as unsafe or sensitive: change it and try again.",
    "1302": "Too many requests at once for this key: wait for the others to finish, then try again.",
    "1303": "Requests are too frequent: wait a moment and try again.",
    "1304": "Today's call quota is used up: try again tomorrow or raise the quota in the console.",
    "1305": "The service is limiting traffic right now: try again in a little while.",
    "1308": "The usage cap is reached: the provider's message says when it resets; wait until then.",
    "1310": "The usage cap is reached: the provider's message says when it resets; wait until then.",
}
RETRYABLE_CLASSES = (errors.RateLimitError, errors.ServerError, errors.OverloadedError)


def parse_error(status: int, body: bytes, content_type: str) -> tuple[str | None, str | None]:
    """`{"error": {"code", "message"}}`; tolerant of `{"code", "msg"}` and plain text."""
    doc, text = decode_body(body)
    if doc is NOT_JSON:
        return None, text[:300] or None
    if isinstance(doc, dict):
        err = doc.get("error")
        if isinstance(err, dict):
            code = err.get("code")
            return (None if code is None else str(code)), err.get("message")
        if isinstance(err, str):
            return (None if doc.get("code") is None else str(doc["code"])), err
        if doc.get("code") is not None:
            return str(doc["code"]), doc.get("msg") or doc.get("message")
    return None, text[:300] or None


class ZhipuTransport(Transport):
    """The shared transport, plus Zhipu's per-code fixes and 'do not retry a balance 429'."""

    def error(self, **kw) -> errors.ProviderError:
        exc = super().error(**kw)
        hint = CODE_HINTS.get(str(exc.code)) if exc.code not in (None, "") else None
        if hint:
            wait = getattr(exc, "retry_after_s", None)
            exc.hint = f"{hint} (The provider asked to wait {wait:g} s.)" if wait else hint
        return exc

    def retryable_answer(self, status: int, body: bytes, content_type: str) -> bool:
        code, _ = parse_error(status, body, content_type)
        cls = CODE_ERRORS.get(code or "")
        return cls is None or issubclass(cls, RETRYABLE_CLASSES)
