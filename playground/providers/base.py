"""The one interface every provider adapter implements.

Public methods check once, then call the private hook; a hook the adapter does not
override raises UnsupportedError. Adapters declare what they can do as class flags,
and the UI builds from them.
"""

from __future__ import annotations

import dataclasses
import json
import unicodedata
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import httpx

from playground import config, cpu, hosted, presets
from playground.audio import SpeechAudio, VoiceSample, looks_like_text, sniff_format
from playground.config import Target
from playground.errors import InputError, InvalidResponseError, ProviderError, UnsupportedError
from playground.http import MAX_ERROR_BODY_BYTES, Timing, Transport

ChunkCallback = Callable[[bytes], Awaitable[None] | None]
# content types of a speech answer that is JSON or text instead of audio (Provider._refuse_text_answer)
TEXT_ANSWERS = ("application/json", "text/")


@dataclass
class Voice:
    id: str
    name: str
    provider: str
    model: str | None = None
    kind: str = "cloned"  # "cloned" | "system"
    text: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class UploadResult:
    """What an upload or clone created, with the exact sample that was sent."""

    voice_id: str
    provider: str
    model: str | None
    name: str
    sample: VoiceSample | None
    sandbox: bool
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class SpeechResult:
    audio: SpeechAudio
    provider: str
    model: str
    voice_label: str
    sandbox: bool
    timing: Timing
    request_fields: dict[str, Any] = field(default_factory=dict)


