"""Every message a handler can show has Chinese (presets/messages.json), and English stays the default.

The walk is over the source: each PlaygroundError (any subclass, any module) and gr.Error/Info/Warning
built with a literal or an f-string, each `hint=`, each class `default_hint`. f-string parts become
placeholders, so "Text is {n} characters" needs a catalog template of the same shape.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from playground import errors, messages
from playground.errors import BadRequestError, InputError, RateLimitError

ROOT = Path(__file__).resolve().parents[2] / "playground"
# errors no person reads: bugs of ours, the sandbox's own plumbing
INTERNAL = {"RuntimeError", "ValueError", "TypeError", "KeyError", "AssertionError", "OSError", "Invalid"}


def _template(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _template(node.left), _template(node.right)
        return left + right if left is not None and right is not None else None
    return None


def _user_error_classes(trees: list[ast.Module]) -> set[str]:
    bases: dict[str, set[str]] = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases[node.name] = {getattr(b, "id", None) or getattr(b, "attr", "") for b in node.bases}
    found = {"PlaygroundError"}
    changed = True
    while changed:
        changed = False
        for name, parents in bases.items():
            if name not in found and parents & found:
                found.add(name)
                changed = True
    return found


def source_messages() -> set[str]:
    trees = [ast.parse(p.read_text(encoding="utf-8")) for p in sorted(ROOT.rglob("*.py"))]
    user_errors = _user_error_classes(trees)
    shown = user_errors | {"Error", "Info", "Warning"}  # gr.Error, gr.Info, gr.Warning
    found: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None) or ""
                if name in shown and name not in INTERNAL and node.args:
                    found.add(_template(node.args[0]) or "")
                if name in user_errors:
                    for kw in node.keywords:
                        if kw.arg == "hint":
                            found.add(_template(kw.value) or "")
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "default_hint" for t in node.targets):
                found.add(_template(node.value) or "")
    found.discard("")
    return found


def _shape(text: str) -> str:
    return re.sub(r"\{\w*\}", "{}", text)


def test_every_message_in_the_source_has_chinese():
    from playground import presets

    shapes = {_shape(row["en"]) for row in presets.load("messages")["templates"]}
    missing = sorted(
        m
        for m in source_messages()
        if ("{}" in m and _shape(m) not in shapes) or ("{}" not in m and messages.chinese(m) is None)
    )
    assert not missing, "no Chinese in presets/messages.json for:\n" + "\n".join(missing)


def test_every_provider_error_summary_has_chinese():
    from playground.http import STATUS_ERRORS, Transport

    transport = Transport("siliconflow", "SiliconFlow", lambda s, b, c: (None, None), {})
    classes = set(STATUS_ERRORS.values()) | {
        errors.ServerError,
        errors.ConnectionFailedError,
        errors.InvalidResponseError,
        errors.StreamInterruptedError,
        errors.ContentRejectedError,
    }
    for cls in classes:
        exc = transport.error(status=500, code=None, provider_message="内部错误 internal", cls=cls)
        zh = messages.user_message(exc, messages.ZH)
        assert messages.chinese(exc.message), exc.message
        assert "内部错误 internal" in zh  # the provider's own words, verbatim
        assert exc.hint is None or messages.chinese(exc.hint), exc.hint


def test_templates_translate_their_parts():
    exc = InputError("Text is 12 characters; SiliconFlow accepts at most 5.", hint="Shorten it or split it into parts.")
    exc.message = "Text is 12 characters; SiliconFlow accepts at most 5."
    en = messages.user_message(exc, messages.EN)
    assert en == exc.user_message()
    zh = messages.user_message(
        InputError("The audio is empty (0 bytes).", hint="Record again or choose another file."), messages.ZH
    )
    assert zh == "音频为空（0 字节）。请重新录制或选择其他文件。"


def test_the_consent_reminders_name_the_checkbox_as_the_page_shows_it():
    from playground.ui.clinic_ui import CONSENT_LABEL

    for action in ("cloning", "uploading a voice sample"):
        zh = messages.translate(f"Tick \u201c{CONSENT_LABEL}\u201d before {action}.", messages.ZH)
        assert "我有权克隆这个声音" in zh and CONSENT_LABEL not in zh, zh


def test_rate_limit_with_retry_after_in_chinese():
    exc = RateLimitError(
        "SiliconFlow (sandbox) is rate limiting this key",
        provider="siliconflow",
        status=429,
        code=50603,
        provider_message="System is too busy now.",
        retry_after_s=2,
    )
    zh = messages.user_message(exc, messages.ZH)
    assert zh.startswith("SiliconFlow（沙盒） 正在对此密钥限流（HTTP 429，代码 50603）")
    assert "System is too busy now." in zh and "请等待 2 秒后重试" in zh


def test_summary_segments():
    text = "**Done** in 0.32 s (first byte 0.30 s) · mp3 · 24000 Hz · 1.0 KiB · voice `alex` · sandbox"
    zh = messages.translate(text, messages.ZH)
    assert zh.startswith("**完成**，用时 0.32 秒（首字节 0.30 秒） · mp3")
    assert zh.endswith("音色 `alex` · 沙盒")
    assert messages.translate(text, messages.EN) == text


@pytest.mark.parametrize(
    "headers, lang",
    [
        (None, "en"),
        ({}, "en"),
        ({"accept-language": "zh-CN,zh;q=0.9,en;q=0.8"}, "zh-CN"),
        ({"accept-language": "en-US,en;q=0.9,zh;q=0.8"}, "en"),
        ({"accept-language": "zh-CN", "cookie": "a=b; vcp-lang=en"}, "en"),
        ({"accept-language": "en", "cookie": "vcp-lang=zh-CN"}, "zh-CN"),
    ],
)
def test_language_of(headers, lang):
    assert messages.language_of(headers) == lang


def test_api_default_is_english():
    assert messages.language() == "en"  # no request: an API caller without Accept-Language
    assert messages.translate("Type the text to speak.") == "Type the text to speak."
    assert BadRequestError("x", provider="p").user_message().startswith("x")


def test_the_arena_score_explanations_have_chinese():
    """The one-line explanations under the scorecard are static UI text (ui/i18n.py translates it whole)."""
    from playground.arena import report
    from playground.ui import i18n

    zh = i18n.chinese(report.help_markdown())
    assert zh and "说话人相似度" in zh and zh.count("\n") == report.help_markdown().count("\n")


def test_values_stay_values_and_labels_are_asked_for():
    """Every handler output goes through translate(): a choice value that is also a page label
    ("happy", "English", "all") must come back unchanged; label() is how a handler names a column."""
    for value in ("happy", "English", "all", "PRIVATE", "voice_cloning", "auto"):
        assert messages.translate(value, messages.ZH) == value
    assert messages.label("Format", messages.ZH) == "格式" and messages.label("Format", messages.EN) == "Format"
    assert messages.label("Best 7.5 s window", messages.ZH) != "Best 7.5 s window"  # a template of the page
