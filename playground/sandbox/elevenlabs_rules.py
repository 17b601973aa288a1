"""How the ElevenLabs simulator answers errors (providers-more.md 1.5), and its field checks.

Three shapes, as the real API sends them:
- current: `{"detail": {"type", "code", "message", "status" (mirrors code), "request_id", "param"}}`
- legacy:  `{"detail": {"status": "<code>", "message": "..."}}` (still seen in 2025-26 for
  quota_exceeded, voice_limit_reached, invalid_api_key, max_character_limit_exceeded, voice_not_found)
- 422 FastAPI validation: `{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}`
Codes marked "sandbox code" are this simulator's own words where the real code is UNCONFIRMED.
"""

from __future__ import annotations

import json
import secrets
from typing import Any, Literal, overload

from fastapi.responses import JSONResponse, Response

from playground.sandbox.control import Fault

LEGACY = {"quota_exceeded", "voice_limit_reached", "invalid_api_key", "max_character_limit_exceeded", "voice_not_found"}
TYPES = {
    400: "validation_error",
    401: "authentication_error",
    402: "payment_required",
    403: "authorization_error",
    404: "not_found",
    429: "rate_limit_error",
    500: "internal_error",
    502: "internal_error",
    503: "service_unavailable",
    504: "internal_error",
}
# fault statuses -> the code the simulator puts in the body (a fault's `code` overrides it)
FAULT_CODES = {
    400: "invalid_parameters",
    401: "invalid_api_key",
    402: "payment_required",
    403: "missing_permissions",
    404: "not_found",
    429: "system_busy",
    500: "internal_server_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}
MESSAGES = {
    "invalid_api_key": "Invalid API key",
    "quota_exceeded": (
        "This request exceeds your quota of {limit}. You have {left} credits remaining, while {cost} "
        "credits are required for this request."
    ),
    "voice_limit_reached": (
        "You have reached your maximum amount of custom voices ({used} / {limit}). You can "
        "upgrade your subscription to increase your custom voice limit."
    ),
    "system_busy": "The system is experiencing heavy traffic, please try again.",
    "too_many_concurrent_requests": "Too many concurrent requests.",
    "invalid_parameters": "Invalid parameters.",
    "missing_permissions": "The API key does not have the required permissions.",
    "not_found": "Not found.",
    "internal_server_error": "Internal server error.",
    "bad_gateway": "Bad gateway.",
    "service_unavailable": "The service is temporarily unavailable.",
    "gateway_timeout": "Gateway timeout.",
    "payment_required": "Payment required.",
}


def request_id() -> str:
    return secrets.token_hex(16)


def error(
    status: int,
    code: str,
    message: str | None = None,
    *,
    param: str | None = None,
    legacy: bool | None = None,
    **fmt: Any,
) -> Response:
    if message is None:
        message = MESSAGES.get(code, code).format(**fmt) if fmt else MESSAGES.get(code, code)
    rid = request_id()
    if legacy if legacy is not None else code in LEGACY:
        detail: dict[str, Any] = {"status": code, "message": message}
    else:
        detail = {
            "type": TYPES.get(status, "validation_error"),
            "code": code,
            "message": message,
            "status": code,
            "request_id": rid,
            "param": param,
        }
    return JSONResponse({"detail": detail}, status_code=status, headers={"request-id": rid})


def validation(loc: list, msg: str, kind: str = "value_error") -> Response:
    return JSONResponse({"detail": [{"loc": loc, "msg": msg, "type": kind}]}, status_code=422)


class Invalid(Exception):
    """A request the real API would refuse, with the response it would give."""

    def __init__(self, response: Response) -> None:
        super().__init__(getattr(response, "body", b"")[:120])
        self.response = response


def bad(status: int, code: str, message: str | None = None, **kw) -> Invalid:
    return Invalid(error(status, code, message, **kw))


def invalid_field(loc: list, msg: str, kind: str = "value_error") -> Invalid:
    return Invalid(validation(loc, msg, kind))


def fault_response(fault: Fault | None) -> Response | None:
    """Status faults in ElevenLabs' shapes (with Retry-After on 429); `code` picks the body code,
    e.g. kind "401" code "quota_exceeded", kind "400" code "voice_limit_reached"."""
    if fault is None or not fault.kind.isdigit():
        return None
    status = int(fault.kind)
    code = str(fault.code) if fault.code else FAULT_CODES.get(status, "internal_server_error")
    limit = 10 if code == "voice_limit_reached" else 10000
    response = error(status, code, limit=limit, left=0, cost=91, used=10)
    if status == 429 and fault.retry_after is not None:
        response.headers["Retry-After"] = f"{fault.retry_after:g}"
    return response


# -- field checks (pydantic-like: a wrong type or range is a 422) -------------------------------------------
def only_query(request: Any, allowed: set[str]) -> None:
    extra = sorted(set(request.query_params) - allowed)
    if extra:
        raise invalid_field(["query", extra[0]], "Extra inputs are not permitted", "extra_forbidden")


def number(doc: dict, name: str, lo: float, hi: float, where: str = "body") -> float | None:
    if name not in doc or doc[name] is None:
        return None
    value = doc[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise invalid_field([where, name], "Input should be a valid number", "float_parsing")
    if not lo <= value <= hi:
        raise invalid_field([where, name], f"Input should be between {lo:g} and {hi:g}", "value_error")
    return float(value)


def integer(value: Any, loc: list, lo: int, hi: int) -> int:
    if isinstance(value, bool):
        raise invalid_field(loc, "Input should be a valid integer", "int_type")
    try:
        number_ = int(value) if isinstance(value, (int, str)) else None
    except ValueError:
        number_ = None
    if number_ is None:
        raise invalid_field(loc, "Input should be a valid integer", "int_parsing")
    if not lo <= number_ <= hi:
        raise invalid_field(loc, f"Input should be between {lo} and {hi}", "value_error")
    return number_


@overload
def text(doc: dict, name: str, *, required: Literal[True]) -> str: ...
@overload
def text(doc: dict, name: str, *, required: bool = False) -> str | None: ...
def text(doc: dict, name: str, *, required: bool = False) -> str | None:
    if doc.get(name) is None:
        if required:
            raise invalid_field(["body", name], "Field required", "missing")
        return None
    if not isinstance(doc[name], str):
        raise invalid_field(["body", name], "Input should be a valid string", "string_type")
    return doc[name]


def boolean(value: Any, loc: list) -> bool:
    """JSON booleans, or the form strings "true"/"false" (1.7 gotcha 6)."""
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise invalid_field(loc, "Input should be a valid boolean ('true' or 'false')", "bool_parsing")


def enum(value: Any, allowed, loc: list) -> Any:
    if value not in allowed:
        raise invalid_field(loc, f"Input should be {', '.join(repr(a) for a in allowed)}", "enum")
    return value


def labels(value: str) -> dict[str, str]:
    """`labels` is a JSON-serialised {str: str} inside a form field."""
    try:
        doc = json.loads(value)
    except ValueError:
        raise invalid_field(["body", "labels"], "labels must be a JSON-serialised object", "json_invalid") from None
    if not isinstance(doc, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in doc.items()):
        raise invalid_field(["body", "labels"], "labels must map strings to strings", "dict_type")
    return doc