class Provider:
    """Base adapter. Subclasses set ID and the SUPPORTS_* flags and implement the hooks."""

    ID: ClassVar[str] = ""
    SUPPORTS_UPLOAD: ClassVar[bool] = False
    SUPPORTS_CLONE: ClassVar[bool] = False
    SUPPORTS_SPEAK: ClassVar[bool] = True
    SUPPORTS_LIST: ClassVar[bool] = False
    SUPPORTS_DELETE: ClassVar[bool] = False
    SUPPORTS_STREAM: ClassVar[bool] = False
    SUPPORTS_TRANSCRIBE: ClassVar[bool] = False  # speech recognition (see providers/asr.py)
    # What the UI builds from (playground/ui/tab_builder.py): the request dataclass of each operation
    # ("upload", "clone", "speak"), built from the form's fields by request_from_fields(); and the
    # account-level fields (e.g. a base URL) passed as keywords to every operation and to target().
    REQUESTS: ClassVar[dict[str, type]] = {}
    ACCOUNT_FIELDS: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        self.spec = presets.load(self.ID)
        self.label: str = self.spec["label"]
        self.transport = Transport(self.ID, self.label, self.parse_error, self.CODE_ERRORS)

    CODE_ERRORS: ClassVar[dict] = {}

    # -- where calls go --------------------------------------------------------------
    def target(self, api_key: str | None = None) -> Target:
        return config.resolve_target(self.ID, api_key)

    def is_sandbox(self, api_key: str | None = None) -> bool:
        return config.is_sandbox(self.ID, api_key)

    @staticmethod
    def parse_error(status: int, body: bytes, content_type: str) -> tuple[str | int | None, str | None]:
        return None, body[:300].decode("utf-8", "replace") or None

    # -- public operations: check, then the hook ------------------------------------
    async def upload_voice(self, request: Any, *, api_key: str | None = None) -> UploadResult:
        self._require(self.SUPPORTS_UPLOAD, "uploading a voice")
        request = await cpu.run(self.check_upload, request, kind="before")  # decodes audio: the CPU pool
        hosted.note_upload()  # a capped demo key charges uploads a fixed amount (hosted.py)
        return await self._upload_voice(self.target(api_key), request)

    async def clone_voice(self, request: Any, *, api_key: str | None = None) -> UploadResult:
        self._require(self.SUPPORTS_CLONE, "cloning a voice")
        request = await cpu.run(self.check_clone, request, kind="before")
        hosted.note_upload(getattr(request, "input", None) or getattr(request, "text", None))  # + the preview text
        return await self._clone_voice(self.target(api_key), request)

    async def speak(
        self, request: Any, *, api_key: str | None = None, on_chunk: ChunkCallback | None = None
    ) -> SpeechResult:
        self._require(self.SUPPORTS_SPEAK, "speech")
        request = await cpu.run(self.check_speak, request, kind="before")  # reference clips are decoded here
        hosted.note_text(getattr(request, "text", None))  # what a capped demo key would be charged
        return await self._speak(self.target(api_key), request, on_chunk)

    async def list_voices(self, *, api_key: str | None = None, **filters: Any) -> list[Voice]:
        self._require(self.SUPPORTS_LIST, "listing voices")
        return await self._list_voices(self.target(api_key), **filters)

    async def delete_voice(self, voice_id: str, *, api_key: str | None = None, **kw: Any) -> str:
        self._require(self.SUPPORTS_DELETE, "deleting voices")
        if not (voice_id or "").strip():
            raise InputError("Choose a voice to delete.")
        return await self._delete_voice(self.target(api_key), voice_id.strip(), **kw)

    # -- checks (override) ---------------------------------------------------------------
    def check_upload(self, request: Any) -> Any:
        return request

    def check_clone(self, request: Any) -> Any:
        return request

    def check_speak(self, request: Any) -> Any:
        return request

    # -- hooks (override) -------------------------------------------------------------
    async def _upload_voice(self, target: Target, request: Any) -> UploadResult:
        raise UnsupportedError(f"{self.label} has no voice upload.")

    async def _clone_voice(self, target: Target, request: Any) -> UploadResult:
        raise UnsupportedError(f"{self.label} has no voice cloning.")

    async def _speak(self, target: Target, request: Any, on_chunk: ChunkCallback | None) -> SpeechResult:
        raise UnsupportedError(f"{self.label} has no speech.")

    async def _list_voices(self, target: Target, **filters: Any) -> list[Voice]:
        raise UnsupportedError(f"{self.label} cannot list voices.")

    async def _delete_voice(self, target: Target, voice_id: str, **kw: Any) -> str:
        raise UnsupportedError(f"{self.label} cannot delete voices.")

    # -- speech recognition (additive: the clinic's transcript auto-fill) --------------------------
    async def transcribe(self, request: Any, *, api_key: str | None = None) -> Any:
        self._require(self.SUPPORTS_TRANSCRIBE, "speech recognition")
        request = await cpu.run(self.check_transcribe, request, kind="before")
        return await self._transcribe(self.target(api_key), request)

    def check_transcribe(self, request: Any) -> Any:
        return request

    async def _transcribe(self, target: Target, request: Any) -> Any:
        raise UnsupportedError(f"{self.label} has no speech recognition.")

    # -- what the generic UI needs (playground/ui/tab_builder.py) -----------------------------------
    def request_from_fields(self, operation: str, values: dict[str, Any]) -> Any:
        """The request of an operation from the form's values (by field name). A request class with
        a `from_fields(values)` classmethod builds itself; otherwise see from_fields() below."""
        cls = self.REQUESTS.get(operation)
        if cls is None:
            raise UnsupportedError(f"{self.label} declares no request for {operation!r}.")
        maker = getattr(cls, "from_fields", None)
        return maker(values) if maker is not None else from_fields(cls, values)

    def live_options(self, request: Any) -> dict[str, Any]:
        """How the live player reads this speech request: keywords of ui.live_player.speak_live()."""
        fmt = getattr(request, "response_format", None) or getattr(request, "format", None) or "mp3"
        return dict(
            live=bool(getattr(request, "stream", False)),
            fmt=fmt,
            sample_rate=getattr(request, "sample_rate", None),
            channels=getattr(request, "channel", None) or 1,
        )

    def _one_of(self, value: Any, allowed, what: str) -> Any:
        return one_of(value, allowed, what, self.label)

    def _require(self, supported: bool, what: str) -> None:
        if not supported:
            raise UnsupportedError(f"{self.label} does not support {what}.")

    # -- answers ------------------------------------------------------------------------------------
    def _json(self, body: bytes, target: Target, what: str) -> dict[str, Any]:
        """A successful answer that must be a JSON object (else a typed InvalidResponseError)."""
        try:
            doc = json.loads(body)
        except ValueError:
            doc = None
        if not isinstance(doc, dict):
            raise self._invalid(target, f"{what} did not answer with a JSON object")
        return doc

    def _invalid(self, target: Target, detail: str) -> ProviderError:
        return self.transport.error(
            status=200, code=None, provider_message=detail, target=target, cls=InvalidResponseError
        )

    def _check_container(
        self, data: bytes, fmt: str, containers: dict[str, set[str]], target: Target, *, empty: str = "empty body"
    ) -> None:
        """Speech bytes of the asked format: not empty, and of one of the containers `containers` gives
        for it; a headerless format (not in `containers`, e.g. pcm) can only be checked not to be text."""
        if not data:
            raise self._invalid(target, empty)
        expected = containers.get(fmt)
        if expected is None and looks_like_text(data):
            raise self._invalid(target, f"a text body instead of {fmt} audio")
        if expected is not None and sniff_format(data) not in expected:
            raise self._invalid(target, f"expected {fmt} audio, got {data[:40]!r}")

    async def _refuse_text_answer(
        self,
        resp: httpx.Response,
        target: Target,
        *,
        text_types: tuple[str, ...] = TEXT_ANSWERS,
        allow: tuple[str, ...] = (),
    ) -> str:
        """A speech answer whose content type starts with one of `text_types` (and is not in `allow`)
        is JSON or text instead of audio: read its start (as much as an error answer: MAX_ERROR_BODY_BYTES,
        not the 64 MB an audio answer may have) and raise `_text_answer_error`. Returns the content type."""
        ctype = content_type(resp.headers)
        if ctype.startswith(text_types) and ctype not in allow:
            raw = bytearray()
            async for chunk in resp.aiter_bytes():
                raw += chunk
                if len(raw) >= MAX_ERROR_BODY_BYTES:
                    break
            raise self._text_answer_error(resp, bytes(raw[:MAX_ERROR_BODY_BYTES]), ctype, target)
        return ctype

    def _text_answer_error(self, resp: httpx.Response, raw: bytes, ctype: str, target: Target) -> ProviderError:
        """The typed error of a text answer (override for a provider's own mapping): here an
        InvalidResponseError with the answer's status and the code and words parse_error finds in it."""
        code, message = self.parse_error(resp.status_code, raw, ctype)
        return self.transport.error(
            status=resp.status_code,
            code=code,
            provider_message=message or "a text answer instead of audio",
            target=target,
            cls=InvalidResponseError,
        )


