"""What the Zhipu simulator checks, and how it answers errors (providers.md section 2, seed 004).

Error shape: `{"error": {"code": "<string>", "message": "..."}}` with HTTP 400 (parameters),
401 (auth), 429 (concurrency, balance, account, quota) or 500 (providers.md 2.7).
"""

from __future__ import annotations

from typing import Any, Literal, overload

from fastapi.responses import JSONResponse, Response

from playground.sandbox.control import Fault

MESSAGES = {
    "1001": "Header中未收到Authorization参数，无法进行身份验证。",
    "1002": "Authorization Token非法，请确认Authorization Token正确传递。",
    "1113": "您的账户已欠费，请充值后重试。",
    "1211": "模型不存在，请检查模型代码。",
    "1231": "request_id 重复，请更换后重试。",
    "1261": "Prompt 超长",
    "1301": "系统检测到输入或生成内容可能包含不安全或敏感内容，请您避免输入易产生敏感内容的提示语，感谢您的配合。",
    "1302": "您当前使用该API的并发数过高，请降低并发，或联系客服增加限额。",
    "1303": "您当前使用该API的频率过高，请降低频率，或联系客服增加限额。",
    "1304": "该API的今日调用次数限额已达到上限，如需更多次数，请联系客服购买。",
    "1305": "当前API请求过多，请稍后重试。",
    "1308": "已达到 5 小时的使用上限。您的限额将在 2099-01-01 00:00:00 重置。",
    "1310": "已达到每周/每月使用上限。您的限额将在 2099-01-01 00:00:00 重置。",
    "500": "内部错误。",
}
RATE_CODES = {"1302", "1303", "1305"}
FAULT_DEFAULT_CODES = {429: "1302", 500: "500", 503: "500", 504: "500"}
# Words that make the simulator answer 1301 (content flagged), so tests can reach that family.
UNSAFE_MARKERS = ("unsafe-content", "违禁内容")


def status_for(code: str) -> int:
    """The HTTP status Zhipu pairs with a business code (providers.md 2.7, FAQ)."""
    number = int(code) if code.isdigit() else 500
    if 1000 <= number <= 1004:
        return 401
    if 1100 <= number < 1200 or number in (1302, 1303, 1304, 1305, 1308, 1310):
        return 429
    if number == 500:
        return 500
    return 400


def error(code: str | int, message: str | None = None, status: int | None = None) -> Response:
    code = str(code)
    body = {"error": {"code": code, "message": message or MESSAGES.get(code, "请求参数错误")}}
    return JSONResponse(body, status_code=status or status_for(code))


def fault_response(fault: Fault | None) -> Response | None:
    """Status faults ("429", "500", "503", "504", optionally with a business `code`) and error_200."""
    if fault is None:
        return None
    if fault.kind == "error_200":
        code = str(fault.code or "500")
        return error(code, status=200)
    if not fault.kind.isdigit():
        return None
    status = int(fault.kind)
    code = str(fault.code) if fault.code else FAULT_DEFAULT_CODES.get(status, "500")
    response = error(code, status=status)
    if status == 429 and code in RATE_CODES and fault.retry_after is not None:
        response.headers["Retry-After"] = f"{fault.retry_after:g}"
    return response


class Invalid(Exception):
    """A request the real API would refuse: business code plus its message."""

    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(message or MESSAGES.get(code, code))
        self.code, self.message = code, message or MESSAGES.get(code, "请求参数错误")

    def response(self) -> Response:
        return error(self.code, self.message)


def only_fields(doc: Any, allowed: set[str]) -> dict:
    if not isinstance(doc, dict):
        raise Invalid("1210", "请求体必须是 JSON 对象 (the body must be a JSON object)")
    extra = sorted(set(doc) - allowed)
    if extra:
        raise Invalid("1210", f"不支持的参数 (unknown field): {', '.join(extra)}")
    return doc


@overload
def string(doc: dict, name: str, *, required: Literal[True]) -> str: ...
@overload
def string(doc: dict, name: str, *, required: bool) -> str | None: ...
def string(doc: dict, name: str, *, required: bool) -> str | None:
    if doc.get(name) is None:
        if required:
            raise Invalid("1213", f"未正常接收到{name}字段 (missing field {name})")
        return None
    value = doc[name]
    if not isinstance(value, str):
        raise Invalid("1214", f"{name} 字段类型错误，应为 string ({name} must be a string)")
    if not value.strip():
        raise Invalid("1214", f"{name} 不能为空 ({name} must not be empty)")
    return value


def one_of(doc: dict, name: str, allowed, default):
    value = doc.get(name, default)
    if value not in allowed:
        raise Invalid("1214", f"{name} 取值非法，可选: {', '.join(map(str, allowed))} ({name} must be one of them)")
    return value


def number(doc: dict, name: str, default: float, lo: float, hi: float, *, lo_open: bool = False) -> float:
    value = doc.get(name, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Invalid("1214", f"{name} 必须是数字 ({name} must be a number)")
    if (value <= lo if lo_open else value < lo) or value > hi:
        low = "(" if lo_open else "["
        raise Invalid("1214", f"{name} 取值范围为 {low}{lo:g}, {hi:g}] ({name} is out of range)")
    return float(value)


def boolean(doc: dict, name: str, default: bool) -> bool:
    value = doc.get(name, default)
    if not isinstance(value, bool):
        raise Invalid("1214", f"{name} 必须是布尔值 ({name} must be true or false)")
    return value


def check_safe(*texts: str | None) -> None:
    for text in texts:
        if text and any(marker in text for marker in UNSAFE_MARKERS):
            raise Invalid("1301")
