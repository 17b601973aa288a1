"""The MiniMax request contract the simulator enforces (seed 002, providers.md section 1):
field names, types, enums and ranges of voice_clone, t2a_v2, get_voice and delete_voice.
Each check raises Invalid(code, message) with MiniMax's own status codes."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from playground import presets

PROVIDER = "minimax"
UPLOAD_PURPOSES = {"voice_clone", "prompt_audio", "t2a_async_input"}
AUDIO_FORMATS = {"mp3", "m4a", "wav"}
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
CLONE_FIELDS = {
    "file_id",
    "voice_id",
    "clone_prompt",
    "text",
    "model",
    "language_boost",
    "need_noise_reduction",
    "need_volume_normalization",
    "aigc_watermark",
    "continuous_sound",
    "accuracy",
}
T2A_FIELDS = {
    "model",
    "text",
    "stream",
    "stream_options",
    "output_format",
    "voice_setting",
    "audio_setting",
    "pronunciation_dict",
    "timbre_weights",
    "language_boost",
    "voice_modify",
    "subtitle_enable",
}
VOICE_SETTING_FIELDS = {"voice_id", "speed", "vol", "pitch", "emotion", "text_normalization", "latex_read"}
AUDIO_SETTING_FIELDS = {"sample_rate", "bitrate", "format", "channel", "force_cbr"}
VOICE_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{6,254}[A-Za-z0-9]$")
PAUSE = re.compile(r"<#(.*?)#>")


class Invalid(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def spec() -> dict:
    return presets.load(PROVIDER)


def _bool(doc: dict, name: str) -> None:
    if name in doc and not isinstance(doc[name], bool):
        raise Invalid(2013, f"invalid params, {name} must be a boolean")


def _number(doc: dict, name: str, lo: float, hi: float, *, integer: bool = False, open_lo: bool = False) -> None:
    if name not in doc:
        return
    value = doc[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not isinstance(value, int)):
        raise Invalid(2013, f"invalid params, {name} must be {'an integer' if integer else 'a number'}")
    if not (lo < value <= hi if open_lo else lo <= value <= hi):
        raise Invalid(2013, f"invalid params, {name} must be in {'(' if open_lo else '['}{lo:g}, {hi:g}]")


def _enum(doc: dict, name: str, allowed) -> None:
    if name in doc and doc[name] not in allowed:
        raise Invalid(2013, f"invalid params, {name} must be one of {', '.join(map(str, allowed))}")


def _unknown(doc: dict, allowed: set, where: str) -> None:
    extra = sorted(set(doc) - allowed)
    if extra:
        raise Invalid(2013, f"invalid params, unknown field(s) in {where}: {', '.join(extra)}")


def _int64(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(2013, f"invalid params, {name} must be an integer (int64)")
    return value


def check_text(text: Any, limit: int, name: str = "text") -> str:
    if not isinstance(text, str) or not text.strip():
        raise Invalid(2013, f"invalid params, {name} is required")
    if len(text) > limit:
        raise Invalid(2013, f"invalid params, {name} exceeds {limit} characters")
    for marker in PAUSE.findall(text):
        try:
            ok = 0.01 <= float(marker) <= 99.99
        except ValueError:
            ok = False
        if not ok:
            raise Invalid(2013, f"invalid params, pause <#{marker}#> must be 0.01-99.99 seconds")
    invisible = sum(1 for c in text if unicodedata.category(c) in ("Cc", "Cf", "Co", "Cn") and c not in "\n\t\r")
    if invisible / len(text) > 0.10:
        raise Invalid(1042, "illegal characters exceed 10%")
    return text


def check_clone(doc: Any, files: dict, voices: dict, deleted: dict) -> dict:
    if not isinstance(doc, dict):
        raise Invalid(2013, "invalid params, body must be a JSON object")
    _unknown(doc, CLONE_FIELDS, "voice_clone")
    file_id = _int64(doc.get("file_id"), "file_id")
    voice_id = doc.get("voice_id")
    if not isinstance(voice_id, str) or not VOICE_ID.match(voice_id):
        raise Invalid(
            20132, "invalid voice_id: 8-256 chars, starts with a letter, letters/digits/-/_, must not end with - or _"
        )
    if voice_id in voices or voice_id in deleted:
        raise Invalid(2039, f"voice_id {voice_id} already exists")
    source = files.get(file_id)
    if source is None or source["purpose"] != "voice_clone":
        raise Invalid(20132, f"file_id {file_id} is not an uploaded file with purpose voice_clone")
    if not 10.0 <= source["duration_s"] <= 300.0:
        raise Invalid(2037, f"voice clone file duration {source['duration_s']:.1f}s, must be 10s-5min")
    prompt = doc.get("clone_prompt")
    if prompt is not None:
        if not isinstance(prompt, dict):
            raise Invalid(2013, "invalid params, clone_prompt must be an object")
        _unknown(prompt, {"prompt_audio", "prompt_text"}, "clone_prompt")
        clip = files.get(_int64(prompt.get("prompt_audio"), "clone_prompt.prompt_audio"))
        if clip is None or clip["purpose"] != "prompt_audio":
            raise Invalid(2013, "invalid params, clone_prompt.prompt_audio is not a file with purpose prompt_audio")
        if clip["duration_s"] >= 8.0:
            raise Invalid(2048, "prompt audio too long, must be less than 8s")
        check_text(prompt.get("prompt_text"), 1000, "clone_prompt.prompt_text")
    if "text" in doc:
        check_text(doc["text"], 1000)
        if "model" not in doc:
            raise Invalid(2013, "invalid params, model is required when text is set")
    _enum(doc, "model", spec()["models"])
    _enum(doc, "language_boost", spec()["language_boost"])
    for name in ("need_noise_reduction", "need_volume_normalization", "aigc_watermark", "continuous_sound"):
        _bool(doc, name)
    _number(doc, "accuracy", 0.0, 1.0)
    return doc


def check_t2a(doc: Any, voice_exists) -> dict:
    """A t2a_v2 body. `voice_exists(voice_id)` says whether this key may use a voice."""
    if not isinstance(doc, dict):
        raise Invalid(2013, "invalid params, body must be a JSON object")
    s = spec()
    _unknown(doc, T2A_FIELDS, "t2a_v2")
    if doc.get("model") not in s["models"]:
        raise Invalid(2013, "invalid params, model is required and must be a supported speech model")
    check_text(doc.get("text"), 9999)
    _bool(doc, "stream")
    _bool(doc, "subtitle_enable")
    _enum(doc, "output_format", ["hex", "url"])
    _enum(doc, "language_boost", s["language_boost"])
    stream = doc.get("stream", False)
    if stream and doc.get("output_format") == "url":
        raise Invalid(2013, "invalid params, output_format url is not supported with stream")
    options = doc.get("stream_options", {})
    if not isinstance(options, dict):
        raise Invalid(2013, "invalid params, stream_options must be an object")
    _unknown(options, {"exclude_aggregated_audio"}, "stream_options")
    _bool(options, "exclude_aggregated_audio")
    voice = doc.get("voice_setting")
    weights = doc.get("timbre_weights")
    if weights is not None:
        if not isinstance(weights, list) or not weights:
            raise Invalid(2013, "invalid params, timbre_weights must be a non-empty array")
        for item in weights:
            if not isinstance(item, dict) or not voice_exists(item.get("voice_id")):
                raise Invalid(2042, "timbre_weights voice_id does not exist or is not accessible")
            _number(item, "weight", 1, 100, integer=True)
    if not isinstance(voice, dict) and weights is None:
        raise Invalid(2013, "invalid params, voice_setting is required")
    voice = voice or {}
    _unknown(voice, VOICE_SETTING_FIELDS, "voice_setting")
    if weights is None or "voice_id" in voice:
        if weights is not None:
            raise Invalid(2013, "invalid params, leave voice_setting.voice_id out when timbre_weights is set")
        if not isinstance(voice.get("voice_id"), str) or not voice["voice_id"]:
            raise Invalid(2013, "invalid params, voice_setting.voice_id is required")
        if not voice_exists(voice["voice_id"]):
            raise Invalid(2042, f"voice_id {voice['voice_id']} does not exist or is not accessible")
    _number(voice, "speed", 0.5, 2.0)
    _number(voice, "vol", 0.0, 10.0, open_lo=True)
    _number(voice, "pitch", -12, 12, integer=True)
    _enum(voice, "emotion", s["emotions"])
    _bool(voice, "text_normalization")
    _bool(voice, "latex_read")
    audio = doc.get("audio_setting", {})
    if not isinstance(audio, dict):
        raise Invalid(2013, "invalid params, audio_setting must be an object")
    _unknown(audio, AUDIO_SETTING_FIELDS, "audio_setting")
    _enum(audio, "sample_rate", s["sample_rates"])
    _enum(audio, "bitrate", s["bitrates"])
    _enum(audio, "format", s["formats"])
    _enum(audio, "channel", s["channels"])
    _bool(audio, "force_cbr")
    if stream and audio.get("format") == "wav":
        raise Invalid(2013, "invalid params, wav format is only supported in non-streaming mode")
    return doc