def from_fields(cls: type, values: dict[str, Any]) -> Any:
    """A request dataclass from form values: fields are matched by name; an empty value (None or "")
    for a field with a default leaves the default; names the dataclass lacks are ignored."""
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name not in values or not f.init:
            continue
        value = values[f.name]
        has_default = f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
        if value in (None, "") and has_default:
            continue
        kwargs[f.name] = value
    return cls(**kwargs)


# -- small shared checks ------------------------------------------------------------------
def check_range(value: float | int | None, bounds: list | tuple, name: str, label: str) -> None:
    if value is None:
        return
    lo, hi = bounds
    if not (lo <= value <= hi):
        raise InputError(f"{name} must be between {lo:g} and {hi:g} for {label}; got {value:g}.")


def one_of(value: Any, allowed, what: str, label: str) -> Any:
    """The value when it is one of `allowed`, else an InputError that lists them."""
    if value not in allowed:
        shown = ", ".join(map(str, allowed))
        raise InputError(f"Unknown {what} {value!r} for {label}.", hint=f"Choose one of: {shown}.")
    return value


ALLOWED_CONTROLS = "\n\r\t"


def check_text(text: str | None, bounds: list | tuple, label: str, what: str = "Text") -> str:
    text = (text or "").strip()
    control = next((ch for ch in text if unicodedata.category(ch) == "Cc" and ch not in ALLOWED_CONTROLS), None)
    if control is not None:
        raise InputError(
            f"{what} contains a control character (U+{ord(control):04X}) that cannot be spoken.",
            hint="Remove it (it often comes from copying terminal output) and try again.",
        )
    lo, hi = bounds
    if len(text) < lo:
        raise InputError(f"{what} is empty.", hint="Type something to say.")
    if len(text) > hi:
        raise InputError(
            f"{what} is {len(text):,} characters; {label} accepts at most {hi:,}.",
            hint="Shorten it or split it into parts.",
        )
    return text


async def emit(callback: ChunkCallback | None, chunk: bytes) -> None:
    if callback is None:
        return
    result = callback(chunk)
    if result is not None:
        await result


def with_references_counted(body: dict[str, Any], references: list | None) -> dict[str, Any]:
    """The request fields a result shows: reference clips (audio bytes or data URIs) as their count."""
    sent = {k: v for k, v in body.items() if k != "references"}
    if references:
        sent["references"] = f"{len(references)} clip(s)"
    return sent


def reference_voice_label(voice: str | None, references: list | None) -> str:
    """What a take was spoken with: the voice, else the reference clip(s), else the provider's default."""
    return voice or ("reference clip" if references else "default voice")


async def read_audio(resp: httpx.Response, on_chunk: ChunkCallback | None) -> bytes:
    """The whole body of a streamed audio answer, each non-empty chunk passed on as it comes."""
    chunks: list[bytes] = []
    async for chunk in resp.aiter_bytes():
        if chunk:
            chunks.append(chunk)
            await emit(on_chunk, chunk)
    return b"".join(chunks)


def content_type(headers: Mapping[str, str]) -> str:
    """The media type of an answer, lower case, without its parameters ("" when there is none)."""
    return headers.get("content-type", "").split(";")[0].strip().lower()
